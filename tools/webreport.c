/*
 * webreport.c - a --report file turned into what mrctl web serves (see
 * webreport.h). The status it makes has the keys of `mrctl status
 * --json`, so that the page reads a live job and a report alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "webreport.h"

/* What one task's attempts say of it. */
struct webreport_task {
	json_t		*first;		/* its first attempt, for its name */
	json_int_t	 attempts;
	json_int_t	 worker;	/* of the accepted one */
	int		 done;
};

static void
webreport_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		fatal("out of memory");
}

/* Whether the fields the page uses are there, as scripts/timeline checks. */
static int
webreport_valid(json_t *r)
{
	json_t *job = json_object_get(r, "job"), *v;
	size_t i;

	if (!json_is_number(json_object_get(r, "format")) ||
	    !json_is_object(job) ||
	    !json_is_number(json_object_get(job, "wall_seconds")) ||
	    !json_is_string(json_object_get(job, "outcome")) ||
	    !json_is_integer(json_object_get(job, "map_tasks")) ||
	    !json_is_integer(json_object_get(job, "reduce_tasks")) ||
	    !json_is_array(json_object_get(r, "workers")) ||
	    !json_is_array(json_object_get(r, "attempts")))
		return 0;
	json_array_foreach(json_object_get(r, "workers"), i, v)
		if (!json_is_integer(json_object_get(v, "id")) ||
		    !json_is_integer(json_object_get(v, "pid")))
			return 0;
	json_array_foreach(json_object_get(r, "attempts"), i, v) {
		const char *k = json_string_value(json_object_get(v, "kind"));

		if (!json_is_integer(json_object_get(v, "worker")) ||
		    !json_is_number(json_object_get(v, "start")) ||
		    !json_is_number(json_object_get(v, "end")) ||
		    !json_is_integer(json_object_get(v, "task")) ||
		    !json_is_string(json_object_get(v, "outcome")) ||
		    k == NULL || (strcmp(k, "map") != 0 &&
		    strcmp(k, "reduce") != 0))
			return 0;
	}
	return 1;
}

/* The task objects of the status, from the attempts. */
static json_t *
webreport_tasks(json_t *r, json_int_t nmap, json_int_t nreduce,
    json_int_t *done)
{
	struct webreport_task *t;
	json_t *tasks = json_array(), *v;
	size_t i, n = (size_t)(nmap + nreduce);
	char name[64];

	if (tasks == NULL)
		fatal("out of memory");
	t = xcalloc(n != 0 ? n : 1, sizeof *t);
	*done = 0;
	json_array_foreach(json_object_get(r, "attempts"), i, v) {
		json_int_t id = json_integer_value(json_object_get(v, "task"));
		const char *o = json_string_value(json_object_get(v, "outcome"));
		int reduce = strcmp(json_string_value(json_object_get(v,
		    "kind")), "reduce") == 0;
		size_t k;

		if (id < 0 || id >= (reduce ? nreduce : nmap))
			continue;	/* not a task of this job */
		k = (size_t)(reduce ? nmap + id : id);
		if (t[k].first == NULL)
			t[k].first = v;
		t[k].attempts++;
		if (strcmp(o, "done") == 0 || strcmp(o, "backup-won") == 0) {
			t[k].done = 1;
			t[k].worker = json_integer_value(json_object_get(v,
			    "worker"));
		}
	}
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		int reduce = i >= (size_t)nmap;
		json_int_t id = reduce ? (json_int_t)i - nmap : (json_int_t)i;
		json_t *in = t[i].first != NULL ?
		    json_object_get(t[i].first, "inputs") : NULL;

		if (o == NULL)
			fatal("out of memory");
		if (reduce)
			snprintf(name, sizeof name, "partition %lld -> mr-out-%lld",
			    (long long)id, (long long)id);
		else
			snprintf(name, sizeof name, "map task %lld",
			    (long long)id);
		webreport_set(o, "kind", json_string(reduce ? "reduce" : "map"));
		webreport_set(o, "id", json_integer(id));
		webreport_set(o, "name", !reduce && t[i].first != NULL &&
		    json_is_string(json_object_get(t[i].first, "name")) ?
		    json_copy(json_object_get(t[i].first, "name")) :
		    json_string(name));
		webreport_set(o, "state", json_string(t[i].done ? "done" :
		    "waiting"));
		webreport_set(o, "worker", t[i].done ?
		    json_integer(t[i].worker) : json_null());
		webreport_set(o, "pid", json_null());
		webreport_set(o, "time", json_null());
		webreport_set(o, "attempts", json_integer(t[i].attempts));
		if (!reduce && json_array_size(in) > 1)
			webreport_set(o, "inputs", json_deep_copy(in));
		if (json_array_append_new(tasks, o) == -1)
			fatal("out of memory");
		*done += t[i].done;
	}
	free(t);
	return tasks;
}

