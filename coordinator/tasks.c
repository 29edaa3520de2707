/*
 * tasks.c - task and attempt bookkeeping of one job (see tasks.h).
 *
 * Attempts are kept in an array in the order they were handed out; since
 * every attempt gets the same timeout, that is also deadline order, so
 * expiry walks a cursor forward instead of searching.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "tasks.h"

enum task_state {
	TASK_IDLE,
	TASK_RUNNING,
	TASK_DONE
};

enum attempt_state {
	ATTEMPT_RUNNING,
	ATTEMPT_DONE,
	ATTEMPT_FAILED,
	ATTEMPT_TIMEDOUT,
	ATTEMPT_LOST
};

struct task {
	enum task_kind	 kind;
	uint32_t	 id;
	enum task_state	 state;
	uint64_t	 current;	/* attempt whose deadline counts, 0 none */
	uint64_t	 reset;		/* attempts below this id are stale */
	uint32_t	 failures;
	char		*input;
	uint64_t	 offset, length;
	uint64_t	 bytes;		/* map: input bytes, for progress */
};

struct attempt {
	uint32_t	 task;		/* index into tasks */
	uint32_t	 worker;
	enum attempt_state state;
	double		 start, deadline;
};

/* FIFO of idle task indices; a task is in it at most once. */
struct queue {
	uint32_t	*v;
	size_t		 cap, head, n;
};

struct tasks {
	struct task	*task;		/* maps, then reduces */
	uint32_t	 nmap, nreduce;
	uint32_t	 maps_done, reduces_done;
	struct queue	 idle_map, idle_reduce;
	struct attempt	*attempt;	/* attempt id i is attempt[i - 1] */
	size_t		 nattempt, capattempt;
	size_t		 cursor;	/* first attempt that may still expire */
	double		 timeout;
	uint32_t	 max_failures;
	uint64_t	 timeouts, lost, failures;
	char		 failure[256];
};

static void
queue_push(struct queue *q, uint32_t v)
{
	q->v[(q->head + q->n++) % q->cap] = v;
}

static int
queue_pop(struct queue *q, uint32_t *v)
{
	if (q->n == 0)
		return 0;
	*v = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return 1;
}

static void
queue_init(struct queue *q, size_t cap)
{
	q->cap = cap != 0 ? cap : 1;
	q->v = xcalloc(q->cap, sizeof *q->v);
	q->head = q->n = 0;
}

struct tasks *
tasks_new_splits(const struct tasks_input *inputs, uint32_t ninputs,
    uint32_t nreduce, double timeout, uint32_t max_failures)
{
	struct tasks *t = xcalloc(1, sizeof *t);

	t->nmap = ninputs;
	t->nreduce = nreduce;
	t->timeout = timeout;
	t->max_failures = max_failures;
	t->task = xcalloc((size_t)ninputs + nreduce, sizeof *t->task);
	queue_init(&t->idle_map, ninputs);
	queue_init(&t->idle_reduce, nreduce);
	for (uint32_t i = 0; i < ninputs; i++) {
		t->task[i].kind = TASK_MAP;
		t->task[i].id = i;
		t->task[i].input = xstrdup(inputs[i].name);
		t->task[i].offset = inputs[i].offset;
		t->task[i].length = inputs[i].length;
		queue_push(&t->idle_map, i);
	}
	for (uint32_t i = 0; i < nreduce; i++) {
		t->task[ninputs + i].kind = TASK_REDUCE;
		t->task[ninputs + i].id = i;
		queue_push(&t->idle_reduce, ninputs + i);
	}
	return t;
}

struct tasks *
tasks_new(char *const *inputs, uint32_t ninputs, uint32_t nreduce,
    double timeout, uint32_t max_failures)
{
	struct tasks_input *in = xcalloc(ninputs, sizeof *in);
	struct tasks *t;

	for (uint32_t i = 0; i < ninputs; i++)
		in[i].name = inputs[i];
	t = tasks_new_splits(in, ninputs, nreduce, timeout, max_failures);
	free(in);
	return t;
}

void
tasks_free(struct tasks *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->nmap; i++)
		free(t->task[i].input);
	free(t->task);
	free(t->attempt);
	free(t->idle_map.v);
	free(t->idle_reduce.v);
	free(t);
}

enum tasks_phase
tasks_phase(const struct tasks *t)
{
	if (t->failure[0] != '\0')
		return PHASE_FAILED;
	if (t->maps_done < t->nmap)
		return PHASE_MAP;
	if (t->reduces_done < t->nreduce)
		return PHASE_REDUCE;
	return PHASE_DONE;
}

const char *
tasks_failure(const struct tasks *t)
{
	return t->failure;
}

