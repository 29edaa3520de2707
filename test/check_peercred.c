/*
 * check_peercred - whom a client trusts (common/peercred.h): a server of
 * our own user on a socket file of ours passes; as root, a server started
 * by another uid is refused naming that uid and the socket, and so is a
 * socket file of another uid even when the process listening is trusted.
 */
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peercred.h"

/* A uid that is not ours, for the servers of another user (root only). */
#define OTHER_UID 65534

static char dir[64];
static struct sockaddr_un addr;

static void
setup(void)
{
	strcpy(dir, "/tmp/check_peercred-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The other uid must be able to bind in it. */
	ck_assert_int_eq(chmod(dir, 0777), 0);
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s/mr.sock", dir);
}

static void
teardown(void)
{
	unlink(addr.sun_path);
	rmdir(dir);
}

/* A socket listening at addr; -1 on failure. */
static int
listen_here(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == -1 ||
	    listen(fd, 4) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A connection to addr; the server need not accept (the backlog does). */
static int
connect_here(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	return fd;
}

START_TEST(test_ours)
{
	struct err e = { 0 };
	uid_t uid;
	pid_t pid;
	int lfd, fd;

	ck_assert(peercred_trusted(geteuid()));
	ck_assert(peercred_trusted(0));
	ck_assert(geteuid() == OTHER_UID || !peercred_trusted(OTHER_UID));
	lfd = listen_here();
	ck_assert_int_ne(lfd, -1);
	fd = connect_here();
	ck_assert_int_eq(peercred_get(fd, &uid, &pid, &e), 0);
	ck_assert_int_eq(uid, geteuid());
	ck_assert_int_eq(pid, getpid());
	ck_assert_msg(peercred_check_server(fd, addr.sun_path, &e) == 0, "%s",
	    e.msg);
	close(fd);
	close(lfd);
}
END_TEST

START_TEST(test_other_user_server)
{
	struct err e = { 0 };
	char want[64];
	int ready[2], status, fd;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(ready[0]);
		if (setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == -1 ||
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == -1 ||
		    listen_here() == -1)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], want, 1), 1);
	close(ready[0]);
	fd = connect_here();
	ck_assert_int_eq(peercred_check_server(fd, addr.sun_path, &e), -1);
	snprintf(want, sizeof want, "runs as uid %d (pid %d)", OTHER_UID,
	    (int)pid);
	ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, addr.sun_path) != NULL, "%s", e.msg);
	close(fd);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

START_TEST(test_other_user_file)
{
	struct err e = { 0 };
	char want[64];
	int lfd, fd;

	/* Bound as the other uid (the file is theirs), listening as root. */
	setfsuid(OTHER_UID);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	lfd = bind(fd, (struct sockaddr *)&addr, sizeof addr);
	setfsuid(0);
	ck_assert_int_eq(lfd, 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	lfd = fd;
	fd = connect_here();
	ck_assert_int_eq(peercred_check_server(fd, addr.sun_path, &e), -1);
	snprintf(want, sizeof want, "socket file belongs to uid %d",
	    OTHER_UID);
	ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
	close(fd);
	close(lfd);
}
END_TEST

static Suite *
peercred_suite(void)
{
	Suite *s = suite_create("peercred");
	TCase *tc = tcase_create("peercred");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ours);
	/* Not run, and not counted as passed, where they cannot be. */
	if (geteuid() == 0) {
		tcase_add_test(tc, test_other_user_server);
		tcase_add_test(tc, test_other_user_file);
	} else
		printf("SKIPPED: peercred: test_other_user_server, "
		    "test_other_user_file: not root (they need root to act as "
		    "another user)\n");
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(peercred_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
