/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

uint8_t *
buf_reserve(struct buf *b, size_t more)
{
	size_t unread = b->len - b->off;

	if (b->cap - b->len >= more && b->data != NULL)
		return b->data + b->len;
	/* Reclaim the consumed front before growing. */
	if (b->off > 0 && b->cap - unread >= more) {
		memmove(b->data, b->data + b->off, unread);
		b->off = 0;
		b->len = unread;
		return b->data + b->len;
	}
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, unread);
		b->off = 0;
		b->len = unread;
	}
	size_t cap = b->cap != 0 ? b->cap : 256;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			fatal("buffer too large");
		cap *= 2;
	}
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return b->data + b->len;
}

void
buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_reserve(b, n), p, n);
	b->len += n;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
