/*
 * mapout.c - map output grouped by key in a hash table, sorted at the end.
 *
 * Keys and values live in one arena. A key is a record at an 8-byte
 * boundary: its index in the keys array, its length, its bytes and a NUL;
 * with a combiner, a state byte and a block of MAPOUT_BLOCK bytes follow,
 * where the key's small values go (varint length, bytes, ...) and are
 * folded by the combiner in place when the block fills. Other values are
 * nodes of a chain (offset of the next node, varint length, bytes).
 *
 * With the SDK's own summing combiner (mr_combine_sum), a key's record ends
 * in a 64-bit sum instead, and emitting a decimal value just adds it: no
 * call into the plugin at all.
 *
 * The hash table holds, per key, its hash and where its record is, in 8
 * bytes: a lookup reads one slot and the record, whose key bytes,
 * state and block share a cache line or two for a word, so the common emit
 * (one more small value for a known key) touches little memory. Each distinct key also
 * has an entry in the keys array (partition, chain, ...) for the slow paths
 * and for sorting; only distinct keys are ever sorted, which for text is a
 * small fraction of the records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "groups.h"
#include "hash.h"
#include "kvfile.h"
#include "log.h"
#include "mapout.h"
#include "merge.h"
#include "safefile.h"
#include "sdk.h"
#include "spill.h"
#include "words.h"

/* Values of one chained key folded by the combiner at a time. */
#define MAPOUT_BATCH 32

/* Bytes of a key's block of small values (with a combiner). */
#define MAPOUT_BLOCK 56

/* The block's state byte: bytes used, and whether values also chain. */
#define MAPOUT_CHAINED 0x80
#define MAPOUT_USED 0x7f

struct mapout_key {
	uint64_t	 prefix;	/* first 8 key bytes, big-endian, 0-padded */
	uint64_t	 rec;		/* arena offset of the key's record */
	uint64_t	 head, tail;	/* value chain, arena offsets (0: none) */
	uint32_t	 keylen;
	uint32_t	 part;
	uint32_t	 nvalues;	/* in the chain */
};

struct mapout_slot {
	uint32_t	 hash;		/* kept, so that growing never rehashes */
	uint32_t	 rec8;		/* record offset / 8; 0: empty slot */
};

struct mapout {
	uint32_t	 nparts;
	mr_reduce_fn	 combine;	/* folds values as they come, or NULL */
	int		 blocks;	/* records have a state byte and a block */
	int		 sum;		/* records end in a sum (mr_combine_sum) */
	size_t		 budget;	/* SIZE_MAX when unbounded */

	char		*arena;		/* offset 0 unused: 0 means "none" */
	size_t		 used, cap;

	struct mapout_key *keys;
	size_t		 nkeys, capkeys;
	struct mapout_slot *table;
	size_t		 tablesize;	/* power of two */
	int		 sorted;	/* keys sorted: the table is stale */
	size_t		*partstart;	/* once sorted: partition p's keys are
					   keys[partstart[p] .. partstart[p+1]) */

	uint64_t	 count;
	unsigned	 nruns;		/* spilled runs */
	unsigned	 id;		/* names this mapout's run files */
	uint64_t	 job;		/* written in every file (kvfile.h) */
	int		 failed;
	struct err	 err;
	mr_emitter	 emitter;

	const struct mapout_key *folding;	/* key being folded */
	struct buf	 scratch;	/* combiner output while folding */
	size_t		*scratchlen;
	size_t		 nscratch, capscratch;
};

/* Walks one key's sum, or its block then its chain, for mr_values_next(). */
struct mapout_iter {
	const char	*arena;
	const uint8_t	*b, *bend;	/* block values not yet read */
	uint64_t	 at;		/* next chain node */
	char		 num[24];	/* the sum as text */
	int		 numlen;	/* > 0 while the sum is unread */
};

static unsigned mapout_ids;

static inline uint32_t
mapout_load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * The first min(len, 8) bytes of key as a little-endian word, zero-padded:
 * whole loads (two overlapping ones for 4 to 7 bytes) rather than a byte
 * copy, which stalls the load that follows it, and never a byte past len.
 */
static inline uint64_t
mapout_word(const char *key, size_t len)
{
	const uint8_t *p = (const uint8_t *)key;
	uint64_t w;

	if (len >= 8) {
		memcpy(&w, key, 8);
		return w;
	}
	if (len >= 4)
		return mapout_load32(key) |
		    (uint64_t)mapout_load32(key + len - 4) << (8 * (len - 4));
	if (len == 0)
		return 0;
	return p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
	    (uint64_t)p[len - 1] << (8 * (len - 1));
}

/* The first 8 key bytes as a big-endian number, for sorting. */
static inline uint64_t
mapout_prefix_of(uint64_t word)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(word);
#else
	return word;
#endif
}

