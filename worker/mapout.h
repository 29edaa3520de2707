/*
 * mapout.h - map output: records grouped by partition and key.
 *
 * Records emitted by map are grouped by key in a hash table as they arrive,
 * each key holding its values in emission order. mapout_write() sorts the
 * distinct keys and writes one sorted intermediate file per partition,
 * running the application's combiner over each key's values.
 *
 * A bounded mapout keeps at most `budget` bytes: it combines a key's values
 * every few records when there is a combiner, and when the memory is full it
 * spills a sorted run per partition to a temporary file; mapout_write() then
 * merges the runs. An unbounded one (mrsequential) never spills.
 */
#ifndef MR_MAPOUT_H
#define MR_MAPOUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapreduce.h"

struct mapout;

/* Called once per distinct key; key is NUL-terminated. Returns 0 or -1. */
typedef int (*mapout_group_fn)(void *arg, const char *key, size_t keylen,
    mr_values *values);

/* An unbounded output split over nparts partitions with the lab's hash. */
struct mapout	*mapout_new(uint32_t nparts);

/*
 * An output holding at most about `budget` bytes in memory, combining with
 * `combine` (NULL for none) and spilling runs to temporary files in the
 * current folder.
 */
struct mapout	*mapout_new_bounded(uint32_t nparts, mr_reduce_fn combine,
		    size_t budget);

/*
 * An empty bounded output like mapout_new_bounded(), reusing the memory of
 * `old` (consumed; may be NULL) when it was made with the same arguments:
 * a worker running many small map tasks then allocates nothing per task.
 */
struct mapout	*mapout_renew(struct mapout *old, uint32_t nparts,
		    mr_reduce_fn combine, size_t budget);

/*
 * Sets the job id written in the intermediate files and spilled runs (see
 * kvfile.h); 0 until set. Set it before anything is emitted.
 */
void	mapout_set_job(struct mapout *mo, uint64_t job);

/*
 * Partitions with the application's fn (NULL: the lab's hash), as
 * maptable_set_partition() says. Set it before anything is emitted.
 */
void	mapout_set_partition(struct mapout *mo, mr_partition_fn fn);

/* The emitter to hand to map; an emit fails only when a spill fails. */
mr_emitter	*mapout_emitter(struct mapout *mo);

/* Why an emit failed. */
int	mapout_error(const struct mapout *mo, struct err *e);

/* Number of records emitted. */
uint64_t	 mapout_count(const struct mapout *mo);

/* Number of runs spilled so far. */
unsigned	 mapout_spills(const struct mapout *mo);

/* Sorts the keys held in memory; no more records may be emitted after. */
void	mapout_sort(struct mapout *mo);

/*
 * Walks the distinct keys of partition `part` in key order (bytewise), each
 * with its values in emission order. Needs mapout_sort() first; for a
 * mapout that spilled it sees only what is still in memory.
 */
int	mapout_foreach_group(struct mapout *mo, uint32_t part,
	    mapout_group_fn fn, void *arg);

/*
 * Walks the distinct keys of every partition at once in key order
 * (bytewise), each with its values, wherever they are: in memory, or
 * merged from the runs spilled (what the table still held is spilled as
 * one more run first). No more records may be emitted after. Returns 0,
 * or -1 when fn did (0 with nothing in e) or reading a run failed (e set).
 */
int	mapout_walk(struct mapout *mo, mapout_group_fn fn, void *arg,
	    struct err *e);

/* The number of partitions. */
uint32_t mapout_nparts(const struct mapout *mo);

/*
 * Writes mr-<map_id>-<p> for every partition p (empty ones too), combining
 * when `combine` is not NULL, merging spilled runs if there are any. Adds
 * the bytes written to *bytes. Returns 0, or -1 with e set (files already
 * renamed into place stay; they are whole).
 */
int	mapout_write(struct mapout *mo, uint32_t map_id, mr_reduce_fn combine,
	    uint64_t *bytes, struct err *e);

/* Frees everything and removes spilled runs. NULL is fine. */
void	mapout_free(struct mapout *mo);

#endif
