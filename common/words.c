/*
 * words.c - UTF-8 word splitting with Unicode letter classes from utf8proc.
 *
 * ASCII, the bulk of most text, takes a table lookup; other characters are
 * decoded strictly (no overlongs, surrogates or values past U+10FFFF) so that
 * exactly the bytes Go would treat as U+FFFD become separators.
 */
#include <utf8proc.h>

#include "words.h"

/* 1 for ASCII letters, 0 for other ASCII, 2 for bytes that start non-ASCII. */
const uint8_t words_class[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	[0x80] = R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2)
#undef R16
};

int
words_decode(const uint8_t *p, size_t n, int32_t *cp)
{
	uint8_t b0 = p[0], lo = 0x80, hi = 0xbf;
	int len;
	int32_t c;

	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	if (b0 < 0xc2 || b0 > 0xf4)
		return 0;
	if (b0 < 0xe0) {
		len = 2;
		c = b0 & 0x1f;
	} else if (b0 < 0xf0) {
		len = 3;
		c = b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (b0 == 0xed)
			hi = 0x9f;	/* surrogates */
	} else {
		len = 4;
		c = b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90;	/* overlong */
		else if (b0 == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	}
	if ((size_t)len > n || p[1] < lo || p[1] > hi)
		return 0;
	c = c << 6 | (p[1] & 0x3f);
	for (int i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	*cp = c;
	return len;
}

int
words_is_letter(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return 1;
	default:
		return 0;
	}
}
