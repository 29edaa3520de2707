/*
 * listener.h - the coordinator's listening socket: made so that nobody
 * else can take its place or reach it, and serving only our own user.
 */
#ifndef MR_LISTENER_H
#define MR_LISTENER_H

/* Pending connections the kernel keeps for us: a cluster's workers all
 * start at once (capped by net.core.somaxconn). */
#define LISTENER_BACKLOG 4096

#include <sys/un.h>

#include "addr.h"
#include "err.h"

/*
 * Creates a non-blocking socket listening at addr, mode 0600. It is bound
 * under a temporary name beside addr (addr plus "." and random characters,
 * so that another user cannot block it by taking the name first) and
 * renamed into place once it listens, so that a worker never finds a
 * socket file nobody answers. A socket where one of our coordinators
 * answers is never taken over, nor one held by another user (e says which
 * uid), nor a file that is not a socket; a stale socket file is replaced.
 * Returns the fd, or -1 with e set.
 */
int	listener_open(const struct sockaddr_un *addr, struct err *e);

/*
 * Accepts the next connection from a process of our own user or root, as
 * a non-blocking fd. Connections of other users are closed with a log
 * line. Returns -1 once none is pending (or on an error, logged).
 */
int	listener_accept(int lfd);

/*
 * Creates a non-blocking TCP socket listening at a (HOST resolved to its
 * first address; "tcp:0.0.0.0:P" or "tcp:[::]:P" for every interface,
 * the latter IPv4 too), port 0 meaning one the kernel picks. Fills bound
 * with the address actually listened on (its port). Returns the fd, or -1
 * with e set naming a.
 */
int	listener_open_tcp(const struct addr *a, struct addr *bound,
	    struct err *e);

/*
 * Accepts the next TCP connection as a non-blocking fd, its peer's
 * address in name ("192.0.2.7:40312"). Nothing is known of who it is: the
 * handshake (auth.h) says. Returns -1 once none is pending (or on an
 * error, logged).
 */
int	listener_accept_tcp(int lfd, char *name, size_t size);

/* Closes lfd and removes the socket file at addr; logs a failure. */
void	listener_close(int lfd, const struct sockaddr_un *addr);

#endif
