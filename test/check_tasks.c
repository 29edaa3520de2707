/*
 * check_tasks - the coordinator's task state machine (coordinator/tasks.h)
 * driven with fake times: hand-out order and phases, timeouts and late
 * reports, stale and invalid reports, lost workers, map outputs sent back
 * by a failing reduce, the failure limit, counters and edge-sized jobs;
 * plugin counters summed over accepted attempts only; the observer's events;
 * backup attempts of stragglers: when, for whom, how many, their end and
 * their pairs' timeouts, failures and losses, with simulated jobs; a
 * task's status line from its running attempts only; a map-only job (no
 * reduce task) done when its maps are.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/tasks.h"
#include "mapreduce.h"

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
	ck_assert_str_eq(l.inputs[0].name, "first");
	ck_assert_uint_eq(l.nmap, 3);
	ck_assert_uint_eq(l.nreduce, 2);
	ck_assert_int_eq(tasks_lease(t, 2, 0, &l), 1);
	ck_assert_uint_eq(l.attempt, 2);
	ck_assert_uint_eq(l.id, 1);
	ck_assert_str_eq(l.inputs[0].name, "second");
	ck_assert_int_eq(tasks_lease(t, 3, 1, &l), 1);
	ck_assert_uint_eq(l.attempt, 3);
	ck_assert_uint_eq(l.id, 2);
	ck_assert_str_eq(l.inputs[0].name, "third");
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
	ck_assert_str_eq(l.inputs[0].name, "pg-c.txt");
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

/* An input changed or corrupt: the first such report fails the job, whatever the task's state. */
START_TEST(test_fatal_failure)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 4);
	struct tasks_counts c;
	struct lease l;

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	/* Not its attempt: refused, nothing changes. */
	ck_assert_int_eq(tasks_report_fatal(t, 2, 1, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_int_eq(tasks_report_fatal(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	ck_assert_str_eq(tasks_failure(t), "map task 0 cannot succeed: its "
	    "input is not the one planned or is corrupt");
	ck_assert_int_eq(tasks_lease(t, 3, 1, &l), -1);
	/* Later reports change nothing. */
	ck_assert_int_eq(tasks_report_fatal(t, 1, 1, 2), VERDICT_STALE);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 2), VERDICT_STALE);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 1);
	tasks_free(t);

	/* A task done already: a late attempt finding the input changed counts. */
	t = tasks_new(inputs3, 1, 1, 1, 4);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	tasks_expire(t, 2);
	ck_assert_uint_eq(lease_ok(t, 2, 2, TASK_MAP, 0), 2);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 2.5), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_fatal(t, 1, 1, 3), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	tasks_free(t);
}
END_TEST

/* A map task's stamp reaches its lease; tasks without one have none. */
START_TEST(test_stamps)
{
	struct stamp st = { 1000, 42, 7, 3 };
	struct tasks_input in[2] = {
		{ "big.txt", 0, 500, &st },
		{ "big.txt", 500, 0, &st },
	};
	struct tasks *t = tasks_new_splits(in, 2, 1, 10, 4);
	struct lease l;

	st.size = 1;	/* copied: the caller's may go */
	ck_assert_int_eq(tasks_lease(t, 1, 0, &l), 1);
	ck_assert_ptr_nonnull(l.inputs[0].stamp);
	ck_assert_uint_eq(l.inputs[0].stamp->size, 1000);
	ck_assert_int_eq(l.inputs[0].stamp->mtime_ns, 42);
	ck_assert_uint_eq(l.inputs[0].stamp->ino, 7);
	ck_assert_uint_eq(l.inputs[0].stamp->dev, 3);
	ck_assert_str_eq(tasks_map_input(t, 1), "big.txt");
	ck_assert_ptr_null(tasks_map_input(t, 2));
	tasks_free(t);
	t = tasks_new(inputs3, 1, 1, 10, 4);
	ck_assert_int_eq(tasks_lease(t, 1, 0, &l), 1);
	ck_assert_ptr_null(l.inputs[0].stamp);
	tasks_free(t);
}
END_TEST

/*
 * A map task of several inputs: its lease lists them all with their
 * stamps (copied), and the task lost with its worker is handed out again
 * whole, the same inputs in the same order.
 */
START_TEST(test_packed)
{
	struct stamp st[3] = { { 10, 1, 1, 1 }, { 20, 2, 2, 1 }, { 30, 3, 3, 1 } };
	struct tasks_input in[4] = {
		{ "a.txt", 0, 0, &st[0] },
		{ "b.txt", 0, 0, &st[1] },
		{ "c.txt", 0, 0, &st[2] },
		{ "d.txt", 0, 0, NULL },
	};
	struct tasks_map m[2] = { { in, 3, 60 }, { in + 3, 1, 5 } };
	struct tasks *t = tasks_new_maps(m, 2, 1, 10, 4);
	const struct tasks_input *ti;
	struct lease l;
	uint64_t total, done;
	uint32_t n;

	st[1].size = 99;	/* copied: the caller's may go */
	ck_assert_uint_eq(tasks_nmap(t), 2);
	tasks_input_bytes(t, &total, &done);
	ck_assert_uint_eq(total, 65);
	ck_assert_int_eq(tasks_lease(t, 1, 0, &l), 1);
	ck_assert_uint_eq(l.id, 0);
	ck_assert_uint_eq(l.ninputs, 3);
	ck_assert_str_eq(l.inputs[0].name, "a.txt");
	ck_assert_str_eq(l.inputs[2].name, "c.txt");
	ck_assert_uint_eq(l.inputs[1].stamp->size, 20);
	tasks_lost(t, l.attempt, 1);
	ck_assert_int_eq(tasks_lease(t, 2, 2, &l), 1);
	ck_assert_uint_eq(l.id, 1);
	ck_assert_uint_eq(l.ninputs, 1);
	ck_assert_ptr_null(l.inputs[0].stamp);
	ck_assert_int_eq(tasks_lease(t, 3, 3, &l), 1);
	ck_assert_uint_eq(l.id, 0);
	ck_assert_uint_eq(l.ninputs, 3);
	for (uint32_t j = 0; j < 3; j++)
		ck_assert_str_eq(l.inputs[j].name, in[j].name);
	ti = tasks_map_inputs(t, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ti[1].name, "b.txt");
	ck_assert_ptr_null(tasks_map_inputs(t, 2, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(tasks_map_input(t, 0), "a.txt");
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
		ck_assert_str_eq(l.inputs[0].name, want);
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

/* Checks the job's counter totals against "name=value" strings, in order. */
static void
expect_totals(struct tasks *t, const char *const *want, size_t n)
{
	const char *name;
	int64_t value;
	char got[128];

	ck_assert_uint_eq(tasks_ncounters(t), n);
	for (size_t i = 0; i < n; i++) {
		tasks_counter(t, i, &name, &value);
		snprintf(got, sizeof got, "%s=%lld", name, (long long)value);
		ck_assert_str_eq(got, want[i]);
	}
}

START_TEST(test_counters_accepted_only)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counter w10[] = { { "words", 10 } };
	struct tasks_counter w5[] = { { "words", 5 }, { "bad_records", 2 } };
	struct tasks_counter r[] = { { "words", 99 }, { "outputs", 3 } };
	const char *before[] = { "bad_records=2", "words=15" };
	const char *after[] = { "bad_records=2", "outputs=3", "words=114" };

	ck_assert_uint_eq(tasks_ncounters(t), 0);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	/* Map 0's first attempt times out; a second one runs it. */
	tasks_expire(t, 10);
	ck_assert_uint_eq(lease_ok(t, 3, 10, TASK_MAP, 0), 3);
	ck_assert_int_eq(tasks_report_done_counters(t, 3, 3, w10, 1, 11),
	    VERDICT_ACCEPTED);
	/* The late first attempt and a duplicate count for nothing. */
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, w10, 1, 12),
	    VERDICT_STALE);
	ck_assert_int_eq(tasks_report_done_counters(t, 3, 3, w10, 1, 12),
	    VERDICT_STALE);
	/* Map 1's first attempt also timed out but finishes first. */
	ck_assert_uint_eq(lease_ok(t, 4, 12, TASK_MAP, 1), 4);
	ck_assert_int_eq(tasks_report_done_counters(t, 2, 2, w5, 2, 13),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done_counters(t, 4, 4, w5, 2, 13),
	    VERDICT_STALE);
	expect_totals(t, before, 2);
	ck_assert_uint_eq(lease_ok(t, 1, 13, TASK_REDUCE, 0), 5);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 5, r, 2, 14),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	/* Sorted by name, whatever order they came in. */
	expect_totals(t, after, 3);
	tasks_free(t);
}
END_TEST

