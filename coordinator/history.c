/*
 * history.c - the changes of the attempts and workers of this run, with a
 * sequence number per change (see history.h).
 *
 * The records are the store's (attempts.c); this file keeps only the
 * change log, an array of references to them, entry i being change i + 1,
 * and each record's last change, so that an answer walks the log from
 * `since` and takes each record at its last change only: once, as it is
 * now.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "protocol.h"

/* A change: record `pos` of the attempts, or of the workers. */
struct history_change {
	uint32_t	 pos;
	int		 worker;
};

struct history {
	struct attempts		*att;
	double			 started;
	uint64_t		*att_seq;	/* attempt record -> its last change */
	size_t			 natt, capatt;
	uint64_t		*wk_seq;	/* worker record -> its last change */
	size_t			 nwk, capwk;
	struct history_change	*log;
	size_t			 nlog, caplog;
};

static void	history_changed(void *, enum attempts_record, size_t);

struct history *
history_new(struct attempts *a, double started)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->att = a;
	h->started = started;
	attempts_set_observer(a, history_changed, h);
	return h;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	attempts_set_observer(h->att, NULL, NULL);
	free(h->att_seq);
	free(h->wk_seq);
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

/*
 * Numbers a change of attempt record `pos` (or worker record): records
 * come in order (attempts.h), a new one at the end.
 */
static void
history_changed(void *arg, enum attempts_record what, size_t pos)
{
	struct history *h = arg;
	int worker = what == ATTEMPTS_WORKER;
	uint64_t **seq = worker ? &h->wk_seq : &h->att_seq;
	size_t *n = worker ? &h->nwk : &h->natt;
	size_t *cap = worker ? &h->capwk : &h->capatt;

	while (pos >= *n) {
		*seq = history_grow(*seq, cap, *n, sizeof **seq);
		(*seq)[(*n)++] = 0;
	}
	h->log = history_grow(h->log, &h->caplog, h->nlog, sizeof *h->log);
	h->log[h->nlog].pos = (uint32_t)pos;
	h->log[h->nlog].worker = worker;
	h->nlog++;
	(*seq)[pos] = h->nlog;
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

/*
 * Attempt record `pos` as a message pointing into the store (the message
 * lives only until sent); an error over its bound is cut into a copy
 * made in the message's own block.
 */
static Mr__AttemptRecord *
history_attempt_msg(const struct history *h, size_t pos)
{
	struct attempts_attempt a;
	Mr__AttemptRecord *r;
	size_t n;

	attempts_get(h->att, pos, &a);
	n = a.error != NULL ? strlen(a.error) : 0;
	r = xmalloc(sizeof *r + (n > MR_HISTORY_ERROR_MAX ?
	    MR_HISTORY_ERROR_MAX + 1 : 0));
	mr__attempt_record__init(r);
	r->index = pos + 1;
	r->attempt = a.attempt;
	r->kind = a.kind == TASK_MAP ? MR__TASK_KIND__KIND_MAP :
	    MR__TASK_KIND__KIND_REDUCE;
	r->task = a.task;
	r->worker = a.worker;
	/* A kept task's times are of another run: none. */
	r->start = a.kept ? 0 : history_time(h, a.start);
	r->end = a.ended && !a.kept ? history_time(h, a.end) : 0;
	r->outcome = attempts_outcome(&a);
	r->timed_out = a.has_timeout ? history_time(h, a.timed_out) : 0;
	if (n > MR_HISTORY_ERROR_MAX) {
		r->error = (char *)(r + 1);
		memcpy(r->error, a.error, MR_HISTORY_ERROR_MAX);
		r->error[MR_HISTORY_ERROR_MAX] = '\0';
	} else
		r->error = a.error != NULL ? (char *)a.error : (char *)"";
	r->has_bytes = a.has_bytes;
	r->bytes_read = a.bytes_in;
	r->bytes_written = a.bytes_out;
	r->backup = a.backup;
	r->kept = a.kept;
	r->incarnation = a.incarnation;
	return r;
}

static Mr__WorkerRecord *
history_worker_msg(const struct history *h, size_t pos)
{
	Mr__WorkerRecord *r = xmalloc(sizeof *r);
	struct attempts_worker w;

	attempts_worker(h->att, pos, &w);
	mr__worker_record__init(r);
	r->id = w.id;
	r->pid = w.pid;
	r->host = w.host != NULL ? (char *)w.host : (char *)"";
	r->connected = history_time(h, w.joined);
	r->disconnected = w.why != NULL ? history_time(h, w.left) : 0;
	r->left = w.why != NULL ? (char *)w.why : (char *)"";
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
		if ((c->worker ? h->wk_seq[c->pos] : h->att_seq[c->pos]) !=
		    i + 1)
			continue;
		if (c->worker) {
			m->workers[nwk] = history_worker_msg(h, c->pos);
			n = mr__worker_record__get_packed_size(m->workers[nwk]);
		} else {
			m->attempts[natt] = history_attempt_msg(h, c->pos);
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
