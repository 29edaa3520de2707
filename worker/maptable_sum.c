/*
 * maptable_sum.c - a map table whose combiner is the SDK's mr_combine_sum
 * (see maptable.h): each key's record ends in a 64-bit sum that emitting a
 * decimal value adds to natively, with no call into the plugin, and
 * mr_emit_words() splits and counts words in one loop, the hot loop of a
 * word count.
 */
#include <string.h>

#include "keyhash.h"
#include "maptable_internal.h"
#include "sdk.h"
#include "words.h"

/*
 * The sum of a key in the table (mr_combine_sum), or NULL with *empty set
 * to the slot where it belongs; `avail` bytes can be read at key. Sum
 * records keep at least 8 bytes after the key's start (the key's NUL and
 * the sum follow it), so the stored key's first word is one load too.
 */
static inline __attribute__((always_inline)) char *
maptable_sum_find(const struct maptable *mt, const char *key, size_t keylen,
    size_t avail, uint32_t h, uint64_t word, struct maptable_slot **empty)
{
	struct maptable_slot *table = mt->table, *sl;
	const char *arena = mt->arena, *rec;
	size_t i, mask = mt->tablesize - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		sl = &table[i];
		if (sl->rec8 == 0) {
			*empty = sl;
			return NULL;
		}
		if (sl->hash != h)
			continue;
		rec = arena + (uint64_t)sl->rec8 * 8;
		if (keyhash_load32(rec + 4) != keylen ||
		    keyhash_word8(rec + 8, keylen) != word)
			continue;
		if (keylen <= 8)
			return maptable_sum_at(mt, (uint64_t)sl->rec8 * 8,
			    keylen);
		/*
		 * Keys of 9 to 16 bytes: one more word each side (the sum
		 * follows the stored key, avail says the other can be read).
		 */
		if (keylen <= 16 && avail >= 16) {
			if (keyhash_word8(rec + 16, keylen - 8) ==
			    keyhash_word8(key + 8, keylen - 8))
				return maptable_sum_at(mt,
				    (uint64_t)sl->rec8 * 8, keylen);
			continue;
		}
		if (memcmp(rec + 16, key + 8, keylen - 8) == 0)
			return maptable_sum_at(mt, (uint64_t)sl->rec8 * 8,
			    keylen);
	}
}

/*
 * Adds a key with a zero sum at its empty slot (from maptable_sum_find);
 * drains the table first when the budget is reached, grows the table when
 * half full. Returns its sum, or NULL.
 */
static __attribute__((noinline)) char *
maptable_sum_insert(struct maptable *mt, const char *key, size_t keylen,
    uint32_t h, uint64_t word, struct maptable_slot *empty)
{
	struct maptable_key *k;
	size_t need = maptable_key_size(mt, keylen) + sizeof *k +
	    2 * sizeof *mt->table;

	/* Lengths are kept in 32 bits; a longer key is never found either. */
	if (keylen > UINT32_MAX)
		return NULL;
	if (maptable_memory(mt) + need > mt->budget && mt->nkeys > 0) {
		/* Full: what is held is written out, start again. */
		if (maptable_drain(mt) == -1)
			return NULL;
		(void)maptable_sum_find(mt, key, keylen, keylen, h, word,
		    &empty);
	}
	if ((mt->nkeys + 1) * 2 > mt->tablesize) {
		maptable_grow(mt);
		(void)maptable_sum_find(mt, key, keylen, keylen, h, word,
		    &empty);
	}
	maptable_reserve(mt, need);
	k = maptable_add_key(mt, empty, key, keylen, h, word);
	return maptable_sum_at(mt, k->rec, keylen);
}

/* Adds n to the sum at p; fails the output when it overflows. */
static inline int
maptable_sum_add(struct maptable *mt, char *p, uint64_t n)
{
	uint64_t sum;

	memcpy(&sum, p, 8);
	if (n > UINT64_MAX - sum) {
		err_set(&mt->err, "mr_combine_sum: the sum overflows");
		mt->failed = 1;
		return -1;
	}
	sum += n;
	memcpy(p, &sum, 8);
	return 0;
}