START_TEST(test_counters_bad_maps)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
	struct tasks_counter m0[] = { { "words", 10 } };
	struct tasks_counter m1[] = { { "words", 5 }, { "lines", 1 } };
	struct tasks_counter m1b[] = { { "words", 5 }, { "lines", 1 } };
	uint32_t bad[] = { 1 };
	const char *done[] = { "lines=1", "words=15" };
	const char *dropped[] = { "lines=0", "words=10" };

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, m0, 1, 1),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done_counters(t, 2, 2, m1, 2, 1),
	    VERDICT_ACCEPTED);
	expect_totals(t, done, 2);
	/* The reduce finds mr-1-0 corrupt: map 1's counters no longer count. */
	ck_assert_uint_eq(lease_ok(t, 3, 1, TASK_REDUCE, 0), 3);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, bad, 1, 2),
	    VERDICT_ACCEPTED);
	expect_totals(t, dropped, 2);
	/* Map 1 runs again; its new accepted attempt replaces, not adds. */
	ck_assert_uint_eq(lease_ok(t, 2, 2, TASK_MAP, 1), 4);
	ck_assert_int_eq(tasks_report_done_counters(t, 2, 4, m1b, 2, 3),
	    VERDICT_ACCEPTED);
	expect_totals(t, done, 2);
	ck_assert_uint_eq(lease_ok(t, 3, 3, TASK_REDUCE, 0), 5);
	ck_assert_int_eq(tasks_report_done_counters(t, 3, 5, NULL, 0, 4),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	expect_totals(t, done, 2);
	tasks_free(t);
}
END_TEST

/*
 * A job keeps at most 4096 counter names: 70 tasks naming 64 new ones each
 * fill it; later new names count for nothing, known ones still add up.
 */
START_TEST(test_counters_name_bound)
{
	enum { NT = 70 };
	static char inbuf[NT][8], names[NT][MR_COUNTERS_MAX][16];
	char *in[NT];
	struct tasks_counter c[MR_COUNTERS_MAX];
	struct tasks *t;
	const char *name;
	int64_t v;

	for (int i = 0; i < NT; i++) {
		snprintf(inbuf[i], sizeof inbuf[i], "in%d", i);
		in[i] = inbuf[i];
	}
	t = tasks_new(in, NT, 1, 10, 3);
	for (int i = 0; i < NT; i++) {
		uint64_t a = lease_ok(t, 1, 0, TASK_MAP, (uint32_t)i);

		for (int j = 0; j < MR_COUNTERS_MAX; j++) {
			/* Task 69 names known counters again, and new ones. */
			snprintf(names[i][j], sizeof names[i][j], "t%d.c%d",
			    i == NT - 1 && j < 8 ? 0 : i, j);
			c[j].name = names[i][j];
			c[j].value = 1;
		}
		ck_assert_int_eq(tasks_report_done_counters(t, 1, a, c,
		    MR_COUNTERS_MAX, 1), VERDICT_ACCEPTED);
	}
	ck_assert_uint_eq(tasks_ncounters(t), 4096);
	/* 64 names of tasks 64-68 and 56 of task 69 were past the bound. */
	ck_assert_uint_eq(tasks_counters_refused(t), 5 * 64 + 56);
	for (size_t i = 0; i < tasks_ncounters(t); i++) {
		tasks_counter(t, i, &name, &v);
		ck_assert_int_eq(v, strncmp(name, "t0.", 3) == 0 &&
		    atoi(name + 4) < 8 ? 2 : 1);
	}
	tasks_free(t);
}
END_TEST

START_TEST(test_counters_invalid)
{
	struct tasks *t = tasks_new(inputs3, 1, 1, 10, 3);
	struct tasks_counter many[MR_COUNTERS_MAX + 1];
	char names[MR_COUNTERS_MAX + 1][8];
	struct tasks_counter twice[] = { { "a", 1 }, { "b", 1 }, { "a", 1 } };
	struct tasks_counter space[] = { { "a b", 1 } };
	struct tasks_counter empty[] = { { "", 1 } };
	struct tasks_counter null[] = { { NULL, 1 } };
	struct tasks_counter big[] = { { "big", INT64_MAX } };
	char toolong[MR_COUNTER_NAME_MAX + 2];
	struct tasks_counter lng[] = { { toolong, 1 } };
	const char *clamped[] = { "big=9223372036854775807" };

	memset(toolong, 'x', sizeof toolong - 1);
	toolong[sizeof toolong - 1] = '\0';
	for (int i = 0; i <= MR_COUNTERS_MAX; i++) {
		snprintf(names[i], sizeof names[i], "c%d", i);
		many[i].name = names[i];
		many[i].value = 1;
	}
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, many,
	    MR_COUNTERS_MAX + 1, 1), VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, twice, 3, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, space, 1, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, empty, 1, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, null, 1, 1),
	    VERDICT_INVALID);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, lng, 1, 1),
	    VERDICT_INVALID);
	/* None of them changed anything. */
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	expect_counts(t, 1, 1, 0);
	ck_assert_uint_eq(tasks_ncounters(t), 0);
	/* The most a report may hold is fine. */
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 1, many,
	    MR_COUNTERS_MAX, 1), VERDICT_ACCEPTED);
	ck_assert_uint_eq(tasks_ncounters(t), MR_COUNTERS_MAX);
	tasks_free(t);

	/* Totals beyond 64 bits are clamped when read, exact inside. */
	t = tasks_new(inputs3, 3, 1, 10, 3);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_uint_eq(lease_ok(t, 1 + i, 0, TASK_MAP, i), 1 + i);
	for (uint32_t i = 0; i < 2; i++)
		ck_assert_int_eq(tasks_report_done_counters(t, 1 + i, 1 + i,
		    big, 1, 1), VERDICT_ACCEPTED);
	expect_totals(t, clamped, 1);
	big[0].value = -INT64_MAX;
	ck_assert_int_eq(tasks_report_done_counters(t, 3, 3, big, 1, 1),
	    VERDICT_ACCEPTED);
	expect_totals(t, clamped, 1);
	tasks_free(t);
}
END_TEST

/* The observer's events, one line each, for comparing with what is due. */
static char events[4096];

