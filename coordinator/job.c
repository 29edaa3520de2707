/*
 * job.c - the job layer (see job.h).
 *
 * It is the task state machine's only observer: each attempt event of
 * tasks.c becomes a job event, completed with what the report being
 * handled said (bytes, counters, error), which the call keeps in j->cur
 * while tasks.c runs. Phase changes are found by comparing the phase after
 * each call with the one last published.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "job.h"
#include "log.h"
#include "streamopts.h"

/* A reason for job_fail(), with room for a file name and an errno text. */
#define JOB_FAILURE_MAX (ERR_MAX + 64)

struct job_sub {
	job_subscriber	 fn;
	void		*arg;
};

struct job {
	struct tasks	*tasks;
	struct job_sub	*subs;
	size_t		 nsubs;
	enum tasks_phase phase;		/* as last published */
	char		 failure[JOB_FAILURE_MAX];	/* job_fail()'s reason */
	char		 last_error[ERR_MAX];	/* of a failed attempt */
	char		 why[JOB_FAILURE_MAX + ERR_MAX + 32];	/* job_failure() */
	double		*start;		/* attempt i started at start[i - 1] */
	size_t		 nstart, capstart;
	struct job_totals totals;
	struct changes	*changes;	/* what accepted maps read */
	uint64_t	 input_bytes;
	char		*app, *digest;	/* the plugin, once known */
	char		*shown;		/* a streaming job's commands as a
					   refusal names them, or NULL */
	/* The report being handled, for the events it causes. */
	const struct job_done_report *cur_done;
	const struct job_failed_report *cur_failed;
};

static void	job_observe(void *, const struct tasks_event *);

struct job *
job_new(struct tasks *t, uint64_t input_bytes)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->tasks = t;
	j->input_bytes = input_bytes;
	j->phase = tasks_phase(t);
	j->changes = changes_new(tasks_nmap(t));
	tasks_set_observer(t, job_observe, j);
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	tasks_free(j->tasks);
	changes_free(j->changes);
	free(j->subs);
	free(j->start);
	free(j->app);
	free(j->digest);
	free(j->shown);
	free(j);
}

void
job_subscribe(struct job *j, job_subscriber fn, void *arg)
{
	j->subs = xrealloc(j->subs, (j->nsubs + 1) * sizeof *j->subs);
	j->subs[j->nsubs].fn = fn;
	j->subs[j->nsubs].arg = arg;
	j->nsubs++;
}

const struct tasks *
job_tasks(const struct job *j)
{
	return j->tasks;
}

enum tasks_phase
job_phase(const struct job *j)
{
	return j->failure[0] != '\0' ? PHASE_FAILED : tasks_phase(j->tasks);
}

const char *
job_failure(const struct job *j)
{
	struct job *w = (struct job *)j;

	if (j->failure[0] != '\0')
		return j->failure;
	if (tasks_phase(j->tasks) != PHASE_FAILED)
		return "";
	snprintf(w->why, sizeof w->why, "%s; last error: %s",
	    tasks_failure(j->tasks), j->last_error[0] != '\0' ?
	    j->last_error : "none given");
	return w->why;
}

/*
 * Tells every subscriber. One that fails fails the job; the others are
 * still told, so that none misses an event the rest heard.
 */
static void
job_publish(struct job *j, const struct job_event *ev)
{
	struct err e;

	for (size_t i = 0; i < j->nsubs; i++) {
		if (j->subs[i].fn(j->subs[i].arg, ev, &e) == 0)
			continue;
		if (j->failure[0] == '\0') {
			log_warn("job failed: %s", e.msg);
			snprintf(j->failure, sizeof j->failure, "%s", e.msg);
		}
	}
}

/* Publishes the phase when it changed since it was last published. */
static void
job_check_phase(struct job *j, double now)
{
	struct job_event ev;
	enum tasks_phase p = job_phase(j);

	if (p == j->phase)
		return;
	j->phase = p;
	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_PHASE;
	ev.now = now;
	ev.phase = p;
	job_publish(j, &ev);
	/* A subscriber that failed on it makes it a failure. */
	if (job_phase(j) != j->phase)
		job_check_phase(j, now);
}

void
job_fail(struct job *j, const char *why, double now)
{
	enum tasks_phase p = job_phase(j);

	if (p == PHASE_DONE || p == PHASE_FAILED)
		return;
	snprintf(j->failure, sizeof j->failure, "%s", why);
	job_check_phase(j, now);
}

