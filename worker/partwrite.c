/*
 * partwrite.c - one partition's intermediate file (see partwrite.h).
 */
#include <string.h>

#include "groups.h"
#include "kvfile.h"
#include "partwrite.h"
#include "sdk.h"

/* Where a partition's records go while it is written. */
struct partwrite {
	struct kvwriter	*w;
	const char	*key;		/* the group being combined */
	size_t		 keylen;
	mr_reduce_fn	 combine;
	struct err	*e;
	int		 failed;
};

static int
partwrite_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct partwrite *s = ctx;

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
partwrite_group(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct partwrite *s = arg;
	mr_emitter out = { .emit = partwrite_emit, .ctx = s };
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
	sdk_error_clear();
	if (s->combine(&out, key, keylen, values) != 0 || s->failed ||
	    values->failed) {
		if (!s->failed && !values->failed && sdk_error() != NULL)
			err_set(s->e, "combine: %s", sdk_error());
		else if (!s->failed && !values->failed)
			err_set(s->e, "combine failed on a key of %zu bytes",
			    keylen);
		return -1;
	}
	return 0;
}

/*
 * Writes one key's sum as it is: what mr_combine_sum would emit for it,
 * without an iterator over one value.
 */
static int
partwrite_sum(void *arg, const char *key, size_t keylen, const char *sum,
    size_t sumlen)
{
	struct partwrite *s = arg;

	return kvwriter_add(s->w, key, keylen, sum, sumlen, s->e);
}

/* The records go to w. */
static void
partwrite_init(struct partwrite *s, struct kvwriter *w, mr_reduce_fn combine,
    struct err *e)
{
	memset(s, 0, sizeof *s);
	s->combine = combine;
	s->e = e;
	s->w = w;
}

/* Commits the file, adding its size to *bytes when bytes is not NULL. */
static int
partwrite_commit(struct partwrite *s, uint64_t *bytes, struct err *e)
{
	uint64_t n;

	if (kvwriter_commit(s->w, &n, e) == -1)
		return -1;
	if (bytes != NULL)
		*bytes += n;
	return 0;
}

int
partwrite_table(struct maptable *t, uint32_t part, struct kvwriter *w,
    mr_reduce_fn combine, uint64_t *bytes, struct err *e)
{
	struct partwrite s;

	partwrite_init(&s, w, combine, e);
	if (maptable_sums(t) && combine == mr_combine_sum ?
	    maptable_sum_foreach(t, part, partwrite_sum, &s) == -1 :
	    maptable_foreach_group(t, part, partwrite_group, &s) == -1) {
		kvwriter_abort(s.w);
		return -1;
	}
	return partwrite_commit(&s, bytes, e);
}

int
partwrite_merge(struct merge *m, struct kvwriter *w, mr_reduce_fn combine,
    uint64_t *bytes, struct err *e)
{
	struct partwrite s;
	struct groups g;
	mr_values *values;
	const char *key;
	size_t keylen;
	int rc;

	partwrite_init(&s, w, combine, e);
	groups_init(&g, m);
	while ((rc = groups_next(&g, &key, &keylen, &values)) == 1)
		if (partwrite_group(&s, key, keylen, values) == -1)
			break;
	if (groups_error(&g, e))
		rc = -1;
	groups_free(&g);
	merge_free(m);
	if (rc != 0) {
		kvwriter_abort(s.w);
		return -1;
	}
	return partwrite_commit(&s, bytes, e);
}
