/*
 * check_streamcmd - a streaming command (worker/streamcmd.h): its output
 * as lines (a tab kept, CRLF and a last line without a newline) and as
 * bytes (a newline added), no deadlock against a command that writes
 * megabytes before it reads, a line longer than the read buffer, its
 * environment and folder, reporter:counter: and reporter:status: lines,
 * and how it fails: an exit status, a signal, an input not read to its
 * end, a failing handler, with the last lines of its stderr; a command
 * not found (status 127), with the folder it ran in and what it must be.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sdk.h"
#include "../worker/streamcmd.h"

/* What the handlers saw. */
struct seen {
	struct buf	 out;		/* lines joined by '|', or the bytes */
	size_t		 lines;
	char		 status[256];
	int		 fail_at;	/* line number that fails, 0 none */
};

static int
seen_line(void *arg, const char *p, size_t len, struct err *e)
{
	struct seen *s = arg;

	if (++s->lines == (size_t)s->fail_at) {
		err_set(e, "line %zu refused", s->lines);
		return -1;
	}
	if (s->lines > 1)
		buf_add(&s->out, "|", 1);
	buf_add(&s->out, p, len);
	return 0;
}

static int
seen_raw(void *arg, const char *p, size_t len, struct err *e)
{
	struct seen *s = arg;

	(void)e;
	buf_add(&s->out, p, len);
	return 0;
}

static void
seen_status(void *arg, const char *text, size_t len)
{
	struct seen *s = arg;

	ck_assert_uint_eq(strlen(text), len);
	snprintf(s->status, sizeof s->status, "%s", text);
}

/* out as a NUL-terminated string (kept in s). */
static const char *
seen_text(struct seen *s)
{
	buf_add(&s->out, "", 1);
	s->out.len--;
	return (const char *)buf_head(&s->out);
}

/*
 * Runs cmd with input[0..n) on its stdin, lines or raw, into s; returns
 * streamcmd_finish()'s (or the write's) result, e set.
 */
static int
run(const char *cmd, const char *input, size_t n, int lines, struct seen *s,
    char *const *env, const char *dir, struct err *e)
{
	struct streamcmd_conf c;
	struct streamcmd *sc;

	memset(&c, 0, sizeof c);
	c.role = "mapper";
	c.command = cmd;
	c.env = env;
	c.dir = dir;
	if (lines)
		c.line = seen_line;
	else
		c.raw = seen_raw;
	c.status = seen_status;
	c.arg = s;
	sc = streamcmd_start(&c, e);
	ck_assert_ptr_nonnull(sc);
	if (streamcmd_write(sc, input, n, e) == -1) {
		streamcmd_abort(sc);
		return -1;
	}
	return streamcmd_finish(sc, e);
}

START_TEST(test_lines)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	struct err e;

	ck_assert_int_eq(run("printf 'a\\tb\\tc\\nCRLF\\r\\n\\nlast'", "", 0, 1,
	    &s, NULL, NULL, &e), 0);
	ck_assert_str_eq(seen_text(&s), "a\tb\tc|CRLF||last");
	ck_assert_uint_eq(s.lines, 4);
	buf_free(&s.out);
}
END_TEST

START_TEST(test_raw)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	struct err e;

	ck_assert_int_eq(run("cat", "x\r\ny\tz", 6, 0, &s, NULL, NULL, &e), 0);
	ck_assert_str_eq(seen_text(&s), "x\r\ny\tz\n");
	buf_free(&s.out);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(run("true", "", 0, 0, &s, NULL, NULL, &e), 0);
	ck_assert_uint_eq(buf_len(&s.out), 0);
	buf_free(&s.out);
}
END_TEST

/*
 * 4 MB out before a byte is read, while we write 4 MB in: with 1 MiB
 * pipes, a writer that waits on its write alone never ends.
 */
