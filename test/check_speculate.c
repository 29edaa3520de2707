/*
 * check_speculate - the backup rule's numbers (coordinator/speculate.h): the
 * running median against a sorted copy over random durations, odd and even
 * counts, ties and bad values; the threshold with its floor; the cap.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/speculate.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0 .. n) the slow way. */
static double
median_sorted(const double *v, size_t n)
{
	double *s = malloc(n * sizeof *s);
	double m;

	ck_assert_ptr_nonnull(s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	m = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

START_TEST(test_median_small)
{
	struct speculate *s = speculate_new();

	ck_assert_uint_eq(speculate_count(s), 0);
	ck_assert(speculate_median(s) == 0);
	speculate_add(s, 4);
	ck_assert(speculate_median(s) == 4);
	speculate_add(s, 2);
	ck_assert(speculate_median(s) == 3);
	speculate_add(s, 10);
	ck_assert(speculate_median(s) == 4);
	speculate_add(s, 1);
	ck_assert(speculate_median(s) == 3);
	speculate_add(s, 1);
	ck_assert(speculate_median(s) == 2);
	/* A clock gone back counts as 0, NaN too; neither breaks the order. */
	speculate_add(s, -5);
	speculate_add(s, NAN);
	ck_assert_uint_eq(speculate_count(s), 7);
	ck_assert(speculate_median(s) == 1);	/* 0 0 1 1 2 4 10 */
	speculate_free(s);
	speculate_free(NULL);
}
END_TEST

/* Random durations with many ties, in random order, checked at every add. */
START_TEST(test_median_random)
{
	enum { N = 3000 };
	double *v = malloc(N * sizeof *v);
	unsigned int seed = 12345;

	ck_assert_ptr_nonnull(v);
	for (int round = 0; round < 3; round++) {
		struct speculate *s = speculate_new();

		for (size_t i = 0; i < N; i++) {
			/* Round 1: ties only; round 2: increasing. */
			v[i] = round == 0 ? rand_r(&seed) % 100000 / 1000.0 :
			    round == 1 ? rand_r(&seed) % 4 : (double)i;
			speculate_add(s, v[i]);
			if (i < 200 || i % 97 == 0 || i == N - 1)
				ck_assert_msg(speculate_median(s) ==
				    median_sorted(v, i + 1),
				    "round %d after %zu: %g, not %g", round,
				    i + 1, speculate_median(s),
				    median_sorted(v, i + 1));
		}
		ck_assert_uint_eq(speculate_count(s), N);
		speculate_free(s);
	}
	free(v);
}
END_TEST

/* 100 000 durations, as many as a big job's tasks: the heaps keep it fast. */
START_TEST(test_median_many)
{
	struct speculate *s = speculate_new();

	for (int i = 0; i < 100000; i++)
		speculate_add(s, (double)((i * 7919) % 100000));
	ck_assert(speculate_median(s) == 49999.5);
	speculate_free(s);
}
END_TEST

START_TEST(test_threshold)
{
	struct speculate *s = speculate_new();

	ck_assert(speculate_threshold(s) == -1);	/* nothing finished */
	speculate_add(s, 2);
	ck_assert(speculate_threshold(s) == 6);
	speculate_add(s, 5);
	ck_assert(speculate_threshold(s) == 10.5);
	speculate_free(s);
	/* Short tasks: the floor. */
	s = speculate_new();
	speculate_add(s, 0.01);
	ck_assert(speculate_threshold(s) == SPEC_MIN_SECONDS);
	speculate_add(s, 0.5);
	speculate_add(s, 0.5);
	ck_assert(speculate_threshold(s) == SPEC_MIN_SECONDS * 1.5);
	speculate_free(s);
}
END_TEST

START_TEST(test_cap)
{
	ck_assert_uint_eq(speculate_cap(0), 1);
	ck_assert_uint_eq(speculate_cap(1), 1);
	ck_assert_uint_eq(speculate_cap(8), 1);
	ck_assert_uint_eq(speculate_cap(19), 1);
	ck_assert_uint_eq(speculate_cap(20), 2);
	ck_assert_uint_eq(speculate_cap(100000), 10000);
	ck_assert_uint_eq(speculate_cap(UINT32_MAX), UINT32_MAX / 10);
}
END_TEST

static Suite *
speculate_suite(void)
{
	Suite *s = suite_create("speculate");
	TCase *tc = tcase_create("rule");

	tcase_add_test(tc, test_median_small);
	tcase_add_test(tc, test_median_random);
	tcase_add_test(tc, test_median_many);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(speculate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
