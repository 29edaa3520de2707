/*
 * attempts.c - the attempts and workers of this run (see attempts.h).
 *
 * A job may hand out hundreds of thousands of attempts, each kept until
 * the coordinator exits: a record holds numbers and flags only (no name:
 * the report finds a task's inputs in the tasks), the error of a failed
 * one being the only thing allocated apart. What only a kept task has
 * (its id and incarnation then) is in an array of its own, as long as
 * the kept tasks.
 */
#include <stdlib.h>
#include <string.h>

#include "attempts.h"
#include "log.h"
#include "protocol.h"

struct attempts_rec {
	double		 start, end, timed_out;
	uint64_t	 bytes_in, bytes_out;
	char		*error;
	uint32_t	 task, worker;
	unsigned	 kind : 1;
	unsigned	 backup : 1;
	unsigned	 ended : 1;
	unsigned	 has_timeout : 1;
	unsigned	 has_bytes : 1;
	unsigned	 outcome : 3;	/* enum tasks_outcome, when ended */
};

/* What a kept task's record does not say: record i is kept[i]'s. */
struct attempts_kept {
	uint64_t	 attempt;
	uint32_t	 incarnation;
};

struct attempts_wk {
	int		 pid;
	char		*host;
	double		 joined, left;
	char		*why;		/* NULL while connected */
};

struct attempts {
	size_t			 error_max;
	struct attempts_rec	*rec;
	size_t			 nrec, caprec;
	struct attempts_kept	*kept;
	size_t			 nkept, capkept;
	struct attempts_wk	*wk;		/* worker id - 1 */
	size_t			 nwk, capwk;
	attempts_observer	 observer;
	void			*observer_arg;
};

struct attempts *
attempts_new(size_t error_max)
{
	struct attempts *a = xcalloc(1, sizeof *a);

	a->error_max = error_max;
	return a;
}

void
attempts_free(struct attempts *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nrec; i++)
		free(a->rec[i].error);
	for (size_t i = 0; i < a->nwk; i++) {
		free(a->wk[i].host);
		free(a->wk[i].why);
	}
	free(a->rec);
	free(a->kept);
	free(a->wk);
	free(a);
}

void
attempts_set_observer(struct attempts *a, attempts_observer fn, void *arg)
{
	a->observer = fn;
	a->observer_arg = arg;
}

/* Grows *p (of *cap elements of `size`) to hold n + 1. */
static void *
attempts_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap != 0 ? *cap * 2 : 64;
	return xrealloc(p, *cap * size);
}

static void
attempts_changed(struct attempts *a, enum attempts_record what, size_t i)
{
	if (a->observer != NULL)
		a->observer(a->observer_arg, what, i);
}

