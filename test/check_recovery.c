/*
 * check_recovery - the coordinator's journal and resuming from it
 * (coordinator/recovery.h): a fresh job writes its identity, an accepted
 * task is journaled before the event returns, the same job resumes with
 * its id, its next incarnation, its plugin and the tasks whose files are
 * intact (a missing or changed file runs again; every reduce kept keeps
 * the maps unchecked), another job is refused naming the difference
 * (options, an input changed, another plan), --no-resume and --overwrite
 * discard it, a journal whose job left no file goes by itself, a torn
 * tail resumes from the records before it, and a job that is done
 * removes its journal.
 */
#include <sys/stat.h>

#include <check.h>
#include <ev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../coordinator/recovery.h"
#include "crc32c.h"
#include "jobdir.h"
#include "journal.h"
#include "kvfile.h"

#define JOB_ID 0x1234abcd5678ef00ULL

static char dir[PATH_MAX];
static char *names[] = { "a.txt", "b.txt" };
static struct stamp stamps[2];
static struct tasks_input in[2];
static struct tasks_map maps[2];

static void
setup(void)
{
	char tmpl[] = "/tmp/check_recovery.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, dir));
	for (int i = 0; i < 2; i++) {
		stamps[i].size = 100 + i;
		stamps[i].mtime_ns = 1000000000LL * (i + 1);
		stamps[i].ino = 42 + i;
		stamps[i].dev = 7;
		in[i].name = names[i];
		in[i].stamp = &stamps[i];
		maps[i].inputs = &in[i];
		maps[i].ninputs = 1;
		maps[i].bytes = stamps[i].size;
	}
}

static void
teardown(void)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The identity of the two-input job, with `nreduce` partitions. */
static struct recovery_identity
identity(uint32_t nreduce)
{
	struct recovery_identity id;

	memset(&id, 0, sizeof id);
	id.job_id = JOB_ID;
	id.nreduce = nreduce;
	id.split_size = 1 << 24;
	id.open_cost = 1 << 16;
	id.names = names;
	id.stamps = stamps;
	id.ninputs = 2;
	id.maps = maps;
	id.nmap = 2;
	return id;
}

/* recovery_adopt() on dir, as jobdir_start() calls it. */
static int
adopt(struct recovery *r, struct err *e)
{
	return recovery_adopt(r, dir, dir, e);
}

/* mr-X-Y of job `job`, one record, as a map task writes them. */
static void
write_map_files(uint32_t x, uint32_t nreduce, uint64_t job)
{
	char path[PATH_MAX + 32];
	struct kvwriter *w;
	struct err e;

	for (uint32_t y = 0; y < nreduce; y++) {
		snprintf(path, sizeof path, "%s/mr-%u-%u", dir, x, y);
		w = kvwriter_open(path, job, &e);
		ck_assert_ptr_nonnull(w);
		ck_assert_int_eq(kvwriter_add(w, "k", 1, "1", 1, &e), 0);
		ck_assert_int_eq(kvwriter_commit(w, NULL, &e), 0);
	}
}

/* mr-out-Y holding `text`; its size and CRC-32C. */
static void
write_output(uint32_t y, const char *text, uint64_t *size, uint32_t *crc)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof path, "%s/mr-out-%u", dir, y);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	*size = strlen(text);
	*crc = crc32c(0, text, strlen(text));
}

/* A done event of task `id` of `kind`, as the job publishes it. */
static void
publish_done(struct recovery *r, enum task_kind kind, uint32_t id,
    uint64_t size, uint32_t crc)
{
	struct tasks_counter c = { "words", 5 };
	struct job_event ev;
	struct err e;

	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_DONE;
	ev.now = 1.0;
	ev.worker = 1;
	ev.attempt = id + 1;
	ev.kind = kind;
	ev.id = id;
	ev.secs = 0.5;
	ev.bytes_in = 10;
	ev.bytes_out = 20;
	ev.counters = &c;
	ev.ncounters = 1;
	ev.output_size = size;
	ev.output_crc = crc;
	ev.input_changed = "";
	ck_assert_int_eq(recovery_on_event(r, &ev, &e), 0);
}

/* A fresh job: journal made; maps 0 and 1 and reduce 0 (of 2) done. */
static void
first_run(uint64_t *size, uint32_t *crc)
{
	struct recovery_identity id = identity(2);
	struct recovery *r = recovery_new(&id, 0, 0);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct job_event ev;
	struct err e;

	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	ck_assert_int_eq(recovery_resuming(r), 0);
	ck_assert_uint_eq(recovery_incarnation(r), 1);
	ck_assert_int_eq(recovery_begin(r, loop, 0.0, &e), 0);
	memset(&ev, 0, sizeof ev);
	ev.type = JOB_EV_PLUGIN;
	ev.app = "wc";
	ev.digest = "crc32c:00000001 size:10";
	ck_assert_int_eq(recovery_on_event(r, &ev, &e), 0);
	write_map_files(0, 2, JOB_ID);
	write_map_files(1, 2, JOB_ID);
	publish_done(r, TASK_MAP, 0, 0, 0);
	publish_done(r, TASK_MAP, 1, 0, 0);
	write_output(0, "k 2\n", size, crc);
	publish_done(r, TASK_REDUCE, 0, *size, *crc);
	/* Killed here: no recovery_end(), the records are in the file. */
	recovery_free(r);
	ev_loop_destroy(loop);
}

