/*
 * check_history - the history of attempts and workers a client reads
 * change by change (coordinator/history.h), over the records of a store
 * (coordinator/attempts.h) fed the job's events: each changed record once, as
 * it is now; nothing after the last change; answers cut to a size with
 * `more`; outcomes named as the report names them; errors and hosts cut
 * to their bounds; events of attempts it never heard of ignored.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "../coordinator/history.h"

static struct attempts *st;		/* the records it numbers */
static struct history *h;

static void
ev(enum job_event_type type, uint64_t attempt, uint32_t worker, double now)
{
	struct job_event e;
	struct err er;

	memset(&e, 0, sizeof e);
	e.type = type;
	e.attempt = attempt;
	e.worker = worker;
	e.now = now;
	e.kind = TASK_MAP;
	e.id = (uint32_t)attempt - 1;
	e.pid = 100 + (int)worker;
	e.why = "connection lost during a task";
	e.error = "";
	ck_assert_int_eq(attempts_on_event(st, &e, &er), 0);
}

static void
setup(void)
{
	st = attempts_new(ATTEMPTS_ERROR_WHOLE);
	h = history_new(st, 10.0);
}

static void
teardown(void)
{
	history_free(h);
	attempts_free(st);
}

/* The record of attempt index i in m, or NULL. */
static const Mr__AttemptRecord *
find(const Mr__History *m, uint64_t index)
{
	for (size_t i = 0; i < m->n_attempts; i++)
		if (m->attempts[i]->index == index)
			return m->attempts[i];
	return NULL;
}

START_TEST(test_changes_once)
{
	Mr__History *m;

	ev(JOB_EV_WORKER_JOINED, 0, 1, 10.5);
	attempts_worker_host(st, 1, "node-a");
	ev(JOB_EV_LEASED, 1, 1, 11);
	ev(JOB_EV_LEASED, 2, 1, 11.5);
	ev(JOB_EV_DONE, 1, 1, 12);
	ck_assert_uint_eq(history_seq(h), 5);

	m = history_build(h, 0, MR_HISTORY_FRAME_MAX, 13);
	ck_assert_uint_eq(m->seq, 5);
	ck_assert(!m->more);
	ck_assert_double_eq_tol(m->elapsed, 3, 1e-9);
	/* Attempt 1 changed twice: it comes once, done. */
	ck_assert_uint_eq(m->n_attempts, 2);
	ck_assert_uint_eq(m->n_workers, 1);
	ck_assert_int_eq(find(m, 1)->outcome, MR__ATTEMPT_OUTCOME__ATTEMPT_DONE);
	ck_assert_double_eq_tol(find(m, 1)->start, 1, 1e-9);
	ck_assert_double_eq_tol(find(m, 1)->end, 2, 1e-9);
	ck_assert_int_eq(find(m, 2)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING);
	ck_assert_double_eq(find(m, 2)->end, 0);
	ck_assert_str_eq(m->workers[0]->host, "node-a");
	ck_assert_int_eq(m->workers[0]->pid, 101);
	ck_assert_str_eq(m->workers[0]->left, "");
	history_msg_free(m);

	/* Nothing new: nothing sent. */
	m = history_build(h, 5, MR_HISTORY_FRAME_MAX, 13);
	ck_assert_uint_eq(m->seq, 5);
	ck_assert_uint_eq(m->n_attempts + m->n_workers, 0);
	history_msg_free(m);
	/* A since beyond the last change is the last change. */
	m = history_build(h, 99, MR_HISTORY_FRAME_MAX, 13);
	ck_assert_uint_eq(m->seq, 5);
	history_msg_free(m);

	/* One change: that record alone. */
	ev(JOB_EV_WORKER_LEFT, 0, 1, 14);
	m = history_build(h, 5, MR_HISTORY_FRAME_MAX, 14);
	ck_assert_uint_eq(m->seq, 6);
	ck_assert_uint_eq(m->n_attempts, 0);
	ck_assert_uint_eq(m->n_workers, 1);
	ck_assert_str_eq(m->workers[0]->left, "connection lost during a task");
	ck_assert_double_eq_tol(m->workers[0]->disconnected, 4, 1e-9);
	history_msg_free(m);
}
END_TEST

/* Cut to a size: the rest follows from the seq it gives, nothing twice. */
START_TEST(test_more)
{
	Mr__History *m;
	uint64_t since = 0, seen[201];
	size_t got = 0, rounds = 0;

	memset(seen, 0, sizeof seen);
	for (uint64_t a = 1; a <= 200; a++)
		ev(JOB_EV_LEASED, a, 1, 11);
	for (uint64_t a = 1; a <= 200; a += 2)
		ev(JOB_EV_DONE, a, 1, 12);
	do {
		m = history_build(h, since, 400, 13);
		ck_assert(m->n_attempts > 0);
		for (size_t i = 0; i < m->n_attempts; i++) {
			ck_assert_uint_le(m->attempts[i]->index, 200);
			seen[m->attempts[i]->index]++;
		}
		got += m->n_attempts;
		since = m->seq;
		rounds++;
		if (!m->more)
			ck_assert_uint_eq(m->seq, history_seq(h));
		history_msg_free(m);
	} while (since < history_seq(h));
	ck_assert_uint_gt(rounds, 5);
	/* An attempt changed after an earlier answer may come again, never lost. */
	for (int a = 1; a <= 200; a++)
		ck_assert_uint_ge(seen[a], 1);
	ck_assert_uint_ge(got, 200);
	/* A record larger than the bound still comes, alone. */
	m = history_build(h, 0, 1, 13);
	ck_assert_uint_eq(m->n_attempts, 1);
	ck_assert(m->more);
	/* Changes 1 and 3 (attempts 1 and 3, done later) are skipped: 2 is in. */
	ck_assert_uint_eq(m->attempts[0]->index, 2);
	ck_assert_uint_eq(m->seq, 3);
	history_msg_free(m);
}
END_TEST

