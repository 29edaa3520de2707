/*
 * listener.c - binding, listening and accepting (see listener.h).
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "peercred.h"

/* Attempts at a free temporary name before giving up. */
#define LISTENER_TMP_TRIES 8

/* Random characters in the temporary name (see SOCKPATH_MAX). */
#define LISTENER_TMP_RANDOM 10

/*
 * Refuses what must not be replaced at addr: a file that is not a socket,
 * or a socket someone answers on (ours: another coordinator; someone
 * else's: said so, with their uid).
 */
static int
listener_probe(const struct sockaddr_un *addr, struct err *e)
{
	struct stat st;
	int probe;

	if (lstat(addr->sun_path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		err_set(e, "%s: exists and is not a socket", addr->sun_path);
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe == -1) {
		err_sys(e, "socket");
		return -1;
	}
	if (connect(probe, (const struct sockaddr *)addr, sizeof *addr) == 0) {
		if (peercred_check_server(probe, addr->sun_path, e) == 0)
			err_set(e, "%s: another coordinator is running there",
			    addr->sun_path);
		close(probe);
		return -1;
	}
	close(probe);
	if (!peercred_trusted(st.st_uid)) {
		err_set(e, "%s: a socket file of uid %u is there, not yours "
		    "(uid %u); not replacing it", addr->sun_path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	return 0;
}

/* Fills tmp with addr plus "." and random characters. */
static int
listener_tmp_name(const struct sockaddr_un *addr, struct sockaddr_un *tmp,
    struct err *e)
{
	static const char chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[LISTENER_TMP_RANDOM];
	char suffix[LISTENER_TMP_RANDOM + 2];

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		err_sys(e, "getrandom");
		return -1;
	}
	suffix[0] = '.';
	for (size_t i = 0; i < sizeof r; i++)
		suffix[i + 1] = chars[r[i] % (sizeof chars - 1)];
	suffix[sizeof suffix - 1] = '\0';
	*tmp = *addr;
	if (snprintf(tmp->sun_path, sizeof tmp->sun_path, "%s%s",
	    addr->sun_path, suffix) >= (int)sizeof tmp->sun_path) {
		err_set(e, "%s: socket path too long", addr->sun_path);
		return -1;
	}
	return 0;
}

/*
 * Binds fd to a fresh temporary name beside addr, into tmp. The umask makes
 * the file 0600 from the start (the process is single-threaded): a chmod
 * after bind() would follow a symbolic link put in its place.
 */
static int
listener_bind_tmp(int fd, const struct sockaddr_un *addr,
    struct sockaddr_un *tmp, struct err *e)
{
	mode_t old;
	int rc, i;

	for (i = 0; i < LISTENER_TMP_TRIES; i++) {
		if (listener_tmp_name(addr, tmp, e) == -1)
			return -1;
		old = umask(0177);
		rc = bind(fd, (const struct sockaddr *)tmp, sizeof *tmp);
		umask(old);
		if (rc == 0)
			return 0;
		if (errno != EADDRINUSE)
			break;
	}
	err_sys(e, "%s: bind", tmp->sun_path);
	return -1;
}

int
listener_open(const struct sockaddr_un *addr, struct err *e)
{
	struct sockaddr_un tmp;
	int fd, saved;

	if (listener_probe(addr, e) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_sys(e, "socket");
		return -1;
	}
	if (listener_bind_tmp(fd, addr, &tmp, e) == -1) {
		close(fd);
		return -1;
	}
	if (listen(fd, LISTENER_BACKLOG) == -1 ||
	    rename(tmp.sun_path, addr->sun_path) == -1) {
		saved = errno;
		unlink(tmp.sun_path);
		close(fd);
		errno = saved;
		err_sys(e, "%s", addr->sun_path);
		return -1;
	}
	return fd;
}

int
listener_accept(int lfd)
{
	struct err e;
	uid_t uid;
	pid_t pid;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_warn("accept: %s", strerror(errno));
			return -1;
		}
		/* Only processes of our own user (or root) take part. */
		if (peercred_get(fd, &uid, &pid, &e) == -1) {
			log_warn("connection %d: %s; refused", fd, e.msg);
			close(fd);
			continue;
		}
		if (!peercred_trusted(uid)) {
			log_warn("connection %d from uid %u (pid %d): not our "
			    "user; refused", fd, (unsigned)uid, (int)pid);
			close(fd);
			continue;
		}
		return fd;
	}
}

void
listener_close(int lfd, const struct sockaddr_un *addr)
{
	close(lfd);
	if (unlink(addr->sun_path) == -1 && errno != ENOENT)
		log_warn("%s: %s", addr->sun_path, strerror(errno));
}

int
listener_open_tcp(const struct addr *a, struct addr *bound, struct err *e)
{
	struct addrinfo hints, *res;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char port[16], name[ADDR_TEXT_MAX];
	int fd, rc, on = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof port, "%u", a->port);
	rc = getaddrinfo(a->host, port, &hints, &res);
	if (rc != 0) {
		err_set(e, "%s: %s", a->text, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	if (fd == -1) {
		err_sys(e, "%s: socket", a->text);
		freeaddrinfo(res);
		return -1;
	}
	/* A coordinator run again on its port must not wait for TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, LISTENER_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		err_sys(e, "%s", a->text);
		freeaddrinfo(res);
		close(fd);
		return -1;
	}
	freeaddrinfo(res);
	*bound = *a;
	addr_peer_name((struct sockaddr *)&ss, len, name, sizeof name);
	bound->port = (unsigned)strtoul(strrchr(name, ':') + 1, NULL, 10);
	addr_format(bound);
	return fd;
}

int
listener_accept_tcp(int lfd, char *name, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	for (;;) {
		len = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_warn("accept: %s", strerror(errno));
			return -1;
		}
		addr_peer_name((struct sockaddr *)&ss, len, name, size);
		return fd;
	}
}
