/*
 * check_child - a task attempt's process (worker/child.h): its report
 * comes back whole; a death without one is told (signal, status); a file
 * being linked when the parent stops the child is linked whole first, and
 * a child that dies holding the lock does not hang the parent; the guard
 * refuses links once the coordinator's end is closed; the stop removes the
 * child's named files and no one else's; the child dies with its parent.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "safefile.h"
#include "../worker/attempt.h"
#include "../worker/child.h"

#define ATTEMPT 7

static char dir[64];
static int oldcwd = -1;
static int note[2] = { -1, -1 };	/* child -> test: "I got this far" */

/* The guard child_start() installed, wrapped by the cases below. */
static int (*real_guard)(void *, struct err *);
static void (*real_release)(void *);
static void *real_arg;

static void
setup(void)
{
	strcpy(dir, "/tmp/check_child-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(pipe(note), 0);
}

static void
teardown(void)
{
	char cmd[128];

	close(note[0]);
	close(note[1]);
	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		perror(cmd);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In the child: tells the test it got this far. */
static void
tell(void)
{
	if (write(note[1], "x", 1) != 1)
		_exit(20);
}

/* In the test: waits for the child's tell(). */
static void
heard(void)
{
	char c;

	ck_assert_int_eq(read(note[0], &c, 1), 1);
}

/* The report of attempt `attempt`: done, or failed saying why. */
static int
report(struct buf *out, uint64_t attempt, const char *why)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskDone done = MR__TASK_DONE__INIT;
	Mr__Task task = MR__TASK__INIT;
	struct err e;

	if (why != NULL) {
		task.attempt = attempt;
		return attempt_failed(&task, why, out, &e);
	}
	done.attempt = attempt;
	done.bytes_out = 42;
	env.msg_case = MR__ENVELOPE__MSG_DONE;
	env.done = &done;
	return frame_pack(out, &env, &e);
}

/* Runs the child to its end; returns it for child_report(). */
static struct child *
run_to_end(int (*run)(void *, struct buf *), void *arg)
{
	struct child *c;
	struct err e;

	c = child_start(ATTEMPT, -1, run, arg, &e);
	ck_assert_msg(c != NULL, "child_start: %s", e.msg);
	while (child_read(c) == 0)
		;
	return c;
}

static int
run_done(void *arg, struct buf *out)
{
	(void)arg;
	return report(out, ATTEMPT, NULL);
}

/* The report comes back as it was packed. */
START_TEST(test_report)
{
	struct buf want = BUF_INIT;
	const uint8_t *p;
	struct child *c;
	struct err e;
	size_t len;

	c = run_to_end(run_done, NULL);
	ck_assert_int_eq(child_attempt(c), ATTEMPT);
	ck_assert_int_gt(child_pid(c), 0);
	ck_assert_int_eq(child_report(c, &p, &len, &e), 0);
	ck_assert_int_eq(report(&want, ATTEMPT, NULL), 0);
	ck_assert_uint_eq(len, buf_len(&want));
	ck_assert_mem_eq(p, buf_head(&want), len);
	buf_free(&want);
	child_free(c);
}
END_TEST

static int
run_killed(void *arg, struct buf *out)
{
	(void)arg;
	(void)out;
	/* Not the test framework's handler, inherited. */
	signal(SIGUSR1, SIG_DFL);
	kill(getpid(), SIGUSR1);
	sleep_ms(5000);
	return 0;
}

static int
run_exit0(void *arg, struct buf *out)
{
	(void)arg;
	(void)out;
	_exit(0);
}

static int
run_other(void *arg, struct buf *out)
{
	(void)arg;
	return report(out, ATTEMPT + 1, NULL);
}

/* A death without a report says how; a report of another attempt is none. */
START_TEST(test_no_report)
{
	const uint8_t *p;
	struct child *c;
	struct err e;
	size_t len;

	c = run_to_end(run_killed, NULL);
	ck_assert_int_eq(child_report(c, &p, &len, &e), -1);
	ck_assert_str_eq(e.msg, "the task's process was killed by signal 10");
	child_free(c);
	c = run_to_end(run_exit0, NULL);
	ck_assert_int_eq(child_report(c, &p, &len, &e), -1);
	ck_assert_str_eq(e.msg,
	    "the task's process exited with status 0 without a report");
	child_free(c);
	c = run_to_end(run_other, NULL);
	ck_assert_int_eq(child_report(c, &p, &len, &e), -1);
	ck_assert_msg(strstr(e.msg, "a report that is not one") != NULL,
	    "%s", e.msg);
	child_free(c);
}
END_TEST

/* Holds the lock through a slow link: the test stops the child meanwhile. */
static int
guard_then_wait(void *arg, struct err *e)
{
	if (real_guard(arg, e) == -1)
		return -1;
	tell();
	sleep_ms(300);
	return 0;
}

/* Dies with the lock held. */
static int
guard_then_die(void *arg, struct err *e)
{
	if (real_guard(arg, e) == -1)
		return -1;
	kill(getpid(), SIGKILL);
	sleep_ms(5000);
	return 0;
}

/* Links "mr-0-0" through the guard `wrap`, then sleeps until stopped. */
static int
run_link(void *arg, struct buf *out)
{
	int (*wrap)(void *, struct err *) = (int (*)(void *, struct err *))arg;
	struct safefile *f;
	struct err e;

	safefile_get_guard(&real_guard, &real_release, &real_arg);
	safefile_set_guard(wrap, real_release, real_arg);
	f = safefile_open("mr-0-0", SAFEFILE_NOSYNC, &e);
	if (f == NULL || safefile_write(f, "whole\n", 6, &e) == -1 ||
	    safefile_commit(f, &e) == -1)
		return report(out, ATTEMPT, e.msg);
	sleep_ms(5000);
	return report(out, ATTEMPT, NULL);
}

/* A link begun when the parent stops the child is made whole first. */
START_TEST(test_link_before_stop)
{
	struct stat st;
	struct child *c;
	struct err e;
	double t0;

	c = child_start(ATTEMPT, -1, run_link, (void *)guard_then_wait, &e);
	ck_assert_ptr_nonnull(c);
	heard();
	t0 = now();
	child_stop(c, NULL);
	ck_assert_msg(now() - t0 > 0.2, "the stop did not wait for the link");
	ck_assert_int_eq(stat("mr-0-0", &st), 0);
	ck_assert_int_eq(st.st_size, 6);
	child_free(c);
}
END_TEST

/* A child that dies holding the lock does not hang the parent. */
START_TEST(test_died_holding_lock)
{
	struct child *c;
	struct err e;

	c = child_start(ATTEMPT, -1, run_link, (void *)guard_then_die, &e);
	ck_assert_ptr_nonnull(c);
	/* Dead with the lock: the pipe says so. */
	while (child_read(c) == 0)
		;
	child_hold(c);
	child_resume(c);
	child_stop(c, NULL);
	ck_assert_int_eq(access("mr-0-0", F_OK), -1);
	child_free(c);
}
END_TEST

/*
 * Links once told to (on fds[0]); its report says whether it could. The
 * coordinator's end of the connection, fds[1], is not the child's to hold.
 */
static int
run_link_when_told(void *arg, struct buf *out)
{
	const int *fds = arg;
	struct safefile *f;
	struct err e;
	char ch;

	close(fds[1]);
	if (read(fds[0], &ch, 1) != 1)
		return -1;
	f = safefile_open("mr-0-0", SAFEFILE_NOSYNC, &e);
	if (f == NULL || safefile_write(f, "whole\n", 6, &e) == -1 ||
	    safefile_commit(f, &e) == -1)
		return report(out, ATTEMPT, e.msg);
	return report(out, ATTEMPT, NULL);
}

/* Once the coordinator's end is closed, nothing is linked. */
START_TEST(test_refused_after_hangup)
{
	Mr__Envelope *env = NULL;
	const uint8_t *p;
	struct child *c;
	struct err e;
	size_t len, used;
	int sv[2], go[2], fds[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(go), 0);
	fds[0] = go[0];
	fds[1] = sv[1];
	c = child_start(ATTEMPT, sv[0], run_link_when_told, fds, &e);
	ck_assert_ptr_nonnull(c);
	close(sv[1]);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	while (child_read(c) == 0)
		;
	ck_assert_int_eq(child_report(c, &p, &len, &e), 0);
	ck_assert_int_eq(frame_parse(p, len, &env, &used, &e), 1);
	ck_assert_int_eq(env->msg_case, MR__ENVELOPE__MSG_FAILED);
	ck_assert_msg(strstr(env->failed->error, "the coordinator is gone") !=
	    NULL, "%s", env->failed->error);
	frame_free(env);
	ck_assert_int_eq(access("mr-0-0", F_OK), -1);
	child_free(c);
	close(sv[0]);
	close(go[0]);
	close(go[1]);
}
END_TEST

static void
touch(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT, 0644);

	if (fd != -1)
		close(fd);
}