START_TEST(test_resume)
{
	struct recovery_identity id = identity(2);
	const struct job_kept *kept;
	struct recovery *r;
	uint64_t size;
	uint32_t crc;
	struct err e;
	size_t n;

	first_run(&size, &crc);
	id.job_id = 99;		/* drawn anew: the journal's counts */
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESUME);
	ck_assert_int_eq(recovery_resuming(r), 1);
	ck_assert_uint_eq(recovery_job_id(r), JOB_ID);
	ck_assert_uint_eq(recovery_incarnation(r), 2);
	ck_assert_str_eq(recovery_plugin_app(r), "wc");
	ck_assert_str_eq(recovery_plugin_digest(r), "crc32c:00000001 size:10");
	n = recovery_kept(r, &kept);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(kept[i].ncounters, 1);
		ck_assert_str_eq(kept[i].counters[0].name, "words");
		ck_assert_int_eq(kept[i].counters[0].value, 5);
		ck_assert_uint_eq(kept[i].bytes_out, 20);
		ck_assert_uint_eq(kept[i].incarnation, 1);
		if (kept[i].kind == TASK_REDUCE)
			ck_assert_uint_eq(kept[i].output_crc, crc);
	}
	recovery_free(r);
}
END_TEST

START_TEST(test_changed_files_run_again)
{
	struct recovery_identity id = identity(2);
	const struct job_kept *kept;
	char path[PATH_MAX + 32];
	struct recovery *r;
	uint64_t size;
	uint32_t crc;
	struct err e;
	size_t n;

	first_run(&size, &crc);
	/* mr-1-1 gone, mr-out-0 changed: map 1 and reduce 0 run again. */
	snprintf(path, sizeof path, "%s/mr-1-1", dir);
	ck_assert_int_eq(unlink(path), 0);
	write_output(0, "k 3\n", &size, &crc);
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESUME);
	n = recovery_kept(r, &kept);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(kept[0].kind, TASK_MAP);
	ck_assert_uint_eq(kept[0].id, 0);
	recovery_free(r);
}
END_TEST

START_TEST(test_all_reduces_kept)
{
	struct recovery_identity id = identity(1);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	const struct job_kept *kept;
	struct recovery *r;
	uint64_t size;
	uint32_t crc;
	struct err e;

	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	ck_assert_int_eq(recovery_begin(r, loop, 0.0, &e), 0);
	publish_done(r, TASK_MAP, 0, 0, 0);
	publish_done(r, TASK_MAP, 1, 0, 0);
	write_output(0, "k 2\n", &size, &crc);
	publish_done(r, TASK_REDUCE, 0, size, crc);
	recovery_free(r);
	/* No mr-X-Y at all (removed at the end): the job is done anyway. */
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESUME);
	ck_assert_uint_eq(recovery_kept(r, &kept), 3);
	recovery_free(r);
	ev_loop_destroy(loop);
}
END_TEST

/* The refusal of another job, and its message. */
static void
expect_refused(const struct recovery_identity *id, const char *what)
{
	struct recovery *r = recovery_new(id, 0, 0);
	struct err e;

	ck_assert_int_eq(adopt(r, &e), -1);
	ck_assert_msg(strstr(e.msg, "holds the journal of another job") != NULL,
	    "%s", e.msg);
	ck_assert_msg(strstr(e.msg, what) != NULL, "'%s' not in: %s", what,
	    e.msg);
	recovery_free(r);
}

START_TEST(test_other_job_refused)
{
	struct recovery_identity id = identity(3);
	struct stamp changed[2];
	uint64_t size;
	uint32_t crc;

	first_run(&size, &crc);
	expect_refused(&id, "--reduces 3 here, 2 there");
	id = identity(2);
	id.split_size = 1 << 20;
	expect_refused(&id, "--split-size 1048576 here, 16777216 there");
	id = identity(2);
	memcpy(changed, stamps, sizeof changed);
	changed[1].size = 5;
	id.stamps = changed;
	expect_refused(&id, "input b.txt changed since that job began: 5 bytes "
	    "now, 101 then");
	changed[1] = stamps[1];
	changed[1].ino = 1;
	expect_refused(&id, "replaced by another file");
	id = identity(2);
	id.nmap = 1;
	expect_refused(&id, "planned into other map tasks (1 here, 2 there)");
	id = identity(2);
	id.ninputs = 1;
	expect_refused(&id, "1 input here, 2 there");
}
END_TEST

