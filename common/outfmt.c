/*
 * outfmt.c - output formats (see outfmt.h): names, tsv's escapes.
 */
#include <string.h>

#include "outfmt.h"

static const char *const outfmt_names[] = { "text", "tsv" };

int
outfmt_parse(const char *name, enum outfmt *f)
{
	for (size_t i = 0; i < sizeof outfmt_names / sizeof outfmt_names[0];
	    i++)
		if (strcmp(name, outfmt_names[i]) == 0) {
			*f = (enum outfmt)i;
			return 0;
		}
	return -1;
}

const char *
outfmt_name(int f)
{
	if (f < 0 || (size_t)f >= sizeof outfmt_names / sizeof outfmt_names[0])
		return "?";
	return outfmt_names[f];
}

/* Whether byte c is written as an escape. */
static inline int
outfmt_special(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '\\';
}

int
outfmt_plain(const void *src, size_t n)
{
	const unsigned char *p = src;

	for (size_t i = 0; i < n; i++)
		if (outfmt_special(p[i]))
			return 0;
	return 1;
}

size_t
outfmt_escape(char *dst, const void *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	char *o = dst;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (!outfmt_special(c)) {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '\\': *o++ = '\\'; break;
		case '\t': *o++ = 't'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		default:
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			break;
		}
	}
	return (size_t)(o - dst);
}

static int
outfmt_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
outfmt_unescape(char *dst, const char *src, size_t n)
{
	char *o = dst;
	int hi, lo;

	for (size_t i = 0; i < n; i++) {
		if (src[i] == '\t' || src[i] == '\n')
			return -1;
		if (src[i] != '\\') {
			*o++ = src[i];
			continue;
		}
		if (++i == n)
			return -1;
		switch (src[i]) {
		case '\\': *o++ = '\\'; break;
		case 't': *o++ = '\t'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 'x':
			if (i + 2 >= n || (hi = outfmt_hexval(src[i + 1])) < 0 ||
			    (lo = outfmt_hexval(src[i + 2])) < 0)
				return -1;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			return -1;
		}
	}
	return (ssize_t)(o - dst);
}