/* The "job" object of `mrctl status --json`, for a job that is over. */
static json_t *
webreport_job(json_t *r, const char *path, json_int_t done)
{
	json_t *rj = json_object_get(r, "job"), *job = json_object(), *v;
	const char *outcome = json_string_value(json_object_get(rj, "outcome"));
	json_int_t nmap = json_integer_value(json_object_get(rj, "map_tasks"));
	json_int_t nred = json_integer_value(json_object_get(rj,
	    "reduce_tasks"));
	double wall = json_number_value(json_object_get(rj, "wall_seconds"));
	double in = 0, in_done = 0;
	size_t i;

	if (job == NULL)
		fatal("out of memory");
	in = json_number_value(json_object_get(rj, "input_bytes"));
	json_array_foreach(json_object_get(r, "attempts"), i, v) {
		const char *o = json_string_value(json_object_get(v, "outcome"));

		if (strcmp(json_string_value(json_object_get(v, "kind")),
		    "map") == 0 && (strcmp(o, "done") == 0 ||
		    strcmp(o, "backup-won") == 0))
			in_done += json_number_value(json_object_get(v,
			    "bytes_read"));
	}
	webreport_set(job, "job_dir", json_string(""));
	webreport_set(job, "socket", json_string(""));
	webreport_set(job, "pid", json_integer(0));
	webreport_set(job, "phase", json_string(strcmp(outcome, "done") == 0 ?
	    "done" : "failed"));
	webreport_set(job, "elapsed", json_real(wall));
	webreport_set(job, "eta", json_null());
	webreport_set(job, "map_tasks", json_integer(nmap));
	webreport_set(job, "reduce_tasks", json_integer(nred));
	webreport_set(job, "done", json_integer(done));
	webreport_set(job, "running", json_integer(0));
	webreport_set(job, "waiting", json_integer(nmap + nred - done));
	v = json_object_get(rj, "run_again");
	webreport_set(job, "run_again", json_is_object(v) ? json_deep_copy(v) :
	    json_object());
	webreport_set(job, "input_bytes", json_integer((json_int_t)in));
	webreport_set(job, "input_bytes_done", json_integer((json_int_t)in_done));
	webreport_set(job, "mb_per_s", json_real(wall > 0 ?
	    in_done / 1e6 / wall : 0));
	v = json_object_get(rj, "backups");
	webreport_set(job, "backups", json_is_object(v) ? json_deep_copy(v) :
	    json_object());
	webreport_set(job, "tasks_kept", json_integer(json_integer_value(
	    json_object_get(rj, "tasks_kept"))));
	webreport_set(job, "outcome", json_string(outcome));
	if (json_is_string(json_object_get(rj, "failure")))
		webreport_set(job, "failure",
		    json_copy(json_object_get(rj, "failure")));
	webreport_set(job, "report", json_string(path));
	if (json_is_string(json_object_get(rj, "start")))
		webreport_set(job, "start", json_copy(json_object_get(rj,
		    "start")));
	return job;
}

int
webreport_load(struct webdata *wd, const char *path, struct err *e)
{
	json_error_t je;
	json_t *r, *st, *rj, *c, *tasks;
	json_int_t done;
	const char *failure;

	r = json_load_file(path, 0, &je);
	if (r == NULL) {
		if (je.line < 0 || je.position == 0)
			err_set(e, "%s: %s", path, je.text);
		else
			err_set(e, "%s: not valid JSON (line %d: %s)", path,
			    je.line, je.text);
		return -1;
	}
	if (!webreport_valid(r)) {
		err_set(e, "%s: not a job report (fields missing or of the "
		    "wrong type)", path);
		json_decref(r);
		return -1;
	}
	rj = json_object_get(r, "job");
	st = json_object();
	if (st == NULL)
		fatal("out of memory");
	tasks = webreport_tasks(r, json_integer_value(json_object_get(rj,
	    "map_tasks")), json_integer_value(json_object_get(rj,
	    "reduce_tasks")), &done);
	/* In the order of mrctl status --json. */
	webreport_set(st, "job", webreport_job(r, path, done));
	webreport_set(st, "workers", json_array());
	webreport_set(st, "tasks", tasks);
	c = json_object_get(rj, "counters");
	webreport_set(st, "counters", json_is_object(c) ? json_deep_copy(c) :
	    json_object());
	webreport_set(st, "tasks_omitted", json_false());
	webdata_set_status(wd, st);
	webdata_add_records(wd, json_object_get(r, "attempts"),
	    json_object_get(r, "workers"));
	failure = json_string_value(json_object_get(rj, "failure"));
	webdata_set_ended(wd, json_string_value(json_object_get(rj,
	    "outcome")), failure);
	json_decref(r);
	return 0;
}
