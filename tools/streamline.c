/*
 * streamline.c - Hadoop Streaming's key<TAB>value lines (see streamline.h).
 */
#include <string.h>

#include "streamline.h"

/* Bytes of a key that a message shows. */
#define STREAMLINE_SHOWN 48

void
streamline_split(const char *line, size_t len, const char **key,
    size_t *keylen, const char **value, size_t *valuelen)
{
	const char *tab = memchr(line, '\t', len);

	*key = line;
	if (tab == NULL) {
		*keylen = len;
		*value = line + len;
		*valuelen = 0;
		return;
	}
	*keylen = (size_t)(tab - line);
	*value = tab + 1;
	*valuelen = len - *keylen - 1;
}

char *
streamline_quote(char *buf, size_t size, const char *key, size_t keylen)
{
	size_t o = 0, n = keylen < STREAMLINE_SHOWN ? keylen : STREAMLINE_SHOWN;

	if (size < STREAMLINE_QUOTE_MAX) {
		buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (key[i] == '\0') {
			buf[o++] = '^';
			buf[o++] = '@';
		} else
			buf[o++] = key[i];
	}
	buf[o++] = '"';
	if (n < keylen) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int
streamline_put(FILE *f, const void *p, size_t n, struct err *e)
{
	if (n > 0 && fwrite_unlocked(p, 1, n, f) != n) {
		err_sys(e, "stdout: write");
		return -1;
	}
	return 0;
}

const char *
streamline_check(const char *key, size_t keylen, const char *value,
    size_t valuelen)
{
	/* A plugin may pass NULL with a length of 0, which memchr() must not see. */
	if (keylen > 0 && memchr(key, '\t', keylen) != NULL)
		return "a key holding a tab";
	if (keylen > 0 && memchr(key, '\n', keylen) != NULL)
		return "a key holding a newline";
	if (valuelen > 0 && memchr(value, '\n', valuelen) != NULL)
		return "a value holding a newline";
	return NULL;
}

int
streamline_write(FILE *f, const char *key, size_t keylen, const char *value,
    size_t valuelen, struct err *e)
{
	if (streamline_put(f, key, keylen, e) == -1 ||
	    putc_unlocked('\t', f) == EOF ||
	    streamline_put(f, value, valuelen, e) == -1 ||
	    putc_unlocked('\n', f) == EOF) {
		err_sys(e, "stdout: write");
		return -1;
	}
	return 0;
}
