/*
 * squatter - a server on a socket that is not the user's coordinator, for
 * scripts/test-security.sh: another local user who bound the socket path
 * first.
 *
 * usage: squatter PATH SECONDS
 *
 * Binds PATH with mode 0777 (so that anyone can connect, as an attacker
 * would make it), prints "listening" on stdout, and for SECONDS accepts
 * connections and reads what they send. A connection is over when its
 * peer closes it or stays silent for a second; then the tool prints
 * "connection N: B bytes" (N counting from 1). At the end it removes PATH
 * and prints "connections C, bytes B" in all. Exit status 0, 1 when it
 * cannot listen, 2 on a usage error.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Connections followed at once; more wait in the backlog. */
#define SQUATTER_CONNS 16
/* Seconds of silence that end a connection. */
#define SQUATTER_IDLE 1.0

struct squatter_conn {
	int	 fd;
	int	 id;
	long	 bytes;
	double	 last;	/* when it last sent something */
};

static double
squatter_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
squatter_listen(const char *path)
{
	struct sockaddr_un a;
	int fd;

	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "squatter: path too long: %s\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	umask(0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof a) == -1 ||
	    listen(fd, 16) == -1) {
		fprintf(stderr, "squatter: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

/* Ends connection c, printing what it sent. */
static void
squatter_end(struct squatter_conn *c)
{
	printf("connection %d: %ld bytes\n", c->id, c->bytes);
	fflush(stdout);
	close(c->fd);
	c->fd = -1;
}

int
main(int argc, char **argv)
{
	struct squatter_conn conns[SQUATTER_CONNS];
	struct pollfd pfd[SQUATTER_CONNS + 1];
	double end, now;
	long total = 0;
	char buf[4096];
	char *rest;
	int lfd, n, count = 0;
	ssize_t got;

	if (argc != 3 || (end = strtod(argv[2], &rest)) <= 0 || *rest != '\0') {
		fprintf(stderr, "usage: squatter PATH SECONDS\n");
		return 2;
	}
	if ((lfd = squatter_listen(argv[1])) == -1)
		return 1;
	printf("listening\n");
	fflush(stdout);
	end += squatter_now();
	for (int i = 0; i < SQUATTER_CONNS; i++)
		conns[i].fd = -1;
	while ((now = squatter_now()) < end) {
		n = 0;
		pfd[n].fd = lfd;
		pfd[n++].events = POLLIN;
		for (int i = 0; i < SQUATTER_CONNS; i++) {
			pfd[n].fd = conns[i].fd;	/* -1 is ignored */
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, 100) == -1 && errno != EINTR)
			break;
		now = squatter_now();
		for (int i = 0; i < SQUATTER_CONNS; i++) {
			struct squatter_conn *c = &conns[i];

			if (c->fd == -1)
				continue;
			if (pfd[i + 1].revents != 0) {
				got = read(c->fd, buf, sizeof buf);
				if (got <= 0) {
					squatter_end(c);
					continue;
				}
				c->bytes += got;
				total += got;
				c->last = now;
			} else if (now - c->last >= SQUATTER_IDLE)
				squatter_end(c);
		}
		if (pfd[0].revents == 0)
			continue;
		for (int i = 0; i < SQUATTER_CONNS; i++) {
			if (conns[i].fd != -1)
				continue;
			conns[i].fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (conns[i].fd == -1)
				break;
			conns[i].id = ++count;
			conns[i].bytes = 0;
			conns[i].last = now;
			break;
		}
	}
	for (int i = 0; i < SQUATTER_CONNS; i++)
		if (conns[i].fd != -1)
			squatter_end(&conns[i]);
	unlink(argv[1]);
	printf("connections %d, bytes %ld\n", count, total);
	return 0;
}
