/*
 * check_webdata - what mrctl web serves (tools/webdata.h, webreport.h):
 * pages of the task list filtered, sorted both ways and cut; the whole
 * status document unchanged; history records by change number; the end
 * closing running attempts as a report does; a report turned into the
 * same documents, and files that are not reports refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../tools/webdata.h"
#include "../tools/webreport.h"

/* A status of n map tasks: every third done, every fifth running. */
static json_t *
status(int n)
{
	json_t *st = json_object(), *tasks = json_array();
	char name[64];

	json_object_set_new(st, "job", json_pack("{s:s, s:i}", "phase", "map",
	    "done", n / 3));
	json_object_set_new(st, "workers", json_array());
	for (int i = 0; i < n; i++) {
		const char *state = i % 3 == 0 ? "done" : i % 5 == 0 ?
		    "running" : "waiting";

		snprintf(name, sizeof name, "in-%05d.txt", (i * 7919) % n);
		json_array_append_new(tasks, json_pack("{s:s, s:i, s:s, s:s, "
		    "s:i, s:i}", "kind", "map", "id", i, "name", name, "state",
		    state, "attempts", 1 + (i % 4 == 0), "worker", i % 7));
	}
	json_object_set_new(st, "tasks", tasks);
	json_object_set_new(st, "counters", json_object());
	return st;
}

/* A page as parsed JSON. */
static json_t *
page(struct webdata *wd, const char *state, const char *sort, int desc,
    size_t offset, size_t limit)
{
	struct webdata_page pg = { state, "all", sort, desc, NULL, offset,
	    limit };
	char *text = webdata_status_json(wd, &pg);
	json_t *o;

	ck_assert_ptr_nonnull(text);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(o);
	return o;
}

static json_int_t
pint(json_t *o, const char *path1, const char *path2)
{
	return json_integer_value(json_object_get(json_object_get(o, path1),
	    path2));
}

START_TEST(test_pages)
{
	struct webdata *wd = webdata_new("test", 1);
	json_t *o, *t;
	char *whole;
	int matched;

	ck_assert_ptr_null(webdata_status_json(wd, NULL));
	webdata_set_status(wd, status(100000));
	/* The whole document, as mrctl status --json has it. */
	whole = webdata_status_json(wd, NULL);
	o = json_loads(whole, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 100000);
	ck_assert_ptr_null(json_object_get(o, "tasks_page"));
	json_decref(o);
	free(whole);

	o = page(wd, "all", "id", 0, 50, 50);
	t = json_object_get(o, "tasks");
	ck_assert_uint_eq(json_array_size(t), 50);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(t,
	    0), "id")), 50);
	ck_assert_int_eq(pint(o, "tasks_page", "matched"), 100000);
	ck_assert_int_eq(pint(o, "tasks_page", "total"), 100000);
	ck_assert_int_eq(pint(o, "job", "done"), 33333);	/* as given */
	json_decref(o);

	/* Filtered: done ones only, counted exactly. */
	o = page(wd, "done", "id", 1, 0, 10);
	ck_assert_int_eq(pint(o, "tasks_page", "matched"), 33334);
	t = json_object_get(o, "tasks");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(t,
	    0), "id")), 99999);
	for (size_t i = 0; i < json_array_size(t); i++)
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(t, i), "state")), "done");
	json_decref(o);

	o = page(wd, "again", "id", 0, 0, 10);
	ck_assert_int_eq(pint(o, "tasks_page", "matched"), 25000);
	json_decref(o);

	/* By name, both ways; then the last page, short. */
	o = page(wd, "all", "name", 0, 0, 2);
	t = json_object_get(o, "tasks");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t,
	    0), "name")), "in-00000.txt");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t,
	    1), "name")), "in-00001.txt");
	json_decref(o);
	o = page(wd, "all", "name", 1, 0, 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "tasks"), 0), "name")), "in-99999.txt");
	json_decref(o);
	o = page(wd, "all", "attempts", 1, 99990, 50);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 10);
	json_decref(o);

	/* A page is at most WEBDATA_PAGE_MAX; past the end, empty. */
	o = page(wd, "all", "bogus", 0, 0, 1000000);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")),
	    WEBDATA_PAGE_MAX);
	ck_assert_int_eq(pint(o, "tasks_page", "limit"), WEBDATA_PAGE_MAX);
	json_decref(o);
	o = page(wd, "running", "time", 0, 200000, 10);
	matched = (int)pint(o, "tasks_page", "matched");
	ck_assert_int_gt(matched, 0);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 0);
	json_decref(o);
	webdata_free(wd);
}
END_TEST

