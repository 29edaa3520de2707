/*
 * dial.c - connecting to a coordinator and checking it (see dial.h).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dial.h"
#include "peercred.h"

int
dial_auth(struct auth *a, enum auth_method m, const char *secret_file,
    struct err *e)
{
	int rc;

	memset(a, 0, sizeof *a);
	a->method = m;
	if (m == AUTH_METHOD_MUNGE)
		return 0;
	if (secret_file != NULL)
		return auth_secret_load(a, secret_file, e);
	if ((rc = auth_secret_env(a, e)) == 1)
		return 0;
	if (rc == 0)
		err_set(e, "no secret to prove this job's over TCP: give "
		    "--secret-file FILE (the job folder's %s, say) or set $%s, "
		    "or use --auth munge", AUTH_SECRET_FILE, AUTH_SECRET_ENV);
	return -1;
}

static int
dial_unix(const struct addr *a, struct err *e)
{
	int fd, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_sys(e, "socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&a->un, sizeof a->un) == -1) {
		saved = errno;
		err_sys(e, "no coordinator at %s", a->un.sun_path);
		close(fd);
		errno = saved;
		return -1;
	}
	if (peercred_check_server(fd, a->un.sun_path, e) == -1) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	return fd;
}

int
dial(const struct addr *a, const struct auth *auth, double peer_timeout,
    struct err *e)
{
	struct timeval tv = { DIAL_HANDSHAKE_TIMEOUT, 0 }, none = { 0, 0 };
	int fd, saved;

	if (a->kind == ADDR_UNIX)
		return dial_unix(a, e);
	if ((fd = addr_connect_tcp(a, e)) == -1)
		return -1;
	if (addr_tune_tcp(fd, peer_timeout, e) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1)
		goto fail;
	if (auth_client(fd, auth, a->text, e) == -1) {
		/* A server that would not prove itself is not worth waiting for. */
		saved = errno == EACCES || errno == EPROTO ? EACCES : errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	err_sys(e, "%s", a->text);
	close(fd);
	errno = saved;
	return -1;
}
