/*
 * status.h - the coordinator's answer to a StatusRequest: the job, every
 * task and every worker, with names a person can read.
 *
 *	st = status_build(&job, tasks, workers, nworkers, now);
 *	... pack it into an Envelope and send it ...
 *	status_free(st);
 */
#ifndef MR_STATUS_H
#define MR_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"

#include "job.h"
#include "progress.h"
#include "tasks.h"

/* What the server knows of the job beyond its tasks. */
struct status_job {
	const char		*socket;
	const char		*job_dir;
	int			 pid;		/* the coordinator's */
	uint32_t		 incarnation;	/* 1, more for a resumed job */
	const struct progress_snapshot *snap;
};

/* One connected worker, as the server knows it. */
struct status_worker {
	uint32_t		 id;
	int			 pid;
	Mr__WorkerState		 state;
	uint32_t		 tasks_done;	/* accepted reports */
	double			 joined;	/* when it said Hello */
	int			 busy;		/* holds a task: */
	enum task_kind		 kind;
	uint32_t		 task;		/* map X or reduce partition Y */
	const char		*host;		/* Hello.host; NULL: none */
};

/*
 * A task's readable name: for a map task its input name, followed by the
 * split's byte range when the input is cut ("big.txt [16.0 MiB, 32.0 MiB)");
 * for a reduce task "partition 3 -> mr-out-3".
 */
void	status_task_name(const struct tasks_view *v, char *buf, size_t size);

/* Builds a Status (version set) on the heap; `now` is on the tasks' clock. */
Mr__Status	*status_build(const struct status_job *job,
		    const struct tasks *t, const struct status_worker *workers,
		    size_t nworkers, double now);

/*
 * What status shows that only the job's events tell: the accepted attempts
 * of each worker. A job subscriber (job.h).
 */
struct status_tally;

struct status_tally *status_tally_new(void);
void	status_tally_free(struct status_tally *t);

/* A job subscriber, arg being the tally; never fails. */
int	status_tally_on_event(void *arg, const struct job_event *ev,
	    struct err *e);

/* Attempts of `worker` accepted so far. */
uint32_t status_tally_done(const struct status_tally *t, uint32_t worker);

/* Leaves the task list out, for a Status too large to send. */
void	status_omit_tasks(Mr__Status *st);

/* Frees what status_build() returned; NULL is fine. */
void	status_free(Mr__Status *st);

#endif