/* A copy of s cut to n bytes at most. */
static char *
attempts_strndup(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *c;

	if (n > max)
		n = max;
	c = xmalloc(n + 1);
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* A new record, zeroed, at index a->nrec - 1. */
static struct attempts_rec *
attempts_new_rec(struct attempts *a)
{
	struct attempts_rec *r;

	a->rec = attempts_grow(a->rec, &a->caprec, a->nrec, sizeof *a->rec);
	r = &a->rec[a->nrec++];
	memset(r, 0, sizeof *r);
	return r;
}

static void
attempts_leased(struct attempts *a, const struct job_event *ev)
{
	struct attempts_rec *r;

	if (ev->attempt != a->nrec - a->nkept + 1)
		return;		/* ids count up with no gap */
	r = attempts_new_rec(a);
	r->kind = ev->kind == TASK_REDUCE;
	r->task = ev->id;
	r->worker = ev->worker;
	r->backup = ev->backup != 0;
	r->start = ev->now;
	attempts_changed(a, ATTEMPTS_ATTEMPT, a->nrec - 1);
}

static void
attempts_kept(struct attempts *a, const struct job_kept *k)
{
	struct attempts_rec *r;

	/* After a lease it would move this run's attempts: never (job.h). */
	if (a->nrec != a->nkept)
		return;
	a->kept = attempts_grow(a->kept, &a->capkept, a->nkept,
	    sizeof *a->kept);
	a->kept[a->nkept].attempt = k->attempt;
	a->kept[a->nkept].incarnation = k->incarnation;
	a->nkept++;
	r = attempts_new_rec(a);
	r->kind = k->kind == TASK_REDUCE;
	r->task = k->id;
	r->worker = k->worker;
	r->start = k->start;
	r->end = k->end;
	r->ended = r->has_bytes = 1;
	r->outcome = OUTCOME_DONE;
	r->bytes_in = k->bytes_in;
	r->bytes_out = k->bytes_out;
	attempts_changed(a, ATTEMPTS_ATTEMPT, a->nrec - 1);
}

/* This run's attempt `attempt`'s record, or NULL. */
static struct attempts_rec *
attempts_rec(struct attempts *a, uint64_t attempt, size_t *i)
{
	if (attempt == 0 || attempt > a->nrec - a->nkept)
		return NULL;
	*i = a->nkept + (size_t)(attempt - 1);
	return &a->rec[*i];
}

/* An attempt's deadline passed, or it ended, and how. */
static void
attempts_attempt_event(struct attempts *a, const struct job_event *ev)
{
	struct attempts_rec *r;
	enum tasks_outcome o;
	size_t i;

	if ((r = attempts_rec(a, ev->attempt, &i)) == NULL || r->ended)
		return;
	if (ev->type == JOB_EV_TIMED_OUT) {
		r->has_timeout = 1;
		r->timed_out = ev->now;
	} else {
		if (job_event_outcome(ev, &o) == -1)
			return;
		if (ev->has_bytes) {
			r->has_bytes = 1;
			r->bytes_in = ev->bytes_in;
			r->bytes_out = ev->bytes_out;
		}
		if (ev->type == JOB_EV_FAILED) {
			free(r->error);
			r->error = attempts_strndup(ev->error, a->error_max);
		}
		r->ended = 1;
		r->outcome = o;
		r->end = ev->now;
	}
	attempts_changed(a, ATTEMPTS_ATTEMPT, i);
}

static void
attempts_joined(struct attempts *a, uint32_t id, int pid, double now)
{
	struct attempts_wk *w;

	if (id != a->nwk + 1)
		return;		/* ids count up with no gap */
	a->wk = attempts_grow(a->wk, &a->capwk, a->nwk, sizeof *a->wk);
	w = &a->wk[a->nwk++];
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->joined = now;
	attempts_changed(a, ATTEMPTS_WORKER, a->nwk - 1);
}

static void
attempts_left(struct attempts *a, uint32_t id, const char *why, double now)
{
	struct attempts_wk *w;

	if (id == 0 || id > a->nwk || a->wk[id - 1].why != NULL)
		return;
	w = &a->wk[id - 1];
	w->left = now;
	w->why = xstrdup(why != NULL ? why : "");
	attempts_changed(a, ATTEMPTS_WORKER, id - 1);
}

void
attempts_worker_host(struct attempts *a, uint32_t id, const char *host)
{
	struct attempts_wk *w;

	if (id == 0 || id > a->nwk || host == NULL)
		return;
	w = &a->wk[id - 1];
	free(w->host);
	w->host = attempts_strndup(host, MR_HOST_MAX);
	attempts_changed(a, ATTEMPTS_WORKER, id - 1);
}

int
attempts_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct attempts *a = arg;

	(void)e;
	switch (ev->type) {
	case JOB_EV_WORKER_JOINED:
		attempts_joined(a, ev->worker, ev->pid, ev->now);
		break;
	case JOB_EV_WORKER_LEFT:
		attempts_left(a, ev->worker, ev->why, ev->now);
		break;
	case JOB_EV_LEASED:
		attempts_leased(a, ev);
		break;
	case JOB_EV_TIMED_OUT:
	case JOB_EV_DONE:
	case JOB_EV_STALE:
	case JOB_EV_FAILED:
	case JOB_EV_LOST:
	case JOB_EV_CANCELLED:
		attempts_attempt_event(a, ev);
		break;
	case JOB_EV_KEPT:
		attempts_kept(a, ev->kept);
		break;
	case JOB_EV_MAP_RESET:
	case JOB_EV_PHASE:
	case JOB_EV_PLUGIN:
		break;
	}
	return 0;
}

size_t
attempts_count(const struct attempts *a)
{
	return a->nrec;
}

size_t
attempts_nkept(const struct attempts *a)
{
	return a->nkept;
}

void
attempts_get(const struct attempts *a, size_t i, struct attempts_attempt *v)
{
	const struct attempts_rec *r = &a->rec[i];

	memset(v, 0, sizeof *v);
	if (i < a->nkept) {
		v->attempt = a->kept[i].attempt;
		v->incarnation = a->kept[i].incarnation;
		v->kept = 1;
	} else
		v->attempt = i - a->nkept + 1;
	v->kind = r->kind ? TASK_REDUCE : TASK_MAP;
	v->task = r->task;
	v->worker = r->worker;
	v->backup = r->backup;
	v->start = r->start;
	v->ended = r->ended;
	v->end = r->end;
	v->outcome = (enum tasks_outcome)r->outcome;
	v->has_timeout = r->has_timeout;
	v->timed_out = r->timed_out;
	v->has_bytes = r->has_bytes;
	v->bytes_in = r->bytes_in;
	v->bytes_out = r->bytes_out;
	v->error = r->error;
}

size_t
attempts_nworkers(const struct attempts *a)
{
	return a->nwk;
}

void
attempts_worker(const struct attempts *a, size_t i, struct attempts_worker *w)
{
	const struct attempts_wk *k = &a->wk[i];

	w->id = (uint32_t)i + 1;
	w->pid = k->pid;
	w->host = k->host;
	w->joined = k->joined;
	w->left = k->left;
	w->why = k->why;
}

Mr__AttemptOutcome
attempts_outcome(const struct attempts_attempt *v)
{
	if (!v->ended)
		return MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING;
	switch (v->outcome) {
	case OUTCOME_DONE:
		return v->backup ? MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON :
		    MR__ATTEMPT_OUTCOME__ATTEMPT_DONE;
	case OUTCOME_CANCELLED:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_CANCELLED;	/* its backup won */
	case OUTCOME_BACKUP_LOST:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_LOST;
	case OUTCOME_STALE:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_STALE;
	case OUTCOME_FAILED:
		return MR__ATTEMPT_OUTCOME__ATTEMPT_FAILED;
	case OUTCOME_LOST:
		/* Given up on at its deadline, then gone: a timeout. */
		return v->has_timeout ? MR__ATTEMPT_OUTCOME__ATTEMPT_TIMEOUT :
		    MR__ATTEMPT_OUTCOME__ATTEMPT_LOST;
	}
	return MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING;
}
