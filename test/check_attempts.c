/*
 * check_attempts - the one store of attempts and workers
 * (coordinator/attempts.h) that the report and the history read: records
 * as the events make them (times as given, bytes, errors cut to the bound
 * asked for), kept tasks first, events of attempts or workers it never
 * heard of and second ends ignored, one observer call per change and none
 * for an ignored event, outcomes and their names; and the same from a
 * real job's events, a backup winning.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "../coordinator/attempts.h"
#include "outcome.h"

static struct attempts *st;

/* What the observer was told, in order. */
static struct {
	enum attempts_record	 what[64];
	size_t			 index[64];
	int			 n;
} seen;

static void
observe(void *arg, enum attempts_record what, size_t index)
{
	ck_assert_ptr_eq(arg, &seen);
	ck_assert_int_lt(seen.n, 64);
	seen.what[seen.n] = what;
	seen.index[seen.n] = index;
	seen.n++;
}

static void
ev_full(enum job_event_type type, uint64_t attempt, uint32_t worker,
    double now, int backup, const char *error)
{
	struct job_event e;
	struct err er;

	memset(&e, 0, sizeof e);
	e.type = type;
	e.attempt = attempt;
	e.worker = worker;
	e.now = now;
	e.kind = attempt % 2 == 0 ? TASK_REDUCE : TASK_MAP;
	e.id = (uint32_t)attempt + 10;
	e.pid = 100 + (int)worker;
	e.backup = backup;
	e.why = "disconnected between tasks";
	e.error = error != NULL ? error : "";
	if (type == JOB_EV_DONE || type == JOB_EV_STALE) {
		e.has_bytes = 1;
		e.bytes_in = 1000 + attempt;
		e.bytes_out = 2000 + attempt;
	}
	ck_assert_int_eq(attempts_on_event(st, &e, &er), 0);
}

static void
ev(enum job_event_type type, uint64_t attempt, uint32_t worker, double now)
{
	ev_full(type, attempt, worker, now, 0, NULL);
}

static void
kept(uint32_t task, uint64_t attempt_then, uint32_t incarnation)
{
	struct job_kept k;
	struct job_event e;
	struct err er;

	memset(&k, 0, sizeof k);
	k.kind = TASK_MAP;
	k.id = task;
	k.attempt = attempt_then;
	k.incarnation = incarnation;
	k.worker = 4;
	k.start = 1.5;
	k.end = 2.25;
	k.bytes_in = 7;
	k.bytes_out = 8;
	memset(&e, 0, sizeof e);
	e.type = JOB_EV_KEPT;
	e.kind = TASK_MAP;
	e.id = task;
	e.kept = &k;
	ck_assert_int_eq(attempts_on_event(st, &e, &er), 0);
}

static struct attempts_attempt
get(size_t i)
{
	struct attempts_attempt a;

	ck_assert_uint_lt(i, attempts_count(st));
	attempts_get(st, i, &a);
	return a;
}

static void
setup(void)
{
	st = attempts_new(ATTEMPTS_ERROR_WHOLE);
	memset(&seen, 0, sizeof seen);
	attempts_set_observer(st, observe, &seen);
}

static void
teardown(void)
{
	attempts_free(st);
}

