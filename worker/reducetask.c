/*
 * reducetask.c - one reduce task: k-way merge of mr-*-Y into mr-out-Y.
 *
 * Records stream from the merge; reduce sees one key at a time through a
 * values iterator that pulls from the merge until the key changes, so a
 * partition never has to fit in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "log.h"
#include "merge.h"
#include "output.h"
#include "sdk.h"
#include "task.h"

/* The key being reduced and the merge record that comes after it. */
struct reducetask_group {
	struct merge	*m;
	char		*key;		/* copy, NUL-terminated */
	size_t		 keylen, keycap;
	const char	*value;		/* pending record: first of a group */
	size_t		 valuelen;
	const char	*nextkey;
	size_t		 nextkeylen;
	int		 pending;	/* a record is waiting */
	int		 first;		/* pending value belongs to this group */
	int		 ended;		/* no more values in this group */
	int		 error;
	struct err	 err;
};

static int
reducetask_values_next(void *ctx, const char **value, size_t *len)
{
	struct reducetask_group *g = ctx;
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

/* Opens every map output of the partition; records which are missing. */
static int
reducetask_open(uint32_t partition, uint32_t nmap, struct kvreader **r,
    struct task_result *res, struct err *e)
{
	char name[64];
	struct err oe;

	for (uint32_t x = 0; x < nmap; x++) {
		snprintf(name, sizeof name, "mr-%u-%u", x, partition);
		r[x] = kvreader_open(name, &oe);
		if (r[x] == NULL) {
			if (res->nbad == 0)
				*e = oe;
			res->bad_maps = xrealloc(res->bad_maps,
			    (res->nbad + 1) * sizeof *res->bad_maps);
			res->bad_maps[res->nbad++] = x;
		}
	}
	if (res->nbad > 0) {
		if (res->nbad > 1)
			err_prefix(e, "%zu map outputs unusable, first", res->nbad);
		for (uint32_t x = 0; x < nmap; x++)
			kvreader_close(r[x]);
		return -1;
	}
	return 0;
}

int
reducetask_run(const struct mr_app *app, uint32_t partition, uint32_t nmap,
    struct task_result *res, struct err *e)
{
	struct reducetask_group g;
	struct kvreader **r;
	struct output *out = NULL;
	mr_values values;
	const char *v;
	size_t vlen;
	char name[64];
	int rc;

	memset(&g, 0, sizeof g);
	r = xcalloc(nmap, sizeof *r);
	if (reducetask_open(partition, nmap, r, res, e) == -1) {
		free(r);
		return -1;
	}
	g.m = merge_new(r, nmap);
	free(r);
	snprintf(name, sizeof name, "mr-out-%u", partition);
	out = output_open(name, e);
	if (out == NULL)
		goto fail;

	rc = merge_next(g.m, &g.nextkey, &g.nextkeylen, &g.value, &g.valuelen,
	    &g.err);
	g.pending = rc == 1;
	g.error = rc == -1;
	while (g.pending && !g.error) {
		if (g.nextkeylen + 1 > g.keycap) {
			g.keycap = (g.nextkeylen + 1) * 2;
			g.key = xrealloc(g.key, g.keycap);
		}
		if (g.nextkeylen > 0)
			memcpy(g.key, g.nextkey, g.nextkeylen);
		g.key[g.nextkeylen] = '\0';
		g.keylen = g.nextkeylen;
		g.first = 1;
		g.ended = 0;
		values.next = reducetask_values_next;
		values.ctx = &g;
		values.failed = 0;
		if (app->reduce(output_emitter(out), g.key, g.keylen,
		    &values) != 0 && !g.error) {
			if (output_failed(out, e))
				goto fail;
			err_set(e, "reduce function of %s failed", app->name);
			goto fail;
		}
		/* Skip the values reduce did not read. */
		while (!g.error && reducetask_values_next(&g, &v, &vlen) == 1)
			;
	}
	if (g.error) {
		/* The stream that failed names the map task to run again. */
		*e = g.err;
		res->bad_maps = xrealloc(res->bad_maps, sizeof *res->bad_maps);
		res->bad_maps[0] = (uint32_t)merge_stream(g.m);
		res->nbad = 1;
		goto fail;
	}
	if (output_commit(out, &res->bytes_out, e) == -1) {
		out = NULL;
		goto fail;
	}
	merge_free(g.m);
	free(g.key);
	return 0;
fail:
	output_abort(out);
	merge_free(g.m);
	free(g.key);
	return -1;
}
