/*
 * check_sdk - the helpers the SDK gives plugins (common/sdk.c): joining a
 * key's values sorted, with and without duplicates and a count; decimal
 * values; the summing combiner; counters and their limits; job parameters
 * (mr_param), mr_error()'s text and the init hook's failure, map's input
 * offset.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
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

/* The value of counter `name` since the last reset; fails if absent. */
static int64_t
counter(const char *name)
{
	const char *n;
	int64_t v;

	for (size_t i = 0; i < sdk_counters_count(); i++) {
		sdk_counters_get(i, &n, &v);
		if (strcmp(n, name) == 0)
			return v;
	}
	ck_abort_msg("no counter %s", name);
	return 0;
}

/* Checks that the attempt failed with an error holding `want`. */
static void
expect_counter_error(const char *want)
{
	struct err e;

	ck_assert_int_eq(sdk_counters_check(&e), -1);
	ck_assert_msg(strstr(e.msg, want) != NULL, "error '%s' lacks '%s'",
	    e.msg, want);
}

START_TEST(test_counters)
{
	struct err e;

	sdk_counters_reset();
	ck_assert_uint_eq(sdk_counters_count(), 0);
	ck_assert_int_eq(sdk_counters_check(&e), 0);
	for (int i = 0; i < 1000; i++) {
		mr_counter_add("words", 3);
		mr_counter_add("bad_records", i % 2);
	}
	mr_counter_add("delta", -5);
	mr_counter_add("delta", 2);
	mr_counter_add("zero", 0);
	ck_assert_uint_eq(sdk_counters_count(), 4);
	ck_assert_int_eq(counter("words"), 3000);
	ck_assert_int_eq(counter("bad_records"), 500);
	ck_assert_int_eq(counter("delta"), -3);
	ck_assert_int_eq(counter("zero"), 0);
	ck_assert_int_eq(sdk_counters_check(&e), 0);

	/* A name that is no string literal: its bytes count, not its address. */
	{
		char buf[16];

		strcpy(buf, "words");
		mr_counter_add(buf, 1);
		strcpy(buf, "other");
		mr_counter_add(buf, 1);
	}
	ck_assert_int_eq(counter("words"), 3001);
	ck_assert_int_eq(counter("other"), 1);

	/* Each attempt starts from nothing. */
	sdk_counters_reset();
	ck_assert_uint_eq(sdk_counters_count(), 0);
	mr_counter_add("words", 1);
	ck_assert_int_eq(counter("words"), 1);
}
END_TEST

START_TEST(test_counter_names)
{
	char longest[MR_COUNTER_NAME_MAX + 2];
	struct err e;

	memset(longest, 'x', sizeof longest);
	longest[MR_COUNTER_NAME_MAX] = '\0';
	sdk_counters_reset();
	mr_counter_add(longest, 7);
	mr_counter_add("!~punct.and-digits_09", 1);
	ck_assert_int_eq(sdk_counters_check(&e), 0);
	ck_assert_int_eq(counter(longest), 7);

	/* One byte too long. */
	longest[MR_COUNTER_NAME_MAX] = 'y';
	longest[MR_COUNTER_NAME_MAX + 1] = '\0';
	mr_counter_add(longest, 1);
	expect_counter_error("\"xxxxxxxx");
	expect_counter_error("xy\": a counter's name must be 1 to 63 "
	    "printable ASCII characters without spaces");
	/* The first misuse is the one reported. */
	mr_counter_add("has space", 1);
	expect_counter_error("xy\"");

	sdk_counters_reset();
	mr_counter_add("has space", 1);
	expect_counter_error("counter \"has space\": a counter's name");
	sdk_counters_reset();
	mr_counter_add("", 1);
	expect_counter_error("counter \"\": ");
	sdk_counters_reset();
	mr_counter_add("tab\there", 1);
	expect_counter_error("counter \"tab\\x09here\": ");
	sdk_counters_reset();
	mr_counter_add("caf\xc3\xa9", 1);
	expect_counter_error("counter \"caf\\xc3\\xa9\": ");
	sdk_counters_reset();
	mr_counter_add(NULL, 1);
	expect_counter_error("NULL");
	/* A bad name counts nothing. */
	ck_assert_uint_eq(sdk_counters_count(), 0);

	ck_assert(sdk_counter_name_ok("a", 1));
	ck_assert(!sdk_counter_name_ok("", 0));
	ck_assert(!sdk_counter_name_ok("a\0b", 3));
	ck_assert(!sdk_counter_name_ok("\x7f", 1));
}
END_TEST

