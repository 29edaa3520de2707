/*
 * tasks.c - task and attempt bookkeeping of one job (see tasks.h).
 *
 * Attempts are kept in an array in the order they were handed out. Those
 * running are also linked in deadline order: every attempt gets the same
 * timeout from its start or its last progress, and time never goes back,
 * so one that starts or makes progress goes to the end of that list, and
 * expiry takes from its head instead of searching.
 *
 * Plugin counters are kept per task, those of its accepted attempt, and
 * added to job totals as attempts are accepted (subtracted when a done map
 * task goes back to the queue), so that totals cost nothing to read and
 * re-executed work never counts twice.
 *
 * Backups: attempts in ATTEMPT_RUNNING are also linked in a list in the
 * order they started, so that looking for a straggler walks only running
 * attempts, oldest (most overdue) first, and stops at the first one too
 * young; a task holds its original in `current` and its backup in
 * `backup`, and is queued again only when neither runs within its deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sdk.h"
#include "speculate.h"
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
	ATTEMPT_LOST,
	ATTEMPT_CANCELLED	/* another attempt of its pair finished first */
};

/*
 * Distinct counter names a job keeps: each attempt may name 64, but a
 * job's tasks could name new ones without end; past this, new names count
 * for nothing (tasks_counters_refused() says how many were).
 */
#define TASKS_NAMES_MAX 4096

struct task {
	enum task_kind	 kind;
	uint32_t	 id;
	enum task_state	 state;
	uint64_t	 current;	/* attempt whose deadline counts, 0
					   none; never a backup */
	uint64_t	 backup;	/* its backup until that ends, 0 none */
	uint64_t	 reset;		/* attempts below this id are stale */
	uint32_t	 failures;
	struct tasks_input *inputs;	/* map: names and stamps its own */
	struct stamp	*stamps;	/* map: those of inputs[] */
	uint32_t	 ninputs;
	uint64_t	 bytes;		/* map: input bytes, for progress */
	struct task_counter *counters;	/* of the accepted attempt */
	uint32_t	 ncounters;
	int		 kept;		/* done by tasks_restore() */
	char		*status;	/* the last status line, or NULL */
	uint32_t	 handed;	/* attempts handed out so far */
};

/* A task's counter: its name is names[name] of struct tasks. */
struct task_counter {
	uint32_t	 name;
	int64_t		 value;
};

/* A counter name seen in accepted reports, and its total. */
struct counter_total {
	char		*name;
	__int128	 total;		/* exact: no int64 overflow to undo */
};

struct attempt {
	uint32_t	 task;		/* index into tasks */
	uint32_t	 worker;
	enum attempt_state state;
	double		 start, deadline;
	uint64_t	 original;	/* a backup: the attempt it backs up;
					   else 0 */
	uint64_t	 prev, next;	/* ATTEMPT_RUNNING: the running list */
	uint64_t	 dprev, dnext;	/* ATTEMPT_RUNNING: the deadline list */
	double		 armed;		/* its start or its last progress */
	uint32_t	 index;		/* attempts of its task before it */
};

/* Backups of the tasks of one kind, and the durations they are judged by. */
struct backups {
	struct speculate *durations;	/* of the kind's accepted attempts */
	uint32_t	 running;	/* started and not ended */
	uint64_t	 started, won, lost;
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
	uint64_t	 dl_head, dl_tail;	/* running attempts, by deadline */
	double		 timeout;
	uint32_t	 max_failures;
	uint64_t	 timeouts, lost, failures;
	char		 failure[256];
	struct counter_total *names;	/* in order of first appearance */
	uint32_t	*order;		/* indices of names, sorted by name */
	size_t		 nnames, capnames;
	uint64_t	 names_refused;	/* counters past TASKS_NAMES_MAX */
	tasks_observer	 observer;
	void		*observer_arg;
	int		 speculation;
	struct backups	 backups[2];	/* indexed by enum task_kind */
	uint64_t	 run_head, run_tail;	/* running attempts, by start */
	int		 requeued;	/* the timeout being told queues its
					   task again */
};

/* Tells the observer about attempt a (index into t->attempt). */
static void
tasks_notify(struct tasks *t, enum tasks_event_type type, size_t a,
    enum tasks_outcome outcome, double now, const struct lease *l)
{
	struct tasks_event ev;
	const struct task *k;

