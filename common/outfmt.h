/*
 * outfmt.h - how a job writes its outputs mr-out-Y (--output-format).
 *
 * text, the default and the lab's: one line "KEY VALUE\n" per record
 * reduce emits, the bytes as they are. It cannot be read back when keys or
 * values may hold a space, a tab or a newline: "a b c" is the key "a" with
 * the value "b c" or the key "a b" with the value "c", and a value holding
 * a newline looks like two records.
 *
 * tsv: one line "KEY\tVALUE\n" per record, key and value each escaped as
 * C escapes them, so that every line is one record and the tab the one
 * between key and value: a backslash is "\\", a tab "\t", a newline "\n",
 * a carriage return "\r", any other byte below 0x20 and DEL "\xHH" (always
 * two hexadecimal digits); every other byte (space, UTF-8, bytes of 0x80
 * and up) is itself. Lossless: outfmt_unescape() gives back the bytes, as
 * does Python's codecs.escape_decode().
 */
#ifndef MR_OUTFMT_H
#define MR_OUTFMT_H

#include <stddef.h>
#include <sys/types.h>

enum outfmt {
	OUTFMT_TEXT,
	OUTFMT_TSV
};

/* The default, and the names --output-format takes, for usage texts. */
#define OUTFMT_DEFAULT OUTFMT_TEXT
#define OUTFMT_CHOICES "text or tsv"

/* Parses a format's name. Returns 0 with *f set, or -1. */
int	outfmt_parse(const char *name, enum outfmt *f);

/* The name of a format ("text", "tsv"); "?" for a value out of range. */
const char *outfmt_name(int f);

/* Bytes outfmt_escape() may write for n bytes: each may take four. */
#define OUTFMT_ESCAPED_MAX(n) (4 * (n))

/*
 * Writes the tsv escaped form of src[0..n) to dst, which has room for
 * OUTFMT_ESCAPED_MAX(n) bytes (not NUL-terminated). Returns its length.
 */
size_t	outfmt_escape(char *dst, const void *src, size_t n);

/* Whether none of src[0..n) needs an escape (written as it is then). */
int	outfmt_plain(const void *src, size_t n);

/*
 * Decodes one escaped field src[0..n) into dst (room for n bytes: never
 * longer). Returns the decoded length, or -1 when src holds a backslash
 * that starts no escape above, or a raw tab or newline.
 */
ssize_t	outfmt_unescape(char *dst, const char *src, size_t n);

#endif
