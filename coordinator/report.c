/*
 * report.c - the job's history for --report (see report.h).
 *
 * It learns of workers and attempts from the job's events (job.h), keeps
 * one record per attempt (attempt
 * ids are dense, so attempt i is record i - 1) and per worker (ids too),
 * and turns them into JSON with jansson at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "jsontext.h"
#include "log.h"
#include "report.h"
#include "safefile.h"

/* Version of the file's layout, bumped when a field changes meaning. */
#define REPORT_FORMAT 1

struct report_attempt {
	enum task_kind	 kind;
	uint32_t	 id;
	char		*name;		/* input (and split) or mr-out-Y */
	char		**inputs;	/* map: every input (and split) */
	uint32_t	 ninputs;
	uint32_t	 worker;
	double		 start, end, timed_out;
	int		 ended, has_timeout, has_bytes;
	enum tasks_outcome outcome;
	uint64_t	 bytes_in, bytes_out;
	char		*error;
	uint32_t	 incarnation;	/* of the coordinator that ran it */
	uint64_t	 id_then;	/* kept: its attempt id in that run */
	int		 backup;	/* a backup attempt */
	int		 kept;		/* done before a restart, kept */
};

struct report_worker {
	int		 pid;
	double		 joined, left;
	int		 has_left;
	char		*why;
};

struct report {
	char			*path;
	double			 started;
	time_t			 wall_start;
	char			**inputs;
	uint64_t		*sizes;
	size_t			 ninputs;
	struct report_attempt	*attempt;
	size_t			 nattempt, capattempt;
	struct report_worker	*worker;	/* worker id i is worker[i - 1] */
	size_t			 nworker, capworker;
	uint32_t		 incarnation;
	double			 offset;	/* this run's start - the job's */
	struct report_attempt	*kept;		/* tasks of earlier runs */
	size_t			 nkept;
};

struct report *
report_new(const char *path)
{
	struct report *r = xcalloc(1, sizeof *r);

	r->path = xstrdup(path);
	r->wall_start = time(NULL);
	r->incarnation = 1;
	return r;
}

void
report_begin(struct report *r, double started)
{
	r->started = started;
	r->wall_start = time(NULL);
}

void
report_set_run(struct report *r, uint32_t incarnation, double offset)
{
	r->incarnation = incarnation;
	r->offset = offset;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nkept; i++)
		free(r->kept[i].name);
	free(r->kept);
	for (size_t i = 0; i < r->ninputs; i++)
		free(r->inputs[i]);
	for (size_t i = 0; i < r->nattempt; i++) {
		for (uint32_t j = 0; j < r->attempt[i].ninputs; j++)
			free(r->attempt[i].inputs[j]);
		free(r->attempt[i].inputs);
		free(r->attempt[i].name);
		free(r->attempt[i].error);
	}
	for (size_t i = 0; i < r->nworker; i++)
		free(r->worker[i].why);
	free(r->inputs);
	free(r->sizes);
	free(r->attempt);
	free(r->worker);
	free(r->path);
	free(r);
}

void
report_inputs(struct report *r, char *const *names, const uint64_t *sizes,
    size_t n)
{
	r->inputs = xcalloc(n != 0 ? n : 1, sizeof *r->inputs);
	r->sizes = xcalloc(n != 0 ? n : 1, sizeof *r->sizes);
	for (size_t i = 0; i < n; i++) {
		r->inputs[i] = xstrdup(names[i]);
		r->sizes[i] = sizes[i];
	}
	r->ninputs = n;
}

/* Seconds since the job started, to the millisecond. */
static double
report_time(const struct report *r, double now)
{
	double t = now - r->started + r->offset;

	return t > 0 ? round(t * 1000) / 1000 : 0;
}

/*
 * An input's readable name: the input, with the byte range when the input
 * is cut into splits (the last split ends at the file's end).
 */
static char *
report_input_name(const struct report *r, const struct tasks_input *in)
{
	uint64_t end = in->length == 0 ? UINT64_MAX : in->offset + in->length;
	char *s;

	if (in->offset == 0 && in->length == 0)
		return xstrdup(in->name);
	if (in->stamp != NULL && in->stamp->size < end)
		end = in->stamp->size;
	else if (in->stamp == NULL)
		for (size_t i = 0; i < r->ninputs; i++)
			if (strcmp(r->inputs[i], in->name) == 0 &&
			    r->sizes[i] < end)
				end = r->sizes[i];
	if (asprintf(&s, "%s [%llu, %llu)", in->name,
	    (unsigned long long)in->offset, (unsigned long long)end) == -1)
		fatal("out of memory");
	return s;
}

