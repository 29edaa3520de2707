/*
 * check_maptable - the map table's own contract (worker/maptable.h), the
 * part check_mapout does not see through mapout.h: a full table hands
 * itself, sorted, to its `full` function and forgets what it held (the
 * record count stays); a failing `full` fails the table with its reason; a
 * bounded table without one fails rather than overruns; clearing forgets
 * a failure; a sorted table refuses records until drained; a table of
 * sums walks its sums as text; every partition's keys walked together in
 * key order, each with its values.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk.h"
#include "../worker/maptable.h"

/* What the `full` function saw. */
struct drains {
	int		 calls;
	size_t		 keys;		/* distinct keys handed over, summed */
	size_t		 walked;	/* of them, seen by the walk */
	int		 unsorted;	/* a key came before the previous one */
	int		 fail;		/* fail the call with this number */
};

/* A walk of the keys handed over: the last key seen, and how many. */
struct walk {
	char		 prev[32];
	size_t		 n;
};

static int
check_order(void *arg, const char *key, size_t keylen, mr_values *values)
{
	struct walk *w = arg;
	const char *v;
	size_t vlen;

	while (values->next(values->ctx, &v, &vlen) == 1)
		;
	if (w->n > 0 && strcmp(w->prev, key) >= 0)
		return -1;
	ck_assert_uint_lt(keylen, sizeof w->prev);
	memcpy(w->prev, key, keylen + 1);
	w->n++;
	return 0;
}

static int
on_full(void *arg, struct maptable *t, struct err *e)
{
	struct drains *d = arg;
	struct walk w = { "", 0 };

	d->calls++;
	if (d->fail != 0 && d->calls == d->fail) {
		err_set(e, "no room for run %d", d->calls);
		return -1;
	}
	d->keys += maptable_keys(t);
	/* Handed over sorted: the walk needs it, and sees key order. */
	if (maptable_foreach_group(t, 0, check_order, &w) == -1)
		d->unsorted = 1;
	d->walked += w.n;
	return 0;
}

/*
 * Emits n records of distinct keys into t, "key<from>" to "key<from+n-1>"
 * (5 digits) in a shuffled order, so that only sorting orders them.
 */
static int
emit_keys(struct maptable *t, int from, int n)
{
	mr_emitter *em = maptable_emitter(t);
	char key[32];

	for (int j = 0; j < n; j++) {
		/* 7919 is prime, so j -> j * 7919 mod n is a permutation. */
		int i = from + (int)(((long)j * 7919) % n);

		snprintf(key, sizeof key, "key%05d", i);
		if (em->emit(em->ctx, key, strlen(key), "v", 1) == -1)
			return -1;
	}
	return 0;
}

START_TEST(test_full_drains)
{
	struct drains d = { 0 };
	struct maptable *t = maptable_new(1, NULL, 64 * 1024, on_full, &d);
	struct err e;

	ck_assert_int_eq(emit_keys(t, 0, 10000), 0);
	ck_assert_int_gt(d.calls, 1);
	ck_assert_int_eq(d.unsorted, 0);
	/* Every key handed over once, or still held; the count kept. */
	ck_assert_uint_eq(d.keys + maptable_keys(t), 10000);
	ck_assert_uint_eq(d.walked, d.keys);
	ck_assert_uint_eq(maptable_count(t), 10000);
	ck_assert_int_eq(maptable_error(t, &e), 0);
	/* Drained by hand: the rest goes, the count stays. */
	ck_assert_int_eq(maptable_drain(t), 0);
	ck_assert_uint_eq(maptable_keys(t), 0);
	ck_assert_uint_eq(d.keys, 10000);
	ck_assert_uint_eq(maptable_count(t), 10000);
	maptable_free(t);
}
END_TEST

START_TEST(test_full_fails)
{
	struct drains d = { .fail = 2 };
	struct maptable *t = maptable_new(1, NULL, 64 * 1024, on_full, &d);
	struct err e;

	ck_assert_int_eq(emit_keys(t, 0, 10000), -1);
	ck_assert_int_eq(d.calls, 2);
	ck_assert_int_eq(maptable_error(t, &e), 1);
	ck_assert_str_eq(e.msg, "no room for run 2");
	/* Failed for good: nothing more is taken, nothing is drained. */
	ck_assert_int_eq(emit_keys(t, 20000, 1), -1);
	ck_assert_int_eq(d.calls, 2);
	/* Until cleared. */
	maptable_clear(t);
	ck_assert_int_eq(maptable_error(t, &e), 0);
	ck_assert_uint_eq(maptable_count(t), 0);
	ck_assert_uint_eq(maptable_keys(t), 0);
	ck_assert_int_eq(emit_keys(t, 0, 10), 0);
	ck_assert_uint_eq(maptable_count(t), 10);
	maptable_free(t);
}
END_TEST

/* Bounded without a `full` function: a clear failure, not an overrun. */
START_TEST(test_full_none)
{
	struct maptable *t = maptable_new(1, NULL, 64 * 1024, NULL, NULL);
	struct err e;

	ck_assert_int_eq(emit_keys(t, 0, 10000), -1);
	ck_assert_int_eq(maptable_error(t, &e), 1);
	ck_assert_msg(strstr(e.msg, "65536 bytes of memory are full") != NULL,
	    "%s", e.msg);
	maptable_free(t);
}
END_TEST

