/*
 * jobfind.h - which coordinator socket mrctl talks to.
 *
 * In order: the --socket option, $MR_SOCKET, the default socket
 * (/tmp/mr-<uid>.sock) when a coordinator answers there, and else a running
 * mrrun job of this user: a folder mrrun-* of ours in $TMPDIR (or /tmp when
 * TMPDIR is unset), where mrrun makes them, holding a socket mr.sock that a
 * coordinator answers on.
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
