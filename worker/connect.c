/*
 * connect.c - connect to the coordinator, waiting on inotify if it is not up.
 *
 * The coordinator renames its socket into place only once it listens, so
 * an IN_CREATE or IN_MOVED_TO event in the socket's folder is the moment to
 * try again.
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

int
connect_wait(const struct sockaddr_un *addr, double wait, struct err *e)
{
	char dir[sizeof addr->sun_path], evbuf[4096];
	const char *slash = strrchr(addr->sun_path, '/');
	double deadline = connect_now() + wait, left;
	struct pollfd pfd;
	int fd, ino;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == addr->sun_path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s",
		    (int)(slash - addr->sun_path), addr->sun_path);
	/* Watch before the first attempt so that no creation is missed. */
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino == -1) {
		err_sys(e, "inotify");
		return -1;
	}
	if (inotify_add_watch(ino, dir, IN_CREATE | IN_MOVED_TO) == -1) {
		err_sys(e, "%s", dir);
		close(ino);
		return -1;
	}
	for (;;) {
		fd = connect_once(addr);
		if (fd != -1)
			break;
		if (errno != ENOENT && errno != ECONNREFUSED) {
			err_sys(e, "%s", addr->sun_path);
			break;
		}
		left = deadline - connect_now();
		if (left <= 0) {
			err_set(e, "no coordinator at %s (waited %g s)",
			    addr->sun_path, wait);
			break;
		}
		pfd.fd = ino;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) == -1 &&
		    errno != EINTR) {
			err_sys(e, "poll");
			break;
		}
		while (read(ino, evbuf, sizeof evbuf) > 0)
			;
	}
	close(ino);
	return fd;
}
