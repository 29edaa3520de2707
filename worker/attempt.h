/*
 * attempt.h - one attempt of a task, run in the calling process, and its
 * report.
 *
 * The worker's task process (child.h) calls this once and ends: whatever
 * the plugin keeps between calls (counters, memory, static variables)
 * lives as long as the attempt.
 */
#ifndef MR_ATTEMPT_H
#define MR_ATTEMPT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "mapreduce.h"
#include "mr.pb-c.h"

struct streaming;

/* What every attempt of a worker runs with. */
struct attempt_conf {
	const struct mr_app *app;
	const struct streaming *stream;	/* a streaming job's commands, or
					   NULL (streaming.h) */
	size_t		 memory;	/* --memory, in bytes */
	uint64_t	 job;		/* Welcome.job_id: stamped in mr-X-Y */
	const char	*out_dir;	/* folder of mr-out-Y; "" the job folder */
	const struct err *init_err;	/* why the plugin's init failed, or
					   NULL: then every attempt fails so */
};

/*
 * Runs `task` (a map or a reduce) in the current folder, the job folder,
 * and appends its report to out: one frame holding a TaskDone (with this
 * process's plugin counters) or a TaskFailed saying why, either quoting
 * task->attempt and task->incarnation; before it, the task's status lines
 * (taskstatus.h) on the pipe to the worker (child.h), if it runs in a
 * child. A failed attempt is logged here.
 * Returns 0, or -1 with e set when the report does not fit in a frame.
 */
int	attempt_run(const struct attempt_conf *c, const Mr__Task *task,
	    struct buf *out, struct err *e);

/*
 * Appends to out the report of an attempt of `task` that could not run
 * at all (why): a TaskFailed, so that the coordinator gives the task to
 * another worker. Returns 0, or -1 with e set.
 */
int	attempt_failed(const Mr__Task *task, const char *why, struct buf *out,
	    struct err *e);

#endif
