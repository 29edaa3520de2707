/*
 * mapout.c - map output grouped by key in a hash table, sorted at the end.
 *
 * Keys and values live in one arena: a key as its bytes and a NUL, a value
 * as a node of a chain (offset of the next node, varint length, bytes).
 * Each distinct key has a small fixed record with its partition, the first
 * eight key bytes big-endian (so sorting and lookups rarely touch the
 * arena) and its values. Only distinct keys are ever sorted, which for text
 * is a small fraction of the records.
 *
 * With a combiner, a key's small values go to a block of MAPOUT_BLOCK bytes
 * right after the key (varint length, bytes, ...); a full block is folded
 * by the combiner in place, so a frequent key costs a few bytes and its
 * values stay in one cache line. A value too large for the block moves the
 * key to a chain, folded every MAPOUT_BATCH values.
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

/* Values of one chained key folded by the combiner at a time. */
#define MAPOUT_BATCH 32

/* Bytes of a key's block of small values (with a combiner). */
#define MAPOUT_BLOCK 32

struct mapout_key {
	uint64_t	 prefix;	/* first 8 key bytes, big-endian, 0-padded */
	uint64_t	 keyoff;	/* key bytes in the arena, NUL after */
	uint64_t	 head, tail;	/* value chain, arena offsets (0: none) */
	uint32_t	 keylen;
	uint32_t	 part;
	uint32_t	 nvalues;	/* in the chain */
	uint16_t	 blk;		/* bytes used in the block */
	uint8_t		 hasblock;	/* the block follows the key's NUL */
	uint8_t		 pad;
};

struct mapout {
	uint32_t	 nparts;
	mr_reduce_fn	 combine;	/* folds chains as they grow, or NULL */
	size_t		 budget;	/* SIZE_MAX when unbounded */

	char		*arena;		/* offset 0 unused: 0 means "none" */
	size_t		 used, cap;

	struct mapout_key *keys;
	size_t		 nkeys, capkeys;
	uint64_t	*table;		/* hash << 32 | (key index + 1); 0 empty */
	size_t		 tablesize;	/* power of two */
	int		 sorted;	/* keys sorted: the table is stale */

	uint64_t	 count;
	unsigned	 nruns;		/* spilled runs */
	unsigned	 id;		/* names this mapout's run files */
	int		 failed;
	struct err	 err;
	mr_emitter	 emitter;

	const struct mapout_key *folding;	/* key being folded */
	struct buf	 scratch;	/* combiner output while folding */
	size_t		*scratchlen;
	size_t		 nscratch, capscratch;
};

/* Walks one key's block, then its chain, for mr_values_next(). */
struct mapout_iter {
	const char	*arena;
	const uint8_t	*b, *bend;	/* block values not yet read */
	uint64_t	 at;		/* next chain node */
};

static unsigned mapout_ids;

