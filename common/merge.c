/*
 * merge.c - binary-heap k-way merge over kvreaders (see merge.h).
 *
 * The stream that produced the last record is advanced lazily, on the next
 * call, so the pointers handed out stay valid until then.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "merge.h"

struct merge_stream {
	struct kvreader	*reader;
	const char	*key, *value;
	size_t		 keylen, valuelen;
};

struct merge {
	struct merge_stream *s;
	size_t		 n;
	size_t		*heap;		/* stream indices, smallest key first */
	size_t		 nheap;
	size_t		 last;		/* stream of the last record */
	int		 started;
	char		*prev;		/* copy of the last key, to check order */
	size_t		 prevcap;
};

static int
merge_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Heap order: key, then stream index, so equal keys keep stream order. */
static int
merge_less(const struct merge *m, size_t i, size_t j)
{
	const struct merge_stream *a = &m->s[i], *b = &m->s[j];
	int c = merge_keycmp(a->key, a->keylen, b->key, b->keylen);

	return c < 0 || (c == 0 && i < j);
}

static void
merge_sift_down(struct merge *m, size_t at)
{
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, min = at, t;

		if (l < m->nheap && merge_less(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->nheap && merge_less(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == at)
			return;
		t = m->heap[at];
		m->heap[at] = m->heap[min];
		m->heap[min] = t;
		at = min;
	}
}

struct merge *
merge_new(struct kvreader **readers, size_t n)
{
	struct merge *m = xcalloc(1, sizeof *m);

	m->s = xcalloc(n, sizeof *m->s);
	m->heap = xcalloc(n, sizeof *m->heap);
	m->n = n;
	for (size_t i = 0; i < n; i++)
		m->s[i].reader = readers[i];
	return m;
}

/* Reads the next record of stream i into its slot. */
static int
merge_advance(struct merge *m, size_t i, int *more, struct err *e)
{
	struct merge_stream *s = &m->s[i];
	const char *key, *value;
	size_t keylen, valuelen;
	int rc;

	rc = kvreader_next(s->reader, &key, &keylen, &value, &valuelen, e);
	if (rc == -1) {
		m->last = i;	/* merge_stream() names the culprit */
		return -1;
	}
	*more = rc;
	if (rc == 0)
		return 0;
	s->key = key;
	s->keylen = keylen;
	s->value = value;
	s->valuelen = valuelen;
	return 0;
}

int
merge_next(struct merge *m, const char **key, size_t *keylen,
    const char **value, size_t *valuelen, struct err *e)
{
	struct merge_stream *s;
	int more;

	if (!m->started) {
		m->started = 1;
		for (size_t i = 0; i < m->n; i++) {
			if (merge_advance(m, i, &more, e) == -1)
				return -1;
			if (more)
				m->heap[m->nheap++] = i;
		}
		for (size_t i = m->nheap / 2; i-- > 0;)
			merge_sift_down(m, i);
	} else if (m->nheap > 0) {
		size_t top = m->heap[0];
		size_t prevlen = m->s[top].keylen;

		/* The reader's buffer may move; keep the key to check order. */
		if (prevlen > m->prevcap) {
			m->prevcap = prevlen * 2;
			m->prev = xrealloc(m->prev, m->prevcap);
		}
		if (prevlen > 0)
			memcpy(m->prev, m->s[top].key, prevlen);
		if (merge_advance(m, top, &more, e) == -1)
			return -1;
		if (!more)
			m->heap[0] = m->heap[--m->nheap];
		else if (merge_keycmp(m->s[top].key, m->s[top].keylen,
		    m->prev, prevlen) < 0) {
			err_set(e, "%s: records out of order",
			    kvreader_path(m->s[top].reader));
			m->last = top;
			return -1;
		}
		merge_sift_down(m, 0);
	}
	if (m->nheap == 0)
		return 0;
	m->last = m->heap[0];
	s = &m->s[m->last];
	*key = s->key;
	*keylen = s->keylen;
	*value = s->value;
	*valuelen = s->valuelen;
	return 1;
}

size_t
merge_stream(const struct merge *m)
{
	return m->last;
}

void
merge_free(struct merge *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		kvreader_close(m->s[i].reader);
	free(m->s);
	free(m->heap);
	free(m->prev);
	free(m);
}