static void
record_event(void *arg, const struct tasks_event *ev)
{
	static const char *outcome[] = { "done", "stale", "failed", "lost",
	    "cancelled", "backup-lost" };
	size_t n = strlen(events);

	ck_assert_ptr_eq(arg, events);
	switch (ev->type) {
	case TASKS_EV_START:
		ck_assert_ptr_nonnull(ev->lease);
		ck_assert_uint_eq(ev->lease->attempt, ev->attempt);
		ck_assert_int_eq(ev->lease->backup, ev->backup);
		snprintf(events + n, sizeof events - n, "start %llu %s%u w%u "
		    "@%g", (unsigned long long)ev->attempt,
		    ev->kind == TASK_MAP ? "m" : "r", ev->id, ev->worker,
		    ev->now);
		break;
	case TASKS_EV_TIMEOUT:
		ck_assert_ptr_null(ev->lease);
		snprintf(events + n, sizeof events - n, "timeout %llu @%g",
		    (unsigned long long)ev->attempt, ev->now);
		break;
	case TASKS_EV_END:
		ck_assert_ptr_null(ev->lease);
		snprintf(events + n, sizeof events - n, "%s %llu %s%u w%u "
		    "@%g", outcome[ev->outcome],
		    (unsigned long long)ev->attempt,
		    ev->kind == TASK_MAP ? "m" : "r", ev->id, ev->worker,
		    ev->now);
		break;
	}
	/* Events of a backup say so, and of which attempt. */
	ck_assert_int_eq(ev->backup, ev->original != 0);
	n = strlen(events);
	if (ev->backup)
		snprintf(events + n, sizeof events - n, " backup of %llu",
		    (unsigned long long)ev->original);
	n = strlen(events);
	snprintf(events + n, sizeof events - n, "\n");
}

START_TEST(test_observer)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 3);
	uint32_t bad[] = { 2 };

	events[0] = '\0';
	tasks_set_observer(t, record_event, events);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 2, TASK_MAP, 2), 3);
	/* Attempt 1 times out at its deadline, then finishes first. */
	tasks_expire(t, 10.5);
	ck_assert_uint_eq(lease_ok(t, 4, 10.5, TASK_MAP, 0), 4);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 11), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 12), VERDICT_STALE);
	/* Nothing for a duplicate or an invalid report. */
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 12), VERDICT_STALE);
	ck_assert_int_eq(tasks_report_done(t, 9, 2, 12), VERDICT_INVALID);
	tasks_lost(t, 2, 13);
	tasks_lost(t, 2, 13);
	ck_assert_uint_eq(lease_ok(t, 5, 13, TASK_MAP, 1), 5);
	ck_assert_int_eq(tasks_report_done(t, 5, 5, 14), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 14), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 6, 15, TASK_REDUCE, 0), 6);
	ck_assert_int_eq(tasks_report_failed(t, 6, 6, bad, 1, 16),
	    VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 7, 16, TASK_MAP, 2), 7);
	tasks_set_observer(t, NULL, NULL);
	ck_assert_int_eq(tasks_report_done(t, 7, 7, 17), VERDICT_ACCEPTED);
	ck_assert_str_eq(events,
	    "start 1 m0 w1 @0\n"
	    "start 2 m1 w2 @1\n"
	    "start 3 m2 w3 @2\n"
	    "timeout 1 @10\n"	/* its deadline, not when it was seen */
	    "start 4 m0 w4 @10.5\n"
	    "done 1 m0 w1 @11\n"
	    "stale 4 m0 w4 @12\n"
	    "lost 2 m1 w2 @13\n"
	    "start 5 m1 w5 @13\n"
	    "done 5 m1 w5 @14\n"
	    "done 3 m2 w3 @14\n"
	    "start 6 r0 w6 @15\n"
	    "failed 6 r0 w6 @16\n"
	    "start 7 m2 w7 @16\n");
	tasks_free(t);
}
END_TEST

static char *inputs24[] = {
	"pg-a.txt", "pg-b.txt", "pg-c.txt", "pg-d.txt", "pg-e.txt", "pg-f.txt",
	"pg-g.txt", "pg-h.txt", "pg-i.txt", "pg-j.txt", "pg-k.txt", "pg-l.txt",
	"pg-m.txt", "pg-n.txt", "pg-o.txt", "pg-p.txt", "pg-q.txt", "pg-r.txt",
	"pg-s.txt", "pg-t.txt", "pg-u.txt", "pg-v.txt", "pg-w.txt", "pg-x.txt",
};

/* Leases a backup (or, with backup 0, a plain attempt); returns its attempt. */
static uint64_t
lease_spec(struct tasks *t, uint32_t worker, double now, enum task_kind kind,
    uint32_t id, int backup)
{
	struct lease l;

	memset(&l, 0xa5, sizeof l);
	ck_assert_int_eq(tasks_lease(t, worker, now, &l), 1);
	ck_assert_int_eq(l.kind, kind);
	ck_assert_uint_eq(l.id, id);
	ck_assert_int_eq(l.backup, backup);
	return l.attempt;
}

static void
expect_backups(struct tasks *t, uint64_t started, uint64_t won, uint64_t lost,
    uint32_t running)
{
	struct tasks_counts c;

	memset(&c, 0xa5, sizeof c);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.backups_started, started);
	ck_assert_uint_eq(c.backups_won, won);
	ck_assert_uint_eq(c.backups_lost, lost);
	ck_assert_uint_eq(c.backups_running, running);
}

/* The view of task i (maps, then reduces). */
static struct tasks_view
view_of(struct tasks *t, uint32_t i)
{
	uint32_t n = tasks_nmap(t) + tasks_nreduce(t);
	struct tasks_view *v = calloc(n, sizeof *v), r;

	ck_assert_ptr_nonnull(v);
	tasks_views(t, v);
	r = v[i];
	free(v);
	return r;
}

/*
 * Three maps on three workers, map 2's ten times slower: maps 0 and 1 take
 * 1 s, so map 2's attempt 3 is due a backup 3 s after it started.
 */
static struct tasks *
straggler_job(uint32_t nmap, uint32_t nreduce)
{
	struct tasks *t = tasks_new(inputs24, nmap, nreduce, 100, 3);

	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 0, TASK_MAP, 2), 3);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 1), VERDICT_ACCEPTED);
	return t;
}

/* Off unless turned on: a straggler then runs alone, as it always did. */
START_TEST(test_spec_off)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 100, 3);

	ck_assert_int_eq(tasks_speculation(t), 0);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 0, TASK_MAP, 2), 3);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 1), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 1) == 0);
	ck_assert_int_eq(lease_rc(t, 1, 50), 0);
	ck_assert(tasks_next_speculation(t, 50) == 0);
	expect_backups(t, 0, 0, 0, 0);
	tasks_set_speculation(t, 1);
	ck_assert_int_eq(tasks_speculation(t), 1);
	ck_assert(tasks_next_speculation(t, 1) == 3);
	ck_assert_uint_eq(lease_spec(t, 1, 50, TASK_MAP, 2, 1), 4);
	tasks_set_speculation(t, 0);
	ck_assert_int_eq(tasks_speculation(t), 0);
	tasks_free(t);
}
END_TEST

/*
 * A straggler gets a backup once the queue is empty and it has run three
 * times the median; the backup finishes first and wins, the original is
 * cancelled and its late reports count for nothing.
 */
