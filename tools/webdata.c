/*
 * webdata.c - the job mrctl web shows (see webdata.h).
 *
 * Attempts are kept by their place in the history (index - 1), each with
 * the number of the last change that touched it; workers by id - 1. The
 * task list is sorted once per status and sort order, on a small index,
 * so that a page of 100 000 tasks costs a scan, not a sort, per request.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "log.h"
#include "statusview.h"
#include "outcome.h"
#include "webdata.h"

/* One task of the status, as the sort and the filters see it. */
struct webtask {
	json_t		*obj;
	int		 reduce;
	json_int_t	 id, attempts, worker;
	int		 state;		/* 0 waiting, 1 running, 2 done */
	double		 time;
	const char	*name;
};

enum webdata_sort {
	SORT_ID, SORT_NAME, SORT_STATE, SORT_ATTEMPTS, SORT_TIME, SORT_WORKER
};

struct webdata {
	pthread_mutex_t	 lock;
	char		*source;
	int		 live;
	json_t		*status;
	struct webtask	*tasks;		/* index of status's tasks */
	size_t		 ntasks;
	int		 sorted_by, sorted_desc;	/* -1: not sorted */
	json_t		**att;		/* attempt objects */
	uint64_t	*att_seq;
	size_t		 natt, capatt;
	json_t		**wk;		/* worker objects, id - 1; NULL: unknown */
	size_t		 nwk, capwk;
	uint64_t	 seq;		/* changes so far */
	double		 elapsed;	/* of the last History */
	char		*outcome, *failure, *problem;
};

static void
webdata_oom(void *p)
{
	if (p == NULL)
		fatal("out of memory");
}

/* json_object_set_new(), out of memory fatal as every allocation. */
static void
webdata_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		fatal("out of memory");
}

struct webdata *
webdata_new(const char *source, int live)
{
	struct webdata *wd = xcalloc(1, sizeof *wd);

	pthread_mutex_init(&wd->lock, NULL);
	wd->source = xstrdup(source);
	wd->live = live;
	wd->sorted_by = -1;
	return wd;
}

static void
webdata_clear_history(struct webdata *wd)
{
	for (size_t i = 0; i < wd->natt; i++)
		json_decref(wd->att[i]);
	for (size_t i = 0; i < wd->nwk; i++)
		json_decref(wd->wk[i]);
	wd->natt = wd->nwk = 0;
}

void
webdata_free(struct webdata *wd)
{
	if (wd == NULL)
		return;
	webdata_clear_history(wd);
	free(wd->att);
	free(wd->att_seq);
	free(wd->wk);
	free(wd->tasks);
	json_decref(wd->status);
	free(wd->source);
	free(wd->outcome);
	free(wd->failure);
	free(wd->problem);
	pthread_mutex_destroy(&wd->lock);
	free(wd);
}

/* A number field of o, or `def`. */
static double
webdata_num(const json_t *o, const char *key, double def)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

static const char *
webdata_str(const json_t *o, const char *key, const char *def)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

/* The sort index of a new status (under the lock). */
static void
webdata_index(struct webdata *wd)
{
	json_t *tasks = json_object_get(wd->status, "tasks");
	size_t n = json_array_size(tasks);
	const char *st;

	free(wd->tasks);
	wd->tasks = xcalloc(n != 0 ? n : 1, sizeof *wd->tasks);
	wd->ntasks = n;
	wd->sorted_by = -1;
	for (size_t i = 0; i < n; i++) {
		struct webtask *t = &wd->tasks[i];

		t->obj = json_array_get(tasks, i);
		t->reduce = strcmp(webdata_str(t->obj, "kind", "map"),
		    "reduce") == 0;
		t->id = (json_int_t)webdata_num(t->obj, "id", 0);
		t->attempts = (json_int_t)webdata_num(t->obj, "attempts", 0);
		t->worker = (json_int_t)webdata_num(t->obj, "worker", 0);
		t->time = webdata_num(t->obj, "time", -1);
		t->name = webdata_str(t->obj, "name", "");
		st = webdata_str(t->obj, "state", "waiting");
		t->state = strcmp(st, "done") == 0 ? 2 :
		    strcmp(st, "running") == 0 ? 1 : 0;
	}
}

void
webdata_set_status(struct webdata *wd, json_t *status)
{
	pthread_mutex_lock(&wd->lock);
	json_decref(wd->status);
	wd->status = status;
	webdata_index(wd);
	pthread_mutex_unlock(&wd->lock);
}

