/*
 * check_job - the job layer (coordinator/job.h): one typed event stream to
 * any number of subscribers, heard in order, with what the reports said;
 * phase changes published once; a map reset by a failing reduce; a
 * subscriber that fails fails the job; totals of accepted attempts only;
 * the outcome an ending event tells.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/job.h"

static char *inputs2[] = { "a.txt", "b.txt" };

/* What a subscriber heard, in order. */
struct heard {
	enum job_event_type	 type[64];
	struct job_event	 ev[64];
	char			 error[64][64];
	int			 n;
	int			 order[64];	/* global order of hearing */
	int			 fail_on;	/* -1, or fail on this type */
};

static int heard_clock;

static int
heard_cb(void *arg, const struct job_event *ev, struct err *e)
{
	struct heard *h = arg;

	ck_assert_int_lt(h->n, 64);
	h->type[h->n] = ev->type;
	h->ev[h->n] = *ev;
	h->ev[h->n].lease = NULL;
	h->ev[h->n].counters = NULL;
	h->ev[h->n].why = NULL;
	h->ev[h->n].error = NULL;
	snprintf(h->error[h->n], sizeof h->error[h->n], "%s",
	    ev->error != NULL ? ev->error : "");
	h->order[h->n] = heard_clock++;
	h->n++;
	if (h->fail_on >= 0 && (int)ev->type == h->fail_on) {
		err_set(e, "journal: disk full");
		return -1;
	}
	return 0;
}

static struct job *
new_job(uint32_t nreduce)
{
	return job_new(tasks_new(inputs2, 2, nreduce, 10, 4), 1234);
}

/* A job of one map task. */
static struct job *
new_job1(void)
{
	return job_new(tasks_new(inputs2, 1, 1, 10, 4), 1234);
}

static int
count(const struct heard *h, enum job_event_type type)
{
	int n = 0;

	for (int i = 0; i < h->n; i++)
		n += h->type[i] == type;
	return n;
}

static int
find(const struct heard *h, enum job_event_type type)
{
	for (int i = 0; i < h->n; i++)
		if (h->type[i] == type)
			return i;
	return -1;
}

static void
done(struct job *j, uint32_t worker, uint64_t attempt, uint64_t out)
{
	struct job_done_report r;

	memset(&r, 0, sizeof r);
	r.attempt = attempt;
	r.bytes_in = 10;
	r.bytes_out = out;
	ck_assert_int_eq(job_done(j, worker, &r, 1.0), VERDICT_ACCEPTED);
}

START_TEST(test_stream_in_order)
{
	struct heard a = { .fail_on = -1 }, b = { .fail_on = -1 };
	struct job *j = new_job(1);
	struct lease l;
	struct job_totals tot;

	job_subscribe(j, heard_cb, &a);
	job_subscribe(j, heard_cb, &b);
	job_worker_joined(j, 1, 4242, 0.0);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l), 1);
	done(j, 1, l.attempt, 100);
	ck_assert_int_eq(job_lease(j, 1, 1.0, &l), 1);
	done(j, 1, l.attempt, 200);
	/* The maps are done: the phase is published once. */
	ck_assert_int_eq(count(&a, JOB_EV_PHASE), 1);
	ck_assert_int_eq(a.ev[find(&a, JOB_EV_PHASE)].phase, PHASE_REDUCE);
	ck_assert_int_eq(job_lease(j, 1, 2.0, &l), 1);
	ck_assert_int_eq(l.kind, TASK_REDUCE);
	done(j, 1, l.attempt, 7);
	job_worker_left(j, 1, "job over", 3.0);

	ck_assert_int_eq(a.n, b.n);
	for (int i = 0; i < a.n; i++) {
		ck_assert_int_eq(a.type[i], b.type[i]);
		/* Each event reaches the first subscriber before the second. */
		ck_assert_int_lt(a.order[i], b.order[i]);
		if (i > 0)
			ck_assert_int_lt(b.order[i - 1], a.order[i]);
	}
	ck_assert_int_eq(a.type[0], JOB_EV_WORKER_JOINED);
	ck_assert_int_eq(a.ev[0].pid, 4242);
	ck_assert_int_eq(a.type[1], JOB_EV_LEASED);
	ck_assert_int_eq(a.type[2], JOB_EV_DONE);
	ck_assert_int_eq(a.ev[2].has_bytes, 1);
	ck_assert_uint_eq(a.ev[2].bytes_out, 100);
	ck_assert_int_eq(count(&a, JOB_EV_DONE), 3);
	ck_assert_int_eq(a.type[a.n - 2], JOB_EV_PHASE);
	ck_assert_int_eq(a.ev[a.n - 2].phase, PHASE_DONE);
	ck_assert_int_eq(a.type[a.n - 1], JOB_EV_WORKER_LEFT);
	ck_assert_int_eq(job_phase(j), PHASE_DONE);
	job_totals(j, &tot);
	ck_assert_uint_eq(tot.map_bytes, 300);
	ck_assert_uint_eq(tot.reduce_bytes, 7);
	ck_assert_uint_eq(tot.reduces_timed, 1);
	ck_assert_uint_eq(job_input_bytes(j), 1234);
	job_free(j);
}
END_TEST