/*
 * Leaves the name a run has for an instant where files cannot be unnamed
 * (scratch.h), a temporary name here and one in "out", then sleeps.
 */
static int
run_leave_files(void *arg, struct buf *out)
{
	char name[128];

	(void)arg;
	(void)out;
	snprintf(name, sizeof name, SAFEFILE_PREFIX "run-%d-0", (int)getpid());
	touch(name);
	snprintf(name, sizeof name, SAFEFILE_PREFIX "mr-0-0-%d-0",
	    (int)getpid());
	touch(name);
	snprintf(name, sizeof name, "out/" SAFEFILE_PREFIX "mr-out-0-%d-3",
	    (int)getpid());
	touch(name);
	tell();
	sleep_ms(5000);
	return 0;
}

/* The stop removes the child's named files, and nobody else's. */
START_TEST(test_stop_removes)
{
	static const char *const others[] = { SAFEFILE_PREFIX "run-1-0",
	    SAFEFILE_PREFIX "mr-0-0-1-0", "out/" SAFEFILE_PREFIX "mr-out-0-1-3",
	    "mr-0-0" };
	char name[128];
	struct child *c;
	struct err e;
	DIR *d;
	struct dirent *de;
	pid_t pid;

	ck_assert_int_eq(mkdir("out", 0755), 0);
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		touch(others[i]);
	c = child_start(ATTEMPT, -1, run_leave_files, NULL, &e);
	ck_assert_ptr_nonnull(c);
	pid = child_pid(c);
	heard();
	snprintf(name, sizeof name, SAFEFILE_PREFIX "run-%d-0", (int)pid);
	ck_assert_int_eq(access(name, F_OK), 0);
	child_stop(c, "out");
	child_free(c);
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		ck_assert_msg(access(others[i], F_OK) == 0, "%s removed",
		    others[i]);
	/* Of the child's, nothing is left, here or in out/. */
	snprintf(name, sizeof name, "-%d-", (int)pid);
	d = opendir(".");
	while ((de = readdir(d)) != NULL)
		ck_assert_msg(strstr(de->d_name, name) == NULL, "%s left",
		    de->d_name);
	closedir(d);
	d = opendir("out");
	while ((de = readdir(d)) != NULL)
		ck_assert_msg(strstr(de->d_name, name) == NULL, "out/%s left",
		    de->d_name);
	closedir(d);
}
END_TEST

