/*
 * webpoll.h - mrctl web's one client of a running coordinator: it asks
 * for the Status and the History changed since the last answer, hands
 * them to the page's data (webdata.h), and stops once the coordinator has
 * said how the job ended.
 *
 * However many browsers are open, the coordinator sees this one status
 * client, asking at most every WEBPOLL_MIN seconds and never more often
 * than WEBPOLL_FACTOR times what its last answers took to come, so that a
 * job of 100 000 tasks, whose Status takes a while to build, spends at
 * most about 1/WEBPOLL_FACTOR of its loop on it.
 */
#ifndef MR_WEBPOLL_H
#define MR_WEBPOLL_H

#include <sys/un.h>

#include <signal.h>

#include "err.h"
#include "webdata.h"

/* Seconds between polls, at least. */
#define WEBPOLL_MIN 0.5

/* At most, and below MR_STATUS_IDLE_TIMEOUT, which would close us. */
#define WEBPOLL_MAX 4.0

/* Seconds between polls per second the last answers took. */
#define WEBPOLL_FACTOR 20

struct webpoll;

/* A poller of the coordinator at addr (copied) for wd. */
struct webpoll	*webpoll_new(struct webdata *wd, const struct sockaddr_un *addr);
void		 webpoll_free(struct webpoll *wp);

/*
 * The first poll: connects and reads the job once. Returns 0, or -1 with
 * e set (no coordinator there, or not one that answers).
 */
int	webpoll_first(struct webpoll *wp, struct err *e);

/*
 * Polls (reconnecting when the connection is lost without a word of the
 * end) until the job is over or a signal of `signals` arrives, which the
 * sleeps between polls wait for (they must be blocked). Returns the
 * signal, or 0 when the job is over.
 */
int	webpoll_run(struct webpoll *wp, const sigset_t *signals);

#endif