START_TEST(test_no_deadlock)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	size_t n = 4 << 20;
	char *in = malloc(n);
	struct err e;

	ck_assert_ptr_nonnull(in);
	memset(in, 'y', n);
	for (size_t i = 99; i < n; i += 100)
		in[i] = '\n';
	in[n - 1] = '\n';
	ck_assert_int_eq(run("head -c 4194304 /dev/zero | tr '\\0' x; cat", in,
	    n, 0, &s, NULL, NULL, &e), 0);
	ck_assert_uint_eq(buf_len(&s.out), (size_t)4194304 + n);
	ck_assert_int_eq(buf_head(&s.out)[4194303], 'x');
	ck_assert_int_eq(buf_head(&s.out)[4194304], 'y');
	buf_free(&s.out);
	/* The same in small writes, gathered. */
	memset(&s, 0, sizeof s);
	{
		struct streamcmd_conf c;
		struct streamcmd *sc;

		memset(&c, 0, sizeof c);
		c.role = "reducer";
		c.command = "head -c 3000000 /dev/zero | tr '\\0' x; wc -c";
		c.raw = seen_raw;
		c.arg = &s;
		sc = streamcmd_start(&c, &e);
		ck_assert_ptr_nonnull(sc);
		for (size_t i = 0; i < n; i += 10)
			ck_assert_int_eq(streamcmd_write(sc, in + i,
			    n - i < 10 ? n - i : 10, &e), 0);
		ck_assert_int_eq(streamcmd_finish(sc, &e), 0);
		ck_assert_uint_eq(buf_len(&s.out), 3000000 + 8);
		ck_assert_int_eq(memcmp(buf_head(&s.out) + 3000000, "4194304\n",
		    8), 0);
	}
	buf_free(&s.out);
	free(in);
}
END_TEST

START_TEST(test_long_line)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	struct err e;

	ck_assert_int_eq(run("head -c 3000000 /dev/zero | tr '\\0' x; echo; "
	    "echo short", "", 0, 1, &s, NULL, NULL, &e), 0);
	ck_assert_uint_eq(s.lines, 2);
	ck_assert_uint_eq(buf_len(&s.out), 3000000 + 1 + 5);
	ck_assert_str_eq(seen_text(&s) + 3000001, "short");
	buf_free(&s.out);
}
END_TEST

START_TEST(test_env_dir)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	char *env[] = { "FOO=bar baz", "PATH=/usr/bin:/bin", NULL };
	struct err e;

	ck_assert_int_eq(run("echo \"$FOO\"; pwd; echo \"${HOME-unset}\"", "",
	    0, 1, &s, env, "/", &e), 0);
	ck_assert_str_eq(seen_text(&s), "bar baz|/|unset");
	buf_free(&s.out);
}
END_TEST

START_TEST(test_reporter)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	const char *name;
	int64_t v;
	struct err e;

	sdk_counters_reset();
	ck_assert_int_eq(run("cat >/dev/null; "
	    "echo 'reporter:counter:wc,words,40' >&2; "
	    "echo 'reporter:status:half way' >&2; "
	    "echo 'reporter:counter:wc,words,2' >&2; "
	    "echo 'reporter:counter:my group,odd name,-5' >&2; "
	    "echo 'reporter:counter:bad,line' >&2; "
	    "echo 'reporter:status:done' >&2", "a\n", 2, 1, &s, NULL, NULL,
	    &e), 0);
	ck_assert_str_eq(s.status, "done");
	ck_assert_int_eq(sdk_counters_check(&e), 0);
	ck_assert_uint_eq(sdk_counters_count(), 2);
	sdk_counters_get(0, &name, &v);
	ck_assert_str_eq(name, "wc.words");
	ck_assert_int_eq(v, 42);
	sdk_counters_get(1, &name, &v);
	ck_assert_str_eq(name, "my_group.odd_name");
	ck_assert_int_eq(v, -5);
	sdk_counters_reset();
	buf_free(&s.out);
}
END_TEST

