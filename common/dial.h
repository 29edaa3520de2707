/*
 * dial.h - reaching a coordinator at an address (addr.h) and knowing it
 * is the job's before saying anything: on a Unix socket, its credentials
 * and the socket file's owner (peercred.h); over TCP, the handshake
 * (auth.h), with keepalive probes bounded as addr_tune_tcp() says. For
 * mrworker and mrctl alike.
 */
#ifndef MR_DIAL_H
#define MR_DIAL_H

#include "addr.h"
#include "auth.h"
#include "err.h"

/*
 * Seconds a client gives the coordinator to answer the handshake (then
 * it takes the connection for a dead one).
 */
#define DIAL_HANDSHAKE_TIMEOUT 5

/*
 * What a TCP client proves itself with: MUNGE, or the secret of
 * `secret_file` when not NULL, else of $MR_SECRET. Returns 0, or -1 with
 * e set (no secret at all: e says where it may be given).
 */
int	dial_auth(struct auth *a, enum auth_method m, const char *secret_file,
	    struct err *e);

/*
 * Connects to a once. Over TCP, tunes the socket for a `peer_timeout`
 * seconds bound and runs the handshake with auth. Returns a blocking fd,
 * or -1 with e set, errno ECONNREFUSED or ENOENT when nobody listens
 * there (worth waiting for), EACCES when someone answers who is not the
 * job's coordinator, anything else otherwise.
 */
int	dial(const struct addr *a, const struct auth *auth, double peer_timeout,
	    struct err *e);

#endif