START_TEST(test_spec_backup_wins)
{
	struct tasks *t = straggler_job(4, 1);
	struct tasks_view v;
	struct lease l;

	events[0] = '\0';
	tasks_set_observer(t, record_event, events);
	/* Map 3 still waits: it goes first, not a backup. */
	ck_assert_uint_eq(lease_spec(t, 1, 1, TASK_MAP, 3, 0), 4);
	ck_assert_int_eq(lease_rc(t, 2, 1), 0);
	ck_assert(tasks_next_speculation(t, 1) == 3);
	ck_assert_int_eq(tasks_report_done(t, 1, 4, 2), VERDICT_ACCEPTED);
	ck_assert_int_eq(lease_rc(t, 1, 2), 0);
	ck_assert_int_eq(lease_rc(t, 2, 2.999), 0);
	ck_assert(tasks_next_speculation(t, 2.999) == 3);
	/* Never a backup of a task to the worker running it. */
	ck_assert_int_eq(lease_rc(t, 3, 3), 0);
	memset(&l, 0xa5, sizeof l);
	ck_assert_int_eq(tasks_lease(t, 2, 3, &l), 1);
	ck_assert_uint_eq(l.attempt, 5);
	ck_assert_int_eq(l.backup, 1);
	ck_assert_int_eq(l.kind, TASK_MAP);
	ck_assert_uint_eq(l.id, 2);
	ck_assert_uint_eq(l.ninputs, 1);
	ck_assert_str_eq(l.inputs[0].name, "pg-c.txt");
	ck_assert_uint_eq(l.nmap, 4);
	ck_assert_uint_eq(l.nreduce, 1);
	/* One backup per task, one for the phase (cap of 4 tasks). */
	ck_assert_int_eq(lease_rc(t, 1, 3), 0);
	ck_assert(tasks_next_speculation(t, 3) == 0);
	/* A task with a backup is one running task; the phase is the same. */
	expect_counts(t, 1, 1, 3);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	expect_backups(t, 1, 0, 0, 1);
	v = view_of(t, 2);
	ck_assert_int_eq(v.state, TASKS_RUNNING);
	ck_assert_uint_eq(v.worker, 3);
	ck_assert_uint_eq(v.backup_worker, 2);
	ck_assert(v.start == 0);
	ck_assert_uint_eq(v.attempts, 2);
	ck_assert_uint_eq(view_of(t, 0).backup_worker, 0);
	/* The backup first: it wins, the original ends at once. */
	ck_assert_int_eq(tasks_report_done(t, 2, 5, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	expect_backups(t, 1, 1, 0, 0);
	expect_counts(t, 1, 0, 4);
	v = view_of(t, 2);
	ck_assert_int_eq(v.state, TASKS_DONE);
	ck_assert_uint_eq(v.worker, 2);
	ck_assert_uint_eq(v.backup_worker, 0);
	/* The cancelled original's late reports change nothing. */
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 9), VERDICT_STALE);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, NULL, 0, 9),
	    VERDICT_STALE);
	tasks_lost(t, 3, 9);
	ck_assert_uint_eq(lease_spec(t, 3, 9, TASK_REDUCE, 0, 0), 6);
	ck_assert_int_eq(tasks_report_done(t, 3, 6, 10), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	expect_counts(t, 0, 0, 5);
	expect_backups(t, 1, 1, 0, 0);
	ck_assert_str_eq(events,
	    "start 4 m3 w1 @1\n"
	    "done 4 m3 w1 @2\n"
	    "start 5 m2 w2 @3 backup of 3\n"
	    "done 5 m2 w2 @4 backup of 3\n"
	    "cancelled 3 m2 w3 @4\n"
	    "start 6 r0 w3 @9\n"
	    "done 6 r0 w3 @10\n");
	tasks_free(t);
}
END_TEST

/* The original finishes before its backup: the backup is cancelled. */
START_TEST(test_spec_backup_loses)
{
	struct tasks *t = straggler_job(3, 1);

	events[0] = '\0';
	tasks_set_observer(t, record_event, events);
	ck_assert_uint_eq(lease_spec(t, 1, 3.5, TASK_MAP, 2, 1), 4);
	expect_backups(t, 1, 0, 0, 1);
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	expect_backups(t, 1, 0, 1, 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 4, 5), VERDICT_STALE);
	ck_assert_uint_eq(view_of(t, 2).worker, 3);
	ck_assert_uint_eq(lease_spec(t, 1, 5, TASK_REDUCE, 0, 0), 5);
	ck_assert_str_eq(events,
	    "start 4 m2 w1 @3.5 backup of 3\n"
	    "done 3 m2 w3 @4\n"
	    "backup-lost 4 m2 w1 @4 backup of 3\n"
	    "start 5 r0 w1 @5\n");
	tasks_free(t);
}
END_TEST

/*
 * A job run by simulated workers against the state machine as the event
 * loop drives it: workers ask in turn, run an attempt for the time given
 * by `duration`, report it done, stop at once when told (a cancelled
 * attempt), and a waiting worker asks again when tasks_next_speculation()
 * says a backup is due.
 */
#define SIM_WORKERS 8

struct sim {
	struct tasks	*t;
	uint32_t	 nworkers;
	double		(*duration)(struct sim *, uint32_t worker,
			    const struct lease *);
	unsigned int	 seed;
	uint64_t	 attempt[SIM_WORKERS];	/* 0: waiting */
	double		 end[SIM_WORKERS];
	uint32_t	 starts, ends, backups, backups_in_queue;
	double		 now;
};

static void
sim_observe(void *arg, const struct tasks_event *ev)
{
	struct sim *s = arg;
	uint32_t w = ev->worker - 1;

	if (ev->type == TASKS_EV_START)
		s->starts++;
	if (ev->type != TASKS_EV_END)
		return;
	s->ends++;
	if (ev->outcome == OUTCOME_CANCELLED ||
	    ev->outcome == OUTCOME_BACKUP_LOST) {
		/* The Cancel reaches it: it stops and is free at once. */
		ck_assert_uint_eq(s->attempt[w], ev->attempt);
		s->attempt[w] = 0;
	}
}

/* Runs the job to its end; returns when it ended. */
static double
sim_run(struct sim *s)
{
	struct tasks_counts c;
	struct lease l;

	tasks_set_observer(s->t, sim_observe, s);
	s->now = 0;
	for (int steps = 0; tasks_phase(s->t) != PHASE_DONE; steps++) {
		double next = INFINITY, spec;
		int waiting = 0;

		ck_assert_int_lt(steps, 10000);
		tasks_expire(s->t, s->now);
		for (uint32_t w = 0; w < s->nworkers; w++) {
			if (s->attempt[w] != 0)
				continue;
			tasks_count_kind(s->t, tasks_phase(s->t) == PHASE_MAP ?
			    TASK_MAP : TASK_REDUCE, &c);
			if (tasks_lease(s->t, w + 1, s->now, &l) != 1) {
				waiting = 1;
				continue;
			}
			if (l.backup) {
				s->backups++;
				if (c.idle > 0)
					s->backups_in_queue++;
			}
			s->attempt[w] = l.attempt;
			s->end[w] = s->now + s->duration(s, w + 1, &l);
		}
		for (uint32_t w = 0; w < s->nworkers; w++)
			if (s->attempt[w] != 0 && s->end[w] < next)
				next = s->end[w];
		spec = tasks_next_speculation(s->t, s->now);
		if (spec != 0) {
			ck_assert(spec > s->now);
			if (waiting && spec < next)
				next = spec;
		}
		ck_assert(next < INFINITY);
		s->now = next;
		/* Reports in the order the attempts end. */
		for (;;) {
			uint32_t first = UINT32_MAX;

			for (uint32_t w = 0; w < s->nworkers; w++)
				if (s->attempt[w] != 0 && s->end[w] <= s->now &&
				    (first == UINT32_MAX ||
				    s->end[w] < s->end[first]))
					first = w;
			if (first == UINT32_MAX)
				break;
			ck_assert_int_eq(tasks_report_done(s->t, first + 1,
			    s->attempt[first], s->now), VERDICT_ACCEPTED);
			s->attempt[first] = 0;
		}
	}
	/* No attempt outlives the job: every one has ended. */
	ck_assert_uint_eq(s->starts, s->ends);
	for (uint32_t w = 0; w < s->nworkers; w++)
		ck_assert_uint_eq(s->attempt[w], 0);
	tasks_counts(s->t, &c);
	ck_assert_uint_eq(c.backups_running, 0);
	ck_assert_uint_eq(c.backups_started, s->backups);
	ck_assert_uint_eq(c.backups_won + c.backups_lost, c.backups_started);
	return s->now;
}