START_TEST(test_history)
{
	struct webdata *wd = webdata_new("sock", 1);
	Mr__History h = MR__HISTORY__INIT;
	Mr__AttemptRecord a1 = MR__ATTEMPT_RECORD__INIT, a2 = a1, bad = a1;
	Mr__AttemptRecord *att[3] = { &a1, &a2, &bad };
	Mr__WorkerRecord w = MR__WORKER_RECORD__INIT, *wk[1] = { &w };
	json_t *o;
	char *text;

	a1.index = 1;
	a1.attempt = 1;
	a1.outcome = MR__ATTEMPT_OUTCOME__ATTEMPT_DONE;
	a1.end = 2;
	a2.index = 2;
	a2.attempt = 2;
	a2.timed_out = 1.5;
	a2.outcome = MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING;
	bad.index = 0;		/* not a place: ignored */
	w.id = 1;
	w.pid = 42;
	w.host = (char *)"node-a";
	h.attempts = att;
	h.n_attempts = 3;
	h.workers = wk;
	h.n_workers = 1;
	h.elapsed = 3;
	webdata_apply_history(wd, &h);
	h.n_attempts = 1;	/* attempt 1 again */
	h.elapsed = 4;
	webdata_apply_history(wd, &h);

	text = webdata_history_json(wd, 1);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "attempts")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "workers"), 0), "host")), "node-a");
	ck_assert(json_is_null(json_object_get(o, "outcome")));
	json_decref(o);

	/* The end: attempt 2, past its deadline, ends as a timeout. */
	ck_assert(!webdata_ended(wd));
	webdata_set_ended(wd, "interrupted", NULL);
	ck_assert(webdata_ended(wd));
	text = webdata_history_json(wd, 2);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "attempts")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "attempts"), 0), "outcome")), "timeout");
	ck_assert_double_eq(json_real_value(json_object_get(json_array_get(
	    json_object_get(o, "attempts"), 0), "end")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "workers"), 0), "left")), "job over");
	ck_assert_str_eq(json_string_value(json_object_get(o, "outcome")),
	    "interrupted");
	json_decref(o);
	/* A page of an earlier mrctl web asks beyond: it gets everything. */
	text = webdata_history_json(wd, 1000);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "attempts")), 2);
	json_decref(o);
	webdata_free(wd);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_report)
{
	char dir[] = "/tmp/check_webdata.XXXXXX", path[64];
	struct webdata *wd;
	struct err e;
	json_t *o;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/r.json", dir);
	write_file(path, "{\"format\": 1, \"job\": {\"map_tasks\": 2, "
	    "\"reduce_tasks\": 1, \"wall_seconds\": 2.5, \"outcome\": \"failed\", "
	    "\"failure\": \"map task 1 failed 4 times\", \"input_bytes\": 10, "
	    "\"counters\": {\"words\": 5}}, \"workers\": [{\"id\": 1, \"pid\": 7, "
	    "\"connected\": 0, \"disconnected\": 2.5, \"left\": \"job over\"}], "
	    "\"attempts\": [{\"attempt\": 1, \"kind\": \"map\", \"task\": 0, "
	    "\"name\": \"a.txt\", \"worker\": 1, \"start\": 0.1, \"end\": 0.2, "
	    "\"outcome\": \"done\", \"bytes_read\": 4}, {\"attempt\": 2, "
	    "\"kind\": \"map\", \"task\": 1, \"name\": \"<b>.txt\", \"worker\": 1, "
	    "\"start\": 0.2, \"end\": 0.3, \"outcome\": \"failed\", \"error\": "
	    "\"bad\"}, {\"attempt\": 3, \"kind\": \"map\", \"task\": 9, "
	    "\"name\": \"x\", \"worker\": 1, \"start\": 0, \"end\": 0, "
	    "\"outcome\": \"done\"}]}");
	wd = webdata_new(path, 0);
	ck_assert_int_eq(webreport_load(wd, path, &e), 0);
	ck_assert(webdata_ended(wd));
	text = webdata_status_json(wd, NULL);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_int_eq(pint(o, "job", "done"), 1);
	ck_assert_int_eq(pint(o, "job", "waiting"), 2);
	ck_assert_int_eq(pint(o, "job", "input_bytes_done"), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o,
	    "job"), "phase")), "failed");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o,
	    "job"), "failure")), "map task 1 failed 4 times");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "tasks"), 1), "name")), "<b>.txt");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "tasks"), 2), "name")), "partition 0 -> mr-out-0");
	ck_assert_int_eq(pint(o, "counters", "words"), 5);
	json_decref(o);
	text = webdata_history_json(wd, 0);
	o = json_loads(text, 0, NULL);
	free(text);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "attempts")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(o, "attempts"), 2), "index")), 3);
	json_decref(o);
	webdata_free(wd);

	/* Not JSON, not a report, no file: refused, naming the file. */
	write_file(path, "{\"format\": 1,");
	wd = webdata_new(path, 0);
	ck_assert_int_eq(webreport_load(wd, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not valid JSON"));
	write_file(path, "{\"format\": 1, \"job\": {}, \"workers\": [], "
	    "\"attempts\": []}");
	ck_assert_int_eq(webreport_load(wd, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "r.json: not a job report"));
	unlink(path);
	ck_assert_int_eq(webreport_load(wd, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "r.json"));
	webdata_free(wd);
	rmdir(dir);
}
END_TEST

static Suite *
webdata_suite(void)
{
	Suite *s = suite_create("webdata");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pages);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_report);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(webdata_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
