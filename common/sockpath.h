/*
 * sockpath.h - where the coordinator's Unix socket lives.
 *
 * In order: the --socket option, the MR_SOCKET environment variable, and
 * /tmp/mr-<uid>.sock. The coordinator and the workers resolve it the same way.
 */
#ifndef MR_SOCKPATH_H
#define MR_SOCKPATH_H

#include <sys/socket.h>
#include <sys/un.h>

#include "err.h"

/*
 * Longest socket path: a Unix socket address holds 107 bytes, and the
 * coordinator binds to the path plus ".<pid>" before renaming it into place.
 */
#define SOCKPATH_MAX ((int)sizeof(((struct sockaddr_un *)0)->sun_path) - 1 - 12)

/*
 * Fills addr with the socket path chosen from `option` (may be NULL), the
 * environment and the default. Returns -1 with e set when the path is empty
 * or too long for a Unix socket address.
 */
int	sockpath_resolve(const char *option, struct sockaddr_un *addr,
	    struct err *e);

#endif
