/*
 * output.c - writing reduce output lines (see output.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "output.h"
#include "safefile.h"
#include "sdk.h"

struct output {
	struct safefile	*file;
	mr_emitter	 emitter;
	int		 failed;
	struct err	 err;
	struct buf	 line;		/* tsv: the escaped line */
};

static int
output_emit(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct output *o = ctx;

	if (o->failed)
		return -1;
	if (safefile_write(o->file, key, keylen, &o->err) == -1 ||
	    safefile_write(o->file, " ", 1, &o->err) == -1 ||
	    safefile_write(o->file, value, valuelen, &o->err) == -1 ||
	    safefile_write(o->file, "\n", 1, &o->err) == -1) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

/* Appends src[0..n) escaped to the line. */
static void
output_escaped(struct buf *line, const void *src, size_t n)
{
	size_t len;

	if (outfmt_plain(src, n)) {
		buf_add(line, src, n);
		return;
	}
	len = outfmt_escape((char *)buf_reserve(line, OUTFMT_ESCAPED_MAX(n)),
	    src, n);
	buf_commit(line, len);
}

static int
output_emit_tsv(void *ctx, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	struct output *o = ctx;

	if (o->failed)
		return -1;
	buf_consume(&o->line, buf_len(&o->line));
	output_escaped(&o->line, key, keylen);
	buf_add(&o->line, "\t", 1);
	output_escaped(&o->line, value, valuelen);
	buf_add(&o->line, "\n", 1);
	if (safefile_write(o->file, buf_head(&o->line), buf_len(&o->line),
	    &o->err) == -1) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

int
output_write(struct output *o, const void *p, size_t n)
{
	if (o->failed)
		return -1;
	if (safefile_write(o->file, p, n, &o->err) == -1) {
		o->failed = 1;
		return -1;
	}
	return 0;
}

struct output *
output_open(const char *path, enum outfmt f, struct err *e)
{
	struct output *o = xcalloc(1, sizeof *o);

	o->file = safefile_open(path, SAFEFILE_CRC, e);
	if (o->file == NULL) {
		free(o);
		return NULL;
	}
	o->emitter.emit = f == OUTFMT_TSV ? output_emit_tsv : output_emit;
	o->emitter.ctx = o;
	return o;
}

mr_emitter *
output_emitter(struct output *o)
{
	return &o->emitter;
}

int
output_failed(const struct output *o, struct err *e)
{
	if (o->failed)
		*e = o->err;
	return o->failed;
}

int
output_commit(struct output *o, uint64_t *bytes, uint32_t *crc,
    struct err *e)
{
	int rc;

	if (output_failed(o, e)) {
		output_abort(o);
		return -1;
	}
	if (bytes != NULL)
		*bytes = safefile_size(o->file);
	if (crc != NULL)
		*crc = safefile_crc(o->file);
	rc = safefile_commit(o->file, e);
	buf_free(&o->line);
	free(o);
	return rc;
}

void
output_abort(struct output *o)
{
	if (o == NULL)
		return;
	safefile_abort(o->file);
	buf_free(&o->line);
	free(o);
}
