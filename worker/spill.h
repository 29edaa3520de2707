/*
 * spill.h - the sorted runs a map output writes to disk when it outgrows
 * its memory (worker/mapout.c): writing them and merging them into the
 * task's files at the end.
 *
 * A run is one unnamed file (scratch.h) in the job folder (the current
 * folder), holding one intermediate file (kvfile.h) of the job per
 * partition, one after another, checked on reading. Only the process that
 * wrote a run reads it, through the descriptor it keeps: no run ever has a
 * name another process could see (where the file system has no unnamed
 * files, it is removed right after it is made), so none is left behind by
 * a process that dies, however it dies, and none takes a name from the
 * folder. A run holds a descriptor until it is cleared or freed.
 */
#ifndef MR_SPILL_H
#define MR_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapreduce.h"
#include "maptable.h"
#include "merge.h"

struct spill;

/* The runs of an output of nparts partitions; none yet. */
struct spill	*spill_new(uint32_t nparts);

/* Sets the job id written in and checked in the runs; 0 until set. */
void	spill_set_job(struct spill *s, uint64_t job);

/*
 * Writes what table t holds (sorted: maptable_sort()) as one more run,
 * every partition in turn, combining with `combine` (NULL for none); t is
 * left as it is. Has the maptable_full_fn's contract. Returns 0, or -1 with
 * e set and nothing of this run left on disk.
 */
int	spill_add(struct spill *s, struct maptable *t, mr_reduce_fn combine,
	    struct err *e);

/* Runs written so far. */
unsigned	spill_count(const struct spill *s);

/*
 * Merges partition `part` of every run into the intermediate file `path`
 * (partwrite.h), combining with `combine`; adds its size to *bytes when
 * bytes is not NULL. Returns 0, or -1 with e set.
 */
int	spill_merge(struct spill *s, uint32_t part, const char *path,
	    mr_reduce_fn combine, uint64_t *bytes, struct err *e);

/*
 * The merge of partition `part` of every run (to merge_free(), before the
 * runs are cleared), or NULL with e set when a run cannot be read. With
 * part SPILL_ALL, of every partition of every run: all the records in key
 * order.
 */
#define SPILL_ALL UINT32_MAX
struct merge	*spill_open(struct spill *s, uint32_t part, struct err *e);

/* Discards every run (closing its file, which takes it off the disk). */
void	spill_clear(struct spill *s);

/* Discards every run and frees s. NULL is fine. */
void	spill_free(struct spill *s);

#endif
