/*
 * spill.h - the sorted runs a map output writes to disk when it outgrows
 * its memory (worker/mapout.c): writing them, merging them into the
 * task's files at the end, their names and their removal.
 *
 * A run is one file per partition in the job folder (the current folder),
 * named ".mrtmp-run-PID-OUT-RUN-PART" for partition PART of run RUN of
 * output OUT: the pid keeps two workers sharing the folder apart, OUT the
 * outputs of one process (each struct spill takes a new number), and the
 * coordinator removes leftovers starting with ".mrtmp-" when the job ends.
 * Runs are intermediate files (kvfile.h) of the job, checked on reading;
 * they are read back by name when the task merges them, then removed.
 */
#ifndef MR_SPILL_H
#define MR_SPILL_H

#include <sys/types.h>

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
 * one file per partition, combining with `combine` (NULL for none); t is
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
 * The merge of partition `part` of every run (to merge_free()), or NULL
 * with e set when a run cannot be opened. With part SPILL_ALL, of every
 * partition of every run: all the records in key order.
 */
#define SPILL_ALL UINT32_MAX
struct merge	*spill_open(struct spill *s, uint32_t part, struct err *e);

/* Removes every run; the output then takes a new number. */
void	spill_clear(struct spill *s);

/* Removes every run and frees s. NULL is fine. */
void	spill_free(struct spill *s);

/* The name of partition `part` of run `run` of output `out`, into buf. */
void	spill_name(unsigned out, unsigned run, uint32_t part, char *buf,
	    size_t len);

/*
 * Removes every run of process `pid` from the current folder, and the
 * temporary names of those it was writing (where O_TMPFILE is refused,
 * safefile.h): for a task's process killed without its own cleanup (a
 * stopped attempt, worker/child.h). Errors are ignored: what is left is
 * the coordinator's leftovers at the job's end.
 */
void	spill_remove(pid_t pid);

#endif
