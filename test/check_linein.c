/*
 * check_linein - lines of a file descriptor (tools/linein.h): lines with
 * and without a last newline, empty lines and inputs, NUL bytes, reads of
 * one byte at a time, lines longer than the buffer and at its size, a line
 * read again, a read error named.
 */
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/linein.h"

/* The writer of a pipe_of() pipe, to wait for. */
static pid_t writer;

/*
 * A pipe whose reading end is returned, written by a child in writes of
 * `chunk` bytes (so that lines arrive split across reads), then closed.
 */
static int
pipe_of(const char *data, size_t len, size_t chunk)
{
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	writer = fork();
	ck_assert_int_ne(writer, -1);
	if (writer == 0) {
		close(fd[0]);
		for (size_t off = 0; off < len; ) {
			size_t n = len - off < chunk ? len - off : chunk;
			ssize_t w = write(fd[1], data + off, n);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

/* Closes fd and checks that its writer wrote everything. */
static void
pipe_done(int fd)
{
	int status;

	close(fd);
	ck_assert_int_eq(waitpid(writer, &status, 0), writer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Checks that the next line is want[0..wantlen), number lineno. */
static void
expect_line(struct linein *in, const char *want, size_t wantlen,
    uint64_t lineno)
{
	struct err e;
	const char *line;
	size_t len;

	ck_assert_int_eq(linein_next(in, &line, &len, &e), 1);
	ck_assert_uint_eq(len, wantlen);
	ck_assert(wantlen == 0 || memcmp(line, want, wantlen) == 0);
	ck_assert_uint_eq(linein_lineno(in), lineno);
}

/* Checks that the input is over, and stays over. */
static void
expect_end(struct linein *in)
{
	struct err e;
	const char *line;
	size_t len;

	ck_assert_int_eq(linein_next(in, &line, &len, &e), 0);
	ck_assert_int_eq(linein_next(in, &line, &len, &e), 0);
}

/* Reads text in writes of chunk bytes: its lines must be want[]. */
static void
expect_lines(const char *text, size_t len, size_t chunk,
    const char *const *want, size_t n)
{
	int fd = pipe_of(text, len, chunk);
	struct linein *in = linein_new(fd, "stdin");

	ck_assert_uint_eq(linein_lineno(in), 0);
	for (size_t i = 0; i < n; i++)
		expect_line(in, want[i], strlen(want[i]), i + 1);
	expect_end(in);
	linein_free(in);
	pipe_done(fd);
}

START_TEST(test_lines)
{
	static const char *const want[] = { "a", "", "b c", "d\te" };

	expect_lines("a\n\nb c\nd\te\n", 11, 1 << 20, want, 4);
	/* The last line needs no newline. */
	expect_lines("a\n\nb c\nd\te", 10, 1 << 20, want, 4);
	/* One byte per read: every line arrives in pieces. */
	expect_lines("a\n\nb c\nd\te\n", 11, 1, want, 4);
	expect_lines("a\n\nb c\nd\te", 10, 1, want, 4);
}
END_TEST

START_TEST(test_empty)
{
	static const char *const one[] = { "" };

	expect_lines("", 0, 1, NULL, 0);
	expect_lines("\n", 1, 1, one, 1);
}
END_TEST

START_TEST(test_nul)
{
	int fd = pipe_of("a\0b\n\0\nc", 7, 2);
	struct linein *in = linein_new(fd, "stdin");

	expect_line(in, "a\0b", 3, 1);
	expect_line(in, "\0", 1, 2);
	expect_line(in, "c", 1, 3);
	expect_end(in);
	linein_free(in);
	pipe_done(fd);
}
END_TEST

/*
 * Lines of 3 MiB, of the buffer's size and of one byte less and more, in
 * 64 KiB writes: each whole, and the short lines after them too.
 */
START_TEST(test_long_lines)
{
	size_t sizes[] = { 3 << 20, LINEIN_BLOCK, LINEIN_BLOCK - 1,
	    LINEIN_BLOCK + 1 };
	size_t n = sizeof sizes / sizeof sizes[0], total = 0, off = 0;
	char *text;
	int fd;
	struct linein *in;

	for (size_t i = 0; i < n; i++)
		total += sizes[i] + 3;
	text = malloc(total);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++) {
		memset(text + off, 'a' + (int)i, sizes[i]);
		off += sizes[i];
		memcpy(text + off, "\nz\n", 3);
		off += 3;
	}
	fd = pipe_of(text, total, 64 << 10);
	in = linein_new(fd, "stdin");
	off = 0;
	for (size_t i = 0; i < n; i++) {
		expect_line(in, text + off, sizes[i], 2 * i + 1);
		expect_line(in, "z", 1, 2 * i + 2);
		off += sizes[i] + 3;
	}
	expect_end(in);
	linein_free(in);
	pipe_done(fd);
	free(text);
}
END_TEST

START_TEST(test_unread)
{
	int fd = pipe_of("one\ntwo\n", 8, 1);
	struct linein *in = linein_new(fd, "stdin");
	struct err e;
	const char *line, *again;
	size_t len, againlen;

	ck_assert_int_eq(linein_next(in, &line, &len, &e), 1);
	linein_unread(in);
	ck_assert_int_eq(linein_next(in, &again, &againlen, &e), 1);
	ck_assert_ptr_eq(again, line);
	ck_assert_uint_eq(againlen, 3);
	ck_assert_uint_eq(linein_lineno(in), 1);
	expect_line(in, "two", 3, 2);
	/* The last line too, at the end of the input. */
	linein_unread(in);
	expect_line(in, "two", 3, 2);
	expect_end(in);
	linein_free(in);
	pipe_done(fd);
}
END_TEST

START_TEST(test_read_error)
{
	struct linein *in = linein_new(-1, "stdin");
	struct err e;
	const char *line;
	size_t len;

	ck_assert_int_eq(linein_next(in, &line, &len, &e), -1);
	ck_assert_str_eq(e.msg, "stdin: read: Bad file descriptor");
	linein_free(in);
	linein_free(NULL);
}
END_TEST

static Suite *
linein_suite(void)
{
	Suite *s = suite_create("linein");
	TCase *tc = tcase_create("linein");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_unread);
	tcase_add_test(tc, test_read_error);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(linein_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
