/*
 * server.c - the coordinator's single-threaded libev loop.
 *
 * It owns the listening socket (made and accepted on by listener.c) and the
 * TCP ones (tcpserve.c, their peers proving themselves first: handshake.c), one
 * peer per connected worker (its connection, conn.c, plus what the worker
 * is doing) and the timers; it turns each message into a call of the job
 * (job.c), which owns the tasks and tells its subscribers (the store of
 * attempts that the report and the history read, the progress line, the
 * status tally) what changed. Messages are dispatched
 * with one switch; a control client's requests (status, history, cancel)
 * are answered by ctlserve.c once this file made the connection a client.
 * A worker that asks for work when none is free waits on its open
 * connection until a task frees up or the job ends; nothing sleeps or polls.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "ctlserve.h"
#include "eventlog.h"
#include "attempts.h"
#include "handshake.h"
#include "job.h"
#include "listener.h"
#include "log.h"
#include "progress.h"
#include "mapreduce.h"
#include "server.h"
#include "summary.h"
#include "taskmsg.h"
#include "tcpserve.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

/* Status clients served at once (each may hold a whole Status unread). */
#define SERVER_CLIENTS_MAX 16

/* How long the coordinator waits for its last words to reach the workers. */
#define SERVER_LINGER 2.0

enum peer_state {
	PEER_AUTH,		/* TCP: waiting for the handshake (auth.h) */
	PEER_HELLO,		/* waiting for Hello */
	PEER_IDLE,		/* introduced, holds no task */
	PEER_WAITING,		/* asked for a task, none free yet */
	PEER_BUSY,		/* running an attempt */
	PEER_CANCELLED,		/* told to stop its attempt (another attempt of
				   its task won); its report or its next
				   request says it stopped */
	PEER_CLIENT		/* sent StatusRequest: a status client, not a worker */
};

struct peer {
	struct conn		*conn;
	struct server		*srv;
	enum peer_state		 state;
	uint32_t		 worker;	/* 0 before Hello */
	int			 pid;
	uint64_t		 attempt;	/* held while PEER_BUSY */
	enum task_kind		 kind;		/* of that attempt */
	ev_timer		 hello_timer;
	char			 name[ADDR_TEXT_MAX + 64];	/* for log lines */
	char			 peer_addr[ADDR_TEXT_MAX];	/* TCP: its address */
	struct handshake	*hs;		/* while PEER_AUTH */
	const char		*why;		/* why it was dropped, or NULL */
	TAILQ_ENTRY(peer)	 entry;
	TAILQ_ENTRY(peer)	 wentry;	/* in srv->waiting */
	uint32_t		 task_id;	/* of the attempt it holds */
	double			 since;		/* when it was handed that attempt */
	double			 joined;	/* when it said Hello */
	char			 host[MR_HOST_MAX + 1];	/* Hello.host */
	struct ctlserve_client	 ctl;		/* a control client's */
};

TAILQ_HEAD(peer_list, peer);

struct server {
	struct ev_loop		*loop;
	const struct server_config *cfg;
	struct job		*job;
	const struct tasks	*tasks;		/* the job's, to read */
	int			 lfd;		/* -1 when not listening */
	ev_io			 accept_io;
	struct tcpserve		*tcp;		/* --listen, or NULL */
	ev_timer		 deadline;	/* next task timeout */
	ev_timer		 speculate;	/* next straggler to back up */
	ev_timer		 linger;	/* bounded wait at the end */
	ev_signal		 sigint, sigterm;
	struct peer_list	 peers;
	struct peer_list	 waiting;
	unsigned		 npeers;
	unsigned		 nclients;	/* of them, status clients */
	uint64_t		 refused;	/* connections over the limit */
	double			 refused_logged;
	uint32_t		 next_worker;
	int			 finishing;
	int			 status;
	double			 started;
	struct progress		*progress;
	struct attempts		*attempts;	/* every attempt and worker */
	struct ctlserve		*ctl;		/* answers control clients */
	double			 ended;		/* when server_finish() ran */
	int			 interrupted;
};

static void	server_serve(struct server *);
static void	server_snapshot(void *, struct progress_snapshot *);
static int	peer_client(struct peer *, const char *);
static void	server_interrupt(struct server *, const char *);