/* Each end of an attempt, its time, bytes and error as the event gave. */
START_TEST(test_records)
{
	struct attempts_attempt a;
	char big[3000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (uint64_t i = 1; i <= 4; i++)
		ev(JOB_EV_LEASED, i, 1, 10 + (double)i);
	ev_full(JOB_EV_LEASED, 5, 1, 15, 1, NULL);	/* a backup */
	ck_assert_uint_eq(attempts_count(st), 5);
	ck_assert_uint_eq(attempts_nkept(st), 0);
	a = get(0);
	ck_assert_uint_eq(a.attempt, 1);
	ck_assert_int_eq(a.kind, TASK_MAP);
	ck_assert_uint_eq(a.task, 11);
	ck_assert_uint_eq(a.worker, 1);
	ck_assert(!a.ended && !a.kept && !a.has_bytes && !a.has_timeout);
	ck_assert_ptr_null(a.error);
	/* Times as given: on the caller's clock, not since any start. */
	ck_assert_double_eq(a.start, 11);
	ck_assert_int_eq(get(1).kind, TASK_REDUCE);
	ck_assert(get(4).backup);

	ev(JOB_EV_DONE, 1, 1, 20);
	ev(JOB_EV_TIMED_OUT, 2, 1, 21);
	ev(JOB_EV_STALE, 2, 1, 22);
	ev_full(JOB_EV_FAILED, 3, 1, 23, 0, big);
	ev(JOB_EV_LOST, 4, 1, 24);
	ev_full(JOB_EV_CANCELLED, 5, 1, 25, 1, NULL);

	a = get(0);
	ck_assert(a.ended);
	ck_assert_int_eq(a.outcome, OUTCOME_DONE);
	ck_assert_double_eq(a.end, 20);
	ck_assert(a.has_bytes);
	ck_assert_uint_eq(a.bytes_in, 1001);
	ck_assert_uint_eq(a.bytes_out, 2001);
	a = get(1);
	ck_assert_int_eq(a.outcome, OUTCOME_STALE);
	ck_assert(a.has_timeout);
	ck_assert_double_eq(a.timed_out, 21);
	ck_assert_double_eq(a.end, 22);
	a = get(2);
	ck_assert_int_eq(a.outcome, OUTCOME_FAILED);
	ck_assert_str_eq(a.error, big);		/* whole, as asked */
	ck_assert(!a.has_bytes);
	ck_assert_int_eq(get(3).outcome, OUTCOME_LOST);
	ck_assert_ptr_null(get(3).error);
	a = get(4);
	ck_assert_int_eq(a.outcome, OUTCOME_BACKUP_LOST);
	ck_assert(a.backup);
}
END_TEST

/* What it never heard of, or heard of already, changes nothing. */
START_TEST(test_ignored)
{
	struct attempts_attempt a;
	int n;

	ev(JOB_EV_LEASED, 2, 1, 10);		/* not the first id */
	ck_assert_uint_eq(attempts_count(st), 0);
	ev(JOB_EV_LEASED, 1, 1, 10);
	ev(JOB_EV_LEASED, 1, 1, 11);		/* the same id again */
	ev(JOB_EV_LEASED, 3, 1, 11);		/* a gap */
	ck_assert_uint_eq(attempts_count(st), 1);
	ev(JOB_EV_DONE, 1, 1, 12);
	n = seen.n;
	ev(JOB_EV_FAILED, 1, 1, 13);		/* a second end */
	ev(JOB_EV_TIMED_OUT, 1, 1, 14);		/* after its end */
	ev(JOB_EV_DONE, 0, 1, 14);
	ev(JOB_EV_DONE, 9, 1, 14);
	ev(JOB_EV_MAP_RESET, 1, 1, 14);
	ev(JOB_EV_PHASE, 0, 0, 14);
	ev(JOB_EV_PLUGIN, 0, 0, 14);
	ck_assert_int_eq(seen.n, n);
	a = get(0);
	ck_assert_int_eq(a.outcome, OUTCOME_DONE);
	ck_assert_double_eq(a.end, 12);
	ck_assert(!a.has_timeout);
	ck_assert_ptr_null(a.error);

	ev(JOB_EV_WORKER_JOINED, 0, 2, 10);	/* not the first id */
	ev(JOB_EV_WORKER_LEFT, 0, 1, 10);	/* never joined */
	attempts_worker_host(st, 1, "nobody");
	ck_assert_uint_eq(attempts_nworkers(st), 0);
	ck_assert_int_eq(seen.n, n);
}
END_TEST

/* Kept tasks come first; this run's attempt n is after them. */
START_TEST(test_kept_first)
{
	struct attempts_attempt a;

	kept(3, 40, 1);
	kept(5, 2, 2);
	ev(JOB_EV_LEASED, 1, 1, 10);
	kept(6, 9, 2);			/* after a lease: would move attempt 1 */
	ck_assert_uint_eq(attempts_count(st), 3);
	ck_assert_uint_eq(attempts_nkept(st), 2);
	a = get(0);
	ck_assert(a.kept && a.ended && a.has_bytes);
	ck_assert_uint_eq(a.attempt, 40);
	ck_assert_uint_eq(a.incarnation, 1);
	ck_assert_uint_eq(a.task, 3);
	ck_assert_uint_eq(a.worker, 4);
	ck_assert_int_eq(a.outcome, OUTCOME_DONE);
	/* A kept task's times: since the job first started, as given. */
	ck_assert_double_eq(a.start, 1.5);
	ck_assert_double_eq(a.end, 2.25);
	ck_assert_uint_eq(a.bytes_in, 7);
	ck_assert_uint_eq(get(1).attempt, 2);
	ck_assert_uint_eq(get(1).incarnation, 2);
	a = get(2);
	ck_assert(!a.kept);
	ck_assert_uint_eq(a.attempt, 1);
	ck_assert_uint_eq(a.incarnation, 0);
	/* Attempt 1's events find record 2. */
	ev(JOB_EV_DONE, 1, 1, 12);
	ck_assert(get(2).ended);
	ck_assert(get(0).ended);
	ck_assert_uint_eq(seen.n, 4);
	ck_assert_uint_eq(seen.index[3], 2);
}
END_TEST

/* Workers: dense ids, one departure, a host cut to its bound. */
START_TEST(test_workers)
{
	struct attempts_worker w;
	char host[MR_HOST_MAX + 50];

	ev(JOB_EV_WORKER_JOINED, 0, 1, 10);
	ev(JOB_EV_WORKER_JOINED, 0, 2, 11);
	ck_assert_uint_eq(attempts_nworkers(st), 2);
	attempts_worker(st, 1, &w);
	ck_assert_uint_eq(w.id, 2);
	ck_assert_int_eq(w.pid, 102);
	ck_assert_double_eq(w.joined, 11);
	ck_assert_ptr_null(w.host);
	ck_assert_ptr_null(w.why);

	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	attempts_worker_host(st, 2, host);
	attempts_worker_host(st, 2, NULL);	/* none: unchanged */
	ev(JOB_EV_WORKER_LEFT, 0, 2, 15);
	ev(JOB_EV_WORKER_LEFT, 0, 2, 16);	/* gone already */
	attempts_worker(st, 1, &w);
	ck_assert_uint_eq(strlen(w.host), MR_HOST_MAX);
	ck_assert_str_eq(w.why, "disconnected between tasks");
	ck_assert_double_eq(w.left, 15);
	attempts_worker(st, 0, &w);
	ck_assert_ptr_null(w.why);
	/* Two joins, a host, a departure. */
	ck_assert_int_eq(seen.n, 4);
	ck_assert_int_eq(seen.what[0], ATTEMPTS_WORKER);
	ck_assert_uint_eq(seen.index[0], 0);
	ck_assert_uint_eq(seen.index[1], 1);
	ck_assert_uint_eq(seen.index[2], 1);
	ck_assert_uint_eq(seen.index[3], 1);
}
END_TEST

/* One observer call per change, after it, naming the record. */
START_TEST(test_observer)
{
	ev(JOB_EV_WORKER_JOINED, 0, 1, 10);
	ev(JOB_EV_LEASED, 1, 1, 11);
	ev(JOB_EV_LEASED, 2, 1, 11);
	ev(JOB_EV_TIMED_OUT, 2, 1, 12);
	ev(JOB_EV_LOST, 2, 1, 13);
	ck_assert_int_eq(seen.n, 5);
	ck_assert_int_eq(seen.what[0], ATTEMPTS_WORKER);
	ck_assert_int_eq(seen.what[1], ATTEMPTS_ATTEMPT);
	ck_assert_uint_eq(seen.index[1], 0);
	ck_assert_uint_eq(seen.index[2], 1);
	ck_assert_uint_eq(seen.index[3], 1);
	ck_assert_uint_eq(seen.index[4], 1);
	/* None: nobody told, the records still kept. */
	attempts_set_observer(st, NULL, NULL);
	ev(JOB_EV_DONE, 1, 1, 14);
	ck_assert_int_eq(seen.n, 5);
	ck_assert(get(0).ended);
}
END_TEST

/* An error kept up to the bound the store was made with. */
START_TEST(test_error_bound)
{
	struct attempts *cut = attempts_new(MR_HISTORY_ERROR_MAX);
	char big[MR_HISTORY_ERROR_MAX + 100];
	struct attempts_attempt a;
	struct job_event e;
	struct err er;

	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memset(&e, 0, sizeof e);
	e.type = JOB_EV_LEASED;
	e.attempt = 1;
	attempts_on_event(cut, &e, &er);
	e.attempt = 2;
	attempts_on_event(cut, &e, &er);
	e.type = JOB_EV_FAILED;
	e.attempt = 1;
	e.error = big;
	attempts_on_event(cut, &e, &er);
	e.attempt = 2;
	e.error = "short";
	attempts_on_event(cut, &e, &er);
	attempts_get(cut, 0, &a);
	ck_assert_uint_eq(strlen(a.error), MR_HISTORY_ERROR_MAX);
	ck_assert(strncmp(a.error, big, MR_HISTORY_ERROR_MAX) == 0);
	attempts_get(cut, 1, &a);
	ck_assert_str_eq(a.error, "short");
	attempts_free(cut);
}
END_TEST

/* Outcomes as the History tells them, and their names in the report. */
START_TEST(test_outcomes)
{
	static const struct {
		int		 ended;
		enum tasks_outcome o;
		int		 backup, timeout;
		Mr__AttemptOutcome want;
		const char	*name;
	} c[] = {
		{ 0, OUTCOME_DONE, 0, 1, MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING,
		    "running" },
		{ 1, OUTCOME_DONE, 0, 0, MR__ATTEMPT_OUTCOME__ATTEMPT_DONE,
		    "done" },
		{ 1, OUTCOME_DONE, 1, 0,
		    MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON, "backup-won" },
		{ 1, OUTCOME_CANCELLED, 0, 1,
		    MR__ATTEMPT_OUTCOME__ATTEMPT_CANCELLED, "cancelled" },
		{ 1, OUTCOME_BACKUP_LOST, 1, 0,
		    MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_LOST, "backup-lost" },
		{ 1, OUTCOME_STALE, 0, 1, MR__ATTEMPT_OUTCOME__ATTEMPT_STALE,
		    "stale" },
		{ 1, OUTCOME_FAILED, 0, 0, MR__ATTEMPT_OUTCOME__ATTEMPT_FAILED,
		    "failed" },
		{ 1, OUTCOME_LOST, 0, 0, MR__ATTEMPT_OUTCOME__ATTEMPT_LOST,
		    "lost" },
		/* Given up on at its deadline, then gone: a timeout. */
		{ 1, OUTCOME_LOST, 0, 1, MR__ATTEMPT_OUTCOME__ATTEMPT_TIMEOUT,
		    "timeout" },
	};
	struct attempts_attempt a;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		memset(&a, 0, sizeof a);
		a.ended = c[i].ended;
		a.outcome = c[i].o;
		a.backup = c[i].backup;
		a.has_timeout = c[i].timeout;
		ck_assert_int_eq(attempts_outcome(&a), c[i].want);
		ck_assert_str_eq(outcome_name(c[i].want), c[i].name);
	}
	ck_assert_str_eq(outcome_name((Mr__AttemptOutcome)99),
	    "unknown");
}
END_TEST