/* Outcomes as report.c names them. */
START_TEST(test_outcomes)
{
	struct job_event e;
	struct err er;
	Mr__History *m;
	char big[MR_HISTORY_ERROR_MAX + 100], host[MR_HOST_MAX + 50];

	for (uint64_t a = 1; a <= 6; a++)
		ev(JOB_EV_LEASED, a, 1, 11);
	ev(JOB_EV_TIMED_OUT, 1, 1, 12);
	ev(JOB_EV_LOST, 1, 1, 13);		/* timeout, then gone */
	ev(JOB_EV_LOST, 2, 1, 13);
	ev(JOB_EV_STALE, 3, 1, 13);
	memset(&e, 0, sizeof e);
	e.type = JOB_EV_CANCELLED;
	e.attempt = 4;
	e.backup = 1;
	e.now = 13;
	attempts_on_event(st, &e, &er);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	e.type = JOB_EV_FAILED;
	e.attempt = 5;
	e.backup = 0;
	e.error = big;
	attempts_on_event(st, &e, &er);
	/* Unknown attempts are not ours: ignored. */
	ev(JOB_EV_DONE, 99, 1, 13);
	ev(JOB_EV_LEASED, 50, 1, 13);		/* not the next id */
	ev(JOB_EV_WORKER_JOINED, 0, 1, 10);
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	attempts_worker_host(st, 1, host);
	attempts_worker_host(st, 7, "nobody");	/* no such worker */

	m = history_build(h, 0, MR_HISTORY_FRAME_MAX, 14);
	ck_assert_uint_eq(m->n_attempts, 6);
	ck_assert_int_eq(find(m, 1)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_TIMEOUT);
	ck_assert_double_eq_tol(find(m, 1)->timed_out, 2, 1e-9);
	ck_assert_int_eq(find(m, 2)->outcome, MR__ATTEMPT_OUTCOME__ATTEMPT_LOST);
	ck_assert_double_eq(find(m, 2)->timed_out, 0);
	ck_assert_int_eq(find(m, 3)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_STALE);
	ck_assert_int_eq(find(m, 4)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_LOST);
	ck_assert_int_eq(find(m, 5)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_FAILED);
	ck_assert_uint_eq(strlen(find(m, 5)->error), MR_HISTORY_ERROR_MAX);
	ck_assert_int_eq(find(m, 6)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_RUNNING);
	ck_assert_uint_eq(m->n_workers, 1);
	ck_assert_uint_eq(strlen(m->workers[0]->host), MR_HOST_MAX);
	history_msg_free(m);
}
END_TEST

/* A backup that finishes first is backup-won; a kept task has no times. */
START_TEST(test_backup_kept)
{
	struct job_kept k;
	struct job_event e;
	struct err er;
	Mr__History *m;

	memset(&k, 0, sizeof k);
	k.kind = TASK_REDUCE;
	k.id = 3;
	k.attempt = 40;
	k.incarnation = 1;
	k.start = 5;
	k.end = 6;
	memset(&e, 0, sizeof e);
	e.type = JOB_EV_KEPT;
	e.kept = &k;
	attempts_on_event(st, &e, &er);
	memset(&e, 0, sizeof e);
	e.type = JOB_EV_LEASED;
	e.attempt = 1;
	e.backup = 1;
	e.now = 11;
	attempts_on_event(st, &e, &er);
	e.type = JOB_EV_DONE;
	e.now = 12;
	e.has_bytes = 1;
	e.bytes_in = 7;
	e.bytes_out = 8;
	attempts_on_event(st, &e, &er);
	m = history_build(h, 0, MR_HISTORY_FRAME_MAX, 14);
	ck_assert_uint_eq(m->n_attempts, 2);
	ck_assert(find(m, 1)->kept);
	ck_assert_uint_eq(find(m, 1)->attempt, 40);
	ck_assert_int_eq(find(m, 1)->kind, MR__TASK_KIND__KIND_REDUCE);
	ck_assert_int_eq(find(m, 1)->outcome, MR__ATTEMPT_OUTCOME__ATTEMPT_DONE);
	ck_assert_int_eq(find(m, 2)->outcome,
	    MR__ATTEMPT_OUTCOME__ATTEMPT_BACKUP_WON);
	ck_assert(find(m, 2)->has_bytes);
	ck_assert_uint_eq(find(m, 2)->bytes_read, 7);
	ck_assert_uint_eq(find(m, 2)->bytes_written, 8);
	history_msg_free(m);
}
END_TEST

static Suite *
history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_changes_once);
	tcase_add_test(tc, test_more);
	tcase_add_test(tc, test_outcomes);
	tcase_add_test(tc, test_backup_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(history_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
