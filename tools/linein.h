/*
 * linein.h - the lines of a file descriptor (a pipe: standard input), read
 * in large blocks and handed out in place.
 *
 * A line is what precedes a newline, or the end of the input after the
 * last newline (a last line needs none); it may hold any byte, NUL
 * included. Lines are not copied: each points into the block buffer, which
 * grows only for a line longer than it, so that memory is the block size
 * or the longest line, whatever the size of the input.
 */
#ifndef MR_LINEIN_H
#define MR_LINEIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Bytes asked of each read(2), and the buffer's first size. */
#define LINEIN_BLOCK ((size_t)1 << 20)

struct linein;

/*
 * Reads the lines of fd (not closed by linein_free()); `name` (borrowed,
 * "stdin") starts the messages of its errors.
 */
struct linein	*linein_new(int fd, const char *name);

/*
 * The next line: returns 1 with *line and *len set (the newline left out;
 * valid until the next call), 0 at the end of the input, or -1 with e
 * saying "NAME: read: WHY".
 */
int	linein_next(struct linein *in, const char **line, size_t *len,
	    struct err *e);

/*
 * Makes the next linein_next() return the line it returned last once more,
 * for a reader that looked one line too far.
 */
void	linein_unread(struct linein *in);

/* The number (from 1) of the line linein_next() returned last; 0 before. */
uint64_t linein_lineno(const struct linein *in);

/* Frees in; NULL is fine. */
void	linein_free(struct linein *in);

#endif