/* Puts a task back in its queue. */
static void
tasks_requeue(struct tasks *t, uint32_t i)
{
	struct task *k = &t->task[i];

	k->state = TASK_IDLE;
	k->current = 0;
	queue_push(k->kind == TASK_MAP ? &t->idle_map : &t->idle_reduce, i);
}

int
tasks_lease(struct tasks *t, uint32_t worker, double now, struct lease *l)
{
	struct task *k;
	struct attempt *a;
	uint32_t i;

	switch (tasks_phase(t)) {
	case PHASE_DONE:
	case PHASE_FAILED:
		return -1;
	case PHASE_MAP:
		if (!queue_pop(&t->idle_map, &i))
			return 0;
		break;
	case PHASE_REDUCE:
		if (!queue_pop(&t->idle_reduce, &i))
			return 0;
		break;
	}
	if (t->nattempt == t->capattempt) {
		t->capattempt = t->capattempt != 0 ? t->capattempt * 2 : 64;
		t->attempt = xrealloc(t->attempt,
		    t->capattempt * sizeof *t->attempt);
	}
	a = &t->attempt[t->nattempt++];
	a->task = i;
	a->worker = worker;
	a->state = ATTEMPT_RUNNING;
	a->start = now;
	a->deadline = now + t->timeout;
	k = &t->task[i];
	k->state = TASK_RUNNING;
	k->current = t->nattempt;
	l->attempt = t->nattempt;
	l->kind = k->kind;
	l->id = k->id;
	l->input = k->input;
	l->offset = k->offset;
	l->length = k->length;
	l->nmap = t->nmap;
	l->nreduce = t->nreduce;
	return 1;
}

/* The attempt with that id, if it was handed to that worker. */
static struct attempt *
tasks_attempt(struct tasks *t, uint32_t worker, uint64_t attempt)
{
	struct attempt *a;

	if (attempt == 0 || attempt > t->nattempt)
		return NULL;
	a = &t->attempt[attempt - 1];
	return a->worker == worker ? a : NULL;
}

enum tasks_verdict
tasks_report_done(struct tasks *t, uint32_t worker, uint64_t attempt,
    double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;

	(void)now;
	if (a == NULL)
		return VERDICT_INVALID;
	if (a->state == ATTEMPT_DONE || a->state == ATTEMPT_FAILED)
		return VERDICT_STALE;	/* a second report of one attempt */
	a->state = ATTEMPT_DONE;
	k = &t->task[a->task];
	/* First completion wins; work from before a reset is not trusted. */
	if (k->state == TASK_DONE || attempt < k->reset ||
	    tasks_phase(t) == PHASE_FAILED)
		return VERDICT_STALE;
	if (k->state == TASK_IDLE) {
		/* A timed-out attempt finished after all: take it off the queue. */
		struct queue *q = k->kind == TASK_MAP ?
		    &t->idle_map : &t->idle_reduce;
		size_t n = q->n;

		for (size_t j = 0; j < n; j++) {
			uint32_t v = 0;

			queue_pop(q, &v);
			if (v != a->task)
				queue_push(q, v);
		}
	}
	k->state = TASK_DONE;
	k->current = attempt;
	if (k->kind == TASK_MAP)
		t->maps_done++;
	else
		t->reduces_done++;
	return VERDICT_ACCEPTED;
}

enum tasks_verdict
tasks_report_failed(struct tasks *t, uint32_t worker, uint64_t attempt,
    const uint32_t *bad_maps, size_t nbad, double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;

	(void)now;
	if (a == NULL)
		return VERDICT_INVALID;
	/* Refuse the whole report before anything changes. */
	for (size_t j = 0; j < nbad; j++)
		if (bad_maps[j] >= t->nmap)
			return VERDICT_INVALID;
	if (a->state == ATTEMPT_DONE || a->state == ATTEMPT_FAILED)
		return VERDICT_STALE;
	a->state = ATTEMPT_FAILED;
	k = &t->task[a->task];
	if (k->state == TASK_DONE || attempt < k->reset)
		return VERDICT_STALE;
	for (size_t j = 0; j < nbad; j++) {
		struct task *m = &t->task[bad_maps[j]];

		if (m->state != TASK_DONE)
			continue;
		/* Its output is gone: run it again before any reduce. */
		t->maps_done--;
		m->reset = t->nattempt + 1;
		tasks_requeue(t, bad_maps[j]);
	}
	t->failures++;
	/* A failure caused by another task's output is not this task's fault. */
	if (nbad == 0 && ++k->failures >= t->max_failures) {
		snprintf(t->failure, sizeof t->failure,
		    "%s task %u failed %u times", k->kind == TASK_MAP ?
		    "map" : "reduce", k->id, k->failures);
	}
	if (k->current == attempt)
		tasks_requeue(t, a->task);
	return VERDICT_ACCEPTED;
}