/* Stores attempt object o (taken over) at place `index` (1, 2, ...). */
static void
webdata_put_attempt(struct webdata *wd, size_t index, json_t *o)
{
	size_t i = index - 1;

	if (i >= wd->capatt) {
		size_t cap = wd->capatt != 0 ? wd->capatt : 256;

		while (cap <= i)
			cap *= 2;
		wd->att = xrealloc(wd->att, cap * sizeof *wd->att);
		wd->att_seq = xrealloc(wd->att_seq, cap * sizeof *wd->att_seq);
		wd->capatt = cap;
	}
	for (; wd->natt <= i; wd->natt++) {
		wd->att[wd->natt] = NULL;
		wd->att_seq[wd->natt] = 0;
	}
	json_decref(wd->att[i]);
	wd->att[i] = o;
	wd->att_seq[i] = wd->seq;
}

static void
webdata_put_worker(struct webdata *wd, size_t id, json_t *o)
{
	size_t i = id - 1;

	if (i >= wd->capwk) {
		size_t cap = wd->capwk != 0 ? wd->capwk : 64;

		while (cap <= i)
			cap *= 2;
		wd->wk = xrealloc(wd->wk, cap * sizeof *wd->wk);
		wd->capwk = cap;
	}
	for (; wd->nwk <= i; wd->nwk++)
		wd->wk[wd->nwk] = NULL;
	json_decref(wd->wk[i]);
	wd->wk[i] = o;
}

/* The report's object of an attempt record. */
static json_t *
webdata_attempt_json(const Mr__AttemptRecord *r)
{
	json_t *o = json_object();

	webdata_oom(o);
	webdata_set(o, "index", json_integer((json_int_t)r->index));
	webdata_set(o, "attempt", json_integer((json_int_t)r->attempt));
	webdata_set(o, "kind", json_string(r->kind ==
	    MR__TASK_KIND__KIND_REDUCE ? "reduce" : "map"));
	webdata_set(o, "task", json_integer(r->task));
	webdata_set(o, "worker", json_integer(r->worker));
	webdata_set(o, "start", json_real(r->start));
	webdata_set(o, "end", r->outcome ==
	    MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING ? json_null() :
	    json_real(r->end));
	webdata_set(o, "outcome", json_string(outcome_name(r->outcome)));
	if (r->kept)
		webdata_set(o, "kept", json_true());
	if (r->backup)
		webdata_set(o, "backup", json_true());
	if (r->timed_out > 0)
		webdata_set(o, "timed_out", json_real(r->timed_out));
	if (r->error != NULL && *r->error != '\0')
		webdata_set(o, "error", jsontext_new(r->error));
	if (r->has_bytes) {
		webdata_set(o, "bytes_read",
		    json_integer((json_int_t)r->bytes_read));
		webdata_set(o, "bytes_written",
		    json_integer((json_int_t)r->bytes_written));
	}
	return o;
}

static json_t *
webdata_worker_json(const Mr__WorkerRecord *r)
{
	json_t *o = json_object();
	int left = r->left != NULL && *r->left != '\0';

	webdata_oom(o);
	webdata_set(o, "id", json_integer(r->id));
	webdata_set(o, "pid", json_integer(r->pid));
	webdata_set(o, "host", jsontext_new(r->host != NULL ? r->host : ""));
	webdata_set(o, "connected", json_real(r->connected));
	webdata_set(o, "disconnected", left ? json_real(r->disconnected) :
	    json_null());
	webdata_set(o, "left", left ? jsontext_new(r->left) : json_null());
	return o;
}

/* Attempt and worker places are bounded by what a frame can hold. */
#define WEBDATA_PLACES_MAX (64u * 1024 * 1024)

void
webdata_apply_history(struct webdata *wd, const Mr__History *h)
{
	pthread_mutex_lock(&wd->lock);
	wd->seq++;
	wd->elapsed = h->elapsed;
	for (size_t i = 0; i < h->n_attempts; i++) {
		const Mr__AttemptRecord *r = h->attempts[i];

		if (r->index == 0 || r->index > WEBDATA_PLACES_MAX)
			continue;	/* not one of ours: ignored */
		webdata_put_attempt(wd, (size_t)r->index,
		    webdata_attempt_json(r));
	}
	for (size_t i = 0; i < h->n_workers; i++) {
		const Mr__WorkerRecord *r = h->workers[i];

		if (r->id == 0 || r->id > WEBDATA_PLACES_MAX)
			continue;
		webdata_put_worker(wd, r->id, webdata_worker_json(r));
	}
	pthread_mutex_unlock(&wd->lock);
}

