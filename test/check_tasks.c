/*
 * check_tasks - the coordinator's task state machine (coordinator/tasks.h)
 * driven with fake times: hand-out order and phases, timeouts and late
 * reports, stale and invalid reports, lost workers, map outputs sent back
 * by a failing reduce, the failure limit, counters and edge-sized jobs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/tasks.h"

static char *inputs3[] = { "pg-a.txt", "pg-b.txt", "pg-c.txt" };

/* Leases and checks that a task was handed out; returns its attempt. */
static uint64_t
lease_ok(struct tasks *t, uint32_t worker, double now, enum task_kind kind,
    uint32_t id)
{
	struct lease l;

	memset(&l, 0xa5, sizeof l);
	ck_assert_int_eq(tasks_lease(t, worker, now, &l), 1);
	ck_assert_int_eq(l.kind, kind);
	ck_assert_uint_eq(l.id, id);
	ck_assert_uint_eq(l.nmap, tasks_nmap(t));
	ck_assert_uint_eq(l.nreduce, tasks_nreduce(t));
	ck_assert_uint_ne(l.attempt, 0);
	return l.attempt;
}

static int
lease_rc(struct tasks *t, uint32_t worker, double now)
{
	struct lease l;

	return tasks_lease(t, worker, now, &l);
}

static void
expect_counts(struct tasks *t, uint32_t idle, uint32_t running, uint32_t done)
{
	struct tasks_counts c;

	memset(&c, 0xa5, sizeof c);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.idle, idle);
	ck_assert_uint_eq(c.running, running);
	ck_assert_uint_eq(c.done, done);
}

/* Runs every map of a fresh job to completion (attempts 1..nmap). */
static void
finish_maps(struct tasks *t, double now)
{
	uint32_t n = tasks_nmap(t);

	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(lease_ok(t, 100 + i, now, TASK_MAP, i), i + 1);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(tasks_report_done(t, 100 + i, i + 1, now),
		    VERDICT_ACCEPTED);
}

START_TEST(test_map_then_reduce)
{
	char names[3][16] = { "first", "second", "third" };
	char *in[3] = { names[0], names[1], names[2] };
	struct tasks *t = tasks_new(in, 3, 2, 10, 3);
	struct lease l;

	/* Names are copied. */
	strcpy(names[0], "XXXXX");
	ck_assert_uint_eq(tasks_nmap(t), 3);
	ck_assert_uint_eq(tasks_nreduce(t), 2);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_int_eq(tasks_lease(t, 1, 0, &l), 1);
	ck_assert_uint_eq(l.attempt, 1);
	ck_assert_int_eq(l.kind, TASK_MAP);
	ck_assert_uint_eq(l.id, 0);
	ck_assert_str_eq(l.input, "first");
	ck_assert_uint_eq(l.nmap, 3);
	ck_assert_uint_eq(l.nreduce, 2);
	ck_assert_int_eq(tasks_lease(t, 2, 0, &l), 1);
	ck_assert_uint_eq(l.attempt, 2);
	ck_assert_uint_eq(l.id, 1);
	ck_assert_str_eq(l.input, "second");
	ck_assert_int_eq(tasks_lease(t, 3, 1, &l), 1);
	ck_assert_uint_eq(l.attempt, 3);
	ck_assert_uint_eq(l.id, 2);
	ck_assert_str_eq(l.input, "third");
	/* Every map is running: wait, even though reduces are idle. */
	ck_assert_int_eq(lease_rc(t, 4, 1), 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 2), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 2), VERDICT_ACCEPTED);
	ck_assert_int_eq(lease_rc(t, 4, 2), 0);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	expect_counts(t, 2, 1, 2);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 3), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_int_eq(tasks_lease(t, 4, 3, &l), 1);
	ck_assert_uint_eq(l.attempt, 4);
	ck_assert_int_eq(l.kind, TASK_REDUCE);
	ck_assert_uint_eq(l.id, 0);
	ck_assert_uint_eq(l.nmap, 3);
	ck_assert_uint_eq(l.nreduce, 2);
	ck_assert_uint_eq(lease_ok(t, 1, 3, TASK_REDUCE, 1), 5);
	ck_assert_int_eq(lease_rc(t, 2, 3), 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 5, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	ck_assert_int_eq(lease_rc(t, 2, 5), -1);
	expect_counts(t, 0, 0, 5);
	tasks_free(t);
}
END_TEST