/* Seconds on a monotonic clock: task deadlines must not follow the wall clock. */
static double
server_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
peer_on_hello(struct peer *p, const Mr__Hello *m)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Welcome w = MR__WELCOME__INIT;
	struct taskmsg_welcome tw;
	struct err e;
	int rc;

	if (p->state != PEER_HELLO) {
		log_warn("%s: %s", p->name, p->state == PEER_CLIENT ?
		    "hello from a status client" : "second hello");
		return -1;
	}
	ev_timer_stop(p->srv->loop, &p->hello_timer);
	w.version = MR_PROTOCOL_VERSION;
	env.msg_case = MR__ENVELOPE__MSG_WELCOME;
	env.welcome = &w;
	if (m->version != MR_PROTOCOL_VERSION) {
		/* Tell it our version so that it can say what is wrong. */
		log_warn("%s: protocol version %u, expected %u; refused",
		    p->name, m->version, MR_PROTOCOL_VERSION);
		conn_send(p->conn, &env);
		conn_close_after_flush(p->conn);
		return 0;
	}
	if (job_plugin(p->srv->job, m->app, m->plugin_digest, server_now(),
	    &e) == -1) {
		/* Outputs of two plugins must never mix: it may not join. */
		log_warn("%s (pid %d) refused: %s", p->name, m->pid, e.msg);
		w.refused = e.msg;
		conn_send(p->conn, &env);
		conn_close_after_flush(p->conn);
		p->why = "refused: another plugin";
		return 0;
	}
	p->worker = ++p->srv->next_worker;
	p->pid = m->pid;
	p->state = PEER_IDLE;
	p->joined = server_now();
	snprintf(p->host, sizeof p->host, "%s", m->host);
	if (p->peer_addr[0] != '\0')
		snprintf(p->name, sizeof p->name, "worker %u (pid %d at %s)",
		    p->worker, p->pid, p->peer_addr);
	else
		snprintf(p->name, sizeof p->name, "worker %u (pid %d)",
		    p->worker, p->pid);
	w.worker_id = p->worker;
	w.job_dir = (char *)p->srv->cfg->job_dir;
	/* Empty for the job folder, as a worker of an older build assumes. */
	if (p->srv->cfg->output_dir != NULL &&
	    strcmp(p->srv->cfg->output_dir, p->srv->cfg->job_dir) != 0)
		w.output_dir = (char *)p->srv->cfg->output_dir;
	w.job_id = p->srv->cfg->job_id;
	w.incarnation = p->srv->cfg->incarnation;
	taskmsg_welcome(&tw, &w, p->srv->cfg->params,
	    p->srv->cfg->output_format, p->srv->cfg->sample,
	    m->sample ? p->srv->cfg->nsample : 0);
	/* Over TCP the worker gives up sooner, its task stopped before it moves. */
	if (p->peer_addr[0] != '\0')
		w.peer_timeout_ms = (uint32_t)(p->srv->cfg->peer_timeout * 1000);
	w.progress = 1;
	log_debug("%s joined", p->name);
	job_worker_joined(p->srv->job, p->worker, p->pid, server_now());
	attempts_worker_host(p->srv->attempts, p->worker, p->host);
	rc = conn_send(p->conn, &env);
	taskmsg_welcome_clear(&tw);
	return rc;
}

static int
peer_on_request(struct peer *p)
{
	/* A cancelled attempt is stopped: the worker asks again. */
	if (p->state == PEER_CANCELLED) {
		log_debug("%s stopped attempt %llu", p->name,
		    (unsigned long long)p->attempt);
		p->state = PEER_IDLE;
		p->attempt = 0;
	}
	if (p->state != PEER_IDLE) {
		log_warn("%s: task request %s", p->name,
		    p->state == PEER_HELLO ? "before hello" :
		    p->state == PEER_CLIENT ? "from a status client" :
		    "while it already has or awaits a task");
		return -1;
	}
	p->state = PEER_WAITING;
	TAILQ_INSERT_TAIL(&p->srv->waiting, p, wentry);
	return 0;
}

/*
 * Checks that a report is about the attempt this worker holds: 1 when it
 * is, 0 when it is of an earlier coordinator of the job (ignored: a
 * report from before a restart is never taken for one after it), -1 when
 * the worker never held it or quotes no incarnation or a later one (a
 * protocol violation).
 */
static int
peer_check_report(struct peer *p, uint64_t attempt, uint32_t incarnation,
    const char *what)
{
	/* An earlier coordinator's: harmless. None, or a later one: a lie. */
	if (incarnation != 0 && incarnation < p->srv->cfg->incarnation) {
		log_info("%s: %s report for attempt %llu of coordinator %u of "
		    "this job, not this one (%u): ignored", p->name, what,
		    (unsigned long long)attempt, incarnation,
		    p->srv->cfg->incarnation);
		return 0;
	}
	if (incarnation != p->srv->cfg->incarnation) {
		log_warn("%s: %s report of coordinator %u of this job, which "
		    "is coordinator %u", p->name, what, incarnation,
		    p->srv->cfg->incarnation);
		return -1;
	}
	if ((p->state != PEER_BUSY && p->state != PEER_CANCELLED) ||
	    attempt != p->attempt) {
		log_warn("%s: %s report for attempt %llu it does not hold",
		    p->name, what, (unsigned long long)attempt);
		return -1;
	}
	return 1;
}