static uint64_t
mapout_prefix(const char *key, size_t len)
{
	uint64_t w = 0;

	memcpy(&w, key, len < 8 ? len : 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

/*
 * A fast table hash of a key whose first eight bytes are `prefix`; the
 * partition uses the lab's FNV-1a separately, once per distinct key.
 */
static uint32_t
mapout_hash(const char *key, size_t len, uint64_t prefix)
{
	uint64_t h = (prefix ^ len) * 0xff51afd7ed558ccdull, w;

	for (size_t i = 8; i < len; i += 8) {
		w = 0;
		memcpy(&w, key + i, len - i < 8 ? len - i : 8);
		h = (h ^ (h >> 32) ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	return (uint32_t)(h >> 32) | 1;	/* never 0 */
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
	uint64_t *t = xcalloc(size, sizeof *t);

	for (size_t i = 0; i < mo->tablesize; i++) {
		uint64_t s = mo->table[i];
		size_t j;

		if (s == 0)
			continue;
		for (j = (s >> 32) & (size - 1); t[j] != 0; j = (j + 1) & (size - 1))
			;
		t[j] = s;
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
}

static int
mapout_iter_next(void *ctx, const char **value, size_t *len)
{
	struct mapout_iter *it = ctx;
	const uint8_t *p;
	uint64_t next, v = 0;
	int shift = 0;

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

/* Starts an iterator over key k's values. */
static void
mapout_iter_init(struct mapout_iter *it, const struct mapout *mo,
    const struct mapout_key *k)
{
	it->arena = mo->arena;
	it->b = (const uint8_t *)mo->arena + k->keyoff + k->keylen + 1;
	it->bend = it->b + k->blk;
	it->at = k->head;
}

/* Appends a value to key k's block; the caller checked it fits. */
static void
mapout_block_add(struct mapout *mo, struct mapout_key *k, const void *value,
    size_t len)
{
	uint8_t *p = (uint8_t *)mo->arena + k->keyoff + k->keylen + 1 + k->blk;
	uint8_t *start = p;
	uint64_t v = len;

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	if (len > 0)
		memcpy(p, value, len);
	k->blk += (uint16_t)(p - start + len);
}

/* Collects what the combiner emits while a chain is folded. */
static int
mapout_scratch_emit(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct mapout *mo = ctx;
	const struct mapout_key *k = mo->folding;

	/* Another key would land in the wrong place. */
	if (keylen != k->keylen ||
	    (keylen > 0 && memcmp(key, mo->arena + k->keyoff, keylen) != 0)) {
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
	mr_emitter out = { mapout_scratch_emit, mo };
	struct mapout_iter it;
	mr_values values = { mapout_iter_next, &it, 0 };
	size_t blockneed = 0, need = 0, off = 0;

	buf_consume(&mo->scratch, buf_len(&mo->scratch));
	mo->nscratch = 0;
	mo->folding = k;
	mapout_iter_init(&it, mo, k);
	if (mo->combine(&out, mo->arena + k->keyoff, k->keylen, &values) != 0 ||
	    mo->failed) {
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
	if (k->hasblock && blockneed <= MAPOUT_BLOCK) {
		k->blk = 0;
		k->head = k->tail = 0;
		k->nvalues = 0;
		for (size_t i = 0; i < mo->nscratch; i++) {
			mapout_block_add(mo, k, buf_head(&mo->scratch) + off,
			    mo->scratchlen[i]);
			off += mo->scratchlen[i];
		}
		return 0;
	}
	if (mapout_memory(mo) + need > mo->budget)
		return 0;
	mapout_arena_reserve(mo, need);
	k->blk = 0;
	k->head = k->tail = 0;
	k->nvalues = 0;
	for (size_t i = 0; i < mo->nscratch; i++) {
		mapout_append(mo, k, buf_head(&mo->scratch) + off,
		    mo->scratchlen[i]);
		off += mo->scratchlen[i];
	}
	return 0;
}

static int	mapout_spill(struct mapout *);

/* Finds key's record, or the empty table slot where it belongs (-1). */
static struct mapout_key *
mapout_find(struct mapout *mo, const char *key, size_t keylen, uint32_t h,
    uint64_t prefix, size_t *slot)
{
	struct mapout_key *k;
	size_t i, mask = mo->tablesize - 1;

	for (i = h & mask; mo->table[i] != 0; i = (i + 1) & mask) {
		if ((uint32_t)(mo->table[i] >> 32) != h)
			continue;
		k = &mo->keys[(mo->table[i] & 0xffffffffu) - 1];
		if (k->keylen == keylen && k->prefix == prefix && (keylen <= 8 ||
		    memcmp(mo->arena + k->keyoff + 8, key + 8, keylen - 8) == 0))
			return k;
	}
	*slot = i;
	return NULL;
}

static int
mapout_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct mapout *mo = ctx;
	struct mapout_key *k;
	uint64_t prefix;
	uint32_t h;
	size_t slot = 0, need, enc;
	int block;

	if (mo->failed || mo->sorted || keylen > UINT32_MAX)
		return -1;
	prefix = mapout_prefix(key, keylen);
	h = mapout_hash(key, keylen, prefix);
	block = mo->combine != NULL;
	enc = mapout_varint_len(valuelen) + valuelen;
	for (;;) {
		if ((mo->nkeys + 1) * 2 > mo->tablesize)
			mapout_table_grow(mo);
		k = mapout_find(mo, key, keylen, h, prefix, &slot);
		if (k != NULL) {
			if (k->hasblock && k->head == 0 &&
			    k->blk + enc <= MAPOUT_BLOCK)
				need = 0;
			else
				need = 8 + enc;
		} else
			need = keylen + 1 + (block ? MAPOUT_BLOCK : 0) +
			    (block && enc <= MAPOUT_BLOCK ? 0 : 8 + enc) +
			    sizeof *k + 2 * sizeof *mo->table;
		if (need == 0 || mapout_memory(mo) + need <= mo->budget ||
		    mo->nkeys == 0)
			break;
		/* Full: write what is held as a run and start again. */
		if (mapout_spill(mo) == -1)
			return -1;
	}
	mapout_arena_reserve(mo, need);
	if (k == NULL) {
		if (mo->nkeys == mo->capkeys) {
			mo->capkeys = mo->capkeys != 0 ? mo->capkeys * 2 : 1024;
			mo->keys = xrealloc(mo->keys,
			    mo->capkeys * sizeof *mo->keys);
		}
		k = &mo->keys[mo->nkeys];
		memset(k, 0, sizeof *k);
		k->prefix = prefix;
		k->keyoff = mo->used;
		k->keylen = keylen;
		k->part = hash_partition(key, keylen, mo->nparts);
		k->hasblock = block;
		if (keylen > 0)
			memcpy(mo->arena + mo->used, key, keylen);
		mo->arena[mo->used + keylen] = '\0';
		mo->used += keylen + 1 + (block ? MAPOUT_BLOCK : 0);
		mo->table[slot] = (uint64_t)h << 32 | ++mo->nkeys;
	}
	mo->count++;
	if (k->hasblock && k->head == 0) {
		if (k->blk + enc > MAPOUT_BLOCK && k->blk > 0 &&
		    mapout_fold(mo, k) == -1)
			return -1;
		if (k->head == 0 && k->blk + enc <= MAPOUT_BLOCK) {
			mapout_block_add(mo, k, value, valuelen);
			return 0;
		}
		/* Too large for the block: this key's values go to a chain. */
		mapout_arena_reserve(mo, 8 + enc);
	}
	mapout_append(mo, k, value, valuelen);
	if (mo->combine != NULL && k->nvalues >= MAPOUT_BATCH)
		return mapout_fold(mo, k);
	return 0;
}

static struct mapout *
mapout_alloc(uint32_t nparts, mr_reduce_fn combine, size_t budget)
{
	struct mapout *mo = xcalloc(1, sizeof *mo);

	mo->nparts = nparts;
	mo->combine = combine;
	mo->budget = budget;
	mapout_arena_reserve(mo, 8);
	mo->used = 8;		/* offset 0 means "no node" */
	mo->id = mapout_ids++;
	mo->emitter.emit = mapout_emit;
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

/* The arena being sorted; qsort() has no context argument. */
static const char *mapout_sort_arena;

/* Partition, then key bytewise. */
static int
mapout_cmp(const void *x, const void *y)
{
	const struct mapout_key *a = x, *b = y;
	size_t n;
	int c;

	if (a->part != b->part)
		return a->part < b->part ? -1 : 1;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	if (n > 8) {
		c = memcmp(mapout_sort_arena + a->keyoff + 8,
		    mapout_sort_arena + b->keyoff + 8, n - 8);
		if (c != 0)
			return c;
	}
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

void
mapout_sort(struct mapout *mo)
{
	if (!mo->sorted && mo->nkeys > 1) {
		mapout_sort_arena = mo->arena;
		qsort(mo->keys, mo->nkeys, sizeof *mo->keys, mapout_cmp);
		mapout_sort_arena = NULL;
	}
	mo->sorted = 1;
}

int
mapout_foreach_group(struct mapout *mo, uint32_t part, mapout_group_fn fn,
    void *arg)
{
	struct mapout_iter it;
	mr_values values;
	size_t i;

	/* Keys are sorted by partition first. */
	for (i = 0; i < mo->nkeys && mo->keys[i].part < part; i++)
		;
	for (; i < mo->nkeys && mo->keys[i].part == part; i++) {
		struct mapout_key *k = &mo->keys[i];

		mapout_iter_init(&it, mo, k);
		values.next = mapout_iter_next;
		values.ctx = &it;
		values.failed = 0;
		if (fn(arg, mo->arena + k->keyoff, k->keylen, &values) == -1)
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
	mr_emitter out = { mapout_sink_emit, s };
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
static int
mapout_write_part(struct mapout *mo, uint32_t part, const char *path,
    mr_reduce_fn combine, uint64_t *bytes, struct err *e)
{
	struct mapout_sink sink;
	uint64_t n;

	memset(&sink, 0, sizeof sink);
	sink.combine = combine;
	sink.e = e;
	sink.w = kvwriter_open(path, e);
	if (sink.w == NULL)
		return -1;
	if (mapout_foreach_group(mo, part, mapout_write_group, &sink) == -1) {
		kvwriter_abort(sink.w);
		return -1;
	}
	if (kvwriter_commit(sink.w, &n, e) == -1)
		return -1;
	if (bytes != NULL)
		*bytes += n;
	return 0;
}

static void
mapout_run_name(const struct mapout *mo, unsigned run, uint32_t part,
    char *buf, size_t len)
{
	snprintf(buf, len, SAFEFILE_PREFIX "run-%d-%u-%u-%u", (int)getpid(),
	    mo->id, run, part);
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
		mapout_run_name(mo, mo->nruns, p, name, sizeof name);
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
		mapout_run_name(mo, i, part, name, sizeof name);
		r[i] = kvreader_open(name, e);
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
	sink.w = kvwriter_open(path, e);
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
	char name[96];

	if (mo == NULL)
		return;
	for (unsigned r = 0; r < mo->nruns; r++)
		for (uint32_t p = 0; p < mo->nparts; p++) {
			mapout_run_name(mo, r, p, name, sizeof name);
			unlink(name);
		}
	free(mo->keys);
	free(mo->table);
	free(mo->arena);
	buf_free(&mo->scratch);
	free(mo->scratchlen);
	free(mo);
}