START_TEST(test_counter_limits)
{
	char name[16];
	struct err e;

	sdk_counters_reset();
	for (int i = 0; i < MR_COUNTERS_MAX; i++) {
		snprintf(name, sizeof name, "c%d", i);
		mr_counter_add(name, i);
	}
	/* Old names still count once the table is full. */
	mr_counter_add("c0", 5);
	ck_assert_uint_eq(sdk_counters_count(), MR_COUNTERS_MAX);
	ck_assert_int_eq(counter("c0"), 5);
	ck_assert_int_eq(counter("c63"), 63);
	mr_counter_add("one_too_many", 1);
	expect_counter_error("counter \"one_too_many\": more than 64 "
	    "counters in one task");
	ck_assert_uint_eq(sdk_counters_count(), MR_COUNTERS_MAX);

	sdk_counters_reset();
	mr_counter_add("big", INT64_MAX);
	mr_counter_add("big", -1);
	mr_counter_add("big", 1);
	ck_assert_int_eq(sdk_counters_check(&e), 0);
	ck_assert_int_eq(counter("big"), INT64_MAX);
	mr_counter_add("big", 1);
	expect_counter_error("counter \"big\": overflows 64 bits");
	sdk_counters_reset();
	mr_counter_add("small", INT64_MIN);
	mr_counter_add("small", -1);
	expect_counter_error("counter \"small\": overflows 64 bits");
	sdk_counters_reset();
}
END_TEST

/* mr_param() reads the set given, NULL when unset or with none. */
START_TEST(test_params)
{
	struct params *ps = params_new();
	struct err e;

	ck_assert_ptr_null(mr_param("x"));
	ck_assert_int_eq(params_add_arg(ps, "x=1", &e), 0);
	sdk_set_params(ps);
	ck_assert_str_eq(mr_param("x"), "1");
	ck_assert_ptr_null(mr_param("y"));
	ck_assert_ptr_null(mr_param(NULL));
	sdk_set_params(NULL);
	ck_assert_ptr_null(mr_param("x"));
	params_free(ps);
}
END_TEST

static const char *hook_says;

static int
hook_init(void)
{
	return hook_says != NULL ? mr_error("%s %d", hook_says, 42) : 0;
}

/* mr_error()'s text, cut to MR_ERROR_MAX, and what sdk_init() makes of it. */
START_TEST(test_error)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION, .name = "h",
	    .init = hook_init };
	char big[MR_ERROR_MAX * 2];
	struct err e;

	sdk_error_clear();
	ck_assert_ptr_null(sdk_error());
	ck_assert_int_eq(mr_error("bad %s at %d", "thing", 7), -1);
	ck_assert_str_eq(sdk_error(), "bad thing at 7");
	sdk_error_clear();
	ck_assert_ptr_null(sdk_error());
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mr_error("%s", big);
	ck_assert_uint_eq(strlen(sdk_error()), MR_ERROR_MAX);
	hook_says = NULL;
	ck_assert_int_eq(sdk_init(&app, &e), 0);
	ck_assert_ptr_null(sdk_error());
	hook_says = "no";
	ck_assert_int_eq(sdk_init(&app, &e), -1);
	ck_assert_str_eq(e.msg, "init of h failed: no 42");
	app.init = NULL;
	ck_assert_int_eq(sdk_init(&app, &e), 0);
	sdk_fini(&app);
}
END_TEST

START_TEST(test_input_offset)
{
	ck_assert_uint_eq(mr_input_offset(), 0);
	sdk_set_input_offset(123456789012ull);
	ck_assert_uint_eq(mr_input_offset(), 123456789012ull);
	sdk_set_input_offset(0);
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
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_counter_names);
	tcase_add_test(tc, test_counter_limits);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_error);
	tcase_add_test(tc, test_input_offset);
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
