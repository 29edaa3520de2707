/*
 * webload - browsers that mrctl web must not let slow a job, for
 * scripts/test-web.sh: N connections that each ask for a page's two
 * documents once a second (keep-alive, reading and discarding whatever
 * comes back, reconnecting when closed), and M connections that ask for
 * the whole status again and again and never read a byte.
 *
 * usage: webload --port PORT --seconds S [--clients N] [--stall M]
 *                [--token T]
 *
 * It speaks HTTP only as far as writing requests: answers are drained as
 * bytes, never parsed. Prints one line: "webload: N clients, M stalled,
 * R requests, B bytes read, C reconnections, E refused" when S seconds
 * have passed or at SIGTERM, and exits 0, or 1 when it could not connect
 * at all.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WEBLOAD_MAX 1000

struct webload_conn {
	int		 fd;
	double		 next;		/* when to send the next request */
	int		 stalled;
};

static struct sockaddr_in webload_addr;
static volatile sig_atomic_t webload_stop;
static char webload_req[512], webload_big[512];

static double
webload_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
webload_on_term(int sig)
{
	(void)sig;
	webload_stop = 1;
}

static int
webload_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&webload_addr,
	    sizeof webload_addr) == -1) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

int
main(int argc, char **argv)
{
	struct webload_conn c[WEBLOAD_MAX];
	struct pollfd pfd[WEBLOAD_MAX];
	const char *token = "";
	long port = 0, n = 0, stall = 0;
	double secs = 0, end, now;
	unsigned long long reqs = 0, bytes = 0, reconnects = 0, refused = 0;
	char buf[65536];
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0)
			secs = strtod(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--clients") == 0)
			n = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--stall") == 0)
			stall = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--token") == 0)
			token = argv[i + 1];
		else
			break;
	}
	if (i != argc || port <= 0 || port > 65535 || !(secs > 0) || n < 0 ||
	    stall < 0 || n + stall > WEBLOAD_MAX || n + stall == 0) {
		fprintf(stderr, "usage: webload --port PORT --seconds S "
		    "[--clients N] [--stall M] [--token T]\n");
		return 2;
	}
	memset(&webload_addr, 0, sizeof webload_addr);
	webload_addr.sin_family = AF_INET;
	webload_addr.sin_port = htons((uint16_t)port);
	webload_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* What the page asks each second: a page of tasks, and the history. */
	snprintf(webload_req, sizeof webload_req,
	    "GET /api/status?offset=0&limit=50 HTTP/1.1\r\nHost: 127.0.0.1:%ld"
	    "\r\nX-MR-Token: %s\r\n\r\nGET /api/history?since=0 HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%ld\r\nX-MR-Token: %s\r\n\r\n", port, token,
	    port, token);
	snprintf(webload_big, sizeof webload_big,
	    "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n"
	    "X-MR-Token: %s\r\n\r\n", port, token);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, webload_on_term);
	now = webload_now();
	end = now + secs;
	for (i = 0; i < n + stall; i++) {
		c[i].fd = webload_connect();
		if (c[i].fd == -1) {
			perror("webload: connect");
			return 1;
		}
		c[i].stalled = i >= n;
		/* Spread over the second, as browsers opened one by one are. */
		c[i].next = now + (double)i / (double)(n + stall);
	}
	while ((now = webload_now()) < end && !webload_stop) {
		for (i = 0; i < n + stall; i++) {
			if (c[i].fd == -1) {
				if ((c[i].fd = webload_connect()) == -1)
					refused++;
				else
					reconnects++;
			}
			if (c[i].fd != -1 && now >= c[i].next) {
				const char *r = c[i].stalled ? webload_big :
				    webload_req;

				/* A stalled one fills its socket, then waits. */
				if (write(c[i].fd, r, strlen(r)) > 0)
					reqs++;
				c[i].next = now + (c[i].stalled ? 0.05 : 1.0);
			}
			pfd[i].fd = c[i].stalled ? -1 : c[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)(n + stall), 50) == -1 && errno != EINTR)
			break;
		for (i = 0; i < n + stall; i++) {
			ssize_t got;

			if (pfd[i].fd == -1 || !(pfd[i].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			while ((got = read(c[i].fd, buf, sizeof buf)) > 0)
				bytes += (unsigned long long)got;
			if (got == 0 || (got == -1 && errno != EAGAIN)) {
				close(c[i].fd);
				c[i].fd = -1;
			}
		}
	}
	printf("webload: %ld clients, %ld stalled, %llu requests, %llu bytes "
	    "read, %llu reconnections, %llu refused\n", n, stall, reqs, bytes,
	    reconnects, refused);
	return 0;
}
