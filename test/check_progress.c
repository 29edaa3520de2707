/*
 * check_progress - the coordinator's progress line (coordinator/progress.h):
 * durations, the rate, the ETA of each phase and unknown ones, and the line
 * shortened to fit any terminal width.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/progress.h"

/* A map phase 10 s in: 40 of 100 MB done, 8 of 20 tasks, 2 running. */
static struct progress_snapshot
map_snap(void)
{
	struct progress_snapshot s;

	memset(&s, 0, sizeof s);
	s.phase = PHASE_MAP;
	s.elapsed = 10;
	s.total = 20;
	s.done = 8;
	s.running = 2;
	s.waiting = 10;
	s.workers = 2;
	s.bytes = 100000000;
	s.bytes_done = 40000000;
	return s;
}

START_TEST(test_duration)
{
	char b[32];

	progress_duration(0, 1, b, sizeof b);
	ck_assert_str_eq(b, "0.0 s");
	progress_duration(12.34, 1, b, sizeof b);
	ck_assert_str_eq(b, "12.3 s");
	progress_duration(12.2, 0, b, sizeof b);
	ck_assert_str_eq(b, "13 s");	/* an ETA rounds up */
	progress_duration(59.99, 1, b, sizeof b);
	ck_assert_str_eq(b, "1m00s");
	progress_duration(245, 0, b, sizeof b);
	ck_assert_str_eq(b, "4m05s");
	progress_duration(7800, 1, b, sizeof b);
	ck_assert_str_eq(b, "2h10m");
	progress_duration(-3, 0, b, sizeof b);
	ck_assert_str_eq(b, "0 s");
}
END_TEST

START_TEST(test_rate)
{
	struct progress_snapshot s = map_snap();

	ck_assert_double_eq_tol(progress_rate(&s), 4.0, 1e-9);
	s.elapsed = 0;
	ck_assert_double_eq(progress_rate(&s), 0);
}
END_TEST

START_TEST(test_eta_map)
{
	struct progress_snapshot s = map_snap();

	/* 60 MB left at 4 MB/s. */
	ck_assert_double_eq_tol(progress_eta(&s), 15.0, 1e-9);
	s.bytes_done = 0;
	ck_assert_double_eq(progress_eta(&s), -1);
	/* Empty inputs: by tasks, 12 left at 0.8 a second. */
	s.bytes = 0;
	ck_assert_double_eq_tol(progress_eta(&s), 15.0, 1e-9);
	s.done = 0;
	ck_assert_double_eq(progress_eta(&s), -1);
	s = map_snap();
	s.elapsed = 0;
	ck_assert_double_eq(progress_eta(&s), -1);
}
END_TEST

START_TEST(test_eta_reduce)
{
	struct progress_snapshot s = map_snap();

	s.phase = PHASE_REDUCE;
	s.total = 10;
	s.done = 2;
	s.running = 2;
	s.waiting = 6;
	s.workers = 2;
	ck_assert_double_eq(progress_eta(&s), -1);	/* no reduce done yet */
	/* 8 reduces of 3 s on 2 workers, the running ones 1 s in each. */
	s.reduce_avg = 3;
	s.reduce_running = 2;
	ck_assert_double_eq_tol(progress_eta(&s), (8 * 3 - 2) / 2.0, 1e-9);
	/* More workers than tasks: only as many run at once as are left. */
	s.workers = 50;
	ck_assert_double_eq_tol(progress_eta(&s), (8 * 3 - 2) / 8.0, 1e-9);
	s.workers = 0;
	ck_assert_double_eq(progress_eta(&s), -1);
	s.workers = 2;
	s.running = s.waiting = 0;
	ck_assert_double_eq(progress_eta(&s), 0);
	s.phase = PHASE_DONE;
	ck_assert_double_eq(progress_eta(&s), 0);
}
END_TEST

START_TEST(test_format_full)
{
	struct progress_snapshot s = map_snap();
	char b[256];
	size_t n;

	n = progress_format(&s, 0, b, sizeof b);
	ck_assert_str_eq(b, "map 8/20 done, 2 running, 10 waiting | 2 workers "
	    "| 10.0 s | 4.0 MB/s | ETA 15 s");
	ck_assert_uint_eq(n, strlen(b));
	s.bytes_done = 0;
	s.workers = 1;
	progress_format(&s, 0, b, sizeof b);
	ck_assert_str_eq(b, "map 8/20 done, 2 running, 10 waiting | 1 worker "
	    "| 10.0 s | 0.0 MB/s | ETA --");
}
END_TEST

/* Every width gets a line that fits, and the widest that fits. */
START_TEST(test_format_widths)
{
	struct progress_snapshot s = map_snap();
	char full[256], b[256];
	size_t len, prev = 0;

	len = progress_format(&s, 0, full, sizeof full);
	for (size_t w = 1; w <= len + 5; w++) {
		size_t n = progress_format(&s, w, b, sizeof b);

		ck_assert_uint_le(n, w);
		ck_assert_uint_eq(n, strlen(b));
		ck_assert_uint_ge(n, prev);	/* never shorter when wider */
		prev = n;
		ck_assert(strncmp(b, "map", n < 3 ? n : 3) == 0);
		if (w >= len)
			ck_assert_str_eq(b, full);
	}
	progress_format(&s, 40, b, sizeof b);
	ck_assert_str_eq(b, "map 8/20 | 10.0 s | ETA 15 s");
	progress_format(&s, 16, b, sizeof b);
	ck_assert_str_eq(b, "map 8/20");
	progress_format(&s, 5, b, sizeof b);
	ck_assert_str_eq(b, "map 8");
	/* A small buffer is never overrun. */
	ck_assert_uint_eq(progress_format(&s, 0, b, 10), 9);
	ck_assert_str_eq(b, "map 8/20 ");
}
END_TEST

START_TEST(test_format_phases)
{
	struct progress_snapshot s = map_snap();
	char b[256];

	s.phase = PHASE_REDUCE;
	s.total = 3;
	s.done = 1;
	s.running = 1;
	s.waiting = 1;
	s.reduce_avg = 2;
	s.reduce_running = 0.5;
	progress_format(&s, 0, b, sizeof b);
	ck_assert_str_eq(b, "reduce 1/3 done, 1 running, 1 waiting | 2 workers "
	    "| 10.0 s | 4.0 MB/s | ETA 2 s");
	s.phase = PHASE_FAILED;
	progress_format(&s, 12, b, sizeof b);
	ck_assert_str_eq(b, "failed 1/3");
}
END_TEST

static Suite *
progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("arithmetic");

	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_eta_map);
	tcase_add_test(tc, test_eta_reduce);
	suite_add_tcase(s, tc);

	tc = tcase_create("line");
	tcase_add_test(tc, test_format_full);
	tcase_add_test(tc, test_format_widths);
	tcase_add_test(tc, test_format_phases);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(progress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
