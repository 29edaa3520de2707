/*
 * webpoll.c - polling one coordinator for mrctl web (see webpoll.h).
 *
 * One cycle: a StatusRequest, then HistoryRequests while the answers say
 * there is more. A History asked with `follow` makes the coordinator send
 * a last Status and History (with the outcome) when the job ends, before
 * it closes the connection: they may come instead of an answer, or wait
 * unread between two cycles, so a cycle starts by reading what is already
 * there.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlconn.h"
#include "log.h"
#include "statusview.h"
#include "webpoll.h"

/* Seconds a coordinator has to answer one request. */
#define WEBPOLL_TIMEOUT 10

struct webpoll {
	struct webdata		*wd;
	struct sockaddr_un	 addr;
	const char		*path;		/* addr.sun_path */
	int			 fd;
	uint64_t		 since;		/* History.seq of the last answer */
	int			 over;		/* the outcome is known */
};

static double
webpoll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Hands a Status to the page's data; notes the end when it says so. */
static int
webpoll_status(struct webpoll *wp, const Mr__Status *st)
{
	json_t *tree = statusview_json_tree(st);

	if (tree == NULL)
		fatal("out of memory building JSON");
	webdata_set_status(wp->wd, tree);
	return st->outcome != NULL && *st->outcome != '\0';
}

/* Hands a History over; 1 when it was the last one (outcome set). */
static int
webpoll_history(struct webpoll *wp, const Mr__History *h)
{
	webdata_apply_history(wp->wd, h);
	wp->since = h->seq;
	if (h->outcome != NULL && *h->outcome != '\0') {
		webdata_set_ended(wp->wd, h->outcome, h->failure);
		wp->over = 1;
		log_info("the job is over (%s); its page stays served",
		    h->outcome);
		return 1;
	}
	return 0;
}

/*
 * The coordinator's last words: after a Status with the outcome, Histories
 * until the one with it. Returns 0, or -1 with e set.
 */
static int
webpoll_farewell(struct webpoll *wp, struct err *e)
{
	Mr__Envelope *env;

	while (!wp->over) {
		env = ctlconn_read(wp->fd, wp->path, MR__ENVELOPE__MSG_HISTORY,
		    MR_HISTORY_FRAME_MAX, e);
		if (env == NULL)
			return -1;
		webpoll_history(wp, env->history);
		frame_free(env);
	}
	return 0;
}

/* One cycle of requests; 0, or -1 with e set. */
static int
webpoll_cycle(struct webpoll *wp, struct err *e)
{
	struct pollfd pfd = { wp->fd, POLLIN, 0 };
	Mr__Envelope *env;
	int more, last;

	/* Between cycles nothing comes unasked but the last words. */
	if (poll(&pfd, 1, 0) == 1) {
		env = ctlconn_read(wp->fd, wp->path, MR__ENVELOPE__MSG_STATUS,
		    MR_STATUS_FRAME_MAX, e);
		if (env == NULL)
			return -1;
		last = webpoll_status(wp, env->status);
		frame_free(env);
		if (!last) {
			err_set(e, "%s: a status nobody asked for", wp->path);
			return -1;
		}
		return webpoll_farewell(wp, e);
	}
	env = ctlconn_status(wp->fd, wp->path, e);
	if (env == NULL)
		return -1;
	last = webpoll_status(wp, env->status);
	frame_free(env);
	if (last)
		return webpoll_farewell(wp, e);
	do {
		env = ctlconn_history(wp->fd, wp->path, wp->since, 1, e);
		if (env == NULL)
			return -1;
		more = env->history->more;
		if (webpoll_history(wp, env->history))
			more = 0;
		frame_free(env);
	} while (more);
	return 0;
}

struct webpoll *
webpoll_new(struct webdata *wd, const struct sockaddr_un *addr)
{
	struct webpoll *wp = xcalloc(1, sizeof *wp);

	wp->wd = wd;
	wp->addr = *addr;
	wp->path = wp->addr.sun_path;
	wp->fd = -1;
	return wp;
}

void
webpoll_free(struct webpoll *wp)
{
	if (wp == NULL)
		return;
	if (wp->fd != -1)
		close(wp->fd);
	free(wp);
}

int
webpoll_first(struct webpoll *wp, struct err *e)
{
	wp->fd = ctlconn_open(&wp->addr, WEBPOLL_TIMEOUT, e);
	if (wp->fd == -1)
		return -1;
	if (webpoll_cycle(wp, e) == -1) {
		close(wp->fd);
		wp->fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Sleeps `secs` seconds or until one of `signals`: returns the signal, or
 * 0 after the sleep.
 */
static int
webpoll_sleep(double secs, const sigset_t *signals)
{
	struct timespec ts;
	int sig;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	do
		sig = sigtimedwait(signals, NULL, &ts);
	while (sig == -1 && errno == EINTR);
	return sig > 0 ? sig : 0;
}

int
webpoll_run(struct webpoll *wp, const sigset_t *signals)
{
	struct err e;
	double took = 0, t0, wait;
	int sig = 0, lost = 0;
	char msg[sizeof e.msg + 64];

	while (!wp->over) {
		wait = took * WEBPOLL_FACTOR;
		if (wait < WEBPOLL_MIN)
			wait = WEBPOLL_MIN;
		if (wait > WEBPOLL_MAX)
			wait = WEBPOLL_MAX;
		if ((sig = webpoll_sleep(wait, signals)) != 0)
			break;
		t0 = webpoll_now();
		if (wp->fd == -1) {
			/* Lost without a word: a coordinator may come back. */
			wp->fd = ctlconn_open(&wp->addr, WEBPOLL_TIMEOUT, &e);
			if (wp->fd == -1)
				continue;
			log_info("%s: a coordinator answers again", wp->path);
			webdata_reset_history(wp->wd);
			wp->since = 0;
			lost = 0;
		}
		if (webpoll_cycle(wp, &e) == -1 && !wp->over) {
			close(wp->fd);
			wp->fd = -1;
			if (!lost)
				log_warn("%s", e.msg);
			snprintf(msg, sizeof msg, "%s; trying again", e.msg);
			webdata_set_problem(wp->wd, msg);
			lost = 1;
			continue;
		}
		took = webpoll_now() - t0;
		webdata_set_problem(wp->wd, NULL);
	}
	if (wp->fd != -1) {
		close(wp->fd);
		wp->fd = -1;
	}
	return sig;
}
