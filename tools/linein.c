/*
 * linein.c - lines of a file descriptor, in place (see linein.h).
 *
 * The buffer holds [off, len): the bytes not handed out yet. A newline is
 * looked for from `scan` on, so that a long line arriving in many reads is
 * searched once, not once per read. Only the start of a line left at the
 * end of a block moves, to the front, before the next read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linein.h"
#include "log.h"

struct linein {
	int		 fd;
	const char	*name;
	char		*buf;
	size_t		 cap;
	size_t		 off;		/* the next line starts here */
	size_t		 len;		/* end of the bytes read */
	size_t		 scan;		/* no newline in [off, scan) */
	int		 eof;
	/* The line handed out last, for linein_unread(). */
	const char	*line;
	size_t		 linelen;
	int		 again;
	uint64_t	 lineno;
};

struct linein *
linein_new(int fd, const char *name)
{
	struct linein *in = xcalloc(1, sizeof *in);

	in->fd = fd;
	in->name = name;
	in->cap = LINEIN_BLOCK;
	in->buf = xmalloc(in->cap);
	return in;
}

/* Reads more after what is held, making room first. Returns 0 or -1. */
static int
linein_fill(struct linein *in, struct err *e)
{
	ssize_t n;

	if (in->off > 0) {
		memmove(in->buf, in->buf + in->off, in->len - in->off);
		in->len -= in->off;
		in->scan -= in->off;
		in->off = 0;
	}
	/* A line longer than the buffer: room for it, doubling. */
	if (in->len == in->cap) {
		in->cap *= 2;
		in->buf = xrealloc(in->buf, in->cap);
	}
	do
		n = read(in->fd, in->buf + in->len, in->cap - in->len);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		err_sys(e, "%s: read", in->name);
		return -1;
	}
	if (n == 0)
		in->eof = 1;
	in->len += (size_t)n;
	return 0;
}

int
linein_next(struct linein *in, const char **line, size_t *len, struct err *e)
{
	const char *nl;

	if (in->again) {
		in->again = 0;
		*line = in->line;
		*len = in->linelen;
		return 1;
	}
	for (;;) {
		nl = memchr(in->buf + in->scan, '\n', in->len - in->scan);
		if (nl != NULL) {
			in->line = in->buf + in->off;
			in->linelen = (size_t)(nl - in->line);
			in->off = in->scan = (size_t)(nl - in->buf) + 1;
			break;
		}
		in->scan = in->len;
		if (in->eof) {
			if (in->off == in->len)
				return 0;
			/* The last line, without a newline. */
			in->line = in->buf + in->off;
			in->linelen = in->len - in->off;
			in->off = in->len;
			break;
		}
		if (linein_fill(in, e) == -1)
			return -1;
	}
	in->lineno++;
	*line = in->line;
	*len = in->linelen;
	return 1;
}

void
linein_unread(struct linein *in)
{
	in->again = 1;
}

uint64_t
linein_lineno(const struct linein *in)
{
	return in->lineno;
}

void
linein_free(struct linein *in)
{
	if (in == NULL)
		return;
	free(in->buf);
	free(in);
}
