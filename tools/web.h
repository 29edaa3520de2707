/*
 * web.h - `mrctl web`: a job's live page, served over HTTP by a process of
 * its own, apart from the coordinator.
 *
 * The coordinator's loop never sees a browser: this process is one status
 * client of it (webpoll.h), asking at a pace it sets itself, and serves any
 * number of browsers from what it last read (webdata.h), with GNU
 * libmicrohttpd in a thread of its own. The same page serves a --report
 * file, for a job that is over.
 *
 * Security: it listens on the loopback by default, where every request
 * must name the loopback in its Host header (so that a web site cannot
 * read the page through DNS rebinding); elsewhere every request for the
 * job's data needs the random token printed with the URL (?token=, or the
 * X-MR-Token header). Cancelling the job always needs the token, in an
 * X-MR-Token header of a POST: a form or a link of another site can send
 * neither, and a script of another site cannot send the header without a
 * preflight this server never allows.
 */
#ifndef MR_WEB_H
#define MR_WEB_H

#include <sys/un.h>

/* Where it listens by default: the loopback only. */
#define WEB_DEFAULT_LISTEN "127.0.0.1:8020"

struct web_config {
	const char		*listen;	/* [ADDR:]PORT; NULL: the default */
	const char		*report;	/* a --report file, or NULL: */
	struct sockaddr_un	 addr;		/* the coordinator's socket */
};

/*
 * Serves the page until SIGINT or SIGTERM (a live job's page stays up
 * after the job ends, showing how). Returns the exit status: 0, 1 when it
 * cannot listen or load its source, 2 for a bad --listen.
 */
int	web_main(const struct web_config *cfg);

#endif