	if (t->observer == NULL)
		return;
	k = &t->task[t->attempt[a].task];
	ev.type = type;
	ev.attempt = a + 1;
	ev.worker = t->attempt[a].worker;
	ev.kind = k->kind;
	ev.id = k->id;
	ev.now = now;
	ev.outcome = outcome;
	ev.lease = l;
	ev.backup = t->attempt[a].original != 0;
	ev.original = t->attempt[a].original;
	ev.index = t->attempt[a].index;
	ev.requeued = type == TASKS_EV_TIMEOUT && t->requeued;
	ev.start = t->attempt[a].start;
	ev.armed = t->attempt[a].armed;
	t->observer(t->observer_arg, &ev);
}

/* Whether an attempt may still report: it was handed out and has not ended. */
static int
attempt_live(const struct attempt *a)
{
	return a->state == ATTEMPT_RUNNING || a->state == ATTEMPT_TIMEDOUT;
}

/* Links attempt `id`, just started, at the end of the running list. */
static void
tasks_run_append(struct tasks *t, uint64_t id)
{
	struct attempt *a = &t->attempt[id - 1];

	a->prev = t->run_tail;
	a->next = 0;
	if (t->run_tail != 0)
		t->attempt[t->run_tail - 1].next = id;
	else
		t->run_head = id;
	t->run_tail = id;
}

static void
tasks_run_unlink(struct tasks *t, uint64_t id)
{
	struct attempt *a = &t->attempt[id - 1];

	if (a->prev != 0)
		t->attempt[a->prev - 1].next = a->next;
	else
		t->run_head = a->next;
	if (a->next != 0)
		t->attempt[a->next - 1].prev = a->prev;
	else
		t->run_tail = a->prev;
	a->prev = a->next = 0;
}

/* Links attempt `id`, whose deadline is the latest, at the end of its list. */
static void
tasks_dl_append(struct tasks *t, uint64_t id)
{
	struct attempt *a = &t->attempt[id - 1];

	a->dprev = t->dl_tail;
	a->dnext = 0;
	if (t->dl_tail != 0)
		t->attempt[t->dl_tail - 1].dnext = id;
	else
		t->dl_head = id;
	t->dl_tail = id;
}

static void
tasks_dl_unlink(struct tasks *t, uint64_t id)
{
	struct attempt *a = &t->attempt[id - 1];

	if (a->dprev != 0)
		t->attempt[a->dprev - 1].dnext = a->dnext;
	else
		t->dl_head = a->dnext;
	if (a->dnext != 0)
		t->attempt[a->dnext - 1].dprev = a->dprev;
	else
		t->dl_tail = a->dprev;
	a->dprev = a->dnext = 0;
}

/*
 * Moves attempt `id` to state `s`: out of the running list when it leaves
 * ATTEMPT_RUNNING; a backup that ends no longer runs, nor is its task's.
 */
static void
tasks_attempt_set(struct tasks *t, uint64_t id, enum attempt_state s)
{
	struct attempt *a = &t->attempt[id - 1];
	struct task *k = &t->task[a->task];

	if (a->state == ATTEMPT_RUNNING) {
		tasks_run_unlink(t, id);
		tasks_dl_unlink(t, id);
	}
	if (attempt_live(a) && s != ATTEMPT_TIMEDOUT) {
		if (a->original != 0)
			t->backups[k->kind].running--;
		if (k->backup == id)
			k->backup = 0;
	}
	a->state = s;
}

/*
 * Whether an attempt of task k that counts, its original or its backup,
 * still runs within its deadline (else the task must be queued again).
 */
static int
tasks_task_runs(const struct tasks *t, const struct task *k)
{
	return (k->current != 0 &&
	    t->attempt[k->current - 1].state == ATTEMPT_RUNNING) ||
	    (k->backup != 0 &&
	    t->attempt[k->backup - 1].state == ATTEMPT_RUNNING);
}

/* Takes a task's counters out of the totals (its output no longer counts). */
static void
tasks_counters_drop(struct tasks *t, struct task *k)
{
	for (uint32_t i = 0; i < k->ncounters; i++)
		t->names[k->counters[i].name].total -= k->counters[i].value;
	free(k->counters);
	k->counters = NULL;
	k->ncounters = 0;
}

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

