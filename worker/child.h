/*
 * child.h - each task attempt in a process of its own, which the worker
 * can stop at any moment.
 *
 * The worker's process keeps the connection to the coordinator and runs
 * no plugin code; for each task it forks a child (never one per record)
 * that runs the attempt and hands the report back through a pipe, then
 * ends. Meanwhile the parent watches both the socket and that pipe
 * (worker/main.c), so that a Cancel, a Shutdown or a lost coordinator
 * stops the attempt at once, whatever the plugin is doing: SIGKILL, then
 * the named files it leaves (the temporary names of files being written
 * where O_TMPFILE is refused) are removed; its unnamed files, spilled
 * runs among them (spill.h), went with it. The child gets SIGKILL too when the parent
 * dies (PR_SET_PDEATHSIG), so no attempt outlives its worker. It is named
 * "mrworker-task" (its comm, as ps -o comm shows it), so that whoever
 * counts workers by name does not count it.
 *
 * No file is linked into the job folder once the parent has decided to
 * stop the child: the child's safefile guard (safefile.h) takes a robust,
 * process-shared mutex in a page the two share, made before each fork,
 * and refuses when the parent has set the page's "stopped" flag under that
 * mutex; the parent takes it before it reads a message during the task, so
 * a link under way when the coordinator speaks is finished first, and none
 * begins after. A child killed while it waits for the mutex is fine; one
 * that dies holding it (a crash in the middle of a link) does not hang the
 * parent (EOWNERDEAD). The guard also refuses once the coordinator's end
 * of the connection is closed, for a parent stopped or slow to notice.
 *
 * Cost: a fork, a pipe and a shared page per task, and the child's page
 * faults (fork copies no page table entry of the libraries' code: the
 * child faults in what it runs). Measured on 2 cores with tasks that do
 * almost nothing (scripts/test-worker.sh's many-tasks: the slow fixture
 * without its sleep, one-line input, test/fakecoord.c's bench), 0.3 ms
 * more per task on tmpfs (8 400 tasks/s in one process, 2 400 with a
 * child each) and 0.45 ms on ext4 (4 400, 1 480): nothing next to a task
 * that reads a split of megabytes. The guard costs a lock, a poll() that
 * does not wait and an unlock per file linked. A process the plugin
 * forks and leaves running holds the pipe open: its worker then waits for
 * it too.
 */
#ifndef MR_CHILD_H
#define MR_CHILD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct child;

/*
 * The pipe a child reports on carries frames: any number of TaskProgress
 * (the task's status line as it runs, worker/taskstatus.h), then the
 * report. The child leads a process group of its own, so that stopping it
 * stops what it started too (a streaming job's commands, and theirs).
 */

/*
 * Forks a child for attempt `attempt` that runs run(arg, report) (a fresh
 * empty buffer to append the report's bytes to) and hands the parent what
 * it appended if it returned 0; -1 ends it with status 1 and no report. It
 * never returns to the caller's code. `watch` is the coordinator's
 * connection, which the child only polls (see above). Returns the child,
 * or NULL with e set when no process or pipe could be had.
 */
struct child	*child_start(uint64_t attempt, int watch,
		    int (*run)(void *arg, struct buf *report), void *arg,
		    struct err *e);

/*
 * In a child, before it starts a process of its own (a streaming task's
 * commands): from then on, when the worker dies, by whatever means, the
 * child kills its whole process group with SIGKILL, itself included, so
 * that what its commands started (and left in the group) dies with the
 * worker too, not only the commands (whose own PR_SET_PDEATHSIG is the
 * task's process). Returns 0, or -1 with e set (the child then still dies
 * alone with its worker).
 *
 * Why this way: a process that gets SIGKILL runs nothing more, so the
 * only process that can kill the group at the worker's death is one that
 * survives that instant, and the task's process is the one of ours there
 * (a command's sh is someone else's program). Its PR_SET_PDEATHSIG
 * becomes a signal it catches (a real-time one, CHILD_DEATHSIG in
 * child.c), whose handler does kill(-getpid(), SIGKILL), async-signal-
 * safe. Nothing else in that process blocks or catches it: it runs only
 * our code (the commands are exec'd, which resets the handler). A
 * plugin's task does not call this and keeps plain SIGKILL, as a plugin
 * may catch or block any other signal and so outlive its worker. Not
 * chosen: a PID namespace (kills all at its init's death, but needs
 * privileges or user namespaces, often disabled), a cgroup (needs one
 * delegated). What leaves the group (setsid(), a daemon) escapes, as it
 * would any of these but a cgroup.
 */
int		 child_group_dies_with_parent(struct err *e);

/* In a child: its end of the report pipe, for TaskProgress; else -1. */
int		 child_report_fd(void);

/* The attempt it runs, and its pid (for logs and files). */
uint64_t	 child_attempt(const struct child *c);
pid_t		 child_pid(const struct child *c);

/* The report pipe's end, to poll for POLLIN. */
int		 child_fd(const struct child *c);

/*
 * Reads what the pipe holds (call when child_fd() is readable). Returns 0
 * while the child runs, 1 once it has ended (it is then reaped), so that
 * child_report() can say what it left.
 */
int		 child_read(struct child *c);

/*
 * 1 with *p, *len set to the frame of the last TaskProgress of this
 * attempt that came since the last call (valid until the next
 * child_read()), else 0.
 */
int		 child_progress(struct child *c, const uint8_t **p, size_t *len);

/*
 * After child_read() returned 1: 0 with *p and *len set to its report
 * (valid until child_free()), or -1 with e saying how it ended without one
 * ("the task's process was killed by signal 11", "exited with status 0
 * without a report").
 */
int		 child_report(struct child *c, const uint8_t **p, size_t *len,
		    struct err *e);

/*
 * Holds the child's links: waits for a link under way to be done, then
 * lets none begin until child_resume() or child_stop(). For the parent,
 * before it reads what the coordinator says during the task.
 */
void		 child_hold(struct child *c);

/* Ends a child_hold(). */
void		 child_resume(struct child *c);

/*
 * Stops the child for good: no link after this begins (holding it first
 * if not held), SIGKILL to its process group, reaped; then removes the files it named and left,
 * in the job folder (the current folder) and in out_dir when not NULL or
 * empty. Fine on a child that has ended already.
 */
void		 child_stop(struct child *c, const char *out_dir);

/* Frees what child_start() made; the child must have ended (or be stopped). */
void		 child_free(struct child *c);

#endif