/* The lab's job-count test: maps of 2 to 5 s (in ms), reduces up to 0.2 s. */
static double
jobcount_duration(struct sim *s, uint32_t worker, const struct lease *l)
{
	(void)worker;
	if (l->kind == TASK_MAP)
		return (2000 + rand_r(&s->seed) % 3000) / 1000.0;
	return (1 + rand_r(&s->seed) % 200) / 1000.0;
}

/*
 * 8 maps on 2 workers, over many draws of their durations: no map ever
 * gets a backup (every finished map took at least 2 s, so 3 x the median is
 * at least 6 s, and none runs 5 s), so the lab's count of map runs holds.
 */
START_TEST(test_spec_jobcount)
{
	char *in[8] = { "a", "b", "c", "d", "e", "f", "g", "h" };

	for (unsigned int draw = 0; draw < 2000; draw++) {
		struct sim s;

		memset(&s, 0, sizeof s);
		s.t = tasks_new(in, 8, 10, 10, 3);
		tasks_set_speculation(s.t, 1);
		s.nworkers = 2;
		s.duration = jobcount_duration;
		s.seed = draw;
		sim_run(&s);
		ck_assert_msg(s.backups == 0, "draw %u: %u backup(s)", draw,
		    s.backups);
		tasks_free(s.t);
	}
}
END_TEST

/* Worker 3 is ten times slower than the others: maps 1 s, reduces 0.2 s. */
static double
slow_duration(struct sim *s, uint32_t worker, const struct lease *l)
{
	double d = l->kind == TASK_MAP ? 1.0 : 0.2;

	(void)s;
	return worker == 3 ? 10 * d : d;
}

/*
 * The slow worker's map and reduce are each backed up once the phase's
 * queue is empty, 3 median durations (the 1 s floor for the reduce) after
 * they started; the backups win. Without backups the job takes 12 s.
 */
START_TEST(test_spec_slow_worker)
{
	char *in[9] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };

	for (int on = 0; on <= 1; on++) {
		struct sim s;
		struct tasks_counts c;
		double end;

		memset(&s, 0, sizeof s);
		s.t = tasks_new(in, 9, 3, 100, 3);
		tasks_set_speculation(s.t, on);
		s.nworkers = 3;
		s.duration = slow_duration;
		end = sim_run(&s);
		tasks_counts(s.t, &c);
		if (!on) {
			ck_assert_msg(fabs(end - 12) < 1e-9, "ended at %g",
			    end);
			ck_assert_uint_eq(s.backups, 0);
		} else {
			/*
			 * Map 2 (worker 3, from 0) is backed up at 4 when the
			 * queue is empty, done at 5; reduce 2 (worker 3, from
			 * 5) at 6, done at 6.2.
			 */
			ck_assert_msg(fabs(end - 6.2) < 1e-9, "ended at %g",
			    end);
			ck_assert_uint_eq(s.backups, 2);
			ck_assert_uint_eq(s.backups_in_queue, 0);
			ck_assert_uint_eq(c.backups_won, 2);
			ck_assert_uint_eq(c.backups_lost, 0);
		}
		ck_assert_uint_eq(c.done, 12);
		ck_assert_uint_eq(c.timeouts + c.lost + c.failures, 0);
		tasks_free(s.t);
	}
}
END_TEST

/*
 * At most max(1, 10%) of the phase's tasks have a backup running: 20 maps,
 * two. The most overdue straggler goes first; a backup that ends frees its
 * place, and its task may get another.
 */
START_TEST(test_spec_cap)
{
	struct tasks *t = tasks_new(inputs24, 20, 1, 100, 3);
	struct tasks_counts c;

	tasks_set_speculation(t, 1);
	/* Maps 0-3 start at 0, 0.5, 1 and 1.5; maps 4-19 take 1 s each. */
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(lease_ok(t, 1 + i, 0.5 * i, TASK_MAP, i),
		    1 + i);
	for (uint32_t i = 4; i < 20; i++)
		ck_assert_uint_eq(lease_ok(t, 1 + i, 1.5, TASK_MAP, i), 1 + i);
	for (uint32_t i = 4; i < 20; i++)
		ck_assert_int_eq(tasks_report_done(t, 1 + i, 1 + i, 2.5),
		    VERDICT_ACCEPTED);
	ck_assert_int_eq(lease_rc(t, 5, 2.5), 0);
	ck_assert(tasks_next_speculation(t, 2.5) == 3);
	/* At 3.2 only map 0 is due. */
	ck_assert_uint_eq(lease_spec(t, 5, 3.2, TASK_MAP, 0, 1), 21);
	ck_assert_int_eq(lease_rc(t, 6, 3.2), 0);
	ck_assert(tasks_next_speculation(t, 3.2) == 3.5);
	/* At 5 maps 1-3 are: the first started goes first; then the cap. */
	ck_assert_uint_eq(lease_spec(t, 6, 5, TASK_MAP, 1, 1), 22);
	ck_assert_int_eq(lease_rc(t, 7, 5), 0);
	ck_assert(tasks_next_speculation(t, 5) == 0);
	expect_backups(t, 2, 0, 0, 2);
	/* Map 1's backup fails: map 1, still the most overdue, gets another. */
	ck_assert_int_eq(tasks_report_failed(t, 6, 22, NULL, 0, 5.5),
	    VERDICT_ACCEPTED);
	expect_backups(t, 2, 0, 0, 1);
	expect_counts(t, 1, 4, 16);
	ck_assert_uint_eq(lease_spec(t, 7, 5.5, TASK_MAP, 1, 1), 23);
	ck_assert_int_eq(lease_rc(t, 8, 5.5), 0);
	/* Map 0's original finishes: its backup is cancelled, map 2 next. */
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 6), VERDICT_ACCEPTED);
	expect_backups(t, 3, 0, 1, 1);
	ck_assert_uint_eq(lease_spec(t, 8, 6, TASK_MAP, 2, 1), 24);
	ck_assert_int_eq(lease_rc(t, 9, 6), 0);
	expect_backups(t, 4, 0, 1, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 1);
	ck_assert_uint_eq(c.running, 3);
	tasks_free(t);

	/* Fewer than 20 tasks: still one. */
	t = straggler_job(3, 1);
	ck_assert_uint_eq(lease_spec(t, 1, 3, TASK_MAP, 2, 1), 3 + 1);
	tasks_free(t);
}
END_TEST

/*
 * When the next backup is due: not before a task of the phase is done, 3
 * medians after the oldest candidate started but never under 1 s, not for
 * one already due, nor one that times out first, nor past the cap.
 */
