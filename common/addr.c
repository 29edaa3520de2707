/*
 * addr.c - addresses and TCP connections (see addr.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

/* The prefixes of the two forms. */
#define ADDR_TCP_PREFIX "tcp:"
#define ADDR_UNIX_PREFIX "unix:"

static int
addr_parse_unix(const char *s, const char *path, struct addr *a,
    struct err *e)
{
	if (*path == '\0') {
		err_set(e, "%s: empty socket path", s);
		return -1;
	}
	/* The coordinator binds PATH plus "." and 10 characters first. */
	if (strlen(path) > sizeof a->un.sun_path - 1 - 12) {
		err_set(e, "socket path too long (%zu bytes, at most %zu): %s",
		    strlen(path), sizeof a->un.sun_path - 1 - 12, path);
		errno = ENAMETOOLONG;
		return -1;
	}
	a->kind = ADDR_UNIX;
	a->un.sun_family = AF_UNIX;
	strcpy(a->un.sun_path, path);
	addr_format(a);
	return 0;
}

static int
addr_parse_tcp(const char *s, const char *rest, struct addr *a,
    struct err *e)
{
	const char *colon, *host = rest;
	size_t hlen;
	char *end;
	unsigned long port;

	if (*rest == '[') {
		/* An IPv6 address: "[::1]:7000". */
		colon = strstr(rest, "]:");
		if (colon == NULL)
			goto bad;
		host = rest + 1;
		hlen = (size_t)(colon - host);
		colon++;
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL)
			goto bad;
		hlen = (size_t)(colon - rest);
		if (memchr(rest, ':', hlen) != NULL)
			goto bad;	/* an IPv6 address wants brackets */
	}
	if (hlen == 0 || hlen > ADDR_HOST_MAX)
		goto bad;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    port > 65535) {
		err_set(e, "%s: the port is not a number from 0 to 65535", s);
		errno = EINVAL;
		return -1;
	}
	a->kind = ADDR_TCP;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	a->port = (unsigned)port;
	addr_format(a);
	return 0;
bad:
	err_set(e, "%s: not an address (tcp:HOST:PORT, tcp:[IPV6]:PORT or "
	    "unix:PATH)", s);
	errno = EINVAL;
	return -1;
}

int
addr_parse(const char *s, int bare_path, struct addr *a, struct err *e)
{
	memset(a, 0, sizeof *a);
	if (strncmp(s, ADDR_TCP_PREFIX, strlen(ADDR_TCP_PREFIX)) == 0)
		return addr_parse_tcp(s, s + strlen(ADDR_TCP_PREFIX), a, e);
	if (strncmp(s, ADDR_UNIX_PREFIX, strlen(ADDR_UNIX_PREFIX)) == 0)
		return addr_parse_unix(s, s + strlen(ADDR_UNIX_PREFIX), a, e);
	if (bare_path)
		return addr_parse_unix(s, s, a, e);
	err_set(e, "%s: not an address (tcp:HOST:PORT, tcp:[IPV6]:PORT or "
	    "unix:PATH)", s);
	errno = EINVAL;
	return -1;
}

void
addr_format(struct addr *a)
{
	if (a->kind == ADDR_UNIX)
		snprintf(a->text, sizeof a->text, "unix:%.*s",
		    (int)(sizeof a->text - 6), a->un.sun_path);
	else if (strchr(a->host, ':') != NULL)
		snprintf(a->text, sizeof a->text, "tcp:[%s]:%u", a->host,
		    a->port);
	else
		snprintf(a->text, sizeof a->text, "tcp:%s:%u", a->host,
		    a->port);
}

void
addr_peer_name(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%s", host, serv);
	else
		snprintf(buf, size, "%s:%s", host, serv);
}

void
addr_fd_peer(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(buf, size, "?");
		return;
	}
	addr_peer_name((struct sockaddr *)&ss, len, buf, size);
}

int
addr_connect_tcp(const struct addr *a, struct err *e)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	int fd = -1, rc, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(port, sizeof port, "%u", a->port);
	rc = getaddrinfo(a->host, port, &hints, &res);
	if (rc != 0) {
		err_set(e, "%s: %s", a->text, gai_strerror(rc));
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = saved;
		err_sys(e, "%s", a->text);
	}
	return fd;
}

int
addr_tune_tcp(int fd, double timeout, struct err *e)
{
	int on = 1, idle, cnt;
	unsigned ms = (unsigned)(timeout * 1000);

	/* Probes every third of the bound, at least one a second. */
	idle = (int)(timeout / 3);
	if (idle < 1)
		idle = 1;
	cnt = (int)(timeout / idle) + 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms) == -1) {
		err_sys(e, "TCP options");
		return -1;
	}
	return 0;
}