START_TEST(test_sorted_refuses)
{
	struct drains d = { 0 };
	struct maptable *t = maptable_new(2, NULL, SIZE_MAX, on_full, &d);
	struct err e;

	ck_assert_int_eq(emit_keys(t, 0, 5), 0);
	maptable_sort(t);
	ck_assert_int_eq(emit_keys(t, 5, 1), -1);
	/* Refused, not failed. */
	ck_assert_int_eq(maptable_error(t, &e), 0);
	ck_assert_int_eq(maptable_drain(t), 0);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(emit_keys(t, 5, 1), 0);
	ck_assert_uint_eq(maptable_count(t), 6);
	maptable_free(t);
}
END_TEST

struct sums {
	char	 text[256];
};

static int
collect_sum(void *arg, const char *key, size_t keylen, const char *sum,
    size_t sumlen)
{
	struct sums *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%.*s=%.*s ", (int)keylen,
	    key, (int)sumlen, sum);
	return 0;
}

START_TEST(test_sums)
{
	struct maptable *t = maptable_new(1, mr_combine_sum, SIZE_MAX, NULL,
	    NULL);
	struct maptable *plain = maptable_new(1, NULL, SIZE_MAX, NULL, NULL);
	mr_emitter *em = maptable_emitter(t);
	struct sums s = { "" };

	ck_assert_int_eq(maptable_sums(t), 1);
	ck_assert_int_eq(maptable_sums(plain), 0);
	ck_assert_int_eq(em->emit(em->ctx, "b", 1, "1", 1), 0);
	ck_assert_int_eq(em->emit(em->ctx, "a", 1, "3", 1), 0);
	ck_assert_int_eq(em->emit(em->ctx, "a", 1, "40", 2), 0);
	ck_assert_int_eq(em->emit(em->ctx, "ab", 2, "18446744073709551615",
	    20), 0);
	ck_assert_int_eq(em->emit(em->ctx, "c", 1, "0", 1), 0);
	maptable_sort(t);
	ck_assert_int_eq(maptable_sum_foreach(t, 0, collect_sum, &s), 0);
	ck_assert_str_eq(s.text, "a=43 ab=18446744073709551615 b=1 c=0 ");
	/* A partition that is not there has nothing. */
	ck_assert_int_eq(maptable_sum_foreach(t, 1, collect_sum, &s), 0);
	maptable_free(t);
	maptable_free(plain);
}
END_TEST

/* Keys and their values as text, "k:v,v k:v ". */
static int
collect_group(void *arg, const char *key, size_t keylen, mr_values *values)
{
	struct sums *s = arg;
	size_t n = strlen(s->text);
	const char *v;
	size_t vlen;
	int first = 1;

	n += (size_t)snprintf(s->text + n, sizeof s->text - n, "%.*s:",
	    (int)keylen, key);
	while (values->next(values->ctx, &v, &vlen) == 1) {
		n += (size_t)snprintf(s->text + n, sizeof s->text - n, "%s%.*s",
		    first ? "" : ",", (int)vlen, v);
		first = 0;
	}
	snprintf(s->text + n, sizeof s->text - n, " ");
	return 0;
}

START_TEST(test_all_partitions)
{
	static const char *const keys[] = { "pear", "apple", "a", "fig",
	    "apples", "zz", "b", "apple", "", "abcdefghij", "abcdefghi", "a" };
	struct maptable *t = maptable_new(3, NULL, SIZE_MAX, NULL, NULL);
	mr_emitter *em = maptable_emitter(t);
	struct sums s = { "" };
	char v[8];

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		snprintf(v, sizeof v, "%zu", i);
		ck_assert_int_eq(em->emit(em->ctx, keys[i], strlen(keys[i]), v,
		    strlen(v)), 0);
	}
	maptable_sort(t);
	ck_assert_int_eq(maptable_foreach_group_all(t, collect_group, &s), 0);
	/* Bytewise, a key before those it starts, whatever its partition. */
	ck_assert_str_eq(s.text, ":8 a:2,11 abcdefghi:10 abcdefghij:9 "
	    "apple:1,7 apples:4 b:6 fig:3 pear:0 zz:5 ");
	maptable_free(t);
	/* One partition, and none at all. */
	t = maptable_new(1, NULL, SIZE_MAX, NULL, NULL);
	em = maptable_emitter(t);
	s.text[0] = '\0';
	maptable_sort(t);
	ck_assert_int_eq(maptable_foreach_group_all(t, collect_group, &s), 0);
	ck_assert_str_eq(s.text, "");
	maptable_free(t);
}
END_TEST

static Suite *
maptable_suite(void)
{
	Suite *s = suite_create("maptable");
	TCase *tc = tcase_create("maptable");

	tcase_add_test(tc, test_full_drains);
	tcase_add_test(tc, test_full_fails);
	tcase_add_test(tc, test_full_none);
	tcase_add_test(tc, test_sorted_refuses);
	tcase_add_test(tc, test_sums);
	tcase_add_test(tc, test_all_partitions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(maptable_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
