/*
 * codec.c - streaming decompression of compressed inputs with the formats'
 * own libraries (see codec.h).
 *
 * One loop serves every format: refill a fixed buffer of compressed bytes
 * from the file, hand it to the library with the caller's buffer as the
 * output, and keep track of whether a stream is open, so that the end of
 * the file inside one is told apart from the end after the last one
 * (truncated, not merely short). liblzma joins concatenated xz streams by
 * itself and needs to be told where the input ends; the others are started
 * again on whatever follows a stream's end.
 */
#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"
#include "log.h"

/* Compressed bytes read from the file at a time. */
#define CODEC_INBUF ((size_t)64 << 10)

struct codec {
	enum codec_kind	 kind;
	int		 fd;
	unsigned char	*in;		/* CODEC_INBUF compressed bytes */
	size_t		 pos;		/* next unused byte of in */
	size_t		 avail;		/* unused bytes from pos */
	uint64_t	 base;		/* file offset of in[0] */
	uint64_t	 total;		/* bytes read from the file */
	int		 eof;		/* read() said the file ends */
	int		 open;		/* inside a stream (must end) */
	int		 streams;	/* streams begun */
	int		 done;
	int		 failed;
	struct err	 err;		/* the failure, repeated */
	z_stream	 z;
	bz_stream	 bz;
	int		 bz_init;
	lzma_stream	 xz;
	ZSTD_DStream	*zst;
};

static const struct {
	const char	*ext;
	enum codec_kind	 kind;
	const char	*name;
} codec_table[] = {
	{ ".gz", CODEC_GZIP, "gzip" },
	{ ".bz2", CODEC_BZIP2, "bzip2" },
	{ ".xz", CODEC_XZ, "xz" },
	{ ".zst", CODEC_ZSTD, "zstd" },
};

#define CODEC_NTABLE (sizeof codec_table / sizeof codec_table[0])

enum codec_kind
codec_of_name(const char *path)
{
	size_t n = strlen(path), m;

	for (size_t i = 0; i < CODEC_NTABLE; i++) {
		m = strlen(codec_table[i].ext);
		if (n > m && strcmp(path + n - m, codec_table[i].ext) == 0)
			return codec_table[i].kind;
	}
	return CODEC_NONE;
}

const char *
codec_name(enum codec_kind kind)
{
	for (size_t i = 0; i < CODEC_NTABLE; i++)
		if (codec_table[i].kind == kind)
			return codec_table[i].name;
	return "plain";
}

struct codec *
codec_new(enum codec_kind kind, int fd)
{
	struct codec *c = xcalloc(1, sizeof *c);
	lzma_stream xz = LZMA_STREAM_INIT;

	c->kind = kind;
	c->fd = fd;
	c->in = xmalloc(CODEC_INBUF);
	c->xz = xz;
	switch (kind) {
	case CODEC_GZIP:
		/* 15 + 16: the largest window, and a gzip header, not zlib's. */
		if (inflateInit2(&c->z, 15 + 16) != Z_OK)
			fatal("out of memory");
		break;
	case CODEC_BZIP2:
		break;		/* at each stream's start */
	case CODEC_XZ:
		if (lzma_stream_decoder(&c->xz, UINT64_MAX,
		    LZMA_CONCATENATED) != LZMA_OK)
			fatal("out of memory");
		break;
	case CODEC_ZSTD:
		if ((c->zst = ZSTD_createDStream()) == NULL)
			fatal("out of memory");
		ZSTD_initDStream(c->zst);
		break;
	default:
		fatal("codec_new: not a compressed format");
	}
	return c;
}

/* Reads the next compressed bytes once the buffer is used up. */
static int
codec_refill(struct codec *c)
{
	ssize_t n;

	if (c->avail > 0 || c->eof)
		return 0;
	do
		n = read(c->fd, c->in, CODEC_INBUF);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		err_sys(&c->err, "read at byte %llu",
		    (unsigned long long)c->total);
		return -1;
	}
	c->base = c->total;
	c->total += (uint64_t)n;
	c->pos = 0;
	c->avail = (size_t)n;
	if (n == 0)
		c->eof = 1;
	return 0;
}

/* The error for bad data found with the buffer used up to c->pos. */
static void
codec_corrupt(struct codec *c, const char *why)
{
	err_set(&c->err, "corrupt %s data at byte %llu: %s",
	    codec_name(c->kind), (unsigned long long)(c->base + c->pos), why);
}

static void
codec_truncated(struct codec *c)
{
	err_set(&c->err, "truncated %s data: the file ends at byte %llu %s",
	    codec_name(c->kind), (unsigned long long)c->total,
	    c->streams == 0 ? "before any data" : "inside a stream");
}

/* Starts the next stream of the formats whose decoders end with one. */
static void
codec_begin(struct codec *c)
{
	switch (c->kind) {
	case CODEC_GZIP:
		if (c->streams > 0 && inflateReset(&c->z) != Z_OK)
			fatal("inflateReset failed");
		break;
	case CODEC_BZIP2:
		if (c->bz_init)
			BZ2_bzDecompressEnd(&c->bz);
		memset(&c->bz, 0, sizeof c->bz);
		if (BZ2_bzDecompressInit(&c->bz, 0, 0) != BZ_OK)
			fatal("out of memory");
		c->bz_init = 1;
		break;
	default:
		break;
	}
	c->open = 1;
	c->streams++;
}

/*
 * One call of the library over the buffered input into out[0..size):
 * sets *made to the bytes of text produced and advances the buffer.
 * Returns 0, or -1 with c->err set.
 */
