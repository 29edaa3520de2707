/*
 * mapout.c - in-memory map output, sorted and written per partition.
 *
 * Each record lives in one growing arena as key, NUL, value; a partition
 * holds fixed-size entries pointing into it, with the key's first eight
 * bytes cached big-endian so that most comparisons never touch the arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kvfile.h"
#include "log.h"
#include "mapout.h"
#include "sdk.h"

struct mapout_entry {
	uint64_t	 prefix;	/* first 8 key bytes, big-endian, 0-padded */
	uint64_t	 off;		/* of the key in the arena */
	uint32_t	 keylen;
	uint32_t	 valuelen;
};

struct mapout_part {
	struct mapout_entry *e;
	size_t		 n, cap;
};

struct mapout {
	uint32_t	 nparts;
	struct mapout_part *part;
	char		*arena;
	size_t		 used, cap;
	uint64_t	 count;
	mr_emitter	 emitter;
};

/* Walks one key's entries for mr_values_next(). */
struct mapout_iter {
	struct mapout	*mo;
	struct mapout_entry *at, *end;
};

static uint64_t
mapout_prefix(const char *key, size_t len)
{
	uint64_t p = 0;

	for (size_t i = 0; i < 8; i++)
		p = p << 8 | (i < len ? (uint8_t)key[i] : 0);
	return p;
}

static int
mapout_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct mapout *mo = ctx;
	struct mapout_part *p;
	struct mapout_entry *en;
	size_t need = keylen + 1 + valuelen;

	if (keylen > UINT32_MAX || valuelen > UINT32_MAX)
		return -1;
	if (mo->cap - mo->used < need) {
		size_t cap = mo->cap != 0 ? mo->cap : 1 << 16;

		while (cap - mo->used < need)
			cap *= 2;
		mo->arena = xrealloc(mo->arena, cap);
		mo->cap = cap;
	}
	p = &mo->part[hash_partition(key, keylen, mo->nparts)];
	if (p->n == p->cap) {
		p->cap = p->cap != 0 ? p->cap * 2 : 256;
		p->e = xrealloc(p->e, p->cap * sizeof *p->e);
	}
	en = &p->e[p->n++];
	en->prefix = mapout_prefix(key, keylen);
	en->off = mo->used;
	en->keylen = keylen;
	en->valuelen = valuelen;
	if (keylen > 0)
		memcpy(mo->arena + mo->used, key, keylen);
	mo->arena[mo->used + keylen] = '\0';
	if (valuelen > 0)
		memcpy(mo->arena + mo->used + keylen + 1, value, valuelen);
	mo->used += need;
	mo->count++;
	return 0;
}

struct mapout *
mapout_new(uint32_t nparts)
{
	struct mapout *mo = xcalloc(1, sizeof *mo);

	mo->nparts = nparts;
	mo->part = xcalloc(nparts, sizeof *mo->part);
	mo->emitter.emit = mapout_emit;
	mo->emitter.ctx = mo;
	return mo;
}

mr_emitter *
mapout_emitter(struct mapout *mo)
{
	return &mo->emitter;
}

uint64_t
mapout_count(const struct mapout *mo)
{
	return mo->count;
}

/* The arena being sorted; qsort() has no context argument. */
static const char *mapout_sort_arena;

static int
mapout_keycmp(const char *arena, const struct mapout_entry *a,
    const struct mapout_entry *b)
{
	size_t n;
	int c;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	if (n > 8) {
		c = memcmp(arena + a->off + 8, arena + b->off + 8, n - 8);
		if (c != 0)
			return c;
	}
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

/* Key order, then emission order (the arena offset), so sorting is stable. */
static int
mapout_cmp(const void *x, const void *y)
{
	const struct mapout_entry *a = x, *b = y;
	int c = mapout_keycmp(mapout_sort_arena, a, b);

	if (c != 0)
		return c;
	return a->off < b->off ? -1 : a->off > b->off;
}

void
mapout_sort(struct mapout *mo)
{
	mapout_sort_arena = mo->arena;
	for (uint32_t i = 0; i < mo->nparts; i++)
		if (mo->part[i].n > 1)
			qsort(mo->part[i].e, mo->part[i].n,
			    sizeof *mo->part[i].e, mapout_cmp);
	mapout_sort_arena = NULL;
}

static int
mapout_iter_next(void *ctx, const char **value, size_t *len)
{
	struct mapout_iter *it = ctx;

	if (it->at == it->end)
		return 0;
	*value = it->mo->arena + it->at->off + it->at->keylen + 1;
	*len = it->at->valuelen;
	it->at++;
	return 1;
}

int
mapout_foreach_group(struct mapout *mo, uint32_t part, mapout_group_fn fn,
    void *arg)
{
	struct mapout_part *p = &mo->part[part];
	struct mapout_entry *e = p->e, *end = p->e + p->n, *g;
	struct mapout_iter it;
	mr_values values;

	while (e < end) {
		for (g = e + 1; g < end && mapout_keycmp(mo->arena, e, g) == 0;
		    g++)
			;
		it.mo = mo;
		it.at = e;
		it.end = g;
		values.next = mapout_iter_next;
		values.ctx = &it;
		values.failed = 0;
		if (fn(arg, mo->arena + e->off, e->keylen, &values) == -1)
			return -1;
		e = g;
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

static int
mapout_write_group(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct mapout_sink *s = arg;
	mr_emitter out = { mapout_sink_emit, s };
	const char *v;
	size_t vlen;

	s->key = key;
	s->keylen = keylen;
	if (s->combine == NULL) {
		while (mapout_iter_next(values->ctx, &v, &vlen) == 1)
			if (kvwriter_add(s->w, key, keylen, v, vlen, s->e) == -1)
				return -1;
		return 0;
	}
	if (s->combine(&out, key, keylen, values) != 0 || s->failed) {
		if (!s->failed)
			err_set(s->e, "combine failed on a key of %zu bytes",
			    keylen);
		return -1;
	}
	return 0;
}

int
mapout_write(struct mapout *mo, uint32_t map_id, mr_reduce_fn combine,
    uint64_t *bytes, struct err *e)
{
	struct mapout_sink sink;
	char name[64];
	uint64_t n;

	for (uint32_t p = 0; p < mo->nparts; p++) {
		snprintf(name, sizeof name, "mr-%u-%u", map_id, p);
		memset(&sink, 0, sizeof sink);
		sink.combine = combine;
		sink.e = e;
		sink.w = kvwriter_open(name, e);
		if (sink.w == NULL)
			return -1;
		if (mapout_foreach_group(mo, p, mapout_write_group, &sink) == -1) {
			kvwriter_abort(sink.w);
			return -1;
		}
		if (kvwriter_commit(sink.w, &n, e) == -1)
			return -1;
		*bytes += n;
	}
	return 0;
}

void
mapout_free(struct mapout *mo)
{
	if (mo == NULL)
		return;
	for (uint32_t i = 0; i < mo->nparts; i++)
		free(mo->part[i].e);
	free(mo->part);
	free(mo->arena);
	free(mo);
}