static int
peer_on_done(struct peer *p, const Mr__TaskDone *m)
{
	struct tasks_counter c[MR_COUNTERS_MAX];
	struct job_done_report r;
	int v;

	if ((v = peer_check_report(p, m->attempt, m->incarnation,
	    "done")) != 1)
		return v;
	if (m->n_counters > MR_COUNTERS_MAX) {
		log_warn("%s: %zu counters in one report, more than %d",
		    p->name, m->n_counters, MR_COUNTERS_MAX);
		return -1;
	}
	for (size_t i = 0; i < m->n_counters; i++) {
		c[i].name = m->counters[i]->name;
		c[i].value = m->counters[i]->value;
	}
	memset(&r, 0, sizeof r);
	r.attempt = m->attempt;
	r.bytes_in = m->bytes_in;
	r.bytes_out = m->bytes_out;
	r.counters = c;
	r.ncounters = m->n_counters;
	r.input_changed = m->input_changed;
	r.output_size = m->output_size;
	r.output_crc = m->output_crc;
	v = job_done(p->srv->job, p->worker, &r, server_now());
	if (v == VERDICT_INVALID) {
		/* The attempt is its own (checked above): the counters are bad. */
		log_warn("%s: done report with malformed counters", p->name);
		return -1;
	}
	log_debug("%s: attempt %llu done%s", p->name,
	    (unsigned long long)m->attempt,
	    v == VERDICT_STALE ? " (already done by another)" : "");
	p->state = PEER_IDLE;
	p->attempt = 0;
	return 0;
}

static int
peer_on_failed(struct peer *p, const Mr__TaskFailed *m)
{
	struct job_failed_report r;
	int v;

	if ((v = peer_check_report(p, m->attempt, m->incarnation,
	    "failure")) != 1)
		return v;
	memset(&r, 0, sizeof r);
	r.attempt = m->attempt;
	r.error = m->error;
	r.bad_maps = m->bad_maps;
	r.nbad = m->n_bad_maps;
	/* An input changed: no retry can give the planned job's output. */
	r.fatal = m->job_fatal && p->kind == TASK_MAP;
	v = job_failed(p->srv->job, p->worker, &r, server_now());
	if (v == VERDICT_INVALID) {
		log_warn("%s: failure report names unknown map tasks", p->name);
		return -1;
	}
	log_info("%s: attempt %llu failed: %s", p->name,
	    (unsigned long long)m->attempt,
	    m->error != NULL && *m->error != '\0' ? m->error : "no reason given");
	p->state = PEER_IDLE;
	p->attempt = 0;
	return 0;
}

/*
 * A TCP peer's handshake: nothing else is heard before it proves itself.
 * One that fails is dropped with a line naming its address.
 */
static int
peer_on_auth(struct peer *p, const Mr__Envelope *env)
{
	struct err e;

	switch (handshake_message(p->hs, p->conn, env, &e)) {
	case HANDSHAKE_GOING:
		return 0;
	case HANDSHAKE_DONE:
		handshake_free(p->hs);
		p->hs = NULL;
		p->state = PEER_HELLO;
		log_debug("%s: authenticated", p->name);
		return 0;
	case HANDSHAKE_CLOSE:
		log_warn("%s: %s; refused", p->name, e.msg);
		p->why = "refused: handshake";
		conn_close_after_flush(p->conn);
		return 0;
	case HANDSHAKE_REFUSED:
	default:
		log_warn("%s: %s; refused", p->name, e.msg);
		p->why = "refused: handshake";
		conn_drop(p->conn);
		return 0;
	}
}

/*
 * A running attempt's status line: kept for mrctl status. One of an
 * attempt that has just ended, or of an earlier coordinator, is ignored.
 */
static int
peer_on_progress(struct peer *p, const Mr__TaskProgress *m)
{
	int v;

	if (m->status == NULL || strlen(m->status) > MR_TASK_STATUS_MAX) {
		log_warn("%s: a status line longer than %d bytes", p->name,
		    MR_TASK_STATUS_MAX);
		return -1;
	}
	if ((v = peer_check_report(p, m->attempt, m->incarnation,
	    "status")) != 1)
		return v;
	if (job_status_line(p->srv->job, p->worker, m->attempt,
	    m->status, server_now()) == VERDICT_INVALID)
		return -1;
	return 0;
}

/*
 * A control client's request was answered (ctlserve.h): one that may ask
 * again is closed if it stays silent, as one that never says hello.
 */
static int
peer_answered(struct peer *p, int rc)
{
	if (rc != 1)
		return rc;
	ev_timer_set(&p->hello_timer, MR_STATUS_IDLE_TIMEOUT, 0.);
	ev_timer_start(p->srv->loop, &p->hello_timer);
	return 0;
}