/* Adds n to a key's sum (mr_combine_sum), adding the key if new. */
static int
maptable_sum_key(struct maptable *mt, const char *key, size_t keylen,
    uint64_t n)
{
	struct maptable_slot *empty;
	uint64_t word = keyhash_word(key, keylen);
	uint32_t h = keyhash_hash(key, keylen, word);
	char *p;

	if (mt->tablesize == 0)
		maptable_grow(mt);
	p = maptable_sum_find(mt, key, keylen, keylen, h, word, &empty);
	if (p == NULL &&
	    (p = maptable_sum_insert(mt, key, keylen, h, word, empty)) == NULL)
		return -1;
	if (maptable_sum_add(mt, p, n) == -1)
		return -1;
	mt->count++;
	return 0;
}

/* A value for mr_combine_sum: decimal digits, else the map output fails. */
static int
maptable_sum_value(struct maptable *mt, const char *value, size_t valuelen,
    uint64_t *n)
{
	if (valuelen == 1 && (unsigned)(value[0] - '0') < 10) {
		*n = (uint64_t)(value[0] - '0');
		return 0;
	}
	if (mr_parse_u64(value, valuelen, n) == 0)
		return 0;
	err_set(&mt->err, "mr_combine_sum: a value of %zu bytes is not a "
	    "decimal number", valuelen);
	mt->failed = 1;
	return -1;
}

int
maptable_sum_emit(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct maptable *mt = ctx;
	uint64_t n;

	if (mt->failed || mt->sorted || keylen > UINT32_MAX)
		return -1;
	if (maptable_sum_value(mt, value, valuelen, &n) == -1)
		return -1;
	return maptable_sum_key(mt, key, keylen, n);
}

/*
 * mr_emit_words(): words are split and counted in one loop, the hot loop
 * of a word count. (Other tables leave it to the SDK's loop over their
 * emit.)
 */
int64_t
maptable_sum_emit_words(void *ctx, const char *data, size_t len,
    const void *value, size_t valuelen)
{
	struct maptable *mt = ctx;
	const char *word;
	size_t pos = 0, wlen;
	int64_t count = 0;
	uint64_t n;

	if (mt->failed || mt->sorted)
		return -1;
	if (maptable_sum_value(mt, value, valuelen, &n) == -1)
		return -1;
	if (mt->tablesize == 0)
		maptable_grow(mt);
	while (words_next(data, len, &pos, &word, &wlen)) {
		struct maptable_slot *empty;
		size_t avail = len - (size_t)(word - data);
		uint64_t w;
		uint32_t h;
		char *p;

		w = avail >= 8 ? keyhash_word8(word, wlen) :
		    keyhash_word(word, wlen);
		h = keyhash_hash(word, wlen, w);
		p = maptable_sum_find(mt, word, wlen, avail, h, w, &empty);
		if (__builtin_expect(p == NULL, 0) &&
		    (p = maptable_sum_insert(mt, word, wlen, h, w,
		    empty)) == NULL)
			return -1;
		if (maptable_sum_add(mt, p, n) == -1)
			return -1;
		count++;
	}
	mt->count += (uint64_t)count;
	return count;
}

size_t
maptable_sum_text(const struct maptable *mt, uint64_t rec, size_t keylen,
    char *buf)
{
	char digits[MAPTABLE_SUM_TEXT];
	size_t len = 0;
	uint64_t n;

	/* Written backwards, then copied in order. */
	memcpy(&n, maptable_sum_at(mt, rec, keylen), 8);
	do {
		digits[sizeof digits - ++len] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	memcpy(buf, digits + sizeof digits - len, len);
	return len;
}

int
maptable_sum_foreach(struct maptable *mt, uint32_t part, maptable_sum_fn fn,
    void *arg)
{
	size_t i;

	if (part >= mt->nparts)
		return 0;
	for (i = mt->partstart[part]; i < mt->partstart[part + 1]; i++) {
		const struct maptable_key *k = &mt->keys[i];
		char num[MAPTABLE_SUM_TEXT];
		size_t len = maptable_sum_text(mt, k->rec, k->keylen, num);

		if (fn(arg, maptable_key_bytes(mt, k->rec), k->keylen, num,
		    len) == -1)
			return -1;
	}
	return 0;
}
