/*
 * eventlog.h - the coordinator's log lines about what happens to attempts
 * while the job runs: a timeout, naming its task, its worker and whether
 * the task runs again; a backup started for a straggler. A subscriber of
 * the job (job.h); the summary (summary.h) counts them at the end.
 */
#ifndef MR_EVENTLOG_H
#define MR_EVENTLOG_H

#include <stddef.h>

#include "job.h"

/*
 * A job_subscriber: arg is the job (its tasks read for a map task's
 * input names). Always 0.
 */
int	eventlog_on_event(void *arg, const struct job_event *ev, struct err *e);

/*
 * The log line of a timeout, ev of type JOB_EV_TIMED_OUT, into out[len]:
 * "map task 3 (a.txt) timed out after 10 s on worker 2; requeued".
 */
void	eventlog_timeout(const struct tasks *t, const struct job_event *ev,
	    char *out, size_t len);

#endif
