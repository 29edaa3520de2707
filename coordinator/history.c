/*
 * history.c - the attempts and workers of this run, with a sequence number
 * per change (see history.h).
 *
 * Records live in two arrays (attempts, kept tasks included, and workers);
 * the change log is an array of references to them, entry i being change
 * i + 1. A record remembers its last change, so that an answer walks the
 * log from `since` and takes each record at its last change only: once,
 * as it is now. Attempt ids and worker ids count up from 1 with no gap,
 * as in report.c, so finding a record is an index.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "protocol.h"

struct history_attempt {
	uint64_t	 attempt;
	enum task_kind	 kind;
	uint32_t	 task, worker, incarnation;
	double		 start, end, timed_out;
	int		 ended, has_timeout, has_bytes, backup, kept;
	enum tasks_outcome outcome;
	uint64_t	 bytes_in, bytes_out;
	char		*error;
	uint64_t	 seq;		/* its last change */
};

struct history_worker {
	int		 pid;
	char		*host;
	double		 joined, left;
	char		*why;		/* NULL while connected */
	uint64_t	 seq;
};

/* A change: record `pos` of the attempts, or of the workers. */
struct history_change {
	uint32_t	 pos;
	int		 worker;
};

struct history {
	double			 started;
	struct history_attempt	*att;
	size_t			 natt, capatt;
	size_t			*by_attempt;	/* attempt id - 1 -> att index */
	size_t			 nby, capby;
	struct history_worker	*wk;		/* worker id - 1 */
	size_t			 nwk, capwk;
	struct history_change	*log;
	size_t			 nlog, caplog;
};

struct history *
history_new(double started)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->started = started;
	return h;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->natt; i++)
		free(h->att[i].error);
	for (size_t i = 0; i < h->nwk; i++) {
		free(h->wk[i].host);
		free(h->wk[i].why);
	}
	free(h->att);
	free(h->by_attempt);
	free(h->wk);
	free(h->log);
	free(h);
}

/* Grows *p (of *cap elements of `size`) to hold n + 1. */
static void *
history_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap != 0 ? *cap * 2 : 64;
	return xrealloc(p, *cap * size);
}

/* Records a change of attempt record `pos` (or worker record). */
static void
history_changed(struct history *h, size_t pos, int worker)
{
	h->log = history_grow(h->log, &h->caplog, h->nlog, sizeof *h->log);
	h->log[h->nlog].pos = (uint32_t)pos;
	h->log[h->nlog].worker = worker;
	h->nlog++;
	if (worker)
		h->wk[pos].seq = h->nlog;
	else
		h->att[pos].seq = h->nlog;
}

uint64_t
history_seq(const struct history *h)
{
	return h->nlog;
}

static double
history_time(const struct history *h, double now)
{
	return now > h->started ? now - h->started : 0;
}

/* A new attempt record, zeroed; its index in h->att is h->natt - 1. */
static struct history_attempt *
history_new_attempt(struct history *h)
{
	struct history_attempt *a;

	h->att = history_grow(h->att, &h->capatt, h->natt, sizeof *h->att);
	a = &h->att[h->natt++];
	memset(a, 0, sizeof *a);
	return a;
}

static void
history_leased(struct history *h, const struct job_event *ev)
{
	struct history_attempt *a;

	if (ev->attempt != h->nby + 1)
		return;		/* ids count up with no gap */
	a = history_new_attempt(h);
	a->attempt = ev->attempt;
	a->kind = ev->kind;
	a->task = ev->id;
	a->worker = ev->worker;
	a->backup = ev->backup;
	a->start = history_time(h, ev->now);
	h->by_attempt = history_grow(h->by_attempt, &h->capby, h->nby,
	    sizeof *h->by_attempt);
	h->by_attempt[h->nby++] = h->natt - 1;
	history_changed(h, h->natt - 1, 0);
}

static void
history_kept(struct history *h, const struct job_kept *k)
{
	struct history_attempt *a = history_new_attempt(h);

	a->attempt = k->attempt;
	a->kind = k->kind;
	a->task = k->id;
	a->worker = k->worker;
	a->incarnation = k->incarnation;
	a->kept = a->ended = a->has_bytes = 1;
	a->outcome = OUTCOME_DONE;
	a->bytes_in = k->bytes_in;
	a->bytes_out = k->bytes_out;
	history_changed(h, h->natt - 1, 0);
}