/* One handler per message a worker may send; anything else is a violation. */
static int
peer_message(struct conn *c, const Mr__Envelope *env, void *arg)
{
	struct peer *p = arg;
	int rc;

	(void)c;
	if (p->state == PEER_AUTH)
		return peer_on_auth(p, env);
	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_HELLO:
		rc = peer_on_hello(p, env->hello);
		break;
	case MR__ENVELOPE__MSG_REQUEST:
		rc = peer_on_request(p);
		break;
	case MR__ENVELOPE__MSG_DONE:
		rc = peer_on_done(p, env->done);
		break;
	case MR__ENVELOPE__MSG_FAILED:
		rc = peer_on_failed(p, env->failed);
		break;
	case MR__ENVELOPE__MSG_STATUS_REQUEST:
		rc = peer_client(p, "status") == -1 ? -1 : peer_answered(p,
		    ctlserve_status(p->srv->ctl, &p->ctl, env->status_request));
		break;
	case MR__ENVELOPE__MSG_HISTORY_REQUEST:
		rc = peer_client(p, "history") == -1 ? -1 : peer_answered(p,
		    ctlserve_history(p->srv->ctl, &p->ctl,
		    env->history_request));
		break;
	case MR__ENVELOPE__MSG_CANCEL_REQUEST:
		rc = peer_client(p, "cancel") == -1 ? -1 : peer_answered(p,
		    ctlserve_cancel(p->srv->ctl, &p->ctl, env->cancel_request));
		break;
	case MR__ENVELOPE__MSG_PROGRESS:
		rc = peer_on_progress(p, env->progress);
		break;
	default:
		log_warn("%s: unexpected message type %d", p->name,
		    (int)env->msg_case);
		rc = -1;
		break;
	}
	if (rc == -1)
		p->why = "dropped: protocol violation";
	return rc;
}

static void
peer_idle(void *arg)
{
	struct peer *p = arg;

	server_serve(p->srv);
}

/* The connection is gone; a task it held goes back to the queue at once. */
static void
peer_closed(struct conn *c, void *arg)
{
	struct peer *p = arg;
	struct server *s = p->srv;

	(void)c;
	if (p->state == PEER_AUTH && p->why == NULL && !s->finishing)
		log_warn("%s: closed during the handshake (a client without "
		    "the job's secret, or one that found ours wrong); refused",
		    p->name);
	if (p->worker != 0)
		job_worker_left(s->job, p->worker, p->why != NULL ?
		    p->why : s->finishing ? "job over" : p->state == PEER_BUSY ?
		    "connection lost during a task" :
		    "disconnected between tasks", server_now());
	if (p->state == PEER_WAITING)
		TAILQ_REMOVE(&s->waiting, p, wentry);
	if (p->state == PEER_BUSY && !s->finishing) {
		log_info("%s lost while running attempt %llu; task requeued",
		    p->name, (unsigned long long)p->attempt);
		job_lost(s->job, p->attempt, server_now());
	} else if (p->worker != 0)
		log_debug("%s left", p->name);
	if (p->state == PEER_CLIENT)
		s->nclients--;
	ev_timer_stop(s->loop, &p->hello_timer);
	handshake_free(p->hs);
	TAILQ_REMOVE(&s->peers, p, entry);
	s->npeers--;
	free(p);
	if (!s->finishing)
		server_serve(s);
	else if (TAILQ_EMPTY(&s->peers))
		ev_break(s->loop, EVBREAK_ALL);
}

static const char *
peer_name(void *arg)
{
	return ((struct peer *)arg)->name;
}

static const struct conn_handler peer_handler = {
	peer_message, peer_idle, peer_closed, peer_name
};

static void
peer_hello_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer *p = w->data;

	(void)loop;
	(void)revents;
	if (p->state == PEER_CLIENT)
		log_debug("%s: silent for %d s; closed", p->name,
		    MR_STATUS_IDLE_TIMEOUT);
	else
		log_warn("%s: no %s within %d s; dropped", p->name,
		    p->state == PEER_AUTH ? "handshake" : "hello",
		    MR_HELLO_TIMEOUT);
	conn_drop(p->conn);
}

static struct peer *server_adopt_peer(struct server *, int);

/* server_adopt() of a TCP connection from `host`, which must prove itself. */
static int
server_adopt_tcp(struct server *s, int fd, const char *host)
{
	struct peer *p;

	if ((p = server_adopt_peer(s, fd)) == NULL)
		return -1;
	p->state = PEER_AUTH;
	p->hs = handshake_new(s->cfg->auth);
	snprintf(p->peer_addr, sizeof p->peer_addr, "%s", host);
	snprintf(p->name, sizeof p->name, "connection from %s", host);
	return 0;
}

int
server_adopt(struct server *s, int fd)
{
	return server_adopt_peer(s, fd) == NULL ? -1 : 0;
}