/* The two halves of a 64 x 64 bit product folded: a strong one-step mix. */
static inline uint64_t
mapout_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A fast table hash of a key whose first eight bytes are `word`; the
 * partition uses the lab's FNV-1a separately, once per distinct key. One
 * folded multiply per 8 key bytes (wyhash's mixing), so every bit of the
 * result depends on every bit of the key.
 */
static inline __attribute__((always_inline)) uint32_t
mapout_hash(const char *key, size_t len, uint64_t word)
{
	uint64_t h = mapout_mum(word ^ 0xa0761d6478bd642full,
	    len ^ 0xe7037ed1a0b428dbull), w;

	for (size_t i = 8; i < len; i += 8) {
		w = 0;
		memcpy(&w, key + i, len - i < 8 ? len - i : 8);
		h = mapout_mum(h ^ w, 0x8ebc6af09c88c6e3ull);
	}
	return (uint32_t)(h ^ h >> 32);
}

/* Key bytes of a record. */
static inline char *
mapout_key_bytes(const struct mapout *mo, uint64_t rec)
{
	return mo->arena + rec + 8;
}

/* The block's state byte of a record (with a combiner only). */
static inline uint8_t *
mapout_block_state(const struct mapout *mo, uint64_t rec, size_t keylen)
{
	return (uint8_t *)mo->arena + rec + 8 + keylen + 1;
}

/* The running sum of a record (mr_combine_sum only). */
static inline char *
mapout_sum(const struct mapout *mo, uint64_t rec, size_t keylen)
{
	return mo->arena + ((rec + 8 + keylen + 1 + 7) & ~(uint64_t)7);
}

/* Bytes of memory in use, as counted against the budget. */
static size_t
mapout_memory(const struct mapout *mo)
{
	return mo->used + mo->nkeys * sizeof *mo->keys +
	    mo->tablesize * sizeof *mo->table;
}

static void
mapout_table_grow(struct mapout *mo)
{
	size_t size = mo->tablesize != 0 ? mo->tablesize * 2 : 1024;
	struct mapout_slot *t = xcalloc(size, sizeof *t);

	for (size_t i = 0; i < mo->tablesize; i++) {
		const struct mapout_slot *sl = &mo->table[i];
		size_t j;

		if (sl->rec8 == 0)
			continue;
		j = sl->hash & (size - 1);
		while (t[j].rec8 != 0)
			j = (j + 1) & (size - 1);
		t[j] = *sl;
	}
	free(mo->table);
	mo->table = t;
	mo->tablesize = size;
}

/* Makes room for n more arena bytes (the budget is checked by the caller). */
static void
mapout_arena_reserve(struct mapout *mo, size_t n)
{
	size_t cap;

	if (mo->cap - mo->used >= n)
		return;
	cap = mo->cap != 0 ? mo->cap : 64 * 1024;
	while (cap - mo->used < n)
		cap *= 2;
	mo->arena = xrealloc(mo->arena, cap);
	mo->cap = cap;
}

static size_t
mapout_varint_len(uint64_t v)
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
mapout_append(struct mapout *mo, struct mapout_key *k, const void *value,
    size_t len)
{
	uint64_t off = mo->used, zero = 0, v = len;
	char *p = mo->arena + off;

	memcpy(p, &zero, 8);
	p += 8;
	while (v >= 0x80) {
		*p++ = (char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (char)v;
	if (len > 0)
		memcpy(p, value, len);
	mo->used = (size_t)(p - mo->arena) + len;
	if (k->tail != 0)
		memcpy(mo->arena + k->tail, &off, 8);
	else
		k->head = off;
	k->tail = off;
	k->nvalues++;
	if (mo->blocks)
		*mapout_block_state(mo, k->rec, k->keylen) |= MAPOUT_CHAINED;
}

static int
mapout_iter_next(void *ctx, const char **value, size_t *len)
{
	struct mapout_iter *it = ctx;
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
mapout_iter_init(struct mapout_iter *it, const struct mapout *mo,
    const struct mapout_key *k)
{
	it->arena = mo->arena;
	it->b = it->bend = NULL;
	it->numlen = 0;
	if (mo->sum) {
		uint64_t n;
		char *p = it->num + sizeof it->num;

		memcpy(&n, mapout_sum(mo, k->rec, k->keylen), 8);
		do {
			*--p = (char)('0' + n % 10);
			n /= 10;
		} while (n != 0);
		it->numlen = (int)(it->num + sizeof it->num - p);
		memmove(it->num, p, (size_t)it->numlen);
	} else if (mo->blocks) {
		const uint8_t *st = mapout_block_state(mo, k->rec, k->keylen);

		it->b = st + 1;
		it->bend = it->b + (*st & MAPOUT_USED);
	}
	it->at = k->head;
}

/* Appends a value to a block; the caller checked that it fits. */
static inline void
mapout_block_add(uint8_t *st, const void *value, size_t len)
{
	uint8_t *p = st + 1 + (*st & MAPOUT_USED), *start = p;
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
mapout_scratch_emit(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct mapout *mo = ctx;
	const struct mapout_key *k = mo->folding;

	/* Another key would land in the wrong place. */
	if (keylen != k->keylen || (keylen > 0 &&
	    memcmp(key, mapout_key_bytes(mo, k->rec), keylen) != 0)) {
		err_set(&mo->err, "combine emitted a key it was not given");
		mo->failed = 1;
		return -1;
	}
	if (mo->nscratch == mo->capscratch) {
		mo->capscratch = mo->capscratch != 0 ? mo->capscratch * 2 : 8;
		mo->scratchlen = xrealloc(mo->scratchlen,
		    mo->capscratch * sizeof *mo->scratchlen);
	}
	buf_add(&mo->scratch, value, valuelen);
	mo->scratchlen[mo->nscratch++] = valuelen;
	return 0;
}

/*
 * Folds key k's values with the combiner. The result goes back into the
 * block when it fits there, else into a fresh chain when the memory allows
 * (old nodes become garbage, reclaimed at the next spill); otherwise the
 * values stay as they are and the next spill folds them.
 */
static int
mapout_fold(struct mapout *mo, struct mapout_key *k)
{
	mr_emitter out = { .emit = mapout_scratch_emit, .ctx = mo };
	struct mapout_iter it;
	mr_values values = { mapout_iter_next, &it, 0 };
	size_t blockneed = 0, need = 0, off = 0;
	uint8_t *st;

	buf_consume(&mo->scratch, buf_len(&mo->scratch));
	mo->nscratch = 0;
	mo->folding = k;
	mapout_iter_init(&it, mo, k);
	if (mo->combine(&out, mapout_key_bytes(mo, k->rec), k->keylen,
	    &values) != 0 || mo->failed) {
		if (!mo->failed)
			err_set(&mo->err, "combine failed on a key of %u bytes",
			    k->keylen);
		mo->failed = 1;
		return -1;
	}
	for (size_t i = 0; i < mo->nscratch; i++) {
		blockneed += mapout_varint_len(mo->scratchlen[i]) +
		    mo->scratchlen[i];
		need += 8 + mapout_varint_len(mo->scratchlen[i]) +
		    mo->scratchlen[i];
	}
	if (blockneed > MAPOUT_BLOCK && mapout_memory(mo) + need > mo->budget)
		return 0;
	mapout_arena_reserve(mo, blockneed > MAPOUT_BLOCK ? need : 0);
	st = mapout_block_state(mo, k->rec, k->keylen);
	*st = 0;
	k->head = k->tail = 0;
	k->nvalues = 0;
	for (size_t i = 0; i < mo->nscratch; i++) {
		if (blockneed <= MAPOUT_BLOCK)
			mapout_block_add(st, buf_head(&mo->scratch) + off,
			    mo->scratchlen[i]);
		else
			mapout_append(mo, k, buf_head(&mo->scratch) + off,
			    mo->scratchlen[i]);
		off += mo->scratchlen[i];
	}
	return 0;
}

static int	mapout_spill(struct mapout *);

/* Finds a key's slot, or the empty slot where it belongs (returns NULL). */
static inline struct mapout_slot *
mapout_find(struct mapout *mo, const char *key, size_t keylen, uint32_t h,
    uint64_t word, struct mapout_slot **empty)
{
	size_t i, mask = mo->tablesize - 1;
	struct mapout_slot *sl;
	const char *rec;
	uint32_t len;

	for (i = h & mask;; i = (i + 1) & mask) {
		sl = &mo->table[i];
		if (sl->rec8 == 0)
			break;
		if (sl->hash != h)
			continue;
		rec = mo->arena + (uint64_t)sl->rec8 * 8;
		memcpy(&len, rec + 4, 4);
		if (len != keylen || mapout_word(rec + 8, keylen) != word)
			continue;
		if (keylen <= 8 ||
		    memcmp(rec + 16, key + 8, keylen - 8) == 0)
			return sl;
	}
	*empty = sl;
	return NULL;
}

/* Adds a key: its record in the arena (room was checked), its entry. */
static struct mapout_key *
mapout_add_key(struct mapout *mo, struct mapout_slot *sl, const char *key,
    size_t keylen, uint32_t h, uint64_t word)
{
	struct mapout_key *k;
	uint32_t idx = (uint32_t)mo->nkeys, len = (uint32_t)keylen;
	char *rec;

	if (mo->nkeys == mo->capkeys) {
		mo->capkeys = mo->capkeys != 0 ? mo->capkeys * 2 : 1024;
		mo->keys = xrealloc(mo->keys, mo->capkeys * sizeof *mo->keys);
	}
	mo->used = (mo->used + 7) & ~(size_t)7;
	k = &mo->keys[mo->nkeys++];
	memset(k, 0, sizeof *k);
	k->prefix = mapout_prefix_of(word);
	k->rec = mo->used;
	k->keylen = len;
	k->part = hash_partition(key, keylen, mo->nparts);
	rec = mo->arena + mo->used;
	memcpy(rec, &idx, 4);
	memcpy(rec + 4, &len, 4);
	if (keylen > 0)
		memcpy(rec + 8, key, keylen);
	rec[8 + keylen] = '\0';
	mo->used += 8 + keylen + 1;
	if (mo->blocks) {
		mo->arena[mo->used] = 0;
		mo->used += 1 + MAPOUT_BLOCK;
	} else if (mo->sum) {
		mo->used = (mo->used + 7) & ~(size_t)7;
		memset(mo->arena + mo->used, 0, 8);
		mo->used += 8;
	}
	sl->hash = h;
	sl->rec8 = (uint32_t)(k->rec / 8);
	return k;
}

/* Arena bytes a new key takes, besides its first value. */
static inline size_t
mapout_key_size(const struct mapout *mo, size_t keylen)
{
	return 7 + 8 + keylen + 1 + (mo->blocks ? 1 + MAPOUT_BLOCK : 0) +
	    (mo->sum ? 7 + 8 : 0);
}

static int	mapout_emit(void *, const void *, size_t, const void *, size_t);

/*
 * The first word of a key of len bytes (1 or more) at p when 8 bytes can be
 * read there: one load and a mask. Equal to mapout_word(p, len).
 */
static inline uint64_t
mapout_word8(const char *p, size_t len)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return len >= 8 ? w : w & ((1ull << (8 * len)) - 1);
}

/*
 * The sum of a key in the table (mr_combine_sum), or NULL with *empty set
 * to the slot where it belongs; `avail` bytes can be read at key. Sum
 * records keep at least 8 bytes after the key's start (the key's NUL and
 * the sum follow it), so the stored key's first word is one load too.
 */
static inline __attribute__((always_inline)) char *
mapout_sum_find(const struct mapout *mo, const char *key, size_t keylen,
    size_t avail, uint32_t h, uint64_t word, struct mapout_slot **empty)
{
	struct mapout_slot *table = mo->table, *sl;
	const char *arena = mo->arena, *rec;
	size_t i, mask = mo->tablesize - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		sl = &table[i];
		if (sl->rec8 == 0) {
			*empty = sl;
			return NULL;
		}
		if (sl->hash != h)
			continue;
		rec = arena + (uint64_t)sl->rec8 * 8;
		if (mapout_load32(rec + 4) != keylen ||
		    mapout_word8(rec + 8, keylen) != word)
			continue;
		if (keylen <= 8)
			return mapout_sum(mo, (uint64_t)sl->rec8 * 8, keylen);
		/*
		 * Keys of 9 to 16 bytes: one more word each side (the sum
		 * follows the stored key, avail says the other can be read).
		 */
		if (keylen <= 16 && avail >= 16) {
			if (mapout_word8(rec + 16, keylen - 8) ==
			    mapout_word8(key + 8, keylen - 8))
				return mapout_sum(mo, (uint64_t)sl->rec8 * 8,
				    keylen);
			continue;
		}
		if (memcmp(rec + 16, key + 8, keylen - 8) == 0)
			return mapout_sum(mo, (uint64_t)sl->rec8 * 8, keylen);
	}
}

/*
 * Adds a key with a zero sum at its empty slot (from mapout_sum_find);
 * spills first when the budget is reached, grows the table when half
 * full. Returns its sum, or NULL.
 */
static __attribute__((noinline)) char *
mapout_sum_insert(struct mapout *mo, const char *key, size_t keylen,
    uint32_t h, uint64_t word, struct mapout_slot *empty)
{
	struct mapout_key *k;
	size_t need = mapout_key_size(mo, keylen) + sizeof *k +
	    2 * sizeof *mo->table;

	/* Lengths are kept in 32 bits; a longer key is never found either. */
	if (keylen > UINT32_MAX)
		return NULL;
	if (mapout_memory(mo) + need > mo->budget && mo->nkeys > 0) {
		/* Full: write what is held as a run, start again. */
		if (mapout_spill(mo) == -1)
			return NULL;
		(void)mapout_sum_find(mo, key, keylen, keylen, h, word, &empty);
	}
	if ((mo->nkeys + 1) * 2 > mo->tablesize) {
		mapout_table_grow(mo);
		(void)mapout_sum_find(mo, key, keylen, keylen, h, word, &empty);
	}
	mapout_arena_reserve(mo, need);
	k = mapout_add_key(mo, empty, key, keylen, h, word);
	return mapout_sum(mo, k->rec, keylen);
}

/* Adds n to the sum at p; fails the output when it overflows. */
static inline int
mapout_sum_add(struct mapout *mo, char *p, uint64_t n)
{
	uint64_t sum;

	memcpy(&sum, p, 8);
	if (n > UINT64_MAX - sum) {
		err_set(&mo->err, "mr_combine_sum: the sum overflows");
		mo->failed = 1;
		return -1;
	}
	sum += n;
	memcpy(p, &sum, 8);
	return 0;
}

/* Adds n to a key's sum (mr_combine_sum), adding the key if new. */
static int
mapout_add_sum(struct mapout *mo, const char *key, size_t keylen, uint64_t n)
{
	struct mapout_slot *empty;
	uint64_t word = mapout_word(key, keylen);
	uint32_t h = mapout_hash(key, keylen, word);
	char *p;

	if (mo->tablesize == 0)
		mapout_table_grow(mo);
	p = mapout_sum_find(mo, key, keylen, keylen, h, word, &empty);
	if (p == NULL &&
	    (p = mapout_sum_insert(mo, key, keylen, h, word, empty)) == NULL)
		return -1;
	if (mapout_sum_add(mo, p, n) == -1)
		return -1;
	mo->count++;
	return 0;
}

/* A value for mr_combine_sum: decimal digits, else the map output fails. */
static int
mapout_sum_value(struct mapout *mo, const char *value, size_t valuelen,
    uint64_t *n)
{
	if (valuelen == 1 && (unsigned)(value[0] - '0') < 10) {
		*n = (uint64_t)(value[0] - '0');
		return 0;
	}
	if (mr_parse_u64(value, valuelen, n) == 0)
		return 0;
	err_set(&mo->err, "mr_combine_sum: a value of %zu bytes is not a "
	    "decimal number", valuelen);
	mo->failed = 1;
	return -1;
}

static int
mapout_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct mapout *mo = ctx;
	struct mapout_slot *sl, *empty = NULL;
	struct mapout_key *k;
	uint64_t word;
	uint32_t h, idx;
	size_t need, enc = mapout_varint_len(valuelen) + valuelen;
	uint8_t *st;

	if (mo->failed || mo->sorted || keylen > UINT32_MAX)
		return -1;
	if (mo->sum) {
		uint64_t n;

		if (mapout_sum_value(mo, value, valuelen, &n) == -1)
			return -1;
		return mapout_add_sum(mo, key, keylen, n);
	}
	word = mapout_word(key, keylen);
	h = mapout_hash(key, keylen, word);
	if ((mo->nkeys + 1) * 2 > mo->tablesize)
		mapout_table_grow(mo);
	sl = mapout_find(mo, key, keylen, h, word, &empty);
	if (sl != NULL && mo->blocks) {
		/* The common case: one more small value for a known key. */
		st = mapout_block_state(mo, (uint64_t)sl->rec8 * 8, keylen);
		if (!(*st & MAPOUT_CHAINED) &&
		    (*st & MAPOUT_USED) + enc <= MAPOUT_BLOCK) {
			mapout_block_add(st, value, valuelen);
			mo->count++;
			return 0;
		}
	}
	need = 8 + 8 + enc + (sl == NULL ? mapout_key_size(mo, keylen) +
	    sizeof *k + 2 * sizeof *mo->table : 0);
	if (mapout_memory(mo) + need > mo->budget && mo->nkeys > 0) {
		/* Full: write what is held as a run and start again. */
		if (mapout_spill(mo) == -1)
			return -1;
		return mapout_emit(ctx, key, keylen, value, valuelen);
	}
	mapout_arena_reserve(mo, need);
	if (sl == NULL)
		k = mapout_add_key(mo, empty, key, keylen, h, word);
	else {
		memcpy(&idx, mo->arena + (uint64_t)sl->rec8 * 8, 4);
		k = &mo->keys[idx];
	}
	mo->count++;
	if (mo->blocks) {
		st = mapout_block_state(mo, k->rec, keylen);
		if (!(*st & MAPOUT_CHAINED)) {
			/* The block is full: fold it, then try again. */
			if ((*st & MAPOUT_USED) > 0 && mapout_fold(mo, k) == -1)
				return -1;
			st = mapout_block_state(mo, k->rec, keylen);
			if (!(*st & MAPOUT_CHAINED) &&
			    (*st & MAPOUT_USED) + enc <= MAPOUT_BLOCK) {
				mapout_block_add(st, value, valuelen);
				return 0;
			}
			/* Too large for the block: values go to a chain. */
			mapout_arena_reserve(mo, 8 + enc);
		}
	}
	mapout_append(mo, k, value, valuelen);
	if (mo->blocks && k->nvalues >= MAPOUT_BATCH)
		return mapout_fold(mo, k);
	return 0;
}

/*
 * mr_emit_words() with mr_combine_sum: words are split and counted in one
 * loop, the hot loop of a word count. (Other map outputs leave it to the
 * SDK's loop over mapout_emit().)
 */
static int64_t
mapout_emit_words(void *ctx, const char *data, size_t len, const void *value,
    size_t valuelen)
{
	struct mapout *mo = ctx;
	const char *word;
	size_t pos = 0, wlen;
	int64_t count = 0;
	uint64_t n;

	if (mo->failed || mo->sorted)
		return -1;
	if (mapout_sum_value(mo, value, valuelen, &n) == -1)
		return -1;
	if (mo->tablesize == 0)
		mapout_table_grow(mo);
	while (words_next(data, len, &pos, &word, &wlen)) {
		struct mapout_slot *empty;
		size_t avail = len - (size_t)(word - data);
		uint64_t w;
		uint32_t h;
		char *p;

		w = avail >= 8 ? mapout_word8(word, wlen) :
		    mapout_word(word, wlen);
		h = mapout_hash(word, wlen, w);
		p = mapout_sum_find(mo, word, wlen, avail, h, w, &empty);
		if (__builtin_expect(p == NULL, 0) && (p = mapout_sum_insert(mo,
		    word, wlen, h, w, empty)) == NULL)
			return -1;
		if (mapout_sum_add(mo, p, n) == -1)
			return -1;
		count++;
	}
	mo->count += (uint64_t)count;
	return count;
}

static struct mapout *
mapout_alloc(uint32_t nparts, mr_reduce_fn combine, size_t budget)
{
	struct mapout *mo = xcalloc(1, sizeof *mo);

	mo->nparts = nparts;
	mo->partstart = xcalloc((size_t)nparts + 1, sizeof *mo->partstart);
	mo->combine = combine;
	mo->sum = combine == mr_combine_sum;
	mo->blocks = combine != NULL && !mo->sum;
	mo->budget = budget;
	mapout_arena_reserve(mo, 8);
	mo->used = 8;		/* offset 0 means "no node" */
	mo->id = mapout_ids++;
	mo->emitter.emit = mapout_emit;
	if (mo->sum)
		mo->emitter.emit_words = mapout_emit_words;
	mo->emitter.ctx = mo;
	return mo;
}

struct mapout *
mapout_new(uint32_t nparts)
{
	return mapout_alloc(nparts, NULL, SIZE_MAX);
}

struct mapout *
mapout_new_bounded(uint32_t nparts, mr_reduce_fn combine, size_t budget)
{
	return mapout_alloc(nparts, combine, budget);
}

static void	mapout_reset(struct mapout *);

/* Removes the runs spilled so far. */
static void
mapout_remove_runs(struct mapout *mo)
{
	char name[96];

	for (unsigned r = 0; r < mo->nruns; r++)
		for (uint32_t p = 0; p < mo->nparts; p++) {
			spill_name(mo->id, r, p, name, sizeof name);
			unlink(name);
		}
	mo->nruns = 0;
}

struct mapout *
mapout_renew(struct mapout *old, uint32_t nparts, mr_reduce_fn combine,
    size_t budget)
{
	if (old == NULL || old->nparts != nparts || old->combine != combine ||
	    old->budget != budget) {
		mapout_free(old);
		return mapout_new_bounded(nparts, combine, budget);
	}
	mapout_remove_runs(old);
	mapout_reset(old);
	old->count = 0;
	old->failed = 0;
	old->id = mapout_ids++;
	return old;
}

void
mapout_set_job(struct mapout *mo, uint64_t job)
{
	mo->job = job;
}

mr_emitter *
mapout_emitter(struct mapout *mo)
{
	return &mo->emitter;
}

int
mapout_error(const struct mapout *mo, struct err *e)
{
	if (mo->failed)
		*e = mo->err;
	return mo->failed;
}

uint64_t
mapout_count(const struct mapout *mo)
{
	return mo->count;
}

unsigned
mapout_spills(const struct mapout *mo)
{
	return mo->nruns;
}

/* What the sort moves: a key's first 8 bytes and its index. */
struct mapout_pair {
	uint64_t	 prefix;
	uint64_t	 idx;
};

/* Key order of two keys of one partition: < 0, 0 or > 0. */
static inline int
mapout_cmp(const struct mapout *mo, const struct mapout_pair *x,
    const struct mapout_pair *y)
{
	const struct mapout_key *a, *b;
	size_t n;
	int c;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	a = &mo->keys[x->idx];
	b = &mo->keys[y->idx];
	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	if (n > 8) {
		c = memcmp(mo->arena + a->rec + 16, mo->arena + b->rec + 16,
		    n - 8);
		if (c != 0)
			return c;
	}
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

static inline void
mapout_swap(struct mapout_pair *a, struct mapout_pair *b)
{
	struct mapout_pair t = *a;

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
mapout_qsort(const struct mapout *mo, struct mapout_pair *v, size_t n)
{
	while (n > 16) {
		struct mapout_pair *lo = v, *hi = v + n - 1, *mid = v + n / 2;
		struct mapout_pair pivot;
		size_t i, j;

		/* Median of three, left in *mid. */
		if (mapout_cmp(mo, mid, lo) < 0)
			mapout_swap(mid, lo);
		if (mapout_cmp(mo, hi, mid) < 0) {
			mapout_swap(hi, mid);
			if (mapout_cmp(mo, mid, lo) < 0)
				mapout_swap(mid, lo);
		}
		pivot = *mid;
		i = 0;
		j = n - 1;
		for (;;) {
			while (mapout_cmp(mo, &v[i], &pivot) < 0)
				i++;
			while (mapout_cmp(mo, &pivot, &v[j]) < 0)
				j--;
			if (i >= j)
				break;
			mapout_swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* v[0..j] <= pivot <= v[j+1..n) */
		if (j + 1 < n - j - 1) {
			mapout_qsort(mo, v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			mapout_qsort(mo, v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct mapout_pair t = v[i];
		size_t j = i;

		while (j > 0 && mapout_cmp(mo, &t, &v[j - 1]) < 0) {
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
mapout_sort(struct mapout *mo)
{
	struct mapout_pair *pairs;
	struct mapout_key *sorted;
	size_t *start;

	if (mo->sorted)
		return;
	/* Where each partition's keys start, kept for the walks. */
	start = mo->partstart;
	memset(start, 0, ((size_t)mo->nparts + 1) * sizeof *start);
	for (size_t i = 0; i < mo->nkeys; i++)
		start[mo->keys[i].part + 1]++;
	for (uint32_t p = 0; p < mo->nparts; p++)
		start[p + 1] += start[p];
	mo->sorted = 1;
	if (mo->nkeys < 2)
		return;
	pairs = xmalloc(mo->nkeys * sizeof *pairs);
	start = xmalloc(((size_t)mo->nparts + 1) * sizeof *start);
	memcpy(start, mo->partstart, ((size_t)mo->nparts + 1) * sizeof *start);
	for (size_t i = 0; i < mo->nkeys; i++) {
		struct mapout_pair *pr = &pairs[start[mo->keys[i].part]++];

		pr->prefix = mo->keys[i].prefix;
		pr->idx = i;
	}
	/* start[p] is now the end of partition p. */
	for (uint32_t p = 0; p < mo->nparts; p++) {
		size_t from = p > 0 ? start[p - 1] : 0;

		mapout_qsort(mo, pairs + from, start[p] - from);
	}
	sorted = xmalloc(mo->capkeys * sizeof *sorted);
	for (size_t i = 0; i < mo->nkeys; i++)
		sorted[i] = mo->keys[pairs[i].idx];
	free(mo->keys);
	mo->keys = sorted;
	free(start);
	free(pairs);
}

int
mapout_foreach_group(struct mapout *mo, uint32_t part, mapout_group_fn fn,
    void *arg)
{
	struct mapout_iter it;
	mr_values values;
	size_t i;

	/* Keys are sorted by partition first. */
	if (part >= mo->nparts)
		return 0;
	for (i = mo->partstart[part]; i < mo->partstart[part + 1]; i++) {
		struct mapout_key *k = &mo->keys[i];

		mapout_iter_init(&it, mo, k);
		values.next = mapout_iter_next;
		values.ctx = &it;
		values.failed = 0;
		if (fn(arg, mapout_key_bytes(mo, k->rec), k->keylen,
		    &values) == -1)
			return -1;
	}
	return 0;
}

/* Where a partition's records go while it is written. */
struct mapout_sink {
	struct kvwriter	*w;
	const char	*key;		/* the group being combined */
	size_t		 keylen;
	mr_reduce_fn	 combine;
	struct err	*e;
	int		 failed;
};

static int
mapout_sink_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct mapout_sink *s = ctx;

	/* Another key would break the file's order and partitioning. */
	if (keylen != s->keylen || (keylen > 0 && memcmp(key, s->key, keylen))) {
		err_set(s->e, "combine emitted a key it was not given");
		s->failed = 1;
		return -1;
	}
	if (kvwriter_add(s->w, key, keylen, value, valuelen, s->e) == -1) {
		s->failed = 1;
		return -1;
	}
	return 0;
}

/* Writes one key's values, through the combiner when there is one. */
static int
mapout_write_group(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct mapout_sink *s = arg;
	mr_emitter out = { .emit = mapout_sink_emit, .ctx = s };
	const char *v;
	size_t vlen;
	int rc;

	s->key = key;
	s->keylen = keylen;
	if (s->combine == NULL) {
		while ((rc = values->next(values->ctx, &v, &vlen)) == 1)
			if (kvwriter_add(s->w, key, keylen, v, vlen, s->e) == -1)
				return -1;
		return rc;
	}
	if (s->combine(&out, key, keylen, values) != 0 || s->failed ||
	    values->failed) {
		if (!s->failed && !values->failed)
			err_set(s->e, "combine failed on a key of %zu bytes",
			    keylen);
		return -1;
	}
	return 0;
}

/* Writes partition `part` of what is in memory to `path`. */
/*
 * Writes the sums of partition `part` as they are: what mr_combine_sum
 * would emit, without making text of each sum and parsing it back.
 */
static int
mapout_write_sums(struct mapout *mo, uint32_t part, struct kvwriter *w,
    struct err *e)
{
	size_t i;

	if (part >= mo->nparts)
		return 0;
	for (i = mo->partstart[part]; i < mo->partstart[part + 1]; i++) {
		const struct mapout_key *k = &mo->keys[i];
		char num[24], *p = num + sizeof num;
		uint64_t n;

		memcpy(&n, mapout_sum(mo, k->rec, k->keylen), 8);
		do {
			*--p = (char)('0' + n % 10);
			n /= 10;
		} while (n != 0);
		if (kvwriter_add(w, mapout_key_bytes(mo, k->rec), k->keylen,
		    p, (size_t)(num + sizeof num - p), e) == -1)
			return -1;
	}
	return 0;
}

static int
mapout_write_part(struct mapout *mo, uint32_t part, const char *path,
    mr_reduce_fn combine, uint64_t *bytes, struct err *e)
{
	struct mapout_sink sink;
	uint64_t n;

	memset(&sink, 0, sizeof sink);
	sink.combine = combine;
	sink.e = e;
	sink.w = kvwriter_open(path, mo->job, e);
	if (sink.w == NULL)
		return -1;
	if (mo->sum && combine == mr_combine_sum ?
	    mapout_write_sums(mo, part, sink.w, e) == -1 :
	    mapout_foreach_group(mo, part, mapout_write_group, &sink) == -1) {
		kvwriter_abort(sink.w);
		return -1;
	}
	if (kvwriter_commit(sink.w, &n, e) == -1)
		return -1;
	if (bytes != NULL)
		*bytes += n;
	return 0;
}

/* Forgets the keys and values held (after a spill). */
static void
mapout_reset(struct mapout *mo)
{
	mo->used = 8;
	mo->nkeys = 0;
	if (mo->table != NULL)
		memset(mo->table, 0, mo->tablesize * sizeof *mo->table);
	mo->sorted = 0;
}

/* Writes everything held as one sorted run per partition, then empties. */
static int
mapout_spill(struct mapout *mo)
{
	char name[96];

	mapout_sort(mo);
	for (uint32_t p = 0; p < mo->nparts; p++) {
		spill_name(mo->id, mo->nruns, p, name, sizeof name);
		if (mapout_write_part(mo, p, name, mo->combine, NULL,
		    &mo->err) == -1) {
			mo->failed = 1;
			return -1;
		}
	}
	mo->nruns++;
	mapout_reset(mo);
	return 0;
}

/* Merges the runs of partition `part` into `path`. */
static int
mapout_merge_part(struct mapout *mo, uint32_t part, const char *path,
    mr_reduce_fn combine, uint64_t *bytes, struct err *e)
{
	struct kvreader **r;
	struct merge *m;
	struct groups g;
	struct mapout_sink sink;
	mr_values *values;
	const char *key;
	size_t keylen;
	char name[96];
	uint64_t n;
	int rc;

	r = xcalloc(mo->nruns, sizeof *r);
	for (unsigned i = 0; i < mo->nruns; i++) {
		spill_name(mo->id, i, part, name, sizeof name);
		r[i] = kvreader_open(name, mo->job, e);
		if (r[i] == NULL) {
			while (i-- > 0)
				kvreader_close(r[i]);
			free(r);
			return -1;
		}
	}
	m = merge_new(r, mo->nruns);
	free(r);
	memset(&sink, 0, sizeof sink);
	sink.combine = combine;
	sink.e = e;
	sink.w = kvwriter_open(path, mo->job, e);
	if (sink.w == NULL) {
		merge_free(m);
		return -1;
	}
	groups_init(&g, m);
	while ((rc = groups_next(&g, &key, &keylen, &values)) == 1)
		if (mapout_write_group(&sink, key, keylen, values) == -1)
			break;
	if (groups_error(&g, e))
		rc = -1;
	groups_free(&g);
	merge_free(m);
	if (rc != 0) {
		kvwriter_abort(sink.w);
		return -1;
	}
	if (kvwriter_commit(sink.w, &n, e) == -1)
		return -1;
	*bytes += n;
	return 0;
}

int
mapout_write(struct mapout *mo, uint32_t map_id, mr_reduce_fn combine,
    uint64_t *bytes, struct err *e)
{
	char name[64];

	if (mo->failed) {
		*e = mo->err;
		return -1;
	}
	/* Runs on disk: the rest joins them, then each partition is merged. */
	if (mo->nruns > 0 && mo->nkeys > 0 && mapout_spill(mo) == -1) {
		*e = mo->err;
		return -1;
	}
	mapout_sort(mo);
	for (uint32_t p = 0; p < mo->nparts; p++) {
		snprintf(name, sizeof name, "mr-%u-%u", map_id, p);
		if (mo->nruns > 0) {
			if (mapout_merge_part(mo, p, name, combine, bytes,
			    e) == -1)
				return -1;
		} else if (mapout_write_part(mo, p, name, combine, bytes,
		    e) == -1)
			return -1;
	}
	return 0;
}

void
mapout_free(struct mapout *mo)
{
	if (mo == NULL)
		return;
	mapout_remove_runs(mo);
	free(mo->partstart);
	free(mo->keys);
	free(mo->table);
	free(mo->arena);
	buf_free(&mo->scratch);
	free(mo->scratchlen);
	free(mo);
}
