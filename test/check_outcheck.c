/*
 * check_outcheck - the resume check of a finished task's files
 * (common/outcheck.h, and kvfile_probe() of common/kvfile.h): a map
 * task's mr-X-Y whole, missing, of another job or format, cut short at
 * many places, or not a regular file (a folder, a FIFO, a symbolic link);
 * an output mr-out-Y of the right size and CRC-32C, or not.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "kvfile.h"
#include "outcheck.h"

#define JOB	0x1122334455667788ull
#define OTHER	0x1122334455667789ull

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

/* Each test runs in a fresh folder holding a folder "job". */
static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_outcheck-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(mkdir("job", 0755), 0);
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

/*
 * Writes path as an intermediate file of `job` with n records whose bytes
 * are never 0 (so that no cut lands on a byte that looks like the end
 * marker). Returns its size.
 */
static uint64_t
write_kv(const char *path, uint64_t job, int n)
{
	struct kvwriter *w;
	struct err e;
	char key[32], value[64];
	uint64_t bytes;

	w = kvwriter_open(path, job, &e);
	ck_assert_msg(w != NULL, "%s", e.msg);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "key%04d", i);
		snprintf(value, sizeof value, "a value long enough %04d", i);
		ck_assert_int_eq(kvwriter_add(w, key, strlen(key), value,
		    strlen(value), &e), 0);
	}
	ck_assert_int_eq(kvwriter_commit(w, &bytes, &e), 0);
	return bytes;
}

/* Writes job/mr-<map>-0 .. job/mr-<map>-(nreduce-1), partition 1 empty. */
static void
write_map(uint32_t map, uint32_t nreduce, uint64_t job)
{
	char path[64];

	for (uint32_t y = 0; y < nreduce; y++) {
		snprintf(path, sizeof path, "job/mr-%u-%u", map, y);
		write_kv(path, job, y == 1 ? 0 : 20 + (int)y);
	}
}

/* outcheck_map() of job/ fails with exactly `want`. */
static void
expect_map_error(uint32_t map, uint32_t nreduce, const char *want)
{
	struct err e = { "" };

	ck_assert_int_eq(outcheck_map("job", map, nreduce, JOB, &e), -1);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0,
	    "got \"%s\", want \"%s...\"", e.msg, want);
}

START_TEST(test_map_fine)
{
	struct err e = { "" };

	write_map(3, 4, JOB);
	ck_assert_msg(outcheck_map("job", 3, 4, JOB, &e) == 0, "%s", e.msg);
	/* Fewer partitions asked about: only those. */
	ck_assert_int_eq(outcheck_map("job", 3, 2, JOB, &e), 0);
	ck_assert_int_eq(outcheck_map("job", 3, 0, JOB, &e), 0);
	/* The current folder, named or not. */
	ck_assert_int_eq(chdir("job"), 0);
	ck_assert_int_eq(outcheck_map(".", 3, 4, JOB, &e), 0);
	ck_assert_int_eq(outcheck_map(NULL, 3, 4, JOB, &e), 0);
	ck_assert_int_eq(outcheck_map("", 3, 4, JOB, &e), 0);
	/* Bare names in errors there. */
	ck_assert_int_eq(outcheck_map(".", 3, 5, JOB, &e), -1);
	ck_assert_str_eq(e.msg, "mr-3-4: missing");
}
END_TEST

START_TEST(test_map_missing)
{
	write_map(3, 8, JOB);
	ck_assert_int_eq(unlink("job/mr-3-7"), 0);
	ck_assert_int_eq(unlink("job/mr-3-5"), 0);
	/* The first bad file is named. */
	expect_map_error(3, 8, "job/mr-3-5: missing");
	/* Another map task's files are not this one's. */
	write_map(4, 2, JOB);
	expect_map_error(5, 2, "job/mr-5-0: missing");
	ck_assert_int_eq(unlink("job/mr-4-1"), 0);
	expect_map_error(4, 2, "job/mr-4-1: missing");
}
END_TEST

