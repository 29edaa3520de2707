/*
 * buf.h - a growable byte buffer with a read offset.
 *
 * Used for connection read buffers and write queues: bytes are appended at
 * the end and consumed from the front; buf_compact() moves the unread bytes
 * to the front when that is cheap. The struct is public so that it can be
 * embedded; treat the fields as read-only outside buf.c.
 *
 *	struct buf b = BUF_INIT;
 *	buf_add(&b, "abc", 3);
 *	... b.data + b.off, buf_len(&b) ...
 *	buf_consume(&b, 2);
 *	buf_free(&b);
 */
#ifndef MR_BUF_H
#define MR_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 off;		/* first unread byte */
	size_t	 len;		/* end of the bytes stored */
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* Unread bytes. */
static inline size_t
buf_len(const struct buf *b)
{
	return b->len - b->off;
}

/* Pointer to the first unread byte. */
static inline uint8_t *
buf_head(const struct buf *b)
{
	/* No arithmetic on a buffer never allocated: NULL + 0 is undefined. */
	return b->data != NULL ? b->data + b->off : NULL;
}

/* Makes room for `more` bytes after len; returns the place to write them. */
uint8_t	*buf_reserve(struct buf *b, size_t more);

/* Records that `n` bytes were written at the place buf_reserve() returned. */
void	 buf_commit(struct buf *b, size_t n);

/* Appends n bytes. */
void	 buf_add(struct buf *b, const void *p, size_t n);

/* Drops n unread bytes from the front; resets the buffer when it empties. */
void	 buf_consume(struct buf *b, size_t n);

/* Frees the memory; the buffer is empty and usable again. */
void	 buf_free(struct buf *b);

#endif
