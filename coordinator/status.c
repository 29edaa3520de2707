/*
 * status.c - the Status message: one snapshot of the job, its tasks and
 * its workers (see status.h). Everything it points to is its own, so that
 * the server may change right after it is built.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "protocol.h"
#include "status.h"

/*
 * An offset in a split range, in the powers of 1024 that --split-size
 * counts in, so that splits fall on round numbers: "16.0 MiB", "512 B".
 */
static void
status_bytes(uint64_t n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
	else if (n < (uint64_t)1024 * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", n / 1048576.0);
	else
		snprintf(buf, size, "%.2f GiB", n / 1073741824.0);
}

/* One input of a packed task, with its range when it is a split. */
static void
status_input_name(const struct tasks_input *in, char *buf, size_t size)
{
	char from[32], to[32];
	uint64_t end;

	if (in->offset == 0 && in->length == 0) {
		snprintf(buf, size, "%s", in->name);
		return;
	}
	end = in->length != 0 ? in->offset + in->length : 0;
	if (in->stamp != NULL && (end == 0 || in->stamp->size < end))
		end = in->stamp->size;
	status_bytes(in->offset, from, sizeof from);
	if (end == 0) {
		snprintf(buf, size, "%s [%s, end)", in->name, from);
		return;
	}
	status_bytes(end, to, sizeof to);
	snprintf(buf, size, "%s [%s, %s)", in->name, from, to);
}

void
status_task_name(const struct tasks_view *v, char *buf, size_t size)
{
	char from[32], to[32];
	uint64_t end;

	if (v->kind == TASK_REDUCE) {
		snprintf(buf, size, "partition %u -> mr-out-%u", v->id, v->id);
		return;
	}
	/* Several inputs: the first, and how many more (inputs lists all). */
	if (v->ninputs > 1) {
		status_input_name(&v->inputs[0], buf, size);
		snprintf(buf + strlen(buf), size - strlen(buf), " + %u more",
		    v->ninputs - 1);
		return;
	}
	/* A whole file: offset 0 and length 0 ("to the end"). */
	if (v->offset == 0 && v->length == 0) {
		snprintf(buf, size, "%s", v->input);
		return;
	}
	/* The last split's length runs past the end: its size tells where. */
	end = v->offset + (v->bytes != 0 ? v->bytes : v->length);
	if (v->bytes == 0 && v->length == 0) {
		status_bytes(v->offset, from, sizeof from);
		snprintf(buf, size, "%s [%s, end)", v->input, from);
		return;
	}
	status_bytes(v->offset, from, sizeof from);
	status_bytes(end, to, sizeof to);
	snprintf(buf, size, "%s [%s, %s)", v->input, from, to);
}

static Mr__TaskState
status_task_state(enum tasks_state s)
{
	switch (s) {
	case TASKS_WAITING:
		return MR__TASK_STATE__TASK_WAITING;
	case TASKS_RUNNING:
		return MR__TASK_STATE__TASK_RUNNING;
	case TASKS_DONE:
		return MR__TASK_STATE__TASK_DONE;
	}
	return MR__TASK_STATE__TASK_WAITING;
}

static Mr__JobPhase
status_phase(enum tasks_phase p)
{
	switch (p) {
	case PHASE_MAP:
		return MR__JOB_PHASE__PHASE_MAP;
	case PHASE_REDUCE:
		return MR__JOB_PHASE__PHASE_REDUCE;
	case PHASE_DONE:
		return MR__JOB_PHASE__PHASE_DONE;
	case PHASE_FAILED:
		return MR__JOB_PHASE__PHASE_FAILED;
	}
	return MR__JOB_PHASE__PHASE_MAP;
}

/* Fills the job's figures: phase, counts of both kinds, bytes, rate, ETA. */
static void
status_job_fields(Mr__Status *st, const struct status_job *job,
    const struct tasks *t)
{
	struct tasks_counts c;
	size_t n;

	st->phase = status_phase(job->snap->phase);
	st->elapsed = job->snap->elapsed;
	st->socket = xstrdup(job->socket);
	st->job_dir = xstrdup(job->job_dir);
	st->pid = job->pid;
	st->n_map = tasks_nmap(t);
	st->n_reduce = tasks_nreduce(t);
	tasks_counts(t, &c);
	st->done = c.done;
	st->running = c.running;
	st->waiting = c.idle;
	st->timed_out = c.timeouts;
	st->lost = c.lost;
	st->failed = c.failures;
	st->speculative = tasks_speculation(t);
	st->backups_running = c.backups_running;
	st->backups_won = c.backups_won;
	st->backups_lost = c.backups_lost;
	st->incarnation = job->incarnation;
	st->tasks_kept = tasks_nkept(t);
	st->input_bytes = job->snap->bytes;
	st->input_bytes_done = job->snap->bytes_done;
	st->mb_per_s = progress_rate(job->snap);
	st->eta = progress_eta(job->snap);
	/* The plugin counters, summed over the accepted attempts. */
	if ((n = tasks_ncounters(t)) > 0) {
		st->counters = xcalloc(n, sizeof *st->counters);
		for (size_t i = 0; i < n; i++) {
			Mr__Counter *k = xmalloc(sizeof *k);
			const char *name;

			mr__counter__init(k);
			tasks_counter(t, i, &name, &k->value);
			k->name = xstrdup(name);
			st->counters[i] = k;
		}
		st->n_counters = n;
	}
}

Mr__Status *
status_build(const struct status_job *job, const struct tasks *t,
    const struct status_worker *workers, size_t nworkers, double now)
{
	Mr__Status *st = xmalloc(sizeof *st);
	struct tasks_view *v;
	size_t ntasks = (size_t)tasks_nmap(t) + tasks_nreduce(t), maxid = 0;
	int *pid;
	char name[PATH_MAX + 64];

	mr__status__init(st);
	st->version = MR_PROTOCOL_VERSION;
	status_job_fields(st, job, t);

	v = xcalloc(ntasks, sizeof *v);
	tasks_views(t, v);
	/* Worker id -> pid of the connected ones; ids are small and dense. */
	for (size_t i = 0; i < nworkers; i++)
		if (workers[i].id > maxid)
			maxid = workers[i].id;
	pid = xcalloc(maxid + 1, sizeof *pid);
	for (size_t i = 0; i < nworkers; i++)
		pid[workers[i].id] = workers[i].pid;

	st->tasks = xcalloc(ntasks, sizeof *st->tasks);
	st->n_tasks = ntasks;
	for (size_t i = 0; i < ntasks; i++) {
		Mr__TaskStatus *ts = xmalloc(sizeof *ts);

		mr__task_status__init(ts);
		ts->kind = v[i].kind == TASK_MAP ? MR__TASK_KIND__KIND_MAP :
		    MR__TASK_KIND__KIND_REDUCE;
		ts->id = v[i].id;
		status_task_name(&v[i], name, sizeof name);
		ts->name = xstrdup(name);
		ts->state = status_task_state(v[i].state);
		ts->worker = v[i].worker;
		ts->pid = v[i].worker <= maxid ? pid[v[i].worker] : 0;
		if (v[i].state == TASKS_RUNNING)
			ts->seconds = now - v[i].start;
		ts->attempts = v[i].attempts;
		ts->backup_worker = v[i].backup_worker;
		ts->kept = v[i].kept;
		ts->status = xstrdup(v[i].status);
		if (v[i].kind == TASK_MAP && v[i].ninputs > 1) {
			ts->inputs = xcalloc(v[i].ninputs, sizeof *ts->inputs);
			for (uint32_t j = 0; j < v[i].ninputs; j++) {
				status_input_name(&v[i].inputs[j], name,
				    sizeof name);
				ts->inputs[j] = xstrdup(name);
			}
			ts->n_inputs = v[i].ninputs;
		}
		st->tasks[i] = ts;
	}

	st->workers = xcalloc(nworkers, sizeof *st->workers);
	st->n_workers = nworkers;
	for (size_t i = 0; i < nworkers; i++) {
		const struct status_worker *w = &workers[i];
		Mr__WorkerStatus *ws = xmalloc(sizeof *ws);
		size_t k;

		mr__worker_status__init(ws);
		ws->id = w->id;
		ws->pid = w->pid;
		ws->state = w->state;
		ws->tasks_done = w->tasks_done;
		ws->connected = now - w->joined;
		name[0] = '\0';
		k = w->kind == TASK_MAP ? w->task : tasks_nmap(t) + w->task;
		if (w->busy && k < ntasks) {
			status_task_name(&v[k], name, sizeof name);
			ws->task_kind = w->kind == TASK_MAP ?
			    MR__TASK_KIND__KIND_MAP : MR__TASK_KIND__KIND_REDUCE;
			ws->task_id = w->task;
		}
		ws->task = xstrdup(name);
		ws->host = xstrdup(w->host != NULL ? w->host : "");
		st->workers[i] = ws;
	}
	free(pid);
	free(v);
	return st;
}

void
status_omit_tasks(Mr__Status *st)
{
	for (size_t i = 0; i < st->n_tasks; i++) {
		for (size_t j = 0; j < st->tasks[i]->n_inputs; j++)
			free(st->tasks[i]->inputs[j]);
		free(st->tasks[i]->inputs);
		free(st->tasks[i]->name);
		free(st->tasks[i]->status);
		free(st->tasks[i]);
	}
	free(st->tasks);
	st->tasks = NULL;
	st->n_tasks = 0;
	st->tasks_omitted = 1;
}

void
status_free(Mr__Status *st)
{
	if (st == NULL)
		return;
	status_omit_tasks(st);
	for (size_t i = 0; i < st->n_workers; i++) {
		free(st->workers[i]->task);
		free(st->workers[i]->host);
		free(st->workers[i]);
	}
	free(st->workers);
	for (size_t i = 0; i < st->n_counters; i++) {
		free(st->counters[i]->name);
		free(st->counters[i]);
	}
	free(st->counters);
	free(st->socket);
	free(st->job_dir);
	free(st);
}

struct status_tally {
	uint32_t	*done;		/* worker id i: done[i - 1] */
	size_t		 n;
};

struct status_tally *
status_tally_new(void)
{
	return xcalloc(1, sizeof (struct status_tally));
}

void
status_tally_free(struct status_tally *t)
{
	if (t == NULL)
		return;
	free(t->done);
	free(t);
}

int
status_tally_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct status_tally *t = arg;
	size_t n;

	(void)e;
	if (ev->type != JOB_EV_DONE || ev->worker == 0)
		return 0;
	if (ev->worker > t->n) {
		n = t->n != 0 ? t->n : 16;
		while (n < ev->worker)
			n *= 2;
		t->done = xrealloc(t->done, n * sizeof *t->done);
		memset(t->done + t->n, 0, (n - t->n) * sizeof *t->done);
		t->n = n;
	}
	t->done[ev->worker - 1]++;
	return 0;
}

uint32_t
status_tally_done(const struct status_tally *t, uint32_t worker)
{
	return worker >= 1 && worker <= t->n ? t->done[worker - 1] : 0;
}