void
tasks_lost(struct tasks *t, uint64_t attempt, double now)
{
	struct attempt *a;
	struct task *k;

	(void)now;
	if (attempt == 0 || attempt > t->nattempt)
		return;
	a = &t->attempt[attempt - 1];
	if (a->state != ATTEMPT_RUNNING && a->state != ATTEMPT_TIMEDOUT)
		return;
	a->state = ATTEMPT_LOST;
	k = &t->task[a->task];
	if (k->state == TASK_RUNNING && k->current == attempt) {
		t->lost++;
		tasks_requeue(t, a->task);
	}
}

double
tasks_expire(struct tasks *t, double now)
{
	while (t->cursor < t->nattempt) {
		struct attempt *a = &t->attempt[t->cursor];
		struct task *k = &t->task[a->task];

		if (a->deadline > now)
			return a->deadline;
		t->cursor++;
		if (a->state != ATTEMPT_RUNNING)
			continue;
		/* A late report from it still counts (first completion wins). */
		a->state = ATTEMPT_TIMEDOUT;
		if (k->state == TASK_RUNNING && k->current == t->cursor) {
			t->timeouts++;
			tasks_requeue(t, a->task);
		}
	}
	return 0;
}

void
tasks_counts(const struct tasks *t, struct tasks_counts *c)
{
	c->idle = c->running = c->done = 0;
	for (uint32_t i = 0; i < t->nmap + t->nreduce; i++) {
		switch (t->task[i].state) {
		case TASK_IDLE:
			c->idle++;
			break;
		case TASK_RUNNING:
			c->running++;
			break;
		case TASK_DONE:
			c->done++;
			break;
		}
	}
	c->timeouts = t->timeouts;
	c->lost = t->lost;
	c->failures = t->failures;
}

uint64_t
tasks_timeouts(const struct tasks *t)
{
	return t->timeouts;
}

uint32_t
tasks_nmap(const struct tasks *t)
{
	return t->nmap;
}

uint32_t
tasks_nreduce(const struct tasks *t)
{
	return t->nreduce;
}

void
tasks_set_input_bytes(struct tasks *t, uint32_t map, uint64_t bytes)
{
	if (map < t->nmap)
		t->task[map].bytes = bytes;
}

void
tasks_input_bytes(const struct tasks *t, uint64_t *total, uint64_t *done)
{
	*total = *done = 0;
	for (uint32_t i = 0; i < t->nmap; i++) {
		*total += t->task[i].bytes;
		if (t->task[i].state == TASK_DONE)
			*done += t->task[i].bytes;
	}
}

void
tasks_count_kind(const struct tasks *t, enum task_kind kind,
    struct tasks_counts *c)
{
	uint32_t from = kind == TASK_MAP ? 0 : t->nmap;
	uint32_t to = kind == TASK_MAP ? t->nmap : t->nmap + t->nreduce;

	c->idle = c->running = c->done = 0;
	for (uint32_t i = from; i < to; i++) {
		switch (t->task[i].state) {
		case TASK_IDLE:
			c->idle++;
			break;
		case TASK_RUNNING:
			c->running++;
			break;
		case TASK_DONE:
			c->done++;
			break;
		}
	}
	c->timeouts = t->timeouts;
	c->lost = t->lost;
	c->failures = t->failures;
}

/* One pass over the attempts counts them per task, so a view is O(tasks + attempts). */
void
tasks_views(const struct tasks *t, struct tasks_view *v)
{
	uint32_t n = t->nmap + t->nreduce;

	for (uint32_t i = 0; i < n; i++) {
		const struct task *k = &t->task[i];

		v[i].kind = k->kind;
		v[i].id = k->id;
		v[i].input = k->input;
		v[i].offset = k->offset;
		v[i].length = k->length;
		v[i].bytes = k->bytes;
		v[i].attempts = 0;
		v[i].worker = 0;
		v[i].start = 0;
		switch (k->state) {
		case TASK_IDLE:
			v[i].state = TASKS_WAITING;
			break;
		case TASK_RUNNING:
			v[i].state = TASKS_RUNNING;
			break;
		case TASK_DONE:
			v[i].state = TASKS_DONE;
			break;
		}
		if (k->state != TASK_IDLE && k->current != 0 &&
		    k->current <= t->nattempt) {
			v[i].worker = t->attempt[k->current - 1].worker;
			v[i].start = t->attempt[k->current - 1].start;
		}
	}
	for (size_t j = 0; j < t->nattempt; j++)
		v[t->attempt[j].task].attempts++;
}
