/*
 * mapout.h - a map task's output: records grouped by partition and key.
 *
 * Records emitted by map are copied into one arena and indexed per reduce
 * partition; mapout_sort() orders each partition by key (bytewise, equal
 * keys in emission order) and mapout_write() writes one sorted intermediate
 * file per partition, running the application's combiner over each key's
 * values when it has one.
 */
#ifndef MR_MAPOUT_H
#define MR_MAPOUT_H

#include <stdint.h>

#include "err.h"
#include "mapreduce.h"

struct mapout;

/* Called once per distinct key; key is NUL-terminated. Returns 0 or -1. */
typedef int (*mapout_group_fn)(void *arg, const char *key, size_t keylen,
    mr_values *values);

/* An empty output split over nparts partitions with the lab's hash. */
struct mapout	*mapout_new(uint32_t nparts);

/* The emitter to hand to map. */
mr_emitter	*mapout_emitter(struct mapout *mo);

/* Number of records emitted. */
uint64_t	 mapout_count(const struct mapout *mo);

/* Sorts every partition. */
void	mapout_sort(struct mapout *mo);

/* Walks the distinct keys of a sorted partition in order. */
int	mapout_foreach_group(struct mapout *mo, uint32_t part,
	    mapout_group_fn fn, void *arg);

/*
 * Writes mr-<map_id>-<p> for every partition p (empty ones too), combining
 * when `combine` is not NULL. Adds the bytes written to *bytes. Returns 0,
 * or -1 with e set (files already renamed into place stay; they are whole).
 */
int	mapout_write(struct mapout *mo, uint32_t map_id, mr_reduce_fn combine,
	    uint64_t *bytes, struct err *e);

void	mapout_free(struct mapout *mo);

#endif
