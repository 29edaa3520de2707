/*
 * spill.h - the names of the sorted runs a map task writes to disk when
 * its output outgrows its memory (worker/mapout.c), and their removal.
 *
 * A run is a file in the job folder (the current folder), named
 * ".mrtmp-run-PID-OUT-RUN-PART" for partition PART of run RUN of output
 * OUT: the pid keeps two workers sharing the folder apart, and the
 * coordinator removes leftovers starting with ".mrtmp-" when the job ends.
 * Runs are read back by name when the task merges them, then removed.
 */
#ifndef MR_SPILL_H
#define MR_SPILL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

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
