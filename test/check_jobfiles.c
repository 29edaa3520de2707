/*
 * check_jobfiles - the names of a job's files (common/jobfiles.h): bare in
 * the current folder, under a folder otherwise, and a name that does not
 * fit refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jobfiles.h"

START_TEST(test_names)
{
	char buf[JOBFILES_PATH_MAX];

	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, NULL, 3, 7), 0);
	ck_assert_str_eq(buf, "mr-3-7");
	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, "", 0, 0), 0);
	ck_assert_str_eq(buf, "mr-0-0");
	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, ".",
	    4294967295u, 12), 0);
	ck_assert_str_eq(buf, "mr-4294967295-12");
	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, "/j/o b", 1, 2),
	    0);
	ck_assert_str_eq(buf, "/j/o b/mr-1-2");
	ck_assert_int_eq(jobfiles_output(buf, sizeof buf, NULL, 9), 0);
	ck_assert_str_eq(buf, "mr-out-9");
	ck_assert_int_eq(jobfiles_output(buf, sizeof buf, ".", 0), 0);
	ck_assert_str_eq(buf, "mr-out-0");
	/* "./" is a folder name like any other, not the bare case. */
	ck_assert_int_eq(jobfiles_output(buf, sizeof buf, "./", 5), 0);
	ck_assert_str_eq(buf, ".//mr-out-5");
	ck_assert_int_eq(jobfiles_output(buf, sizeof buf, "out", 10), 0);
	ck_assert_str_eq(buf, "out/mr-out-10");
}
END_TEST

START_TEST(test_too_long)
{
	char buf[12], *dir = malloc(PATH_MAX + 1);

	/* "mr-out-9" and its NUL fit in 9 bytes, not in 8. */
	ck_assert_int_eq(jobfiles_output(buf, 9, NULL, 9), 0);
	ck_assert_int_eq(jobfiles_output(buf, 8, NULL, 9), -1);
	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, NULL, 100000,
	    100000), -1);
	ck_assert_int_eq(jobfiles_intermediate(buf, sizeof buf, "d", 1, 1), 0);
	ck_assert_int_eq(jobfiles_output(buf, sizeof buf, "dd", 10), -1);
	/* A folder of PATH_MAX bytes still fits in JOBFILES_PATH_MAX. */
	memset(dir, 'a', PATH_MAX);
	dir[PATH_MAX - 1] = '\0';
	{
		char big[JOBFILES_PATH_MAX];

		ck_assert_int_eq(jobfiles_intermediate(big, sizeof big, dir,
		    4294967295u, 4294967295u), 0);
		ck_assert_uint_eq(strlen(big), PATH_MAX - 1 + 25);
	}
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jobfiles");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_too_long);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
