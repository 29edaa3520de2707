/*
 * check_status - the coordinator's Status (coordinator/status.h) built from
 * a real task state machine: readable task names, states, the workers'
 * pids and current tasks, attempts, the job's counts, and leaving out the
 * task list.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "../coordinator/status.h"

/* big.txt cut into three splits of 16 MiB (the last one shorter), small.txt whole. */
static const struct tasks_input inputs[] = {
	{ "big.txt", 0, 16777216, NULL },
	{ "big.txt", 16777216, 16777216, NULL },
	{ "big.txt", 33554432, 16777216, NULL },
	{ "small.txt", 0, 0, NULL },
};
static const uint64_t bytes[] = { 16777216, 16777216, 5000000, 1234 };

static struct tasks *
job(void)
{
	struct tasks *t = tasks_new_splits(inputs, 4, 2, 10, 4);

	for (uint32_t i = 0; i < 4; i++)
		tasks_set_input_bytes(t, i, bytes[i]);
	return t;
}

START_TEST(test_names)
{
	struct tasks_view v[6];
	struct tasks *t = job();
	char b[128];

	tasks_views(t, v);
	status_task_name(&v[0], b, sizeof b);
	ck_assert_str_eq(b, "big.txt [0 B, 16.0 MiB)");
	status_task_name(&v[1], b, sizeof b);
	ck_assert_str_eq(b, "big.txt [16.0 MiB, 32.0 MiB)");
	/* The last split ends where the file does, not a split further. */
	status_task_name(&v[2], b, sizeof b);
	ck_assert_str_eq(b, "big.txt [32.0 MiB, 36.8 MiB)");
	status_task_name(&v[3], b, sizeof b);
	ck_assert_str_eq(b, "small.txt");
	status_task_name(&v[5], b, sizeof b);
	ck_assert_str_eq(b, "partition 1 -> mr-out-1");
	/* A split whose size is unknown still says where it starts. */
	v[1].bytes = 0;
	v[1].length = 0;
	status_task_name(&v[1], b, sizeof b);
	ck_assert_str_eq(b, "big.txt [16.0 MiB, end)");
	tasks_free(t);
}
END_TEST

/* A packed map task: "FIRST + N more", and every input in the Status. */
START_TEST(test_packed)
{
	struct stamp big = { 40 * 1048576, 0, 1, 1 };
	struct tasks_input in[4] = {
		{ "a.txt", 0, 0, NULL },
		{ "b.txt", 0, 0, NULL },
		{ "c.txt", 0, 0, NULL },
		{ "big.txt", 16 * 1048576, 0, &big },
	};
	struct tasks_map m[2] = { { in, 3, 30 }, { in + 3, 1, 24 * 1048576 } };
	struct tasks *t = tasks_new_maps(m, 2, 1, 10, 4);
	struct progress_snapshot snap;
	struct status_job sj;
	struct tasks_view v[3];
	Mr__Status *st;
	char b[128];

	tasks_views(t, v);
	status_task_name(&v[0], b, sizeof b);
	ck_assert_str_eq(b, "a.txt + 2 more");
	status_task_name(&v[1], b, sizeof b);
	ck_assert_str_eq(b, "big.txt [16.0 MiB, 40.0 MiB)");
	memset(&snap, 0, sizeof snap);
	memset(&sj, 0, sizeof sj);
	sj.socket = "/tmp/x.sock";
	sj.job_dir = "/home/u/job";
	sj.snap = &snap;
	st = status_build(&sj, t, NULL, 0, 1);
	ck_assert_uint_eq(st->n_tasks, 3);
	ck_assert_uint_eq(st->tasks[0]->n_inputs, 3);
	ck_assert_str_eq(st->tasks[0]->inputs[0], "a.txt");
	ck_assert_str_eq(st->tasks[0]->inputs[2], "c.txt");
	/* One input: its name says it all. */
	ck_assert_uint_eq(st->tasks[1]->n_inputs, 0);
	ck_assert_uint_eq(st->tasks[2]->n_inputs, 0);
	status_free(st);
	tasks_free(t);
}
END_TEST

