/*
 * check_statusview - mrctl's rendering of a Status (tools/statusview.h):
 * the JSON read back with jansson, the text's header, tables, and the
 * short task list of a large job against --all; a task's status line,
 * escaped in text, null in JSON without one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../tools/statusview.h"

#define NTASKS 30

static Mr__TaskStatus tasks[NTASKS], *taskp[NTASKS];
static Mr__WorkerStatus worker, *workerp = &worker;
static Mr__Counter counter, *counterp = &counter;
static char names[NTASKS][32];

/*
 * 30 map tasks: 0-9 done (task 3 on its second attempt), 10 running on
 * worker 2 (pid 777), the others waiting; one worker, one counter.
 */
static Mr__Status
sample(void)
{
	Mr__Status st = MR__STATUS__INIT;

	st.version = 1;
	st.phase = MR__JOB_PHASE__PHASE_MAP;
	st.elapsed = 12.25;
	st.socket = "/tmp/mrrun-x/mr.sock";
	st.job_dir = "/home/u/job";
	st.pid = 4242;
	st.n_map = NTASKS;
	st.done = 10;
	st.running = 1;
	st.waiting = 19;
	st.lost = 1;
	st.input_bytes = 3000000;
	st.input_bytes_done = 1000000;
	st.mb_per_s = 1.0 / 12.25;
	st.eta = -1;
	for (int i = 0; i < NTASKS; i++) {
		mr__task_status__init(&tasks[i]);
		snprintf(names[i], sizeof names[i], "in-%02d.txt", i);
		tasks[i].id = i;
		tasks[i].name = names[i];
		tasks[i].state = i < 10 ? MR__TASK_STATE__TASK_DONE :
		    i == 10 ? MR__TASK_STATE__TASK_RUNNING :
		    MR__TASK_STATE__TASK_WAITING;
		tasks[i].worker = i <= 10 ? 2 : 0;
		tasks[i].pid = i <= 10 ? 777 : 0;
		tasks[i].attempts = i == 3 ? 2 : i <= 10 ? 1 : 0;
		taskp[i] = &tasks[i];
	}
	tasks[10].seconds = 1.5;
	st.tasks = taskp;
	st.n_tasks = NTASKS;
	mr__worker_status__init(&worker);
	worker.id = 2;
	worker.pid = 777;
	worker.state = MR__WORKER_STATE__WORKER_WORKING;
	worker.task = names[10];
	worker.task_id = 10;
	worker.tasks_done = 10;
	worker.connected = 11;
	st.workers = &workerp;
	st.n_workers = 1;
	mr__counter__init(&counter);
	counter.name = "lines";
	counter.value = 99;
	st.counters = &counterp;
	st.n_counters = 1;
	return st;
}

/* The text of st, to free(). */
static char *
text(const Mr__Status *st, int all)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	statusview_text(f, st, all);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(test_json)
{
	Mr__Status st = sample();
	json_error_t err;
	json_t *root, *job, *t;
	char *s = statusview_json(&st);

	ck_assert_ptr_nonnull(s);
	root = json_loads(s, 0, &err);
	ck_assert_ptr_nonnull(root);
	job = json_object_get(root, "job");
	ck_assert_str_eq(json_string_value(json_object_get(job, "phase")),
	    "map");
	ck_assert_str_eq(json_string_value(json_object_get(job, "job_dir")),
	    "/home/u/job");
	ck_assert(json_is_null(json_object_get(job, "eta")));
	ck_assert_int_eq(json_integer_value(json_object_get(job, "map_tasks")),
	    NTASKS);
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(job, "run_again"), "lost")), 1);
	ck_assert_double_eq(json_real_value(json_object_get(job, "elapsed")),
	    12.25);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "tasks")),
	    NTASKS);
	t = json_array_get(json_object_get(root, "tasks"), 10);
	ck_assert_str_eq(json_string_value(json_object_get(t, "state")),
	    "running");
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")),
	    "in-10.txt");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "pid")), 777);
	ck_assert_double_eq(json_real_value(json_object_get(t, "time")), 1.5);
	t = json_array_get(json_object_get(root, "tasks"), 20);
	ck_assert(json_is_null(json_object_get(t, "worker")));
	ck_assert(json_is_null(json_object_get(t, "time")));
	t = json_array_get(json_object_get(root, "workers"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "task")),
	    "in-10.txt");
	ck_assert_str_eq(json_string_value(json_object_get(t, "state")),
	    "working");
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(root, "counters"), "lines")), 99);
	ck_assert(json_is_false(json_object_get(root, "tasks_omitted")));
	json_decref(root);
	free(s);
}
END_TEST

