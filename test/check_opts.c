/*
 * check_opts - the command line's values and usage errors (common/opts.h):
 * counts within bounds and nothing else (no sign, no trailing text, no
 * overflow), seconds with fractions and without sign, infinity or
 * hexadecimal, sizes with K/M/G suffixes within 64 bits, and the one-line
 * messages for every kind of bad option, with the hint to --help.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"

START_TEST(test_count)
{
	unsigned long long v;

	ck_assert_int_eq(opts_count("1", 1, 10, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(opts_count("10", 1, 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(opts_count("0", 1, 10, &v), -1);
	ck_assert_int_eq(opts_count("11", 1, 10, &v), -1);
	ck_assert_int_eq(opts_count("-1", 0, 10, &v), -1);
	ck_assert_int_eq(opts_count("+1", 0, 10, &v), -1);
	ck_assert_int_eq(opts_count(" 1", 0, 10, &v), -1);
	ck_assert_int_eq(opts_count("1x", 0, 10, &v), -1);
	ck_assert_int_eq(opts_count("", 0, 10, &v), -1);
	ck_assert_int_eq(opts_count("99999999999999999999", 0, UINT64_MAX,
	    &v), -1);
	ck_assert_int_eq(opts_count("18446744073709551615", 0, UINT64_MAX,
	    &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_seconds)
{
	double v;

	ck_assert_int_eq(opts_seconds("2.5", 0, 10, &v), 0);
	ck_assert(v == 2.5);
	ck_assert_int_eq(opts_seconds(".5", 0, 10, &v), 0);
	ck_assert(v == 0.5);
	ck_assert_int_eq(opts_seconds("0", 1, 10, &v), 0);
	ck_assert(v == 0);
	ck_assert_int_eq(opts_seconds("0", 0, 10, &v), -1);
	ck_assert_int_eq(opts_seconds("10", 0, 10, &v), 0);
	ck_assert_int_eq(opts_seconds("10.5", 0, 10, &v), -1);
	ck_assert_int_eq(opts_seconds("-1", 1, 10, &v), -1);
	ck_assert_int_eq(opts_seconds("inf", 1, 1e300, &v), -1);
	ck_assert_int_eq(opts_seconds("nan", 1, 10, &v), -1);
	ck_assert_int_eq(opts_seconds("0x10", 1, 100, &v), -1);
	ck_assert_int_eq(opts_seconds("1e1", 1, 100, &v), 0);
	ck_assert(v == 10);
	ck_assert_int_eq(opts_seconds("5s", 1, 10, &v), -1);
	ck_assert_int_eq(opts_seconds("", 1, 10, &v), -1);
	ck_assert_int_eq(opts_seconds(".", 1, 10, &v), -1);
}
END_TEST

START_TEST(test_size)
{
	uint64_t v;

	ck_assert_int_eq(opts_size("64K", &v), 0);
	ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(opts_size("3m", &v), 0);
	ck_assert_uint_eq(v, 3 << 20);
	ck_assert_int_eq(opts_size("1G", &v), 0);
	ck_assert_uint_eq(v, 1 << 30);
	ck_assert_int_eq(opts_size("100", &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(opts_size("0", &v), -1);
	ck_assert_int_eq(opts_size("-1", &v), -1);
	ck_assert_int_eq(opts_size("1T", &v), -1);
	ck_assert_int_eq(opts_size("1KB", &v), -1);
	ck_assert_int_eq(opts_size("", &v), -1);
	ck_assert_int_eq(opts_size("99999999999999999999", &v), -1);
	ck_assert_int_eq(opts_size("17179869184G", &v), -1);
}
END_TEST

static const struct option test_longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "report", required_argument, NULL, 256 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Runs getopt_long() over the words of argv up to its first error and
 * returns what opts_bad() printed then (and checks it returned 2).
 */
static char *
bad_of(char **argv)
{
	static char out[1024];
	int argc = 0, ch, rc = -1, saved = dup(2);
	FILE *f = tmpfile();
	size_t n;

	ck_assert_ptr_nonnull(f);
	while (argv[argc] != NULL)
		argc++;
	optind = 0;	/* glibc: start over, reinitialised */
	opterr = 0;
	fflush(stderr);
	dup2(fileno(f), 2);
	while ((ch = getopt_long(argc, argv, ":s:vVh", test_longopts,
	    NULL)) != -1)
		if (ch == '?' || ch == ':') {
			rc = opts_bad(ch, argv, test_longopts);
			break;
		}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_int_eq(rc, 2);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

#define HINT "Try 'check_opts --help' for more information.\n"

START_TEST(test_bad)
{
	char *a1[] = { "p", "--foo", "x", NULL };
	char *a2[] = { "p", "-x", NULL };
	char *a3[] = { "p", "-vx", NULL };
	char *a4[] = { "p", "--verbose", "-xv", NULL };
	char *a5[] = { "p", "--socket", NULL };
	char *a6[] = { "p", "-v", "-s", NULL };
	char *a7[] = { "p", "--help=yes", NULL };
	char *a8[] = { "p", "--ver", NULL };
	char *a9[] = { "p", "--foo=bar", NULL };
	char *a10[] = { "p", "--rep", NULL };
	char *a11[] = { "p", "--", "--foo", NULL };

	ck_assert_str_eq(bad_of(a1), "check_opts: unknown option '--foo'\n"
	    HINT);
	ck_assert_str_eq(bad_of(a2), "check_opts: unknown option '-x'\n" HINT);
	ck_assert_str_eq(bad_of(a3), "check_opts: unknown option '-x'\n" HINT);
	ck_assert_str_eq(bad_of(a4), "check_opts: unknown option '-x'\n" HINT);
	ck_assert_str_eq(bad_of(a5),
	    "check_opts: option '--socket' needs an argument\n" HINT);
	ck_assert_str_eq(bad_of(a6),
	    "check_opts: option '-s' needs an argument\n" HINT);
	ck_assert_str_eq(bad_of(a7),
	    "check_opts: option '--help' takes no argument\n" HINT);
	ck_assert_str_eq(bad_of(a8), "check_opts: ambiguous option '--ver'\n"
	    HINT);
	ck_assert_str_eq(bad_of(a9), "check_opts: unknown option '--foo'\n"
	    HINT);
	ck_assert_str_eq(bad_of(a10),
	    "check_opts: option '--report' needs an argument\n" HINT);
	/* After "--", nothing is an option: no error at all. */
	{
		int ch;

		optind = 0;
		while ((ch = getopt_long(3, a11, ":s:vVh", test_longopts,
		    NULL)) != -1)
			ck_assert_int_ne(ch, '?');
		ck_assert_int_eq(optind, 2);
	}
}
END_TEST

START_TEST(test_usage)
{
	char out[256];
	int saved = dup(2);
	FILE *f = tmpfile();
	size_t n;

	fflush(stderr);
	dup2(fileno(f), 2);
	ck_assert_int_eq(opts_invalid("reduces", "a number from 1 to 10",
	    "0"), 2);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	ck_assert_str_eq(out, "check_opts: --reduces: expected a number from "
	    "1 to 10, got '0'\n" HINT);
}
END_TEST

static Suite *
opts_suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("opts");

	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_seconds);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(opts_suite());
	int failed;

	log_init("check_opts");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
