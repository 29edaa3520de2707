/*
 * sample.c - the split points of a total order (see sample.h): the
 * sampler's emitter (a reservoir of keys), choosing the quantiles, and the
 * job folder's file of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "input.h"
#include "jobdir.h"
#include "kvfile.h"
#include "log.h"
#include "safefile.h"
#include "sample.h"
#include "sdk.h"

/* The keys map emits while sampling: at most SAMPLE_KEYS_MAX, each cut. */
struct sample_reservoir {
	char		*slot;		/* [cap][SAMPLE_KEY_MAX] */
	size_t		*len;
	size_t		 n, cap;
	uint64_t	 seen;
	uint64_t	 rng;		/* xorshift64: the same sample each run */
};

/* The split points loaded, and the job they are for. */
static struct {
	int		 valid;
	uint64_t	 job;
	uint32_t	 nparts;
	struct buf	 bytes;
	const char	**key;
	size_t		*len;
	struct sdk_splits splits;
} sample_cur;

static uint64_t
sample_next_random(struct sample_reservoir *r)
{
	uint64_t x = r->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return r->rng = x;
}

static int
sample_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct sample_reservoir *r = ctx;
	size_t i;

	(void)value;
	(void)valuelen;
	r->seen++;
	if (r->n < SAMPLE_KEYS_MAX) {
		if (r->n == r->cap) {
			r->cap = r->cap != 0 ? r->cap * 2 : 1024;
			r->slot = xrealloc(r->slot, r->cap * SAMPLE_KEY_MAX);
			r->len = xrealloc(r->len, r->cap * sizeof *r->len);
		}
		i = r->n++;
	} else {
		/* Each key seen so far stays with the same chance. */
		i = (size_t)(sample_next_random(r) % r->seen);
		if (i >= SAMPLE_KEYS_MAX)
			return 0;
	}
	r->len[i] = keylen < SAMPLE_KEY_MAX ? keylen : SAMPLE_KEY_MAX;
	if (r->len[i] > 0)
		memcpy(r->slot + i * SAMPLE_KEY_MAX, key, r->len[i]);
	return 0;
}

static int
sample_keycmp(const void *x, const void *y)
{
	const struct sample_key *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n > 0 ? memcmp(a->p, b->p, n) : 0;

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

void
sample_choose(struct sample_key *keys, size_t n, uint32_t nparts,
    struct sample_key *split)
{
	if (n > 1)
		qsort(keys, n, sizeof *keys, sample_keycmp);
	for (uint32_t i = 1; i < nparts; i++) {
		if (n == 0) {
			split[i - 1].p = "";
			split[i - 1].len = 0;
		} else
			split[i - 1] = keys[(size_t)((uint64_t)i * n / nparts)];
	}
}

/* What the guarded call to map needs. */
struct sample_call {
	const struct mr_app	*app;
	mr_emitter		*out;
	const char		*name;
	const char		*data;
	size_t			 len;
};

static int
sample_map(void *arg)
{
	struct sample_call *c = arg;

	return c->app->map(c->out, c->name, c->data, c->len);
}

/* Runs map over one piece into the reservoir. Returns 0 or -1. */
static int
sample_piece(const struct mr_app *app, const struct sample_job *sj,
    const struct sample_piece *sp, mr_emitter *out, struct err *e)
{
	struct sample_call call = { app, out, sp->name, NULL, 0 };
	struct input *in;
	int rc;

	if (input_open(&in, sp->name, sp->stamp, sj->allow_changes, e) != 0)
		return -1;
	rc = -1;
	if (input_split(in, sp->offset, sp->length, &call.data, &call.len,
	    e) != 0)
		goto out;
	/* A compressed input: the first piece of its text, of that length. */
	input_set_piece(in, sp->length);
	if ((rc = input_next(in, &call.data, &call.len, e)) < 0)
		goto out;
	if (rc == 1) {
		sdk_error_clear();
		sdk_set_input_offset(input_offset(in));
		rc = input_guarded(in, sample_map, &call, e);
		sdk_set_input_offset(0);
		if (rc == 1) {
			if (sdk_error() != NULL)
				err_set(e, "%s: %s", sp->name, sdk_error());
			else
				err_set(e, "%s: map function of %s failed",
				    sp->name, app->name);
		}
		if (rc != 0) {
			rc = -1;
			goto out;
		}
	}
	rc = 0;
out:
	input_close(in);
	if (rc == -1)
		err_prefix(e, "sampling for the total order");
	return rc;
}

/* Makes split points the current ones (copied). */
static void
sample_set(uint64_t job, uint32_t nparts, const struct sample_key *split)
{
	size_t n = nparts - 1, off = 0;

	sample_forget();
	buf_consume(&sample_cur.bytes, buf_len(&sample_cur.bytes));
	for (size_t i = 0; i < n; i++)
		buf_add(&sample_cur.bytes, split[i].p, split[i].len);
	sample_cur.key = xrealloc(sample_cur.key, (n + 1) * sizeof(char *));
	sample_cur.len = xrealloc(sample_cur.len, (n + 1) * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		sample_cur.key[i] = (const char *)buf_head(&sample_cur.bytes) +
		    off;
		sample_cur.len[i] = split[i].len;
		off += split[i].len;
	}
	sample_cur.splits.n = n;
	sample_cur.splits.key = sample_cur.key;
	sample_cur.splits.len = sample_cur.len;
	sample_cur.job = job;
	sample_cur.nparts = nparts;
	sample_cur.valid = 1;
	sdk_set_splits(&sample_cur.splits);
}

/*
 * Reads the split points of the file `path`. Returns 1 when they are
 * loaded, 0 when there is no such file, -1 with e naming it when it is
 * not a whole file of nparts - 1 split points in order of job sj->job.
 */
static int
sample_read(const char *path, const struct sample_job *sj, struct err *e)
{
	struct sample_key *split;
	struct buf bytes = BUF_INIT;
	struct kvreader *r;
	const char *k, *v;
	size_t klen, vlen, n = 0, *lens;
	int rc;

	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if ((r = kvreader_open(path, sj->job, e)) == NULL)
		return -1;
	split = xcalloc(sj->nparts, sizeof *split);
	lens = xcalloc(sj->nparts, sizeof *lens);
	while ((rc = kvreader_next(r, &k, &klen, &v, &vlen, e)) == 1) {
		if (n == sj->nparts - 1) {
			err_set(e, "%s: more than %u split points", path,
			    sj->nparts - 1);
			rc = -1;
			break;
		}
		buf_add(&bytes, k, klen);
		lens[n++] = klen;
	}
	kvreader_close(r);
	if (rc == 0 && n != sj->nparts - 1) {
		err_set(e, "%s: %zu split points, not %u", path, n,
		    sj->nparts - 1);
		rc = -1;
	}
	if (rc == 0) {
		size_t off = 0;

		for (size_t i = 0; i < n; i++) {
			split[i].p = (const char *)buf_head(&bytes) + off;
			split[i].len = lens[i];
			off += lens[i];
			if (i > 0 && sample_keycmp(&split[i - 1], &split[i]) > 0) {
				err_set(e, "%s: split points out of order",
				    path);
				rc = -1;
				break;
			}
		}
		if (rc == 0)
			sample_set(sj->job, sj->nparts, split);
	}
	free(split);
	free(lens);
	buf_free(&bytes);
	return rc == 0 ? 1 : -1;
}

/*
 * Writes the split points under a temporary name, then links that under
 * `path`. Returns 1 when this link won, 0 when another's file was there
 * first, -1 with e set.
 */
static int
sample_write(const char *path, const struct sample_job *sj,
    const struct sample_key *split, struct err *e)
{
	struct kvwriter *w;
	char tmp[128];
	int rc = 1;

	snprintf(tmp, sizeof tmp, SAFEFILE_PREFIX "%s-%ld", path,
	    (long)getpid());
	if ((w = kvwriter_open(tmp, sj->job, e)) == NULL)
		return -1;
	for (uint32_t i = 0; i + 1 < sj->nparts; i++)
		if (kvwriter_add(w, split[i].p, split[i].len, "", 0, e) == -1) {
			kvwriter_abort(w);
			return -1;
		}
	if (kvwriter_commit(w, NULL, e) == -1)
		return -1;
	if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			rc = 0;
		else {
			err_sys(e, "%s", path);
			rc = -1;
		}
	}
	unlink(tmp);
	return rc;
}

