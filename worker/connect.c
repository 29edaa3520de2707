/*
 * connect.c - connect to the coordinator, waiting on inotify if it is not up.
 *
 * The coordinator renames its socket into place only once it listens, so
 * an IN_CREATE or IN_MOVED_TO event in the socket's folder is the moment to
 * try again.
 *
 * Closing an inotify instance that still has a watch waits for the kernel
 * to retire the watch: an SRCU grace period, measured at 0 to 16 ms, which
 * a worker that has just connected would spend asleep instead of mapping.
 * So the watch is removed as soon as the worker is connected (that only
 * queues the retirement) and the instance is closed when the worker is
 * done, long after.
 *
 * inotify may be out of reach (its instances are limited per user, 128 by
 * default, shared by every process of the user): the wait then polls with
 * backoff, within the same deadline. Once connected, the server's
 * credentials are checked before the worker says anything (peercred.h).
 */
#include <sys/inotify.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connect.h"
#include "dial.h"
#include "log.h"
#include "peercred.h"

/*
 * Without inotify, the wait polls: first after CONNECT_POLL_MIN seconds,
 * doubling up to CONNECT_POLL_MAX between attempts.
 */
#define CONNECT_POLL_MIN 0.01
#define CONNECT_POLL_MAX 0.25

/* Over TCP there is nothing to watch: tries, backing off up to this. */
#define CONNECT_RETRY_MAX 0.5

/* The inotify instance of the last wait, kept until connect_release(). */
static int connect_ino = -1;

static double
connect_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One attempt: returns the fd, or -1 with errno from connect(). */
static int
connect_once(const struct sockaddr_un *addr)
{
	int fd, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Whether a failed attempt means "not up yet" rather than an error. */
static int
connect_absent(int error)
{
	return error == ENOENT || error == ECONNREFUSED;
}

/*
 * Watches the socket's folder for new names; returns the watch, or -1 with
 * e set and *fallback set when inotify is only unavailable (no instance or
 * watch left for this user: the limits are per user, shared by all of the
 * user's processes), which polling can stand in for.
 */
static int
connect_watch(const struct sockaddr_un *addr, int *fallback, struct err *e)
{
	char dir[sizeof addr->sun_path];
	const char *slash = strrchr(addr->sun_path, '/');
	int wd, saved;

	*fallback = 0;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == addr->sun_path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s",
		    (int)(slash - addr->sun_path), addr->sun_path);
	connect_release();
	connect_ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (connect_ino == -1) {
		err_sys(e, "inotify");
		*fallback = 1;
		return -1;
	}
	wd = inotify_add_watch(connect_ino, dir, IN_CREATE | IN_MOVED_TO);
	if (wd == -1) {
		saved = errno;
		err_sys(e, "%s", dir);
		*fallback = saved == ENOSPC || saved == ENOMEM;
		connect_release();
		return -1;
	}
	return wd;
}

/* Sleeps for `secs` seconds (a signal may cut it short: the caller loops). */
static void
connect_sleep(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int
connect_wait(const struct sockaddr_un *addr, double wait, struct err *e)
{
	char evbuf[4096];
	double deadline = connect_now() + wait, left, pause = CONNECT_POLL_MIN;
	struct pollfd pfd;
	int fd, wd = -1, polling = 0, absent = 0;

	for (;;) {
		fd = connect_once(addr);
		if (fd != -1)
			break;
		if (!connect_absent(errno)) {
			err_sys(e, "%s", addr->sun_path);
			break;
		}
		absent = errno;
		if (wait <= 0) {
			err_sys(e, "no coordinator at %s", addr->sun_path);
			break;
		}
		/*
		 * The usual case, a coordinator already up, needs no watch.
		 * Otherwise watch, then try again so that no creation is missed.
		 */
		if (wd == -1 && !polling) {
			if ((wd = connect_watch(addr, &polling, e)) == -1) {
				if (!polling)
					break;
				log_debug("%s; waiting for %s without it",
				    e->msg, addr->sun_path);
			}
			continue;
		}
		left = deadline - connect_now();
		if (left <= 0) {
			errno = absent;
			err_set(e, "no coordinator at %s (waited %g s)",
			    addr->sun_path, wait);
			break;
		}
		if (polling) {
			/* Backing off: a worker may wait long, by the hundred. */
			connect_sleep(pause < left ? pause : left);
			pause = pause * 2 < CONNECT_POLL_MAX ? pause * 2 :
			    CONNECT_POLL_MAX;
			continue;
		}
		pfd.fd = connect_ino;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) == -1 &&
		    errno != EINTR) {
			err_sys(e, "poll");
			break;
		}
		while (read(connect_ino, evbuf, sizeof evbuf) > 0)
			;
	}
	/* Nothing is sent to a server before we know it is one of ours. */
	if (fd != -1 && peercred_check_server(fd, addr->sun_path, e) == -1) {
		close(fd);
		fd = -1;
		errno = EACCES;	/* someone is there: not "nobody came" */
	}
	if (fd == -1) {
		absent = errno;
		connect_release();
		errno = absent;
	} else if (wd != -1)
		inotify_rm_watch(connect_ino, wd);
	return fd;
}

void
connect_release(void)
{
	if (connect_ino != -1)
		close(connect_ino);
	connect_ino = -1;
}

/* Whether a failed dial is worth another try: nobody there yet, or no route. */
static int
connect_tcp_absent(int error)
{
	return error == ECONNREFUSED || error == ETIMEDOUT ||
	    error == EHOSTUNREACH || error == ENETUNREACH ||
	    error == ECONNRESET || error == EAGAIN || error == EPIPE;
}

int
connect_wait_tcp(const struct addr *a, const struct auth *auth,
    double peer_timeout, double wait, struct err *e)
{
	double deadline = connect_now() + wait, left, pause = CONNECT_POLL_MIN;
	int fd;

	for (;;) {
		fd = dial(a, auth, peer_timeout, e);
		if (fd != -1 || !connect_tcp_absent(errno))
			return fd;
		left = deadline - connect_now();
		if (left <= 0) {
			if (wait > 0)
				err_prefix(e, "no coordinator (waited %g s)", wait);
			errno = ECONNREFUSED;
			return -1;
		}
		log_debug("%s; trying again", e->msg);
		connect_sleep(pause < left ? pause : left);
		pause = pause * 2 < CONNECT_RETRY_MAX ? pause * 2 :
		    CONNECT_RETRY_MAX;
	}
}
