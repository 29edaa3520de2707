/*
 * check_jobdir - the job folder (common/jobdir.h): which names are job
 * files, the lock (refused while held, naming the holder; a stale lock
 * file taken over; not inherited across exec; a probe creating nothing),
 * finding, refusing and removing an earlier job's files, never an input,
 * and a whole job's start and finish.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobdir.h"
#include "log.h"

static char dir[PATH_MAX];

static void
setup(void)
{
	char tmpl[] = "/tmp/check_jobdir.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, dir));
}

/* Removes dir and all in it. */
static void
teardown(void)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
touch(const char *name)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("x 1\n", f);
	fclose(f);
}

static int
exists(const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static int saved_stderr = -1;

/* Sends stderr, the log, to a temporary file until capture_end(). */
static void
capture_start(void)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	saved_stderr = dup(2);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(fileno(f), 2), 2);
	fclose(f);
}

/* Puts back stderr and copies what was written to it into buf. */
static void
capture_end(char *buf, size_t size)
{
	ssize_t n;

	fflush(stderr);
	n = pread(2, buf, size - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_int_eq(dup2(saved_stderr, 2), 2);
	close(saved_stderr);
}

START_TEST(test_kind)
{
	ck_assert_int_eq(jobdir_kind("mr-out-0"), JOBDIR_OUTPUTS);
	ck_assert_int_eq(jobdir_kind("mr-out-99999"), JOBDIR_OUTPUTS);
	ck_assert_int_eq(jobdir_kind("mr-0-0"), JOBDIR_INTERMEDIATES);
	ck_assert_int_eq(jobdir_kind("mr-12-345"), JOBDIR_INTERMEDIATES);
	ck_assert_int_eq(jobdir_kind(".mrtmp-mr-out-3-12-0"), JOBDIR_TEMPS);
	ck_assert_int_eq(jobdir_kind("mr-out-"), 0);
	ck_assert_int_eq(jobdir_kind("mr-out-3.txt"), 0);
	ck_assert_int_eq(jobdir_kind("mr-out-x"), 0);
	ck_assert_int_eq(jobdir_kind("mr-done"), 0);
	ck_assert_int_eq(jobdir_kind("mr-x-1"), 0);
	ck_assert_int_eq(jobdir_kind("mr--1"), 0);
	ck_assert_int_eq(jobdir_kind("mr-1-"), 0);
	ck_assert_int_eq(jobdir_kind("mr-1-2-3"), 0);
	ck_assert_int_eq(jobdir_kind("mr-1"), 0);
	ck_assert_int_eq(jobdir_kind(JOBDIR_LOCK_NAME), 0);
	ck_assert_int_eq(jobdir_kind("a.txt"), 0);
}
END_TEST

/* The fd of this process open on dir's lock file, or -1. */
static int
lock_fd(void)
{
	char link[64], target[PATH_MAX], want[PATH_MAX + 16];
	ssize_t n;

	snprintf(want, sizeof want, "%s/%s", dir, JOBDIR_LOCK_NAME);
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) == 0)
			return fd;
	}
	return -1;
}

START_TEST(test_lock)
{
	struct jobdir_lock *l, *l2;
	char want[PATH_MAX + 128];
	struct err e;
	int fd;

	l = jobdir_lock(dir, "mrtest", &e);
	ck_assert_ptr_nonnull(l);
	ck_assert(exists(JOBDIR_LOCK_NAME));
	/* Not inherited by what the holder runs. */
	fd = lock_fd();
	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* A second open file description conflicts, even in this process. */
	l2 = jobdir_lock(dir, "other", &e);
	ck_assert_ptr_null(l2);
	snprintf(want, sizeof want, "%s: another job is running in this "
	    "folder (mrtest, pid %ld)", dir, (long)getpid());
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
	ck_assert_int_eq(jobdir_probe(dir, &e), -1);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
	jobdir_unlock(l);
	ck_assert(!exists(JOBDIR_LOCK_NAME));
	ck_assert_int_eq(lock_fd(), -1);
	/* A probe of a free folder creates nothing. */
	ck_assert_int_eq(jobdir_probe(dir, &e), 0);
	ck_assert(!exists(JOBDIR_LOCK_NAME));
}
END_TEST

/* A lock file whose holder is gone (nobody has it locked) is taken over. */
START_TEST(test_lock_stale)
{
	struct jobdir_lock *l;
	char path[PATH_MAX + 16], text[64], want[64];
	struct err e;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, JOBDIR_LOCK_NAME);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("999999999 mrcoordinator\n", f);
	fclose(f);
	ck_assert_int_eq(jobdir_probe(dir, &e), 0);
	l = jobdir_lock(dir, "mrtest", &e);
	ck_assert_msg(l != NULL, "%s", e.msg);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof text, f));
	fclose(f);
	snprintf(want, sizeof want, "%ld mrtest\n", (long)getpid());
	ck_assert_str_eq(text, want);
	jobdir_unlock(l);
}
END_TEST

