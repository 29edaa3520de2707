/*
 * report.h - the job's history, written as JSON at the end (--report).
 *
 *	r = report_new(path);
 *	report_inputs(r, names, sizes, n);
 *	report_begin(r, started);			the job starts
 *	tasks_set_observer(t, report_observe, r);	attempts, as they go
 *	report_worker_joined(r, ...); report_attempt_bytes(r, ...); ...
 *	report_write(r, t, &job, &e);			once, at the end
 *	report_free(r);
 *
 * Times are given on the caller's monotonic clock and written as seconds
 * since `started`. Nothing is written before report_write(), which makes
 * the file appear whole (common/safefile.h) or not at all.
 */
#ifndef MR_REPORT_H
#define MR_REPORT_H

#include <stddef.h>
#include <stdint.h>

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

/* The job's input files as given, and their sizes (copied). */
void	report_inputs(struct report *r, char *const *names,
	    const uint64_t *sizes, size_t n);

/* A tasks_observer (tasks.h): arg is the report. */
void	report_observe(void *arg, const struct tasks_event *ev);

/* Worker `id` said hello / went away, and why. */
void	report_worker_joined(struct report *r, uint32_t id, int pid,
	    double now);
void	report_worker_left(struct report *r, uint32_t id, const char *why,
	    double now);

/* What an attempt read and wrote, from its done report. */
void	report_attempt_bytes(struct report *r, uint64_t attempt,
	    uint64_t in, uint64_t out);

/* Why an attempt failed, from its failure report (copied). */
void	report_attempt_error(struct report *r, uint64_t attempt,
	    const char *error);

/*
 * Writes the report: the job (with t's counters and re-execution counts),
 * every worker, every attempt. Attempts still running end at job->end, as
 * "timeout" if their deadline had passed, else "cancelled". Returns 0, or
 * -1 with e set.
 */
int	report_write(struct report *r, const struct tasks *t,
	    const struct report_job *job, struct err *e);

#endif