START_TEST(test_no_resume_and_overwrite)
{
	struct recovery_identity id = identity(2);
	char path[PATH_MAX + 32];
	struct recovery *r;
	uint64_t size;
	uint32_t crc;
	struct err e;

	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	first_run(&size, &crc);
	r = recovery_new(&id, 1, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESTART);
	ck_assert_int_eq(recovery_resuming(r), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	recovery_free(r);
	/* Another job, --no-resume: started over there too. */
	first_run(&size, &crc);
	id = identity(3);
	r = recovery_new(&id, 1, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESTART);
	recovery_free(r);
	/* --overwrite: the journal goes, the rule removes the files. */
	id = identity(2);
	first_run(&size, &crc);
	r = recovery_new(&id, 0, 1);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	ck_assert_int_eq(access(path, F_OK), -1);
	recovery_free(r);
}
END_TEST

START_TEST(test_no_files_left)
{
	struct recovery_identity id = identity(3);
	char cmd[PATH_MAX + 64];
	struct recovery *r;
	uint64_t size;
	uint32_t crc;
	struct err e;

	first_run(&size, &crc);
	snprintf(cmd, sizeof cmd, "rm -f -- '%s'/mr-*", dir);
	ck_assert_int_eq(system(cmd), 0);
	/* Another job, and nothing of the old one left: no refusal. */
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	recovery_free(r);
}
END_TEST

START_TEST(test_torn_tail)
{
	struct recovery_identity id = identity(2);
	const struct job_kept *kept;
	char path[PATH_MAX + 32];
	struct recovery *r;
	struct stat st;
	uint64_t size;
	uint32_t crc;
	struct err e;

	first_run(&size, &crc);
	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	ck_assert_int_eq(stat(path, &st), 0);
	/* The last record (reduce 0's) cut short by the coordinator's death. */
	ck_assert_int_eq(truncate(path, st.st_size - 2), 0);
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_RESUME);
	ck_assert_uint_eq(recovery_kept(r, &kept), 2);
	ck_assert_int_eq(kept[0].kind, TASK_MAP);
	ck_assert_int_eq(kept[1].kind, TASK_MAP);
	recovery_free(r);
}
END_TEST

START_TEST(test_done_removes)
{
	struct recovery_identity id = identity(2);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char path[PATH_MAX + 32];
	struct recovery *r;
	struct err e;

	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	ck_assert_int_eq(recovery_begin(r, loop, 0.0, &e), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	recovery_end(r, 1);
	ck_assert_int_eq(access(path, F_OK), 0);	/* until told */
	recovery_remove(r);
	ck_assert_int_eq(access(path, F_OK), -1);
	recovery_free(r);
	/* --no-journal: none made. */
	r = recovery_new(&id, 0, 0);
	recovery_set_off(r);
	ck_assert_int_eq(adopt(r, &e), JOBDIR_ADOPT_NONE);
	ck_assert_int_eq(recovery_begin(r, loop, 0.0, &e), 0);
	publish_done(r, TASK_MAP, 0, 0, 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	recovery_end(r, 0);
	recovery_free(r);
	ev_loop_destroy(loop);
}
END_TEST

START_TEST(test_foreign_version)
{
	struct recovery_identity id = identity(2);
	char path[PATH_MAX + 32];
	struct journal *j;
	struct recovery *r;
	struct err e;

	snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_NAME);
	ck_assert_int_eq(journal_create(path, RECOVERY_FORMAT + 1, NULL, 0, &j,
	    &e), 0);
	journal_close(j);
	write_map_files(0, 2, JOB_ID);
	r = recovery_new(&id, 0, 0);
	ck_assert_int_eq(adopt(r, &e), -1);
	ck_assert_msg(strstr(e.msg, "journal format version 2; this build "
	    "reads version 1") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "--no-resume") != NULL, "%s", e.msg);
	recovery_free(r);
}
END_TEST

static Suite *
recovery_suite(void)
{
	Suite *s = suite_create("recovery");
	TCase *tc = tcase_create("journal");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_resume);
	tcase_add_test(tc, test_changed_files_run_again);
	tcase_add_test(tc, test_all_reduces_kept);
	tcase_add_test(tc, test_other_job_refused);
	tcase_add_test(tc, test_no_resume_and_overwrite);
	tcase_add_test(tc, test_no_files_left);
	tcase_add_test(tc, test_torn_tail);
	tcase_add_test(tc, test_done_removes);
	tcase_add_test(tc, test_foreign_version);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(recovery_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
