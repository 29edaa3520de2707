/*
 * check_taskstatus - a task's status line on its way to the worker
 * (worker/taskstatus.h): the first line at once as a TaskProgress frame of
 * the attempt, later ones at most one every MR_PROGRESS_INTERVAL seconds,
 * the latest, sent when due or when the attempt ends; a long line cut at
 * MR_TASK_STATUS_MAX bytes, not inside a UTF-8 character.
 */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "protocol.h"
#include "../worker/taskstatus.h"

/* The pipe the frames go to. */
static int fds[2];

/*
 * The status of the next frame on the pipe (NULL: none within `ms`
 * milliseconds), into buf; checks that it is a TaskProgress of attempt 7.
 */
static const char *
next_status(int ms, char *buf, size_t len)
{
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	Mr__Envelope *env;
	struct err e;

	if (poll(&pfd, 1, ms) != 1)
		return NULL;
	ck_assert_int_eq(frame_recv(fds[0], &env, &e), 1);
	ck_assert_int_eq(env->msg_case, MR__ENVELOPE__MSG_PROGRESS);
	ck_assert_uint_eq(env->progress->attempt, 7);
	ck_assert_uint_eq(env->progress->incarnation, 2);
	snprintf(buf, len, "%s", env->progress->status);
	frame_free(env);
	return buf;
}

START_TEST(test_rate)
{
	char buf[MR_TASK_STATUS_MAX + 8];
	int ms;

	ck_assert_int_eq(pipe(fds), 0);
	taskstatus_init(fds[1], 7, 2);
	ck_assert_int_eq(taskstatus_wait_ms(), -1);
	taskstatus_set("one", 3);
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "one");
	/* Within the interval: they wait, the last one wins. */
	taskstatus_set("two", 3);
	taskstatus_set("three", 5);
	ck_assert_str_eq(taskstatus_last(), "three");
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	ms = taskstatus_wait_ms();
	ck_assert_int_gt(ms, 0);
	ck_assert_int_le(ms, (int)(MR_PROGRESS_INTERVAL * 1000) + 1);
	taskstatus_tick();
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	usleep((useconds_t)ms * 1000 + 10000);
	taskstatus_tick();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "three");
	ck_assert_int_eq(taskstatus_wait_ms(), -1);
	/* The end of the attempt sends what waits, and only that. */
	taskstatus_set("four", 4);
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	taskstatus_flush();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "four");
	taskstatus_flush();
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_cut)
{
	char line[MR_TASK_STATUS_MAX + 40], buf[MR_TASK_STATUS_MAX + 8];
	size_t n;

	ck_assert_int_eq(pipe(fds), 0);
	taskstatus_init(fds[1], 7, 2);
	/* "é" (2 bytes) straddling the limit is left out whole. */
	memset(line, 'x', sizeof line);
	memcpy(line + MR_TASK_STATUS_MAX - 1, "\xc3\xa9", 2);
	taskstatus_set(line, sizeof line);
	ck_assert_ptr_nonnull(next_status(0, buf, sizeof buf));
	n = strlen(buf);
	ck_assert_uint_eq(n, MR_TASK_STATUS_MAX - 1);
	ck_assert_int_eq(buf[n - 1], 'x');
	/* No pipe: kept, not sent. */
	taskstatus_init(-1, 8, 1);
	taskstatus_set("kept", 4);
	ck_assert_str_eq(taskstatus_last(), "kept");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A counter line is progress: the last line again, at the same rate. */
START_TEST(test_touch)
{
	char buf[MR_TASK_STATUS_MAX + 8];
	int ms;

	ck_assert_int_eq(pipe(fds), 0);
	taskstatus_init(fds[1], 7, 2);
	/* No line yet: "" says progress alone. */
	taskstatus_touch();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "");
	taskstatus_touch();
	taskstatus_touch();
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	ms = taskstatus_wait_ms();
	ck_assert_int_gt(ms, 0);
	usleep((useconds_t)ms * 1000 + 10000);
	taskstatus_tick();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "");
	ck_assert_ptr_null(next_status(0, buf, sizeof buf));
	taskstatus_set("half", 4);
	usleep((useconds_t)(MR_PROGRESS_INTERVAL * 1e6) + 10000);
	taskstatus_tick();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "half");
	usleep((useconds_t)(MR_PROGRESS_INTERVAL * 1e6) + 10000);
	taskstatus_touch();
	ck_assert_str_eq(next_status(0, buf, sizeof buf), "half");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *
taskstatus_suite(void)
{
	Suite *s = suite_create("taskstatus");
	TCase *tc = tcase_create("taskstatus");

	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_cut);
	tcase_add_test(tc, test_touch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(taskstatus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