START_TEST(test_stale_counts_nothing)
{
	struct heard a = { .fail_on = -1 };
	struct job *j = new_job1();
	struct job_done_report r;
	struct job_totals tot;
	struct lease l1, l2;
	uint64_t n;

	job_subscribe(j, heard_cb, &a);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l1), 1);
	/* It times out and goes to worker 2, which finishes first. */
	job_expire(j, 11.0, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(count(&a, JOB_EV_TIMED_OUT), 1);
	ck_assert_int_eq(job_lease(j, 2, 11.0, &l2), 1);
	ck_assert_uint_eq(l2.id, l1.id);
	done(j, 2, l2.attempt, 50);
	memset(&r, 0, sizeof r);
	r.attempt = l1.attempt;
	r.bytes_out = 999;
	ck_assert_int_eq(job_done(j, 1, &r, 12.0), VERDICT_STALE);
	ck_assert_int_eq(count(&a, JOB_EV_STALE), 1);
	ck_assert_uint_eq(a.ev[find(&a, JOB_EV_STALE)].bytes_out, 999);
	job_totals(j, &tot);
	ck_assert_uint_eq(tot.map_bytes, 50);
	job_free(j);
}
END_TEST

START_TEST(test_failure_and_reset)
{
	struct heard a = { .fail_on = -1 };
	struct job *j = new_job(1);
	struct job_failed_report f;
	struct lease l;
	uint32_t bad[] = { 1 };
	int i;

	job_subscribe(j, heard_cb, &a);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l), 1);
	done(j, 1, l.attempt, 1);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l), 1);
	done(j, 1, l.attempt, 1);
	ck_assert_int_eq(job_lease(j, 1, 1.0, &l), 1);
	ck_assert_int_eq(l.kind, TASK_REDUCE);
	memset(&f, 0, sizeof f);
	f.attempt = l.attempt;
	f.error = "mr-1-0: cut short";
	f.bad_maps = bad;
	f.nbad = 1;
	ck_assert_int_eq(job_failed(j, 1, &f, 2.0), VERDICT_ACCEPTED);
	i = find(&a, JOB_EV_FAILED);
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(a.error[i], "mr-1-0: cut short");
	i = find(&a, JOB_EV_MAP_RESET);
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(a.ev[i].id, 1);
	ck_assert_int_eq(count(&a, JOB_EV_MAP_RESET), 1);
	/* Back to the map phase, published. */
	ck_assert_int_eq(a.type[a.n - 1], JOB_EV_PHASE);
	ck_assert_int_eq(a.ev[a.n - 1].phase, PHASE_MAP);
	job_free(j);
}
END_TEST

START_TEST(test_failure_text)
{
	struct job *j = new_job1();
	struct job_failed_report f;
	struct lease l;

	for (int k = 0; k < 4; k++) {
		ck_assert_int_eq(job_lease(j, 1, k, &l), 1);
		memset(&f, 0, sizeof f);
		f.attempt = l.attempt;
		f.error = k == 3 ? "map function of mgrep failed" : "";
		job_failed(j, 1, &f, k);
	}
	/* The map task failed 4 times. */
	ck_assert_int_eq(job_phase(j), PHASE_FAILED);
	ck_assert_ptr_nonnull(strstr(job_failure(j), "failed 4 times"));
	ck_assert_ptr_nonnull(strstr(job_failure(j),
	    "last error: map function of mgrep failed"));
	job_free(j);
}
END_TEST

