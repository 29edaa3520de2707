/*
 * pipereduce.c - reduce or combine over sorted lines (see pipereduce.h).
 *
 * A group starts with the line that holds a new key. Its first value is
 * handed out from that line; the others are read as reduce asks for them,
 * up to the first line of another key, which is put back (linein_unread())
 * to start the next group. What reduce leaves unread is skipped after it
 * returns, still checked for order.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pipereduce.h"
#include "sdk.h"
#include "streamline.h"

struct pipereduce {
	const struct mr_app	*app;
	int			 combine;
	struct linein		*in;
	const char		*from;
	FILE			*out;
	/* The group's key, NUL-terminated for reduce. */
	char			*key;
	size_t			 keylen, keycap;
	uint64_t		 keyline;	/* its first line */
	/* Its first value, still in the line reader's buffer. */
	const char		*first;
	size_t			 firstlen;
	int			 has_first;
	int			 done;		/* no more values in the group */
	int			 ended;		/* the input is over */
	int			 read_failed;	/* rerr says why */
	struct err		 rerr;
	int			 emit_failed;	/* eerr says why */
	struct err		 eerr;
	mr_emitter		 emitter;
	mr_values		 values;
};

/* Bytewise, a prefix first: Hadoop's order of Text keys. */
static int
pipereduce_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = alen > 0 && blen > 0 ?
	    memcmp(a, b, alen < blen ? alen : blen) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Makes the key of a line the group's. */
static void
pipereduce_set_key(struct pipereduce *r, const char *key, size_t keylen)
{
	if (keylen + 1 > r->keycap) {
		r->keycap = keylen + 1 > 2 * r->keycap ? keylen + 1 :
		    2 * r->keycap;
		r->key = xrealloc(r->key, r->keycap);
	}
	if (keylen > 0)
		memcpy(r->key, key, keylen);
	r->key[keylen] = '\0';
	r->keylen = keylen;
	r->keyline = linein_lineno(r->in);
}

/* mr_values_next() of the group: the contract of mapreduce.h. */
static int
pipereduce_next(void *ctx, const char **value, size_t *len)
{
	struct pipereduce *r = ctx;
	char q1[STREAMLINE_QUOTE_MAX], q2[STREAMLINE_QUOTE_MAX];
	const char *line, *key;
	size_t linelen, keylen;
	int rc, c;

	if (r->read_failed)
		return -1;
	if (r->done)
		return 0;
	if (r->has_first) {
		r->has_first = 0;
		*value = r->first;
		*len = r->firstlen;
		return 1;
	}
	rc = linein_next(r->in, &line, &linelen, &r->rerr);
	if (rc == -1) {
		r->read_failed = 1;
		return -1;
	}
	if (rc == 0) {
		r->done = r->ended = 1;
		return 0;
	}
	streamline_split(line, linelen, &key, &keylen, value, len);
	c = pipereduce_keycmp(key, keylen, r->key, r->keylen);
	if (c == 0)
		return 1;
	if (c < 0) {
		err_set(&r->rerr, "%s:%llu: key %s comes after key %s (line "
		    "%llu): the input is not sorted by key, bytewise (sort it "
		    "with LC_ALL=C)", r->from,
		    (unsigned long long)linein_lineno(r->in),
		    streamline_quote(q1, sizeof q1, key, keylen),
		    streamline_quote(q2, sizeof q2, r->key, r->keylen),
		    (unsigned long long)r->keyline);
		r->read_failed = 1;
		return -1;
	}
	/* The next group's first line. */
	linein_unread(r->in);
	r->done = 1;
	return 0;
}

/* reduce's records: mr-out-Y's lines, as worker/output.c writes them. */
static int
pipereduce_emit_out(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct pipereduce *r = ctx;

	if (r->emit_failed)
		return -1;
	if (streamline_put(r->out, key, keylen, &r->eerr) == -1 ||
	    putc_unlocked(' ', r->out) == EOF ||
	    streamline_put(r->out, value, valuelen, &r->eerr) == -1 ||
	    putc_unlocked('\n', r->out) == EOF) {
		err_sys(&r->eerr, "stdout: write");
		r->emit_failed = 1;
		return -1;
	}
	return 0;
}

