/*
 * job.h - the job: the only owner of its tasks, and the one stream of what
 * happens to them.
 *
 *	j = job_new(tasks, &cfg);		takes the tasks over
 *	job_subscribe(j, journal_on_event, jn);	in the order they must hear
 *	job_subscribe(j, attempts_on_event, a);
 *	...
 *	job_worker_joined(j, id, pid, now);	the server, as workers speak
 *	job_lease(j, id, now, &l);
 *	job_done(j, id, &report, now);
 *	...
 *	job_free(j);
 *
 * The server turns messages into calls of this file and never touches the
 * tasks itself; every change of the job's state comes out as one typed
 * event (struct job_event), published to every subscriber in the order
 * they subscribed, before the call returns. So the report, the progress
 * line, the status and the journal are subscribers, not special cases of
 * the server: a subscriber added later changes nothing else. A subscriber
 * that must be heard before the change is acted on (the journal: a
 * write-ahead log) subscribes first; when it cannot do its part (a write
 * fails) it returns -1 with an error, and the job fails with that error.
 *
 * Times are seconds on the caller's monotonic clock, as in tasks.h.
 */
#ifndef MR_JOB_H
#define MR_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tasks.h"

enum job_event_type {
	JOB_EV_WORKER_JOINED,	/* worker, pid */
	JOB_EV_WORKER_LEFT,	/* worker, why */
	JOB_EV_LEASED,		/* an attempt handed out: attempt, lease */
	JOB_EV_TIMED_OUT,	/* its deadline passed; it may still report:
				   requeued, secs, quiet */
	JOB_EV_DONE,		/* accepted: bytes, counters, output, secs */
	JOB_EV_STALE,		/* reported done, but another attempt counts */
	JOB_EV_FAILED,		/* reported a failure: error */
	JOB_EV_LOST,		/* its worker went away while it ran */
	JOB_EV_CANCELLED,	/* another attempt of its task won (an original
				   beaten by its backup, or a backup beaten):
				   its worker must be told to stop it */
	JOB_EV_MAP_RESET,	/* map task id sent back by a failing reduce
				   (its output was missing or corrupt) */
	JOB_EV_PHASE,		/* the job's phase changed: phase */
	JOB_EV_KEPT,		/* a task done before a restart is kept: kept */
	JOB_EV_PLUGIN		/* the job's plugin is now known: app, digest */
};

struct job_event {
	enum job_event_type	 type;
	double			 now;
	uint32_t		 worker;
	int			 pid;		/* WORKER_JOINED */
	const char		*why;		/* WORKER_LEFT */
	uint64_t		 attempt;	/* attempt events */
	enum task_kind		 kind;		/* attempt events, MAP_RESET */
	uint32_t		 id;		/* map task X or partition Y */
	const struct lease	*lease;		/* LEASED */
	int			 backup;	/* attempt events of a backup */
	double			 secs;		/* DONE, TIMED_OUT: since it
						   was leased */
	double			 quiet;		/* TIMED_OUT: without progress */
	int			 requeued;	/* TIMED_OUT: its task is queued
						   again (else the other attempt
						   of its pair runs on) */
	uint64_t		 bytes_in;	/* DONE, STALE: from the report */
	uint64_t		 bytes_out;
	int			 has_bytes;	/* a report gave them */
	const struct tasks_counter *counters;	/* DONE */
	size_t			 ncounters;
	uint64_t		 output_size;	/* DONE of a reduce: mr-out-Y */
	uint32_t		 output_crc;
	const char		*error;		/* FAILED: never NULL */
	const char		*input_changed;	/* DONE of a map: "" or how */
	enum tasks_phase	 phase;		/* PHASE: the new one */
	const struct job_kept	*kept;		/* KEPT */
	const char		*app, *digest;	/* PLUGIN */
};

/*
 * How the attempt an event ends ended: for JOB_EV_DONE, _STALE, _FAILED,
 * _LOST and _CANCELLED (OUTCOME_BACKUP_LOST for a backup's, else
 * OUTCOME_CANCELLED) returns 0 with *o set; -1 for an event that ends no
 * attempt (a timeout included: the attempt may still report).
 */
int	job_event_outcome(const struct job_event *ev, enum tasks_outcome *o);

/*
 * A subscriber: 0, or -1 with e set when it could not do its part; the job
 * then fails with that error (and the change is not acted on).
 */
typedef int (*job_subscriber)(void *arg, const struct job_event *ev,
    struct err *e);

/* A worker's done report, in the job's terms. */
struct job_done_report {
	uint64_t		 attempt;
	uint64_t		 bytes_in, bytes_out;
	const struct tasks_counter *counters;
	size_t			 ncounters;
	const char		*input_changed;	/* map: "" or NULL when none */
	uint64_t		 output_size;	/* reduce: mr-out-Y */
	uint32_t		 output_crc;
};

/* A worker's failure report. */
struct job_failed_report {
	uint64_t		 attempt;
	const char		*error;		/* NULL or "": none given */
	const uint32_t		*bad_maps;
	size_t			 nbad;
	int			 fatal;		/* no attempt can succeed */
};

/*
 * A task done before the coordinator restarted, as the journal has it:
 * what its accepted attempt did. Times are seconds since the job first
 * started.
 */
