/*
 * partwrite.h - writing one partition's records as an intermediate file
 * (common/kvfile.h), from a sorted map table (worker/maptable.h) or from a
 * merge of sorted runs (common/merge.h), key by key, through the
 * application's combiner when there is one.
 *
 * The records come in key order, so the file is sorted; a combiner that
 * emits another key than the one it was given would break that order and
 * the partitioning, and fails the file instead. A failure removes what was
 * written (safefile.h).
 */
#ifndef MR_PARTWRITE_H
#define MR_PARTWRITE_H

#include <stdint.h>

#include "err.h"
#include "mapreduce.h"
#include "maptable.h"
#include "merge.h"

/*
 * Writes partition `part` of table t (sorted: maptable_sort()) to `path`
 * for job `job`, combining with `combine` (NULL for none; with
 * mr_combine_sum and a table of sums, the sums are written as they are).
 * Adds the file's size to *bytes when bytes is not NULL. Returns 0, or -1
 * with e set.
 */
int	partwrite_table(struct maptable *t, uint32_t part, const char *path,
	    uint64_t job, mr_reduce_fn combine, uint64_t *bytes,
	    struct err *e);

/*
 * The same for every record of merge m, which it frees (before the file
 * is committed, so that the merged files are closed by then), whatever
 * the outcome. A stream of the merge that fails fails the file.
 */
int	partwrite_merge(struct merge *m, const char *path, uint64_t job,
	    mr_reduce_fn combine, uint64_t *bytes, struct err *e);

#endif
