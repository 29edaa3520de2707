/*
 * check_outfmt - output formats (common/outfmt.h): names, tsv's escapes
 * byte by byte, random bytes round-tripped, bad escapes refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfmt.h"

START_TEST(test_names)
{
	enum outfmt f;

	ck_assert_int_eq(outfmt_parse("text", &f), 0);
	ck_assert_int_eq(f, OUTFMT_TEXT);
	ck_assert_int_eq(outfmt_parse("tsv", &f), 0);
	ck_assert_int_eq(f, OUTFMT_TSV);
	ck_assert_int_eq(outfmt_parse("TSV", &f), -1);
	ck_assert_int_eq(outfmt_parse("", &f), -1);
	ck_assert_str_eq(outfmt_name(OUTFMT_TSV), "tsv");
	ck_assert_str_eq(outfmt_name(OUTFMT_DEFAULT), "text");
	ck_assert_str_eq(outfmt_name(7), "?");
	ck_assert_str_eq(outfmt_name(-1), "?");
}
END_TEST

static void
escapes_to(const char *src, size_t n, const char *want)
{
	char out[256];
	size_t len = outfmt_escape(out, src, n);

	ck_assert_uint_le(len, OUTFMT_ESCAPED_MAX(n));
	ck_assert_msg(len == strlen(want) && memcmp(out, want, len) == 0,
	    "got '%.*s', want '%s'", (int)len, out, want);
	ck_assert_int_eq(outfmt_plain(src, n), strcmp(want, src) == 0 &&
	    strlen(src) == n);
}

START_TEST(test_escapes)
{
	escapes_to("plain text", 10, "plain text");
	escapes_to("a\tb", 3, "a\\tb");
	escapes_to("a\nb\r", 4, "a\\nb\\r");
	escapes_to("back\\slash", 10, "back\\\\slash");
	escapes_to("\0\x01\x1f\x7f", 4, "\\x00\\x01\\x1f\\x7f");
	/* Spaces, UTF-8 and high bytes are themselves. */
	escapes_to(" \xc3\xa9\xff", 4, " \xc3\xa9\xff");
	escapes_to("", 0, "");
}
END_TEST

START_TEST(test_round_trip)
{
	char src[64], enc[OUTFMT_ESCAPED_MAX(64)], dec[OUTFMT_ESCAPED_MAX(64)];
	unsigned seed = 42;

	for (int round = 0; round < 5000; round++) {
		size_t n = (size_t)(rand_r(&seed) % 64), len;
		ssize_t got;

		for (size_t i = 0; i < n; i++)
			src[i] = (char)(rand_r(&seed) % 4 == 0 ?
			    "\t\n\r\\\0 \x7f"[rand_r(&seed) % 7] :
			    rand_r(&seed) % 256);
		len = outfmt_escape(enc, src, n);
		/* A line holds one record: no raw tab or newline. */
		ck_assert_ptr_null(memchr(enc, '\t', len));
		ck_assert_ptr_null(memchr(enc, '\n', len));
		got = outfmt_unescape(dec, enc, len);
		ck_assert_int_eq(got, (ssize_t)n);
		ck_assert(n == 0 || memcmp(dec, src, n) == 0);
	}
}
END_TEST

START_TEST(test_bad_escapes)
{
	char out[16];

	ck_assert_int_eq(outfmt_unescape(out, "a\\", 2), -1);
	ck_assert_int_eq(outfmt_unescape(out, "\\q", 2), -1);
	ck_assert_int_eq(outfmt_unescape(out, "\\x4", 3), -1);
	ck_assert_int_eq(outfmt_unescape(out, "\\xzz", 4), -1);
	ck_assert_int_eq(outfmt_unescape(out, "a\tb", 3), -1);
	ck_assert_int_eq(outfmt_unescape(out, "a\nb", 3), -1);
	ck_assert_int_eq(outfmt_unescape(out, "\\x41\\X", 6), -1);
	ck_assert_int_eq(outfmt_unescape(out, "\\x41\\x4A", 8), 2);
	ck_assert(memcmp(out, "AJ", 2) == 0);
}
END_TEST

static Suite *
outfmt_suite(void)
{
	Suite *s = suite_create("outfmt");
	TCase *tc = tcase_create("outfmt");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_bad_escapes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(outfmt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