/* Notes when attempt `attempt` started, for its duration. */
static void
job_note_start(struct job *j, uint64_t attempt, double now)
{
	if (attempt != j->nstart + 1)
		return;		/* ids are dense: never */
	if (j->nstart == j->capstart) {
		j->capstart = j->capstart != 0 ? j->capstart * 2 : 64;
		j->start = xrealloc(j->start, j->capstart * sizeof *j->start);
	}
	j->start[j->nstart++] = now;
}

/* An accepted attempt: what it moved, and what a map read. */
static void
job_accepted(struct job *j, const struct tasks_event *tev,
    const struct job_done_report *r, double secs)
{
	const struct tasks_input *in;
	uint32_t n;

	if (tev->kind == TASK_MAP) {
		j->totals.map_bytes += r->bytes_out;
		in = tasks_map_inputs(j->tasks, tev->id, &n);
		if (r->input_changed != NULL && *r->input_changed != '\0')
			log_debug("map task %u read %s although it changed "
			    "since the job was planned: %s", tev->id,
			    in != NULL ? in[0].name : "?", r->input_changed);
		changes_record_inputs(j->changes, tev->id, in, n, r->bytes_in,
		    r->input_changed);
	} else {
		j->totals.reduce_bytes += r->bytes_out;
		j->totals.reduce_secs += secs;
		j->totals.reduces_timed++;
	}
}

int
job_event_outcome(const struct job_event *ev, enum tasks_outcome *o)
{
	switch (ev->type) {
	case JOB_EV_DONE:
		*o = OUTCOME_DONE;
		return 0;
	case JOB_EV_STALE:
		*o = OUTCOME_STALE;
		return 0;
	case JOB_EV_FAILED:
		*o = OUTCOME_FAILED;
		return 0;
	case JOB_EV_LOST:
		*o = OUTCOME_LOST;
		return 0;
	case JOB_EV_CANCELLED:
		/* job_observe() made one event of the two outcomes. */
		*o = ev->backup ? OUTCOME_BACKUP_LOST : OUTCOME_CANCELLED;
		return 0;
	case JOB_EV_WORKER_JOINED:
	case JOB_EV_WORKER_LEFT:
	case JOB_EV_LEASED:
	case JOB_EV_TIMED_OUT:
	case JOB_EV_MAP_RESET:
	case JOB_EV_PHASE:
	case JOB_EV_KEPT:
	case JOB_EV_PLUGIN:
		break;
	}
	return -1;
}

/* Each attempt event of the tasks, as a job event. */
static void
job_observe(void *arg, const struct tasks_event *tev)
{
	struct job *j = arg;
	struct job_event ev;

	memset(&ev, 0, sizeof ev);
	ev.now = tev->now;
	ev.worker = tev->worker;
	ev.attempt = tev->attempt;
	ev.kind = tev->kind;
	ev.id = tev->id;
	ev.backup = tev->backup;
	switch (tev->type) {
	case TASKS_EV_START:
		job_note_start(j, tev->attempt, tev->now);
		ev.type = JOB_EV_LEASED;
		ev.lease = tev->lease;
		break;
	case TASKS_EV_TIMEOUT:
		ev.type = JOB_EV_TIMED_OUT;
		ev.requeued = tev->requeued;
		ev.secs = tev->now - tev->start;
		ev.quiet = tev->now - tev->armed;
		break;
	case TASKS_EV_END:
		switch (tev->outcome) {
		case OUTCOME_DONE:
			ev.type = JOB_EV_DONE;
			break;
		case OUTCOME_STALE:
			ev.type = JOB_EV_STALE;
			break;
		case OUTCOME_FAILED:
			ev.type = JOB_EV_FAILED;
			break;
		case OUTCOME_LOST:
			ev.type = JOB_EV_LOST;
			break;
		case OUTCOME_CANCELLED:
		case OUTCOME_BACKUP_LOST:
			ev.type = JOB_EV_CANCELLED;
			break;
		}
		if (tev->attempt >= 1 && tev->attempt <= j->nstart)
			ev.secs = tev->now - j->start[tev->attempt - 1];
		if (j->cur_done != NULL && (ev.type == JOB_EV_DONE ||
		    ev.type == JOB_EV_STALE)) {
			ev.has_bytes = 1;
			ev.bytes_in = j->cur_done->bytes_in;
			ev.bytes_out = j->cur_done->bytes_out;
		}
		if (ev.type == JOB_EV_DONE && j->cur_done != NULL) {
			ev.counters = j->cur_done->counters;
			ev.ncounters = j->cur_done->ncounters;
			ev.output_size = j->cur_done->output_size;
			ev.output_crc = j->cur_done->output_crc;
			ev.input_changed = j->cur_done->input_changed != NULL ?
			    j->cur_done->input_changed : "";
			job_accepted(j, tev, j->cur_done, ev.secs);
		}
		if (ev.type == JOB_EV_FAILED)
			ev.error = j->cur_failed != NULL &&
			    j->cur_failed->error != NULL &&
			    *j->cur_failed->error != '\0' ?
			    j->cur_failed->error : "no reason given";
		break;
	}
	job_publish(j, &ev);
}

