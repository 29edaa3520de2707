/*
 * check_jsontext - byte strings as JSON strings (common/jsontext.h): valid
 * UTF-8 is kept as it is, every other byte becomes one U+FFFD, and the
 * result always serializes.
 */
#include <check.h>
#include <stdlib.h>

#include "jsontext.h"

/* Checks that s becomes the JSON string want, and that it dumps. */
static void
expect(const char *s, const char *want)
{
	json_t *v = jsontext_new(s);
	char *dump;

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(v), want);
	dump = json_dumps(v, JSON_ENCODE_ANY);
	ck_assert_ptr_nonnull(dump);
	free(dump);
	json_decref(v);
}

START_TEST(test_valid)
{
	expect("", "");
	expect("plain.txt", "plain.txt");
	expect("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_invalid)
{
	/* Latin-1, a lone continuation byte, a cut sequence, an overlong. */
	expect("caf\xe9.txt", "caf\xef\xbf\xbd.txt");
	expect("\x80", "\xef\xbf\xbd");
	expect("a\xe6\x97", "a\xef\xbf\xbd\xef\xbf\xbd");
	expect("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	/* A surrogate encoded in UTF-8 is not UTF-8 either. */
	expect("\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
}
END_TEST

static Suite *
jsontext_suite(void)
{
	Suite *s = suite_create("jsontext");
	TCase *tc = tcase_create("jsontext");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(jsontext_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