/* A new peer for fd, waiting for its Hello; NULL (fd closed) over the limit. */
static struct peer *
server_adopt_peer(struct server *s, int fd)
{
	struct peer *p;

	if (s->npeers >= s->cfg->max_connections) {
		/* At most one line a second however hard it is hammered. */
		if (s->refused++ == 0 || server_now() - s->refused_logged >= 1) {
			log_warn("connection limit (%u) reached; refused "
			    "%llu connection(s) so far", s->cfg->max_connections,
			    (unsigned long long)s->refused);
			s->refused_logged = server_now();
		}
		close(fd);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->srv = s;
	p->state = PEER_HELLO;
	snprintf(p->name, sizeof p->name, "connection %d", fd);
	ev_timer_init(&p->hello_timer, peer_hello_timeout_cb,
	    MR_HELLO_TIMEOUT, 0.);
	p->hello_timer.data = p;
	ev_timer_start(s->loop, &p->hello_timer);
	TAILQ_INSERT_TAIL(&s->peers, p, entry);
	s->npeers++;
	p->conn = conn_new(s->loop, fd, MR_WORKER_FRAME_MAX, &peer_handler, p);
	p->ctl.conn = p->conn;
	p->ctl.name = p->name;
	return p;
}

/* Arms the timer for the next task deadline after expiring overdue ones. */
static void
server_arm_deadline(struct server *s)
{
	double now = server_now(), next;

	/* Each timeout is logged as it happens (eventlog.h). */
	next = job_expire(s->job, now, NULL);
	ev_timer_stop(s->loop, &s->deadline);
	if (next > 0) {
		ev_timer_set(&s->deadline, next - now + 0.001, 0.);
		ev_timer_start(s->loop, &s->deadline);
	}
}

/*
 * With a worker waiting and no task free, wakes the loop when a running
 * attempt becomes slow enough to back up.
 */
static void
server_arm_speculation(struct server *s)
{
	double now = server_now(), next;

	ev_timer_stop(s->loop, &s->speculate);
	if (TAILQ_EMPTY(&s->waiting))
		return;
	next = tasks_next_speculation(s->tasks, now);
	if (next > 0) {
		ev_timer_set(&s->speculate, next - now + 0.001, 0.);
		ev_timer_start(s->loop, &s->speculate);
	}
}

/* Stops accepting and removes the socket file. */
static void
server_unlisten(struct server *s)
{
	tcpserve_close(s->tcp);
	s->tcp = NULL;
	if (s->lfd == -1)
		return;
	ev_io_stop(s->loop, &s->accept_io);
	listener_close(s->lfd, &s->cfg->addr);
	s->lfd = -1;
}

/*
 * The job is over (s->status says how): no new workers, Shutdown to
 * everyone, busy workers included (they abandon their attempts), then
 * leave once the queues are flushed or after SERVER_LINGER seconds.
 */
static void
server_finish(struct server *s)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	Mr__Shutdown sd = MR__SHUTDOWN__INIT;
	struct peer *p, *next;

	s->finishing = 1;
	progress_stop(s->progress);	/* interrupted: not told by the job */
	s->ended = server_now();
	server_unlisten(s);
	ev_timer_stop(s->loop, &s->deadline);
	ev_timer_stop(s->loop, &s->speculate);
	if (s->refused > 0)
		log_warn("%llu connection(s) refused in all: limit of %u "
		    "reached", (unsigned long long)s->refused,
		    s->cfg->max_connections);

	/* A straggling map attempt must not leave its files behind. */
	sd.remove_intermediates = s->status == 0 &&
	    !s->cfg->keep_intermediates;
	/* Workers exit non-zero when the job they served failed. */
	sd.failed = s->status != 0;
	task.kind_case = MR__TASK__KIND_SHUTDOWN;
	task.shutdown = &sd;
	task.incarnation = s->cfg->incarnation;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &task;
	/* Before anyone goes: a following client is told how it ended. */
	TAILQ_FOREACH(p, &s->peers, entry)
		if (p->state == PEER_CLIENT && ctlserve_follows(&p->ctl))
			ctlserve_farewell(s->ctl, &p->ctl);
	TAILQ_FOREACH_SAFE(p, &s->peers, entry, next) {
		/* A status client gets what it asked for, then the end. */
		if (p->state == PEER_CLIENT) {
			conn_close_after_flush(p->conn);	/* may free p */
			continue;
		}
		if (p->state == PEER_WAITING)
			TAILQ_REMOVE(&s->waiting, p, wentry);
		p->state = PEER_IDLE;
		conn_send(p->conn, &env);
		conn_close_after_flush(p->conn);	/* may free p */
	}
	if (TAILQ_EMPTY(&s->peers)) {
		ev_break(s->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_start(s->loop, &s->linger);
}

/* Hands free tasks to waiting workers, in the order they asked. */
static void
server_serve(struct server *s)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	struct taskmsg mt = { MR__MAP_TASK__INIT, NULL, NULL, NULL };
	Mr__ReduceTask rt = MR__REDUCE_TASK__INIT;
	struct peer *p;
	struct lease l;
	enum tasks_phase phase;

	if (s->finishing)
		return;
	server_arm_deadline(s);
	while ((p = TAILQ_FIRST(&s->waiting)) != NULL) {
		if (job_lease(s->job, p->worker, server_now(), &l) != 1)
			break;
		TAILQ_REMOVE(&s->waiting, p, wentry);
		task.attempt = l.attempt;
		task.attempt_index = l.index;
		task.incarnation = s->cfg->incarnation;
		if (l.kind == TASK_MAP) {
			taskmsg_map(&mt, &l, s->cfg->allow_changes);
			mt.map.split_size = s->cfg->split_size;
			task.kind_case = MR__TASK__KIND_MAP;
			task.map = &mt.map;
		} else {
			rt.partition = l.id;
			rt.n_map = l.nmap;
			task.kind_case = MR__TASK__KIND_REDUCE;
			task.reduce = &rt;
		}
		env.msg_case = MR__ENVELOPE__MSG_TASK;
		env.task = &task;
		p->state = PEER_BUSY;
		p->attempt = l.attempt;
		p->kind = l.kind;
		p->task_id = l.id;
		p->since = server_now();
		log_debug("%s: attempt %llu: %s task %u", p->name,
		    (unsigned long long)l.attempt,
		    l.kind == TASK_MAP ? "map" : "reduce", l.id);
		conn_send(p->conn, &env);
		taskmsg_clear(&mt);
	}
	if (!ev_is_active(&s->deadline))
		server_arm_deadline(s);
	server_arm_speculation(s);
	phase = job_phase(s->job);
	if (phase == PHASE_DONE) {
		summary_log(s->job, server_now() - s->started);
		s->status = 0;
		server_finish(s);
	} else if (phase == PHASE_FAILED) {
		log_warn("job failed: %s", job_failure(s->job));
		s->status = 1;
		server_finish(s);
	}
}

static void
server_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *s = w->data;
	int fd;

	(void)loop;
	(void)revents;
	while (s->lfd != -1 && (fd = listener_accept(s->lfd)) != -1)
		server_adopt(s, fd);
}