START_TEST(test_views)
{
	struct tasks_view v[6];
	struct tasks_counts c;
	struct tasks *t = job();
	struct lease l;
	uint64_t total, done;

	ck_assert_int_eq(tasks_lease(t, 7, 100, &l), 1);	/* map 0 */
	ck_assert_int_eq(tasks_lease(t, 8, 101, &l), 1);	/* map 1 */
	ck_assert_int_eq(tasks_report_done(t, 8, l.attempt, 102),
	    VERDICT_ACCEPTED);
	tasks_lost(t, 1, 103);				/* map 0 again */
	ck_assert_int_eq(tasks_lease(t, 8, 104, &l), 1);	/* map 2 */
	tasks_views(t, v);
	ck_assert_int_eq(v[0].state, TASKS_WAITING);
	ck_assert_uint_eq(v[0].attempts, 1);
	ck_assert_uint_eq(v[0].worker, 0);
	ck_assert_int_eq(v[1].state, TASKS_DONE);
	ck_assert_uint_eq(v[1].worker, 8);
	ck_assert_int_eq(v[2].state, TASKS_RUNNING);
	ck_assert_uint_eq(v[2].worker, 8);
	ck_assert_double_eq(v[2].start, 104);
	ck_assert_uint_eq(v[2].attempts, 1);
	ck_assert_int_eq(v[4].kind, TASK_REDUCE);
	ck_assert_uint_eq(v[4].attempts, 0);
	tasks_input_bytes(t, &total, &done);
	ck_assert_uint_eq(total, 16777216 * 2 + 5000000 + 1234);
	ck_assert_uint_eq(done, 16777216);
	tasks_count_kind(t, TASK_MAP, &c);
	ck_assert_uint_eq(c.done, 1);
	ck_assert_uint_eq(c.running, 1);
	ck_assert_uint_eq(c.idle, 2);
	ck_assert_uint_eq(c.lost, 1);
	tasks_count_kind(t, TASK_REDUCE, &c);
	ck_assert_uint_eq(c.idle, 2);
	ck_assert_uint_eq(c.done + c.running, 0);
	tasks_free(t);
}
END_TEST

