/*
 * statusview.c - printing a Status as text or JSON (see statusview.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsontext.h"
#include "statusview.h"
#include "textesc.h"

static const char *
statusview_phase(Mr__JobPhase p)
{
	switch (p) {
	case MR__JOB_PHASE__PHASE_MAP:
		return "map";
	case MR__JOB_PHASE__PHASE_REDUCE:
		return "reduce";
	case MR__JOB_PHASE__PHASE_DONE:
		return "done";
	case MR__JOB_PHASE__PHASE_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

static const char *
statusview_kind(Mr__TaskKind k)
{
	return k == MR__TASK_KIND__KIND_REDUCE ? "reduce" : "map";
}

static const char *
statusview_task_state(Mr__TaskState s)
{
	switch (s) {
	case MR__TASK_STATE__TASK_WAITING:
		return "waiting";
	case MR__TASK_STATE__TASK_RUNNING:
		return "running";
	case MR__TASK_STATE__TASK_DONE:
		return "done";
	default:
		return "unknown";
	}
}

static const char *
statusview_worker_state(Mr__WorkerState s)
{
	switch (s) {
	case MR__WORKER_STATE__WORKER_IDLE:
		return "idle";
	case MR__WORKER_STATE__WORKER_WAITING:
		return "waiting";
	case MR__WORKER_STATE__WORKER_WORKING:
		return "working";
	default:
		return "unknown";
	}
}

/* "0.4 s", "12.3 s", "4m05s", "2h10m": the coordinator's progress line style. */
static void
statusview_duration(double secs, char *buf, size_t size)
{
	long s;

	if (!(secs >= 0))
		secs = 0;
	if (secs < 59.95) {
		snprintf(buf, size, "%.1f s", secs);
		return;
	}
	s = lround(secs);
	if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
}

static void
statusview_header(FILE *f, const Mr__Status *st)
{
	char el[32], eta[32], *dir, *sock, *name;

	statusview_duration(st->elapsed, el, sizeof el);
	if (st->eta < 0)
		snprintf(eta, sizeof eta, "--");
	else
		statusview_duration(st->eta, eta, sizeof eta);
	dir = textesc(st->job_dir);
	sock = textesc(st->socket);
	fprintf(f, "job dir     %s\n", dir);
	fprintf(f, "socket      %s (coordinator pid %d)\n", sock,
	    (int)st->pid);
	free(dir);
	free(sock);
	fprintf(f, "phase       %s, %s elapsed, ETA %s\n",
	    statusview_phase(st->phase), el, eta);
	fprintf(f, "tasks       %u map, %u reduce: %u done, %u running, "
	    "%u waiting\n", st->n_map, st->n_reduce, st->done, st->running,
	    st->waiting);
	fprintf(f, "run again   %" PRIu64 " (%" PRIu64 " timed out, %" PRIu64
	    " lost with their worker, %" PRIu64 " failed)\n",
	    st->timed_out + st->lost + st->failed, st->timed_out, st->lost,
	    st->failed);
	if (st->speculative)
		fprintf(f, "backups     %u running, %" PRIu64 " finished first, "
		    "%" PRIu64 " cancelled\n", st->backups_running,
		    st->backups_won, st->backups_lost);
	else
		fprintf(f, "backups     off (--speculative off)\n");
	if (st->incarnation > 1)
		fprintf(f, "resumed     coordinator %u of this job; %u task%s "
		    "kept from before\n", st->incarnation, st->tasks_kept,
		    st->tasks_kept == 1 ? "" : "s");
	fprintf(f, "input       %.1f MB of %.1f MB done, %.1f MB/s\n",
	    st->input_bytes_done / 1e6, st->input_bytes / 1e6, st->mb_per_s);
	if (st->n_counters > 0) {
		fprintf(f, "counters   ");
		for (size_t i = 0; i < st->n_counters; i++) {
			name = textesc(st->counters[i]->name);
			fprintf(f, " %s=%" PRId64 "%s", name,
			    st->counters[i]->value,
			    i + 1 < st->n_counters ? "," : "");
			free(name);
		}
		fprintf(f, "\n");
	}
}

