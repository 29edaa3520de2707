/*
 * taskstatus.h - a running task's status line, from the task's process to
 * its worker (and on to the coordinator, which mrctl status asks).
 *
 * A streaming command sets it with "reporter:status:MESSAGE" on its
 * standard error (streamcmd.h). Each new line is written at once on the
 * pipe to the worker (child.h) as a TaskProgress frame, unless one went
 * less than MR_PROGRESS_INTERVAL seconds ago: then it waits, and only the
 * latest is sent when the interval is over (taskstatus_tick()) or when
 * the attempt ends (taskstatus_flush()). A line is cut at
 * MR_TASK_STATUS_MAX bytes, never inside a UTF-8 character. The worker
 * forwards the frames to a coordinator that takes them.
 */
#ifndef MR_TASKSTATUS_H
#define MR_TASKSTATUS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The attempt the lines are about and the pipe they go to (-1: none, the
 * lines are only kept); for the task's process, before its task runs.
 */
void	taskstatus_init(int fd, uint64_t attempt, uint32_t incarnation);

/* A new status line, text[0..len). */
void	taskstatus_set(const char *text, size_t len);

/*
 * Progress without a new line (a counter was added to): the last line
 * ("" none, which the coordinator takes for progress alone) is sent again,
 * at once or when the interval is over, so that the coordinator does not
 * time the attempt out.
 */
void	taskstatus_touch(void);

/* The last line set ("" none), as cut. */
const char *taskstatus_last(void);

/* Milliseconds until a waiting line is due; -1 when none waits. */
int	taskstatus_wait_ms(void);

/* Sends a waiting line when it is due. */
void	taskstatus_tick(void);

/* Sends a waiting line now: the attempt is over. */
void	taskstatus_flush(void);

#endif