START_TEST(test_counter_parse)
{
	char name[MR_COUNTER_NAME_MAX + 1], longname[200];
	long long v;

	ck_assert_int_eq(streamcmd_counter("g,n,12", 6, name, &v), 0);
	ck_assert_str_eq(name, "g.n");
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(streamcmd_counter("g,n,+7", 6, name, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(streamcmd_counter("g,n,-9223372036854775808", 24,
	    name, &v), 0);
	ck_assert(v == -9223372036854775807LL - 1);
	ck_assert_int_eq(streamcmd_counter("g,n,9223372036854775808", 23,
	    name, &v), -1);
	ck_assert_int_eq(streamcmd_counter("g,n,1x", 6, name, &v), -1);
	ck_assert_int_eq(streamcmd_counter("g,n,", 4, name, &v), -1);
	ck_assert_int_eq(streamcmd_counter("g,n", 3, name, &v), -1);
	ck_assert_int_eq(streamcmd_counter("g,n,1,2", 7, name, &v), -1);
	/* A name longer than a counter's is cut, as Hadoop cuts it. */
	memset(longname, 'a', 100);
	memcpy(longname + 100, ",b,1", 4);
	ck_assert_int_eq(streamcmd_counter(longname, 104, name, &v), 0);
	ck_assert_uint_eq(strlen(name), MR_COUNTER_NAME_MAX);
}
END_TEST

START_TEST(test_not_found)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	struct err e;

	ck_assert_int_eq(run("../nosuch/mrpipe map wc", "", 0, 1, &s, NULL,
	    "/tmp", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "exited with status 127; its "
	    "stderr ended: "));
	ck_assert_ptr_nonnull(strstr(e.msg, "../nosuch/mrpipe: not found"));
	ck_assert_ptr_nonnull(strstr(e.msg, "commands run in the worker's "
	    "working folder /tmp, so a command must be an absolute path, a "
	    "name in PATH, or shipped with --file"));
	/* Another status: no hint. */
	ck_assert_int_eq(run("exit 126", "", 0, 1, &s, NULL, "/tmp", &e), -1);
	ck_assert_ptr_null(strstr(e.msg, "working folder"));
	buf_free(&s.out);
}
END_TEST

START_TEST(test_failures)
{
	struct seen s = { BUF_INIT, 0, "", 0 };
	char lines[64];
	struct err e;

	ck_assert_int_eq(run("cat >/dev/null; echo one >&2; echo two >&2; "
	    "echo three >&2; echo four >&2; echo five >&2; exit 3", "a\n", 2,
	    1, &s, NULL, NULL, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "mapper `cat >/dev/null"));
	ck_assert_ptr_nonnull(strstr(e.msg, "exited with status 3; its "
	    "stderr ended: two | three | four | five"));
	ck_assert_ptr_null(strstr(e.msg, "ended: one"));
	ck_assert_int_eq(run("kill -KILL $$", "", 0, 1, &s, NULL, NULL, &e),
	    -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "was killed by signal 9"));
	ck_assert_ptr_nonnull(strstr(e.msg, "its stderr was empty"));
	/* Not read to its end: left in the pipe, or written after it ended. */
	for (int i = 0; i < 10; i++)
		memcpy(lines + 6 * i, "line!\n", 6);
	{
		size_t n = 8 << 20;
		char *big = calloc(1, n);

		ck_assert_ptr_nonnull(big);
		/* Less than the pipe holds: all written, not all read. */
		memset(big, '\n', 200000);
		ck_assert_int_eq(run("head -n 1 >/dev/null", big, 200000, 1,
		    &s, NULL, NULL, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.msg, "before reading all of "
		    "its input"));
		memset(big, 0, 200000);
		ck_assert_int_eq(run("exec 0<&-; echo closed >&2", big, n, 1,
		    &s, NULL, NULL, &e), -1);
		ck_assert_ptr_nonnull(strstr(e.msg, "before reading all of "
		    "its input; its stderr ended: closed"));
		free(big);
	}
	ck_assert_int_eq(run("cat", lines, 60, 1, &s, NULL, NULL, &e), 0);
	buf_free(&s.out);
	/* A handler that fails stops it, with the handler's words. */
	memset(&s, 0, sizeof s);
	s.fail_at = 3;
	ck_assert_int_eq(run("cat", lines, 60, 1, &s, NULL, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "line 3 refused");
	buf_free(&s.out);
}
END_TEST

static Suite *
streamcmd_suite(void)
{
	Suite *s = suite_create("streamcmd");
	TCase *tc = tcase_create("streamcmd");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_no_deadlock);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_env_dir);
	tcase_add_test(tc, test_reporter);
	tcase_add_test(tc, test_counter_parse);
	tcase_add_test(tc, test_failures);
	tcase_add_test(tc, test_not_found);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(streamcmd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