/*
 * A map attempt's inputs, and its name: its one input's, or the first
 * one's and how many more for a task of several inputs.
 */
static void
report_map_names(const struct report *r, const struct lease *l,
    struct report_attempt *a)
{
	a->ninputs = l->ninputs;
	a->inputs = xcalloc(l->ninputs != 0 ? l->ninputs : 1,
	    sizeof *a->inputs);
	for (uint32_t j = 0; j < l->ninputs; j++)
		a->inputs[j] = report_input_name(r, &l->inputs[j]);
	if (l->ninputs == 1)
		a->name = xstrdup(a->inputs[0]);
	else if (asprintf(&a->name, "%s + %u more", l->ninputs != 0 ?
	    a->inputs[0] : "", l->ninputs != 0 ? l->ninputs - 1 : 0) == -1)
		fatal("out of memory");
}

/* The record of an attempt the observer announced, or NULL. */
static struct report_attempt *
report_attempt(struct report *r, uint64_t attempt)
{
	if (attempt == 0 || attempt > r->nattempt)
		return NULL;
	return &r->attempt[attempt - 1];
}

/* An attempt started (JOB_EV_LEASED). */
static void
report_attempt_started(struct report *r, const struct job_event *ev)
{
	struct report_attempt *a;
	char name[32];

	/* Attempt ids count up from 1 with no gap. */
	if (ev->attempt != r->nattempt + 1)
		return;
	if (r->nattempt == r->capattempt) {
		r->capattempt = r->capattempt != 0 ?
		    r->capattempt * 2 : 64;
		r->attempt = xrealloc(r->attempt,
		    r->capattempt * sizeof *r->attempt);
	}
	a = &r->attempt[r->nattempt++];
	memset(a, 0, sizeof *a);
	a->kind = ev->kind;
	a->id = ev->id;
	a->worker = ev->worker;
	a->backup = ev->backup;
	a->incarnation = r->incarnation;
	a->start = report_time(r, ev->now);
	if (ev->kind == TASK_MAP)
		report_map_names(r, ev->lease, a);
	else {
		snprintf(name, sizeof name, "mr-out-%u", ev->id);
		a->name = xstrdup(name);
	}
}

/* Worker `id` said hello. */
static void
report_worker_joined(struct report *r, uint32_t id, int pid, double now)
{
	struct report_worker *w;

	/* Worker ids count up from 1 with no gap. */
	if (id != r->nworker + 1)
		return;
	if (r->nworker == r->capworker) {
		r->capworker = r->capworker != 0 ? r->capworker * 2 : 16;
		r->worker = xrealloc(r->worker,
		    r->capworker * sizeof *r->worker);
	}
	w = &r->worker[r->nworker++];
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->joined = report_time(r, now);
}

/* Worker `id` went away, and why. */
static void
report_worker_left(struct report *r, uint32_t id, const char *why,
    double now)
{
	struct report_worker *w;

	if (id == 0 || id > r->nworker || r->worker[id - 1].has_left)
		return;
	w = &r->worker[id - 1];
	w->has_left = 1;
	w->left = report_time(r, now);
	w->why = xstrdup(why);
}

/* A task done by an earlier run of the job, kept. */
static void
report_kept(struct report *r, const struct job_kept *k)
{
	struct report_attempt *a;
	char name[32];

	r->kept = xrealloc(r->kept, (r->nkept + 1) * sizeof *r->kept);
	a = &r->kept[r->nkept++];
	memset(a, 0, sizeof *a);
	a->kind = k->kind;
	a->id = k->id;
	if (k->kind == TASK_MAP)
		snprintf(name, sizeof name, "map task %u", k->id);
	else
		snprintf(name, sizeof name, "mr-out-%u", k->id);
	a->name = xstrdup(name);
	a->worker = k->worker;
	a->start = round(k->start * 1000) / 1000;
	a->end = round(k->end * 1000) / 1000;
	a->ended = 1;
	a->outcome = OUTCOME_DONE;
	a->has_bytes = 1;
	a->bytes_in = k->bytes_in;
	a->bytes_out = k->bytes_out;
	a->incarnation = k->incarnation;
	a->id_then = k->attempt;
	a->kept = 1;
}

