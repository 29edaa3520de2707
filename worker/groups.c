/*
 * groups.c - grouping a merged record stream by key (see groups.h).
 */
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "log.h"

static int
groups_values_next(void *ctx, const char **value, size_t *len)
{
	struct groups *g = ctx;
	const char *k, *v;
	size_t klen, vlen;
	int rc;

	if (g->error)
		return -1;
	if (g->ended)
		return 0;
	if (g->first) {
		g->first = 0;
		g->pending = 0;
		*value = g->value;
		*len = g->valuelen;
		return 1;
	}
	rc = merge_next(g->m, &k, &klen, &v, &vlen, &g->err);
	if (rc == -1) {
		g->error = 1;
		return -1;
	}
	if (rc == 0) {
		g->ended = 1;
		return 0;
	}
	if (klen != g->keylen || (klen > 0 && memcmp(k, g->key, klen) != 0)) {
		/* The next group starts here. */
		g->ended = 1;
		g->pending = 1;
		g->nextkey = k;
		g->nextkeylen = klen;
		g->value = v;
		g->valuelen = vlen;
		return 0;
	}
	*value = v;
	*len = vlen;
	return 1;
}

void
groups_init(struct groups *g, struct merge *m)
{
	memset(g, 0, sizeof *g);
	g->m = m;
	g->values.next = groups_values_next;
	g->values.ctx = g;
}

int
groups_next(struct groups *g, const char **key, size_t *keylen,
    mr_values **values)
{
	const char *v;
	size_t vlen;
	int rc;

	if (!g->started) {
		g->started = 1;
		rc = merge_next(g->m, &g->nextkey, &g->nextkeylen, &g->value,
		    &g->valuelen, &g->err);
		if (rc == -1)
			g->error = 1;
		g->pending = rc == 1;
	} else {
		/* Skip the values the caller did not read. */
		while (groups_values_next(g, &v, &vlen) == 1)
			;
	}
	if (g->error)
		return -1;
	if (!g->pending)
		return 0;
	if (g->nextkeylen + 1 > g->keycap) {
		g->keycap = (g->nextkeylen + 1) * 2;
		g->key = xrealloc(g->key, g->keycap);
	}
	if (g->nextkeylen > 0)
		memcpy(g->key, g->nextkey, g->nextkeylen);
	g->key[g->nextkeylen] = '\0';
	g->keylen = g->nextkeylen;
	g->first = 1;
	g->ended = 0;
	g->values.failed = 0;
	*key = g->key;
	*keylen = g->keylen;
	*values = &g->values;
	return 1;
}

int
groups_error(const struct groups *g, struct err *e)
{
	if (g->error)
		*e = g->err;
	return g->error;
}

void
groups_free(struct groups *g)
{
	free(g->key);
	g->key = NULL;
}
