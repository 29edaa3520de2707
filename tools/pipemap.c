/*
 * pipemap.c - map over a stream in pieces (see pipemap.h).
 *
 * The cutting is worker/input.c's over a compressed input, here over a
 * pipe: piece k is nominally [k * piece, (k + 1) * piece) of the stream,
 * really [split_cut(k * piece), split_cut((k + 1) * piece)), and there are
 * as many as split_count() gives the stream's length (one, empty, for an
 * empty stream). The cut at (k + 1) * piece looks from the byte before it
 * to SPLIT_SEEK_MAX past it, so the buffer keeps the stream from k * piece
 * on and reads ahead to there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pipemap.h"
#include "sdk.h"
#include "split.h"
#include "streamline.h"
#include "words.h"

/* The buffer's first size; it grows to a piece and SPLIT_SEEK_MAX at most. */
#define PIPEMAP_FIRST ((size_t)256 << 10)

struct pipemap {
	const struct mr_app	*app;
	int			 fd;
	const char		*from;		/* the stream, in read errors */
	const char		*name;		/* the input, for map */
	FILE			*out;
	char			*text;		/* the stream from base on */
	size_t			 cap, capmax;
	size_t			 have;
	uint64_t		 base;
	uint64_t		 cut;		/* where the next piece starts */
	uint64_t		 piece;
	uint64_t		 k;		/* pieces handed out */
	int			 ended;		/* text[have] is the end */
	mr_emitter		 emitter;
	int			 failed;	/* an emit failed: err says why */
	struct err		 err;
};

static int
pipemap_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct pipemap *m = ctx;
	char q[STREAMLINE_QUOTE_MAX];
	const char *bad;

	if (m->failed)
		return -1;
	if ((bad = streamline_check(key, keylen, value, valuelen)) != NULL) {
		err_set(&m->err, "%s: map function of %s emitted %s (key %s), "
		    "which a key<TAB>value line cannot hold", m->name,
		    m->app->name, bad, streamline_quote(q, sizeof q, key,
		    keylen));
		m->failed = 1;
		return -1;
	}
	if (streamline_write(m->out, key, keylen, value, valuelen,
	    &m->err) == -1) {
		m->failed = 1;
		return -1;
	}
	return 0;
}

/*
 * mr_emit_words() without a call per word: a word is letters only, so it
 * holds neither a tab nor a newline, and only the value needs a look.
 */
static int64_t
pipemap_emit_words(void *ctx, const char *data, size_t len,
    const void *value, size_t valuelen)
{
	struct pipemap *m = ctx;
	const char *word;
	size_t pos = 0, wlen;
	int64_t n = 0;

	if (m->failed)
		return -1;
	while (words_next(data, len, &pos, &word, &wlen)) {
		/* Refused by streamline_write(), which says why. */
		if (n == 0 && valuelen > 0 && memchr(value, '\n', valuelen))
			return pipemap_emit(m, word, wlen, value, valuelen);
		if (fwrite_unlocked(word, 1, wlen, m->out) != wlen ||
		    putc_unlocked('\t', m->out) == EOF ||
		    streamline_put(m->out, value, valuelen, &m->err) == -1 ||
		    putc_unlocked('\n', m->out) == EOF) {
			err_sys(&m->err, "stdout: write");
			m->failed = 1;
			return -1;
		}
		n++;
	}
	return n;
}

/*
 * Reads until the buffer holds the stream up to offset `upto`, or its end.
 * Returns 0, or -1 with e set.
 */
static int
pipemap_fill(struct pipemap *m, uint64_t upto, struct err *e)
{
	size_t need;
	ssize_t n;

	while (!m->ended && m->base + m->have < upto) {
		/* upto is at most a piece and SPLIT_SEEK_MAX past base. */
		need = (size_t)(upto - m->base);
		if (need > m->cap) {
			m->cap = m->cap * 2 > m->capmax ? m->capmax : m->cap * 2;
			if (m->cap < need)
				m->cap = need;
			m->text = xrealloc(m->text, m->cap);
		}
		do
			n = read(m->fd, m->text + m->have, m->cap - m->have);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			err_sys(e, "%s: read", m->from);
			return -1;
		}
		if (n == 0)
			m->ended = 1;
		m->have += (size_t)n;
	}
	return 0;
}

/* The next piece, as input.c's input_next_text(): 1, 0 at the end, or -1. */
static int
pipemap_next(struct pipemap *m, const char **data, size_t *len,
    struct err *e)
{
	uint64_t from = m->k * m->piece, to = from + m->piece;
	size_t drop;

	if (m->k > 0) {
		if (pipemap_fill(m, from + 1, e) == -1)
			return -1;
		if (m->ended && m->base + m->have <= from)
			return 0;
		/* The stream before this piece's nominal start is done with. */
		drop = (size_t)(from - m->base);
		memmove(m->text, m->text + drop, m->have - drop);
		m->have -= drop;
		m->base = from;
	}
	if (pipemap_fill(m, to + SPLIT_SEEK_MAX, e) == -1)
		return -1;
	to = m->base + split_cut(m->text, m->have, (size_t)(to - m->base));
	*data = m->text + (m->cut - m->base);
	*len = (size_t)(to - m->cut);
	m->cut = to;
	m->k++;
	return 1;
}

int
pipemap_run(const struct mr_app *app, int fd, const char *from,
    const char *name, uint64_t piece, FILE *out, struct err *e)
{
	struct pipemap m;
	const char *data;
	size_t len;
	uint64_t at;
	int rc;

	memset(&m, 0, sizeof m);
	m.app = app;
	m.fd = fd;
	m.from = from;
	m.name = name;
	m.out = out;
	m.piece = piece;
	m.capmax = (size_t)piece + SPLIT_SEEK_MAX;
	m.cap = PIPEMAP_FIRST < m.capmax ? PIPEMAP_FIRST : m.capmax;
	m.text = xmalloc(m.cap);
	m.emitter.emit = pipemap_emit;
	m.emitter.emit_words = pipemap_emit_words;
	m.emitter.ctx = &m;
	while ((rc = pipemap_next(&m, &data, &len, e)) == 1) {
		at = m.cut - len;
		rc = app->map(&m.emitter, name, data, len);
		if (m.failed) {
			*e = m.err;
			goto fail;
		}
		/* A misused counter says more than "map failed". */
		if (sdk_counters_check(e) == -1) {
			err_prefix(e, "%s", name);
			goto fail;
		}
		if (rc != 0) {
			err_set(e, "%s: map function of %s failed on the piece "
			    "at byte %llu", name, app->name,
			    (unsigned long long)at);
			goto fail;
		}
	}
	if (rc == -1)
		goto fail;
	free(m.text);
	return 0;
fail:
	free(m.text);
	return -1;
}
