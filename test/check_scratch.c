/*
 * check_scratch - unnamed files (common/scratch.h): one is empty, open for
 * reading and writing, has no link and puts no name in its folder; a
 * missing folder is refused with its name.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"

static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_scratch-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

/* Names in tmpdir, "." and ".." aside. */
static int
count_names(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(test_unnamed)
{
	struct err e;
	struct stat st;
	char buf[6];
	int fd = scratch_open(tmpdir, "t", &e);

	ck_assert_msg(fd != -1, "%s", e.msg);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(st.st_nlink, 0);
	ck_assert_int_eq(count_names(), 0);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	ck_assert_int_eq(pread(fd, buf, 5, 0), 5);
	buf[5] = '\0';
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(count_names(), 0);
	close(fd);
	ck_assert_int_eq(count_names(), 0);
}
END_TEST

START_TEST(test_no_folder)
{
	char dir[96];
	struct err e;

	snprintf(dir, sizeof dir, "%s/none", tmpdir);
	ck_assert_int_eq(scratch_open(dir, "t", &e), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_msg(strstr(e.msg, dir) != NULL && strstr(e.msg,
	    strerror(ENOENT)) != NULL, "%s", e.msg);
	ck_assert_int_eq(count_names(), 0);
}
END_TEST

static Suite *
scratch_suite(void)
{
	Suite *s = suite_create("scratch");
	TCase *tc = tcase_create("scratch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unnamed);
	tcase_add_test(tc, test_no_folder);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scratch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
