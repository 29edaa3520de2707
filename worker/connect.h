/*
 * connect.h - reaching the coordinator's socket, waiting for it to appear.
 */
#ifndef MR_CONNECT_H
#define MR_CONNECT_H

#include <sys/un.h>

#include "err.h"

/*
 * Connects to the Unix socket at addr. While there is no socket, or only a
 * stale one nobody listens on, waits up to `wait` seconds for a coordinator
 * to put one there (inotify on the folder, no polling). Returns a blocking
 * fd, or -1 with e set.
 */
int	connect_wait(const struct sockaddr_un *addr, double wait, struct err *e);

#endif
