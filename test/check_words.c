/*
 * check_words - word splitting (common/words.h, and mr_next_word() of the
 * SDK which must agree with it): ASCII separators, Unicode letters of
 * several scripts and categories, combining marks, digits and symbols,
 * invalid or truncated UTF-8, NUL bytes; the strict UTF-8 decoder; and the
 * partition hash (common/hash.h) against an independent FNV-1a.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "mapreduce.h"
#include "words.h"

/*
 * Splits data[0..len) with words_next() and with mr_next_word() and checks
 * that both give the words of `want`, separated there by '|' ("" for none).
 * The data is copied into a buffer of exactly len bytes so that reading past
 * the end shows under AddressSanitizer and valgrind.
 */
static void
split_n(const char *data, size_t len, const char *want)
{
	char *buf = malloc(len != 0 ? len : 1), got[2][512];

	ck_assert_ptr_nonnull(buf);
	if (len > 0)
		memcpy(buf, data, len);
	for (int api = 0; api < 2; api++) {
		size_t pos = 0, used = 0, wlen = 0, last = 0;
		const char *w = NULL;
		int rc;

		got[api][0] = '\0';
		for (;;) {
			rc = api == 0 ? words_next(buf, len, &pos, &w, &wlen) :
			    mr_next_word(buf, len, &pos, &w, &wlen);
			if (rc == 0)
				break;
			ck_assert_int_eq(rc, 1);
			/* The word lies inside the data, after the last one. */
			ck_assert(w >= buf + last);
			ck_assert_uint_gt(wlen, 0);
			ck_assert_ptr_eq(w + wlen, buf + pos);
			ck_assert_uint_le(pos, len);
			last = pos;
			ck_assert_uint_lt(used + wlen + 2, sizeof got[api]);
			if (used > 0)
				got[api][used++] = '|';
			memcpy(got[api] + used, w, wlen);
			used += wlen;
			got[api][used] = '\0';
		}
		ck_assert_uint_eq(pos, len);
		/* Done stays done. */
		ck_assert_int_eq(words_next(buf, len, &pos, &w, &wlen), 0);
	}
	ck_assert_msg(strcmp(got[0], want) == 0,
	    "words of \"%.*s\": got \"%s\", want \"%s\"", (int)len, data,
	    got[0], want);
	ck_assert_str_eq(got[1], got[0]);
	free(buf);
}

static void
split(const char *s, const char *want)
{
	split_n(s, strlen(s), want);
}

START_TEST(test_ascii)
{
	split("Hello, world!", "Hello|world");
	split("foo_bar baz123qux a-b c.d e/f", "foo|bar|baz|qux|a|b|c|d|e|f");
	split("don't", "don|t");
	split("it's  O'Neil's", "it|s|O|Neil|s");
	split("tab\tnew\nline\r\nend", "tab|new|line|end");
	split("x", "x");
	split("A1b2C3", "A|b|C");
	split("@[`{~", "");
}
END_TEST

START_TEST(test_empty_and_separators)
{
	size_t pos = 0, wlen = 7;
	const char *w = NULL;

	split("", "");
	split(" ", "");
	split(" \t\n.,;:!?0123456789_-'\"()[]{}<>/\\|@#$%^&*+=~`", "");
	/* An empty input maps to NULL data. */
	ck_assert_int_eq(words_next(NULL, 0, &pos, &w, &wlen), 0);
	ck_assert_uint_eq(pos, 0);
	ck_assert_int_eq(mr_next_word(NULL, 0, &pos, &w, &wlen), 0);
}
END_TEST

START_TEST(test_edges_and_case)
{
	split("abc", "abc");
	split("abc def", "abc|def");
	split("  abc def  ", "abc|def");
	split(".abc.", "abc");
	split("HeLLo WORLD mIxEd", "HeLLo|WORLD|mIxEd");
	split("a b c d", "a|b|c|d");
	split("zZ", "zZ");
}
END_TEST

