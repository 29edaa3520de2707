/*
 * jobfind.h - which coordinator socket mrctl talks to.
 *
 * In order: the --socket option, $MR_SOCKET, the default socket
 * (sockpath.h: mr.sock in $XDG_RUNTIME_DIR or /tmp/mr-<uid>, whose folder
 * is checked) when a coordinator answers there, and else a running mrrun
 * job of this user: a folder mrrun-* in sockpath_run_tmpdir() ($TMPDIR, or
 * /tmp when it is unset or too long), where mrrun makes them, that is ours
 * and closed to others
 * (sockpath_check_dir()), holding a socket mr.sock of ours that a
 * coordinator answers on. Who answers is checked by the caller before it
 * sends anything (peercred_check_server()).
 */
#ifndef MR_JOBFIND_H
#define MR_JOBFIND_H

#include <sys/un.h>

#include <stddef.h>

#include "err.h"

/* What jobfind_socket() found. */
struct jobfind {
	struct sockaddr_un	 addr;		/* the socket to use */
	char			**jobs;		/* JOBFIND_SEVERAL: every live mrrun socket */
	size_t			 njobs;
};

enum jobfind_result {
	JOBFIND_ERROR = -1,	/* e says why, naming what was tried */
	JOBFIND_FOUND = 0,	/* use f->addr */
	JOBFIND_SEVERAL = 1	/* several mrrun jobs: f->jobs lists them */
};

/* Finds the socket as described above; `option` may be NULL. */
enum jobfind_result jobfind_socket(const char *option, struct jobfind *f,
	    struct err *e);

/* Whether a coordinator (or anything) accepts connections at addr. */
int	jobfind_answers(const struct sockaddr_un *addr);

/* Frees f->jobs. */
void	jobfind_free(struct jobfind *f);

#endif