static void
statusview_workers(FILE *f, const Mr__Status *st)
{
	char conn[32], task[64], *name;

	fprintf(f, "\nworkers (%zu)\n", st->n_workers);
	if (st->n_workers == 0)
		return;
	fprintf(f, "  %-6s %-8s %-8s %5s %10s  %s\n", "ID", "PID", "STATE",
	    "DONE", "CONNECTED", "TASK");
	for (size_t i = 0; i < st->n_workers; i++) {
		const Mr__WorkerStatus *w = st->workers[i];

		statusview_duration(w->connected, conn, sizeof conn);
		if (w->task != NULL && *w->task != '\0')
			snprintf(task, sizeof task, "%s %u: ",
			    statusview_kind(w->task_kind), w->task_id);
		else
			task[0] = '\0';
		name = textesc(w->task != NULL && *w->task != '\0' ?
		    w->task : "-");
		fprintf(f, "  %-6u %-8d %-8s %5u %10s  %s%s\n", w->id,
		    (int)w->pid, statusview_worker_state(w->state),
		    w->tasks_done, conn, task, name);
		free(name);
	}
}

static void
statusview_task(FILE *f, const Mr__TaskStatus *t)
{
	char id[32], worker[48], time[32], *name;

	snprintf(id, sizeof id, "%s %u", statusview_kind(t->kind), t->id);
	if (t->worker == 0)
		snprintf(worker, sizeof worker, "-");
	else if (t->pid != 0)
		snprintf(worker, sizeof worker, "%u (pid %d)", t->worker,
		    (int)t->pid);
	else
		snprintf(worker, sizeof worker, "%u (gone)", t->worker);
	if (t->state == MR__TASK_STATE__TASK_RUNNING)
		statusview_duration(t->seconds, time, sizeof time);
	else
		snprintf(time, sizeof time, "-");
	name = textesc(t->name);
	fprintf(f, "  %-12s %-8s %-18s %8s %8u  %s\n", id,
	    statusview_task_state(t->state), worker, time, t->attempts, name);
	free(name);
	/* A packed task: each of its inputs on a line of its own. */
	for (size_t j = 0; j < t->n_inputs; j++) {
		name = textesc(t->inputs[j]);
		fprintf(f, "  %-12s %-8s %-18s %8s %8s    %s\n", "", "", "", "",
		    "", name);
		free(name);
	}
	/* Its status line (a streaming command's reporter:status:). */
	if (t->status != NULL && *t->status != '\0') {
		name = textesc(t->status);
		fprintf(f, "  %-12s %-8s %-18s %8s %8s  status: %s\n", "", "",
		    "", "", "", name);
		free(name);
	}
}

/* Whether a task is shown when not every task is: running, or run again. */
static int
statusview_notable(const Mr__TaskStatus *t)
{
	return t->state == MR__TASK_STATE__TASK_RUNNING || t->attempts > 1;
}

static void
statusview_tasks(FILE *f, const Mr__Status *st, int all)
{
	size_t shown = 0, done = 0, waiting = 0;

	fprintf(f, "\ntasks (%u)\n", st->n_map + st->n_reduce);
	if (st->tasks_omitted) {
		fprintf(f, "  (too many to send; the counts above are exact)\n");
		return;
	}
	if (st->n_tasks == 0)
		return;
	fprintf(f, "  %-12s %-8s %-18s %8s %8s  %s\n", "TASK", "STATE",
	    "WORKER", "TIME", "ATTEMPTS", "NAME");
	all = all || st->n_tasks <= STATUSVIEW_FEW_TASKS;
	/* Running first, then the ones run again, in task order within each. */
	for (int pass = 0; pass < (all ? 1 : 2); pass++)
		for (size_t i = 0; i < st->n_tasks; i++) {
			const Mr__TaskStatus *t = st->tasks[i];
			int running = t->state == MR__TASK_STATE__TASK_RUNNING;

			if (!all && (pass == 0 ? !running :
			    running || !statusview_notable(t)))
				continue;
			statusview_task(f, t);
			shown++;
		}
	if (shown == st->n_tasks)
		return;
	for (size_t i = 0; i < st->n_tasks; i++) {
		if (statusview_notable(st->tasks[i]))
			continue;
		if (st->tasks[i]->state == MR__TASK_STATE__TASK_DONE)
			done++;
		else
			waiting++;
	}
	fprintf(f, "  ... and %zu more: %zu done, %zu waiting (--all lists "
	    "every task)\n", st->n_tasks - shown, done, waiting);
}