START_TEST(test_spec_next)
{
	struct tasks *t = tasks_new(inputs3, 3, 1, 10, 3);

	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert(tasks_next_speculation(t, 0) == 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 2), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 2) == 6);
	ck_assert_uint_eq(lease_spec(t, 1, 2, TASK_MAP, 2, 0), 3);
	ck_assert(tasks_next_speculation(t, 2) == 6);
	ck_assert_int_eq(lease_rc(t, 3, 5.99), 0);
	ck_assert_uint_eq(lease_spec(t, 3, 6, TASK_MAP, 1, 1), 4);
	ck_assert(tasks_next_speculation(t, 6) == 0);	/* the cap */
	/* The backup's worker is gone: map 1 is due again, map 2 at 8. */
	tasks_lost(t, 4, 6.5);
	expect_backups(t, 1, 0, 0, 0);
	ck_assert(tasks_next_speculation(t, 6.5) == 8);
	/* A worker asking at 7 gets a backup of map 1, the most overdue. */
	ck_assert_uint_eq(lease_spec(t, 4, 7, TASK_MAP, 1, 1), 5);
	ck_assert(tasks_next_speculation(t, 7) == 0);
	tasks_free(t);

	/* 3 x median past the timeout: the attempt times out first. */
	t = tasks_new(inputs3, 2, 1, 5, 3);
	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 2), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 2) == 0);
	/* Not even when tasks_expire() was not called in time. */
	ck_assert_int_eq(lease_rc(t, 3, 6), 0);
	tasks_free(t);

	/* Tasks of 0.1 s: 1 s, not 0.3 s. */
	t = tasks_new(inputs3, 2, 1, 10, 3);
	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0.25, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 0.1), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 0.1) == 1.25);
	ck_assert_int_eq(lease_rc(t, 3, 0.5), 0);
	ck_assert_uint_eq(lease_spec(t, 3, 1.25, TASK_MAP, 1, 1), 3);
	/* The job done: nothing more. */
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 1.3), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_ok(t, 1, 1.3, TASK_REDUCE, 0), 4);
	ck_assert_int_eq(tasks_report_done(t, 1, 4, 1.4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	ck_assert(tasks_next_speculation(t, 1.4) == 0);
	tasks_free(t);
}
END_TEST

/*
 * The reduce phase is judged by its own durations: maps of 10 s, reduces
 * of 0.1 s; a reduce is due after 1 s (the floor), not 30 s.
 */
START_TEST(test_spec_reduce_phase)
{
	struct tasks *t = tasks_new(inputs3, 2, 3, 100, 3);

	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 10), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 10), VERDICT_ACCEPTED);
	/* No reduce done yet: no backup, however long it runs. */
	ck_assert_uint_eq(lease_ok(t, 1, 10, TASK_REDUCE, 0), 3);
	ck_assert_uint_eq(lease_ok(t, 2, 10, TASK_REDUCE, 1), 4);
	ck_assert_uint_eq(lease_ok(t, 3, 10, TASK_REDUCE, 2), 5);
	ck_assert(tasks_next_speculation(t, 10) == 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 3, 10.1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 4, 10.1), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 10.1) == 11);
	ck_assert_int_eq(lease_rc(t, 1, 10.9), 0);
	ck_assert_uint_eq(lease_spec(t, 1, 11, TASK_REDUCE, 2, 1), 6);
	tasks_free(t);
}
END_TEST

/*
 * Timeouts of a pair: the original's does not queue the task again while
 * its backup runs; the backup's then does. A late report of either still
 * wins and cancels the other; an attempt run since is left to end as any
 * other late one.
 */
START_TEST(test_spec_timeouts)
{
	static const char *want[2] = {
		"timeout 2 @10\n"
		"timeout 3 @13 backup of 2\n"
		"start 4 m1 w4 @13\n"
		"done 2 m1 w2 @14\n"
		"backup-lost 3 m1 w3 @14 backup of 2\n"
		"stale 4 m1 w4 @15\n",
		"timeout 2 @10\n"
		"timeout 3 @13 backup of 2\n"
		"start 4 m1 w4 @13\n"
		"done 3 m1 w3 @14 backup of 2\n"
		"cancelled 2 m1 w2 @14\n"
		"stale 4 m1 w4 @15\n",
	};

	for (int backup_wins = 0; backup_wins <= 1; backup_wins++) {
		struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);
		struct tasks_counts c;
		struct tasks_view v;
		uint64_t winner = backup_wins ? 3 : 2;

		tasks_set_speculation(t, 1);
		ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
		ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
		ck_assert_int_eq(tasks_report_done(t, 1, 1, 1),
		    VERDICT_ACCEPTED);
		ck_assert_uint_eq(lease_spec(t, 3, 3, TASK_MAP, 1, 1), 3);
		events[0] = '\0';
		tasks_set_observer(t, record_event, events);
		/* The original's deadline (10): the backup still runs. */
		ck_assert(tasks_expire(t, 10) == 13);
		tasks_counts(t, &c);
		ck_assert_uint_eq(c.timeouts, 0);
		expect_counts(t, 1, 1, 1);
		ck_assert_int_eq(lease_rc(t, 4, 10), 0);
		ck_assert(tasks_next_speculation(t, 10) == 0);
		v = view_of(t, 1);
		ck_assert_uint_eq(v.worker, 2);
		ck_assert_uint_eq(v.backup_worker, 3);
		/* The backup's (13): neither runs in time, queued again. */
		ck_assert(tasks_expire(t, 13) == 0);
		tasks_counts(t, &c);
		ck_assert_uint_eq(c.timeouts, 1);
		expect_counts(t, 2, 0, 1);
		expect_backups(t, 1, 0, 0, 1);	/* it may still report */
		ck_assert_uint_eq(lease_spec(t, 4, 13, TASK_MAP, 1, 0), 4);
		ck_assert_uint_eq(view_of(t, 1).backup_worker, 3);
		/* No second backup while the first one may still report. */
		ck_assert_int_eq(lease_rc(t, 5, 20), 0);
		ck_assert_int_eq(tasks_report_done(t, (uint32_t)winner, winner,
		    14), VERDICT_ACCEPTED);
		expect_backups(t, 1, backup_wins, !backup_wins, 0);
		ck_assert_int_eq(tasks_report_done(t, 5 - (uint32_t)winner,
		    5 - winner, 15), VERDICT_STALE);
		ck_assert_int_eq(tasks_report_done(t, 4, 4, 15), VERDICT_STALE);
		ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
		ck_assert_str_eq(events, want[backup_wins]);
		tasks_free(t);
	}
}
END_TEST

/*
 * Both timed out and the task queued again, the late original wins while
 * it waits: it leaves the queue, and its timed-out backup is cancelled.
 */
START_TEST(test_spec_timeouts_queued)
{
	struct tasks *t = tasks_new(inputs3, 2, 1, 10, 3);

	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_spec(t, 3, 3, TASK_MAP, 1, 1), 3);
	tasks_expire(t, 13);
	expect_counts(t, 2, 0, 1);
	events[0] = '\0';
	tasks_set_observer(t, record_event, events);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 13.5), VERDICT_ACCEPTED);
	expect_counts(t, 1, 0, 2);
	expect_backups(t, 1, 0, 1, 0);
	ck_assert_uint_eq(lease_spec(t, 4, 14, TASK_REDUCE, 0, 0), 4);
	ck_assert_int_eq(lease_rc(t, 5, 14), 0);
	ck_assert_str_eq(events,
	    "done 2 m1 w2 @13.5\n"
	    "backup-lost 3 m1 w3 @13.5 backup of 2\n"
	    "start 4 r0 w4 @14\n");
	tasks_free(t);
}
END_TEST

/*
 * One of a pair fails or is lost: the other runs on and the task is not
 * queued again; it is only when neither runs. A backup gone lets its
 * original get another one; no count of re-executions moves until one.
 */