START_TEST(test_failing_subscriber_fails_job)
{
	struct heard a = { .fail_on = JOB_EV_DONE }, b = { .fail_on = -1 };
	struct job *j = new_job(1);
	struct lease l;

	job_subscribe(j, heard_cb, &a);
	job_subscribe(j, heard_cb, &b);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l), 1);
	done(j, 1, l.attempt, 1);
	/* The other subscriber still heard it, then heard the failure. */
	ck_assert_int_eq(count(&b, JOB_EV_DONE), 1);
	ck_assert_int_eq(job_phase(j), PHASE_FAILED);
	ck_assert_str_eq(job_failure(j), "journal: disk full");
	ck_assert_int_eq(b.type[b.n - 1], JOB_EV_PHASE);
	ck_assert_int_eq(b.ev[b.n - 1].phase, PHASE_FAILED);
	ck_assert_int_eq(count(&b, JOB_EV_PHASE), 1);
	/* Nothing more is handed out. */
	ck_assert_int_eq(job_lease(j, 1, 1.0, &l), -1);
	job_free(j);
}
END_TEST

START_TEST(test_job_fail)
{
	struct heard a = { .fail_on = -1 };
	struct job *j = new_job(1);

	job_subscribe(j, heard_cb, &a);
	job_fail(j, "interrupted", 1.0);
	ck_assert_int_eq(job_phase(j), PHASE_FAILED);
	ck_assert_str_eq(job_failure(j), "interrupted");
	job_fail(j, "again", 2.0);
	ck_assert_str_eq(job_failure(j), "interrupted");
	ck_assert_int_eq(count(&a, JOB_EV_PHASE), 1);
	job_free(j);
}
END_TEST

START_TEST(test_lost)
{
	struct heard a = { .fail_on = -1 };
	struct job *j = new_job(1);
	struct lease l, l2;

	job_subscribe(j, heard_cb, &a);
	ck_assert_int_eq(job_lease(j, 1, 0.0, &l), 1);
	job_lost(j, l.attempt, 1.0);
	ck_assert_int_eq(count(&a, JOB_EV_LOST), 1);
	ck_assert_int_eq(job_lease(j, 2, 1.0, &l2), 1);
	ck_assert_uint_eq(l2.id, 1);	/* the other map first */
	ck_assert_int_eq(job_lease(j, 2, 1.0, &l2), 1);
	ck_assert_uint_eq(l2.id, l.id);	/* then the lost one again */
	job_free(j);
}
END_TEST

/* The outcome an event tells; none for an event that ends no attempt. */
START_TEST(test_event_outcome)
{
	static const struct {
		enum job_event_type type;
		int		 backup, rc;
		enum tasks_outcome want;
	} c[] = {
		{ JOB_EV_DONE, 0, 0, OUTCOME_DONE },
		{ JOB_EV_DONE, 1, 0, OUTCOME_DONE },
		{ JOB_EV_STALE, 0, 0, OUTCOME_STALE },
		{ JOB_EV_FAILED, 1, 0, OUTCOME_FAILED },
		{ JOB_EV_LOST, 0, 0, OUTCOME_LOST },
		{ JOB_EV_CANCELLED, 0, 0, OUTCOME_CANCELLED },
		{ JOB_EV_CANCELLED, 1, 0, OUTCOME_BACKUP_LOST },
		{ JOB_EV_LEASED, 0, -1, OUTCOME_DONE },
		{ JOB_EV_TIMED_OUT, 0, -1, OUTCOME_DONE },
		{ JOB_EV_KEPT, 0, -1, OUTCOME_DONE },
		{ JOB_EV_WORKER_LEFT, 0, -1, OUTCOME_DONE },
		{ JOB_EV_PHASE, 0, -1, OUTCOME_DONE },
	};
	struct job_event e;
	enum tasks_outcome o;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		memset(&e, 0, sizeof e);
		e.type = c[i].type;
		e.backup = c[i].backup;
		o = OUTCOME_DONE;
		ck_assert_int_eq(job_event_outcome(&e, &o), c[i].rc);
		ck_assert_int_eq(o, c[i].want);
	}
}
END_TEST

static Suite *
job_suite(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("events");

	tcase_add_test(tc, test_stream_in_order);
	tcase_add_test(tc, test_stale_counts_nothing);
	tcase_add_test(tc, test_failure_and_reset);
	tcase_add_test(tc, test_failure_text);
	tcase_add_test(tc, test_failing_subscriber_fails_job);
	tcase_add_test(tc, test_job_fail);
	tcase_add_test(tc, test_lost);
	tcase_add_test(tc, test_event_outcome);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(job_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