void
statusview_text(FILE *f, const Mr__Status *st, int all)
{
	statusview_header(f, st);
	statusview_workers(f, st);
	statusview_tasks(f, st, all);
}

/* json_object_set_new() that gives up on the first failure. */
static int
statusview_set(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static json_t *
statusview_json_backups(const Mr__Status *st)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= statusview_set(o, "running", json_integer(st->backups_running));
	rc |= statusview_set(o, "won", json_integer(st->backups_won));
	rc |= statusview_set(o, "lost", json_integer(st->backups_lost));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
statusview_json_job(const Mr__Status *st)
{
	json_t *job = json_object(), *again = json_object();
	json_t *backups = json_object();
	int rc = 0;

	if (job == NULL || again == NULL || backups == NULL) {
		json_decref(job);
		json_decref(again);
		json_decref(backups);
		return NULL;
	}
	rc |= statusview_set(backups, "running",
	    json_integer(st->backups_running));
	rc |= statusview_set(backups, "won", json_integer(st->backups_won));
	rc |= statusview_set(backups, "lost", json_integer(st->backups_lost));
	rc |= statusview_set(again, "timed_out", json_integer(st->timed_out));
	rc |= statusview_set(again, "lost", json_integer(st->lost));
	rc |= statusview_set(again, "failed", json_integer(st->failed));
	rc |= statusview_set(job, "job_dir", jsontext_new(st->job_dir));
	rc |= statusview_set(job, "socket", jsontext_new(st->socket));
	rc |= statusview_set(job, "pid", json_integer(st->pid));
	rc |= statusview_set(job, "phase",
	    json_string(statusview_phase(st->phase)));
	rc |= statusview_set(job, "elapsed", json_real(st->elapsed));
	rc |= statusview_set(job, "eta", st->eta < 0 ? json_null() :
	    json_real(st->eta));
	rc |= statusview_set(job, "map_tasks", json_integer(st->n_map));
	rc |= statusview_set(job, "reduce_tasks", json_integer(st->n_reduce));
	rc |= statusview_set(job, "done", json_integer(st->done));
	rc |= statusview_set(job, "running", json_integer(st->running));
	rc |= statusview_set(job, "waiting", json_integer(st->waiting));
	rc |= statusview_set(job, "run_again", again);
	rc |= statusview_set(job, "speculative",
	    json_boolean(st->speculative));
	rc |= statusview_set(job, "backups", backups);
	rc |= statusview_set(job, "incarnation", json_integer(st->incarnation));
	rc |= statusview_set(job, "tasks_kept", json_integer(st->tasks_kept));
	rc |= statusview_set(job, "input_bytes", json_integer(st->input_bytes));
	rc |= statusview_set(job, "input_bytes_done",
	    json_integer(st->input_bytes_done));
	rc |= statusview_set(job, "mb_per_s", json_real(st->mb_per_s));
	rc |= statusview_set(job, "backups", statusview_json_backups(st));
	rc |= statusview_set(job, "tasks_kept", json_integer(st->tasks_kept));
	/* Only in the last Status of a following client (mrctl web). */
	if (st->outcome != NULL && *st->outcome != '\0')
		rc |= statusview_set(job, "outcome", jsontext_new(st->outcome));
	if (st->failure != NULL && *st->failure != '\0')
		rc |= statusview_set(job, "failure", jsontext_new(st->failure));
	if (rc != 0) {
		json_decref(job);
		return NULL;
	}
	return job;
}

static json_t *
statusview_json_worker(const Mr__WorkerStatus *w)
{
	json_t *o = json_object();
	int busy = w->task != NULL && *w->task != '\0', rc = 0;

	if (o == NULL)
		return NULL;
	rc |= statusview_set(o, "id", json_integer(w->id));
	rc |= statusview_set(o, "pid", json_integer(w->pid));
	rc |= statusview_set(o, "host", jsontext_new(w->host != NULL ?
	    w->host : ""));
	rc |= statusview_set(o, "state",
	    json_string(statusview_worker_state(w->state)));
	rc |= statusview_set(o, "task", busy ? jsontext_new(w->task) :
	    json_null());
	rc |= statusview_set(o, "task_kind", busy ?
	    json_string(statusview_kind(w->task_kind)) : json_null());
	rc |= statusview_set(o, "task_id", busy ? json_integer(w->task_id) :
	    json_null());
	rc |= statusview_set(o, "tasks_done", json_integer(w->tasks_done));
	rc |= statusview_set(o, "connected", json_real(w->connected));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
statusview_json_task(const Mr__TaskStatus *t)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= statusview_set(o, "kind", json_string(statusview_kind(t->kind)));
	rc |= statusview_set(o, "id", json_integer(t->id));
	rc |= statusview_set(o, "name", jsontext_new(t->name));
	rc |= statusview_set(o, "state",
	    json_string(statusview_task_state(t->state)));
	rc |= statusview_set(o, "worker", t->worker != 0 ?
	    json_integer(t->worker) : json_null());
	rc |= statusview_set(o, "pid", t->pid != 0 ? json_integer(t->pid) :
	    json_null());
	rc |= statusview_set(o, "time",
	    t->state == MR__TASK_STATE__TASK_RUNNING ?
	    json_real(t->seconds) : json_null());
	rc |= statusview_set(o, "attempts", json_integer(t->attempts));
	rc |= statusview_set(o, "backup_worker", t->backup_worker != 0 ?
	    json_integer(t->backup_worker) : json_null());
	rc |= statusview_set(o, "kept", json_boolean(t->kept));
	rc |= statusview_set(o, "status", t->status != NULL &&
	    *t->status != '\0' ? jsontext_new(t->status) : json_null());
	if (t->n_inputs > 0) {
		json_t *in = json_array();

		for (size_t j = 0; j < t->n_inputs && in != NULL; j++)
			if (json_array_append_new(in,
			    jsontext_new(t->inputs[j])) == -1)
				rc = -1;
		rc |= statusview_set(o, "inputs", in);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
statusview_json_tree(const Mr__Status *st)
{
	json_t *root = json_object(), *workers = json_array(),
	    *tasks = json_array(), *counters = json_object();
	json_t *out = NULL;
	int rc = 0;

	if (root == NULL || workers == NULL || tasks == NULL ||
	    counters == NULL)
		goto fail;
	for (size_t i = 0; i < st->n_workers && rc == 0; i++)
		rc |= json_array_append_new(workers,
		    statusview_json_worker(st->workers[i]));
	for (size_t i = 0; i < st->n_tasks && rc == 0; i++)
		rc |= json_array_append_new(tasks,
		    statusview_json_task(st->tasks[i]));
	for (size_t i = 0; i < st->n_counters && rc == 0; i++)
		rc |= statusview_set(counters, st->counters[i]->name,
		    json_integer(st->counters[i]->value));
	rc |= statusview_set(root, "job", statusview_json_job(st));
	rc |= json_object_set(root, "workers", workers);
	rc |= json_object_set(root, "tasks", tasks);
	rc |= json_object_set(root, "counters", counters);
	rc |= statusview_set(root, "tasks_omitted",
	    json_boolean(st->tasks_omitted));
	if (rc == 0)
		out = json_incref(root);
fail:
	json_decref(counters);
	json_decref(tasks);
	json_decref(workers);
	json_decref(root);
	return out;
}

char *
statusview_json(const Mr__Status *st)
{
	json_t *root = statusview_json_tree(st);
	char *out;

	if (root == NULL)
		return NULL;
	out = json_dumps(root, STATUSVIEW_JSON_FLAGS);
	json_decref(root);
	return out;
}
