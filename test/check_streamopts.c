/*
 * check_streamopts - a streaming job's options (common/streamopts.h):
 * each taken once, --cmdenv and --file checked, what needs --mapper, two
 * files of one name, map-only, the digest (which every command, setting
 * and file byte changes) and the options passed on.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"
#include "streamopts.h"

/* A file holding text, in a fresh temporary folder; its path in path. */
static void
make_file(char *path, size_t len, const char *dir, const char *name,
    const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_take)
{
	struct streamopts so = STREAMOPTS_INIT;

	ck_assert_int_eq(streamopts_take(&so, 'x', "a"), 0);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_MAPPER, "cat"), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_MAPPER, "cat"), 2);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_REDUCER, ""), 2);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "A=1"), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "B="), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "=1"), 2);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "NOEQ"), 2);
	ck_assert_uint_eq(so.ncmdenv, 2);
	ck_assert(streamopts_streaming(&so));
	ck_assert(!streamopts_map_only(&so));
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_REDUCER, "NONE"), 1);
	ck_assert(streamopts_map_only(&so));
	ck_assert_int_eq(streamopts_usage(&so), 0);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_COMBINER, "sort"), 1);
	/* A map-only job runs no combiner. */
	ck_assert_int_eq(streamopts_usage(&so), 2);
	streamopts_free(&so);
}
END_TEST

START_TEST(test_usage)
{
	struct streamopts so = STREAMOPTS_INIT;

	ck_assert_int_eq(streamopts_usage(&so), 0);
	ck_assert(!streamopts_streaming(&so));
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_REDUCER, "cat"), 1);
	ck_assert_int_eq(streamopts_usage(&so), 2);
	so.reducer = NULL;
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, "x.py"), 1);
	ck_assert_int_eq(streamopts_usage(&so), 2);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_MAPPER, "cat"), 1);
	ck_assert_int_eq(streamopts_usage(&so), 0);
	/* Two files named x.py in the working folder. */
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, "../a/x.py"), 1);
	ck_assert_int_eq(streamopts_usage(&so), 2);
	streamopts_free(&so);
	ck_assert_str_eq(streamopts_file_name("a/b/c.py"), "c.py");
	ck_assert_str_eq(streamopts_file_name("c.py"), "c.py");
}
END_TEST

START_TEST(test_check_digest)
{
	struct streamopts so = STREAMOPTS_INIT;
	char dir[] = "/tmp/check_streamopts.XXXXXX", path[256], d1[64], d2[64];
	char d3[64], d4[64];
	struct err e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_file(path, sizeof path, dir, "m.py", "print(1)\n");
	so.mapper = "python3 m.py";
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, path), 1);
	ck_assert_int_eq(streamopts_check(&so, &e), 0);
	ck_assert_int_eq(streamopts_digest(&so, d1, sizeof d1, &e), 0);
	ck_assert_int_eq(strncmp(d1, "crc32c:", 7), 0);
	ck_assert_uint_lt(strlen(d1), PLUGIN_DIGEST_MAX);
	/* The same options, the same digest; a byte changed, another. */
	ck_assert_int_eq(streamopts_digest(&so, d2, sizeof d2, &e), 0);
	ck_assert_str_eq(d1, d2);
	make_file(path, sizeof path, dir, "m.py", "print(2)\n");
	ck_assert_int_eq(streamopts_digest(&so, d2, sizeof d2, &e), 0);
	ck_assert_str_ne(d1, d2);
	so.cmdenv = NULL;
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "A=1"), 1);
	ck_assert_int_eq(streamopts_digest(&so, d3, sizeof d3, &e), 0);
	ck_assert_str_ne(d2, d3);
	/* A command moved from mapper to reducer is another job. */
	so.reducer = "python3 m.py";
	so.mapper = "cat";
	ck_assert_int_eq(streamopts_digest(&so, d4, sizeof d4, &e), 0);
	ck_assert_str_ne(d3, d4);
	/* A file gone, a folder: named. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(streamopts_check(&so, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "--file "));
	ck_assert_ptr_nonnull(strstr(e.msg, "No such file"));
	ck_assert_int_eq(streamopts_digest(&so, d4, sizeof d4, &e), -1);
	so.files[0] = dir;
	ck_assert_int_eq(streamopts_check(&so, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a regular file"));
	ck_assert_int_eq(rmdir(dir), 0);
	streamopts_free(&so);
}
END_TEST

START_TEST(test_args)
{
	struct streamopts so = STREAMOPTS_INIT;
	char *argv[32], *abs[] = { "/abs/x.py" };
	int i = 0;

	so.mapper = "m";
	so.reducer = "NONE";
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, "x.py"), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "A=1"), 1);
	streamopts_args(&so, argv, &i, abs);
	ck_assert_int_eq(i, 8);
	ck_assert_str_eq(argv[0], "--mapper");
	ck_assert_str_eq(argv[1], "m");
	ck_assert_str_eq(argv[2], "--reducer");
	ck_assert_str_eq(argv[3], "NONE");
	ck_assert_str_eq(argv[4], "--file");
	ck_assert_str_eq(argv[5], "/abs/x.py");
	ck_assert_str_eq(argv[6], "--cmdenv");
	ck_assert_str_eq(argv[7], "A=1");
	streamopts_free(&so);
}
END_TEST

/* What a refused worker is told of the job's commands: cut, bounded. */
START_TEST(test_describe)
{
	struct streamopts so = STREAMOPTS_INIT;
	char out[320], big[200];

	so.mapper = "awk -f map.awk";
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, "a/map.awk"), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "X=1"), 1);
	streamopts_describe(&so, out, sizeof out);
	ck_assert_str_eq(out, "--mapper 'awk -f map.awk', 1 --file, 1 --cmdenv");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	so.combiner = big;
	so.reducer = "NONE";
	streamopts_describe(&so, out, sizeof out);
	ck_assert_ptr_nonnull(strstr(out, "--combiner 'xxx"));
	ck_assert_ptr_nonnull(strstr(out, "x...' --reducer 'NONE', 1 --file"));
	ck_assert_uint_le(strlen(out), 3 * (STREAMOPTS_SHOW_MAX + 20) + 40);
	streamopts_describe(&so, out, 10);
	ck_assert_uint_eq(strlen(out), 9);
	streamopts_free(&so);
}
END_TEST

static Suite *
streamopts_suite(void)
{
	Suite *s = suite_create("streamopts");
	TCase *tc = tcase_create("streamopts");

	tcase_add_test(tc, test_take);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_check_digest);
	tcase_add_test(tc, test_args);
	tcase_add_test(tc, test_describe);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(streamopts_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
