/*
 * maptable_sort.c - ordering a map table's distinct keys (see maptable.h):
 * by partition with a counting sort, then bytewise within each partition
 * by a quicksort on each key's first 8 bytes and its index, which for text
 * mostly compare by those bytes alone.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "maptable_internal.h"

/* What the sort moves: a key's first 8 bytes and its index. */
struct maptable_pair {
	uint64_t	 prefix;
	uint64_t	 idx;
};

/* Key order of two keys of one partition: < 0, 0 or > 0. */
static inline int
maptable_sort_cmp(const struct maptable *mt, const struct maptable_pair *x,
    const struct maptable_pair *y)
{
	const struct maptable_key *a, *b;
	size_t n;
	int c;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	a = &mt->keys[x->idx];
	b = &mt->keys[y->idx];
	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	if (n > 8) {
		c = memcmp(mt->arena + a->rec + 16, mt->arena + b->rec + 16,
		    n - 8);
		if (c != 0)
			return c;
	}
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

static inline void
maptable_sort_swap(struct maptable_pair *a, struct maptable_pair *b)
{
	struct maptable_pair t = *a;

	*a = *b;
	*b = t;
}

/*
 * Quicksort with the comparison inlined (qsort() pays a call per
 * comparison, which dominated jobs of many small inputs) on 16-byte pairs
 * that mostly compare by their prefix alone; insertion sort for short
 * ranges, recursion on the smaller side only. Keys are distinct, so
 * stability does not matter.
 */
static void
maptable_sort_qsort(const struct maptable *mt, struct maptable_pair *v,
    size_t n)
{
	while (n > 16) {
		struct maptable_pair *lo = v, *hi = v + n - 1, *mid = v + n / 2;
		struct maptable_pair pivot;
		size_t i, j;

		/* Median of three, left in *mid. */
		if (maptable_sort_cmp(mt, mid, lo) < 0)
			maptable_sort_swap(mid, lo);
		if (maptable_sort_cmp(mt, hi, mid) < 0) {
			maptable_sort_swap(hi, mid);
			if (maptable_sort_cmp(mt, mid, lo) < 0)
				maptable_sort_swap(mid, lo);
		}
		pivot = *mid;
		i = 0;
		j = n - 1;
		for (;;) {
			while (maptable_sort_cmp(mt, &v[i], &pivot) < 0)
				i++;
			while (maptable_sort_cmp(mt, &pivot, &v[j]) < 0)
				j--;
			if (i >= j)
				break;
			maptable_sort_swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* v[0..j] <= pivot <= v[j+1..n) */
		if (j + 1 < n - j - 1) {
			maptable_sort_qsort(mt, v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			maptable_sort_qsort(mt, v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct maptable_pair t = v[i];
		size_t j = i;

		while (j > 0 && maptable_sort_cmp(mt, &t, &v[j - 1]) < 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
}

/*
 * Orders the keys by partition (a counting sort), then by key within each
 * partition, and rearranges the keys array in that order.
 */
void
maptable_sort(struct maptable *mt)
{
	struct maptable_pair *pairs;
	struct maptable_key *sorted;
	size_t *start;

	if (mt->sorted)
		return;
	/* Where each partition's keys start, kept for the walks. */
	start = mt->partstart;
	memset(start, 0, ((size_t)mt->nparts + 1) * sizeof *start);
	for (size_t i = 0; i < mt->nkeys; i++)
		start[mt->keys[i].part + 1]++;
	for (uint32_t p = 0; p < mt->nparts; p++)
		start[p + 1] += start[p];
	mt->sorted = 1;
	if (mt->nkeys < 2)
		return;
	pairs = xmalloc(mt->nkeys * sizeof *pairs);
	start = xmalloc(((size_t)mt->nparts + 1) * sizeof *start);
	memcpy(start, mt->partstart, ((size_t)mt->nparts + 1) * sizeof *start);
	for (size_t i = 0; i < mt->nkeys; i++) {
		struct maptable_pair *pr =
		    &pairs[start[mt->keys[i].part]++];

		pr->prefix = mt->keys[i].prefix;
		pr->idx = i;
	}
	/* start[p] is now the end of partition p. */
	for (uint32_t p = 0; p < mt->nparts; p++) {
		size_t from = p > 0 ? start[p - 1] : 0;

		maptable_sort_qsort(mt, pairs + from, start[p] - from);
	}
	sorted = xmalloc(mt->capkeys * sizeof *sorted);
	for (size_t i = 0; i < mt->nkeys; i++)
		sorted[i] = mt->keys[pairs[i].idx];
	free(mt->keys);
	mt->keys = sorted;
	free(start);
	free(pairs);
}