/* Copies a map task's inputs into k, names and stamps included. */
static void
tasks_copy_inputs(struct task *k, const struct tasks_map *m)
{
	k->ninputs = m->ninputs;
	k->inputs = xcalloc(m->ninputs, sizeof *k->inputs);
	k->stamps = xcalloc(m->ninputs, sizeof *k->stamps);
	for (uint32_t j = 0; j < m->ninputs; j++) {
		k->inputs[j] = m->inputs[j];
		k->inputs[j].name = xstrdup(m->inputs[j].name);
		if (m->inputs[j].stamp != NULL) {
			k->stamps[j] = *m->inputs[j].stamp;
			k->inputs[j].stamp = &k->stamps[j];
		}
	}
	k->bytes = m->bytes;
}

struct tasks *
tasks_new_maps(const struct tasks_map *maps, uint32_t nmap,
    uint32_t nreduce, double timeout, uint32_t max_failures)
{
	struct tasks *t = xcalloc(1, sizeof *t);

	t->nmap = nmap;
	t->nreduce = nreduce;
	t->timeout = timeout;
	t->max_failures = max_failures;
	t->task = xcalloc((size_t)nmap + nreduce, sizeof *t->task);
	queue_init(&t->idle_map, nmap);
	queue_init(&t->idle_reduce, nreduce);
	t->backups[TASK_MAP].durations = speculate_new();
	t->backups[TASK_REDUCE].durations = speculate_new();
	for (uint32_t i = 0; i < nmap; i++) {
		t->task[i].kind = TASK_MAP;
		t->task[i].id = i;
		tasks_copy_inputs(&t->task[i], &maps[i]);
		queue_push(&t->idle_map, i);
	}
	for (uint32_t i = 0; i < nreduce; i++) {
		t->task[nmap + i].kind = TASK_REDUCE;
		t->task[nmap + i].id = i;
		queue_push(&t->idle_reduce, nmap + i);
	}
	return t;
}

struct tasks *
tasks_new_splits(const struct tasks_input *inputs, uint32_t ninputs,
    uint32_t nreduce, double timeout, uint32_t max_failures)
{
	struct tasks_map *m = xcalloc(ninputs != 0 ? ninputs : 1, sizeof *m);
	struct tasks *t;

	for (uint32_t i = 0; i < ninputs; i++) {
		m[i].inputs = &inputs[i];
		m[i].ninputs = 1;
	}
	t = tasks_new_maps(m, ninputs, nreduce, timeout, max_failures);
	free(m);
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
	for (uint32_t i = 0; i < t->nmap; i++) {
		for (uint32_t j = 0; j < t->task[i].ninputs; j++)
			free((char *)t->task[i].inputs[j].name);
		free(t->task[i].inputs);
		free(t->task[i].stamps);
	}
	for (uint32_t i = 0; i < t->nmap + t->nreduce; i++) {
		free(t->task[i].counters);
		free(t->task[i].status);
	}
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i].name);
	free(t->names);
	free(t->order);
	free(t->task);
	free(t->attempt);
	free(t->idle_map.v);
	free(t->idle_reduce.v);
	speculate_free(t->backups[TASK_MAP].durations);
	speculate_free(t->backups[TASK_REDUCE].durations);
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

/*
 * Whether attempt `id` is one that keeps task k running: its original or
 * its backup, the task not done nor waiting in the queue.
 */
static int
tasks_counts_for(const struct task *k, uint64_t id)
{
	return k->state == TASK_RUNNING &&
	    (k->current == id || k->backup == id);
}

/* Puts a task back in its queue. */
static void
tasks_requeue(struct tasks *t, uint32_t i)
{
	struct task *k = &t->task[i];

	k->state = TASK_IDLE;
	k->current = 0;
	k->kept = 0;
	queue_push(k->kind == TASK_MAP ? &t->idle_map : &t->idle_reduce, i);
}

/*
 * Hands out a new attempt of task i to `worker`: its first (or next) one
 * when `original` is 0, else a backup of attempt `original`.
 */
