/*
 * check_workdir - a streaming worker's working folder (worker/workdir.h):
 * its name and lock, copies of files (bytes, mode minus write bits, a
 * clear error, nothing left), the names a sweep takes, and a sweep that
 * removes a dead worker's folder with what it holds but keeps a live
 * one's, a locked one, one of another mode, and a symbolic link.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../worker/workdir.h"

/* A fresh folder for a test, in /tmp. */
static void
scratch(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/check_workdir.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A pid that is no process's: a child's, reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

START_TEST(test_make)
{
	char dir[64], path[PATH_MAX], want[PATH_MAX];
	struct stat st;
	struct err e;
	int lock, fd;

	scratch(dir, sizeof dir);
	ck_assert_int_eq(workdir_make(dir, path, sizeof path, &lock, &e), 0);
	snprintf(want, sizeof want, "%s/mrworker-%ld-", dir, (long)getpid());
	ck_assert_int_eq(strncmp(path, want, strlen(want)), 0);
	ck_assert_uint_eq(strlen(path), strlen(want) + 6);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	/* Locked: another descriptor cannot have it. */
	ck_assert_int_ne(lock, -1);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	close(fd);
	close(lock);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_copy)
{
	char dir[64], src[128], dst[128], buf[128];
	struct stat st;
	struct err e;
	FILE *f;

	scratch(dir, sizeof dir);
	snprintf(src, sizeof src, "%s/run.sh", dir);
	snprintf(dst, sizeof dst, "%s/copy.sh", dir);
	put(src, "echo hi\n", 04755);
	ck_assert_int_eq(workdir_copy(src, dst, &e), 0);
	ck_assert_int_eq(lstat(dst, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0555);
	f = fopen(dst, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "echo hi\n");
	/* Not the same file: a write to one leaves the other. */
	ck_assert_int_eq(chmod(dst, 0644), 0);
	put(dst, "clobbered\n", 0644);
	f = fopen(src, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "echo hi\n");
	ck_assert_int_eq(unlink(dst), 0);
	put(src, "data\n", 0640);
	ck_assert_int_eq(workdir_copy(src, dst, &e), 0);
	ck_assert_int_eq(stat(dst, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0440);
	/* It exists: refused, and left as it was. */
	ck_assert_int_eq(workdir_copy(src, dst, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, src));
	ck_assert(exists(dst));
	ck_assert_int_eq(unlink(dst), 0);
	/* A file that is not there, or a folder: named, nothing made. */
	snprintf(buf, sizeof buf, "%s/gone.py", dir);
	ck_assert_int_eq(workdir_copy(buf, dst, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "gone.py: No such file"));
	ck_assert_int_eq(workdir_copy(dir, dst, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a regular file"));
	ck_assert(!exists(dst));
	ck_assert_int_eq(unlink(src), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_parse)
{
	pid_t pid = 0;

	ck_assert_int_eq(workdir_parse("mrworker-123-aZ09xy", &pid), 1);
	ck_assert_int_eq(pid, 123);
	ck_assert_int_eq(workdir_parse("mrworker-2147483647-abcdef", &pid), 1);
	ck_assert_int_eq(workdir_parse("mrworker-2147483648-abcdef", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-abcdef", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-0123-abcdef", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker--abcdef", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-12-abcde", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-12-abcdefg", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-12-abc.ef", &pid), 0);
	ck_assert_int_eq(workdir_parse("xmrworker-12-abcdef", &pid), 0);
	ck_assert_int_eq(workdir_parse("mrworker-12-abcdef/", &pid), 0);
}
END_TEST

START_TEST(test_sweep)
{
	char dir[64], dead[128], live[128], odd[128], locked[128], link[128];
	char target[128], other[128], path[PATH_MAX];
	pid_t gone = dead_pid();
	int fd;

	scratch(dir, sizeof dir);
	/* A dead worker's: its copies, a command's scratch tree. */
	snprintf(dead, sizeof dead, "%s/mrworker-%ld-abcdef", dir, (long)gone);
	ck_assert_int_eq(mkdir(dead, 0700), 0);
	snprintf(path, sizeof path, "%s/map.py", dead);
	put(path, "x\n", 0444);
	snprintf(path, sizeof path, "%s/sub", dead);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/sub/deep", dead);
	put(path, "x\n", 0600);
	/* A link in it to a file outside: the link goes, not the file. */
	snprintf(target, sizeof target, "%s/keep.txt", dir);
	put(target, "keep\n", 0600);
	snprintf(path, sizeof path, "%s/sub/tolink", dead);
	ck_assert_int_eq(symlink(target, path), 0);
	/* A live one's (ours), one of another mode, a locked one. */
	snprintf(live, sizeof live, "%s/mrworker-%ld-abcdef", dir,
	    (long)getpid());
	ck_assert_int_eq(mkdir(live, 0700), 0);
	snprintf(odd, sizeof odd, "%s/mrworker-%ld-odd000", dir, (long)gone);
	ck_assert_int_eq(mkdir(odd, 0755), 0);
	snprintf(locked, sizeof locked, "%s/mrworker-%ld-lock00", dir,
	    (long)gone);
	ck_assert_int_eq(mkdir(locked, 0700), 0);
	fd = open(locked, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	/* A symbolic link of that shape to a folder of the same kind. */
	snprintf(other, sizeof other, "%s/other", dir);
	ck_assert_int_eq(mkdir(other, 0700), 0);
	snprintf(link, sizeof link, "%s/mrworker-%ld-link00", dir, (long)gone);
	ck_assert_int_eq(symlink(other, link), 0);

	ck_assert_int_eq(workdir_sweep(dir), 1);
	ck_assert(!exists(dead));
	ck_assert(exists(target));
	ck_assert(exists(live));
	ck_assert(exists(odd));
	ck_assert(exists(locked));
	ck_assert(exists(link) && exists(other));
	/* Its lock gone with its holder: then it goes. */
	close(fd);
	ck_assert_int_eq(workdir_sweep(dir), 1);
	ck_assert(!exists(locked));

	ck_assert_int_eq(unlink(target), 0);
	ck_assert_int_eq(rmdir(live), 0);
	ck_assert_int_eq(rmdir(odd), 0);
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(rmdir(other), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *
workdir_suite(void)
{
	Suite *s = suite_create("workdir");
	TCase *tc = tcase_create("workdir");

	tcase_add_test(tc, test_make);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_sweep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(workdir_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
