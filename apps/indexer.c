/*
 * indexer - an inverted index: for every word, the inputs it appears in.
 * Output lines "word N doc1,doc2,..." with the N inputs sorted bytewise.
 */
#include <mapreduce.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A word of the document, or an empty slot when p is NULL. */
struct indexer_word {
	const char	*p;
	size_t		 len;
};

/* The distinct words of a document: open addressing, at most half full. */
struct indexer_set {
	struct indexer_word	*slot;
	size_t			 size;	/* a power of two, or 0 */
	size_t			 n;
};

/* One value, copied. */
struct indexer_val {
	char		*p;
	size_t		 len;
};

/* All the values of a key. */
struct indexer_vals {
	struct indexer_val *v;
	size_t		 n;
	size_t		 cap;
};

/* FNV-1a: short and spreads words well enough. */
static size_t
indexer_hash(const char *p, size_t len)
{
	uint64_t	h = 14695981039346656037ULL;

	while (len-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* Returns the slot holding the word, or the empty slot where it belongs. */
static struct indexer_word *
indexer_find(struct indexer_set *set, const char *p, size_t len)
{
	struct indexer_word	*w;
	size_t			 i, mask = set->size - 1;

	for (i = indexer_hash(p, len) & mask;; i = (i + 1) & mask) {
		w = &set->slot[i];
		if (w->p == NULL ||
		    (w->len == len && memcmp(w->p, p, len) == 0))
			return w;
	}
}

static int
indexer_grow(struct indexer_set *set)
{
	struct indexer_set	 grown;
	size_t			 i;

	if (set->size > SIZE_MAX / 2 / sizeof *set->slot)
		return -1;
	grown.size = set->size == 0 ? 1024 : set->size * 2;
	if ((grown.slot = calloc(grown.size, sizeof *grown.slot)) == NULL)
		return -1;
	grown.n = set->n;
	for (i = 0; i < set->size; i++) {
		if (set->slot[i].p != NULL)
			*indexer_find(&grown, set->slot[i].p,
			    set->slot[i].len) = set->slot[i];
	}
	free(set->slot);
	*set = grown;
	return 0;
}

static int
indexer_add(struct indexer_set *set, const char *p, size_t len)
{
	struct indexer_word	*w;

	if (set->n >= set->size / 2 && indexer_grow(set) == -1)
		return -1;
	w = indexer_find(set, p, len);
	if (w->p == NULL) {
		w->p = p;
		w->len = len;
		set->n++;
	}
	return 0;
}

static int
indexer_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	struct indexer_set	 set = { NULL, 0, 0 };
	const char		*word;
	size_t			 pos = 0, wlen, namelen = strlen(name), i;
	int			 r = -1;

	while (mr_next_word(data, len, &pos, &word, &wlen)) {
		if (indexer_add(&set, word, wlen) == -1)
			goto out;
	}
	for (i = 0; i < set.size; i++) {
		if (set.slot[i].p != NULL &&
		    mr_emit(out, set.slot[i].p, set.slot[i].len, name,
		    namelen) == -1)
			goto out;
	}
	r = 0;
out:
	free(set.slot);
	return r;
}

static void
indexer_vals_free(struct indexer_vals *vals)
{
	size_t	i;

	for (i = 0; i < vals->n; i++)
		free(vals->v[i].p);
	free(vals->v);
}

/* Copies every value, since each is valid only until the next one is read. */
static int
indexer_vals_collect(mr_values *values, struct indexer_vals *vals)
{
	struct indexer_val	*nv;
	const char		*v;
	size_t			 len, cap;
	char			*p;
	int			 r;

	vals->v = NULL;
	vals->n = vals->cap = 0;
	while ((r = mr_values_next(values, &v, &len)) == 1) {
		if (vals->n == vals->cap) {
			cap = vals->cap == 0 ? 16 : vals->cap * 2;
			if (cap > SIZE_MAX / sizeof *nv)
				return -1;
			if ((nv = realloc(vals->v, cap * sizeof *nv)) == NULL)
				return -1;
			vals->v = nv;
			vals->cap = cap;
		}
		if ((p = malloc(len == 0 ? 1 : len)) == NULL)
			return -1;
		if (len != 0)
			memcpy(p, v, len);
		vals->v[vals->n].p = p;
		vals->v[vals->n].len = len;
		vals->n++;
	}
	return r;
}

/* Orders bytewise with a prefix first, as Go's sort.Strings. */
static int
indexer_cmp(const void *a, const void *b)
{
	const struct indexer_val	*x = a, *y = b;
	int				 r;

	r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/* Emits "N doc1,doc2,...", as Go's Sprintf("%d %s", n, Join(vv, ",")). */
static int
indexer_emit_joined(mr_emitter *out, const char *key, size_t keylen,
    struct indexer_vals *vals)
{
	char	 count[32], *buf, *p;
	size_t	 i, clen, total;
	int	 r;

	if (vals->n > 1)
		qsort(vals->v, vals->n, sizeof *vals->v, indexer_cmp);
	/*
	 * A large input is read by several map tasks (splits), each listing
	 * the document once: keep one of each.
	 */
	for (i = 1, total = vals->n > 0; i < vals->n; i++)
		if (indexer_cmp(&vals->v[i], &vals->v[total - 1]) != 0)
			vals->v[total++] = vals->v[i];
		else
			free(vals->v[i].p);
	vals->n = total;
	clen = (size_t)snprintf(count, sizeof count, "%zu ", vals->n);
	total = clen;
	for (i = 0; i < vals->n; i++) {
		if (vals->v[i].len >= SIZE_MAX - total)
			return -1;
		total += vals->v[i].len + 1;
	}
	if ((buf = malloc(total)) == NULL)
		return -1;
	memcpy(buf, count, clen);
	p = buf + clen;
	for (i = 0; i < vals->n; i++) {
		if (i != 0)
			*p++ = ',';
		memcpy(p, vals->v[i].p, vals->v[i].len);
		p += vals->v[i].len;
	}
	r = mr_emit(out, key, keylen, buf, (size_t)(p - buf));
	free(buf);
	return r;
}

static int
indexer_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	struct indexer_vals	vals;
	int			r = -1;

	if (indexer_vals_collect(values, &vals) == 0)
		r = indexer_emit_joined(out, key, keylen, &vals);
	indexer_vals_free(&vals);
	return r;
}

MR_APP("indexer", indexer_map, indexer_reduce, NULL);