static void
tasks_start(struct tasks *t, uint32_t i, uint32_t worker, double now,
    uint64_t original, struct lease *l)
{
	struct task *k = &t->task[i];
	struct attempt *a;

	if (t->nattempt == t->capattempt) {
		t->capattempt = t->capattempt != 0 ? t->capattempt * 2 : 64;
		t->attempt = xrealloc(t->attempt,
		    t->capattempt * sizeof *t->attempt);
	}
	a = &t->attempt[t->nattempt++];
	a->task = i;
	a->worker = worker;
	a->state = ATTEMPT_RUNNING;
	a->start = a->armed = now;
	a->deadline = now + t->timeout;
	a->original = original;
	a->index = k->handed;
	tasks_run_append(t, t->nattempt);
	tasks_dl_append(t, t->nattempt);
	if (original == 0) {
		k->state = TASK_RUNNING;
		k->current = t->nattempt;
	} else {
		k->backup = t->nattempt;
		t->backups[k->kind].running++;
		t->backups[k->kind].started++;
	}
	l->attempt = t->nattempt;
	l->kind = k->kind;
	l->id = k->id;
	l->inputs = k->inputs;
	l->ninputs = k->ninputs;
	l->nmap = t->nmap;
	l->nreduce = t->nreduce;
	l->backup = original != 0;
	l->index = k->handed++;
	tasks_notify(t, TASKS_EV_START, t->nattempt - 1, OUTCOME_DONE, now, l);
}

/*
 * Whether running attempt `id` is one a backup may be given to: the
 * original of a running task of that kind that has no backup.
 */
static int
tasks_spec_candidate(const struct tasks *t, uint64_t id, enum task_kind kind)
{
	const struct task *k = &t->task[t->attempt[id - 1].task];

	return k->kind == kind && k->state == TASK_RUNNING &&
	    k->current == id && k->backup == 0;
}

/*
 * How long an attempt of that kind must have run to get a backup, or -1
 * when none may start now (speculation off, no task of the kind finished,
 * or as many backups running as the kind may have).
 */
static double
tasks_spec_threshold(const struct tasks *t, enum task_kind kind)
{
	const struct backups *b = &t->backups[kind];

	if (!t->speculation || b->running >= speculate_cap(kind == TASK_MAP ?
	    t->nmap : t->nreduce))
		return -1;
	return speculate_threshold(b->durations);
}

/*
 * The attempt that most needs a backup and may get one from `worker` at
 * `now`, 0 none. The running list is in start order and the threshold the
 * same for every task of a kind, so the first eligible one is the most
 * overdue, and the walk ends at the first attempt too young.
 */
static uint64_t
tasks_straggler(const struct tasks *t, enum task_kind kind, uint32_t worker,
    double now)
{
	double thr = tasks_spec_threshold(t, kind);
	const struct attempt *a;

	if (thr < 0)
		return 0;
	for (uint64_t id = t->run_head; id != 0; id = a->next) {
		a = &t->attempt[id - 1];
		if (a->start + thr > now)
			break;
		/* Past its deadline it is for tasks_expire() to queue again. */
		if (tasks_spec_candidate(t, id, kind) && a->worker != worker &&
		    now < a->deadline)
			return id;
	}
	return 0;
}

int
tasks_lease(struct tasks *t, uint32_t worker, double now, struct lease *l)
{
	enum task_kind kind;
	uint64_t straggler;
	uint32_t i;

	switch (tasks_phase(t)) {
	case PHASE_DONE:
	case PHASE_FAILED:
		return -1;
	case PHASE_MAP:
		if (queue_pop(&t->idle_map, &i)) {
			tasks_start(t, i, worker, now, 0, l);
			return 1;
		}
		kind = TASK_MAP;
		break;
	case PHASE_REDUCE:
	default:
		if (queue_pop(&t->idle_reduce, &i)) {
			tasks_start(t, i, worker, now, 0, l);
			return 1;
		}
		kind = TASK_REDUCE;
		break;
	}
	/* Nothing waits: a straggler of the phase may get a second attempt. */
	if ((straggler = tasks_straggler(t, kind, worker, now)) == 0)
		return 0;
	tasks_start(t, t->attempt[straggler - 1].task, worker, now, straggler,
	    l);
	return 1;
}