START_TEST(test_timeout_requeue)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counts c;

	ck_assert(tasks_expire(t, 0) == 0);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);	/* deadline 10 */
	ck_assert_uint_eq(lease_ok(t, 2, 4, TASK_MAP, 1), 2);	/* deadline 14 */
	ck_assert(tasks_expire(t, 5) == 10);
	ck_assert(tasks_expire(t, 9.5) == 10);
	ck_assert_int_eq(lease_rc(t, 3, 9.5), 0);
	/* At the deadline, map 0 goes to another worker. */
	ck_assert(tasks_expire(t, 10) == 14);
	expect_counts(t, 2, 1, 0);
	ck_assert_uint_eq(lease_ok(t, 3, 10, TASK_MAP, 0), 3);	/* deadline 20 */
	ck_assert_int_eq(lease_rc(t, 4, 11), 0);
	ck_assert(tasks_expire(t, 15) == 20);
	ck_assert_uint_eq(lease_ok(t, 4, 15, TASK_MAP, 1), 4);	/* deadline 25 */
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.timeouts, 2);
	ck_assert_uint_eq(c.lost, 0);
	ck_assert_uint_eq(c.failures, 0);
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 16), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 16), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	/* Done attempts do not time out. */
	ck_assert_uint_eq(lease_ok(t, 5, 17, TASK_REDUCE, 0), 5);
	ck_assert_int_eq(tasks_report_done(t, 5, 5, 18), VERDICT_ACCEPTED);
	ck_assert(tasks_expire(t, 100) == 0);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.timeouts, 2);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	tasks_free(t);
}
END_TEST

START_TEST(test_late_report_wins)
{
	struct tasks *t = tasks_new(inputs3, 1, 1, 10, 3);
	struct tasks_counts c;

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert(tasks_expire(t, 10) == 0);
	ck_assert_uint_eq(lease_ok(t, 2, 11, TASK_MAP, 0), 2);
	/* The timed-out attempt finishes first: it wins. */
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 12), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 13), VERDICT_STALE);
	/* The second attempt's deadline passing changes nothing. */
	tasks_expire(t, 30);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.timeouts, 1);
	ck_assert_uint_eq(lease_ok(t, 3, 30, TASK_REDUCE, 0), 3);
	tasks_free(t);
}
END_TEST

START_TEST(test_late_report_while_queued)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_MAP, 1), 2);
	tasks_expire(t, 10);
	/* Map 0 is queued again, then its first attempt reports. */
	expect_counts(t, 2, 1, 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 10.5), VERDICT_ACCEPTED);
	expect_counts(t, 1, 1, 1);
	/* It is no longer handed out. */
	ck_assert_int_eq(lease_rc(t, 3, 10.5), 0);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 10.5), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 3, 11, TASK_REDUCE, 0), 3);
	ck_assert_int_eq(lease_rc(t, 4, 11), 0);
	tasks_free(t);
}
END_TEST

START_TEST(test_duplicate_report)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 2), VERDICT_STALE);
	ck_assert_int_eq(tasks_report_failed(t, 1, 1, NULL, 0, 2),
	    VERDICT_STALE);
	ck_assert_int_eq(tasks_report_failed(t, 2, 2, NULL, 0, 2),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_failed(t, 2, 2, NULL, 0, 3),
	    VERDICT_STALE);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 3), VERDICT_STALE);
	expect_counts(t, 2, 0, 1);
	ck_assert_uint_eq(lease_ok(t, 3, 3, TASK_MAP, 1), 3);
	tasks_free(t);
}
END_TEST

