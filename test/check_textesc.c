/*
 * check_textesc - escaping for the terminal (common/textesc.h): printable
 * text and UTF-8 are kept; control characters (C0, DEL, C1), bytes of
 * invalid UTF-8 and backslashes are escaped; a short buffer never holds
 * half an escape.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "textesc.h"

/* Checks that s escapes to want. */
static void
expect(const char *s, const char *want)
{
	char *got = textesc(s);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_kept)
{
	expect("", "");
	expect("mr-out-0 words.txt", "mr-out-0 words.txt");
	/* UTF-8: é, ü, a CJK character and an emoji. */
	expect("caf\xc3\xa9 \xc3\xbc \xe4\xb8\xad \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xc3\xbc \xe4\xb8\xad \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_controls)
{
	/* The title and clear-screen sequences of the issue. */
	expect("in\033]0;owned\007\033[2J.txt", "in\\x1b]0;owned\\x07\\x1b[2J.txt");
	expect("a\nb\rc\td", "a\\nb\\rc\\td");
	expect("del\177", "del\\x7f");
	expect("back\\slash", "back\\\\slash");
	/* C1 CSI as UTF-8, and the same byte alone (invalid UTF-8). */
	expect("\xc2\x9b" "2J", "\\u009b2J");
	expect("\x9b" "2J", "\\x9b2J");
	/* A truncated sequence: its bytes one by one, what follows kept. */
	expect("\xe4\xb8" "ok", "\\xe4\\xb8ok");
}
END_TEST

START_TEST(test_short_buffer)
{
	char buf[8];

	/* "ab\x1b" needs 6 bytes and a NUL: it fits; one more does not. */
	ck_assert_uint_eq(textesc_to(buf, 7, "ab\033"), 6);
	ck_assert_str_eq(buf, "ab\\x1b");
	ck_assert_uint_eq(textesc_to(buf, 6, "ab\033"), 2);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(textesc_to(buf, 1, "ab"), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *
textesc_suite(void)
{
	Suite *s = suite_create("textesc");
	TCase *tc = tcase_create("textesc");

	tcase_add_test(tc, test_kept);
	tcase_add_test(tc, test_controls);
	tcase_add_test(tc, test_short_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(textesc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
