/*
 * check_connect - reaching the coordinator's socket (worker/connect.h): a
 * socket already listening is reached with no inotify instance at all; one
 * that appears later (bound under another name and renamed into place, as
 * the coordinator does) is reached, and the instance that waited for it is
 * left open with its watch removed until connect_release(); a socket that
 * never appears is an error that names it and leaves nothing open. With
 * inotify exhausted (inotify_init1() is replaced here by one failing with
 * EMFILE, as it does once the user has 128 instances), the socket is still
 * found by polling with backoff, and the wait still ends at its deadline.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "../worker/connect.h"

static char dir[64];
static struct sockaddr_un addr;

/* Set: inotify_init1() fails with EMFILE, and connect() calls are counted. */
static int no_inotify;
static int connects;

/* Stands in for libc's in this program (connect.o calls it). */
int
inotify_init1(int flags)
{
	int (*real)(int);

	if (no_inotify) {
		errno = EMFILE;
		return -1;
	}
	real = (int (*)(int))dlsym(RTLD_NEXT, "inotify_init1");
	return real(flags);
}

int
connect(int fd, const struct sockaddr *a, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t);

	if (no_inotify)
		connects++;
	real = (int (*)(int, const struct sockaddr *, socklen_t))
	    dlsym(RTLD_NEXT, "connect");
	return real(fd, a, len);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_connect-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/mr.sock", dir);
}

static void
teardown(void)
{
	char p[128];

	no_inotify = 0;
	connects = 0;
	unlink(addr.sun_path);
	snprintf(p, sizeof p, "%s/mr.sock.tmp", dir);
	unlink(p);
	rmdir(dir);
}

/* A socket listening at path; -1 on failure. */
static int
listen_at(const char *path)
{
	struct sockaddr_un a;
	int fd;

	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1 ||
	    listen(fd, 4) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* How many of this process's fds are inotify instances. */
static int
count_inotify(void)
{
	char link[300], target[64];
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int count = 0;

	d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:inotify") == 0)
			count++;
	}
	closedir(d);
	return count;
}

/* How many watches the inotify instances of this process hold. */
static int
count_watches(void)
{
	char path[300], line[512];
	struct dirent *de;
	DIR *d;
	FILE *f;
	int count = 0;

	d = opendir("/proc/self/fdinfo");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/self/fdinfo/%s", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL)
			if (strncmp(line, "inotify wd:", 11) == 0)
				count++;
		fclose(f);
	}
	closedir(d);
	return count;
}

/*
 * Starts a coordinator stand-in that, after 100 ms, listens under another
 * name, renames its socket into place (as the coordinator does) and
 * accepts one connection. Returns its pid.
 */
static pid_t
coordinator_later(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	char tmp[sizeof addr.sun_path + 8];
	pid_t pid;
	int lfd;

	snprintf(tmp, sizeof tmp, "%s.tmp", addr.sun_path);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		nanosleep(&pause, NULL);
		lfd = listen_at(tmp);
		if (lfd == -1 || rename(tmp, addr.sun_path) == -1)
			_exit(1);
		_exit(accept(lfd, NULL, NULL) == -1 ? 1 : 0);
	}
	return pid;
}

/* Waits for coordinator_later()'s process, which must have been reached. */
static void
coordinator_reached(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(test_already_up)
{
	struct err e = { 0 };
	int lfd, fd;

	lfd = listen_at(addr.sun_path);
	ck_assert_int_ne(lfd, -1);
	fd = connect_wait(&addr, 5, &e);
	ck_assert_msg(fd != -1, "%s", e.msg);
	ck_assert_int_eq(count_inotify(), 0);
	connect_release();
	close(fd);
	close(lfd);
}
END_TEST

START_TEST(test_comes_up_later)
{
	struct err e = { 0 };
	pid_t pid;
	int fd;

	pid = coordinator_later();
	fd = connect_wait(&addr, 5, &e);
	ck_assert_msg(fd != -1, "%s", e.msg);
	coordinator_reached(pid);
	/* Kept, but watching nothing: closing it now would wait on the kernel. */
	ck_assert_int_eq(count_inotify(), 1);
	ck_assert_int_eq(count_watches(), 0);
	connect_release();
	ck_assert_int_eq(count_inotify(), 0);
	connect_release();
	close(fd);
}
END_TEST

START_TEST(test_stale_socket_then_up)
{
	struct err e = { 0 };
	pid_t pid;
	int fd, lfd;

	/* A socket file nobody listens on, as a crashed coordinator leaves. */
	lfd = listen_at(addr.sun_path);
	ck_assert_int_ne(lfd, -1);
	close(lfd);
	pid = coordinator_later();
	fd = connect_wait(&addr, 5, &e);
	ck_assert_msg(fd != -1, "%s", e.msg);
	coordinator_reached(pid);
	connect_release();
	close(fd);
}
END_TEST

START_TEST(test_never_up)
{
	struct err e = { 0 };

	ck_assert_int_eq(connect_wait(&addr, 0.2, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "no coordinator at"));
	ck_assert_ptr_nonnull(strstr(e.msg, addr.sun_path));
	ck_assert_int_eq(count_inotify(), 0);
}
END_TEST

START_TEST(test_folder_missing)
{
	struct err e = { 0 };

	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/gone/mr.sock", dir);
	ck_assert_int_eq(connect_wait(&addr, 5, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/gone"));
	ck_assert_int_eq(count_inotify(), 0);
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/mr.sock", dir);
}
END_TEST

START_TEST(test_no_inotify_comes_up_later)
{
	struct err e = { 0 };
	double start;
	pid_t pid;
	int fd;

	no_inotify = 1;
	start = now();
	pid = coordinator_later();
	fd = connect_wait(&addr, 5, &e);
	ck_assert_msg(fd != -1, "%s", e.msg);
	/* Up after 100 ms; the next attempt comes at most 250 ms later. */
	ck_assert_double_lt(now() - start, 1.0);
	coordinator_reached(pid);
	ck_assert_int_eq(count_inotify(), 0);
	connect_release();
	close(fd);
}
END_TEST

START_TEST(test_no_inotify_never_up)
{
	struct err e = { 0 };
	double start, took;

	no_inotify = 1;
	start = now();
	ck_assert_int_eq(connect_wait(&addr, 1, &e), -1);
	took = now() - start;
	ck_assert_ptr_nonnull(strstr(e.msg, "no coordinator at"));
	ck_assert_ptr_nonnull(strstr(e.msg, "(waited 1 s)"));
	/* The whole wait, not more. */
	ck_assert_double_ge(took, 1.0);
	ck_assert_double_lt(took, 1.5);
	/* Backing off: 10 ms doubling to 250 ms is about 10 attempts. */
	ck_assert_int_ge(connects, 4);
	ck_assert_int_le(connects, 20);
	ck_assert_int_eq(count_inotify(), 0);
}
END_TEST

static Suite *
connect_suite(void)
{
	Suite *s = suite_create("connect");
	TCase *tc;

	tc = tcase_create("connect");
	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_already_up);
	tcase_add_test(tc, test_comes_up_later);
	tcase_add_test(tc, test_stale_socket_then_up);
	tcase_add_test(tc, test_never_up);
	tcase_add_test(tc, test_folder_missing);
	tcase_add_test(tc, test_no_inotify_comes_up_later);
	tcase_add_test(tc, test_no_inotify_never_up);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(connect_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
