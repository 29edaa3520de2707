/*
 * check_split - how inputs are cut into map tasks (common/split.h): every
 * byte in exactly one split for inputs with and without newlines, of
 * letters only, of UTF-8 letters, of continuation bytes and of random
 * bytes, at many split sizes; each cut within SPLIT_SEEK_MAX of its
 * nominal place; which rule applies where; the words of a text without
 * newlines the same read whole or in splits; and the plan's split count (the
 * --split-size parser is check_opts's).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "split.h"
#include "words.h"

/* A buffer of exactly len bytes, so that reading past it shows up. */
static char *
buf_new(size_t len)
{
	char *b = malloc(len != 0 ? len : 1);

	ck_assert_ptr_nonnull(b);
	return b;
}

/*
 * Cuts data[0..len) into splits of `size` as a job does and checks that
 * the splits tile the input: the first starts at 0, each starts where the
 * one before ends, the last ends at len, and every cut lies within
 * SPLIT_SEEK_MAX of its nominal place. Returns the number of splits that
 * are not empty.
 */
static uint64_t
tile(const char *data, size_t len, uint64_t size)
{
	uint64_t n = split_count(len, size), nonempty = 0;
	size_t prev = 0, cut;

	ck_assert_uint_eq(split_cut(data, len, 0), 0);
	for (uint64_t k = 1; k <= n; k++) {
		size_t off = k < n ? (size_t)(k * size) : len;

		cut = k < n ? split_cut(data, len, off) : len;
		ck_assert_msg(cut >= prev, "size %llu: cut %zu at %zu before "
		    "the previous %zu", (unsigned long long)size, cut, off,
		    prev);
		ck_assert_msg(cut >= off && cut - off <= SPLIT_SEEK_MAX,
		    "size %llu: cut %zu too far from %zu",
		    (unsigned long long)size, cut, off);
		nonempty += cut > prev;
		prev = cut;
	}
	ck_assert_uint_eq(prev, len);
	return nonempty;
}

/* Words of data[0..len) as wc counts them. */
static uint64_t
count_words(const char *data, size_t len)
{
	size_t pos = 0, wlen;
	const char *w;
	uint64_t n = 0;

	while (words_next(data, len, &pos, &w, &wlen) == 1)
		n++;
	return n;
}

START_TEST(test_rules)
{
	static const char lines[] = "abc\ndef\nlast line";
	size_t len = 3 * SPLIT_SEEK_MAX;
	char *b = buf_new(len);

	/* 1: after the first newline at or after off - 1; the last line whole. */
	ck_assert_uint_eq(split_cut(lines, sizeof lines - 1, 2), 4);
	ck_assert_uint_eq(split_cut(lines, sizeof lines - 1, 4), 4);
	ck_assert_uint_eq(split_cut(lines, sizeof lines - 1, 5), 8);
	ck_assert_uint_eq(split_cut(lines, sizeof lines - 1, 10),
	    sizeof lines - 1);
	ck_assert_uint_eq(split_cut(lines, sizeof lines - 1, 100),
	    sizeof lines - 1);

	/* A newline beyond the window does not count: 2, after a space. */
	memset(b, 'a', len);
	b[SPLIT_SEEK_MAX + 10] = ' ';
	b[2 * SPLIT_SEEK_MAX + 10] = '\n';
	ck_assert_uint_eq(split_cut(b, len, 100), SPLIT_SEEK_MAX + 11);
	/* The newline inside the window wins over an earlier space. */
	ck_assert_uint_eq(split_cut(b, len, SPLIT_SEEK_MAX + 20),
	    2 * SPLIT_SEEK_MAX + 11);
	/* Digits and punctuation are gaps too. */
	memset(b, 'a', len);
	b[5000] = '7';
	ck_assert_uint_eq(split_cut(b, len, 4000), 5001);

	/* 3: letters only, ASCII: at the nominal place. */
	memset(b, 'z', len);
	ck_assert_uint_eq(split_cut(b, len, SPLIT_SEEK_MAX / 2),
	    SPLIT_SEEK_MAX / 2);
	/* UTF-8 letters only (é is c3 a9): never inside a character. */
	for (size_t i = 0; i < len; i += 2) {
		b[i] = (char)0xc3;
		b[i + 1] = (char)0xa9;
	}
	ck_assert_uint_eq(split_cut(b, len, 1001), 1002);
	ck_assert_uint_eq(split_cut(b, len, 1002), 1002);
	/* 4: continuation bytes only, which is not UTF-8: at the place. */
	memset(b, 0x80, len);
	ck_assert_uint_eq(split_cut(b, len, 12345), 12345);
	free(b);
}
END_TEST

