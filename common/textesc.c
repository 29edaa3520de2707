/*
 * textesc.c - escaping control characters for a terminal (see textesc.h).
 */
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "log.h"
#include "textesc.h"

/* Longest escape of one byte, "\xHH", or of one C1 character, "\u00HH". */
#define TEXTESC_MAX 6

/* Writes the escape of the character of n bytes at p into out; its length. */
static size_t
textesc_one(const unsigned char *p, utf8proc_ssize_t n, utf8proc_int32_t cp,
    char *out)
{
	if (n < 0)
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\x%02x", *p);
	switch (cp) {
	case '\n':
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\n");
	case '\r':
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\r");
	case '\t':
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\t");
	case '\\':
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\\\");
	}
	if (cp < 0x20 || cp == 0x7f)
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\x%02x",
		    (unsigned)cp);
	if (cp >= 0x80 && cp <= 0x9f)
		return (size_t)snprintf(out, TEXTESC_MAX + 1, "\\u%04x",
		    (unsigned)cp);
	memcpy(out, p, (size_t)n);
	return (size_t)n;
}

size_t
textesc_to(char *dst, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0, w;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	char one[TEXTESC_MAX + 1];

	while (len > 0) {
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		w = textesc_one(p, n, cp, one);
		if (o + w >= size)
			break;
		memcpy(dst + o, one, w);
		o += w;
		/* An invalid byte is escaped alone; what follows may be fine. */
		p += n > 0 ? (size_t)n : 1;
		len -= n > 0 ? (size_t)n : 1;
	}
	dst[o] = '\0';
	return o;
}

char *
textesc(const char *s)
{
	/* At most 4 bytes out per byte in ("\xHH"; "\u00HH" takes 2 in). */
	size_t size = strlen(s) * 4 + 1;
	char *out = xmalloc(size);

	textesc_to(out, size, s);
	return out;
}