int
sample_ensure(const struct mr_app *app, const struct sample_job *sj,
    struct err *e)
{
	struct sample_reservoir r;
	mr_emitter out = { .emit = sample_emit, .ctx = &r };
	struct sample_key *keys = NULL, *split = NULL;
	char path[64];
	int rc = -1;

	if (sample_cur.valid && sample_cur.job == sj->job &&
	    sample_cur.nparts == sj->nparts) {
		sdk_set_splits(&sample_cur.splits);
		return 0;
	}
	if (sj->nparts == 0) {
		err_set(e, "no partitions to sample for");
		return -1;
	}
	snprintf(path, sizeof path, JOBDIR_SPLITS_PREFIX "%016llx",
	    (unsigned long long)sj->job);
	if ((rc = sample_read(path, sj, e)) != 0)
		return rc == 1 ? 0 : -1;

	memset(&r, 0, sizeof r);
	r.rng = 0x9e3779b97f4a7c15ull;
	rc = -1;
	for (size_t i = 0; i < sj->npieces; i++)
		if (sample_piece(app, sj, &sj->pieces[i], &out, e) == -1)
			goto out;
	keys = xcalloc(r.n + 1, sizeof *keys);
	for (size_t i = 0; i < r.n; i++) {
		keys[i].p = r.slot + i * SAMPLE_KEY_MAX;
		keys[i].len = r.len[i];
	}
	split = xcalloc(sj->nparts, sizeof *split);
	sample_choose(keys, r.n, sj->nparts, split);
	log_debug("total order: %zu keys sampled of %llu emitted by map over "
	    "%zu pieces", r.n, (unsigned long long)r.seen, sj->npieces);
	switch (sample_write(path, sj, split, e)) {
	case 1:
		sample_set(sj->job, sj->nparts, split);
		rc = 0;
		break;
	case 0:
		/* Another worker's were there first: the job's are those. */
		rc = sample_read(path, sj, e) == 1 ? 0 : -1;
		break;
	default:
		break;
	}
out:
	/* What map did while sampling is not the task's. */
	sdk_counters_reset();
	sdk_error_clear();
	free(keys);
	free(split);
	free(r.slot);
	free(r.len);
	return rc;
}

void
sample_forget(void)
{
	sample_cur.valid = 0;
	sdk_set_splits(NULL);
}
