/*
 * ctlserve.c - answering control clients (see ctlserve.h).
 *
 * Apart from the server so that the peer protocol of workers and the
 * answers to people read on their own: each request is checked for its
 * version first (another version gets an answer holding ours, so that the
 * client can say what is wrong, and the connection closes), then answered
 * from the tasks, the history and what the server tells through its ops.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlserve.h"
#include "history.h"
#include "log.h"
#include "mapreduce.h"
#include "peercred.h"
#include "protocol.h"

struct ctlserve {
	struct ctlserve_config	 cfg;
	const struct ctlserve_ops *ops;
	void			*arg;
	const struct tasks	*tasks;		/* the job's, to read */
	struct status_tally	*tally;
	struct history		*history;	/* the changes of cfg.attempts */
};

struct ctlserve *
ctlserve_new(const struct ctlserve_config *cfg, const struct ctlserve_ops *ops,
    void *arg)
{
	struct ctlserve *cs = xcalloc(1, sizeof *cs);

	cs->cfg = *cfg;
	cs->ops = ops;
	cs->arg = arg;
	cs->tasks = job_tasks(cfg->job);
	cs->tally = status_tally_new();
	job_subscribe(cfg->job, status_tally_on_event, cs->tally);
	cs->history = history_new(cfg->attempts, cfg->started);
	return cs;
}

void
ctlserve_free(struct ctlserve *cs)
{
	if (cs == NULL)
		return;
	status_tally_free(cs->tally);
	history_free(cs->history);
	free(cs);
}

int
ctlserve_follows(const struct ctlserve_client *c)
{
	return c->follow;
}

/* Sends one Status to a client: the job, its tasks and its workers now. */
static int
ctlserve_send_status(struct ctlserve *cs, struct ctlserve_client *c)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	struct progress_snapshot snap;
	struct status_job job;
	struct status_worker *w = NULL;
	const char *outcome, *failure = NULL;
	Mr__Status *st;
	size_t n;
	int rc;

	cs->ops->snapshot(cs->arg, &snap);
	job.socket = cs->cfg.socket;
	job.job_dir = cs->cfg.job_dir;
	job.pid = (int)getpid();
	job.incarnation = cs->cfg.incarnation;
	job.snap = &snap;
	n = cs->ops->workers(cs->arg, &w);
	for (size_t i = 0; i < n; i++)
		w[i].tasks_done = status_tally_done(cs->tally, w[i].id);
	st = status_build(&job, cs->tasks, w, n, cs->ops->now(cs->arg));
	free(w);
	/* Static strings, which status_free() leaves alone. */
	if ((outcome = cs->ops->outcome(cs->arg, &failure)) != NULL) {
		st->outcome = (char *)outcome;
		st->failure = (char *)failure;
	}
	if (st->failure == NULL)
		st->failure = (char *)"";
	env.msg_case = MR__ENVELOPE__MSG_STATUS;
	env.status = st;
	if (mr__envelope__get_packed_size(&env) > MR_STATUS_FRAME_MAX)
		status_omit_tasks(st);
	rc = conn_send_max(c->conn, &env, MR_STATUS_FRAME_MAX);
	status_free(st);
	return rc;
}

int
ctlserve_status(struct ctlserve *cs, struct ctlserve_client *c,
    const Mr__StatusRequest *m)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Status st = MR__STATUS__INIT;

	if (m->version != MR_PROTOCOL_VERSION) {
		log_warn("%s: protocol version %u, expected %u; refused",
		    c->name, m->version, MR_PROTOCOL_VERSION);
		st.version = MR_PROTOCOL_VERSION;
		env.msg_case = MR__ENVELOPE__MSG_STATUS;
		env.status = &st;
		conn_send(c->conn, &env);
		conn_close_after_flush(c->conn);
		return 0;
	}
	if (ctlserve_send_status(cs, c) == -1)
		return -1;
	return 1;
}

/*
 * Sends `c` the changes of the history after its last answer: one
 * History, or as many as it takes once the job is over (an outcome known).
 */
static int
ctlserve_send_history(struct ctlserve *cs, struct ctlserve_client *c,
    uint64_t since)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	const char *outcome, *failure;
	Mr__History *h;
	int rc;

	/* A client that is far behind may need several frames at the end. */
	do {
		h = history_build(cs->history, since,
		    MR_HISTORY_FRAME_MAX - 64, cs->ops->now(cs->arg));
		failure = NULL;
		outcome = cs->ops->outcome(cs->arg, &failure);
		if (outcome != NULL && !h->more) {
			h->outcome = (char *)outcome;
			h->failure = (char *)failure;
		}
		if (h->failure == NULL)
			h->failure = (char *)"";
		env.msg_case = MR__ENVELOPE__MSG_HISTORY;
		env.history = h;
		rc = conn_send_max(c->conn, &env, MR_HISTORY_FRAME_MAX);
		since = c->history_seq = h->seq;
		history_msg_free(h);	/* leaves the static strings */
	} while (rc == 0 && outcome != NULL &&
	    since < history_seq(cs->history));
	return rc;
}

int
ctlserve_history(struct ctlserve *cs, struct ctlserve_client *c,
    const Mr__HistoryRequest *m)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__History h = MR__HISTORY__INIT;

	if (m->version != MR_PROTOCOL_VERSION) {
		log_warn("%s: protocol version %u, expected %u; refused",
		    c->name, m->version, MR_PROTOCOL_VERSION);
		h.version = MR_PROTOCOL_VERSION;
		env.msg_case = MR__ENVELOPE__MSG_HISTORY;
		env.history = &h;
		conn_send(c->conn, &env);
		conn_close_after_flush(c->conn);
		return 0;
	}
	c->follow = m->follow;
	if (ctlserve_send_history(cs, c, m->since) == -1)
		return -1;
	return 1;
}

void
ctlserve_farewell(struct ctlserve *cs, struct ctlserve_client *c)
{
	if (ctlserve_send_status(cs, c) == 0)
		ctlserve_send_history(cs, c, c->history_seq);
}

/*
 * Ends the job as SIGINT does. The socket admits only our own user
 * (listener.c), who may as well press Ctrl-C; the server lets no worker
 * ask.
 */
int
ctlserve_cancel(struct ctlserve *cs, struct ctlserve_client *c,
    const Mr__CancelRequest *m)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__CancelAnswer a = MR__CANCEL_ANSWER__INIT;
	const char *failure;
	struct err e;
	char why[256];
	uid_t uid;
	pid_t pid = 0;

	a.version = MR_PROTOCOL_VERSION;
	env.msg_case = MR__ENVELOPE__MSG_CANCEL_ANSWER;
	env.cancel_answer = &a;
	if (m->version != MR_PROTOCOL_VERSION) {
		log_warn("%s: protocol version %u, expected %u; refused",
		    c->name, m->version, MR_PROTOCOL_VERSION);
		a.why = (char *)"another protocol version";
	} else if (cs->ops->outcome(cs->arg, &failure) != NULL)
		a.why = (char *)"the job is already over";
	else
		a.cancelled = 1;
	conn_send(c->conn, &env);
	if (!a.cancelled) {
		conn_close_after_flush(c->conn);
		return 0;
	}
	if (peercred_get(conn_fd(c->conn), &uid, &pid, &e) == -1)
		pid = 0;
	snprintf(why, sizeof why, "cancelled by pid %d (%.160s)", (int)pid,
	    m->from != NULL && *m->from != '\0' ? m->from : "a client");
	cs->ops->cancel(cs->arg, why);	/* closes c after the answer */
	return 0;
}