START_TEST(test_scripts)
{
	split("café", "café");
	split("Ñandú", "Ñandú");
	split("λόγος", "λόγος");
	split("слово", "слово");
	split("日本語", "日本語");
	split("كلمة", "كلمة");
	split("한국어", "한국어");
	split("café Ñandú, λόγος; слово 日本語 كلمة 한국어!",
	    "café|Ñandú|λόγος|слово|日本語|كلمة|한국어");
	/* CJK punctuation and the ideographic space separate. */
	split("日本語。中文\xe3\x80\x80漢字", "日本語|中文|漢字");
	/* Letters outside the BMP: U+10400 (Lu), U+20000 (Lo). */
	split("a\xf0\x90\x90\x80" "b \xf0\xa0\x80\x80x",
	    "a\xf0\x90\x90\x80" "b|\xf0\xa0\x80\x80x");
	/* No-break space U+00A0 is not a letter. */
	split("na\xc2\xa0ve", "na|ve");
}
END_TEST

START_TEST(test_categories)
{
	/* U+0301 COMBINING ACUTE ACCENT is Mn: it splits, as in Go. */
	split("e\xcc\x81x", "e|x");
	split("cafe\xcc\x81", "cafe");
	/* U+02B0 MODIFIER LETTER SMALL H (Lm), U+01C5 (Lt) are letters. */
	split("a\xca\xb0" "b", "a\xca\xb0" "b");
	split("\xc7\x85" "ungla", "\xc7\x85" "ungla");
	/* U+0661 ARABIC-INDIC DIGIT ONE (Nd) and an emoji split. */
	split("ab\xd9\xa1" "cd", "ab|cd");
	split("hi\xf0\x9f\x98\x80yo", "hi|yo");
	/* U+00AA (Lo) and U+00BA (Lo) are letters, U+00B2 (No) is not. */
	split("x\xc2\xaay\xc2\xb2z", "x\xc2\xaay|z");
}
END_TEST

START_TEST(test_invalid_bytes)
{
	split("ab\x80" "cd", "ab|cd");
	split("ab\xff" "cd", "ab|cd");
	split("\x80\xbf\xfe\xff", "");
	/* A truncated sequence: its bytes separate, the next letters remain. */
	split("ab\xe6\x97" "cd", "ab|cd");
	split("\xe6\x97" "xy", "xy");
	split("ab\xf0\x9f\x98" "cd", "ab|cd");
	/* Overlong, surrogate, past U+10FFFF. */
	split("ab\xc0\xaf" "cd", "ab|cd");
	split("ab\xe0\x80\xaf" "cd", "ab|cd");
	split("ab\xed\xa0\x80" "cd", "ab|cd");
	split("ab\xf4\x90\x80\x80" "cd", "ab|cd");
	split("ab\xf5\x80\x80\x80" "cd", "ab|cd");
	/* A bad lead byte before a valid letter does not eat it. */
	split("a\xc3\xc3\xa9" "b", "a|\xc3\xa9" "b");
	split("\xe6\xc3\xa9", "\xc3\xa9");
	split("\xf0\xe6\x97\xa5", "\xe6\x97\xa5");
}
END_TEST

START_TEST(test_nul_bytes)
{
	split_n("ab\0cd\0\0ef", 9, "ab|cd|ef");
	split_n("\0\0\0", 3, "");
	split_n("\0x", 2, "x");
	split_n("x\0", 2, "x");
}
END_TEST

START_TEST(test_cut_at_end)
{
	/* "abé" cut in the middle of é. */
	split_n("ab\xc3\xa9", 3, "ab");
	/* "日本" cut after one byte and after two bytes of 本. */
	split_n("\xe6\x97\xa5\xe6\x9c\xac", 4, "\xe6\x97\xa5");
	split_n("\xe6\x97\xa5\xe6\x9c\xac", 5, "\xe6\x97\xa5");
	split_n("\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5\xe6\x9c\xac");
	/* A 4-byte letter cut after three bytes. */
	split_n("x \xf0\x90\x90\x80", 5, "x");
	split_n("\xf0\x90\x90", 3, "");
}
END_TEST

