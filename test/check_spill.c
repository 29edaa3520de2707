/*
 * check_spill - a map output's sorted runs (worker/spill.h): each run one
 * file without a name, open in this process and never seen in the folder;
 * merged runs make one sorted file per partition, combined; a run that
 * fails half-way leaves nothing of itself; clearing and freeing close
 * every run, so that its file is gone from the disk.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "kvfile.h"
#include "safefile.h"
#include "sdk.h"
#include "../worker/maptable.h"
#include "../worker/spill.h"

#define JOB 0x5eed5eed5eed5eedull
#define NPARTS 3

static char tmpdir[64];
static int oldcwd = -1;

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_spill-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(tmpdir), 0);
}

static void
teardown(void)
{
	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Files in the current folder. */
static int
count_files(void)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strncmp(de->d_name,
		    SAFEFILE_PREFIX, strlen(SAFEFILE_PREFIX)) == 0)
			n++;
	closedir(d);
	return n;
}

/*
 * Files this process holds open that have no name (O_TMPFILE files, and
 * those removed since: /proc shows both as "PATH (deleted)") in the
 * current folder.
 */
static int
count_unnamed(void)
{
	char cwd[4096], fd[320], target[4096 + 64];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t clen;
	ssize_t n;
	int count = 0;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	clen = strlen(cwd);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(fd, sizeof fd, "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(fd, target, sizeof target - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, cwd, clen) == 0 && target[clen] == '/' &&
		    strchr(target + clen + 1, '/') == NULL &&
		    n > 10 && strcmp(target + n - 10, " (deleted)") == 0)
			count++;
	}
	closedir(d);
	return count;
}

/* Emits "k<i>" -> "1" for i in [from, to) into t. */
static void
emit_range(struct maptable *t, int from, int to)
{
	mr_emitter *em = maptable_emitter(t);
	char key[16];

	for (int i = from; i < to; i++) {
		snprintf(key, sizeof key, "k%03d", i);
		ck_assert_int_eq(em->emit(em->ctx, key, strlen(key), "1", 1),
		    0);
	}
}

/* Two runs of overlapping keys merge into sorted, summed partitions. */
START_TEST(test_add_merge)
{
	struct maptable *t = maptable_new(NPARTS, mr_combine_sum, SIZE_MAX,
	    NULL, NULL);
	struct spill *s = spill_new(NPARTS);
	struct err e;
	uint64_t bytes = 0;
	int seen = 0;

	spill_set_job(s, JOB);
	emit_range(t, 0, 60);
	ck_assert_int_eq(spill_add(s, t, mr_combine_sum, &e), 0);
	maptable_clear(t);
	emit_range(t, 30, 90);
	ck_assert_int_eq(spill_add(s, t, mr_combine_sum, &e), 0);
	ck_assert_uint_eq(spill_count(s), 2);
	/* Two runs, each one file, neither with a name. */
	ck_assert_int_eq(count_unnamed(), 2);
	ck_assert_int_eq(count_files(), 0);
	for (uint32_t p = 0; p < NPARTS; p++) {
		char path[32], prev[16] = "";
		struct kvreader *r;
		const char *k, *v;
		size_t kl, vl;
		int rc;

		snprintf(path, sizeof path, "mr-1-%u", p);
		ck_assert_int_eq(spill_merge(s, p, path, mr_combine_sum,
		    &bytes, &e), 0);
		r = kvreader_open(path, JOB, &e);
		ck_assert_ptr_nonnull(r);
		while ((rc = kvreader_next(r, &k, &kl, &v, &vl, &e)) == 1) {
			char key[16];
			int i;

			ck_assert_uint_lt(kl, sizeof key);
			snprintf(key, sizeof key, "%.*s", (int)kl, k);
			i = atoi(key + 1);
			ck_assert_uint_eq(hash_partition(k, kl, NPARTS), p);
			ck_assert_msg(strcmp(prev, key) < 0, "%s after %s", key,
			    prev);
			strcpy(prev, key);
			ck_assert_uint_eq(vl, 1);
			ck_assert_int_eq(v[0], i >= 30 && i < 60 ? '2' : '1');
			seen++;
		}
		ck_assert_int_eq(rc, 0);
		kvreader_close(r);
	}
	ck_assert_int_eq(seen, 90);
	ck_assert_uint_gt(bytes, 0);
	spill_free(s);
	/* The runs are gone, the merged files stay. */
	ck_assert_int_eq(count_unnamed(), 0);
	ck_assert_int_eq(count_files(), NPARTS);
	maptable_free(t);
}
END_TEST

