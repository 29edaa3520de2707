/*
 * check_watch - the coordinator's connection watched while a task runs
 * (worker/watch.h): a file being linked when the connection closes is
 * linked in full before the attempt is abandoned (the safefile guard holds
 * the watcher off from its check through the link), and an abandoned
 * attempt hands the Shutdown it got to the cleanup and exits with its
 * status. Each case runs in a process of its own, since abandoning ends
 * it: this program again, started as `check_watch --child CASE` (so that
 * under valgrind, which does not follow exec, the thread a process ends
 * with is not counted as a leak).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "safefile.h"
#include "../worker/watch.h"

static char dir[64];
static int oldcwd = -1;
static int peer = -1;		/* the coordinator's end, in the child */
static char self[PATH_MAX];	/* this program */

static void
setup(void)
{
	strcpy(dir, "/tmp/check_watch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(dir), 0);
}

static void
teardown(void)
{
	char cmd[128];

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

/* Records what the abandon handed over: "cleanup-none" or "cleanup-R-F". */
static void
note_cleanup(const Mr__Shutdown *sd)
{
	char name[32];
	int fd;

	if (sd == NULL)
		snprintf(name, sizeof name, "cleanup-none");
	else
		snprintf(name, sizeof name, "cleanup-%d-%d",
		    (int)sd->remove_intermediates, (int)sd->failed);
	fd = open(name, O_WRONLY | O_CREAT, 0644);
	if (fd != -1)
		close(fd);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* The guard: checks, then the coordinator goes while the link is due. */
static int
guard_then_close(void *arg, struct err *e)
{
	(void)arg;
	if (watch_check(NULL, e) == -1)
		return -1;
	close(peer);
	/* Time enough for the watcher to see the end and try to abandon. */
	sleep_ms(300);
	return 0;
}

/* Starts watching one end of a socket pair, a task running (in the child). */
static void
child_start(void)
{
	struct err e;
	int sv[2];

	alarm(20);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    watch_start(sv[0], note_cleanup, &e) == -1)
		_exit(10);
	peer = sv[1];
	watch_task_begin(1);
}

/* Waits for the child, returns its exit status (-1 if a signal killed it). */
static int
child_wait(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The case "link": the coordinator goes between the guard and the link. */
static void
child_link(void)
{
	struct safefile *f;
	struct err e;

	child_start();
	safefile_set_guard(guard_then_close, watch_release, NULL);
	f = safefile_open("mr-0-0", SAFEFILE_NOSYNC, &e);
	if (f == NULL || safefile_write(f, "whole\n", 6, &e) == -1)
		_exit(11);
	if (safefile_commit(f, &e) == -1)
		_exit(12);
	/* The watcher ends the process as soon as the link is done. */
	sleep_ms(5000);
	_exit(13);
}

/* The case "shutdown": a Shutdown (job done), then the connection closes. */
static void
child_shutdown(void)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	Mr__Shutdown sd = MR__SHUTDOWN__INIT;
	struct err e;

	sd.remove_intermediates = 1;
	task.kind_case = MR__TASK__KIND_SHUTDOWN;
	task.shutdown = &sd;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &task;
	child_start();
	if (frame_send(peer, &env, &e) == -1)
		_exit(11);
	close(peer);
	sleep_ms(5000);
	_exit(13);
}

/* Runs `check_watch --child CASE` in the test's folder; its exit status. */
static int
run_child(const char *name)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		execl(self, self, "--child", name, (char *)NULL);
		_exit(127);
	}
	return child_wait(pid);
}

START_TEST(test_link_before_abandon)
{
	struct stat st;

	/* Abandoned (status 1, no Shutdown), but only after the link. */
	ck_assert_int_eq(run_child("link"), 1);
	ck_assert_int_eq(stat("mr-0-0", &st), 0);
	ck_assert_int_eq(st.st_size, 6);
	ck_assert_int_eq(access("cleanup-none", F_OK), 0);
}
END_TEST

/* The Shutdown that ends a busy attempt reaches the cleanup. */
START_TEST(test_abandon_shutdown)
{
	/* The job is done: status 0, the files of its last map removed. */
	ck_assert_int_eq(run_child("shutdown"), 0);
	ck_assert_int_eq(access("cleanup-1-0", F_OK), 0);
}
END_TEST

static Suite *
watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_link_before_abandon);
	tcase_add_test(tc, test_abandon_shutdown);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		if (strcmp(argv[2], "link") == 0)
			child_link();
		if (strcmp(argv[2], "shutdown") == 0)
			child_shutdown();
		return 2;
	}
	if (realpath("/proc/self/exe", self) == NULL) {
		perror("/proc/self/exe");
		return EXIT_FAILURE;
	}
	sr = srunner_create(watch_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