void
webdata_add_records(struct webdata *wd, json_t *attempts, json_t *workers)
{
	size_t i;
	json_t *v, *o;

	pthread_mutex_lock(&wd->lock);
	wd->seq++;
	json_array_foreach(attempts, i, v) {
		o = json_deep_copy(v);
		webdata_oom(o);
		webdata_set(o, "index", json_integer((json_int_t)wd->natt + 1));
		webdata_put_attempt(wd, wd->natt + 1, o);
	}
	json_array_foreach(workers, i, v) {
		json_int_t id = (json_int_t)webdata_num(v, "id", 0);

		if (id < 1 || id > WEBDATA_PLACES_MAX)
			continue;
		o = json_deep_copy(v);
		webdata_oom(o);
		if (json_object_get(o, "host") == NULL)
			webdata_set(o, "host", json_string(""));
		webdata_put_worker(wd, (size_t)id, o);
	}
	pthread_mutex_unlock(&wd->lock);
}

void
webdata_set_ended(struct webdata *wd, const char *outcome,
    const char *failure)
{
	pthread_mutex_lock(&wd->lock);
	wd->seq++;
	free(wd->outcome);
	free(wd->failure);
	wd->outcome = xstrdup(outcome);
	wd->failure = failure != NULL && *failure != '\0' ?
	    xstrdup(failure) : NULL;
	/* As the report ends them: at the job's end. */
	for (size_t i = 0; i < wd->natt; i++) {
		json_t *a = wd->att[i];

		if (a == NULL || strcmp(webdata_str(a, "outcome", ""),
		    "running") != 0)
			continue;
		webdata_set(a, "outcome", json_string(json_object_get(a,
		    "timed_out") != NULL ? "timeout" : "cancelled"));
		webdata_set(a, "end", json_real(wd->elapsed));
		wd->att_seq[i] = wd->seq;
	}
	for (size_t i = 0; i < wd->nwk; i++)
		if (wd->wk[i] != NULL &&
		    json_is_null(json_object_get(wd->wk[i], "left"))) {
			webdata_set(wd->wk[i], "disconnected",
			    json_real(wd->elapsed));
			webdata_set(wd->wk[i], "left", json_string("job over"));
		}
	pthread_mutex_unlock(&wd->lock);
}

void
webdata_set_problem(struct webdata *wd, const char *msg)
{
	pthread_mutex_lock(&wd->lock);
	free(wd->problem);
	wd->problem = msg != NULL ? xstrdup(msg) : NULL;
	pthread_mutex_unlock(&wd->lock);
}

void
webdata_reset_history(struct webdata *wd)
{
	pthread_mutex_lock(&wd->lock);
	webdata_clear_history(wd);
	wd->seq++;
	pthread_mutex_unlock(&wd->lock);
}

int
webdata_ended(struct webdata *wd)
{
	int ended;

	pthread_mutex_lock(&wd->lock);
	ended = wd->outcome != NULL;
	pthread_mutex_unlock(&wd->lock);
	return ended;
}

/* ------------------------------------------------------------------ */
/* Pages of the task list. */

static int
webdata_cmp(const void *pa, const void *pb, void *arg)
{
	const struct webtask *a = pa, *b = pb;
	int by = *(const int *)arg, c = 0;

	switch (by) {
	case SORT_NAME:
		c = strcmp(a->name, b->name);
		break;
	case SORT_STATE:
		c = (a->state > b->state) - (a->state < b->state);
		break;
	case SORT_ATTEMPTS:
		c = (a->attempts > b->attempts) - (a->attempts < b->attempts);
		break;
	case SORT_TIME:
		c = (a->time > b->time) - (a->time < b->time);
		break;
	case SORT_WORKER:
		c = (a->worker > b->worker) - (a->worker < b->worker);
		break;
	default:
		break;
	}
	/* Ties, and SORT_ID: maps, then reduces, by id. */
	if (c == 0)
		c = a->reduce != b->reduce ? a->reduce - b->reduce :
		    (a->id > b->id) - (a->id < b->id);
	return c;
}