START_TEST(test_map_other_job)
{
	write_map(3, 4, JOB);
	write_kv("job/mr-3-2", OTHER, 5);
	expect_map_error(3, 4, "job/mr-3-2: written by another job");
	/* Empty, too: the header says whose it is. */
	write_kv("job/mr-3-2", JOB, 5);
	write_kv("job/mr-3-1", OTHER, 0);
	expect_map_error(3, 4, "job/mr-3-1: written by another job");
}
END_TEST

/* Another format, or not an intermediate file at all. */
START_TEST(test_map_not_kvfile)
{
	int fd;

	write_map(3, 2, JOB);
	write_kv("job/mr-3-1", JOB, 3);
	fd = open("job/mr-3-1", O_WRONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, "\3", 1, 4), 1);
	expect_map_error(3, 2, "job/mr-3-1: intermediate file of format "
	    "version 3, expected 2");
	ck_assert_int_eq(pwrite(fd, "NOPE", 4, 0), 4);
	close(fd);
	expect_map_error(3, 2, "job/mr-3-1: not an intermediate file");
}
END_TEST

/* A whole file cut at every length but its own. */
START_TEST(test_map_cut_short)
{
	const char *want = "job/mr-3-2: cut short (";
	struct err e;
	uint64_t size;

	write_map(3, 3, JOB);
	size = write_kv("job/mr-3-2", JOB, 10);
	ck_assert_uint_gt(size, 200);
	for (uint64_t len = size; len-- > 0;) {
		ck_assert_int_eq(truncate("job/mr-3-2", (off_t)len), 0);
		ck_assert_msg(outcheck_map("job", 3, 3, JOB, &e) == -1,
		    "cut at %llu of %llu bytes: not noticed",
		    (unsigned long long)len, (unsigned long long)size);
		ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0,
		    "cut at %llu: \"%s\"", (unsigned long long)len, e.msg);
	}
	/* The empty partition's file, header and trailer only, cut too. */
	write_kv("job/mr-3-2", JOB, 10);
	ck_assert_int_eq(outcheck_map("job", 3, 3, JOB, &e), 0);
	ck_assert_int_eq(truncate("job/mr-3-1",
	    KVFILE_HEADER_LEN + KVFILE_TRAILER_LEN - 1), 0);
	expect_map_error(3, 3, "job/mr-3-1: cut short (28 bytes");
	ck_assert_int_eq(truncate("job/mr-3-1", KVFILE_HEADER_LEN), 0);
	expect_map_error(3, 3, "job/mr-3-1: cut short (16 bytes");
	ck_assert_int_eq(truncate("job/mr-3-1", 5), 0);
	expect_map_error(3, 3, "job/mr-3-1: cut short (5 bytes");
	ck_assert_int_eq(truncate("job/mr-3-1", 0), 0);
	expect_map_error(3, 3, "job/mr-3-1: cut short (0 bytes");
}
END_TEST

/* Bytes added after the trailer move it: no end marker where it belongs. */
START_TEST(test_map_grown)
{
	int fd;

	write_map(3, 2, JOB);
	fd = open("job/mr-3-0", O_WRONLY | O_APPEND);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "more bytes here", 15), 15);
	close(fd);
	expect_map_error(3, 2, "job/mr-3-0: cut short (no end of records");
}
END_TEST

START_TEST(test_map_not_regular)
{
	write_map(3, 4, JOB);
	ck_assert_int_eq(unlink("job/mr-3-1"), 0);
	ck_assert_int_eq(mkdir("job/mr-3-1", 0755), 0);
	expect_map_error(3, 4, "job/mr-3-1: not a regular file (a folder)");
	ck_assert_int_eq(rmdir("job/mr-3-1"), 0);
	/* Not waited on: the check would hang there. */
	ck_assert_int_eq(mkfifo("job/mr-3-1", 0644), 0);
	expect_map_error(3, 4, "job/mr-3-1: not a regular file (a FIFO)");
	ck_assert_int_eq(unlink("job/mr-3-1"), 0);
	/* Not followed, even to a whole file of the job. */
	ck_assert_int_eq(symlink("mr-3-0", "job/mr-3-1"), 0);
	expect_map_error(3, 4,
	    "job/mr-3-1: not a regular file (a symbolic link)");
}
END_TEST