START_TEST(test_invalid_report)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	/* Another worker's attempt, attempt 0, attempts not issued yet. */
	ck_assert_int_eq(tasks_report_done(t, 2, 1, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done(t, 9, 1, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done(t, 1, 0, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done(t, 1, 3, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done(t, 1, UINT64_MAX, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_failed(t, 1, 2, NULL, 0, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_failed(t, 1, 0, NULL, 0, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_failed(t, 1, 3, NULL, 0, 1),
	    VERDICT_INVALID);
	/* Nothing changed: the real holders still report normally. */
	expect_counts(t, 1, 2, 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 2), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 2), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	tasks_free(t);
}
END_TEST

START_TEST(test_lost)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counts c;

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(lease_rc(t, 3, 0.5), 0);
	/* Worker 1 is gone: map 0 is free again long before its deadline. */
	tasks_lost(t, 1, 0.5);
	expect_counts(t, 2, 1, 0);
	ck_assert_uint_eq(lease_ok(t, 3, 0.5, TASK_MAP, 0), 3);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.lost, 1);
	ck_assert_uint_eq(c.timeouts, 0);
	/* Lost twice, or lost out of range: nothing happens. */
	tasks_lost(t, 1, 0.6);
	tasks_lost(t, 0, 0.6);
	tasks_lost(t, 99, 0.6);
	ck_assert_int_eq(lease_rc(t, 4, 0.6), 0);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.lost, 1);
	/* The old deadline of attempt 1 does not requeue map 0 either. */
	tasks_expire(t, 10);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.timeouts, 1);	/* attempt 2 of map 1 */
	ck_assert_uint_eq(lease_ok(t, 4, 10, TASK_MAP, 1), 4);
	ck_assert_int_eq(lease_rc(t, 5, 10), 0);
	tasks_free(t);
}
END_TEST

START_TEST(test_lost_after_done)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counts c;

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	tasks_lost(t, 1, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.lost, 0);
	expect_counts(t, 1, 1, 1);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 3), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_uint_eq(lease_ok(t, 1, 3, TASK_REDUCE, 0), 3);
	ck_assert_int_eq(lease_rc(t, 2, 3), 0);
	/* A timed-out attempt that is later lost: the new attempt keeps it. */
	tasks_expire(t, 13);
	ck_assert_uint_eq(lease_ok(t, 2, 13, TASK_REDUCE, 0), 4);
	tasks_lost(t, 3, 14);
	ck_assert_int_eq(lease_rc(t, 3, 14), 0);
	ck_assert_int_eq(tasks_report_done(t, 2, 4, 15), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	tasks_free(t);
}
END_TEST

START_TEST(test_bad_maps)
{
	/* max_failures 1: a failure blamed on a map must not fail the job. */
	struct tasks *t = tasks_new(inputs3, 3, 2, 10, 1);
	uint32_t bad[] = { 2 };
	struct tasks_counts c;
	struct lease l;

	finish_maps(t, 0);
	ck_assert_uint_eq(lease_ok(t, 1, 1, TASK_REDUCE, 0), 4);
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_REDUCE, 1), 5);
	ck_assert_int_eq(tasks_report_failed(t, 1, 4, bad, 1, 2),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_int_eq(tasks_lease(t, 3, 2, &l), 1);
	ck_assert_uint_eq(l.attempt, 6);
	ck_assert_int_eq(l.kind, TASK_MAP);
	ck_assert_uint_eq(l.id, 2);
	ck_assert_str_eq(l.input, "pg-c.txt");
	/* Reduce 0 waits for map 2. */
	ck_assert_int_eq(lease_rc(t, 4, 2), 0);
	/* The other reduce may still finish meanwhile. */
	ck_assert_int_eq(tasks_report_done(t, 2, 5, 3), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 3, 6, 3), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_uint_eq(lease_ok(t, 4, 4, TASK_REDUCE, 0), 7);
	ck_assert_int_eq(lease_rc(t, 5, 4), 0);
	ck_assert_int_eq(tasks_report_done(t, 4, 7, 5), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 1);
	ck_assert_uint_eq(c.done, 5);
	ck_assert_str_eq(tasks_failure(t), "");
	tasks_free(t);
}
END_TEST

START_TEST(test_bad_maps_stale_attempt)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 3);
	uint32_t bad[] = { 2 };

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 0, TASK_MAP, 2), 3);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 1), VERDICT_ACCEPTED);
	/* Map 2's attempt 3 times out; attempt 4 does it. */
	tasks_expire(t, 10);
	ck_assert_uint_eq(lease_ok(t, 4, 10, TASK_MAP, 2), 4);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 11), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 5, 11, TASK_REDUCE, 0), 5);
	/* The reduce finds mr-2-0 bad: map 2 must run again. */
	ck_assert_int_eq(tasks_report_failed(t, 5, 5, bad, 1, 12),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	/* Attempt 3 started before the reset: its late report is not trusted. */
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 12), VERDICT_STALE);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_uint_eq(lease_ok(t, 6, 12, TASK_MAP, 2), 6);
	ck_assert_int_eq(tasks_report_done(t, 6, 6, 13), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 6, 13, TASK_REDUCE, 0), 7);
	tasks_free(t);
}
END_TEST