START_TEST(test_find_remove)
{
	const char *names[] = { "mr-out-0", "mr-out-12", "mr-3-4", "mr-0-0",
	    ".mrtmp-mr-0-0-1-2", "mr-out-0.txt", "mr-done", "mr-x-1", "a.txt" };
	char first[64];
	struct err e;
	size_t n;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		touch(names[i]);
	ck_assert_int_eq(jobdir_find(dir, JOBDIR_OUTPUTS, &n, first,
	    sizeof first, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(first, "mr-out-0");
	ck_assert_int_eq(jobdir_find(dir, JOBDIR_INTERMEDIATES, &n, first,
	    sizeof first, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(first, "mr-0-0");
	ck_assert_int_eq(jobdir_check_stale(dir, JOBDIR_OUTPUTS |
	    JOBDIR_INTERMEDIATES, &e), -1);
	ck_assert_msg(strstr(e.msg, "holds mr-0-0 and 3 other files from an "
	    "earlier job") != NULL && strstr(e.msg, "--overwrite") != NULL,
	    "%s", e.msg);
	ck_assert_int_eq(jobdir_remove(dir, JOBDIR_INTERMEDIATES, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(!exists("mr-3-4") && !exists("mr-0-0"));
	ck_assert(exists("mr-out-0") && exists(".mrtmp-mr-0-0-1-2"));
	ck_assert_int_eq(jobdir_remove(dir, JOBDIR_OUTPUTS | JOBDIR_TEMPS, &n,
	    &e), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(jobdir_check_stale(dir, JOBDIR_OUTPUTS |
	    JOBDIR_INTERMEDIATES, &e), 0);
	/* What is not a job file stays. */
	ck_assert(exists("mr-out-0.txt") && exists("mr-done") &&
	    exists("mr-x-1") && exists("a.txt"));
}
END_TEST

/* In dir: which folder holds an input, through links and relative names. */
START_TEST(test_holding)
{
	char path[PATH_MAX + 64], cwd[PATH_MAX], out[PATH_MAX + 8];
	const int O = JOBDIR_OUTPUTS, I = JOBDIR_INTERMEDIATES;

	touch("mr-out-1");
	touch("mr-0-1");
	touch("in.txt");
	snprintf(path, sizeof path, "%s/mr-out-1", dir);
	ck_assert_ptr_eq(jobdir_holding(path, dir, O, dir, I), dir);
	ck_assert_ptr_null(jobdir_holding(path, dir, I, NULL, 0));
	snprintf(path, sizeof path, "%s/mr-0-1", dir);
	ck_assert_ptr_eq(jobdir_holding(path, dir, O, dir, I), dir);
	ck_assert_ptr_null(jobdir_holding(path, dir, O, NULL, 0));
	/* Outputs in another folder: only each folder's own kind counts. */
	snprintf(out, sizeof out, "%s/out", dir);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	touch("out/mr-out-2");
	touch("out/mr-0-2");
	snprintf(path, sizeof path, "%s/mr-out-2", out);
	ck_assert_ptr_eq(jobdir_holding(path, out, O, dir, I), out);
	snprintf(path, sizeof path, "%s/mr-0-2", out);
	ck_assert_ptr_null(jobdir_holding(path, out, O, dir, I));
	snprintf(path, sizeof path, "%s/mr-0-1", dir);
	ck_assert_ptr_eq(jobdir_holding(path, out, O, dir, I), dir);
	snprintf(path, sizeof path, "%s/mr-out-1", dir);
	ck_assert_ptr_null(jobdir_holding(path, out, O, dir, I));

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_ptr_eq(jobdir_holding("./mr-out-1", dir, O, NULL, 0), dir);
	ck_assert_ptr_eq(jobdir_holding("out/../mr-out-1", dir, O, NULL, 0),
	    dir);
	ck_assert_ptr_null(jobdir_holding("in.txt", dir, O, dir, I));
	ck_assert_ptr_null(jobdir_holding("missing", dir, O, dir, I));
	ck_assert_ptr_null(jobdir_holding("mr-out-9", dir, O, dir, I));
	/* A link is what it points to, whatever its own name. */
	ck_assert_int_eq(symlink("mr-out-1", "link.txt"), 0);
	ck_assert_ptr_eq(jobdir_holding("link.txt", dir, O, dir, I), dir);
	ck_assert_int_eq(symlink("out/mr-out-2", "link2"), 0);
	ck_assert_ptr_eq(jobdir_holding("link2", out, O, dir, I), out);
	ck_assert_int_eq(symlink("in.txt", "mr-out-3"), 0);
	ck_assert_ptr_null(jobdir_holding("mr-out-3", dir, O, dir, I));
	/* The name "." stands for is its folder's. */
	ck_assert_int_eq(mkdir("mr-out-4", 0755), 0);
	ck_assert_ptr_eq(jobdir_holding("mr-out-4/.", dir, O, NULL, 0), dir);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_prepare)
{
	char path[PATH_MAX + 64], abs[PATH_MAX];
	struct err e;

	snprintf(path, sizeof path, "%s/missing", dir);
	ck_assert_int_eq(jobdir_prepare("job folder", path, 0, abs,
	    sizeof abs, &e), -1);
	ck_assert_msg(strncmp(e.msg, "job folder ", 11) == 0 &&
	    strstr(e.msg, "missing") != NULL, "%s", e.msg);
	ck_assert_int_eq(jobdir_prepare("output folder", path, 1, abs,
	    sizeof abs, &e), 0);
	ck_assert_str_eq(abs, path);
	touch("afile");
	snprintf(path, sizeof path, "%s/afile", dir);
	ck_assert_int_eq(jobdir_prepare("job folder", path, 1, abs,
	    sizeof abs, &e), -1);
	ck_assert_msg(strstr(e.msg, "not a folder") != NULL, "%s", e.msg);
	ck_assert_int_eq(jobdir_prepare("job folder", "", 0, abs, sizeof abs,
	    &e), -1);
}
END_TEST

/* A whole job: start refuses an earlier job's files, overwrite removes them
 * but not an input, finish removes the intermediates and the lock. */
START_TEST(test_start_finish)
{
	struct jobdir_job j;
	struct jobdir *jd, *jd2;
	char in[PATH_MAX + 64], said[PATH_MAX + 256], want[PATH_MAX + 256];
	char *inputs[1];
	struct err e;

	memset(&j, 0, sizeof j);
	j.job_dir = dir;
	j.prog = "mrtest";
	touch("mr-out-7");
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), -1);
	ck_assert_msg(strstr(e.msg, "holds mr-out-7 from an earlier job") !=
	    NULL, "%s", e.msg);
	ck_assert(!exists(JOBDIR_LOCK_NAME));
	/* An input among them is refused, not removed. */
	snprintf(in, sizeof in, "%s/mr-out-7", dir);
	inputs[0] = in;
	j.inputs = inputs;
	j.ninputs = 1;
	j.overwrite = 1;
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), -1);
	ck_assert_msg(strstr(e.msg, "an input of this job") != NULL, "%s",
	    e.msg);
	ck_assert(exists("mr-out-7"));
	j.ninputs = 0;
	/* A probe with overwrite removes nothing. */
	j.probe = 1;
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), 0);
	ck_assert_ptr_null(jd);
	ck_assert(exists("mr-out-7"));
	j.probe = 0;
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), 0);
	ck_assert_ptr_nonnull(jd);
	ck_assert(!exists("mr-out-7"));
	ck_assert_str_eq(jobdir_path(jd), dir);
	ck_assert_str_eq(jobdir_output_path(jd), dir);
	/* Held: a second job is refused. */
	j.overwrite = 0;
	ck_assert_int_eq(jobdir_start(&j, &jd2, &e), -1);
	ck_assert_msg(strstr(e.msg, "another job is running") != NULL, "%s",
	    e.msg);
	touch("mr-0-0");
	touch("mr-out-0");
	jobdir_finish(jd, 1, 0, 0);
	ck_assert(!exists("mr-0-0") && exists("mr-out-0"));
	ck_assert(!exists(JOBDIR_LOCK_NAME));
	/* A job that is not done keeps what it wrote, and says so. */
	j.overwrite = 1;
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), 0);
	touch("mr-0-0");
	touch("mr-0-1");
	capture_start();
	jobdir_finish(jd, 0, 0, 0);
	capture_end(said, sizeof said);
	ck_assert(exists("mr-0-0"));
	snprintf(want, sizeof want, "check_jobdir: left 2 intermediate files "
	    "(mr-X-Y) and 0 outputs (mr-out-Y) in %s; remove them or give "
	    "--overwrite to the next job there\n", dir);
	ck_assert_str_eq(said, want);
}
END_TEST

