/*
 * check_safefile - files that appear whole or not at all (common/safefile.h):
 * a durable commit syncs the file before its name is given and the folder
 * holding the name after it; a SAFEFILE_NOSYNC commit syncs neither; a
 * folder that cannot be synced (EINVAL) is no error, a failed folder sync
 * is one that leaves the name; SAFEFILE_CRC's checksum is that of every
 * byte written, buffered or not.
 *
 * fsync() is this program's own (below), so that the suite sees every
 * call safefile.c makes and can make one fail.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "safefile.h"

/* What fsync() saw, in the order of the calls. */
#define MAX_SYNCS 16
static struct sync_call {
	int		 dir;		/* the descriptor was a folder's */
	dev_t		 dev;
	ino_t		 ino;
	int		 named;		/* `watched` existed at the time */
} syncs[MAX_SYNCS];
static int nsyncs;
/* The final name whose existence each call records. */
static const char *watched;
/* Fails a folder's fsync with this errno when not 0. */
static int dir_errno;

int
fsync(int fd)
{
	struct stat st;
	struct sync_call *c;

	if (fstat(fd, &st) == -1)
		return -1;
	if (nsyncs < MAX_SYNCS) {
		c = &syncs[nsyncs++];
		c->dir = S_ISDIR(st.st_mode);
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		c->named = watched != NULL && access(watched, F_OK) == 0;
	}
	if (S_ISDIR(st.st_mode) && dir_errno != 0) {
		errno = dir_errno;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

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

/* Each test runs in a fresh folder with a subfolder "sub". */
static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_safefile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(mkdir("sub", 0755), 0);
	nsyncs = 0;
	watched = NULL;
	dir_errno = 0;
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

/* Writes "text" to path with the flags and commits it; returns the result. */
static int
commit_text(const char *path, int flags, const char *text, struct err *e)
{
	struct safefile *f = safefile_open(path, flags, e);

	ck_assert_msg(f != NULL, "open %s: %s", path, e->msg);
	ck_assert_int_eq(safefile_write(f, text, strlen(text), e), 0);
	return safefile_commit(f, e);
}

/* The file's contents as a string, to free. */
static char *
slurp(const char *path)
{
	char *buf = calloc(1, 4096);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ne(fd, -1);
	n = read(fd, buf, 4095);
	ck_assert_int_ge(n, 0);
	close(fd);
	return buf;
}

/*
 * The file is synced before its name exists, then the folder holding it
 * after: the last sync is the folder's and sees the name.
 */
static void
expect_durable(const char *path, const char *dir)
{
	struct stat st;

	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_ge(nsyncs, 2);
	ck_assert_msg(!syncs[0].dir, "the file is synced first");
	ck_assert_msg(syncs[nsyncs - 1].dir, "%s: its folder is not synced",
	    path);
	ck_assert_msg(syncs[nsyncs - 1].dev == st.st_dev &&
	    syncs[nsyncs - 1].ino == st.st_ino, "%s: another folder than %s "
	    "synced", path, dir);
	ck_assert_msg(syncs[nsyncs - 1].named,
	    "%s: the folder is synced before the name is given", path);
}

START_TEST(test_durable)
{
	struct err e;
	char *got;

	watched = "out";
	ck_assert_int_eq(commit_text("out", 0, "whole\n", &e), 0);
	expect_durable("out", ".");
	ck_assert_msg(!syncs[0].named, "the file is synced after its link");
	got = slurp("out");
	ck_assert_str_eq(got, "whole\n");
	free(got);
}
END_TEST

START_TEST(test_durable_subfolder)
{
	struct err e;

	watched = "sub/out";
	ck_assert_int_eq(commit_text("sub/out", 0, "whole\n", &e), 0);
	expect_durable("sub/out", "sub");
}
END_TEST

/* Replacing a file (linked under a temporary name, renamed) syncs too. */
START_TEST(test_durable_replace)
{
	struct err e;
	char *got;

	ck_assert_int_eq(commit_text("sub/out", 0, "old\n", &e), 0);
	nsyncs = 0;
	watched = "sub/out";
	ck_assert_int_eq(commit_text("sub/out", 0, "new\n", &e), 0);
	expect_durable("sub/out", "sub");
	got = slurp("sub/out");
	ck_assert_str_eq(got, "new\n");
	free(got);
}
END_TEST

START_TEST(test_nosync)
{
	struct err e;

	ck_assert_int_eq(commit_text("mr-0-0", SAFEFILE_NOSYNC, "x", &e), 0);
	ck_assert_int_eq(commit_text("mr-0-0", SAFEFILE_NOSYNC, "y", &e), 0);
	ck_assert_int_eq(nsyncs, 0);
	ck_assert_int_eq(access("mr-0-0", F_OK), 0);
}
END_TEST

/* A file system that cannot sync a folder: nothing more can be done. */
START_TEST(test_dir_einval)
{
	struct err e;

	dir_errno = EINVAL;
	ck_assert_int_eq(commit_text("out", 0, "whole\n", &e), 0);
	ck_assert_int_eq(access("out", F_OK), 0);
}
END_TEST

/* A failed folder sync fails the commit, naming the folder; the name stays. */
START_TEST(test_dir_eio)
{
	struct err e;
	char *got;

	dir_errno = EIO;
	ck_assert_int_eq(commit_text("sub/out", 0, "whole\n", &e), -1);
	ck_assert_msg(strstr(e.msg, "sub/out") != NULL &&
	    strstr(e.msg, "folder sub") != NULL, "%s", e.msg);
	got = slurp("sub/out");
	ck_assert_str_eq(got, "whole\n");
	free(got);
}
END_TEST

/* Small writes (buffered), one larger than the buffer, and a tail. */
START_TEST(test_crc)
{
	size_t big = 200 * 1024, total = 0;
	char *all = malloc(big + 64);
	struct safefile *f;
	struct err e;
	uint32_t crc;

	f = safefile_open("out", SAFEFILE_CRC | SAFEFILE_NOSYNC, &e);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(safefile_crc(f), 0);
	for (int i = 0; i < 10; i++) {
		char piece[8];
		int n = snprintf(piece, sizeof piece, "p%d ", i);

		memcpy(all + total, piece, (size_t)n);
		total += (size_t)n;
		ck_assert_int_eq(safefile_write(f, piece, (size_t)n, &e), 0);
	}
	for (size_t i = 0; i < big; i++)
		all[total + i] = (char)('a' + i % 26);
	ck_assert_int_eq(safefile_write(f, all + total, big, &e), 0);
	total += big;
	memcpy(all + total, "end\n", 4);
	ck_assert_int_eq(safefile_write(f, "end\n", 4, &e), 0);
	total += 4;
	crc = crc32c(0, all, total);
	ck_assert_uint_eq(safefile_size(f), total);
	ck_assert_uint_eq(safefile_crc(f), crc);
	ck_assert_int_eq(safefile_commit(f, &e), 0);
	free(all);
}
END_TEST

static Suite *
safefile_suite(void)
{
	Suite *s = suite_create("safefile");
	TCase *tc = tcase_create("safefile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_durable);
	tcase_add_test(tc, test_durable_subfolder);
	tcase_add_test(tc, test_durable_replace);
	tcase_add_test(tc, test_nosync);
	tcase_add_test(tc, test_dir_einval);
	tcase_add_test(tc, test_dir_eio);
	tcase_add_test(tc, test_crc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(safefile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