/* Writes path with n bytes of text; returns their CRC-32C. */
static uint32_t
write_output(const char *path, size_t n)
{
	char *buf = malloc(n + 1);
	FILE *f = fopen(path, "w");
	uint32_t crc;

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++)
		buf[i] = i % 17 == 16 ? '\n' : (char)('a' + i % 26);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	crc = crc32c(0, buf, n);
	free(buf);
	return crc;
}

static void
expect_output_error(const char *path, uint64_t size, uint32_t crc,
    const char *want)
{
	struct err e = { "" };

	ck_assert_int_eq(outcheck_output(path, size, crc, &e), -1);
	ck_assert_str_eq(e.msg, want);
}

START_TEST(test_output_fine)
{
	struct err e = { "" };
	/* Several read chunks, and not a whole number of them. */
	size_t n = 3 * 256 * 1024 + 1234;
	uint32_t crc = write_output("job/mr-out-2", n);

	ck_assert_msg(outcheck_output("job/mr-out-2", n, crc, &e) == 0, "%s",
	    e.msg);
	/* An empty output: size 0, CRC 0. */
	write_output("job/mr-out-3", 0);
	ck_assert_int_eq(outcheck_output("job/mr-out-3", 0, 0, &e), 0);
}
END_TEST

START_TEST(test_output_size)
{
	uint32_t crc = write_output("job/mr-out-2", 1234);

	expect_output_error("job/mr-out-2", 1235, crc,
	    "job/mr-out-2: 1234 bytes, expected 1235");
	ck_assert_int_eq(truncate("job/mr-out-2", 1000), 0);
	expect_output_error("job/mr-out-2", 1234, crc,
	    "job/mr-out-2: 1000 bytes, expected 1234");
	ck_assert_int_eq(truncate("job/mr-out-2", 0), 0);
	expect_output_error("job/mr-out-2", 1234, crc,
	    "job/mr-out-2: 0 bytes, expected 1234");
}
END_TEST

START_TEST(test_output_crc)
{
	uint32_t crc = write_output("job/mr-out-2", 100000), bad;
	char want[128];
	int fd;

	/* One byte changed in the middle: same size, another checksum. */
	fd = open("job/mr-out-2", O_RDWR);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, "Z", 1, 54321), 1);
	close(fd);
	{
		char *buf = malloc(100000);

		fd = open("job/mr-out-2", O_RDONLY);
		ck_assert_int_eq(read(fd, buf, 100000), 100000);
		close(fd);
		bad = crc32c(0, buf, 100000);
		free(buf);
	}
	ck_assert_uint_ne(bad, crc);
	snprintf(want, sizeof want, "job/mr-out-2: CRC-32C %08x, expected %08x",
	    (unsigned)bad, (unsigned)crc);
	expect_output_error("job/mr-out-2", 100000, crc, want);
	/* The right bytes, a wrong CRC reported: the same. */
	snprintf(want, sizeof want, "job/mr-out-2: CRC-32C %08x, expected %08x",
	    (unsigned)bad, (unsigned)(bad ^ 1));
	expect_output_error("job/mr-out-2", 100000, bad ^ 1, want);
}
END_TEST

START_TEST(test_output_not_there)
{
	expect_output_error("job/mr-out-9", 0, 0, "job/mr-out-9: missing");
	ck_assert_int_eq(mkdir("job/mr-out-9", 0755), 0);
	expect_output_error("job/mr-out-9", 0, 0,
	    "job/mr-out-9: not a regular file (a folder)");
}
END_TEST

static Suite *
outcheck_suite(void)
{
	Suite *s = suite_create("outcheck");
	TCase *tc = tcase_create("outcheck");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_map_fine);
	tcase_add_test(tc, test_map_missing);
	tcase_add_test(tc, test_map_other_job);
	tcase_add_test(tc, test_map_not_kvfile);
	tcase_add_test(tc, test_map_cut_short);
	tcase_add_test(tc, test_map_grown);
	tcase_add_test(tc, test_map_not_regular);
	tcase_add_test(tc, test_output_fine);
	tcase_add_test(tc, test_output_size);
	tcase_add_test(tc, test_output_crc);
	tcase_add_test(tc, test_output_not_there);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(outcheck_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
