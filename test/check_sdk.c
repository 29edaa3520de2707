/*
 * check_sdk - the helpers the SDK gives plugins (common/sdk.c): joining a
 * key's values sorted, with and without duplicates and a count; decimal
 * values; the summing combiner.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk.h"

/* Values handed out one at a time, each from a scratch copy. */
struct list {
	const char	*const *v;
	size_t		 n, at;
	char		 scratch[64];
};

static int
list_next(void *ctx, const char **value, size_t *len)
{
	struct list *l = ctx;

	if (l->at == l->n)
		return 0;
	/* Overwritten by the next call, as the real iterators may be. */
	*len = strlen(l->v[l->at]);
	memcpy(l->scratch, l->v[l->at++], *len);
	*value = l->scratch;
	return 1;
}

/* What was emitted last. */
static char got_key[64], got_value[256];
static int nemits;

static int
capture(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	(void)ctx;
	snprintf(got_key, sizeof got_key, "%.*s", (int)keylen,
	    (const char *)key);
	snprintf(got_value, sizeof got_value, "%.*s", (int)valuelen,
	    (const char *)value);
	nemits++;
	return 0;
}

static void
join(const char *const *v, size_t n, const char *sep, int flags,
    const char *want)
{
	struct list l = { v, n, 0, { 0 } };
	mr_values values = { list_next, &l, 0 };
	mr_emitter out = { .emit = capture, .ctx = NULL };

	nemits = 0;
	ck_assert_int_eq(mr_emit_joined(&out, "k", 1, &values, sep, flags), 0);
	ck_assert_int_eq(nemits, 1);
	ck_assert_str_eq(got_key, "k");
	ck_assert_str_eq(got_value, want);
}

START_TEST(test_joined)
{
	const char *v[] = { "pear", "apple", "pea", "apple", "", "Zebra" };

	join(v, 6, " ", 0, " Zebra apple apple pea pear");
	join(v, 6, ",", MR_JOIN_UNIQUE, ",Zebra,apple,pea,pear");
	join(v, 6, ",", MR_JOIN_UNIQUE | MR_JOIN_COUNT,
	    "5 ,Zebra,apple,pea,pear");
	join(v, 6, "--", MR_JOIN_COUNT, "6 --Zebra--apple--apple--pea--pear");
	join(v, 0, " ", 0, "");
	join(v, 0, " ", MR_JOIN_COUNT, "0 ");
	join(v + 1, 1, " ", MR_JOIN_COUNT, "1 apple");
}
END_TEST

START_TEST(test_parse_u64)
{
	uint64_t n;

	ck_assert_int_eq(mr_parse_u64("0", 1, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(mr_parse_u64("18446744073709551615", 20, &n), 0);
	ck_assert_uint_eq(n, UINT64_MAX);
	ck_assert_int_eq(mr_parse_u64("18446744073709551616", 20, &n), -1);
	ck_assert_int_eq(mr_parse_u64("", 0, &n), -1);
	ck_assert_int_eq(mr_parse_u64("-1", 2, &n), -1);
	ck_assert_int_eq(mr_parse_u64("12x", 3, &n), -1);
	ck_assert_int_eq(mr_parse_u64("123", 2, &n), 0);
	ck_assert_uint_eq(n, 12);
}
END_TEST

START_TEST(test_emit_u64_and_sum)
{
	const char *v[] = { "1", "41", "0", "18446744073709551574" };
	struct list l = { v, 3, 0, { 0 } };
	mr_values values = { list_next, &l, 0 };
	mr_emitter out = { .emit = capture, .ctx = NULL };

	ck_assert_int_eq(mr_emit_u64(&out, "n", 1, 0), 0);
	ck_assert_str_eq(got_value, "0");
	ck_assert_int_eq(mr_emit_u64(&out, "n", 1, UINT64_MAX), 0);
	ck_assert_str_eq(got_value, "18446744073709551615");
	ck_assert_int_eq(mr_combine_sum(&out, "w", 1, &values), 0);
	ck_assert_str_eq(got_value, "42");
	/* 42 + the last one overflows. */
	l.n = 4;
	l.at = 0;
	ck_assert_int_eq(mr_combine_sum(&out, "w", 1, &values), -1);
}
END_TEST

/* Appends "key=value;" for every record. */
static char emitted[256];

static int
collect(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	size_t used = strlen(emitted);

	(void)ctx;
	snprintf(emitted + used, sizeof emitted - used, "%.*s=%.*s;",
	    (int)keylen, (const char *)key, (int)valuelen,
	    (const char *)value);
	return 0;
}

static int
refuse(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	(void)ctx;
	(void)key;
	(void)keylen;
	(void)value;
	(void)valuelen;
	return -1;
}

/* Without a native loop, mr_emit_words() is mr_next_word() plus mr_emit(). */
START_TEST(test_emit_words)
{
	mr_emitter out = { .emit = collect, .ctx = NULL };
	mr_emitter bad = { .emit = refuse, .ctx = NULL };
	const char text[] = "Hello, w\xc3\xb6rld 42\xff\xfex_y \xe6\x97\xa5\xe6\x9c\xac";

	emitted[0] = '\0';
	ck_assert_int_eq(mr_emit_words(&out, text, sizeof text - 1, "1", 1), 5);
	ck_assert_str_eq(emitted,
	    "Hello=1;w\xc3\xb6rld=1;x=1;y=1;\xe6\x97\xa5\xe6\x9c\xac=1;");
	emitted[0] = '\0';
	ck_assert_int_eq(mr_emit_words(&out, " ,. 42", 6, "1", 1), 0);
	ck_assert_str_eq(emitted, "");
	ck_assert_int_eq(mr_emit_words(&bad, "a b", 3, "1", 1), -1);
}
END_TEST

static Suite *
sdk_suite(void)
{
	Suite *s = suite_create("sdk");
	TCase *tc = tcase_create("sdk");

	tcase_add_test(tc, test_joined);
	tcase_add_test(tc, test_parse_u64);
	tcase_add_test(tc, test_emit_u64_and_sum);
	tcase_add_test(tc, test_emit_words);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sdk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
