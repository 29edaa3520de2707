/*
 * ctlserve.h - the coordinator's answers to its control clients: a Status
 * (mrctl status, mrctl web), the History of attempts and workers change by
 * change (mrctl web), and a CancelRequest (mrctl cancel, the web page's
 * button).
 *
 *	cs = ctlserve_new(&cfg, &ops, arg);	subscribes its tally to the job,
 *						observes cfg.attempts
 *	...					the server admits a client, then
 *	rc = ctlserve_status(cs, &client, env->status_request);
 *	rc = ctlserve_history(cs, &client, env->history_request);
 *	rc = ctlserve_cancel(cs, &client, env->cancel_request);
 *	...
 *	if (ctlserve_follows(&client))		the job is over
 *		ctlserve_farewell(cs, &client);
 *	ctlserve_free(cs);
 *
 * The server keeps the connections: it makes a connection a control client
 * (a worker may not ask; one client at a time per unread answer; a bounded
 * number of clients), times a silent one out, and drops one for which a
 * call here returns -1. This file checks each request (its version) and
 * answers it; what only the server knows (its workers, how the job ended,
 * how to abandon it) it asks through `ops`.
 */
#ifndef MR_CTLSERVE_H
#define MR_CTLSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"

#include "attempts.h"
#include "conn.h"
#include "job.h"
#include "progress.h"
#include "status.h"

/* What a Status and a History say of the job beyond its tasks. */
struct ctlserve_config {
	const char		*socket;	/* where the coordinator listens */
	const char		*job_dir;
	uint32_t		 incarnation;	/* 1, more for a resumed job */
	double			 started;	/* the coordinator's start, on
						   its monotonic clock */
	struct job		*job;		/* its tasks, and its events for
						   the tally of tasks done */
	struct attempts		*attempts;	/* every attempt and worker: a
						   History's records */
};

/* What the server answers for; arg is ctlserve_new()'s. */
struct ctlserve_ops {
	/* Seconds on the clock of the job's times (the server's monotonic). */
	double	(*now)(void *arg);
	/* The job now (progress.h), as the progress line has it. */
	void	(*snapshot)(void *arg, struct progress_snapshot *snap);
	/*
	 * The introduced workers now, in *w (on the heap, freed by the
	 * caller; tasks_done left 0: the tally fills it in): returns how
	 * many.
	 */
	size_t	(*workers)(void *arg, struct status_worker **w);
	/*
	 * NULL while the job runs; once it is over, "done", "failed" (and
	 * why in *failure, else NULL there) or "interrupted" (static).
	 */
	const char *(*outcome)(void *arg, const char **failure);
	/* Abandons the job as SIGINT does; `why` starts the log line. */
	void	(*cancel)(void *arg, const char *why);
};

/* One control client, kept by the server with its connection. */
struct ctlserve_client {
	struct conn		*conn;
	const char		*name;		/* for log lines */
	uint64_t		 history_seq;	/* the last change it was sent */
	int			 follow;	/* wants the end of the job */
};

struct ctlserve;

/*
 * Answers for the job cfg->job (which, with cfg->attempts, outlives it):
 * subscribes the tally of tasks done per worker to the job's events, and
 * numbers the changes of cfg->attempts for the History (its observer).
 */
struct ctlserve	*ctlserve_new(const struct ctlserve_config *cfg,
		    const struct ctlserve_ops *ops, void *arg);

/* Frees cs, its tally and its history. NULL is fine. */
void	ctlserve_free(struct ctlserve *cs);

/*
 * The requests of a client the server admitted. Each returns 1 when it
 * answered and the client may ask again (the server re-arms its idle
 * timer), 0 when the connection closes after the answer (another protocol
 * version; a cancel, granted or not), -1 when the answer could not be
 * queued: the server drops the client. A StatusRequest is answered with
 * one Status (its task list left out when too large); a HistoryRequest
 * with what changed after `since` (`follow` asks for the last Status and
 * History when the job ends); a CancelRequest with a CancelAnswer, then
 * ops->cancel() naming the client's pid (SO_PEERCRED) and `from`.
 */
int	ctlserve_status(struct ctlserve *cs, struct ctlserve_client *c,
	    const Mr__StatusRequest *m);
int	ctlserve_history(struct ctlserve *cs, struct ctlserve_client *c,
	    const Mr__HistoryRequest *m);
int	ctlserve_cancel(struct ctlserve *cs, struct ctlserve_client *c,
	    const Mr__CancelRequest *m);

/* Whether c asked to be told of the job's end (HistoryRequest.follow). */
int	ctlserve_follows(const struct ctlserve_client *c);

/*
 * The job is over: sends c its last Status and every change it has not
 * had (in as many History messages as it takes), the last one with the
 * job's outcome.
 */
void	ctlserve_farewell(struct ctlserve *cs, struct ctlserve_client *c);

#endif
