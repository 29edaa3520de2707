/*
 * tcpserve.h - the coordinator's TCP listening sockets on its event loop
 * (--listen): each accepted connection is tuned (no Nagle delay, the
 * keepalive bound of addr_tune_tcp()) and handed to the owner with its
 * peer's address, which the owner then makes prove itself (handshake.h).
 */
#ifndef MR_TCPSERVE_H
#define MR_TCPSERVE_H

#include <stddef.h>

#include <ev.h>

#include "addr.h"
#include "err.h"

struct tcpserve;

/* A connection accepted from `host` ("192.0.2.7:40312"), a non-blocking fd. */
typedef void tcpserve_accept_fn(void *arg, int fd, const char *host);

/*
 * Listens on the n addresses of a (listener_open_tcp()) and serves them on
 * loop, calling accept for each connection, tuned for a `peer_timeout`
 * seconds bound. Returns the set (n may be 0), or NULL with e naming the
 * address that failed (nothing is left listening).
 */
struct tcpserve	*tcpserve_open(struct ev_loop *loop, const struct addr *a,
		    size_t n, double peer_timeout, tcpserve_accept_fn *accept,
		    void *arg, struct err *e);

/* Where the i-th address listens (its port when 0 was asked); NULL past n. */
const struct addr *tcpserve_bound(const struct tcpserve *t, size_t i);

/* Stops accepting and closes the sockets; frees t. NULL is fine. */
void	tcpserve_close(struct tcpserve *t);

#endif
