/*
 * peercred.h - who is at the other end of a Unix socket, and whether to
 * trust them.
 *
 * Trusted means running as our effective user, or as root. The coordinator
 * serves only trusted clients; a worker or mrctl talks only to a trusted
 * server, because a coordinator tells its workers which folder to work in
 * and which files to read and write: anyone else listening on the socket
 * (another local user who bound it first) could make them read the user's
 * files or overwrite the user's outputs.
 */
#ifndef MR_PEERCRED_H
#define MR_PEERCRED_H

#include <sys/types.h>

#include "err.h"

/* Whether a process or a file of this uid may be trusted: ours, or root. */
int	peercred_trusted(uid_t uid);

/*
 * Fills *uid and *pid with the credentials of the peer of the connected
 * Unix socket fd (SO_PEERCRED: for a client, those of the process that
 * called listen()). Returns 0, or -1 with e set.
 */
int	peercred_get(int fd, uid_t *uid, pid_t *pid, struct err *e);

/*
 * Checks the server that fd, a client socket just connected to the socket
 * file at `path`, reached: its credentials, and the owner of the file.
 * Call it before sending anything. Returns 0, or -1 with e set naming
 * `path` and the uid found.
 */
int	peercred_check_server(int fd, const char *path, struct err *e);

#endif