/* An attempt's deadline passed, or it ended, and how (as report.c). */
static void
history_attempt_event(struct history *h, const struct job_event *ev)
{
	struct history_attempt *a;
	size_t pos, n;

	if (ev->attempt == 0 || ev->attempt > h->nby)
		return;
	pos = h->by_attempt[ev->attempt - 1];
	a = &h->att[pos];
	if (a->ended)
		return;
	if (ev->type == JOB_EV_TIMED_OUT) {
		a->has_timeout = 1;
		a->timed_out = history_time(h, ev->now);
	} else {
		if (ev->has_bytes) {
			a->has_bytes = 1;
			a->bytes_in = ev->bytes_in;
			a->bytes_out = ev->bytes_out;
		}
		if (ev->type == JOB_EV_FAILED) {
			n = strlen(ev->error);
			if (n > MR_HISTORY_ERROR_MAX)
				n = MR_HISTORY_ERROR_MAX;
			free(a->error);
			a->error = xmalloc(n + 1);
			memcpy(a->error, ev->error, n);
			a->error[n] = '\0';
		}
		a->ended = 1;
		a->outcome = ev->type == JOB_EV_DONE ? OUTCOME_DONE :
		    ev->type == JOB_EV_STALE ? OUTCOME_STALE :
		    ev->type == JOB_EV_FAILED ? OUTCOME_FAILED :
		    ev->type == JOB_EV_CANCELLED ? (ev->backup ?
		    OUTCOME_BACKUP_LOST : OUTCOME_CANCELLED) : OUTCOME_LOST;
		a->end = history_time(h, ev->now);
	}
	history_changed(h, pos, 0);
}

static void
history_joined(struct history *h, uint32_t id, int pid, double now)
{
	struct history_worker *w;

	if (id != h->nwk + 1)
		return;
	h->wk = history_grow(h->wk, &h->capwk, h->nwk, sizeof *h->wk);
	w = &h->wk[h->nwk++];
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->joined = history_time(h, now);
	history_changed(h, h->nwk - 1, 1);
}

static void
history_left(struct history *h, uint32_t id, const char *why, double now)
{
	struct history_worker *w;

	if (id == 0 || id > h->nwk || h->wk[id - 1].why != NULL)
		return;
	w = &h->wk[id - 1];
	w->left = history_time(h, now);
	w->why = xstrdup(why);
	history_changed(h, id - 1, 1);
}

void
history_worker_host(struct history *h, uint32_t id, const char *host)
{
	struct history_worker *w;
	size_t n;

	if (id == 0 || id > h->nwk || host == NULL)
		return;
	w = &h->wk[id - 1];
	n = strlen(host);
	if (n > MR_HOST_MAX)
		n = MR_HOST_MAX;
	free(w->host);
	w->host = xmalloc(n + 1);
	memcpy(w->host, host, n);
	w->host[n] = '\0';
	history_changed(h, id - 1, 1);
}

int
history_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct history *h = arg;

	(void)e;
	switch (ev->type) {
	case JOB_EV_WORKER_JOINED:
		history_joined(h, ev->worker, ev->pid, ev->now);
		break;
	case JOB_EV_WORKER_LEFT:
		history_left(h, ev->worker, ev->why, ev->now);
		break;
	case JOB_EV_LEASED:
		history_leased(h, ev);
		break;
	case JOB_EV_TIMED_OUT:
	case JOB_EV_DONE:
	case JOB_EV_STALE:
	case JOB_EV_FAILED:
	case JOB_EV_LOST:
	case JOB_EV_CANCELLED:
		history_attempt_event(h, ev);
		break;
	case JOB_EV_KEPT:
		history_kept(h, ev->kept);
		break;
	case JOB_EV_MAP_RESET:
	case JOB_EV_PHASE:
	case JOB_EV_PLUGIN:
		break;
	}
	return 0;
}