/* Decodes an exact-size copy of p[0..n). */
static int
decode(const char *p, size_t n, int32_t *cp)
{
	uint8_t *b = malloc(n);
	int rc;

	ck_assert_ptr_nonnull(b);
	memcpy(b, p, n);
	*cp = -12345;
	rc = words_decode(b, n, cp);
	free(b);
	return rc;
}

static void
decode_ok(const char *p, size_t n, int32_t want)
{
	int32_t cp;
	int rc = decode(p, n, &cp);

	ck_assert_msg(rc == (int)n, "decoding %zu bytes gave length %d", n, rc);
	ck_assert_msg(cp == want, "decoded U+%04X, want U+%04X", (unsigned)cp,
	    (unsigned)want);
}

static void
decode_bad(const char *p, size_t n)
{
	int32_t cp;
	int rc = decode(p, n, &cp);

	ck_assert_msg(rc == 0, "invalid %zu bytes (first 0x%02x) decoded as "
	    "U+%04X, length %d", n, (uint8_t)p[0], (unsigned)cp, rc);
}

START_TEST(test_decode_valid)
{
	int32_t cp;

	decode_ok("A", 1, 'A');
	decode_ok("\0", 1, 0);
	decode_ok("\x7f", 1, 0x7f);
	decode_ok("\xc2\x80", 2, 0x80);
	decode_ok("\xc3\xa9", 2, 0xe9);
	decode_ok("\xdf\xbf", 2, 0x7ff);
	decode_ok("\xe0\xa0\x80", 3, 0x800);
	decode_ok("\xe6\x97\xa5", 3, 0x65e5);
	decode_ok("\xed\x9f\xbf", 3, 0xd7ff);
	decode_ok("\xee\x80\x80", 3, 0xe000);
	decode_ok("\xef\xbf\xbf", 3, 0xffff);
	decode_ok("\xf0\x90\x80\x80", 4, 0x10000);
	decode_ok("\xf0\x9f\x98\x80", 4, 0x1f600);
	decode_ok("\xf4\x8f\xbf\xbf", 4, 0x10ffff);
	/* Extra bytes after the character are not consumed. */
	ck_assert_int_eq(words_decode((const uint8_t *)"\xc3\xa9z", 3, &cp), 2);
	ck_assert_int_eq(cp, 0xe9);
	ck_assert_int_eq(words_decode((const uint8_t *)"ab", 2, &cp), 1);
	ck_assert_int_eq(cp, 'a');
}
END_TEST

START_TEST(test_decode_invalid)
{
	/* Lone continuation bytes and impossible leads. */
	decode_bad("\x80", 1);
	decode_bad("\xbf", 1);
	decode_bad("\xfe", 1);
	decode_bad("\xff", 1);
	decode_bad("\xf5\x80\x80\x80", 4);
	decode_bad("\xf8\x88\x80\x80\x80", 5);
	/* Overlong forms. */
	decode_bad("\xc0\x80", 2);
	decode_bad("\xc0\xaf", 2);
	decode_bad("\xc1\xbf", 2);
	decode_bad("\xe0\x80\x80", 3);
	decode_bad("\xe0\x9f\xbf", 3);
	decode_bad("\xf0\x80\x80\x80", 4);
	decode_bad("\xf0\x8f\xbf\xbf", 4);
	/* Surrogates and values past U+10FFFF. */
	decode_bad("\xed\xa0\x80", 3);
	decode_bad("\xed\xbf\xbf", 3);
	decode_bad("\xf4\x90\x80\x80", 4);
	decode_bad("\xf7\xbf\xbf\xbf", 4);
	/* Truncated at the end of the data. */
	decode_bad("\xc3", 1);
	decode_bad("\xe6\x97", 2);
	decode_bad("\xe6", 1);
	decode_bad("\xf0\x9f\x98", 3);
	/* A byte that is not a continuation. */
	decode_bad("\xc3\x41", 2);
	decode_bad("\xc3\xc3", 2);
	decode_bad("\xe6\x41\xa5", 3);
	decode_bad("\xe6\x97\x41", 3);
	decode_bad("\xe6\x97\xc0", 3);
	decode_bad("\xf0\x9f\x41\x80", 4);
	decode_bad("\xf0\x9f\x98\xc0", 4);
	decode_bad("\xf0\x9f\x98\x41", 4);
}
END_TEST