START_TEST(test_spec_fail_lost)
{
	struct tasks *t = straggler_job(3, 1);
	struct tasks_counts c;
	struct tasks_view v;

	/* The original fails; the backup finishes alone, and wins. */
	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, NULL, 0, 3.5),
	    VERDICT_ACCEPTED);
	expect_counts(t, 1, 1, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 1);
	ck_assert_int_eq(lease_rc(t, 5, 3.5), 0);
	v = view_of(t, 2);
	ck_assert_uint_eq(v.worker, 4);		/* the backup's, alone */
	ck_assert_uint_eq(v.backup_worker, 0);
	ck_assert(v.start == 3);
	events[0] = '\0';
	tasks_set_observer(t, record_event, events);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	expect_backups(t, 1, 1, 0, 0);
	ck_assert_str_eq(events, "done 4 m2 w4 @4 backup of 3\n");
	tasks_free(t);

	/* The backup is lost: the original runs on and gets another one. */
	t = straggler_job(3, 1);
	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	tasks_lost(t, 4, 3.5);
	expect_counts(t, 1, 1, 2);
	expect_backups(t, 1, 0, 0, 0);
	ck_assert_uint_eq(view_of(t, 2).backup_worker, 0);
	ck_assert_uint_eq(lease_spec(t, 5, 3.5, TASK_MAP, 2, 1), 5);
	/* Then both are lost: queued again, once. */
	tasks_lost(t, 3, 4);
	expect_counts(t, 1, 1, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.lost, 0);
	tasks_lost(t, 5, 4.5);
	expect_counts(t, 2, 0, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.lost, 1);
	expect_backups(t, 2, 0, 0, 0);
	ck_assert_uint_eq(lease_spec(t, 6, 5, TASK_MAP, 2, 0), 6);
	ck_assert_int_eq(lease_rc(t, 7, 5), 0);
	tasks_free(t);

	/* Both fail (backup first): queued again when the second does. */
	t = straggler_job(3, 1);
	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_failed(t, 4, 4, NULL, 0, 3.5),
	    VERDICT_ACCEPTED);
	expect_counts(t, 1, 1, 2);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, NULL, 0, 4),
	    VERDICT_ACCEPTED);
	expect_counts(t, 2, 0, 2);
	tasks_counts(t, &c);
	ck_assert_uint_eq(c.failures, 2);
	ck_assert_uint_eq(lease_spec(t, 5, 4, TASK_MAP, 2, 0), 5);
	ck_assert_int_eq(lease_rc(t, 6, 4), 0);
	tasks_free(t);

	/* A pair failing max_failures times fails the job like any attempts. */
	t = tasks_new(inputs3, 3, 1, 100, 2);
	tasks_set_speculation(t, 1);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	ck_assert_uint_eq(lease_ok(t, 3, 0, TASK_MAP, 2), 3);
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 1), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_failed(t, 4, 4, NULL, 0, 3.5),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_failed(t, 3, 3, NULL, 0, 4),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	tasks_free(t);
}
END_TEST

/*
 * A map done by its backup and later found bad by a reduce is run again as
 * ever; the cancelled original's late report stays stale. Meanwhile a
 * reduce keeps its backup through the map phase, and may finish.
 */
START_TEST(test_spec_reset)
{
	struct tasks *t = straggler_job(3, 2);
	uint32_t bad[] = { 2 };

	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_REDUCE);
	/* Reduce 1 (attempt 6, from 4) is due at 7 after reduce 0's 1 s. */
	ck_assert_uint_eq(lease_spec(t, 1, 4, TASK_REDUCE, 0, 0), 5);
	ck_assert_uint_eq(lease_spec(t, 2, 4, TASK_REDUCE, 1, 0), 6);
	ck_assert_int_eq(tasks_report_done(t, 1, 5, 5), VERDICT_ACCEPTED);
	ck_assert(tasks_next_speculation(t, 5) == 7);
	ck_assert_uint_eq(lease_spec(t, 1, 7, TASK_REDUCE, 1, 1), 7);
	/* Reduce 1's original finds mr-2-1 bad: map 2 runs again. */
	ck_assert_int_eq(tasks_report_failed(t, 2, 6, bad, 1, 8),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	expect_counts(t, 1, 1, 3);	/* map 2 waits, reduce 1 runs */
	expect_backups(t, 2, 1, 0, 1);
	ck_assert_int_eq(tasks_report_done(t, 3, 3, 8.5), VERDICT_STALE);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_uint_eq(lease_spec(t, 3, 9, TASK_MAP, 2, 0), 8);
	/* No reduce backup in the map phase; no second map backup yet. */
	ck_assert_int_eq(lease_rc(t, 5, 9), 0);
	ck_assert_int_eq(tasks_report_done(t, 1, 7, 9.5), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_int_eq(tasks_report_done(t, 3, 8, 10), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	expect_counts(t, 0, 0, 5);
	expect_backups(t, 2, 2, 0, 0);
	tasks_free(t);
}
END_TEST

/* A pair's counters and bytes count once: the winner's. */
START_TEST(test_spec_counters_once)
{
	struct tasks_input in[3] = {
		{ "a.txt", 0, 0, NULL }, { "b.txt", 0, 0, NULL },
		{ "c.txt", 0, 0, NULL },
	};
	struct tasks_map m[3] = { { in, 1, 10 }, { in + 1, 1, 20 },
	    { in + 2, 1, 40 } };
	struct tasks_counter w1[] = { { "words", 1 } };
	struct tasks_counter w7[] = { { "words", 7 }, { "late", 1 } };
	const char *want[] = { "words=3" };
	struct tasks *t = tasks_new_maps(m, 3, 1, 100, 3);
	uint64_t total, done;

	tasks_set_speculation(t, 1);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_uint_eq(lease_ok(t, 1 + i, 0, TASK_MAP, i), 1 + i);
	for (uint32_t i = 0; i < 2; i++)
		ck_assert_int_eq(tasks_report_done_counters(t, 1 + i, 1 + i,
		    w1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_uint_eq(lease_spec(t, 1, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_done_counters(t, 1, 4, w1, 1, 4),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_done_counters(t, 3, 3, w7, 2, 5),
	    VERDICT_STALE);
	expect_totals(t, want, 1);
	tasks_input_bytes(t, &total, &done);
	ck_assert_uint_eq(total, 70);
	ck_assert_uint_eq(done, 70);
	tasks_free(t);
}
END_TEST

/*
 * The one report of a cancelled attempt that still counts: its input is
 * not the one planned. Another attempt read it too, so the job fails, as
 * it does for a timed-out attempt beaten by another.
 */
START_TEST(test_spec_fatal_after_cancel)
{
	struct tasks *t = straggler_job(3, 1);

	ck_assert_uint_eq(lease_spec(t, 4, 3, TASK_MAP, 2, 1), 4);
	ck_assert_int_eq(tasks_report_done(t, 4, 4, 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_report_fatal(t, 3, 3, 5), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_phase(t), PHASE_FAILED);
	ck_assert_int_eq(tasks_report_fatal(t, 3, 3, 5), VERDICT_STALE);
	tasks_free(t);
}
END_TEST

START_TEST(test_status_lines)
{
	char *inputs[] = { "a.txt", "b.txt" };
	struct tasks *t = tasks_new(inputs, 2, 0, 10, 3);
	struct tasks_view v[2];

	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);
	ck_assert_uint_eq(lease_ok(t, 2, 0, TASK_MAP, 1), 2);
	tasks_views(t, v);
	ck_assert_str_eq(v[0].status, "");
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "half", 0.5), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "most", 0.5), VERDICT_ACCEPTED);
	/* Not its attempt, or no attempt at all. */
	ck_assert_int_eq(tasks_set_status(t, 2, 1, "x", 0.5), VERDICT_INVALID);
	ck_assert_int_eq(tasks_set_status(t, 1, 9, "x", 0.5), VERDICT_INVALID);
	tasks_views(t, v);
	ck_assert_str_eq(v[0].status, "most");
	ck_assert_str_eq(v[1].status, "");
	/* Kept once done; an ended attempt says nothing more. */
	ck_assert_int_eq(tasks_report_done(t, 1, 1, 1), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "late", 1.5), VERDICT_STALE);
	tasks_views(t, v);
	ck_assert_str_eq(v[0].status, "most");
	ck_assert_int_eq(tasks_phase(t), PHASE_MAP);
	ck_assert_int_eq(tasks_report_done(t, 2, 2, 2), VERDICT_ACCEPTED);
	/* No reduce task: the job is done with its maps. */
	ck_assert_int_eq(tasks_phase(t), PHASE_DONE);
	ck_assert_uint_eq(tasks_nreduce(t), 0);
	tasks_free(t);
}
END_TEST

/* What the last timeout told its observer. */
struct timeout_seen {
	int		 n;
	struct tasks_event ev;
};

static void
record_timeout(void *arg, const struct tasks_event *ev)
{
	struct timeout_seen *ts = arg;

	if (ev->type != TASKS_EV_TIMEOUT)
		return;
	ts->n++;
	ts->ev = *ev;
}

/*
 * Progress moves an attempt's deadline on (Hadoop's mapreduce.task.timeout
 * counts time without progress); an attempt that says nothing times out
 * as before, and one past its deadline is not brought back.
 */
START_TEST(test_status_rearms)
{
	char *inputs[] = { "a.txt", "b.txt" };
	struct tasks *t = tasks_new(inputs, 2, 1, 10, 3);
	struct timeout_seen ts = { 0 };
	struct tasks_view v[3];

	tasks_set_observer(t, record_timeout, &ts);
	ck_assert_uint_eq(lease_ok(t, 1, 0, TASK_MAP, 0), 1);	/* deadline 10 */
	ck_assert_uint_eq(lease_ok(t, 2, 1, TASK_MAP, 1), 2);	/* deadline 11 */
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "x", 8), VERDICT_ACCEPTED);
	/* Attempt 1 now expires at 18: attempt 2, silent, first, at 11. */
	ck_assert(tasks_expire(t, 9) == 11);
	ck_assert(tasks_expire(t, 10) == 11);
	expect_counts(t, 1, 2, 0);
	ck_assert(tasks_expire(t, 11) == 18);
	ck_assert_int_eq(ts.n, 1);
	ck_assert_uint_eq(ts.ev.attempt, 2);
	ck_assert_int_eq(ts.ev.requeued, 1);
	ck_assert(ts.ev.armed == 1 && ts.ev.start == 1 && ts.ev.now == 11);
	expect_counts(t, 2, 1, 0);
	ck_assert_uint_eq(tasks_timeouts(t), 1);
	/* Progress alone (""): the line stays, the deadline moves to 27. */
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "", 17), VERDICT_ACCEPTED);
	tasks_views(t, v);
	ck_assert_str_eq(v[0].status, "x");
	ck_assert(tasks_expire(t, 26.9) == 27);
	/* A timed-out attempt's line is taken, its task stays queued. */
	ck_assert_int_eq(tasks_set_status(t, 2, 2, "late", 20), VERDICT_ACCEPTED);
	ck_assert(tasks_expire(t, 26.9) == 27);
	expect_counts(t, 2, 1, 0);
	/* Time without progress counts from the last report. */
	ck_assert(tasks_expire(t, 27) == 0);
	ck_assert_int_eq(ts.n, 2);
	ck_assert_uint_eq(ts.ev.attempt, 1);
	ck_assert(ts.ev.armed == 17 && ts.ev.start == 0 && ts.ev.now == 27);
	ck_assert_uint_eq(tasks_timeouts(t), 2);
	expect_counts(t, 3, 0, 0);
	tasks_free(t);
}
END_TEST