double
tasks_next_speculation(const struct tasks *t, double now)
{
	enum task_kind kind;
	const struct attempt *a;
	double thr;

	switch (tasks_phase(t)) {
	case PHASE_MAP:
		kind = TASK_MAP;
		break;
	case PHASE_REDUCE:
		kind = TASK_REDUCE;
		break;
	default:
		return 0;
	}
	if ((thr = tasks_spec_threshold(t, kind)) < 0)
		return 0;
	for (uint64_t id = t->run_head; id != 0; id = a->next) {
		double when;

		a = &t->attempt[id - 1];
		if (!tasks_spec_candidate(t, id, kind))
			continue;
		when = a->start + thr;
		/* Eligible already (a worker asking gets it), or never. */
		if (when <= now || when >= a->deadline)
			continue;
		return when;
	}
	return 0;
}

void
tasks_set_speculation(struct tasks *t, int on)
{
	t->speculation = on != 0;
}

int
tasks_speculation(const struct tasks *t)
{
	return t->speculation;
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
tasks_set_status(struct tasks *t, uint32_t worker, uint64_t attempt,
    const char *status, double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;

	if (a == NULL)
		return VERDICT_INVALID;
	if (!attempt_live(a))
		return VERDICT_STALE;
	/*
	 * Progress: the timeout counts from now (Hadoop's
	 * mapreduce.task.timeout counts time without progress). Not past
	 * its deadline: its task may be queued again already.
	 */
	if (a->state == ATTEMPT_RUNNING && now > a->armed) {
		a->armed = now;
		a->deadline = now + t->timeout;
		tasks_dl_unlink(t, attempt);
		tasks_dl_append(t, attempt);
	}
	if (*status == '\0')
		return VERDICT_ACCEPTED;	/* progress alone */
	k = &t->task[a->task];
	free(k->status);
	k->status = xstrdup(status);
	return VERDICT_ACCEPTED;
}

/*
 * Task k is done by `winner`: the other attempt of its pair stops. A
 * winning backup ends its original; any other winner (the original, or
 * an attempt run after both timed out) ends the task's backup.
 */
static void
tasks_cancel_rivals(struct tasks *t, struct task *k, uint64_t winner,
    double now)
{
	uint64_t original = t->attempt[winner - 1].original;
	uint64_t backup = k->backup;	/* 0 when the winner was it */

	if (original != 0 && attempt_live(&t->attempt[original - 1])) {
		tasks_attempt_set(t, original, ATTEMPT_CANCELLED);
		tasks_notify(t, TASKS_EV_END, original - 1, OUTCOME_CANCELLED,
		    now, NULL);
	}
	if (backup != 0) {
		t->backups[k->kind].lost++;
		tasks_attempt_set(t, backup, ATTEMPT_CANCELLED);
		tasks_notify(t, TASKS_EV_END, backup - 1, OUTCOME_BACKUP_LOST,
		    now, NULL);
	}
}

enum tasks_verdict
tasks_report_done(struct tasks *t, uint32_t worker, uint64_t attempt,
    double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;
	int ran;

	if (a == NULL)
		return VERDICT_INVALID;
	/* A second report of one attempt, or one told to stop. */
	if (a->state == ATTEMPT_DONE || a->state == ATTEMPT_FAILED ||
	    a->state == ATTEMPT_CANCELLED)
		return VERDICT_STALE;
	ran = attempt_live(a);
	tasks_attempt_set(t, attempt, ATTEMPT_DONE);
	k = &t->task[a->task];
	/* First completion wins; work from before a reset is not trusted. */
	if (k->state == TASK_DONE || attempt < k->reset ||
	    tasks_phase(t) == PHASE_FAILED) {
		if (ran)
			tasks_notify(t, TASKS_EV_END, attempt - 1,
			    OUTCOME_STALE, now, NULL);
		return VERDICT_STALE;
	}
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
	speculate_add(t->backups[k->kind].durations, now - a->start);
	if (a->original != 0)
		t->backups[k->kind].won++;
	if (ran)
		tasks_notify(t, TASKS_EV_END, attempt - 1, OUTCOME_DONE, now,
		    NULL);
	tasks_cancel_rivals(t, k, attempt, now);
	return VERDICT_ACCEPTED;
}

enum tasks_verdict
tasks_report_failed(struct tasks *t, uint32_t worker, uint64_t attempt,
    const uint32_t *bad_maps, size_t nbad, double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;
	int counts;

	if (a == NULL)
		return VERDICT_INVALID;
	/* Refuse the whole report before anything changes. */
	for (size_t j = 0; j < nbad; j++)
		if (bad_maps[j] >= t->nmap)
			return VERDICT_INVALID;
	if (a->state == ATTEMPT_DONE || a->state == ATTEMPT_FAILED ||
	    a->state == ATTEMPT_CANCELLED)
		return VERDICT_STALE;
	k = &t->task[a->task];
	counts = tasks_counts_for(k, attempt);
	if (attempt_live(a))
		tasks_notify(t, TASKS_EV_END, attempt - 1, OUTCOME_FAILED, now,
		    NULL);
	tasks_attempt_set(t, attempt, ATTEMPT_FAILED);
	if (k->state == TASK_DONE || attempt < k->reset)
		return VERDICT_STALE;
	for (size_t j = 0; j < nbad; j++) {
		struct task *m = &t->task[bad_maps[j]];

		if (m->state != TASK_DONE)
			continue;
		/* Its output is gone: run it again before any reduce. */
		t->maps_done--;
		m->reset = t->nattempt + 1;
		tasks_counters_drop(t, m);
		tasks_requeue(t, bad_maps[j]);
	}
	t->failures++;
	/* A failure caused by another task's output is not this task's fault. */
	if (nbad == 0 && ++k->failures >= t->max_failures) {
		snprintf(t->failure, sizeof t->failure,
		    "%s task %u failed %u times", k->kind == TASK_MAP ?
		    "map" : "reduce", k->id, k->failures);
	}
	if (counts && !tasks_task_runs(t, k))
		tasks_requeue(t, a->task);
	return VERDICT_ACCEPTED;
}

enum tasks_verdict
tasks_report_fatal(struct tasks *t, uint32_t worker, uint64_t attempt,
    double now)
{
	struct attempt *a = tasks_attempt(t, worker, attempt);
	struct task *k;
	enum tasks_phase phase = tasks_phase(t);
	int counts;

	if (a == NULL)
		return VERDICT_INVALID;
	if (a->state == ATTEMPT_DONE || a->state == ATTEMPT_FAILED)
		return VERDICT_STALE;
	k = &t->task[a->task];
	counts = tasks_counts_for(k, attempt);
	if (attempt_live(a))
		tasks_notify(t, TASKS_EV_END, attempt - 1, OUTCOME_FAILED, now,
		    NULL);
	tasks_attempt_set(t, attempt, ATTEMPT_FAILED);
	if (phase == PHASE_DONE || phase == PHASE_FAILED)
		return VERDICT_STALE;
	t->failures++;
	k->failures++;
	/*
	 * Even when another attempt of the task was accepted: the input it
	 * read is not the one planned any more, and other tasks read it too.
	 */
	snprintf(t->failure, sizeof t->failure,
	    "%s task %u cannot succeed: its input is not the one planned "
	    "or is corrupt",
	    k->kind == TASK_MAP ? "map" : "reduce", k->id);
	if (counts && !tasks_task_runs(t, k))
		tasks_requeue(t, a->task);
	return VERDICT_ACCEPTED;
}

void
tasks_lost(struct tasks *t, uint64_t attempt, double now)
{
	struct attempt *a;
	struct task *k;
	int counts;

	if (attempt == 0 || attempt > t->nattempt)
		return;
	a = &t->attempt[attempt - 1];
	if (!attempt_live(a))
		return;
	k = &t->task[a->task];
	counts = tasks_counts_for(k, attempt);
	tasks_attempt_set(t, attempt, ATTEMPT_LOST);
	tasks_notify(t, TASKS_EV_END, attempt - 1, OUTCOME_LOST, now, NULL);
	if (counts && !tasks_task_runs(t, k)) {
		t->lost++;
		tasks_requeue(t, a->task);
	}
}

double
tasks_expire(struct tasks *t, double now)
{
	while (t->dl_head != 0) {
		uint64_t id = t->dl_head;
		struct attempt *a = &t->attempt[id - 1];
		struct task *k = &t->task[a->task];
		int requeue;

		if (a->deadline > now)
			return a->deadline;
		/* A late report from it still counts (first completion wins). */
		tasks_attempt_set(t, id, ATTEMPT_TIMEDOUT);
		/* Not while the other attempt of its pair still runs. */
		requeue = tasks_counts_for(k, id) && !tasks_task_runs(t, k);
		t->requeued = requeue;
		tasks_notify(t, TASKS_EV_TIMEOUT, id - 1, OUTCOME_DONE,
		    a->deadline, NULL);
		t->requeued = 0;
		if (requeue) {
			t->timeouts++;
			tasks_requeue(t, a->task);
		}
	}
	return 0;
}

/* Counts the states of tasks [from, to), with the job's re-executions. */
static void
tasks_count_range(const struct tasks *t, uint32_t from, uint32_t to,
    struct tasks_counts *c)
{
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
	c->backups_started = c->backups_won = c->backups_lost = 0;
	c->backups_running = 0;
}

/* Adds the backups of tasks of one kind to c. */
static void
tasks_count_backups(const struct tasks *t, enum task_kind kind,
    struct tasks_counts *c)
{
	const struct backups *b = &t->backups[kind];

	c->backups_started += b->started;
	c->backups_won += b->won;
	c->backups_lost += b->lost;
	c->backups_running += b->running;
}

void
tasks_counts(const struct tasks *t, struct tasks_counts *c)
{
	tasks_count_range(t, 0, t->nmap + t->nreduce, c);
	tasks_count_backups(t, TASK_MAP, c);
	tasks_count_backups(t, TASK_REDUCE, c);
}

uint64_t
tasks_timeouts(const struct tasks *t)
{
	return t->timeouts;
}

const char *
tasks_map_input(const struct tasks *t, uint32_t map)
{
	return map < t->nmap ? t->task[map].inputs[0].name : NULL;
}

const struct tasks_input *
tasks_map_inputs(const struct tasks *t, uint32_t map, uint32_t *n)
{
	*n = map < t->nmap ? t->task[map].ninputs : 0;
	return map < t->nmap ? t->task[map].inputs : NULL;
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
	if (kind == TASK_MAP)
		tasks_count_range(t, 0, t->nmap, c);
	else
		tasks_count_range(t, t->nmap, t->nmap + t->nreduce, c);
	tasks_count_backups(t, kind, c);
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
		v[i].inputs = k->inputs;
		v[i].ninputs = k->ninputs;
		v[i].input = k->ninputs != 0 ? k->inputs[0].name : NULL;
		v[i].offset = k->ninputs != 0 ? k->inputs[0].offset : 0;
		v[i].length = k->ninputs != 0 ? k->inputs[0].length : 0;
		v[i].bytes = k->bytes;
		v[i].attempts = 0;
		v[i].kept = k->kept;
		v[i].status = k->status != NULL ? k->status : "";
		v[i].worker = 0;
		v[i].backup_worker = 0;
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
			const struct attempt *a = &t->attempt[k->current - 1];

			/* Its original ended, it runs on its backup alone. */
			if (k->state == TASK_RUNNING && !attempt_live(a) &&
			    k->backup != 0)
				a = &t->attempt[k->backup - 1];
			else if (k->state == TASK_RUNNING && k->backup != 0)
				v[i].backup_worker =
				    t->attempt[k->backup - 1].worker;
			v[i].worker = a->worker;
			v[i].start = a->start;
		}
	}
	for (size_t j = 0; j < t->nattempt; j++)
		v[t->attempt[j].task].attempts++;
}