START_TEST(test_is_letter)
{
	static const int32_t yes[] = {
		'a', 'Z', 0xe9, 0xd1, 0x3bb, 0x441, 0x643, 0x65e5, 0xd55c,
		0x2b0, 0x1c5, 0xaa, 0x10400, 0x20000,
	};
	static const int32_t no[] = {
		0, ' ', '0', '_', '\'', 0xa0, 0xb2, 0x301, 0x661, 0x3002,
		0x1f600, 0xd800, 0x110000,
	};

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(words_is_letter(yes[i]), "U+%04X is a letter",
		    (unsigned)yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!words_is_letter(no[i]), "U+%04X is no letter",
		    (unsigned)no[i]);
}
END_TEST

/* FNV-1a 32, written out independently of hash.h. */
static uint32_t
fnv_ref(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Go's ihash(key) % n. */
static uint32_t
ihash_ref(const char *s, size_t n, uint32_t nreduce)
{
	return (fnv_ref(s, n) & 0x7fffffffu) % nreduce;
}

START_TEST(test_hash_vectors)
{
	ck_assert_uint_eq(hash_fnv1a("", 0), 0x811c9dc5u);
	ck_assert_uint_eq(hash_fnv1a("a", 1), 0xe40c292cu);
	ck_assert_uint_eq(hash_fnv1a("foobar", 6), 0xbf9cf968u);
	ck_assert_uint_eq(fnv_ref("a", 1), 0xe40c292cu);
	ck_assert_uint_eq(fnv_ref("foobar", 6), 0xbf9cf968u);
	/* The top bit is dropped before the modulo: 0x640c292c % 10. */
	ck_assert_uint_eq(hash_partition("a", 1, 10), 2);
	ck_assert_uint_eq(hash_partition("foobar", 6, 10),
	    (0xbf9cf968u & 0x7fffffffu) % 10);
}
END_TEST

START_TEST(test_hash_partition)
{
	static const char *keys[] = {
		"", "a", "b", "the", "The", "zebra", "foobar", "日本語",
		"Ñandú", "a somewhat longer key with spaces",
	};
	uint32_t seen[10] = { 0 };
	char bin[] = "x\0y\0z";

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t n = strlen(keys[i]);

		for (uint32_t nr = 1; nr <= 13; nr++)
			ck_assert_uint_eq(hash_partition(keys[i], n, nr),
			    ihash_ref(keys[i], n, nr));
		ck_assert_uint_eq(hash_fnv1a(keys[i], n), fnv_ref(keys[i], n));
	}
	/* NUL bytes count. */
	ck_assert_uint_eq(hash_fnv1a(bin, 5), fnv_ref(bin, 5));
	ck_assert_uint_ne(hash_fnv1a(bin, 5), hash_fnv1a(bin, 1));
	/* A thousand keys spread over every one of 10 partitions. */
	for (int i = 0; i < 1000; i++) {
		char k[16];
		int n = snprintf(k, sizeof k, "w%d", i);
		uint32_t p = hash_partition(k, n, 10);

		ck_assert_uint_eq(p, ihash_ref(k, n, 10));
		seen[p]++;
	}
	for (int p = 0; p < 10; p++)
		ck_assert_uint_gt(seen[p], 50);
}
END_TEST

static Suite *
words_suite(void)
{
	Suite *s = suite_create("words");
	TCase *tc;

	tc = tcase_create("split");
	tcase_add_test(tc, test_ascii);
	tcase_add_test(tc, test_empty_and_separators);
	tcase_add_test(tc, test_edges_and_case);
	tcase_add_test(tc, test_scripts);
	tcase_add_test(tc, test_categories);
	tcase_add_test(tc, test_invalid_bytes);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_cut_at_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, test_decode_valid);
	tcase_add_test(tc, test_decode_invalid);
	tcase_add_test(tc, test_is_letter);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash_vectors);
	tcase_add_test(tc, test_hash_partition);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(words_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
