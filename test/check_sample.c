/*
 * check_sample - the split points of a total order (worker/sample.h):
 * quantiles of a sample, an empty one, repeated keys; the total-order
 * partitioner's boundaries and its order over random keys; the job
 * folder's file of split points written once, then read (the first
 * written wins, whatever another sample would say), refused when it is
 * corrupt or holds another number of them; counters of the sampling
 * discarded.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../worker/sample.h"
#include "sdk.h"

static char dir[64];
static int oldcwd = -1;

static void
setup(void)
{
	strcpy(dir, "/tmp/check_sample-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(dir), 0);
	sample_forget();
}

static void
teardown(void)
{
	char cmd[128];

	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		perror(cmd);
	sample_forget();
}

START_TEST(test_choose)
{
	struct sample_key keys[10], split[4];
	const char *words[10] = { "j", "b", "e", "a", "i", "c", "h", "d",
	    "g", "f" };

	for (int i = 0; i < 10; i++) {
		keys[i].p = words[i];
		keys[i].len = 1;
	}
	sample_choose(keys, 10, 5, split);
	/* Sorted, and the keys at 2, 4, 6, 8. */
	ck_assert(memcmp(keys[0].p, "a", 1) == 0);
	ck_assert(memcmp(keys[9].p, "j", 1) == 0);
	ck_assert(memcmp(split[0].p, "c", 1) == 0);
	ck_assert(memcmp(split[1].p, "e", 1) == 0);
	ck_assert(memcmp(split[2].p, "g", 1) == 0);
	ck_assert(memcmp(split[3].p, "i", 1) == 0);
	/* No key: every split point empty. */
	sample_choose(keys, 0, 3, split);
	ck_assert_uint_eq(split[0].len, 0);
	ck_assert_uint_eq(split[1].len, 0);
	/* A prefix sorts first. */
	keys[0].p = "ab";
	keys[0].len = 2;
	keys[1].p = "a";
	keys[1].len = 1;
	sample_choose(keys, 2, 2, split);
	ck_assert_uint_eq(keys[0].len, 1);
	ck_assert_uint_eq(split[0].len, 2);
}
END_TEST

START_TEST(test_total_order)
{
	const char *key[] = { "b", "d", "d", "f" };
	size_t len[] = { 1, 1, 1, 1 };
	struct sdk_splits s = { 4, key, len };
	char a[8], b[8];
	unsigned seed = 7;

	sdk_set_splits(NULL);
	ck_assert_uint_eq(mr_partition_total_order("a", 1, 5), 5);
	sdk_set_splits(&s);
	ck_assert_uint_eq(mr_partition_total_order("a", 1, 4), 4);
	ck_assert_uint_eq(mr_partition_total_order("", 0, 5), 0);
	ck_assert_uint_eq(mr_partition_total_order("a", 1, 5), 0);
	/* A key equal to a split point goes above it. */
	ck_assert_uint_eq(mr_partition_total_order("b", 1, 5), 1);
	ck_assert_uint_eq(mr_partition_total_order("c", 1, 5), 1);
	ck_assert_uint_eq(mr_partition_total_order("d", 1, 5), 3);
	ck_assert_uint_eq(mr_partition_total_order("da", 2, 5), 3);
	ck_assert_uint_eq(mr_partition_total_order("f", 1, 5), 4);
	ck_assert_uint_eq(mr_partition_total_order("zz", 2, 5), 4);
	/* The partition never goes down as the key goes up. */
	for (int i = 0; i < 10000; i++) {
		size_t n = 1 + (size_t)rand_r(&seed) % 3, m;
		uint32_t pa, pb;

		for (size_t k = 0; k < n; k++)
			a[k] = (char)('a' + rand_r(&seed) % 7);
		m = n;
		memcpy(b, a, n);
		b[rand_r(&seed) % n] += 1;
		pa = mr_partition_total_order(a, n, 5);
		pb = mr_partition_total_order(b, m, 5);
		ck_assert_uint_le(pa, pb);
	}
	sdk_set_splits(NULL);
}
END_TEST