START_TEST(test_max_failures)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counts c;

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 0), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_failed(t, 1, 1, NULL, 0, 1),
	    VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_MAP, 0), 3);
	ck_assert_int_eq(tasks_report_failed(t, 2, 3, NULL, 0, 2),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_str_eq(tasks_failure(t), "");
	ck_assert_uint_eq(lease_ok(t, 3, 2, TASK_MAP, 0), 4);
	ck_assert_int_eq(tasks_report_failed(t, 3, 4, NULL, 0, 3),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	ck_assert_int_eq(lease_rc(t, 1, 3), -1);
	ck_assert_msg(strstr(tasks_failure(t), "map task 0") != NULL,
	    "failure: %s", tasks_failure(t));
	ck_assert_ptr_nonnull(strstr(tasks_failure(t), "3 times"));
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 3);
	tasks_free(t);
}
END_TEST

START_TEST(test_max_failures_reduce)
{
	struct tasks *t = tasks_new(inputs3, 1, 3, 10, 2);

	finish_maps(t, 0);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_REDUCE, 0), 2);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_REDUCE, 1), 3);
	ck_assert_int_eq(tasks_report_failed(t, 2, 3, NULL, 0, 1),
	    VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_REDUCE, 2), 4);
	ck_assert_uint_eq(lease_ok(t, 3, 1, TASK_REDUCE, 1), 5);
	ck_assert_int_eq(tasks_report_failed(t, 3, 5, NULL, 0, 2),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	ck_assert_msg(strstr(tasks_failure(t), "reduce task 1") != NULL,
	    "failure: %s", tasks_failure(t));
	/* Reports after the failure change nothing. */
	ck_assert_int_eq(tasks_report_done(t, 1, 2, 3), VERDICT_STALE);
	ck_assert_int_eq(lease_rc(t, 4, 3), -1);
	tasks_free(t);
}
END_TEST

START_TEST(test_counts)
{
	char *in[] = { "a", "b", "c", "d" };
	struct tasks *t = tasks_new(in, 4, 2, 10, 5);
	struct tasks_counts c;

	expect_counts(t, 6, 0, 0);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 5, TASK_MAP, 2), 3);
	ck_assert_uint_eq(lease_ok(t, 4, 5, TASK_MAP, 3), 4);
	expect_counts(t, 2, 4, 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 6), VERDICT_ACCEPTED);
	tasks_lost(t, 2, 6);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, NULL, 0, 6),
	    VERDICT_ACCEPTED);
	expect_counts(t, 4, 1, 1);
	tasks_expire(t, 15);	/* attempt 4 times out */
	expect_counts(t, 5, 0, 1);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.timeouts, 1);
	ck_assert_uint_eq(c.lost, 1);
	ck_assert_uint_eq(c.failures, 1);
	/* Requeued in the order they came back. */
	ck_assert_uint_eq(lease_ok(t, 5, 15, TASK_MAP, 1), 5);
	ck_assert_uint_eq(lease_ok(t, 6, 15, TASK_MAP, 2), 6);
	ck_assert_uint_eq(lease_ok(t, 7, 15, TASK_MAP, 3), 7);
	expect_counts(t, 2, 3, 1);
	tasks_free(t);
}
END_TEST

START_TEST(test_empty_job)
{
	struct tasks *t = tasks_new(NULL, 0, 3, 10, 3);

	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_REDUCE, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_REDUCE, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_REDUCE, 2), 3);
	ck_assert_int_eq(lease_rc(t, 1, 0), 0);
	for (uint64_t a = 1; a <= 3; a++)
		ck_assert_int_eq(tasks_report_done(t, 1, a, 1),
		    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	ck_assert_int_eq(lease_rc(t, 1, 1), -1);
	tasks_free(t);

	/* No inputs and no partitions: nothing to do at all. */
	t = tasks_new(NULL, 0, 0, 10, 3);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	ck_assert_int_eq(lease_rc(t, 1, 0), -1);
	tasks_free(t);
}
END_TEST

