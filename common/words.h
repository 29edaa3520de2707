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
 * Finds the next word in data[*pos .. len). Returns 1 with *word, *wordlen
 * set and *pos just past the word, or 0 (with *pos = len) when none is left.
 */
int	words_next(const char *data, size_t len, size_t *pos,
	    const char **word, size_t *wordlen);

/*
 * Decodes one UTF-8 character at p[0..n) (n > 0). Returns its length (1-4)
 * and sets *cp, or 0 when the bytes at p are not valid UTF-8.
 */
int	words_decode(const uint8_t *p, size_t n, int32_t *cp);

/* Whether a code point is a letter (Lu, Ll, Lt, Lm or Lo). */
int	words_is_letter(int32_t cp);

#endif
