/*
 * check_inputs - collecting a job's inputs (common/inputs.h): a folder's
 * regular files in byte order of their names, hidden and "_" names
 * skipped there but not when named, subfolders only with recursive (and
 * never through a link), lists by line and NUL-separated, every bad name
 * named (with its line in a list) and counted, an empty folder refused,
 * names made absolute, and the list written for another program.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "log.h"

static char dir[64];
static int oldcwd = -1;

static void
touch(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_inputs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(dir), 0);
	log_init("check_inputs");
	log_set_level(0);
	ck_assert_int_eq(mkdir("d", 0755), 0);
	ck_assert_int_eq(mkdir("d/sub", 0755), 0);
	ck_assert_int_eq(mkdir("d/sub/deep", 0755), 0);
	ck_assert_int_eq(mkdir("d/.git", 0755), 0);
	touch("d/b.txt", "b\n");
	touch("d/a.txt", "aa\n");
	touch("d/B.txt", "B\n");
	touch("d/.hidden", "h\n");
	touch("d/_SUCCESS", "");
	touch("d/.git/x", "x\n");
	touch("d/sub/c.txt", "c\n");
	touch("d/sub/deep/e.txt", "e\n");
	touch("d/sub/_logs", "l\n");
	ck_assert_int_eq(mkfifo("d/fifo", 0644), 0);
	ck_assert_int_eq(symlink("sub", "d/link"), 0);
	ck_assert_int_eq(symlink("a.txt", "d/z-link.txt"), 0);
	ck_assert_int_eq(mkdir("empty", 0755), 0);
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

/* Collects args with options o; asserts the names are exactly `want`. */
static void
expect(const struct inputs_options *o, char **args, int nargs,
    const char *const *want, size_t nwant)
{
	struct inputs *in;
	struct err e;

	ck_assert_msg(inputs_collect(o, args, nargs, &in, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(inputs_count(in), nwant);
	for (size_t i = 0; i < nwant; i++)
		ck_assert_str_eq(inputs_names(in)[i], want[i]);
	inputs_free(in);
}

START_TEST(test_folder)
{
	struct inputs_options o = { 0, NULL, 0 };
	char *args[] = { "d" }, *slash[] = { "d/" };
	const char *want[] = { "d/B.txt", "d/a.txt", "d/b.txt",
	    "d/z-link.txt" };
	struct inputs *in;
	struct err e;

	expect(&o, args, 1, want, 4);
	expect(&o, slash, 1, want, 4);
	/* The stamps are the files'. */
	ck_assert_int_eq(inputs_collect(&o, args, 1, &in, &e), 0);
	ck_assert_uint_eq(inputs_stamps(in)[1].size, 3);
	inputs_free(in);
}
END_TEST

START_TEST(test_recursive)
{
	struct inputs_options o = { 1, NULL, 0 };
	char *args[] = { "d", "d/.hidden" };
	const char *want[] = { "d/B.txt", "d/a.txt", "d/b.txt",
	    "d/sub/c.txt", "d/sub/deep/e.txt", "d/z-link.txt", "d/.hidden" };

	expect(&o, args, 2, want, 7);
}
END_TEST

START_TEST(test_lists)
{
	struct inputs_options o = { 0, "list", 0 };
	char *args[] = { "d/b.txt" };
	const char *want[] = { "d/b.txt", "d/a.txt", "d/sub/c.txt",
	    "d/_SUCCESS" };
	FILE *f;

	touch("list", "d/a.txt\n\nd/sub\nd/_SUCCESS");
	expect(&o, args, 1, want, 4);
	f = fopen("list0", "w");
	ck_assert_ptr_nonnull(f);
	fwrite("d/a.txt\0d/sub\0d/_SUCCESS\0", 1, 25, f);
	fclose(f);
	o.from = "list0";
	o.nul = 1;
	expect(&o, args, 1, want, 4);
}
END_TEST

START_TEST(test_refused)
{
	struct inputs_options o = { 0, "list", 0 };
	char *args[] = { "nosuch", "d/fifo" }, *none[] = { "empty" };
	struct inputs *in = (struct inputs *)&o;
	struct err e;

	touch("list", "d/a.txt\nmissing.txt\n");
	ck_assert_int_eq(inputs_collect(&o, args, 2, &in, &e), -1);
	ck_assert_ptr_null(in);
	ck_assert_str_eq(e.msg, "nosuch: No such file or directory "
	    "(and 2 more)");
	o.from = NULL;
	ck_assert_int_eq(inputs_collect(&o, args + 1, 1, &in, &e), -1);
	ck_assert_str_eq(e.msg, "d/fifo: not a regular file");
	o.from = "list";
	ck_assert_int_eq(inputs_collect(&o, NULL, 0, &in, &e), -1);
	ck_assert_str_eq(e.msg, "missing.txt: No such file or directory "
	    "(listed in list, line 2)");
	o.from = "nolist";
	ck_assert_int_eq(inputs_collect(&o, NULL, 0, &in, &e), -1);
	ck_assert_str_eq(e.msg, "nolist: No such file or directory");
	o.from = NULL;
	ck_assert_int_eq(inputs_collect(&o, none, 1, &in, &e), -1);
	ck_assert_str_eq(e.msg, "no input files (empty has none)");
	/* A NUL in a list of lines: the list needs -0. */
	{
		FILE *f = fopen("list", "w");

		ck_assert_ptr_nonnull(f);
		fwrite("d/a.txt\0d/b.txt\n", 1, 16, f);
		fclose(f);
	}
	o.from = "list";
	ck_assert_int_eq(inputs_collect(&o, NULL, 0, &in, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs -0"));
}
END_TEST

START_TEST(test_absolute_and_list)
{
	struct inputs_options o = { 0, NULL, 0 };
	char *args[] = { "d/a.txt", "/dev/null" }, want[PATH_MAX + 16];
	char buf[64];
	struct inputs *in, *again;
	struct err e;
	int fd;

	/* /dev/null is no regular file: take a real absolute name. */
	snprintf(want, sizeof want, "%s/d/b.txt", dir);
	args[1] = want;
	ck_assert_int_eq(inputs_collect(&o, args, 2, &in, &e), 0);
	inputs_absolute(in, "/base");
	ck_assert_str_eq(inputs_names(in)[0], "/base/d/a.txt");
	ck_assert_str_eq(inputs_names(in)[1], want);
	inputs_free(in);
	ck_assert_int_eq(inputs_collect(&o, args, 2, &in, &e), 0);
	ck_assert_int_eq(inputs_write_list(in, "out.list", &e), 0);
	fd = open("out.list", O_RDONLY);
	ck_assert_int_eq(read(fd, buf, 8), 8);
	ck_assert(memcmp(buf, "d/a.txt\0", 8) == 0);
	close(fd);
	o.from = "out.list";
	o.nul = 1;
	ck_assert_int_eq(inputs_collect(&o, NULL, 0, &again, &e), 0);
	ck_assert_uint_eq(inputs_count(again), 2);
	ck_assert_str_eq(inputs_names(again)[1], want);
	inputs_free(again);
	inputs_free(in);
}
END_TEST

static Suite *
inputs_suite(void)
{
	Suite *s = suite_create("inputs");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_folder);
	tcase_add_test(tc, test_recursive);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_absolute_and_list);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(inputs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