/* An attempt's deadline passed, or it ended, and how. */
static void
report_attempt_event(struct report *r, const struct job_event *ev)
{
	struct report_attempt *a = report_attempt(r, ev->attempt);

	if (a == NULL || a->ended)
		return;
	if (ev->type == JOB_EV_TIMED_OUT) {
		a->has_timeout = 1;
		a->timed_out = report_time(r, ev->now);
		return;
	}
	if (ev->has_bytes) {
		a->has_bytes = 1;
		a->bytes_in = ev->bytes_in;
		a->bytes_out = ev->bytes_out;
	}
	if (ev->type == JOB_EV_FAILED) {
		free(a->error);
		a->error = xstrdup(ev->error);
	}
	a->ended = 1;
	a->outcome = ev->type == JOB_EV_DONE ? OUTCOME_DONE :
	    ev->type == JOB_EV_STALE ? OUTCOME_STALE :
	    ev->type == JOB_EV_FAILED ? OUTCOME_FAILED :
	    ev->type == JOB_EV_CANCELLED ? (ev->backup ?
	    OUTCOME_BACKUP_LOST : OUTCOME_CANCELLED) : OUTCOME_LOST;
	a->end = report_time(r, ev->now);
}

int
report_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct report *r = arg;

	(void)e;
	switch (ev->type) {
	case JOB_EV_WORKER_JOINED:
		report_worker_joined(r, ev->worker, ev->pid, ev->now);
		break;
	case JOB_EV_WORKER_LEFT:
		report_worker_left(r, ev->worker, ev->why, ev->now);
		break;
	case JOB_EV_LEASED:
		report_attempt_started(r, ev);
		break;
	case JOB_EV_TIMED_OUT:
	case JOB_EV_DONE:
	case JOB_EV_STALE:
	case JOB_EV_FAILED:
	case JOB_EV_LOST:
	case JOB_EV_CANCELLED:
		report_attempt_event(r, ev);
		break;
	case JOB_EV_KEPT:
		report_kept(r, ev->kept);
		break;
	case JOB_EV_MAP_RESET:
	case JOB_EV_PHASE:
	case JOB_EV_PLUGIN:
		break;
	}
	return 0;
}

/* What the report calls an attempt's end. */
static const char *
report_outcome(const struct report_attempt *a)
{
	if (!a->ended)
		return a->has_timeout ? "timeout" : "cancelled";
	switch (a->outcome) {
	case OUTCOME_DONE:
		return a->backup ? "backup-won" : "done";
	case OUTCOME_CANCELLED:
		return "cancelled";	/* its backup won */
	case OUTCOME_BACKUP_LOST:
		return "backup-lost";
	case OUTCOME_STALE:
		return "stale";
	case OUTCOME_FAILED:
		return "failed";
	case OUTCOME_LOST:
		/* Given up on at its deadline, then gone: a timeout. */
		return a->has_timeout ? "timeout" : "lost";
	}
	return "unknown";
}

/* json_object_set_new, with out of memory fatal like every allocation. */
static void
report_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		fatal("out of memory");
}

static void
report_append(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) == -1)
		fatal("out of memory");
}

static json_t *
report_job_json(const struct report *r, const struct tasks *t,
    const struct report_job *job)
{
	json_t *o = json_object(), *in = json_array(), *c = json_object();
	json_t *again = json_object(), *backups = json_object();
	struct tasks_counts n;
	const char *name;
	char when[32];
	time_t began;
	int64_t v;

	if (o == NULL || in == NULL || c == NULL || again == NULL ||
	    backups == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < r->ninputs; i++) {
		json_t *f = json_object();

		if (f == NULL)
			fatal("out of memory");
		report_set(f, "name", jsontext_new(r->inputs[i]));
		report_set(f, "bytes", json_integer((json_int_t)r->sizes[i]));
		report_append(in, f);
	}
	began = r->wall_start - (time_t)r->offset;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&began));
	tasks_counts(t, &n);
	report_set(again, "timed_out", json_integer((json_int_t)n.timeouts));
	report_set(again, "lost", json_integer((json_int_t)n.lost));
	report_set(again, "failed", json_integer((json_int_t)n.failures));
	report_set(backups, "started",
	    json_integer((json_int_t)n.backups_started));
	report_set(backups, "won", json_integer((json_int_t)n.backups_won));
	report_set(backups, "lost", json_integer((json_int_t)n.backups_lost));
	for (size_t i = 0; i < tasks_ncounters(t); i++) {
		tasks_counter(t, i, &name, &v);
		report_set(c, name, json_integer(v));
	}
	report_set(o, "inputs", in);
	report_set(o, "map_tasks", json_integer(tasks_nmap(t)));
	report_set(o, "reduce_tasks", json_integer(tasks_nreduce(t)));
	report_set(o, "start", json_string(when));
	report_set(o, "wall_seconds", json_real(report_time(r, job->end)));
	report_set(o, "outcome", json_string(job->outcome));
	report_set(o, "incarnation", json_integer(r->incarnation));
	report_set(o, "tasks_kept", json_integer((json_int_t)r->nkept));
	if (job->failure != NULL)
		report_set(o, "failure", jsontext_new(job->failure));
	report_set(o, "input_bytes", json_integer((json_int_t)job->input_bytes));
	report_set(o, "intermediate_bytes",
	    json_integer((json_int_t)job->intermediate_bytes));
	report_set(o, "output_bytes",
	    json_integer((json_int_t)job->output_bytes));
	report_set(o, "run_again", again);
	report_set(o, "backups", backups);
	report_set(o, "counters", c);
	return o;
}

