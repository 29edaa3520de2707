/*
 * codec.h - compressed inputs: which files are compressed (by their name's
 * extension, as Hadoop picks its codecs) and a streaming decompressor over
 * a file descriptor.
 *
 * The decompressor holds a fixed buffer of compressed bytes and the
 * library's own state (zlib, libbz2, liblzma, libzstd), never the whole
 * decompressed text: a caller asks for the next bytes of text into its own
 * buffer, as read(2) gives a plain file's. Concatenated streams (several
 * gzip members, bzip2 streams, xz streams or zstd frames, as `cat a.gz
 * b.gz` makes) are read as one text, as the command-line tools read them.
 */
#ifndef MR_CODEC_H
#define MR_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum codec_kind {
	CODEC_NONE,		/* not compressed: read as it is */
	CODEC_GZIP,		/* .gz */
	CODEC_BZIP2,		/* .bz2 */
	CODEC_XZ,		/* .xz */
	CODEC_ZSTD		/* .zst */
};

/* The codec of a file named `path`, from its extension; CODEC_NONE if none. */
enum codec_kind codec_of_name(const char *path);

/* The format's name as users know it ("gzip", "bzip2", "xz", "zstd"). */
const char *codec_name(enum codec_kind kind);

struct codec;

/*
 * A decompressor of `kind` (not CODEC_NONE) reading fd from its current
 * position; fd stays the caller's. Out of memory is fatal.
 */
struct codec	*codec_new(enum codec_kind kind, int fd);

/*
 * Decompresses up to `size` bytes of text into buf. Returns how many (at
 * least 1 while text remains), 0 at the end of the file once every stream
 * in it ended properly, or -1 with e saying what is wrong and at which
 * byte of the compressed file: "corrupt gzip data at byte 1234: invalid
 * distance too far back", "truncated xz data: the file ends at byte 5000
 * inside a stream", or a read error. e names no file: the caller prefixes
 * it. After -1 every call fails again.
 */
ssize_t	codec_read(struct codec *c, char *buf, size_t size, struct err *e);

/* Bytes of the compressed file read so far. */
uint64_t codec_offset(const struct codec *c);

/* Frees the decompressor; NULL is ignored. */
void	codec_free(struct codec *c);

#endif
