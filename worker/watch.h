/*
 * watch.h - noticing, while a task runs, that the coordinator is gone or
 * that the job is over.
 *
 * The worker talks to its coordinator with blocking calls and does not
 * read the socket while a task runs, so a plugin stuck in an endless map,
 * or an attempt the coordinator no longer wants, would outlive the job and
 * could still link files into the job folder. One thread of this module
 * waits the whole job in poll() for the coordinator's end of the
 * connection to close (POLLRDHUP, POLLHUP: the coordinator closes right
 * after a Shutdown, the kernel when the coordinator dies). Normal task
 * messages do not wake it. If that happens while a task runs, the attempt
 * is abandoned: the worker says why, removes the runs it spilled (named
 * files, spill.h) and what the Shutdown asks to remove, and ends at once
 * (_exit), so that its unnamed files vanish with it; exit status 0 when a
 * Shutdown said the job is done, 1 when it failed or the coordinator went
 * away without one. A file being linked when the connection closes is
 * linked first: the abandon waits for it, and no link comes after.
 * Between tasks, the main thread's own reads find the same things out.
 *
 * Cost: one thread asleep the whole job, two uncontended mutex operations
 * per task, and per file linked one poll() that does not wait and two
 * more (watch_check(), watch_release(): the safefile guard).
 */
#ifndef MR_WATCH_H
#define MR_WATCH_H

#include <stdint.h>

#include "err.h"
#include "mr.pb-c.h"

/*
 * Starts watching the connected socket fd (once, after the Welcome). An
 * attempt abandoned calls cleanup(sd) (if not NULL) last, from the
 * watcher's thread, with the Shutdown the coordinator sent or NULL; it must
 * not wait on anything the task may hold (stdio: log.h's messages are
 * fine there). Returns 0, or -1 with e set.
 */
int	watch_start(int fd, void (*cleanup)(const Mr__Shutdown *sd),
	    struct err *e);

/*
 * A task of attempt `attempt` starts. If the connection closed already,
 * the attempt is abandoned (the process ends) before it starts.
 */
void	watch_task_begin(uint64_t attempt);

/* The task is over; the main thread reads and writes the socket again. */
void	watch_task_end(void);

/*
 * A safefile guard (safefile_set_guard()): -1 with e set once the
 * coordinator closed the connection or sent anything during the task
 * (only a Shutdown can come then), so that no file is linked after the
 * coordinator is gone; 0 otherwise, and before watch_start(). After a 0,
 * the watcher waits until watch_release() (the guard's release), so that
 * it cannot abandon the attempt while the file is being linked.
 */
int	watch_check(void *arg, struct err *e);

/* Ends what a watch_check() that returned 0 holds. */
void	watch_release(void *arg);

#endif