START_TEST(test_many_inputs)
{
	enum { N = 10000, NR = 10 };
	char **in = malloc(N * sizeof *in);
	struct tasks *t;
	struct lease l;

	ck_assert_ptr_nonnull(in);
	for (int i = 0; i < N; i++) {
		in[i] = malloc(16);
		snprintf(in[i], 16, "in-%d", i);
	}
	t = tasks_new(in, N, NR, 10, 3);
	for (int i = 0; i < N; i++)
		free(in[i]);
	free(in);
	for (uint32_t i = 0; i < N; i++) {
		char want[16];

		ck_assert_int_eq(tasks_lease(t, i % 7, i, &l), 1);
		ck_assert_uint_eq(l.id, i);
		ck_assert_uint_eq(l.attempt, i + 1);
		snprintf(want, sizeof want, "in-%u", i);
		ck_assert_str_eq(l.input, want);
	}
	ck_assert_int_eq(lease_rc(t, 0, N), 0);
	/* Done in reverse order. */
	for (uint32_t i = N; i > 0; i--)
		ck_assert_int_eq(tasks_report_done(t, (i - 1) % 7, i, N),
		    VERDICT_ACCEPTED);
	for (uint32_t i = 0; i < NR; i++)
		ck_assert_uint_eq(lease_ok(t, 1, N, TASK_REDUCE, i), N + 1 + i);
	for (uint32_t i = 0; i < NR; i++)
		ck_assert_int_eq(tasks_report_done(t, 1, N + 1 + i, N),
		    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	expect_counts(t, 0, 0, N + NR);
	tasks_free(t);
}
END_TEST

/*
 * A failure report naming a map task that does not exist is refused
 * (INVALID), and the coordinator then drops the worker, which calls
 * tasks_lost() for the attempt it held. The task must not be stuck.
 */
START_TEST(test_invalid_bad_maps_requeues)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 3);
	uint32_t bad[] = { 99 };
	int rc;

	finish_maps(t, 0);
	ck_assert_uint_eq(lease_ok(t, 1, 1, TASK_REDUCE, 0), 4);
	ck_assert_int_eq(tasks_report_failed(t, 1, 4, bad, 1, 2),
	    VERDICT_INVALID);
	tasks_lost(t, 4, 2);
	tasks_expire(t, 100);
	rc = lease_rc(t, 2, 100);
	tasks_free(t);
	ck_assert_msg(rc == 1,
	    "reduce 0 was never handed out again after an INVALID failure "
	    "report and the loss of its worker: the job would hang");
}
END_TEST

/* A report refused as INVALID must not change the job's state either. */
START_TEST(test_invalid_bad_maps_no_effect)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 3);
	uint32_t bad[] = { 0, 3 };
	enum tasks_phase phase;
	struct tasks_counts c;

	finish_maps(t, 0);
	ck_assert_uint_eq(lease_ok(t, 1, 1, TASK_REDUCE, 0), 4);
	ck_assert_int_eq(tasks_report_failed(t, 1, 4, bad, 2, 2),
	    VERDICT_INVALID);
	phase = tasks_phase(t);
	tasks_counts(t, &c);
	tasks_free(t);
	ck_assert_msg(phase == PHASE_REDUCE,
	    "an INVALID report sent map 0 back (phase %d)", phase);
	ck_assert_uint_eq(c.done, 3);
	ck_assert_uint_eq(c.running, 1);
}
END_TEST

static Suite *
tasks_suite(void)
{
	Suite *s = suite_create("tasks");
	TCase *tc;

	tc = tcase_create("flow");
	tcase_add_test(tc, test_map_then_reduce);
	tcase_add_test(tc, test_empty_job);
	tcase_add_test(tc, test_many_inputs);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_add_test(tc, test_timeout_requeue);
	tcase_add_test(tc, test_late_report_wins);
	tcase_add_test(tc, test_late_report_while_queued);
	tcase_add_test(tc, test_lost);
	tcase_add_test(tc, test_lost_after_done);
	suite_add_tcase(s, tc);

	tc = tcase_create("reports");
	tcase_add_test(tc, test_duplicate_report);
	tcase_add_test(tc, test_invalid_report);
	tcase_add_test(tc, test_bad_maps);
	tcase_add_test(tc, test_bad_maps_stale_attempt);
	tcase_add_test(tc, test_max_failures);
	tcase_add_test(tc, test_max_failures_reduce);
	tcase_add_test(tc, test_invalid_bad_maps_requeues);
	tcase_add_test(tc, test_invalid_bad_maps_no_effect);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tasks_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
