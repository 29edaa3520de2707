/*
 * netjob.h - what a job served over TCP adds to the coordinator's start
 * and end: the secret its TCP peers prove they hold (made in the job
 * folder unless given), the file saying where it listens (.mr-address,
 * for launchers and for workers on other hosts that share the folder),
 * and a file descriptor limit high enough for a cluster's workers.
 */
#ifndef MR_NETJOB_H
#define MR_NETJOB_H

#include <limits.h>

#include "auth.h"
#include "err.h"
#include "server.h"

/* Where the coordinator says it listens, in the job folder: one line each. */
#define NETJOB_ADDRESS_FILE ".mr-address"

struct netjob {
	struct auth	 auth;		/* --auth, and the secret */
	const char	*secret_file;	/* --secret-file, or NULL */
	double		 peer_timeout;	/* --peer-timeout */
	int		 made_secret;	/* secret_path is ours to remove */
	char		 secret_path[PATH_MAX];
	char		 address_path[PATH_MAX];	/* written: remove at the end */
};

/* The defaults: the secret, ADDR_PEER_TIMEOUT_DEFAULT. */
void	netjob_init(struct netjob *nj);

/*
 * Gets what TCP peers are checked with: nothing more for MUNGE but a
 * credential munged must make now (so that a munged that is not running
 * is said at once); the secret of --secret-file, else of $MR_SECRET, else
 * the job folder's AUTH_SECRET_FILE (made when missing, kept when a
 * coordinator of this job left it). Returns 0, or -1 with e set.
 */
int	netjob_auth(struct netjob *nj, const char *job_dir, struct err *e);

/*
 * Writes NETJOB_ADDRESS_FILE in job_dir with the n TCP addresses s
 * listens on (none: nothing written), and logs them. Returns 0 or -1.
 */
int	netjob_record(struct netjob *nj, const struct server *s, size_t n,
	    const char *job_dir, struct err *e);

/*
 * The job is over: NETJOB_ADDRESS_FILE goes, and, when `done`, the secret
 * made for it (a job that may be resumed keeps it for its workers).
 */
void	netjob_end(struct netjob *nj, int done);

/* Raises RLIMIT_NOFILE so that `conns` connections fit, as far as allowed. */
void	netjob_raise_nofile(unsigned long long conns);

#endif
