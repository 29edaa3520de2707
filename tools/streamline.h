/*
 * streamline.h - records as Hadoop Streaming passes them between its tasks:
 * one a line, the key up to the first tab, the value after it.
 *
 * A line without a tab is a key whose value is empty, Hadoop's rule. So a
 * record can be written only when its key holds no tab and neither key nor
 * value holds a newline: anything else would read back as another record,
 * and is refused rather than written.
 */
#ifndef MR_STREAMLINE_H
#define MR_STREAMLINE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/*
 * Cuts a line (its newline left out) at its first tab into *key and
 * *value; with no tab, the whole line is the key and the value is empty
 * (length 0, a pointer to the line's end, never NULL).
 */
void	streamline_split(const char *line, size_t len, const char **key,
	    size_t *keylen, const char **value, size_t *valuelen);

/*
 * Whether the record can be written as a line: NULL when it can, else what
 * is wrong with it, "a key holding a tab", "a key holding a newline" or "a
 * value holding a newline", for a message.
 */
const char *streamline_check(const char *key, size_t keylen,
	    const char *value, size_t valuelen);

/*
 * Writes "KEY<TAB>VALUE\n" to f, unchecked (see streamline_check()).
 * Returns 0, or -1 with e saying "stdout: write: WHY".
 */
int	streamline_write(FILE *f, const char *key, size_t keylen,
	    const char *value, size_t valuelen, struct err *e);

/*
 * Writes the bytes to f (unlocked stdio: one thread writes). Returns 0, or
 * -1 with e saying "stdout: write: WHY".
 */
int	streamline_put(FILE *f, const void *p, size_t n, struct err *e);

/*
 * Puts a shortened, printable form of key (at most 48 bytes of it, a NUL
 * as ^@, then "..." when cut) in double quotes into buf, for messages;
 * other control bytes are left for log.h's escaping. Returns buf.
 */
char	*streamline_quote(char *buf, size_t size, const char *key,
	    size_t keylen);

/* What streamline_quote() needs, its NUL included. */
#define STREAMLINE_QUOTE_MAX (2 * 48 + 8)

#endif
