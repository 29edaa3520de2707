/*
 * check_streaming - a worker's streaming job (worker/streaming.h): the
 * working folder (absolute, whatever folder the worker moves to, named
 * after the worker's pid) with a read-only copy of each --file and its
 * removal; the commands' environment for a
 * map task (Hadoop's names) and a reduce task (no input variables, even
 * inherited ones), --cmdenv overriding, job parameters' names.
 */
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../worker/streaming.h"

/* The value of NAME in env, or NULL. */
static const char *
env_get(char **env, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	int count = 0;

	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
			found = env[i] + n + 1;
			count++;
		}
	ck_assert_int_le(count, 1);
	return found;
}

START_TEST(test_folder)
{
	struct streamopts so = STREAMOPTS_INIT;
	struct streaming *s;
	char dir[] = "/tmp/check_streaming.XXXXXX", path[PATH_MAX];
	char link[PATH_MAX], target[PATH_MAX], cwd[PATH_MAX], s_dir[PATH_MAX];
	struct stat st;
	struct err e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	f = fopen("map.py", "w");
	ck_assert_ptr_nonnull(f);
	fputs("print(1)\n", f);
	fclose(f);
	ck_assert_int_eq(chmod("map.py", 0755), 0);
	ck_assert_int_eq(setenv("TMPDIR", ".", 1), 0);
	so.mapper = "python3 map.py";
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_FILE, "map.py"), 1);
	s = streaming_new(&so, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	/* Absolute, in TMPDIR, mode 0700. */
	ck_assert_int_eq(s->dir[0], '/');
	ck_assert_int_eq(strncmp(s->dir, dir, strlen(dir)), 0);
	ck_assert_int_eq(stat(s->dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	/* Named after the worker's pid. */
	snprintf(path, sizeof path, "%s/mrworker-%ld-", dir, (long)getpid());
	ck_assert_int_eq(strncmp(s->dir, path, strlen(path)), 0);
	/* A copy, read-only, with the file's execute bits. */
	snprintf(link, sizeof link, "%s/map.py", s->dir);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0555);
	f = fopen(link, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(target, sizeof target, f));
	ck_assert_str_eq(target, "print(1)\n");
	fclose(f);
	snprintf(s_dir, sizeof s_dir, "%s", s->dir);
	streaming_free(s);
	ck_assert_int_eq(lstat(link, &st), -1);
	ck_assert_int_eq(lstat(s_dir, &st), -1);
	/* A file that cannot be found fails, and leaves no folder. */
	so.files[0] = "gone.py";
	ck_assert_ptr_null(streaming_new(&so, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "gone.py"));
	ck_assert_int_eq(unlink("map.py"), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	unsetenv("TMPDIR");
	streamopts_free(&so);
}
END_TEST

START_TEST(test_env_map)
{
	struct streamopts so = STREAMOPTS_INIT;
	struct streaming *s;
	struct streaming_task t;
	const char *params[] = { "mapreduce.job.name", "wc", "a-b", "x" };
	struct err e;
	char **env;

	so.mapper = "cat";
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV,
	    "mapreduce_task_ismap=overridden"), 1);
	ck_assert_int_eq(streamopts_take(&so, STREAMOPTS_CMDENV, "MINE=a=b"),
	    1);
	s = streaming_new(&so, &e);
	ck_assert_ptr_nonnull(s);
	memset(&t, 0, sizeof t);
	t.job = 0x00ab00cd00ef0012ULL;
	t.map = 1;
	t.id = 7;
	t.attempt = 31;
	t.attempt_index = 2;
	t.input = "../in/a.txt";
	t.start = 1048576;
	t.length = 4096;
	t.params = params;
	t.nparams = 2;
	ck_assert_int_eq(setenv("KEEP_ME", "yes", 1), 0);
	env = streaming_env(s, &t);
	ck_assert_str_eq(env_get(env, "KEEP_ME"), "yes");
	ck_assert_str_eq(env_get(env, "mapreduce_job_id"),
	    "job_00ab00cd00ef0012_0001");
	ck_assert_str_eq(env_get(env, "mapreduce_task_id"),
	    "task_00ab00cd00ef0012_0001_m_000007");
	ck_assert_str_eq(env_get(env, "mapreduce_task_attempt_id"),
	    "attempt_00ab00cd00ef0012_0001_m_000007_2");
	ck_assert_str_eq(env_get(env, "mapreduce_task_partition"), "7");
	ck_assert_str_eq(env_get(env, "mapreduce_map_input_file"),
	    "../in/a.txt");
	ck_assert_str_eq(env_get(env, "map_input_file"), "../in/a.txt");
	ck_assert_str_eq(env_get(env, "mapreduce_map_input_start"), "1048576");
	ck_assert_str_eq(env_get(env, "mapreduce_map_input_length"), "4096");
	ck_assert_str_eq(env_get(env, "mapreduce_job_name"), "wc");
	ck_assert_str_eq(env_get(env, "a_b"), "x");
	/* --cmdenv comes last, over the rest. */
	ck_assert_str_eq(env_get(env, "mapreduce_task_ismap"), "overridden");
	ck_assert_str_eq(env_get(env, "MINE"), "a=b");
	streaming_env_free(env);
	unsetenv("KEEP_ME");
	streaming_free(s);
	streamopts_free(&so);
}
END_TEST

START_TEST(test_env_reduce)
{
	struct streamopts so = STREAMOPTS_INIT;
	struct streaming *s;
	struct streaming_task t;
	struct err e;
	char **env;

	so.mapper = "cat";
	s = streaming_new(&so, &e);
	ck_assert_ptr_nonnull(s);
	memset(&t, 0, sizeof t);
	t.job = 1;
	t.id = 3;
	t.attempt = 9;
	/* A worker started with them set passes none to a reducer. */
	ck_assert_int_eq(setenv("mapreduce_map_input_file", "stale", 1), 0);
	ck_assert_int_eq(setenv("map_input_file", "stale", 1), 0);
	env = streaming_env(s, &t);
	ck_assert_ptr_null(env_get(env, "mapreduce_map_input_file"));
	ck_assert_ptr_null(env_get(env, "map_input_file"));
	ck_assert_ptr_null(env_get(env, "mapreduce_map_input_start"));
	ck_assert_str_eq(env_get(env, "mapreduce_task_ismap"), "false");
	ck_assert_str_eq(env_get(env, "mapreduce_task_id"),
	    "task_0000000000000001_0001_r_000003");
	ck_assert_str_eq(env_get(env, "mapreduce_task_partition"), "3");
	streaming_env_free(env);
	unsetenv("mapreduce_map_input_file");
	unsetenv("map_input_file");
	streaming_free(s);
}
END_TEST

START_TEST(test_env_name)
{
	char out[16];

	streaming_env_name("mapreduce.job.name", out, sizeof out);
	ck_assert_str_eq(out, "mapreduce_job_n");	/* cut to fit */
	streaming_env_name("a.b-c_d", out, sizeof out);
	ck_assert_str_eq(out, "a_b_c_d");
	streaming_env_name("\xc3\xa9t\xc3\xa9", out, sizeof out);
	ck_assert_str_eq(out, "__t__");
}
END_TEST

static Suite *
streaming_suite(void)
{
	Suite *s = suite_create("streaming");
	TCase *tc = tcase_create("streaming");

	tcase_add_test(tc, test_folder);
	tcase_add_test(tc, test_env_map);
	tcase_add_test(tc, test_env_reduce);
	tcase_add_test(tc, test_env_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(streaming_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
