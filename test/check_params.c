/*
 * check_params - a job's parameters (common/params.h): NAME=VALUE parsed,
 * kept in name order and looked up; every rule of a name and a value, the
 * set's bound, a name given twice, each refused with nothing added.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

START_TEST(test_add_and_lookup)
{
	struct params *ps = params_new();
	const char *name, *value;
	struct err e;

	ck_assert_int_eq(params_add_arg(ps, "b=2", &e), 0);
	ck_assert_int_eq(params_add_arg(ps, "a.x_y-Z9=one=two three", &e), 0);
	ck_assert_int_eq(params_add_arg(ps, "empty=", &e), 0);
	ck_assert_uint_eq(params_count(ps), 3);
	/* In name order, whatever the order given. */
	params_get(ps, 0, &name, &value);
	ck_assert_str_eq(name, "a.x_y-Z9");
	ck_assert_str_eq(value, "one=two three");
	params_get(ps, 1, &name, &value);
	ck_assert_str_eq(name, "b");
	params_get(ps, 2, &name, &value);
	ck_assert_str_eq(name, "empty");
	ck_assert_str_eq(value, "");
	ck_assert_str_eq(params_lookup(ps, "b"), "2");
	ck_assert_str_eq(params_lookup(ps, "empty"), "");
	ck_assert_ptr_null(params_lookup(ps, "c"));
	ck_assert_ptr_null(params_lookup(ps, "a"));
	ck_assert_ptr_null(params_lookup(NULL, "b"));
	ck_assert_ptr_null(params_lookup(ps, NULL));
	ck_assert_uint_eq(params_count(NULL), 0);
	params_free(ps);
	params_free(NULL);
}
END_TEST

/* arg is refused with an error holding want, and nothing is added. */
static void
refused(struct params *ps, const char *arg, const char *want)
{
	size_t n = params_count(ps);
	struct err e;

	e.msg[0] = '\0';
	ck_assert_int_eq(params_add_arg(ps, arg, &e), -1);
	ck_assert_msg(strstr(e.msg, want) != NULL, "'%.40s': '%s', not '%s'",
	    arg, e.msg, want);
	ck_assert_uint_eq(params_count(ps), n);
}

START_TEST(test_refused)
{
	struct params *ps = params_new();
	char name[MR_PARAM_NAME_MAX + 8], *value;
	struct err e;

	refused(ps, "novalue", "-D 'novalue': expected NAME=VALUE");
	refused(ps, "=x", "a name is 1 to 63");
	refused(ps, "a b=x", "-D 'a b': a name is");
	refused(ps, "a/b=x", "a name is");
	refused(ps, "\xc3\xa9=x", "a name is");
	memset(name, 'n', MR_PARAM_NAME_MAX);
	strcpy(name + MR_PARAM_NAME_MAX, "=1");
	ck_assert_int_eq(params_add_arg(ps, name, &e), 0);
	memset(name, 'm', MR_PARAM_NAME_MAX + 1);
	strcpy(name + MR_PARAM_NAME_MAX + 1, "=1");
	refused(ps, name, "a name is 1 to 63");
	value = malloc(MR_PARAM_VALUE_MAX + 8);
	memcpy(value, "v=", 2);
	memset(value + 2, 'x', MR_PARAM_VALUE_MAX);
	value[MR_PARAM_VALUE_MAX + 2] = '\0';
	ck_assert_int_eq(params_add_arg(ps, value, &e), 0);
	value[0] = 'w';
	value[MR_PARAM_VALUE_MAX + 2] = 'x';
	value[MR_PARAM_VALUE_MAX + 3] = '\0';
	refused(ps, value, "-D w: the value is longer than 4096 bytes");
	free(value);
	refused(ps, "v=again", "-D v given twice");
	ck_assert_int_eq(params_add(ps, "ok", "1", &e), 0);
	ck_assert_int_eq(params_add(ps, "not ok", "1", &e), -1);
	params_free(ps);
}
END_TEST

START_TEST(test_bound)
{
	struct params *ps = params_new();
	char arg[32];
	struct err e;

	for (int i = 0; i < MR_PARAMS_MAX; i++) {
		snprintf(arg, sizeof arg, "p%02d=%d", i, i);
		ck_assert_int_eq(params_add_arg(ps, arg, &e), 0);
	}
	refused(ps, "q=1", "-D q: more than 64 parameters");
	ck_assert_str_eq(params_lookup(ps, "p63"), "63");
	params_free(ps);
}
END_TEST

START_TEST(test_name_ok)
{
	ck_assert(params_name_ok("a"));
	ck_assert(params_name_ok("mapreduce.job.name"));
	ck_assert(!params_name_ok(""));
	ck_assert(!params_name_ok("a=b"));
	ck_assert(!params_name_ok("tab\there"));
}
END_TEST

static Suite *
params_suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params");

	tcase_add_test(tc, test_add_and_lookup);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_name_ok);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(params_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