/* From a real job's events: a backup that wins, its original cancelled. */
START_TEST(test_real_job)
{
	char *in[] = { "a.txt", "b.txt" };
	struct tasks *t = tasks_new(in, 2, 1, 100, 3);
	struct job_done_report d;
	struct attempts_attempt a;
	struct lease l1, l2, l3;
	struct job *j;

	tasks_set_speculation(t, 1);
	j = job_new(t, 10);
	job_subscribe(j, attempts_on_event, st);
	job_worker_joined(j, 1, 501, 0);
	job_worker_joined(j, 2, 502, 0);
	ck_assert_int_eq(job_lease(j, 1, 1, &l1), 1);
	ck_assert_int_eq(job_lease(j, 2, 1, &l2), 1);
	memset(&d, 0, sizeof d);
	d.attempt = l2.attempt;
	d.bytes_in = 5;
	d.bytes_out = 6;
	ck_assert_int_eq(job_done(j, 2, &d, 2), VERDICT_ACCEPTED);
	/* Task 0 has run long enough: worker 2 backs it up, and wins. */
	ck_assert_int_eq(job_lease(j, 2, 30, &l3), 1);
	ck_assert(l3.backup);
	d.attempt = l3.attempt;
	ck_assert_int_eq(job_done(j, 2, &d, 31), VERDICT_ACCEPTED);

	ck_assert_uint_eq(attempts_count(st), 3);
	ck_assert_uint_eq(attempts_nworkers(st), 2);
	a = get(l1.attempt - 1);
	ck_assert(a.ended);
	ck_assert_int_eq(attempts_outcome(&a),
	    MR__ATTEMPT_OUTCOME__ATTEMPT_CANCELLED);
	ck_assert_double_eq(a.end, 31);
	a = get(l3.attempt - 1);
	ck_assert(a.backup);
	ck_assert_uint_eq(a.task, l1.id);
	ck_assert_int_eq(attempts_outcome(&a),
	    MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON);
	ck_assert_uint_eq(a.bytes_out, 6);
	job_free(j);
}
END_TEST

static Suite *
attempts_suite(void)
{
	Suite *s = suite_create("attempts");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_ignored);
	tcase_add_test(tc, test_kept_first);
	tcase_add_test(tc, test_workers);
	tcase_add_test(tc, test_observer);
	tcase_add_test(tc, test_error_bound);
	tcase_add_test(tc, test_outcomes);
	tcase_add_test(tc, test_real_job);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(attempts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
