/*
 * maptable.h - records grouped by partition and key in memory.
 *
 * Records emitted into the table are grouped by key in a hash table as they
 * arrive, each key holding its values in emission order; with a combiner,
 * a key's values are folded by it every few records, and with the SDK's
 * mr_combine_sum a key holds only its running sum (see
 * maptable_internal.h for the layout). maptable_sort() then orders the
 * distinct keys by partition and key, for walking them in order.
 *
 * A table holds at most about `budget` bytes: when the next record would
 * pass it, the table hands itself to its `full` function, which writes out
 * what it holds (a map task spills a sorted run, worker/spill.h), and then
 * forgets its keys and goes on. The table knows nothing of files.
 */
#ifndef MR_MAPTABLE_H
#define MR_MAPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapreduce.h"

struct maptable;

/* Called once per distinct key; key is NUL-terminated. Returns 0 or -1. */
typedef int (*maptable_group_fn)(void *arg, const char *key, size_t keylen,
    mr_values *values);

/* Called once per key of a table of sums, the sum as decimal text. */
typedef int (*maptable_sum_fn)(void *arg, const char *key, size_t keylen,
    const char *sum, size_t sumlen);

/*
 * Writes out everything table t holds, which it sorted first with
 * maptable_sort(); the table forgets it after a 0. Returns 0, or -1 with
 * e set, which fails the table.
 */
typedef int (*maptable_full_fn)(void *arg, struct maptable *t,
    struct err *e);

/*
 * A table over nparts partitions (the lab's hash, common/hash.h), folding
 * with `combine` (NULL for none), holding about `budget` bytes (SIZE_MAX:
 * unbounded, and then `full` may be NULL) before it calls full(arg, ...).
 */
struct maptable	*maptable_new(uint32_t nparts, mr_reduce_fn combine,
		    size_t budget, maptable_full_fn full, void *arg);

/*
 * Partitions keys with fn (mr_partition_fn, mapreduce.h) from now on;
 * NULL, the default, is the lab's hash. A key fn puts out of range fails
 * the table (maptable_error() names the partition). Set it before
 * anything is emitted.
 */
void	maptable_set_partition(struct maptable *t, mr_partition_fn fn);

/*
 * Empties the table for reuse with the same arguments, keeping its memory:
 * keys, values, the record count and a failure are all forgotten.
 */
void	maptable_clear(struct maptable *t);

/*
 * The emitter to emit records with; an emit fails when the table failed
 * (the combiner, a sum that overflows or is not a number, the `full`
 * function: see maptable_error()) or once it is sorted.
 */
mr_emitter	*maptable_emitter(struct maptable *t);

/* Whether the table failed, with the reason in e. */
int	maptable_error(const struct maptable *t, struct err *e);

/* Records emitted since the table was made or cleared. */
uint64_t	 maptable_count(const struct maptable *t);

/* Distinct keys held now. */
size_t	 maptable_keys(const struct maptable *t);

/* 1 when the table holds sums (made with mr_combine_sum), else 0. */
int	 maptable_sums(const struct maptable *t);

/*
 * Hands what the table holds to its `full` function now, then forgets it
 * (the record count stays). Returns 0, or -1 with the table failed.
 */
int	maptable_drain(struct maptable *t);

/*
 * Orders the keys by partition, then bytewise within each (maptable_sort.c).
 * No more records may be emitted after, until the table is drained or
 * cleared. Sorting again does nothing.
 */
void	maptable_sort(struct maptable *t);

/*
 * Walks the distinct keys of partition `part` in key order, each with its
 * values in emission order (for a table of sums, its sum as decimal text).
 * Needs maptable_sort() first. Stops at the first fn returning -1 and
 * returns -1; else 0.
 */
int	maptable_foreach_group(struct maptable *t, uint32_t part,
	    maptable_group_fn fn, void *arg);

/*
 * The same over every partition at once: all the distinct keys in key
 * order (bytewise), whatever their partitions (a merge of the sorted
 * partitions). Needs maptable_sort() first.
 */
int	maptable_foreach_group_all(struct maptable *t, maptable_group_fn fn,
	    void *arg);

/*
 * The same for a table of sums (maptable_sums()), each key with its sum,
 * without an iterator: what mr_combine_sum would make of its values
 * (maptable_sum.c).
 */
int	maptable_sum_foreach(struct maptable *t, uint32_t part,
	    maptable_sum_fn fn, void *arg);

/* Frees the table. NULL is fine. */
void	maptable_free(struct maptable *t);

#endif