static int
codec_step(struct codec *c, char *out, size_t size, int finish, size_t *made)
{
	size_t used = 0;
	int rc;

	*made = 0;
	switch (c->kind) {
	case CODEC_GZIP:
		c->z.next_in = c->in + c->pos;
		c->z.avail_in = (uInt)c->avail;
		c->z.next_out = (Bytef *)out;
		c->z.avail_out = size > UINT32_MAX ? UINT32_MAX : (uInt)size;
		rc = inflate(&c->z, Z_NO_FLUSH);
		used = c->avail - c->z.avail_in;
		*made = (size > UINT32_MAX ? UINT32_MAX : size) - c->z.avail_out;
		c->pos += used;
		c->avail -= used;
		if (rc == Z_STREAM_END)
			c->open = 0;
		else if (rc == Z_MEM_ERROR)
			fatal("out of memory");
		else if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR ||
		    rc == Z_STREAM_ERROR) {
			codec_corrupt(c, c->z.msg != NULL ? c->z.msg :
			    "needs a preset dictionary");
			return -1;
		}
		break;
	case CODEC_BZIP2:
		c->bz.next_in = (char *)c->in + c->pos;
		c->bz.avail_in = (unsigned)c->avail;
		c->bz.next_out = out;
		c->bz.avail_out = size > UINT32_MAX ? UINT32_MAX : (unsigned)size;
		rc = BZ2_bzDecompress(&c->bz);
		used = c->avail - c->bz.avail_in;
		*made = (size > UINT32_MAX ? UINT32_MAX : size) - c->bz.avail_out;
		c->pos += used;
		c->avail -= used;
		if (rc == BZ_STREAM_END)
			c->open = 0;
		else if (rc == BZ_MEM_ERROR)
			fatal("out of memory");
		else if (rc != BZ_OK) {
			codec_corrupt(c, rc == BZ_DATA_ERROR_MAGIC ?
			    "not bzip2 data" : "bad block data");
			return -1;
		}
		break;
	case CODEC_XZ: {
		lzma_ret r;

		c->xz.next_in = c->in + c->pos;
		c->xz.avail_in = c->avail;
		c->xz.next_out = (uint8_t *)out;
		c->xz.avail_out = size;
		r = lzma_code(&c->xz, finish ? LZMA_FINISH : LZMA_RUN);
		used = c->avail - c->xz.avail_in;
		*made = size - c->xz.avail_out;
		c->pos += used;
		c->avail -= used;
		if (r == LZMA_STREAM_END)
			c->open = 0;
		else if (r == LZMA_MEM_ERROR)
			fatal("out of memory");
		else if (r == LZMA_BUF_ERROR && finish) {
			codec_truncated(c);
			return -1;
		} else if (r != LZMA_OK) {
			codec_corrupt(c, r == LZMA_FORMAT_ERROR ?
			    "not xz data" : r == LZMA_OPTIONS_ERROR ?
			    "unsupported options" : "bad data or checksum");
			return -1;
		}
		break;
	}
	case CODEC_ZSTD: {
		ZSTD_inBuffer ib = { c->in + c->pos, c->avail, 0 };
		ZSTD_outBuffer ob = { out, size, 0 };
		size_t r = ZSTD_decompressStream(c->zst, &ob, &ib);

		c->pos += ib.pos;
		c->avail -= ib.pos;
		*made = ob.pos;
		if (ZSTD_isError(r)) {
			codec_corrupt(c, ZSTD_getErrorName(r));
			return -1;
		}
		if (r == 0)
			c->open = 0;
		break;
	}
	default:
		break;
	}
	return 0;
}

ssize_t
codec_read(struct codec *c, char *buf, size_t size, struct err *e)
{
	size_t made;

	if (c->failed) {
		*e = c->err;
		return -1;
	}
	while (!c->done && size > 0) {
		if (codec_refill(c) == -1)
			goto fail;
		if (c->kind == CODEC_XZ) {
			/* liblzma joins streams itself; it must see the end. */
			if (c->streams == 0)
				c->streams = c->open = 1;
			if (c->eof && c->avail == 0 && c->total == 0) {
				c->streams = 0;
				codec_truncated(c);
				goto fail;
			}
			if (codec_step(c, buf, size, c->eof, &made) == -1)
				goto fail;
			if (!c->open)
				c->done = 1;
			if (made > 0)
				return (ssize_t)made;
			continue;
		}
		if (c->avail == 0 && c->eof) {
			if (c->open || c->streams == 0) {
				codec_truncated(c);
				goto fail;
			}
			c->done = 1;
			break;
		}
		if (!c->open)
			codec_begin(c);
		if (codec_step(c, buf, size, 0, &made) == -1)
			goto fail;
		if (made > 0)
			return (ssize_t)made;
	}
	return 0;
fail:
	c->failed = 1;
	*e = c->err;
	return -1;
}

uint64_t
codec_offset(const struct codec *c)
{
	return c->total;
}

void
codec_free(struct codec *c)
{
	if (c == NULL)
		return;
	switch (c->kind) {
	case CODEC_GZIP:
		inflateEnd(&c->z);
		break;
	case CODEC_BZIP2:
		if (c->bz_init)
			BZ2_bzDecompressEnd(&c->bz);
		break;
	case CODEC_XZ:
		lzma_end(&c->xz);
		break;
	case CODEC_ZSTD:
		ZSTD_freeDStream(c->zst);
		break;
	default:
		break;
	}
	free(c->in);
	free(c);
}