static int
run_sleep(void *arg, struct buf *out)
{
	(void)arg;
	(void)out;
	tell();
	sleep_ms(10000);
	return 0;
}

/* Whether pid is gone or a zombie (reparented, maybe never reaped). */
static int
dead(pid_t pid)
{
	char path[64], line[256], *p, state = '?';
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(line, sizeof line, f) != NULL &&
	    (p = strrchr(line, ')')) != NULL)
		sscanf(p + 1, " %c", &state);
	fclose(f);
	return state == 'Z' || state == 'X';
}

/* What the dying parent leaves behind, reachable for valgrind's count. */
static struct child *volatile orphaned;

/* A child whose parent dies gets SIGKILL. */
START_TEST(test_dies_with_parent)
{
	struct child *c;
	struct err e;
	pid_t parent, pid;
	int fds[2], i;

	ck_assert_int_eq(pipe(fds), 0);
	parent = fork();
	ck_assert_int_ne(parent, -1);
	if (parent == 0) {
		c = child_start(ATTEMPT, -1, run_sleep, NULL, &e);
		if (c == NULL)
			_exit(1);
		orphaned = c;
		pid = child_pid(c);
		/* Once it runs: dying before, it is a parent it never had. */
		heard();
		if (write(fds[1], &pid, sizeof pid) != sizeof pid)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(fds[0], &pid, sizeof pid), sizeof pid);
	ck_assert_int_eq(waitpid(parent, NULL, 0), parent);
	for (i = 0; i < 200 && !dead(pid); i++)
		sleep_ms(10);
	ck_assert_msg(dead(pid), "child %d outlived its parent", (int)pid);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *
child_suite(void)
{
	Suite *s = suite_create("child");
	TCase *tc = tcase_create("child");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_no_report);
	tcase_add_test(tc, test_link_before_stop);
	tcase_add_test(tc, test_died_holding_lock);
	tcase_add_test(tc, test_refused_after_hangup);
	tcase_add_test(tc, test_stop_removes);
	tcase_add_test(tc, test_dies_with_parent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(child_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
