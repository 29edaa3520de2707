/*
 * check_sockpath - choosing the socket path (common/sockpath.h): the option
 * before $MR_SOCKET before the default; a path too long or empty is a
 * usage error; the default in $XDG_RUNTIME_DIR is used only when that
 * folder is a real folder of ours closed to others (a symbolic link, mode
 * 0755, or, as root, a folder of another uid are refused by name); a
 * relative $XDG_RUNTIME_DIR is ignored for /tmp/mr-<uid>; mrrun's socket
 * folders go in $TMPDIR unless it is unset, empty or too long for a
 * socket path there, then in /tmp.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockpath.h"

/* A uid that is not ours, for the folder of another user (root only). */
#define OTHER_UID 65534

static char dir[64], link_path[80];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_sockpath-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(link_path, sizeof link_path, "%s.link", dir);
	unsetenv("MR_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
}

static void
teardown(void)
{
	unlink(link_path);
	rmdir(dir);
	unsetenv("MR_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
}

START_TEST(test_order)
{
	struct sockaddr_un a;
	struct err e = { 0 };

	setenv("MR_SOCKET", "/tmp/env.sock", 1);
	ck_assert_int_eq(sockpath_resolve("opt.sock", SOCKPATH_CHECK, &a, &e),
	    0);
	ck_assert_str_eq(a.sun_path, "opt.sock");
	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CHECK, &a, &e), 0);
	ck_assert_str_eq(a.sun_path, "/tmp/env.sock");
	setenv("XDG_RUNTIME_DIR", dir, 1);
	setenv("MR_SOCKET", "", 1);
	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CHECK, &a, &e), 0);
	ck_assert_ptr_nonnull(strstr(a.sun_path, dir));
	ck_assert_ptr_nonnull(strstr(a.sun_path, "/mr.sock"));
}
END_TEST

START_TEST(test_usage_errors)
{
	char longp[200];
	struct sockaddr_un a;
	struct err e = { 0 };

	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	ck_assert_int_eq(sockpath_resolve(longp, SOCKPATH_CHECK, &a, &e),
	    SOCKPATH_USAGE);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	ck_assert_int_eq(sockpath_resolve("", SOCKPATH_CHECK, &a, &e),
	    SOCKPATH_USAGE);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Too long from the environment: an error, but nothing was mistyped. */
START_TEST(test_environment_too_long)
{
	char longp[200];
	struct sockaddr_un a;
	struct err e = { 0 };

	memset(longp, 'x', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	setenv("MR_SOCKET", longp, 1);
	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CHECK, &a, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	unsetenv("MR_SOCKET");
	setenv("XDG_RUNTIME_DIR", longp, 1);
	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CREATE, &a, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "XDG_RUNTIME_DIR too long"));
}
END_TEST

/* Expects the default to be refused with a message holding `what`. */
static void
expect_refused(const char *what)
{
	struct sockaddr_un a;
	struct err e = { 0 };

	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CREATE, &a, &e), -1);
	ck_assert_int_ne(errno, EINVAL);
	ck_assert_int_ne(errno, ENAMETOOLONG);
	ck_assert_msg(strstr(e.msg, what) != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "XDG_RUNTIME_DIR") != NULL, "%s", e.msg);
}

START_TEST(test_xdg_checked)
{
	struct sockaddr_un a;
	struct err e = { 0 };

	setenv("XDG_RUNTIME_DIR", dir, 1);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(sockpath_resolve(NULL, SOCKPATH_CREATE, &a, &e), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	expect_refused("open to others (mode 0755");
	ck_assert_int_eq(chmod(dir, 0710), 0);
	expect_refused("open to others (mode 0710");
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(symlink(dir, link_path), 0);
	setenv("XDG_RUNTIME_DIR", link_path, 1);
	expect_refused("symbolic link");
	setenv("XDG_RUNTIME_DIR", "/nonexistent-check-sockpath", 1);
	expect_refused("No such file");
}
END_TEST

START_TEST(test_xdg_other_owner)
{
	char want[64];

	if (geteuid() != 0)
		return;		/* needs root to give a folder away */
	setenv("XDG_RUNTIME_DIR", dir, 1);
	ck_assert_int_eq(chown(dir, OTHER_UID, (gid_t)-1), 0);
	snprintf(want, sizeof want, "belongs to uid %d", OTHER_UID);
	expect_refused(want);
	ck_assert_int_eq(chown(dir, 0, (gid_t)-1), 0);
}
END_TEST

START_TEST(test_xdg_relative_ignored)
{
	struct sockaddr_un a;
	struct err e = { 0 };
	char want[64];

	setenv("XDG_RUNTIME_DIR", "run/user", 1);
	snprintf(want, sizeof want, "%s/mr-%u/%s", SOCKPATH_TMP,
	    (unsigned)geteuid(), SOCKPATH_NAME);
	/* Checked only if it exists (someone else may have it): no error. */
	if (sockpath_resolve(NULL, SOCKPATH_CHECK, &a, &e) == 0)
		ck_assert_str_eq(a.sun_path, want);
	else {
		*strrchr(want, '/') = '\0';
		ck_assert_ptr_nonnull(strstr(e.msg, want));
	}
}
END_TEST

START_TEST(test_run_tmpdir)
{
	char longest[SOCKPATH_MAX + 2];
	size_t room = SOCKPATH_MAX - (sizeof "/" SOCKPATH_RUN_DIR "/"
	    SOCKPATH_NAME - 1);

	unsetenv("TMPDIR");
	ck_assert_str_eq(sockpath_run_tmpdir(), SOCKPATH_TMP);
	setenv("TMPDIR", "", 1);
	ck_assert_str_eq(sockpath_run_tmpdir(), SOCKPATH_TMP);
	setenv("TMPDIR", "/var/tmp", 1);
	ck_assert_str_eq(sockpath_run_tmpdir(), "/var/tmp");
	/* The longest that fits, then one byte more. */
	memset(longest, 'x', room);
	longest[0] = '/';
	longest[room] = '\0';
	setenv("TMPDIR", longest, 1);
	ck_assert_str_eq(sockpath_run_tmpdir(), longest);
	longest[room] = 'x';
	longest[room + 1] = '\0';
	setenv("TMPDIR", longest, 1);
	ck_assert_str_eq(sockpath_run_tmpdir(), SOCKPATH_TMP);
}
END_TEST

static Suite *
sockpath_suite(void)
{
	Suite *s = suite_create("sockpath");
	TCase *tc = tcase_create("sockpath");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_environment_too_long);
	tcase_add_test(tc, test_xdg_checked);
	tcase_add_test(tc, test_xdg_other_owner);
	tcase_add_test(tc, test_xdg_relative_ignored);
	tcase_add_test(tc, test_run_tmpdir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sockpath_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