void
job_worker_joined(struct job *j, uint32_t worker, int pid, double now)
{
	struct job_event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_WORKER_JOINED;
	ev.now = now;
	ev.worker = worker;
	ev.pid = pid;
	job_publish(j, &ev);
}

void
job_worker_left(struct job *j, uint32_t worker, const char *why, double now)
{
	struct job_event ev;

	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_WORKER_LEFT;
	ev.now = now;
	ev.worker = worker;
	ev.why = why;
	job_publish(j, &ev);
}

int
job_lease(struct job *j, uint32_t worker, double now, struct lease *l)
{
	if (j->failure[0] != '\0')
		return -1;
	return tasks_lease(j->tasks, worker, now, l);
}

enum tasks_verdict
job_done(struct job *j, uint32_t worker, const struct job_done_report *r,
    double now)
{
	enum tasks_verdict v;

	j->cur_done = r;
	v = tasks_report_done_counters(j->tasks, worker, r->attempt,
	    r->counters, r->ncounters, now);
	j->cur_done = NULL;
	job_check_phase(j, now);
	return v;
}

enum tasks_verdict
job_status_line(struct job *j, uint32_t worker, uint64_t attempt,
    const char *status, double now)
{
	return tasks_set_status(j->tasks, worker, attempt, status, now);
}

enum tasks_verdict
job_failed(struct job *j, uint32_t worker, const struct job_failed_report *r,
    double now)
{
	struct job_event ev;
	enum tasks_verdict v;
	uint32_t *reset = NULL;
	size_t nreset = 0;

	/* Which of the bad maps are done now: those the report sends back. */
	if (r->nbad > 0) {
		reset = xcalloc(r->nbad, sizeof *reset);
		for (size_t i = 0; i < r->nbad; i++)
			if (tasks_map_done(j->tasks, r->bad_maps[i]))
				reset[nreset++] = r->bad_maps[i];
	}
	j->cur_failed = r;
	if (r->fatal && r->nbad == 0)
		v = tasks_report_fatal(j->tasks, worker, r->attempt, now);
	else
		v = tasks_report_failed(j->tasks, worker, r->attempt,
		    r->bad_maps, r->nbad, now);
	j->cur_failed = NULL;
	if (v == VERDICT_INVALID) {
		free(reset);
		return v;
	}
	snprintf(j->last_error, sizeof j->last_error, "%s",
	    r->error != NULL && *r->error != '\0' ? r->error :
	    "no reason given");
	for (size_t i = 0; i < nreset; i++) {
		if (tasks_map_done(j->tasks, reset[i]))
			continue;	/* a stale report resets nothing */
		memset(&ev, 0, sizeof ev);
		ev.type = JOB_EV_MAP_RESET;
		ev.now = now;
		ev.kind = TASK_MAP;
		ev.id = reset[i];
		job_publish(j, &ev);
	}
	free(reset);
	job_check_phase(j, now);
	return v;
}

void
job_lost(struct job *j, uint64_t attempt, double now)
{
	tasks_lost(j->tasks, attempt, now);
	job_check_phase(j, now);
}

double
job_expire(struct job *j, double now, uint64_t *n)
{
	uint64_t before = tasks_timeouts(j->tasks);
	double next = tasks_expire(j->tasks, now);

	if (n != NULL)
		*n = tasks_timeouts(j->tasks) - before;
	job_check_phase(j, now);
	return next;
}