/* Fails on one key, which the run meets in its last partition. */
static const char *boom;

static int
boom_combine(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char *v;
	size_t vl;

	if (strcmp(key, boom) == 0)
		return -1;
	while (values->next(values->ctx, &v, &vl) == 1)
		if (out->emit(out->ctx, key, keylen, v, vl) == -1)
			return -1;
	return 0;
}

START_TEST(test_add_fails)
{
	struct maptable *t = maptable_new(NPARTS, boom_combine, SIZE_MAX,
	    NULL, NULL);
	struct spill *s = spill_new(NPARTS);
	struct err e = { "" };

	/* A key of the last partition: the others are written before it. */
	for (int i = 0;; i++) {
		static char key[16];

		snprintf(key, sizeof key, "k%03d", i);
		if (hash_partition(key, strlen(key), NPARTS) == NPARTS - 1) {
			boom = key;
			break;
		}
	}
	spill_set_job(s, JOB);
	emit_range(t, 0, 40);
	ck_assert_int_eq(spill_add(s, t, boom_combine, &e), -1);
	ck_assert_msg(strstr(e.msg, "combine failed") != NULL, "%s", e.msg);
	ck_assert_uint_eq(spill_count(s), 0);
	ck_assert_int_eq(count_files(), 0);
	ck_assert_int_eq(count_unnamed(), 0);
	spill_free(s);
	maptable_free(t);
}
END_TEST

/* Cleared: the runs go; the output spills and merges again after. */
START_TEST(test_clear)
{
	struct maptable *t = maptable_new(NPARTS, NULL, SIZE_MAX, NULL, NULL);
	struct spill *s = spill_new(NPARTS);
	struct err e;
	int records = 0;

	spill_set_job(s, JOB);
	emit_range(t, 0, 10);
	ck_assert_int_eq(spill_add(s, t, NULL, &e), 0);
	ck_assert_int_eq(count_unnamed(), 1);
	spill_clear(s);
	ck_assert_uint_eq(spill_count(s), 0);
	ck_assert_int_eq(count_unnamed(), 0);
	maptable_clear(t);
	emit_range(t, 20, 25);
	ck_assert_int_eq(spill_add(s, t, NULL, &e), 0);
	ck_assert_int_eq(spill_add(s, t, NULL, &e), 0);
	ck_assert_int_eq(count_unnamed(), 2);
	/* Only what came after the clear, from both runs. */
	for (uint32_t p = 0; p < NPARTS; p++) {
		struct merge *m = spill_open(s, p, &e);
		const char *k, *v;
		size_t kl, vl;
		int rc;

		ck_assert_ptr_nonnull(m);
		while ((rc = merge_next(m, &k, &kl, &v, &vl, &e)) == 1) {
			char key[16];

			ck_assert_uint_lt(kl, sizeof key);
			snprintf(key, sizeof key, "%.*s", (int)kl, k);
			ck_assert_msg(atoi(key + 1) >= 20, "%s", key);
			records++;
		}
		ck_assert_int_eq(rc, 0);
		merge_free(m);
	}
	ck_assert_int_eq(records, 2 * 5);
	spill_free(s);
	ck_assert_int_eq(count_unnamed(), 0);
	ck_assert_int_eq(count_files(), 0);
	maptable_free(t);
}
END_TEST

static Suite *
spill_suite(void)
{
	Suite *s = suite_create("spill");
	TCase *tc = tcase_create("spill");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_merge);
	tcase_add_test(tc, test_add_fails);
	tcase_add_test(tc, test_clear);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(spill_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