struct job_kept {
	enum task_kind		 kind;
	uint32_t		 id;
	uint32_t		 incarnation;	/* of the coordinator that took it */
	uint64_t		 attempt;	/* its id then */
	uint32_t		 worker;
	double			 start, end;
	uint64_t		 bytes_in, bytes_out;
	const struct tasks_counter *counters;
	size_t			 ncounters;
	uint64_t		 output_size;	/* reduce */
	uint32_t		 output_crc;
	const char		*input_changed;	/* map: "" or how */
};

/* What the job moved so far, for the summary, the progress and the report. */
struct job_totals {
	uint64_t		 map_bytes;	/* written by accepted maps */
	uint64_t		 reduce_bytes;	/* by accepted reduces */
	double			 reduce_secs;	/* of accepted reduces */
	uint32_t		 reduces_timed;
};

struct job;

/*
 * The job of the tasks t, which it owns from now on (job_free() frees
 * them). `input_bytes` is what the inputs weigh as planned, for the
 * summary.
 */
struct job	*job_new(struct tasks *t, uint64_t input_bytes);

/* Frees the job and its tasks. NULL is fine. */
void		 job_free(struct job *j);

/*
 * `worker` says at `now` that `attempt` makes progress, with the status
 * line `status` (a streaming command's reporter:status:; "" progress
 * alone): as tasks_set_status(), which moves the attempt's deadline on.
 * No event: the line is read where the status is built, and the caller
 * arms its timer for the next deadline (job_expire()).
 */
enum tasks_verdict job_status_line(struct job *j, uint32_t worker,
	    uint64_t attempt, const char *status, double now);

/* Adds a subscriber, heard after those added before it. */
void	job_subscribe(struct job *j, job_subscriber fn, void *arg);

/* The tasks, to read (views, counts, counters); never to change. */
const struct tasks *job_tasks(const struct job *j);

/* The phase: tasks_phase(), or PHASE_FAILED once job_fail() was called. */
enum tasks_phase job_phase(const struct job *j);

/*
 * Why the job failed, with the last error a worker gave ("map task 3
 * failed 4 times; last error: ..."), when job_phase() is PHASE_FAILED.
 */
const char	*job_failure(const struct job *j);

/* Ends the job as failed for `why` (copied), if it is not over yet. */
void	job_fail(struct job *j, const char *why, double now);

void	job_worker_joined(struct job *j, uint32_t worker, int pid,
	    double now);
void	job_worker_left(struct job *j, uint32_t worker, const char *why,
	    double now);

/* tasks_lease(), publishing JOB_EV_LEASED. */
int	job_lease(struct job *j, uint32_t worker, double now,
	    struct lease *l);

/*
 * `worker` reports attempt r->attempt done. Returns the verdict of
 * tasks_report_done_counters(); on VERDICT_INVALID nothing changed.
 */
enum tasks_verdict job_done(struct job *j, uint32_t worker,
	    const struct job_done_report *r, double now);

/* `worker` reports attempt r->attempt failed (tasks_report_failed/fatal). */
enum tasks_verdict job_failed(struct job *j, uint32_t worker,
	    const struct job_failed_report *r, double now);

/* The worker holding `attempt` is gone (tasks_lost()). */
void	job_lost(struct job *j, uint64_t attempt, double now);

/*
 * tasks_expire(): returns the next deadline, 0 for none, and in *n (when
 * not NULL) how many attempts timed out now.
 */
double	job_expire(struct job *j, double now, uint64_t *n);

/* What accepted attempts moved so far. */
void	job_totals(const struct job *j, struct job_totals *tot);

/*
 * Input bytes the accepted map attempts read, and how many map tasks read
 * an input that had changed since the job was planned (only with
 * --allow-changing-inputs); and the summary of those changes on the log.
 */
uint32_t job_changed_inputs(const struct job *j);
uint64_t job_input_read(const struct job *j);
void	job_changes_summary(const struct job *j);

/* Input bytes as planned. */
uint64_t job_input_bytes(const struct job *j);

/*
 * Makes the n tasks `kept` done before any is handed out (tasks_restore()),
 * counting what they moved, and publishes JOB_EV_KEPT for each. Returns 0,
 * or -1 with e set when the tasks refuse them (nothing changed then).
 */
int	job_restore(struct job *j, const struct job_kept *kept, size_t n,
	    double now, struct err *e);

/*
 * A worker runs plugin `app` whose file is `digest`. The first one makes
 * it the job's (JOB_EV_PLUGIN, so that the journal keeps it); a worker
 * with another is refused: returns -1 with e saying which the job runs.
 * A peer naming neither (mrworker always names its plugin; a test tool
 * speaking the protocol may not) is let through, fixing nothing.
 * job_set_plugin() gives the job's plugin as a resumed job's journal has
 * it, publishing nothing.
 */
int	job_plugin(struct job *j, const char *app, const char *digest,
	    double now, struct err *e);
void	job_set_plugin(struct job *j, const char *app, const char *digest);

/*
 * A streaming job's commands as a refused worker is told them
 * (streamopts_describe(), copied), so that its user sees what differs;
 * without it a refusal gives the digests alone.
 */
void	job_set_streaming_shown(struct job *j, const char *shown);

#endif