/* combine's records: the group's key only, as lines to read back. */
static int
pipereduce_emit_combined(void *ctx, const void *key, size_t keylen,
    const void *value, size_t valuelen)
{
	struct pipereduce *r = ctx;
	char q1[STREAMLINE_QUOTE_MAX], q2[STREAMLINE_QUOTE_MAX];
	const char *bad;

	if (r->emit_failed)
		return -1;
	if (pipereduce_keycmp(key, keylen, r->key, r->keylen) != 0) {
		err_set(&r->eerr, "%s:%llu: combine function of %s emitted "
		    "key %s, not the key %s it was given", r->from,
		    (unsigned long long)r->keyline, r->app->name,
		    streamline_quote(q1, sizeof q1, key, keylen),
		    streamline_quote(q2, sizeof q2, r->key, r->keylen));
		r->emit_failed = 1;
		return -1;
	}
	/* The key came from a line: only its value can be wrong. */
	if ((bad = streamline_check(key, keylen, value, valuelen)) != NULL) {
		err_set(&r->eerr, "%s:%llu: combine function of %s emitted %s "
		    "(key %s), which a key<TAB>value line cannot hold",
		    r->from, (unsigned long long)r->keyline, r->app->name,
		    bad, streamline_quote(q1, sizeof q1, key, keylen));
		r->emit_failed = 1;
		return -1;
	}
	if (streamline_write(r->out, key, keylen, value, valuelen,
	    &r->eerr) == -1) {
		r->emit_failed = 1;
		return -1;
	}
	return 0;
}

/*
 * Calls the function over the group that starts with the line just read,
 * then skips what it left unread. Returns 0, or -1 with e set.
 */
static int
pipereduce_group(struct pipereduce *r, const char *line, size_t linelen,
    struct err *e)
{
	mr_reduce_fn fn = r->combine ? r->app->combine : r->app->reduce;
	char q[STREAMLINE_QUOTE_MAX];
	const char *key, *v;
	size_t keylen, vlen;
	int rc;

	streamline_split(line, linelen, &key, &keylen, &r->first,
	    &r->firstlen);
	pipereduce_set_key(r, key, keylen);
	r->has_first = 1;
	r->done = 0;
	r->values.failed = 0;
	rc = fn(&r->emitter, r->key, r->keylen, &r->values);
	/* What went wrong reading or writing says more than "failed". */
	if (r->read_failed) {
		*e = r->rerr;
		return -1;
	}
	if (r->emit_failed) {
		*e = r->eerr;
		return -1;
	}
	if (sdk_counters_check(e) == -1) {
		err_prefix(e, "%s:%llu", r->from,
		    (unsigned long long)r->keyline);
		return -1;
	}
	if (rc != 0) {
		err_set(e, "%s:%llu: %s function of %s failed on key %s",
		    r->from, (unsigned long long)r->keyline,
		    r->combine ? "combine" : "reduce", r->app->name,
		    streamline_quote(q, sizeof q, r->key, r->keylen));
		return -1;
	}
	while ((rc = pipereduce_next(r, &v, &vlen)) == 1)
		continue;
	if (rc == -1) {
		*e = r->rerr;
		return -1;
	}
	return 0;
}

int
pipereduce_run(const struct mr_app *app, int combine, struct linein *in,
    const char *from, FILE *out, struct err *e)
{
	struct pipereduce r;
	const char *line;
	size_t linelen;
	int rc = 0;

	memset(&r, 0, sizeof r);
	r.app = app;
	r.combine = combine;
	r.in = in;
	r.from = from;
	r.out = out;
	r.emitter.emit = combine ? pipereduce_emit_combined :
	    pipereduce_emit_out;
	r.emitter.ctx = &r;
	r.values.next = pipereduce_next;
	r.values.ctx = &r;
	while (!r.ended && (rc = linein_next(in, &line, &linelen, e)) == 1)
		if (pipereduce_group(&r, line, linelen, e) == -1)
			goto fail;
	if (!r.ended && rc == -1)
		goto fail;
	free(r.key);
	return 0;
fail:
	free(r.key);
	return -1;
}
