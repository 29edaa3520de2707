/*
 * watch.c - the coordinator's connection, watched while a task runs (see
 * watch.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "spill.h"
#include "watch.h"

/*
 * The watcher's stack: it only polls and formats a message, but glibc
 * takes the static TLS of every loaded library out of a thread's stack,
 * and sanitizers need room of their own.
 */
#define WATCH_STACK (256 * 1024)

/* What the thread and the main thread share, under lock. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static int watch_fd = -1;
static int watch_busy;			/* a task runs */
static int watch_closed;		/* the coordinator closed its end */
static uint64_t watch_attempt;		/* of the task that runs */
static void (*watch_cleanup)(const Mr__Shutdown *);

/*
 * The coordinator closed the connection while attempt watch_attempt runs:
 * removes the attempt's spilled runs (and what the Shutdown, if any, asks
 * to remove), then ends the process, with the status the Shutdown gives.
 * Called with the lock held, so that no file is being linked meanwhile and
 * none is after (watch_check()); the main thread does not read the socket
 * meanwhile. Its messages never wait (log_set_nowait()).
 */
static void __attribute__((noreturn))
watch_abandon(void)
{
	Mr__Envelope *env = NULL;
	const Mr__Shutdown *sd = NULL;
	struct err e;
	int failed = 1;

	if (frame_recv(watch_fd, &env, &e) == 1 &&
	    env->msg_case == MR__ENVELOPE__MSG_TASK &&
	    env->task->kind_case == MR__TASK__KIND_SHUTDOWN) {
		sd = env->task->shutdown;
		failed = sd->failed;
		if (failed)
			log_warn("the job failed while attempt %llu ran; "
			    "attempt abandoned",
			    (unsigned long long)watch_attempt);
		else
			log_debug("the job is done while attempt %llu ran; "
			    "attempt abandoned",
			    (unsigned long long)watch_attempt);
	} else
		log_warn("lost the coordinator while attempt %llu ran; "
		    "attempt abandoned", (unsigned long long)watch_attempt);
	/* Named files outlive the process; unnamed ones (O_TMPFILE) go with it. */
	spill_remove_all();
	if (watch_cleanup != NULL)
		watch_cleanup(sd);
	/*
	 * At once, whatever the plugin is doing in the main thread: no atexit
	 * handler or stdio flush may run under its feet.
	 */
	_exit(failed ? 1 : 0);
}

static void *
watch_main(void *arg)
{
	struct pollfd pfd;
	int n;

	(void)arg;
	log_set_nowait();
	pfd.fd = watch_fd;
	pfd.events = POLLRDHUP;		/* not POLLIN: tasks do not wake it */
	do
		n = poll(&pfd, 1, -1);
	while (n == -1 && errno == EINTR);
	pthread_mutex_lock(&watch_lock);
	watch_closed = 1;
	if (watch_busy)
		watch_abandon();
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

int
watch_start(int fd, void (*cleanup)(const Mr__Shutdown *), struct err *e)
{
	pthread_attr_t attr;
	pthread_t t;
	size_t stack = WATCH_STACK;
	int rc;

	watch_fd = fd;
	watch_cleanup = cleanup;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	rc = pthread_create(&t, &attr, watch_main, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		err_set(e, "cannot start the connection's watcher: %s",
		    strerror(rc));
		watch_fd = -1;
		return -1;
	}
	return 0;
}

void
watch_task_begin(uint64_t attempt)
{
	pthread_mutex_lock(&watch_lock);
	watch_attempt = attempt;
	watch_busy = 1;
	if (watch_closed)
		watch_abandon();
	pthread_mutex_unlock(&watch_lock);
}

void
watch_task_end(void)
{
	pthread_mutex_lock(&watch_lock);
	watch_busy = 0;
	pthread_mutex_unlock(&watch_lock);
}

int
watch_check(void *arg, struct err *e)
{
	struct pollfd pfd;

	(void)arg;
	/* Held through the link: the watcher cannot abandon in between. */
	pthread_mutex_lock(&watch_lock);
	if (watch_fd == -1)
		return 0;
	pfd.fd = watch_fd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	if (watch_closed ||
	    (poll(&pfd, 1, 0) == 1 && pfd.revents != 0)) {
		pthread_mutex_unlock(&watch_lock);
		err_set(e, "the coordinator is gone or the job is over");
		return -1;
	}
	return 0;
}

void
watch_release(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&watch_lock);
}