/* What the report calls an attempt's end (report.c's report_outcome()). */
static Mr__AttemptOutcome
history_outcome(const struct history_attempt *a)
{
	if (!a->ended)
		return MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING;
	switch (a->outcome) {
	case OUTCOME_DONE:
		return a->backup ? MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON :
		    MR__ATTEMPT_OUTCOME__ATTEMPT_DONE;
	case OUTCOME_CANCELLED:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_CANCELLED;
	case OUTCOME_BACKUP_LOST:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_LOST;
	case OUTCOME_STALE:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_STALE;
	case OUTCOME_FAILED:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_FAILED;
	case OUTCOME_LOST:
		/* Given up on at its deadline, then gone: a timeout. */
		return a->has_timeout ? MR__ATTEMPT_OUTCOME__ATTEMPT_TIMEOUT :
		    MR__ATTEMPT_OUTCOME__ATTEMPT_LOST;
	}
	return MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING;
}

static Mr__AttemptRecord *
history_attempt_msg(const struct history_attempt *a, size_t pos)
{
	Mr__AttemptRecord *r = xmalloc(sizeof *r);

	mr__attempt_record__init(r);
	r->index = pos + 1;
	r->attempt = a->attempt;
	r->kind = a->kind == TASK_MAP ? MR__TASK_KIND__KIND_MAP :
	    MR__TASK_KIND__KIND_REDUCE;
	r->task = a->task;
	r->worker = a->worker;
	r->start = a->start;
	r->end = a->ended ? a->end : 0;
	r->outcome = history_outcome(a);
	r->timed_out = a->has_timeout ? a->timed_out : 0;
	/* Pointers into the record: the message lives only until sent. */
	r->error = a->error != NULL ? a->error : (char *)"";
	r->has_bytes = a->has_bytes;
	r->bytes_read = a->bytes_in;
	r->bytes_written = a->bytes_out;
	r->backup = a->backup;
	r->kept = a->kept;
	r->incarnation = a->incarnation;
	return r;
}

static Mr__WorkerRecord *
history_worker_msg(const struct history_worker *w, size_t pos)
{
	Mr__WorkerRecord *r = xmalloc(sizeof *r);

	mr__worker_record__init(r);
	r->id = (uint32_t)pos + 1;
	r->pid = w->pid;
	r->host = w->host != NULL ? w->host : (char *)"";
	r->connected = w->joined;
	r->disconnected = w->why != NULL ? w->left : 0;
	r->left = w->why != NULL ? w->why : (char *)"";
	return r;
}

Mr__History *
history_build(const struct history *h, uint64_t since, size_t max,
    double now)
{
	Mr__History *m = xmalloc(sizeof *m);
	size_t natt = 0, nwk = 0, size = 0, i;

	mr__history__init(m);
	m->version = MR_PROTOCOL_VERSION;
	m->elapsed = history_time(h, now);
	m->seq = since < h->nlog ? since : h->nlog;
	if (since >= h->nlog)
		return m;
	/* At most one message per change: sized once, filled as they come. */
	m->attempts = xcalloc(h->nlog - since, sizeof *m->attempts);
	m->workers = xcalloc(h->nlog - since, sizeof *m->workers);
	for (i = since; i < h->nlog; i++) {
		const struct history_change *c = &h->log[i];
		size_t n;

		/* A record changed again later is taken at its last change. */
		if (c->worker ? h->wk[c->pos].seq != i + 1 :
		    h->att[c->pos].seq != i + 1)
			continue;
		if (c->worker) {
			m->workers[nwk] = history_worker_msg(&h->wk[c->pos],
			    c->pos);
			n = mr__worker_record__get_packed_size(m->workers[nwk]);
		} else {
			m->attempts[natt] = history_attempt_msg(&h->att[c->pos],
			    c->pos);
			n = mr__attempt_record__get_packed_size(
			    m->attempts[natt]);
		}
		/* Tag and length of the field: at most 1 + 10 bytes. */
		if (size + n + 11 > max && (natt + nwk) > 0) {
			free(c->worker ? (void *)m->workers[nwk] :
			    (void *)m->attempts[natt]);
			m->more = 1;
			break;
		}
		size += n + 11;
		if (c->worker)
			nwk++;
		else
			natt++;
	}
	m->n_attempts = natt;
	m->n_workers = nwk;
	m->seq = i;
	return m;
}

void
history_msg_free(Mr__History *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_attempts; i++)
		free(m->attempts[i]);
	for (size_t i = 0; i < m->n_workers; i++)
		free(m->workers[i]);
	free(m->attempts);
	free(m->workers);
	free(m);
}
