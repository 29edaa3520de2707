/*
 * maptable.c - records grouped by key in memory (see maptable.h): the
 * arena, the hash table, a key's values and the combiner's folding of
 * them, and draining the table when it is full. The record layout is
 * maptable_internal.h's; sums and sorting have files of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "keyhash.h"
#include "log.h"
#include "maptable_internal.h"
#include "sdk.h"

/* Walks one key's sum, or its block then its chain, for mr_values_next(). */
struct maptable_iter {
	const char	*arena;
	const uint8_t	*b, *bend;	/* block values not yet read */
	uint64_t	 at;		/* next chain node */
	char		 num[MAPTABLE_SUM_TEXT];	/* the sum as text */
	int		 numlen;	/* > 0 while the sum is unread */
};

void
maptable_grow(struct maptable *mt)
{
	size_t size = mt->tablesize != 0 ? mt->tablesize * 2 : 1024;
	struct maptable_slot *t = xcalloc(size, sizeof *t);

	for (size_t i = 0; i < mt->tablesize; i++) {
		const struct maptable_slot *sl = &mt->table[i];
		size_t j;

		if (sl->rec8 == 0)
			continue;
		j = sl->hash & (size - 1);
		while (t[j].rec8 != 0)
			j = (j + 1) & (size - 1);
		t[j] = *sl;
	}
	free(mt->table);
	mt->table = t;
	mt->tablesize = size;
}

/* Makes room for n more arena bytes (the budget is checked by the caller). */
void
maptable_reserve(struct maptable *mt, size_t n)
{
	size_t cap;

	if (mt->cap - mt->used >= n)
		return;
	cap = mt->cap != 0 ? mt->cap : 64 * 1024;
	while (cap - mt->used < n)
		cap *= 2;
	mt->arena = xrealloc(mt->arena, cap);
	mt->cap = cap;
}

