/*
 * words.h - splitting text into words the way the reference lab does.
 *
 * A word is a maximal run of Unicode letters (general categories Lu, Ll,
 * Lt, Lm, Lo) encoded in UTF-8, as Go's strings.FieldsFunc with
 * !unicode.IsLetter. Any other character, and every byte of an invalid or
 * truncated UTF-8 sequence (decoded one byte at a time, as Go does),
 * separates words. Letter classes come from utf8proc.
 */
#ifndef MR_WORDS_H
#define MR_WORDS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes one UTF-8 character at p[0..n) (n > 0). Returns its length (1-4)
 * and sets *cp, or 0 when the bytes at p are not valid UTF-8.
 */
int	words_decode(const uint8_t *p, size_t n, int32_t *cp);

/* Whether a code point is a letter (Lu, Ll, Lt, Lm or Lo). */
int	words_is_letter(int32_t cp);

/* 1 for ASCII letters, 0 for other ASCII, 2 for bytes that start non-ASCII. */
extern const uint8_t words_class[256];

/*
 * Classifies the character at p: returns its length in bytes (1 for an
 * invalid byte) and sets *letter.
 */
static inline size_t
words_char(const uint8_t *p, size_t n, int *letter)
{
	int32_t cp;
	int l;

	switch (words_class[*p]) {
	case 1:
		*letter = 1;
		return 1;
	case 0:
		*letter = 0;
		return 1;
	}
	l = words_decode(p, n, &cp);
	if (l == 0) {
		*letter = 0;
		return 1;
	}
	*letter = words_is_letter(cp);
	return l;
}

/*
 * Finds the next word in data[*pos .. len). Returns 1 with *word, *wordlen
 * set and *pos just past the word, or 0 (with *pos = len) when none is left.
 * Inline because it runs once per word of the input: callers that emit
 * every word (mapout's native word count) save a call per word.
 */
static inline __attribute__((always_inline)) int
words_next(const char *data, size_t len, size_t *pos, const char **word,
    size_t *wordlen)
{
	const uint8_t *cls = words_class, *end, *p, *start;
	size_t l;
	int letter;

	/* Nothing left (data may then be NULL: no arithmetic on it). */
	if (len == 0 || *pos >= len) {
		*pos = len;
		return 0;
	}
	end = (const uint8_t *)data + len;
	p = (const uint8_t *)data + *pos;

	/* Skip separators; ASCII ones take one table lookup each. */
	for (;;) {
		while (p < end && __builtin_expect(cls[*p] == 0, 1))
			p++;
		if (p >= end) {
			*pos = len;
			return 0;
		}
		l = words_char(p, (size_t)(end - p), &letter);
		if (letter)
			break;
		p += l;
	}
	start = p;
	p += l;
	for (;;) {
		while (p < end && __builtin_expect(cls[*p] == 1, 1))
			p++;
		if (p >= end || cls[*p] == 0)
			break;
		l = words_char(p, (size_t)(end - p), &letter);
		if (!letter)
			break;
		p += l;
	}
	*word = (const char *)start;
	*wordlen = (size_t)(p - start);
	*pos = (size_t)(p - (const uint8_t *)data);
	return 1;
}

#endif