/* Re-armed deadlines keep expiry in deadline order among many attempts. */
START_TEST(test_status_rearm_order)
{
	char *inputs[] = { "a", "b", "c", "d" };
	struct tasks *t = tasks_new(inputs, 4, 1, 10, 3);

	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(lease_ok(t, i + 1, i, TASK_MAP, i), i + 1);
	/* Deadlines 10, 11, 12, 13; attempts 1 and 3 report at 5 and 4. */
	ck_assert_int_eq(tasks_set_status(t, 3, 3, "c", 4), VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_set_status(t, 1, 1, "a", 5), VERDICT_ACCEPTED);
	/* Now 2 at 11, 4 at 13, 3 at 14, 1 at 15. */
	ck_assert(tasks_expire(t, 10.5) == 11);
	ck_assert(tasks_expire(t, 11) == 13);
	ck_assert(tasks_expire(t, 13) == 14);
	ck_assert(tasks_expire(t, 14) == 15);
	ck_assert_uint_eq(tasks_timeouts(t), 3);
	ck_assert(tasks_expire(t, 15) == 0);
	ck_assert_uint_eq(tasks_timeouts(t), 4);
	tasks_free(t);
}
END_TEST

/* lease.index: attempts of the task handed out before, backups included. */
START_TEST(test_lease_index)
{
	char *inputs[] = { "a.txt" };
	struct tasks *t = tasks_new(inputs, 1, 1, 10, 3);
	struct lease l;

	ck_assert_int_eq(tasks_lease(t, 1, 0, &l), 1);
	ck_assert_uint_eq(l.index, 0);
	ck_assert_int_eq(tasks_report_failed(t, 1, l.attempt, NULL, 0, 1),
	    VERDICT_ACCEPTED);
	ck_assert_int_eq(tasks_lease(t, 2, 1, &l), 1);
	ck_assert_uint_eq(l.id, 0);
	ck_assert_uint_eq(l.index, 1);
	tasks_expire(t, 11);
	ck_assert_int_eq(tasks_lease(t, 1, 11, &l), 1);
	ck_assert_uint_eq(l.index, 2);
	ck_assert_int_eq(tasks_report_done(t, 1, l.attempt, 12),
	    VERDICT_ACCEPTED);
	/* Each task counts its own. */
	ck_assert_int_eq(tasks_lease(t, 1, 12, &l), 1);
	ck_assert_int_eq(l.kind, TASK_REDUCE);
	ck_assert_uint_eq(l.index, 0);
	tasks_free(t);
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
	tcase_add_test(tc, test_fatal_failure);
	tcase_add_test(tc, test_stamps);
	tcase_add_test(tc, test_invalid_bad_maps_requeues);
	tcase_add_test(tc, test_invalid_bad_maps_no_effect);
	suite_add_tcase(s, tc);

	tc = tcase_create("counters");
	tcase_add_test(tc, test_counters_accepted_only);
	tcase_add_test(tc, test_counters_bad_maps);
	tcase_add_test(tc, test_counters_invalid);
	tcase_add_test(tc, test_counters_name_bound);
	tcase_add_test(tc, test_observer);
	tcase_add_test(tc, test_packed);
	suite_add_tcase(s, tc);

	tc = tcase_create("backups");
	tcase_set_timeout(tc, 120);	/* the simulated jobs, under valgrind */
	tcase_add_test(tc, test_spec_off);
	tcase_add_test(tc, test_spec_backup_wins);
	tcase_add_test(tc, test_spec_backup_loses);
	tcase_add_test(tc, test_spec_jobcount);
	tcase_add_test(tc, test_spec_slow_worker);
	tcase_add_test(tc, test_spec_cap);
	tcase_add_test(tc, test_spec_next);
	tcase_add_test(tc, test_spec_reduce_phase);
	tcase_add_test(tc, test_spec_timeouts);
	tcase_add_test(tc, test_spec_timeouts_queued);
	tcase_add_test(tc, test_spec_fail_lost);
	tcase_add_test(tc, test_spec_reset);
	tcase_add_test(tc, test_spec_counters_once);
	tcase_add_test(tc, test_spec_fatal_after_cancel);
	tcase_add_test(tc, test_status_lines);
	tcase_add_test(tc, test_status_rearms);
	tcase_add_test(tc, test_status_rearm_order);
	tcase_add_test(tc, test_lease_index);
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