/* Names that are not UTF-8 (a Latin-1 file name) still make valid JSON. */
START_TEST(test_json_bytes)
{
	Mr__Status st = sample();
	json_error_t err;
	json_t *root, *t;
	char *s;

	st.job_dir = "/home/u/caf\xe9";
	tasks[10].name = "caf\xe9.txt";
	worker.task = "caf\xe9.txt";
	s = statusview_json(&st);
	ck_assert_ptr_nonnull(s);
	root = json_loads(s, 0, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root,
	    "job"), "job_dir")), "/home/u/caf\xef\xbf\xbd");
	t = json_array_get(json_object_get(root, "tasks"), 10);
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")),
	    "caf\xef\xbf\xbd.txt");
	t = json_array_get(json_object_get(root, "workers"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "task")),
	    "caf\xef\xbf\xbd.txt");
	json_decref(root);
	free(s);
	tasks[10].name = names[10];
	worker.task = names[10];
}
END_TEST

START_TEST(test_text_short)
{
	Mr__Status st = sample();
	char *s = text(&st, 0), *tl;

	ck_assert_ptr_nonnull(strstr(s, "job dir     /home/u/job\n"));
	ck_assert_ptr_nonnull(strstr(s, "phase       map, 12.2 s elapsed, "
	    "ETA --\n"));
	ck_assert_ptr_nonnull(strstr(s, "tasks       30 map, 0 reduce: 10 "
	    "done, 1 running, 19 waiting\n"));
	ck_assert_ptr_nonnull(strstr(s, "run again   1 (0 timed out, 1 lost "
	    "with their worker, 0 failed)\n"));
	ck_assert_ptr_nonnull(strstr(s, "counters    lines=99\n"));
	ck_assert_ptr_nonnull(strstr(s, "map 10: in-10.txt"));	/* worker */
	/* The running task first, then the one run again, then a count. */
	tl = strstr(s, "\ntasks (30)\n");
	ck_assert_ptr_nonnull(tl);
	ck_assert_ptr_nonnull(strstr(tl, "in-10.txt\n"));
	ck_assert_ptr_nonnull(strstr(tl, "in-03.txt\n"));
	ck_assert(strstr(tl, "in-10.txt\n") < strstr(tl, "in-03.txt\n"));
	ck_assert_ptr_null(strstr(s, "in-04.txt"));
	ck_assert_ptr_null(strstr(s, "in-20.txt"));
	ck_assert_ptr_nonnull(strstr(s, "... and 28 more: 9 done, 19 waiting "
	    "(--all lists every task)\n"));
	free(s);
}
END_TEST

START_TEST(test_text_all)
{
	Mr__Status st = sample();
	char *s = text(&st, 1), *tl;

	for (int i = 0; i < NTASKS; i++)
		ck_assert_ptr_nonnull(strstr(s, names[i]));
	ck_assert_ptr_null(strstr(s, "more:"));
	/* In task order. */
	tl = strstr(s, "\ntasks (30)\n");
	ck_assert_ptr_nonnull(tl);
	ck_assert(strstr(tl, "in-03.txt\n") < strstr(tl, "in-10.txt\n"));
	free(s);
	/* Few tasks: all of them without asking. */
	st.n_tasks = 5;
	s = text(&st, 0);
	ck_assert_ptr_nonnull(strstr(s, "in-04.txt"));
	ck_assert_ptr_null(strstr(s, "more:"));
	free(s);
	st.n_tasks = 0;
	st.tasks_omitted = 1;
	s = text(&st, 0);
	ck_assert_ptr_nonnull(strstr(s, "too many to send"));
	free(s);
}
END_TEST

START_TEST(test_status_line)
{
	Mr__Status st = sample();
	json_error_t err;
	json_t *root, *list;
	char *s;

	tasks[10].status = "read 40% of \x1b[2Jit";
	s = text(&st, 1);
	/* Under its task, escaped for the terminal. */
	ck_assert_ptr_nonnull(strstr(s, "in-10.txt\n"));
	ck_assert_ptr_nonnull(strstr(strstr(s, "in-10.txt\n"),
	    "  status: read 40% of \\x1b[2Jit\n"));
	ck_assert_ptr_null(strstr(s, "\x1b"));
	/* Only under the task that has one. */
	ck_assert_ptr_null(strstr(strstr(s, "  status: ") + 1, "  status: "));
	free(s);
	s = statusview_json(&st);
	root = json_loads(s, 0, &err);
	ck_assert_ptr_nonnull(root);
	list = json_object_get(root, "tasks");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list,
	    10), "status")), "read 40% of \x1b[2Jit");
	ck_assert(json_is_null(json_object_get(json_array_get(list, 9),
	    "status")));
	json_decref(root);
	free(s);
	tasks[10].status = NULL;
}
END_TEST

static Suite *
statusview_suite(void)
{
	Suite *s = suite_create("statusview");
	TCase *tc = tcase_create("statusview");

	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_bytes);
	tcase_add_test(tc, test_text_short);
	tcase_add_test(tc, test_text_all);
	tcase_add_test(tc, test_status_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(statusview_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
