/*
 * attempts.h - every attempt and every worker of this run, as the job's
 * events tell them: the one record of them, which the report (--report,
 * report.h) and the history (mrctl web, history.h) read.
 *
 *	a = attempts_new(error_max);
 *	job_subscribe(j, attempts_on_event, a);
 *	attempts_set_observer(a, fn, arg);	told of each change
 *	attempts_worker_host(a, id, host);	the server, at Hello
 *	...
 *	for (i = 0; i < attempts_count(a); i++) {
 *		attempts_get(a, i, &v);
 *		... outcome_name(attempts_outcome(&v)) (outcome.h) ...
 *	}
 *	attempts_free(a);
 *
 * Attempt records come in one sequence: the tasks kept from before a
 * restart first (JOB_EV_KEPT: the job publishes them before any attempt
 * is handed out, and one after that is ignored), then this run's attempts
 * in id order (ids count up from 1 with no gap, so attempt n is record
 * attempts_nkept() + n - 1, and a lease of another id is ignored). Worker
 * ids count up from 1 the same way: worker n is worker record n - 1. An
 * event of an attempt or a worker it never heard of changes nothing, nor
 * does a second end of an attempt or a second departure of a worker. A
 * record never moves: its index is its place for good.
 *
 * Times are kept as the events give them, on the caller's monotonic clock,
 * except a kept task's start and end: seconds since the job first started,
 * as the journal has them.
 */
#ifndef MR_ATTEMPTS_H
#define MR_ATTEMPTS_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"

#include "err.h"
#include "job.h"
#include "tasks.h"

/* attempts_new()'s error_max that keeps a failed attempt's error whole. */
#define ATTEMPTS_ERROR_WHOLE SIZE_MAX

/* One attempt as attempts_get() fills it in; pointers owned by the store. */
struct attempts_attempt {
	uint64_t	 attempt;	/* this run's id; a kept task's: its id in
					   the run that did it */
	enum task_kind	 kind;
	uint32_t	 task;		/* map task X or partition Y */
	uint32_t	 worker;	/* a kept task's: of the run that did it */
	uint32_t	 incarnation;	/* kept: the coordinator that took it;
					   0 for this run's */
	int		 kept;		/* done before a restart, kept */
	int		 backup;	/* a backup attempt */
	double		 start;
	int		 ended;		/* over: end and outcome */
	double		 end;
	enum tasks_outcome outcome;
	int		 has_timeout;	/* its deadline passed while it ran, */
	double		 timed_out;	/* then */
	int		 has_bytes;	/* a done report gave them: */
	uint64_t	 bytes_in, bytes_out;
	const char	*error;		/* failed: the worker's error, cut to
					   error_max bytes; else NULL */
};

/* One worker as attempts_worker() fills it in; pointers owned by the store. */
struct attempts_worker {
	uint32_t	 id;
	int		 pid;
	const char	*host;		/* its Hello's, or NULL */
	double		 joined;
	double		 left;		/* when why is set */
	const char	*why;		/* why it left; NULL while connected */
};

/* What changed: attempt record `index`, or worker record `index`. */
enum attempts_record {
	ATTEMPTS_ATTEMPT,
	ATTEMPTS_WORKER
};

/*
 * Told of every change of a record, once per change, after it: a record
 * added (index == the count before it), an attempt timed out or ended, a
 * worker gone or its host named.
 */
typedef void (*attempts_observer)(void *arg, enum attempts_record what,
    size_t index);

struct attempts;

/*
 * An empty store. A failed attempt's error is kept up to error_max bytes
 * (ATTEMPTS_ERROR_WHOLE: all of it, as the report writes it).
 */
struct attempts	*attempts_new(size_t error_max);

/* Frees a and its records. NULL is fine. */
void	attempts_free(struct attempts *a);

/* A job subscriber (job.h), arg being the store; never fails. */
int	attempts_on_event(void *arg, const struct job_event *ev,
	    struct err *e);

/* Worker `id`'s host name (copied, cut to MR_HOST_MAX bytes). */
void	attempts_worker_host(struct attempts *a, uint32_t id,
	    const char *host);

/* The one observer (NULL: none). */
void	attempts_set_observer(struct attempts *a, attempts_observer fn,
	    void *arg);

/* Attempt records (kept tasks included), and how many are kept tasks. */
size_t	attempts_count(const struct attempts *a);
size_t	attempts_nkept(const struct attempts *a);

/* Fills *v with attempt record i (< attempts_count()). */
void	attempts_get(const struct attempts *a, size_t i,
	    struct attempts_attempt *v);

/* Worker records: worker i + 1 is record i. */
size_t	attempts_nworkers(const struct attempts *a);

/* Fills *w with worker record i (< attempts_nworkers()). */
void	attempts_worker(const struct attempts *a, size_t i,
	    struct attempts_worker *w);

/*
 * How an attempt ended, as the History message and the report tell it:
 * ATTEMPT_RUNNING while it runs; a backup done first ATTEMPT_BACKUP_WON;
 * one lost after its deadline had passed ATTEMPT_TIMEOUT.
 */
Mr__AttemptOutcome attempts_outcome(const struct attempts_attempt *v);


#endif