/* The index in t->names of `name`, added (with a total of 0) if new. */
static uint32_t
tasks_name(struct tasks *t, const char *name)
{
	size_t lo = 0, hi = t->nnames, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, t->names[t->order[mid]].name);
		if (c == 0)
			return t->order[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (t->nnames == TASKS_NAMES_MAX) {
		t->names_refused++;
		return UINT32_MAX;
	}
	if (t->nnames == t->capnames) {
		t->capnames = t->capnames != 0 ? t->capnames * 2 : 16;
		t->names = xrealloc(t->names, t->capnames * sizeof *t->names);
		t->order = xrealloc(t->order, t->capnames * sizeof *t->order);
	}
	t->names[t->nnames].name = xstrdup(name);
	t->names[t->nnames].total = 0;
	memmove(&t->order[lo + 1], &t->order[lo],
	    (t->nnames - lo) * sizeof *t->order);
	t->order[lo] = (uint32_t)t->nnames;
	return (uint32_t)t->nnames++;
}

/* Whether a report's counters keep the rules of mr_counter_add(). */
static int
tasks_counters_valid(const struct tasks_counter *c, size_t n)
{
	if (n > MR_COUNTERS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (c[i].name == NULL || !sdk_counter_name_ok(c[i].name,
		    strnlen(c[i].name, MR_COUNTER_NAME_MAX + 1)))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c[i].name, c[j].name) == 0)
				return 0;
	}
	return 1;
}

