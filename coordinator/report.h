/*
 * report.h - the job's history, written as JSON at the end (--report).
 *
 *	r = report_new(path);
 *	report_inputs(r, names, sizes, n);
 *	report_begin(r, started);			the job starts
 *	...						the job runs, its
 *							events in a store
 *	report_write(r, attempts, t, &job, &e);		once, at the end
 *	report_free(r);
 *
 * The workers and attempts are those of the store (attempts.h), which
 * must keep errors whole (ATTEMPTS_ERROR_WHOLE). Times are given on the
 * caller's monotonic clock and written as seconds since `started`.
 * Nothing is written before report_write(), which makes the file appear
 * whole (common/safefile.h) or not at all.
 */
#ifndef MR_REPORT_H
#define MR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "attempts.h"
#include "err.h"
#include "tasks.h"

/* How the job ended and what it moved, for the report's "job" object. */
struct report_job {
	const char	*outcome;	/* "done", "failed", "interrupted" */
	const char	*failure;	/* why it failed, or NULL */
	double		 end;		/* monotonic time the job ended */
	uint64_t	 input_bytes;
	uint64_t	 intermediate_bytes;	/* of accepted attempts */
	uint64_t	 output_bytes;
};

struct report;

/* A report to be written to `path` (see safefile_check() to check it). */
struct report	*report_new(const char *path);
void		 report_free(struct report *r);

/* The job starts now, at `started` on the caller's clock. */
void	report_begin(struct report *r, double started);

/*
 * This run is coordinator `incarnation` of the job, which first started
 * `offset` seconds before it (a resumed job): times are written as seconds
 * since then, so that the tasks kept from earlier runs (JOB_EV_KEPT) keep
 * theirs, and this run's attempts are of that incarnation. A fresh job is
 * incarnation 1 at offset 0, the default.
 */
void	report_set_run(struct report *r, uint32_t incarnation, double offset);

/* The job's input files as given, and their sizes (copied). */
void	report_inputs(struct report *r, char *const *names,
	    const uint64_t *sizes, size_t n);

/*
 * Writes the report: the job (with t's counters and re-execution counts),
 * every worker and every attempt of st (a map attempt's inputs named from
 * t). Attempts still running end at job->end, as "timeout" if their
 * deadline had passed, else "cancelled". Returns 0, or -1 with e set.
 */
int	report_write(struct report *r, const struct attempts *st,
	    const struct tasks *t, const struct report_job *job,
	    struct err *e);

#endif
