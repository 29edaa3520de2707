/*
 * output.c - writing reduce output lines (see output.h).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "output.h"
#include "safefile.h"
#include "sdk.h"

struct output {
	struct safefile	*file;
	mr_emitter	 emitter;
	int		 failed;
	struct err	 err;
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
output_open(const char *path, struct err *e)
{
	struct output *o = xcalloc(1, sizeof *o);

	o->file = safefile_open(path, SAFEFILE_CRC, e);
	if (o->file == NULL) {
		free(o);
		return NULL;
	}
	o->emitter.emit = output_emit;
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
	free(o);
	return rc;
}

void
output_abort(struct output *o)
{
	if (o == NULL)
		return;
	safefile_abort(o->file);
	free(o);
}