/* A TCP connection (tcpserve.h): a peer that must prove itself first. */
static void
server_accept_tcp(void *arg, int fd, const char *host)
{
	server_adopt_tcp(arg, fd, host);
}

static void
server_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	server_serve(w->data);
}

static void
server_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/*
 * How the job ended, once server_finish() ran: "done", "failed" (and why,
 * in *failure when not NULL) or "interrupted".
 */
static const char *
server_outcome(const struct server *s, const char **failure)
{
	if (failure != NULL)
		*failure = !s->interrupted &&
		    job_phase(s->job) == PHASE_FAILED ? job_failure(s->job) :
		    NULL;
	return s->interrupted ? "interrupted" :
	    job_phase(s->job) == PHASE_DONE ? "done" : "failed";
}

/* Writes --report once the job is over; the outputs stand either way. */
static int
server_write_report(struct server *s)
{
	struct report_job job;
	struct job_totals tot;
	struct err e;

	memset(&job, 0, sizeof job);
	job_totals(s->job, &tot);
	job.outcome = server_outcome(s, &job.failure);
	job.end = s->ended > 0 ? s->ended : server_now();
	job.input_bytes = job_input_bytes(s->job);
	/* A map-only job's maps wrote its outputs. */
	job.intermediate_bytes = tasks_nreduce(s->tasks) > 0 ? tot.map_bytes : 0;
	job.output_bytes = tasks_nreduce(s->tasks) > 0 ? tot.reduce_bytes :
	    tot.map_bytes;
	if (report_write(s->cfg->report, s->attempts, s->tasks, &job,
	    &e) == -1) {
		log_warn("report not written: %s", e.msg);
		return -1;
	}
	return 0;
}

/* Abandons the job as SIGINT does; `why` starts the log line. */
static void
server_interrupt(struct server *s, const char *why)
{
	progress_stop(s->progress);
	log_warn("%s; job abandoned", why);
	s->interrupted = 1;
	s->status = 1;
	server_finish(s);
}

static void
server_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *s = w->data;

	(void)loop;
	(void)revents;
	if (s->finishing) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	server_interrupt(s, "interrupted");
}

/* The worker running `attempt`, or NULL. */
static struct peer *
server_peer_running(struct server *s, uint64_t attempt)
{
	struct peer *p;

	for (p = TAILQ_FIRST(&s->peers); p != NULL; p = TAILQ_NEXT(p, entry))
		if (p->state == PEER_BUSY && p->attempt == attempt)
			return p;
	return NULL;
}

/*
 * Another attempt of its task won: the worker running this one is told
 * to stop it (Cancel), at once, whatever its plugin is doing.
 */
static void
server_cancel(struct server *s, uint64_t attempt, int backup)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	Mr__Cancel cancel = MR__CANCEL__INIT;
	struct peer *p = server_peer_running(s, attempt);

	if (p == NULL)
		return;		/* its worker is gone already */
	task.attempt = attempt;
	task.incarnation = s->cfg->incarnation;
	task.kind_case = MR__TASK__KIND_CANCEL;
	task.cancel = &cancel;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &task;
	log_info("%s: attempt %llu cancelled: %s", p->name,
	    (unsigned long long)attempt, backup ? "its original finished "
	    "first" : "its backup finished first");
	p->state = PEER_CANCELLED;
	conn_send(p->conn, &env);
}

