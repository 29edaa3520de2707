/*
 * server.h - the coordinator's event loop: socket, connections, dispatch.
 */
#ifndef MR_SERVER_H
#define MR_SERVER_H

#include <sys/un.h>

#include "tasks.h"

struct server_config {
	struct sockaddr_un	 addr;		/* where to listen */
	const char		*job_dir;	/* absolute; sent to workers */
};

/*
 * Listens on cfg->addr and runs the job in `t` until every task is done or
 * the job fails. Returns the exit status for the program: 0 when every
 * output is final, 1 otherwise. Start-up failures are fatal.
 */
int	server_run(const struct server_config *cfg, struct tasks *t);

#endif
