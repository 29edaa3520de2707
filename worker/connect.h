/*
 * connect.h - reaching the coordinator's socket, waiting for it to appear.
 */
#ifndef MR_CONNECT_H
#define MR_CONNECT_H

#include <sys/un.h>

#include "addr.h"
#include "auth.h"
#include "err.h"

/*
 * Connects to the Unix socket at addr. While there is no socket, or only a
 * stale one nobody listens on, waits up to `wait` seconds for a coordinator
 * to put one there (inotify on the folder; when no inotify instance or
 * watch can be had, attempts 10 ms apart, doubling up to 250 ms). Then
 * checks that the server runs as our user or root and that the socket file
 * is ours (peercred_check_server()). Returns a blocking fd, or -1 with e
 * set (naming the socket, and the uid found when that is the problem) and
 * errno ENOENT or ECONNREFUSED when nobody came in time (at once for a
 * wait of 0, which tries once and watches nothing).
 * When it had to wait with inotify, it keeps an inotify instance open
 * (with no watch left) for connect_release().
 */
int	connect_wait(const struct sockaddr_un *addr, double wait, struct err *e);

/*
 * connect_wait() over TCP: dials a (dial.h: the handshake with auth, a
 * peer_timeout bound) and, while nobody listens there or the host cannot
 * be reached, tries again, CONNECT_POLL_MIN seconds apart doubling up to
 * CONNECT_RETRY_MAX, for up to `wait` seconds. Returns a blocking fd that
 * passed the handshake, or -1 with e set: errno ECONNREFUSED when nobody
 * came in time, EACCES when the server did not prove itself.
 */
int	connect_wait_tcp(const struct addr *a, const struct auth *auth,
	    double peer_timeout, double wait, struct err *e);

/*
 * Closes what connect_wait() kept. Call it when the worker is done: by then
 * the kernel has retired the watch, so the close does not wait for it.
 */
void	connect_release(void);

#endif