/* The server's own part of the job's events: stopping the losers. */
static int
server_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct server *s = arg;

	(void)e;
	if (ev->type == JOB_EV_CANCELLED && !s->finishing)
		server_cancel(s, ev->attempt, ev->backup);
	return 0;
}

/* The progress line stops once the job is over: the summary replaces it. */
static int
server_progress_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct server *s = arg;

	(void)e;
	if (ev->type == JOB_EV_PHASE &&
	    (ev->phase == PHASE_DONE || ev->phase == PHASE_FAILED))
		progress_stop(s->progress);
	return 0;
}

/* What ctlserve.c asks of the server (ctlserve.h). */
static double
server_ctl_now(void *arg)
{
	(void)arg;
	return server_now();
}

/* The introduced workers, as a Status lists them. */
static size_t
server_ctl_workers(void *arg, struct status_worker **wp)
{
	struct server *s = arg;
	struct status_worker *w = xcalloc(s->npeers != 0 ? s->npeers : 1,
	    sizeof *w);
	struct peer *p;
	size_t n = 0;

	for (p = TAILQ_FIRST(&s->peers); p != NULL; p = TAILQ_NEXT(p, entry)) {
		if (p->worker == 0)
			continue;
		w[n].id = p->worker;
		w[n].pid = p->pid;
		w[n].state = p->state == PEER_BUSY ||
		    p->state == PEER_CANCELLED ?
		    MR__WORKER_STATE__WORKER_WORKING :
		    p->state == PEER_WAITING ?
		    MR__WORKER_STATE__WORKER_WAITING :
		    MR__WORKER_STATE__WORKER_IDLE;
		w[n].joined = p->joined;
		w[n].busy = p->state == PEER_BUSY ||
		    p->state == PEER_CANCELLED;
		w[n].kind = p->kind;
		w[n].task = p->task_id;
		w[n].host = p->host;
		n++;
	}
	*wp = w;
	return n;
}

static const char *
server_ctl_outcome(void *arg, const char **failure)
{
	struct server *s = arg;

	return s->finishing ? server_outcome(s, failure) : NULL;
}

static void
server_ctl_cancel(void *arg, const char *why)
{
	server_interrupt(arg, why);
}

static const struct ctlserve_ops server_ctl_ops = {
	server_ctl_now, server_snapshot, server_ctl_workers,
	server_ctl_outcome, server_ctl_cancel
};

struct server *
server_new(const struct server_config *cfg, struct job *j)
{
	struct server *s = xcalloc(1, sizeof *s);
	struct ctlserve_config ctl;

	s->cfg = cfg;
	s->job = j;
	s->tasks = job_tasks(j);
	s->lfd = -1;
	s->status = 1;
	s->started = server_now();
	TAILQ_INIT(&s->peers);
	TAILQ_INIT(&s->waiting);
	s->loop = ev_loop_new(EVFLAG_AUTO);
	if (s->loop == NULL)
		fatal("cannot initialise the event loop");
	ev_init(&s->deadline, server_deadline_cb);
	ev_init(&s->speculate, server_deadline_cb);
	s->speculate.data = s;
	ev_timer_init(&s->linger, server_linger_cb, SERVER_LINGER, 0.);
	s->deadline.data = s->linger.data = s;
	s->progress = progress_new(s->loop, cfg->progress_mode,
	    cfg->progress_interval, server_snapshot, s);
	/* The report writes a failed attempt's error whole; the web, cut. */
	s->attempts = attempts_new(cfg->report != NULL ? ATTEMPTS_ERROR_WHOLE :
	    MR_HISTORY_ERROR_MAX);
	ctl.socket = cfg->addr.sun_path;
	ctl.job_dir = cfg->job_dir;
	ctl.incarnation = cfg->incarnation;
	ctl.started = s->started;
	ctl.job = j;
	ctl.attempts = s->attempts;
	s->ctl = ctlserve_new(&ctl, &server_ctl_ops, s);
	job_subscribe(j, attempts_on_event, s->attempts);
	job_subscribe(j, server_progress_event, s);
	job_subscribe(j, server_on_event, s);
	job_subscribe(j, eventlog_on_event, j);
	if (cfg->report != NULL)
		report_begin(cfg->report, s->started);
	return s;
}

double
server_started(const struct server *s)
{
	return s->started;
}

struct ev_loop *
server_loop(const struct server *s)
{
	return s->loop;
}