/* A map emitting each line of its data as a key, counting as it goes. */
static int
lines_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	size_t i = 0;

	(void)name;
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;

		mr_counter_add("lines", 1);
		if (mr_emit(out, data + i, end - i, "", 0) == -1)
			return -1;
		i = end + 1;
	}
	return 0;
}

/* One that reverses the order: another sample would give others. */
static int
upside_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)name;
	(void)data;
	(void)len;
	return mr_emit(out, "zzz", 3, "", 0);
}

static int
no_reduce(mr_emitter *out, const char *key, size_t keylen, mr_values *v)
{
	(void)out;
	(void)key;
	(void)keylen;
	(void)v;
	return 0;
}

static int
failing_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)out;
	(void)name;
	(void)data;
	(void)len;
	return mr_error("no sample today");
}

START_TEST(test_ensure)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION, .name = "lines",
	    .map = lines_map, .reduce = no_reduce };
	struct sample_piece pieces[2] = {
		{ "in.txt", 0, 400, NULL }, { "in.txt", 2000, 400, NULL } };
	struct sample_job sj = { 0x1234, 4, pieces, 2, 0 };
	struct err e;
	FILE *f = fopen("in.txt", "w");
	struct stat st;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "%04d\n", i);
	ck_assert_int_eq(fclose(f), 0);
	sdk_counters_reset();
	ck_assert_int_eq(sample_ensure(&app, &sj, &e), 0);
	/* The sampling's counters are not the task's. */
	ck_assert_uint_eq(sdk_counters_count(), 0);
	ck_assert_int_eq(stat("mr-splits-0000000000001234", &st), 0);
	/* Keys 0000-0080 and 0400-0480 sampled (whole lines, cut as splits). */
	ck_assert_uint_eq(mr_partition_total_order("0000", 4, 4), 0);
	ck_assert_uint_eq(mr_partition_total_order("9999", 4, 4), 3);
	/* Split points 0040, 0400 and 0440: the sample's quartiles. */
	ck_assert_uint_eq(mr_partition_total_order("0039", 4, 4), 0);
	ck_assert_uint_eq(mr_partition_total_order("0040", 4, 4), 1);
	ck_assert_uint_eq(mr_partition_total_order("0300", 4, 4), 1);
	ck_assert_uint_eq(mr_partition_total_order("0420", 4, 4), 2);
	ck_assert_uint_eq(mr_partition_total_order("0440", 4, 4), 3);
	/* Read again from the file: the first written wins. */
	sample_forget();
	app.map = upside_map;
	ck_assert_int_eq(sample_ensure(&app, &sj, &e), 0);
	ck_assert_uint_eq(mr_partition_total_order("0300", 4, 4), 1);
	ck_assert_uint_eq(mr_partition_total_order("0420", 4, 4), 2);
	/* Another number of partitions than the file holds: refused. */
	sample_forget();
	sj.nparts = 3;
	ck_assert_int_eq(sample_ensure(&app, &sj, &e), -1);
	ck_assert_msg(strstr(e.msg, "mr-splits-0000000000001234: more than "
	    "2 split points") != NULL, "%s", e.msg);
	/* A corrupt file: refused, named. */
	sj.nparts = 4;
	f = fopen("mr-splits-0000000000001234", "r+");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 20, SEEK_SET), 0);
	fputc('!', f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sample_ensure(&app, &sj, &e), -1);
	ck_assert_msg(strstr(e.msg, "mr-splits-0000000000001234") != NULL, "%s",
	    e.msg);
	/* Another job samples afresh; a failing map says why. */
	sj.job = 0x99;
	app.map = failing_map;
	ck_assert_int_eq(sample_ensure(&app, &sj, &e), -1);
	ck_assert_msg(strstr(e.msg, "in.txt: no sample today") != NULL, "%s",
	    e.msg);
	ck_assert_int_eq(access("mr-splits-0000000000000099", F_OK), -1);
	ck_assert_ptr_null(sdk_error());
}
END_TEST

static Suite *
sample_suite(void)
{
	Suite *s = suite_create("sample");
	TCase *tc = tcase_create("sample");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_choose);
	tcase_add_test(tc, test_total_order);
	tcase_add_test(tc, test_ensure);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sample_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