void
job_totals(const struct job *j, struct job_totals *tot)
{
	*tot = j->totals;
}

uint32_t
job_changed_inputs(const struct job *j)
{
	return changes_count(j->changes);
}

uint64_t
job_input_read(const struct job *j)
{
	return changes_bytes_read(j->changes);
}

void
job_changes_summary(const struct job *j)
{
	changes_summary(j->changes, j->input_bytes);
}

uint64_t
job_input_bytes(const struct job *j)
{
	return j->input_bytes;
}

int
job_restore(struct job *j, const struct job_kept *kept, size_t n, double now,
    struct err *e)
{
	struct tasks_kept *tk = xcalloc(n != 0 ? n : 1, sizeof *tk);
	const struct tasks_input *in;
	struct job_event ev;
	uint32_t nin;

	for (size_t i = 0; i < n; i++) {
		tk[i].kind = kept[i].kind;
		tk[i].id = kept[i].id;
		tk[i].counters = kept[i].counters;
		tk[i].ncounters = kept[i].ncounters;
	}
	if (tasks_restore(j->tasks, tk, n) == -1) {
		free(tk);
		err_set(e, "the journal's finished tasks do not fit this job");
		return -1;
	}
	free(tk);
	for (size_t i = 0; i < n; i++) {
		if (kept[i].kind == TASK_MAP) {
			j->totals.map_bytes += kept[i].bytes_out;
			in = tasks_map_inputs(j->tasks, kept[i].id, &nin);
			changes_record_inputs(j->changes, kept[i].id, in, nin,
			    kept[i].bytes_in, kept[i].input_changed);
		} else {
			j->totals.reduce_bytes += kept[i].bytes_out;
			j->totals.reduce_secs += kept[i].end - kept[i].start;
			j->totals.reduces_timed++;
		}
		memset(&ev, 0, sizeof ev);
		ev.type = JOB_EV_KEPT;
		ev.now = now;
		ev.kind = kept[i].kind;
		ev.id = kept[i].id;
		ev.worker = kept[i].worker;
		ev.kept = &kept[i];
		job_publish(j, &ev);
	}
	job_check_phase(j, now);
	return 0;
}

void
job_set_plugin(struct job *j, const char *app, const char *digest)
{
	free(j->app);
	free(j->digest);
	j->app = xstrdup(app);
	j->digest = xstrdup(digest);
}

void
job_set_streaming_shown(struct job *j, const char *shown)
{
	free(j->shown);
	j->shown = xstrdup(shown);
}

/* How a Hello's app reads in a refusal: "plugin wc", "streaming commands". */
static const char *
job_what(const char *app, char *buf, size_t len)
{
	if (strcmp(app, STREAMOPTS_APP) == 0)
		return "streaming commands";
	snprintf(buf, len, "plugin %s", *app != '\0' ? app :
	    "with no name");
	return buf;
}

int
job_plugin(struct job *j, const char *app, const char *digest, double now,
    struct err *e)
{
	struct job_event ev;
	char ours[96], theirs[96];

	if (app == NULL)
		app = "";
	if (digest == NULL)
		digest = "";
	/* A peer naming no plugin (a tool speaking the protocol) is not checked. */
	if (*app == '\0' && *digest == '\0')
		return 0;
	if (j->app != NULL) {
		if (strcmp(j->app, app) == 0 && strcmp(j->digest, digest) == 0)
			return 0;
		if (strcmp(j->app, STREAMOPTS_APP) == 0 &&
		    strcmp(app, STREAMOPTS_APP) == 0)
			err_set(e, "this job runs other streaming commands, "
			    "--file contents or --cmdenv settings (%s; %s) "
			    "than this worker (%s): every worker of a job must "
			    "run the same", j->shown != NULL ? j->shown :
			    "those of its first worker", j->digest, digest);
		else
			err_set(e, "this job runs %s (%s); this worker runs "
			    "%s (%s): every worker of a job, and every "
			    "coordinator resuming it, must run the same",
			    job_what(j->app, ours, sizeof ours), j->digest,
			    job_what(app, theirs, sizeof theirs),
			    *digest != '\0' ? digest : "no digest given");
		return -1;
	}
	job_set_plugin(j, app, digest);
	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_PLUGIN;
	ev.now = now;
	ev.app = j->app;
	ev.digest = j->digest;
	job_publish(j, &ev);
	job_check_phase(j, now);
	return 0;
}