static json_t *
report_workers_json(const struct report *r, double end)
{
	json_t *a = json_array();

	if (a == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < r->nworker; i++) {
		const struct report_worker *w = &r->worker[i];
		json_t *o = json_object();

		if (o == NULL)
			fatal("out of memory");
		report_set(o, "id", json_integer((json_int_t)i + 1));
		report_set(o, "pid", json_integer(w->pid));
		report_set(o, "connected", json_real(w->joined));
		report_set(o, "disconnected", json_real(w->has_left ? w->left :
		    end));
		report_set(o, "left", json_string(w->has_left ? w->why :
		    "still connected when the coordinator exited"));
		report_append(a, o);
	}
	return a;
}

/* One attempt's object: attempt `id`, ended at `end` if still running. */
static json_t *
report_attempt_json(const struct report *r, const struct report_attempt *a,
    uint64_t id, double end)
{
	json_t *o = json_object();
	uint32_t w = a->worker;

	if (o == NULL)
		fatal("out of memory");
	report_set(o, "attempt", json_integer((json_int_t)id));
	report_set(o, "incarnation", json_integer(a->incarnation));
	report_set(o, "kind", json_string(a->kind == TASK_MAP ?
	    "map" : "reduce"));
	report_set(o, "task", json_integer(a->id));
	report_set(o, "name", jsontext_new(a->name));
	if (a->kind == TASK_MAP && !a->kept) {
		json_t *in = json_array();

		if (in == NULL)
			fatal("out of memory");
		for (uint32_t j = 0; j < a->ninputs; j++)
			report_append(in, jsontext_new(a->inputs[j]));
		report_set(o, "inputs", in);
	}
	report_set(o, "worker", json_integer(w));
	/* A worker of an earlier run is not in this run's list. */
	report_set(o, "pid", json_integer(!a->kept && w >= 1 &&
	    w <= r->nworker ? r->worker[w - 1].pid : 0));
	report_set(o, "start", json_real(a->start));
	report_set(o, "end", json_real(a->ended ? a->end : end));
	report_set(o, "outcome", json_string(report_outcome(a)));
	if (a->kept)
		report_set(o, "kept", json_true());
	if (a->backup)
		report_set(o, "backup", json_true());
	if (a->has_timeout)
		report_set(o, "timed_out", json_real(a->timed_out));
	if (a->error != NULL)
		report_set(o, "error", jsontext_new(a->error));
	if (a->has_bytes) {
		report_set(o, "bytes_read",
		    json_integer((json_int_t)a->bytes_in));
		report_set(o, "bytes_written",
		    json_integer((json_int_t)a->bytes_out));
	}
	return o;
}

/* The tasks kept from earlier runs, then this run's attempts. */
static json_t *
report_attempts_json(const struct report *r, double end)
{
	json_t *arr = json_array();

	if (arr == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < r->nkept; i++)
		report_append(arr, report_attempt_json(r, &r->kept[i],
		    r->kept[i].id_then, end));
	for (size_t i = 0; i < r->nattempt; i++)
		report_append(arr, report_attempt_json(r, &r->attempt[i],
		    i + 1, end));
	return arr;
}

int
report_write(struct report *r, const struct tasks *t,
    const struct report_job *job, struct err *e)
{
	json_t *root = json_object();
	struct safefile *f;
	double end = report_time(r, job->end);
	char *text;

	if (root == NULL)
		fatal("out of memory");
	report_set(root, "format", json_integer(REPORT_FORMAT));
	report_set(root, "job", report_job_json(r, t, job));
	report_set(root, "workers", report_workers_json(r, end));
	report_set(root, "attempts", report_attempts_json(r, end));
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(12));
	json_decref(root);
	if (text == NULL)
		fatal("out of memory");
	f = safefile_open(r->path, 0, e);
	if (f == NULL) {
		free(text);
		return -1;
	}
	if (safefile_write(f, text, strlen(text), e) == -1 ||
	    safefile_write(f, "\n", 1, e) == -1) {
		safefile_abort(f);
		free(text);
		return -1;
	}
	free(text);
	return safefile_commit(f, e);	/* frees f either way */
}