static size_t
maptable_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Appends a value node to key k's chain; the arena has room. */
static void
maptable_append(struct maptable *mt, struct maptable_key *k,
    const void *value, size_t len)
{
	uint64_t off = mt->used, zero = 0, v = len;
	char *p = mt->arena + off;

	memcpy(p, &zero, 8);
	p += 8;
	while (v >= 0x80) {
		*p++ = (char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (char)v;
	if (len > 0)
		memcpy(p, value, len);
	mt->used = (size_t)(p - mt->arena) + len;
	if (k->tail != 0)
		memcpy(mt->arena + k->tail, &off, 8);
	else
		k->head = off;
	k->tail = off;
	k->nvalues++;
	if (mt->blocks)
		*maptable_block_state(mt, k->rec, k->keylen) |=
		    MAPTABLE_CHAINED;
}

static int
maptable_iter_next(void *ctx, const char **value, size_t *len)
{
	struct maptable_iter *it = ctx;
	const uint8_t *p;
	uint64_t next, v = 0;
	int shift = 0;

	if (it->numlen > 0) {
		*value = it->num;
		*len = (size_t)it->numlen;
		it->numlen = 0;
		return 1;
	}
	if (it->b < it->bend) {
		p = it->b;
		do {
			v |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		*value = (const char *)p;
		*len = v;
		it->b = p + v;
		return 1;
	}
	if (it->at == 0)
		return 0;
	p = (const uint8_t *)it->arena + it->at;
	memcpy(&next, p, 8);
	p += 8;
	do {
		v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80);
	*value = (const char *)p;
	*len = v;
	it->at = next;
	return 1;
}

/* Starts an iterator over key k's values: its block, then its chain. */
static void
maptable_iter_init(struct maptable_iter *it, const struct maptable *mt,
    const struct maptable_key *k)
{
	it->arena = mt->arena;
	it->b = it->bend = NULL;
	it->numlen = 0;
	if (mt->sum) {
		it->numlen = (int)maptable_sum_text(mt, k->rec, k->keylen,
		    it->num);
	} else if (mt->blocks) {
		const uint8_t *st = maptable_block_state(mt, k->rec, k->keylen);

		it->b = st + 1;
		it->bend = it->b + (*st & MAPTABLE_USED);
	}
	it->at = k->head;
}

/* Appends a value to a block; the caller checked that it fits. */
static inline void
maptable_block_add(uint8_t *st, const void *value, size_t len)
{
	uint8_t *p = st + 1 + (*st & MAPTABLE_USED), *start = p;
	uint64_t v = len;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	if (len > 0)
		memcpy(p, value, len);
	*st += (uint8_t)(p - start + len);
}

/* Collects what the combiner emits while a key's values are folded. */
static int
maptable_scratch_emit(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct maptable *mt = ctx;
	const struct maptable_key *k = mt->folding;

	/* Another key would land in the wrong place. */
	if (keylen != k->keylen || (keylen > 0 &&
	    memcmp(key, maptable_key_bytes(mt, k->rec), keylen) != 0)) {
		err_set(&mt->err, "combine emitted a key it was not given");
		mt->failed = 1;
		return -1;
	}
	if (mt->nscratch == mt->capscratch) {
		mt->capscratch = mt->capscratch != 0 ? mt->capscratch * 2 : 8;
		mt->scratchlen = xrealloc(mt->scratchlen,
		    mt->capscratch * sizeof *mt->scratchlen);
	}
	buf_add(&mt->scratch, value, valuelen);
	mt->scratchlen[mt->nscratch++] = valuelen;
	return 0;
}

/*
 * Folds key k's values with the combiner. The result goes back into the
 * block when it fits there, else into a fresh chain when the memory allows
 * (old nodes become garbage, reclaimed at the next drain); otherwise the
 * values stay as they are and the next drain folds them (its `full`
 * function writes them through the combiner).
 */
static int
maptable_fold(struct maptable *mt, struct maptable_key *k)
{
	mr_emitter out = { .emit = maptable_scratch_emit, .ctx = mt };
	struct maptable_iter it;
	mr_values values = { maptable_iter_next, &it, 0 };
	size_t blockneed = 0, need = 0, off = 0;
	uint8_t *st;

	buf_consume(&mt->scratch, buf_len(&mt->scratch));
	mt->nscratch = 0;
	mt->folding = k;
	maptable_iter_init(&it, mt, k);
	sdk_error_clear();
	if (mt->combine(&out, maptable_key_bytes(mt, k->rec), k->keylen,
	    &values) != 0 || mt->failed) {
		if (!mt->failed && sdk_error() != NULL)
			err_set(&mt->err, "combine: %s", sdk_error());
		else if (!mt->failed)
			err_set(&mt->err, "combine failed on a key of %u bytes",
			    k->keylen);
		mt->failed = 1;
		return -1;
	}
	for (size_t i = 0; i < mt->nscratch; i++) {
		blockneed += maptable_varint_len(mt->scratchlen[i]) +
		    mt->scratchlen[i];
		need += 8 + maptable_varint_len(mt->scratchlen[i]) +
		    mt->scratchlen[i];
	}
	if (blockneed > MAPTABLE_BLOCK &&
	    maptable_memory(mt) + need > mt->budget)
		return 0;
	maptable_reserve(mt, blockneed > MAPTABLE_BLOCK ? need : 0);
	st = maptable_block_state(mt, k->rec, k->keylen);
	*st = 0;
	k->head = k->tail = 0;
	k->nvalues = 0;
	for (size_t i = 0; i < mt->nscratch; i++) {
		if (blockneed <= MAPTABLE_BLOCK)
			maptable_block_add(st, buf_head(&mt->scratch) + off,
			    mt->scratchlen[i]);
		else
			maptable_append(mt, k, buf_head(&mt->scratch) + off,
			    mt->scratchlen[i]);
		off += mt->scratchlen[i];
	}
	return 0;
}

/* Finds a key's slot, or the empty slot where it belongs (returns NULL). */
static inline struct maptable_slot *
maptable_find(struct maptable *mt, const char *key, size_t keylen,
    uint32_t h, uint64_t word, struct maptable_slot **empty)
{
	size_t i, mask = mt->tablesize - 1;
	struct maptable_slot *sl;
	const char *rec;
	uint32_t len;

	for (i = h & mask;; i = (i + 1) & mask) {
		sl = &mt->table[i];
		if (sl->rec8 == 0)
			break;
		if (sl->hash != h)
			continue;
		rec = mt->arena + (uint64_t)sl->rec8 * 8;
		memcpy(&len, rec + 4, 4);
		if (len != keylen || keyhash_word(rec + 8, keylen) != word)
			continue;
		if (keylen <= 8 ||
		    memcmp(rec + 16, key + 8, keylen - 8) == 0)
			return sl;
	}
	*empty = sl;
	return NULL;
}

/*
 * The application's partition of a key; one out of range fails the table
 * (the next emit fails) and is taken as 0 meanwhile.
 */
static uint32_t
maptable_partition(struct maptable *mt, const char *key, size_t keylen)
{
	uint32_t p = mt->partition(key, keylen, mt->nparts);

	if (p < mt->nparts)
		return p;
	if (!mt->failed) {
		err_set(&mt->err, "the partition function gave %u for a key "
		    "of %zu bytes, not below %u partitions", p, keylen,
		    mt->nparts);
		mt->failed = 1;
	}
	return 0;
}

void
maptable_set_partition(struct maptable *mt, mr_partition_fn fn)
{
	mt->partition = fn;
}

struct maptable_key *
maptable_add_key(struct maptable *mt, struct maptable_slot *sl,
    const char *key, size_t keylen, uint32_t h, uint64_t word)
{
	struct maptable_key *k;
	uint32_t idx = (uint32_t)mt->nkeys, len = (uint32_t)keylen;
	char *rec;

	if (mt->nkeys == mt->capkeys) {
		mt->capkeys = mt->capkeys != 0 ? mt->capkeys * 2 : 1024;
		mt->keys = xrealloc(mt->keys, mt->capkeys * sizeof *mt->keys);
	}
	mt->used = (mt->used + 7) & ~(size_t)7;
	k = &mt->keys[mt->nkeys++];
	memset(k, 0, sizeof *k);
	k->prefix = keyhash_prefix(word);
	k->rec = mt->used;
	k->keylen = len;
	k->part = mt->partition == NULL || mt->nparts == 1 ?
	    hash_partition(key, keylen, mt->nparts) :
	    maptable_partition(mt, key, keylen);
	rec = mt->arena + mt->used;
	memcpy(rec, &idx, 4);
	memcpy(rec + 4, &len, 4);
	if (keylen > 0)
		memcpy(rec + 8, key, keylen);
	rec[8 + keylen] = '\0';
	mt->used += 8 + keylen + 1;
	if (mt->blocks) {
		mt->arena[mt->used] = 0;
		mt->used += 1 + MAPTABLE_BLOCK;
	} else if (mt->sum) {
		mt->used = (mt->used + 7) & ~(size_t)7;
		memset(mt->arena + mt->used, 0, 8);
		mt->used += 8;
	}
	sl->hash = h;
	sl->rec8 = (uint32_t)(k->rec / 8);
	return k;
}

static int
maptable_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct maptable *mt = ctx;
	struct maptable_slot *sl, *empty = NULL;
	struct maptable_key *k;
	uint64_t word;
	uint32_t h, idx;
	size_t need, enc = maptable_varint_len(valuelen) + valuelen;
	uint8_t *st;

	if (mt->failed || mt->sorted || keylen > UINT32_MAX)
		return -1;
	word = keyhash_word(key, keylen);
	h = keyhash_hash(key, keylen, word);
	if ((mt->nkeys + 1) * 2 > mt->tablesize)
		maptable_grow(mt);
	sl = maptable_find(mt, key, keylen, h, word, &empty);
	if (sl != NULL && mt->blocks) {
		/* The common case: one more small value for a known key. */
		st = maptable_block_state(mt, (uint64_t)sl->rec8 * 8, keylen);
		if (!(*st & MAPTABLE_CHAINED) &&
		    (*st & MAPTABLE_USED) + enc <= MAPTABLE_BLOCK) {
			maptable_block_add(st, value, valuelen);
			mt->count++;
			return 0;
		}
	}
	need = 8 + 8 + enc + (sl == NULL ? maptable_key_size(mt, keylen) +
	    sizeof *k + 2 * sizeof *mt->table : 0);
	if (maptable_memory(mt) + need > mt->budget && mt->nkeys > 0) {
		/* Full: what is held is written out, start again. */
		if (maptable_drain(mt) == -1)
			return -1;
		return maptable_emit(ctx, key, keylen, value, valuelen);
	}
	maptable_reserve(mt, need);
	if (sl == NULL)
		k = maptable_add_key(mt, empty, key, keylen, h, word);
	else {
		memcpy(&idx, mt->arena + (uint64_t)sl->rec8 * 8, 4);
		k = &mt->keys[idx];
	}
	mt->count++;
	if (mt->blocks) {
		st = maptable_block_state(mt, k->rec, keylen);
		if (!(*st & MAPTABLE_CHAINED)) {
			/* The block is full: fold it, then try again. */
			if ((*st & MAPTABLE_USED) > 0 &&
			    maptable_fold(mt, k) == -1)
				return -1;
			st = maptable_block_state(mt, k->rec, keylen);
			if (!(*st & MAPTABLE_CHAINED) &&
			    (*st & MAPTABLE_USED) + enc <= MAPTABLE_BLOCK) {
				maptable_block_add(st, value, valuelen);
				return 0;
			}
			/* Too large for the block: values go to a chain. */
			maptable_reserve(mt, 8 + enc);
		}
	}
	maptable_append(mt, k, value, valuelen);
	if (mt->blocks && k->nvalues >= MAPTABLE_BATCH)
		return maptable_fold(mt, k);
	return 0;
}

struct maptable *
maptable_new(uint32_t nparts, mr_reduce_fn combine, size_t budget,
    maptable_full_fn full, void *arg)
{
	struct maptable *mt = xcalloc(1, sizeof *mt);

	mt->nparts = nparts;
	mt->partstart = xcalloc((size_t)nparts + 1, sizeof *mt->partstart);
	mt->combine = combine;
	mt->sum = combine == mr_combine_sum;
	mt->blocks = combine != NULL && !mt->sum;
	mt->budget = budget;
	mt->full = full;
	mt->full_arg = arg;
	maptable_reserve(mt, 8);
	mt->used = 8;		/* offset 0 means "no node" */
	mt->emitter.emit = mt->sum ? maptable_sum_emit : maptable_emit;
	if (mt->sum)
		mt->emitter.emit_words = maptable_sum_emit_words;
	mt->emitter.ctx = mt;
	return mt;
}

mr_emitter *
maptable_emitter(struct maptable *mt)
{
	return &mt->emitter;
}

int
maptable_error(const struct maptable *mt, struct err *e)
{
	if (mt->failed)
		*e = mt->err;
	return mt->failed;
}

uint64_t
maptable_count(const struct maptable *mt)
{
	return mt->count;
}

size_t
maptable_keys(const struct maptable *mt)
{
	return mt->nkeys;
}

int
maptable_sums(const struct maptable *mt)
{
	return mt->sum;
}


int
maptable_foreach_group(struct maptable *mt, uint32_t part,
    maptable_group_fn fn, void *arg)
{
	struct maptable_iter it;
	mr_values values;
	size_t i;

	/* Keys are sorted by partition first. */
	if (part >= mt->nparts)
		return 0;
	for (i = mt->partstart[part]; i < mt->partstart[part + 1]; i++) {
		struct maptable_key *k = &mt->keys[i];

		maptable_iter_init(&it, mt, k);
		values.next = maptable_iter_next;
		values.ctx = &it;
		values.failed = 0;
		if (fn(arg, maptable_key_bytes(mt, k->rec), k->keylen,
		    &values) == -1)
			return -1;
	}
	return 0;
}

/*
 * Whether key a sorts before key b: bytewise, a shorter key before those
 * it starts (their prefixes are their first 8 bytes, big-endian, 0-padded).
 */
static int
maptable_key_before(const struct maptable *mt, const struct maptable_key *a,
    const struct maptable_key *b)
{
	size_t n;
	int c;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix;
	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	c = n > 0 ? memcmp(maptable_key_bytes(mt, a->rec),
	    maptable_key_bytes(mt, b->rec), n) : 0;
	if (c != 0)
		return c < 0;
	return a->keylen < b->keylen;
}

/* Moves heap[i] down the heap of n partitions, ordered by their next key. */
static void
maptable_heap_down(const struct maptable *mt, uint32_t *heap, size_t n,
    size_t i, const size_t *next)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint32_t t;

		if (l < n && maptable_key_before(mt, &mt->keys[next[heap[l]]],
		    &mt->keys[next[heap[m]]]))
			m = l;
		if (l + 1 < n && maptable_key_before(mt,
		    &mt->keys[next[heap[l + 1]]], &mt->keys[next[heap[m]]]))
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

int
maptable_foreach_group_all(struct maptable *mt, maptable_group_fn fn,
    void *arg)
{
	struct maptable_iter it;
	mr_values values;
	size_t *next, n = 0;
	uint32_t *heap;
	int rc = 0;

	next = xcalloc((size_t)mt->nparts + 1, sizeof *next);
	heap = xcalloc((size_t)mt->nparts + 1, sizeof *heap);
	/* Each partition is sorted: a merge of them by their next key. */
	for (uint32_t p = 0; p < mt->nparts; p++) {
		next[p] = mt->partstart[p];
		if (next[p] < mt->partstart[p + 1])
			heap[n++] = p;
	}
	for (size_t i = n; i-- > 0; )
		maptable_heap_down(mt, heap, n, i, next);
	while (n > 0 && rc == 0) {
		uint32_t p = heap[0];
		struct maptable_key *k = &mt->keys[next[p]++];

		maptable_iter_init(&it, mt, k);
		values.next = maptable_iter_next;
		values.ctx = &it;
		values.failed = 0;
		if (fn(arg, maptable_key_bytes(mt, k->rec), k->keylen,
		    &values) == -1)
			rc = -1;
		if (next[p] == mt->partstart[p + 1])
			heap[0] = heap[--n];
		maptable_heap_down(mt, heap, n, 0, next);
	}
	free(next);
	free(heap);
	return rc;
}

/* Forgets the keys and values held (after a drain). */
static void
maptable_reset(struct maptable *mt)
{
	mt->used = 8;
	mt->nkeys = 0;
	if (mt->table != NULL)
		memset(mt->table, 0, mt->tablesize * sizeof *mt->table);
	mt->sorted = 0;
}

int
maptable_drain(struct maptable *mt)
{
	maptable_sort(mt);
	if (mt->full == NULL) {
		err_set(&mt->err, "map output: %zu bytes of memory are full",
		    mt->budget);
		mt->failed = 1;
		return -1;
	}
	if (mt->full(mt->full_arg, mt, &mt->err) == -1) {
		mt->failed = 1;
		return -1;
	}
	maptable_reset(mt);
	return 0;
}

void
maptable_clear(struct maptable *mt)
{
	maptable_reset(mt);
	mt->count = 0;
	mt->failed = 0;
}

void
maptable_free(struct maptable *mt)
{
	if (mt == NULL)
		return;
	free(mt->partstart);
	free(mt->keys);
	free(mt->table);
	free(mt->arena);
	buf_free(&mt->scratch);
	free(mt->scratchlen);
	free(mt);
}
