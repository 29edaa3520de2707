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
	const uint8_t *p = (const uint8_t *)data;
	size_t i = *pos, start, l;
	int letter;

	/* Skip separators; ASCII ones take one table lookup each. */
	for (;;) {
		while (i < len && words_class[p[i]] == 0)
			i++;
		if (i >= len) {
			*pos = len;
			return 0;
		}
		l = words_char(p + i, len - i, &letter);
		if (letter)
			break;
		i += l;
	}
	start = i;
	i += l;
	for (;;) {
		while (i < len && words_class[p[i]] == 1)
			i++;
		if (i >= len || words_class[p[i]] == 0)
			break;
		l = words_char(p + i, len - i, &letter);
		if (!letter)
			break;
		i += l;
	}
	*word = data + start;
	*wordlen = i - start;
	*pos = i;
	return 1;
}

#endif
