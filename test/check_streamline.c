/*
 * check_streamline - Hadoop Streaming's KEY<TAB>VALUE lines
 * (tools/streamline.h): a line cut at its first tab, a line without one a
 * key with an empty value; the records no line can hold; writing, and a
 * write error named; keys shortened and quoted for messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/streamline.h"

/* Checks that line cuts into key and value. */
static void
expect_split(const char *line, const char *key, const char *value)
{
	const char *k, *v;
	size_t klen, vlen, len = strlen(line);

	streamline_split(line, len, &k, &klen, &v, &vlen);
	ck_assert_uint_eq(klen, strlen(key));
	ck_assert(memcmp(k, key, klen) == 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(vlen, strlen(value));
	ck_assert(memcmp(v, value, vlen) == 0);
	ck_assert_ptr_eq(v + vlen, line + len);
}

START_TEST(test_split)
{
	expect_split("k\tv", "k", "v");
	expect_split("key\ta\tb", "key", "a\tb");
	expect_split("key", "key", "");
	expect_split("\tv", "", "v");
	expect_split("k\t", "k", "");
	expect_split("", "", "");
}
END_TEST

START_TEST(test_check)
{
	ck_assert_ptr_null(streamline_check("k", 1, "v", 1));
	ck_assert_ptr_null(streamline_check("k", 1, "a\tb", 3));
	ck_assert_ptr_null(streamline_check(NULL, 0, NULL, 0));
	ck_assert_str_eq(streamline_check("a\tb", 3, "v", 1),
	    "a key holding a tab");
	ck_assert_str_eq(streamline_check("a\nb", 3, "v", 1),
	    "a key holding a newline");
	ck_assert_str_eq(streamline_check("k", 1, "v\n", 2),
	    "a value holding a newline");
	/* Only the bytes within the lengths count. */
	ck_assert_ptr_null(streamline_check("k\t", 1, "v\n", 1));
}
END_TEST

START_TEST(test_write)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct err e;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(streamline_write(f, "k", 1, "v", 1, &e), 0);
	ck_assert_int_eq(streamline_write(f, "a\0b", 3, "", 0, &e), 0);
	ck_assert_int_eq(streamline_put(f, "x", 1, &e), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(size, 10);
	ck_assert(memcmp(text, "k\tv\na\0b\t\nx", 10) == 0);
	free(text);
}
END_TEST

START_TEST(test_write_error)
{
	FILE *f = fopen("/dev/full", "w");
	struct err e;

	if (f == NULL)
		return;		/* no /dev/full here */
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(streamline_write(f, "k", 1, "v", 1, &e), -1);
	ck_assert_str_eq(e.msg, "stdout: write: No space left on device");
	fclose(f);
}
END_TEST

START_TEST(test_quote)
{
	char buf[STREAMLINE_QUOTE_MAX], key[100];

	ck_assert_str_eq(streamline_quote(buf, sizeof buf, "the", 3),
	    "\"the\"");
	ck_assert_str_eq(streamline_quote(buf, sizeof buf, "", 0), "\"\"");
	ck_assert_str_eq(streamline_quote(buf, sizeof buf, "a\0b", 3),
	    "\"a^@b\"");
	memset(key, 'x', sizeof key);
	streamline_quote(buf, sizeof buf, key, sizeof key);
	ck_assert_uint_eq(strlen(buf), 48 + 2 + 3);
	ck_assert_str_eq(buf + 49, "\"...");
	/* 48 NULs: the most a quote can need. */
	memset(key, '\0', sizeof key);
	streamline_quote(buf, sizeof buf, key, sizeof key);
	ck_assert_uint_eq(strlen(buf), 2 * 48 + 2 + 3);
	ck_assert_str_eq(streamline_quote(buf, 8, "the", 3), "");
}
END_TEST

static Suite *
streamline_suite(void)
{
	Suite *s = suite_create("streamline");
	TCase *tc = tcase_create("streamline");

	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_quote);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(streamline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