/* With an output folder: outputs looked for there, intermediates here. */
START_TEST(test_output_dir)
{
	struct jobdir_job j;
	struct jobdir *jd;
	char out[PATH_MAX + 16];
	struct err e;

	snprintf(out, sizeof out, "%s/out", dir);
	memset(&j, 0, sizeof j);
	j.job_dir = dir;
	j.output_dir = out;
	j.prog = "mrtest";
	touch("mr-out-0");	/* not in the output folder: no matter */
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), 0);
	ck_assert_str_eq(jobdir_output_path(jd), out);
	ck_assert(exists("out/" JOBDIR_LOCK_NAME));
	touch("out/mr-out-0");
	jobdir_finish(jd, 1, 0, 0);
	ck_assert(!exists("out/" JOBDIR_LOCK_NAME));
	ck_assert_int_eq(jobdir_start(&j, &jd, &e), -1);
	ck_assert_msg(strstr(e.msg, "/out: holds mr-out-0") != NULL, "%s",
	    e.msg);
}
END_TEST

static Suite *
jobdir_suite(void)
{
	Suite *s = suite_create("jobdir");
	TCase *tc = tcase_create("jobdir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_kind);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_lock_stale);
	tcase_add_test(tc, test_find_remove);
	tcase_add_test(tc, test_holding);
	tcase_add_test(tc, test_prepare);
	tcase_add_test(tc, test_start_finish);
	tcase_add_test(tc, test_output_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(jobdir_suite());
	int failed;

	log_init("check_jobdir");
	log_set_level(0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