/* Makes `counters` those of task k, in place of its earlier ones. */
static void
tasks_counters_set(struct tasks *t, struct task *k,
    const struct tasks_counter *counters, size_t ncounters)
{
	tasks_counters_drop(t, k);
	if (ncounters == 0)
		return;
	k->counters = xcalloc(ncounters, sizeof *k->counters);
	for (size_t i = 0; i < ncounters; i++) {
		struct task_counter *c = &k->counters[k->ncounters];

		if ((c->name = tasks_name(t, counters[i].name)) == UINT32_MAX)
			continue;	/* one name too many for the job */
		c->value = counters[i].value;
		t->names[c->name].total += c->value;
		k->ncounters++;
	}
}

enum tasks_verdict
tasks_report_done_counters(struct tasks *t, uint32_t worker,
    uint64_t attempt, const struct tasks_counter *counters, size_t ncounters,
    double now)
{
	enum tasks_verdict v;

	if (!tasks_counters_valid(counters, ncounters))
		return VERDICT_INVALID;
	v = tasks_report_done(t, worker, attempt, now);
	if (v != VERDICT_ACCEPTED)
		return v;
	tasks_counters_set(t, &t->task[t->attempt[attempt - 1].task],
	    counters, ncounters);
	return v;
}

size_t
tasks_ncounters(const struct tasks *t)
{
	return t->nnames;
}