static int
webdata_sort_key(const char *s)
{
	static const char *const names[] = {
		"id", "name", "state", "attempts", "time", "worker"
	};

	for (size_t i = 0; s != NULL && i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return SORT_ID;
}

/* Whether task t is in the page's selection. */
static int
webdata_match(const struct webtask *t, const struct webdata_page *pg)
{
	const char *s = pg->state, *k = pg->kind;

	if (k != NULL && ((strcmp(k, "map") == 0 && t->reduce) ||
	    (strcmp(k, "reduce") == 0 && !t->reduce)))
		return 0;
	if (s != NULL && strcmp(s, "all") != 0) {
		if (strcmp(s, "again") == 0 ? t->attempts < 2 :
		    strcmp(s, "waiting") == 0 ? t->state != 0 :
		    strcmp(s, "running") == 0 ? t->state != 1 :
		    strcmp(s, "done") == 0 ? t->state != 2 : 0)
			return 0;
	}
	return pg->text == NULL || *pg->text == '\0' ||
	    strstr(t->name, pg->text) != NULL;
}

/* The status with its tasks cut to the page (under the lock). */
static json_t *
webdata_paged(struct webdata *wd, const struct webdata_page *pg)
{
	json_t *o = json_object(), *tasks = json_array(), *info = json_object();
	const char *key;
	json_t *v;
	size_t matched = 0, limit = pg->limit;
	int by = webdata_sort_key(pg->sort);

	webdata_oom(o);
	webdata_oom(tasks);
	webdata_oom(info);
	if (limit > WEBDATA_PAGE_MAX)
		limit = WEBDATA_PAGE_MAX;
	if (wd->sorted_by != by || wd->sorted_desc != pg->desc) {
		qsort_r(wd->tasks, wd->ntasks, sizeof *wd->tasks, webdata_cmp,
		    &by);
		if (pg->desc)
			for (size_t i = 0, j = wd->ntasks; i + 1 < j; i++, j--) {
				struct webtask t = wd->tasks[i];

				wd->tasks[i] = wd->tasks[j - 1];
				wd->tasks[j - 1] = t;
			}
		wd->sorted_by = by;
		wd->sorted_desc = pg->desc;
	}
	for (size_t i = 0; i < wd->ntasks; i++) {
		if (!webdata_match(&wd->tasks[i], pg))
			continue;
		if (matched >= pg->offset && matched - pg->offset < limit &&
		    json_array_append(tasks, wd->tasks[i].obj) == -1)
			fatal("out of memory");
		matched++;
	}
	/* The document's own keys, in its order, with the page for "tasks". */
	json_object_foreach(wd->status, key, v) {
		if (strcmp(key, "tasks") == 0)
			webdata_set(o, key, json_incref(tasks));
		else if (json_object_set(o, key, v) == -1)
			fatal("out of memory");
	}
	json_decref(tasks);
	webdata_set(info, "offset", json_integer((json_int_t)pg->offset));
	webdata_set(info, "limit", json_integer((json_int_t)limit));
	webdata_set(info, "matched", json_integer((json_int_t)matched));
	webdata_set(info, "total", json_integer((json_int_t)wd->ntasks));
	webdata_set(o, "tasks_page", info);
	return o;
}

char *
webdata_status_json(struct webdata *wd, const struct webdata_page *page)
{
	char *text = NULL;
	json_t *o;

	pthread_mutex_lock(&wd->lock);
	if (wd->status == NULL)
		goto out;
	if (page == NULL)
		text = json_dumps(wd->status, STATUSVIEW_JSON_FLAGS);
	else {
		o = webdata_paged(wd, page);
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	webdata_oom(text);
out:
	pthread_mutex_unlock(&wd->lock);
	return text;
}

char *
webdata_history_json(struct webdata *wd, uint64_t since)
{
	json_t *o = json_object(), *att = json_array(), *wk = json_array();
	char *text;

	webdata_oom(o);
	webdata_oom(att);
	webdata_oom(wk);
	pthread_mutex_lock(&wd->lock);
	/* A page of an earlier run of mrctl web asks for everything. */
	if (since > wd->seq)
		since = 0;
	for (size_t i = 0; i < wd->natt; i++)
		if (wd->att[i] != NULL && wd->att_seq[i] > since &&
		    json_array_append(att, wd->att[i]) == -1)
			fatal("out of memory");
	for (size_t i = 0; i < wd->nwk; i++)
		if (wd->wk[i] != NULL && json_array_append(wk, wd->wk[i]) == -1)
			fatal("out of memory");
	webdata_set(o, "seq", json_integer((json_int_t)wd->seq));
	webdata_set(o, "live", json_boolean(wd->live));
	webdata_set(o, "source", jsontext_new(wd->source));
	webdata_set(o, "elapsed", json_real(wd->elapsed));
	webdata_set(o, "outcome", wd->outcome != NULL ?
	    jsontext_new(wd->outcome) : json_null());
	webdata_set(o, "failure", wd->failure != NULL ?
	    jsontext_new(wd->failure) : json_null());
	webdata_set(o, "problem", wd->problem != NULL ?
	    jsontext_new(wd->problem) : json_null());
	webdata_set(o, "attempts", att);
	webdata_set(o, "workers", wk);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	pthread_mutex_unlock(&wd->lock);
	webdata_oom(text);
	return text;
}