int
server_listen(struct server *s, struct err *e)
{
	s->lfd = listener_open(&s->cfg->addr, e);
	if (s->lfd == -1)
		return -1;
	ev_io_init(&s->accept_io, server_accept_cb, s->lfd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(s->loop, &s->accept_io);
	if (s->cfg->nlisten > 0 && (s->tcp = tcpserve_open(s->loop,
	    s->cfg->listen, s->cfg->nlisten, s->cfg->peer_timeout,
	    server_accept_tcp, s, e)) == NULL) {
		server_unlisten(s);
		return -1;
	}
	return 0;
}

const struct addr *
server_tcp_bound(const struct server *s, size_t i)
{
	return tcpserve_bound(s->tcp, i);
}

int
server_run(struct server *s)
{
	ev_signal_init(&s->sigint, server_signal_cb, SIGINT);
	ev_signal_init(&s->sigterm, server_signal_cb, SIGTERM);
	s->sigint.data = s->sigterm.data = s;
	ev_signal_start(s->loop, &s->sigint);
	ev_signal_start(s->loop, &s->sigterm);
	{
		char tcp[SERVER_LISTEN_MAX * (ADDR_TEXT_MAX + 8)] = "";

		for (size_t i = 0; tcpserve_bound(s->tcp, i) != NULL; i++)
			snprintf(tcp + strlen(tcp), sizeof tcp - strlen(tcp),
			    " and %s", tcpserve_bound(s->tcp, i)->text);
		log_info("%u map task%s, %u reduce task%s; listening on %s%s",
		    tasks_nmap(s->tasks), tasks_nmap(s->tasks) == 1 ? "" : "s",
		    tasks_nreduce(s->tasks), tasks_nreduce(s->tasks) == 1 ?
		    "" : "s", s->cfg->addr.sun_path, tcp);
	}
	if (!s->finishing)
		progress_start(s->progress);
	server_serve(s);	/* an empty job is done at once */
	ev_run(s->loop, 0);
	ev_signal_stop(s->loop, &s->sigint);
	ev_signal_stop(s->loop, &s->sigterm);
	if (s->cfg->report != NULL && server_write_report(s) == -1 &&
	    s->status == 0)
		s->status = 3;
	return s->status;
}

void
server_free(struct server *s)
{
	struct peer *p;

	if (s == NULL)
		return;
	s->finishing = 1;
	server_unlisten(s);
	while ((p = TAILQ_FIRST(&s->peers)) != NULL)
		conn_drop(p->conn);	/* frees p through peer_closed() */
	ev_timer_stop(s->loop, &s->deadline);
	ev_timer_stop(s->loop, &s->speculate);
	ev_timer_stop(s->loop, &s->linger);
	progress_free(s->progress);
	ctlserve_free(s->ctl);
	attempts_free(s->attempts);
	ev_loop_destroy(s->loop);
	free(s);
}

/* The job now, for the progress line and the status. */
static void
server_snapshot(void *arg, struct progress_snapshot *snap)
{
	struct server *s = arg;
	struct tasks_counts c;
	struct job_totals tot;
	struct peer *p;
	double now = server_now();

	memset(snap, 0, sizeof *snap);
	job_totals(s->job, &tot);
	snap->phase = job_phase(s->job);
	snap->elapsed = now - s->started;
	if (snap->phase == PHASE_MAP) {
		tasks_count_kind(s->tasks, TASK_MAP, &c);
		snap->total = tasks_nmap(s->tasks);
	} else {
		tasks_count_kind(s->tasks, TASK_REDUCE, &c);
		snap->total = tasks_nreduce(s->tasks);
	}
	snap->done = c.done;
	snap->running = c.running;
	snap->waiting = c.idle;
	tasks_input_bytes(s->tasks, &snap->bytes, &snap->bytes_done);
	if (tot.reduces_timed > 0)
		snap->reduce_avg = tot.reduce_secs / tot.reduces_timed;
	for (p = TAILQ_FIRST(&s->peers); p != NULL; p = TAILQ_NEXT(p, entry)) {
		if (p->worker == 0)
			continue;	/* not introduced, or a status client */
		snap->workers++;
		if (p->state == PEER_BUSY && p->kind == TASK_REDUCE &&
		    snap->reduce_avg > 0)
			snap->reduce_running += now - p->since <
			    snap->reduce_avg ? now - p->since : snap->reduce_avg;
	}
}

/*
 * Makes a new connection a status client, or lets a client ask again:
 * 0, or -1 to drop it (a worker asking, an answer still unread, too many
 * clients). `what` names the request in log lines.
 */
static int
peer_client(struct peer *p, const char *what)
{
	if (p->state != PEER_HELLO && p->state != PEER_CLIENT) {
		log_warn("%s: %s request from a worker", p->name, what);
		return -1;
	}
	/* Its previous answer is unread: a client that never reads costs nothing. */
	if (conn_queued(p->conn) > 0) {
		log_warn("%s: %s request before reading the last answer",
		    p->name, what);
		return -1;
	}
	if (p->state == PEER_HELLO && p->srv->nclients >= SERVER_CLIENTS_MAX) {
		/* Each holds a whole Status until it reads it: bound them. */
		log_warn("%s: %d status clients already; refused", p->name,
		    SERVER_CLIENTS_MAX);
		return -1;
	}
	ev_timer_stop(p->srv->loop, &p->hello_timer);
	if (p->state == PEER_HELLO) {
		p->srv->nclients++;
		p->state = PEER_CLIENT;
		snprintf(p->name, sizeof p->name, "status client %d",
		    conn_fd(p->conn));
	}
	return 0;
}