START_TEST(test_build)
{
	struct tasks *t = job();
	struct progress_snapshot snap;
	struct status_worker w[2];
	struct status_job sj;
	struct lease l;
	Mr__Status *st;

	ck_assert_int_eq(tasks_lease(t, 1, 10, &l), 1);	/* map 0 */
	ck_assert_int_eq(tasks_report_done(t, 1, l.attempt, 11),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_lease(t, 2, 12, &l), 1);	/* map 1 */
	memset(&snap, 0, sizeof snap);
	snap.phase = PHASE_MAP;
	snap.elapsed = 20;
	snap.bytes = 100;
	snap.bytes_done = 40;
	memset(&sj, 0, sizeof sj);
	sj.socket = "/tmp/x.sock";
	sj.job_dir = "/home/u/job";
	sj.pid = 4321;
	sj.snap = &snap;
	memset(w, 0, sizeof w);
	w[0].id = 1;
	w[0].pid = 1001;
	w[0].state = MR__WORKER_STATE__WORKER_WAITING;
	w[0].tasks_done = 1;
	w[0].joined = 5;
	w[1].id = 2;
	w[1].pid = 1002;
	w[1].state = MR__WORKER_STATE__WORKER_WORKING;
	w[1].joined = 6;
	w[1].busy = 1;
	w[1].kind = TASK_MAP;
	w[1].task = 1;

	st = status_build(&sj, t, w, 2, 15.5);
	ck_assert_uint_eq(st->version, MR_PROTOCOL_VERSION);
	ck_assert_int_eq(st->phase, MR__JOB_PHASE__PHASE_MAP);
	ck_assert_str_eq(st->socket, "/tmp/x.sock");
	ck_assert_str_eq(st->job_dir, "/home/u/job");
	ck_assert_int_eq(st->pid, 4321);
	ck_assert_uint_eq(st->n_map, 4);
	ck_assert_uint_eq(st->n_reduce, 2);
	ck_assert_uint_eq(st->done, 1);
	ck_assert_uint_eq(st->running, 1);
	ck_assert_uint_eq(st->waiting, 4);
	ck_assert_double_eq_tol(st->mb_per_s, 40 / 1e6 / 20, 1e-12);
	ck_assert_uint_eq(st->n_tasks, 6);
	ck_assert_str_eq(st->tasks[0]->name, "big.txt [0 B, 16.0 MiB)");
	ck_assert_int_eq(st->tasks[0]->state, MR__TASK_STATE__TASK_DONE);
	ck_assert_uint_eq(st->tasks[0]->worker, 1);
	ck_assert_int_eq(st->tasks[0]->pid, 1001);
	ck_assert_int_eq(st->tasks[1]->state, MR__TASK_STATE__TASK_RUNNING);
	ck_assert_int_eq(st->tasks[1]->pid, 1002);
	ck_assert_double_eq_tol(st->tasks[1]->seconds, 3.5, 1e-9);
	ck_assert_uint_eq(st->tasks[1]->attempts, 1);
	ck_assert_int_eq(st->tasks[5]->kind, MR__TASK_KIND__KIND_REDUCE);
	ck_assert_str_eq(st->tasks[5]->name, "partition 1 -> mr-out-1");
	ck_assert_uint_eq(st->n_workers, 2);
	ck_assert_str_eq(st->workers[0]->task, "");
	ck_assert_double_eq_tol(st->workers[0]->connected, 10.5, 1e-9);
	ck_assert_str_eq(st->workers[1]->task, "big.txt [16.0 MiB, 32.0 MiB)");
	ck_assert_uint_eq(st->workers[1]->task_id, 1);
	ck_assert_uint_eq(st->n_counters, 0);

	status_omit_tasks(st);
	ck_assert_uint_eq(st->n_tasks, 0);
	ck_assert(st->tasks_omitted);
	status_free(st);
	status_free(NULL);
	tasks_free(t);
}
END_TEST

/*
 * A worker that left: its done task keeps its id, with no pid. The counters
 * are those of accepted attempts only.
 */
START_TEST(test_gone_worker)
{
	struct tasks *t = job();
	struct progress_snapshot snap;
	struct status_job sj;
	struct tasks_counter c[2] = { { "lines", 42 }, { "bad", 1 } };
	struct lease l, l2;
	Mr__Status *st;

	ck_assert_int_eq(tasks_lease(t, 9, 10, &l), 1);
	ck_assert_int_eq(tasks_lease(t, 8, 10, &l2), 1);
	ck_assert_int_eq(tasks_report_done_counters(t, 9, l.attempt, c, 1,
	    11), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done_counters(t, 8, l2.attempt, c, 2,
	    11), VERDICT_ACCEPTED);
	memset(&snap, 0, sizeof snap);
	memset(&sj, 0, sizeof sj);
	sj.socket = sj.job_dir = "";
	sj.snap = &snap;
	st = status_build(&sj, t, NULL, 0, 12);
	ck_assert_uint_eq(st->tasks[0]->worker, 9);
	ck_assert_int_eq(st->tasks[0]->pid, 0);
	ck_assert_uint_eq(st->n_counters, 2);
	ck_assert_str_eq(st->counters[0]->name, "bad");
	ck_assert_int_eq(st->counters[0]->value, 1);
	ck_assert_str_eq(st->counters[1]->name, "lines");
	ck_assert_int_eq(st->counters[1]->value, 84);
	status_free(st);
	tasks_free(t);
}
END_TEST

static Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_views);
	tcase_add_test(tc, test_packed);
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_gone_worker);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(status_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
