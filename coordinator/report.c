/*
 * report.c - the job's history for --report (see report.h).
 *
 * The workers and attempts are the store's (attempts.h), read once at the
 * end and turned into JSON with jansson; a map attempt's inputs are named
 * then, from its task's (they never change).
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
#include "outcome.h"
#include "report.h"
#include "safefile.h"

/* Version of the file's layout, bumped when a field changes meaning. */
#define REPORT_FORMAT 1

struct report {
	char			*path;
	double			 started;
	time_t			 wall_start;
	char			**inputs;
	uint64_t		*sizes;
	size_t			 ninputs;
	uint32_t		 incarnation;
	double			 offset;	/* this run's start - the job's */
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
	for (size_t i = 0; i < r->ninputs; i++)
		free(r->inputs[i]);
	free(r->inputs);
	free(r->sizes);
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

/* A kept task's time, as the journal has it, to the millisecond. */
static double
report_kept_time(double t)
{
	return round(t * 1000) / 1000;
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
report_job_json(const struct report *r, const struct attempts *st,
    const struct tasks *t, const struct report_job *job)
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
	report_set(o, "tasks_kept", json_integer((json_int_t)attempts_nkept(st)));
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
report_workers_json(const struct report *r, const struct attempts *st,
    double end)
{
	struct attempts_worker w;
	json_t *a = json_array();

	if (a == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < attempts_nworkers(st); i++) {
		json_t *o = json_object();

		if (o == NULL)
			fatal("out of memory");
		attempts_worker(st, i, &w);
		report_set(o, "id", json_integer((json_int_t)w.id));
		report_set(o, "pid", json_integer(w.pid));
		report_set(o, "connected", json_real(report_time(r, w.joined)));
		report_set(o, "disconnected", json_real(w.why != NULL ?
		    report_time(r, w.left) : end));
		report_set(o, "left", json_string(w.why != NULL ? w.why :
		    "still connected when the coordinator exited"));
		report_append(a, o);
	}
	return a;
}

/*
 * A map attempt's "name" and "inputs": every input (and split) of its
 * task; the name its one input's, or the first one's and how many more
 * for a task of several inputs.
 */
static void
report_map_names(const struct report *r, const struct tasks *t,
    uint32_t task, json_t *o)
{
	const struct tasks_input *in;
	json_t *arr = json_array();
	char *first = NULL, *name, *s;
	uint32_t n;

	if (arr == NULL)
		fatal("out of memory");
	in = tasks_map_inputs(t, task, &n);
	for (uint32_t j = 0; j < n; j++) {
		s = report_input_name(r, &in[j]);
		report_append(arr, jsontext_new(s));
		if (j == 0)
			first = s;
		else
			free(s);
	}
	if (n == 1)
		name = first;
	else if (asprintf(&name, "%s + %u more", n != 0 ? first : "",
	    n != 0 ? n - 1 : 0) == -1)
		fatal("out of memory");
	report_set(o, "name", jsontext_new(name));
	report_set(o, "inputs", arr);
	if (name != first)
		free(name);
	free(first);
}

/* One attempt's object, ended at `end` if still running. */
static json_t *
report_attempt_json(const struct report *r, const struct attempts *st,
    const struct tasks *t, const struct attempts_attempt *a, double end)
{
	struct attempts_worker wk;
	json_t *o = json_object();
	uint32_t w = a->worker;
	char name[32];

	if (o == NULL)
		fatal("out of memory");
	report_set(o, "attempt", json_integer((json_int_t)a->attempt));
	report_set(o, "incarnation", json_integer(a->kept ? a->incarnation :
	    r->incarnation));
	report_set(o, "kind", json_string(a->kind == TASK_MAP ?
	    "map" : "reduce"));
	report_set(o, "task", json_integer(a->task));
	if (a->kind == TASK_MAP && !a->kept)
		report_map_names(r, t, a->task, o);
	else {
		snprintf(name, sizeof name, a->kind == TASK_MAP ?
		    "map task %u" : "mr-out-%u", a->task);
		report_set(o, "name", jsontext_new(name));
	}
	report_set(o, "worker", json_integer(w));
	/* A worker of an earlier run is not in this run's list. */
	if (!a->kept && w >= 1 && w <= attempts_nworkers(st))
		attempts_worker(st, w - 1, &wk);
	else
		wk.pid = 0;
	report_set(o, "pid", json_integer(wk.pid));
	report_set(o, "start", json_real(a->kept ? report_kept_time(a->start) :
	    report_time(r, a->start)));
	report_set(o, "end", json_real(!a->ended ? end : a->kept ?
	    report_kept_time(a->end) : report_time(r, a->end)));
	/* Still running when the job ended: given up on, or stopped. */
	report_set(o, "outcome", json_string(a->ended ?
	    outcome_name(attempts_outcome(a)) : a->has_timeout ?
	    "timeout" : "cancelled"));
	if (a->kept)
		report_set(o, "kept", json_true());
	if (a->backup)
		report_set(o, "backup", json_true());
	if (a->has_timeout)
		report_set(o, "timed_out", json_real(report_time(r,
		    a->timed_out)));
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
report_attempts_json(const struct report *r, const struct attempts *st,
    const struct tasks *t, double end)
{
	struct attempts_attempt a;
	json_t *arr = json_array();

	if (arr == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < attempts_count(st); i++) {
		attempts_get(st, i, &a);
		report_append(arr, report_attempt_json(r, st, t, &a, end));
	}
	return arr;
}

int
report_write(struct report *r, const struct attempts *st,
    const struct tasks *t, const struct report_job *job, struct err *e)
{
	json_t *root = json_object();
	struct safefile *f;
	double end = report_time(r, job->end);
	char *text;

	if (root == NULL)
		fatal("out of memory");
	report_set(root, "format", json_integer(REPORT_FORMAT));
	report_set(root, "job", report_job_json(r, st, t, job));
	report_set(root, "workers", report_workers_json(r, st, end));
	report_set(root, "attempts", report_attempts_json(r, st, t, end));
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
