/*
 * indexer - an inverted index: for every word, the inputs it appears in.
 * Output lines "word N doc1,doc2,..." with the N inputs sorted bytewise.
 * Counters: "documents" (map calls: inputs, or their pieces when split),
 * "words" (words read) and "postings" (lines written, one per distinct
 * word of the whole job).
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
	int64_t			 words = 0;
	int			 r = -1;

	while (mr_next_word(data, len, &pos, &word, &wlen)) {
		if (indexer_add(&set, word, wlen) == -1)
			goto out;
		words++;
	}
	for (i = 0; i < set.size; i++) {
		if (set.slot[i].p != NULL &&
		    mr_emit(out, set.slot[i].p, set.slot[i].len, name,
		    namelen) == -1)
			goto out;
	}
	mr_counter_add("documents", 1);
	mr_counter_add("words", words);
	r = 0;
out:
	free(set.slot);
	return r;
}

static int
indexer_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	mr_counter_add("postings", 1);
	return mr_emit_joined(out, key, keylen, values, ",",
	    MR_JOIN_UNIQUE | MR_JOIN_COUNT);
}

MR_APP("indexer", indexer_map, indexer_reduce, NULL);