START_TEST(test_tiles_small)
{
	static const char *texts[] = {
		"",
		"x",
		"one line\n",
		"first line\nsecond\n\nfourth, longer line\nx\nlast no newline",
		"words without a newline at all, just spaces and, commas",
		"lettersonlylettersonlylettersonly",
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		"\x80\x80\x80\x80\x80\x80\x80\x80\x80",
	};

	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		size_t len = strlen(texts[t]);
		char *b = buf_new(len);

		memcpy(b, texts[t], len);
		for (uint64_t size = 1; size <= len + 1; size++)
			tile(b, len, size);
		free(b);
	}
}
END_TEST

START_TEST(test_tiles_large)
{
	static const uint64_t sizes[] = { 4096, 65536, 100003,
	    SPLIT_SEEK_MAX - 1, SPLIT_SEEK_MAX, SPLIT_SEEK_MAX + 1,
	    3 * SPLIT_SEEK_MAX };
	size_t len = 5 * SPLIT_SEEK_MAX + 17;
	char *b = buf_new(len);
	uint32_t x = 12345;

	for (int kind = 0; kind < 4; kind++) {
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245 + 12345;
			switch (kind) {
			case 0:		/* random bytes */
				b[i] = (char)(x >> 16);
				break;
			case 1:		/* letters only */
				b[i] = (char)('a' + (x >> 16) % 26);
				break;
			case 2:		/* words, no newline */
				b[i] = (x >> 16) % 7 == 0 ? ' ' :
				    (char)('a' + (x >> 16) % 26);
				break;
			default:	/* one newline in the middle */
				b[i] = i == len / 2 ? '\n' : 'q';
				break;
			}
		}
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			uint64_t n = tile(b, len, sizes[s]);

			/*
			 * Without newlines, the splits are all there but
			 * those whose cut sees the end within SPLIT_SEEK_MAX
			 * (the last line kept whole).
			 */
			if (kind == 1 || kind == 2)
				ck_assert_uint_ge(n, split_count(len, sizes[s]) -
				    SPLIT_SEEK_MAX / sizes[s] - 1);
		}
	}
	free(b);
}
END_TEST

/* A text without newlines has the same words read whole or in splits. */
START_TEST(test_words_kept)
{
	static const char *words[] = { "the", "caf\xc3\xa9", "\xe6\x97\xa5",
	    "x", "longerword", "na\xc3\xafve" };
	static const char *gaps[] = { " ", ", ", "-", "  ", "1", "\t" };
	static const uint64_t sizes[] = { 7, 100, 4096, 65537 };
	size_t len = 0, cap = 2 * SPLIT_SEEK_MAX;
	char *b = buf_new(cap);
	uint32_t x = 7;

	while (len + 32 < cap) {
		const char *w, *g;

		x = x * 1103515245 + 12345;
		w = words[(x >> 16) % 6];
		g = gaps[(x >> 8) % 6];
		memcpy(b + len, w, strlen(w));
		len += strlen(w);
		memcpy(b + len, g, strlen(g));
		len += strlen(g);
	}
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t n = split_count(len, sizes[s]), sum = 0;
		size_t from = 0, to;

		for (uint64_t k = 1; k <= n; k++) {
			to = k < n ? split_cut(b, len, k * sizes[s]) : len;
			sum += count_words(b + from, to - from);
			from = to;
		}
		ck_assert_uint_eq(sum, count_words(b, len));
	}
	free(b);
}
END_TEST

START_TEST(test_count)
{
	ck_assert_uint_eq(split_count(0, 10), 1);
	ck_assert_uint_eq(split_count(10, 10), 1);
	ck_assert_uint_eq(split_count(11, 10), 2);
	ck_assert_uint_eq(split_count(30, 10), 3);
	ck_assert_uint_eq(split_count(UINT64_MAX, 1), UINT64_MAX);
}
END_TEST

static Suite *
split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("split");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_tiles_small);
	tcase_add_test(tc, test_tiles_large);
	tcase_add_test(tc, test_words_kept);
	tcase_add_test(tc, test_count);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(split_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
