/*
 * partwrite.h - writing one partition's records as an intermediate file
 * (common/kvfile.h), from a sorted map table (worker/maptable.h) or from a
 * merge of sorted runs (common/merge.h), key by key, through the
 * application's combiner when there is one.
 *
 * The records come in key order, so the file is sorted; a combiner that
 * emits another key than the one it was given would break that order and
 * the partitioning, and fails the file instead. The file is written
 * through a kvwriter (kvfile.h) that these functions commit, or abort on
 * a failure (which removes a named file: safefile.h), and free either way.
 */
#ifndef MR_PARTWRITE_H
#define MR_PARTWRITE_H

#include <stdint.h>

#include "err.h"
#include "kvfile.h"
#include "mapreduce.h"
#include "maptable.h"
#include "merge.h"

/*
 * Writes partition `part` of table t (sorted: maptable_sort()) to w,
 * combining with `combine` (NULL for none; with mr_combine_sum and a
 * table of sums, the sums are written as they are). Adds the file's size
 * to *bytes when bytes is not NULL. Returns 0, or -1 with e set.
 */
int	partwrite_table(struct maptable *t, uint32_t part, struct kvwriter *w,
	    mr_reduce_fn combine, uint64_t *bytes, struct err *e);

/*
 * The same for every record of merge m, which it frees (before the file
 * is committed, so that the merged files are closed by then), whatever
 * the outcome. A stream of the merge that fails fails the file.
 */
int	partwrite_merge(struct merge *m, struct kvwriter *w,
	    mr_reduce_fn combine, uint64_t *bytes, struct err *e);

#endif
