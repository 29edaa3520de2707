/*
 * speculate.c - the backup rule's numbers (see speculate.h).
 *
 * The running median: `lo` holds the smaller half of the durations as a
 * max-heap (stored negated in a min-heap, so one heap serves both halves),
 * `hi` the larger half as a min-heap; lo has as many elements as hi or one
 * more, so the median is at the tops.
 */
#include <stdlib.h>

#include "log.h"
#include "speculate.h"

/* A binary min-heap of doubles. */
struct heap {
	double		*v;
	size_t		 n, cap;
};

struct speculate {
	struct heap	 lo;	/* negated: the lower half's largest on top */
	struct heap	 hi;
};

static void
heap_push(struct heap *h, double x)
{
	size_t i, parent;

	if (h->n == h->cap) {
		h->cap = h->cap != 0 ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	i = h->n++;
	while (i > 0 && h->v[parent = (i - 1) / 2] > x) {
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = x;
}

/* Removes and returns the smallest element of a heap that is not empty. */
static double
heap_pop(struct heap *h)
{
	double top = h->v[0], x = h->v[--h->n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = x;
	return top;
}

struct speculate *
speculate_new(void)
{
	return xcalloc(1, sizeof(struct speculate));
}

void
speculate_free(struct speculate *s)
{
	if (s == NULL)
		return;
	free(s->lo.v);
	free(s->hi.v);
	free(s);
}

void
speculate_add(struct speculate *s, double seconds)
{
	if (!(seconds >= 0))
		seconds = 0;	/* NaN would break the heaps' order */
	if (s->lo.n == 0 || seconds <= -s->lo.v[0])
		heap_push(&s->lo, -seconds);
	else
		heap_push(&s->hi, seconds);
	if (s->lo.n > s->hi.n + 1)
		heap_push(&s->hi, -heap_pop(&s->lo));
	else if (s->hi.n > s->lo.n)
		heap_push(&s->lo, -heap_pop(&s->hi));
}

size_t
speculate_count(const struct speculate *s)
{
	return s->lo.n + s->hi.n;
}

double
speculate_median(const struct speculate *s)
{
	if (s->lo.n == 0)
		return 0;
	if (s->lo.n > s->hi.n)
		return -s->lo.v[0];
	return (-s->lo.v[0] + s->hi.v[0]) / 2;
}

double
speculate_threshold(const struct speculate *s)
{
	double t;

	if (speculate_count(s) == 0)
		return -1;
	t = SPEC_FACTOR * speculate_median(s);
	return t > SPEC_MIN_SECONDS ? t : SPEC_MIN_SECONDS;
}

uint32_t
speculate_cap(uint32_t ntasks)
{
	uint32_t n = (uint32_t)((uint64_t)ntasks * SPEC_CAP_PERCENT / 100);

	return n > 0 ? n : 1;
}