void
tasks_counter(const struct tasks *t, size_t i, const char **name,
    int64_t *value)
{
	const struct counter_total *c = &t->names[t->order[i]];

	*name = c->name;
	*value = c->total > INT64_MAX ? INT64_MAX :
	    c->total < INT64_MIN ? INT64_MIN : (int64_t)c->total;
}

void
tasks_set_observer(struct tasks *t, tasks_observer fn, void *arg)
{
	t->observer = fn;
	t->observer_arg = arg;
}

uint64_t
tasks_counters_refused(const struct tasks *t)
{
	return t->names_refused;
}

int
tasks_map_done(const struct tasks *t, uint32_t map)
{
	return map < t->nmap && t->task[map].state == TASK_DONE;
}

/* The index in t->task of task `id` of `kind`, or UINT32_MAX. */
static uint32_t
tasks_index(const struct tasks *t, enum task_kind kind, uint32_t id)
{
	if (kind == TASK_MAP)
		return id < t->nmap ? id : UINT32_MAX;
	return id < t->nreduce ? t->nmap + id : UINT32_MAX;
}

int
tasks_restore(struct tasks *t, const struct tasks_kept *kept, size_t n)
{
	uint8_t *seen;
	uint32_t i;
	int rc = -1;

	if (t->nattempt > 0)
		return -1;
	seen = xcalloc((size_t)t->nmap + t->nreduce + 1, 1);
	for (size_t j = 0; j < n; j++) {
		i = tasks_index(t, kept[j].kind, kept[j].id);
		if (i == UINT32_MAX || seen[i] || t->task[i].state != TASK_IDLE ||
		    !tasks_counters_valid(kept[j].counters, kept[j].ncounters))
			goto out;
		seen[i] = 1;
	}
	for (size_t j = 0; j < n; j++) {
		struct task *k = &t->task[tasks_index(t, kept[j].kind,
		    kept[j].id)];

		k->state = TASK_DONE;
		k->kept = 1;
		tasks_counters_set(t, k, kept[j].counters, kept[j].ncounters);
		if (k->kind == TASK_MAP)
			t->maps_done++;
		else
			t->reduces_done++;
	}
	/* The queues again, in task order, without the kept tasks. */
	t->idle_map.head = t->idle_map.n = 0;
	t->idle_reduce.head = t->idle_reduce.n = 0;
	for (i = 0; i < t->nmap + t->nreduce; i++)
		if (t->task[i].state == TASK_IDLE)
			queue_push(t->task[i].kind == TASK_MAP ?
			    &t->idle_map : &t->idle_reduce, i);
	rc = 0;
out:
	free(seen);
	return rc;
}

uint32_t
tasks_nkept(const struct tasks *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->nmap + t->nreduce; i++)
		n += t->task[i].kept;
	return n;
}
