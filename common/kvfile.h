/*
 * kvfile.h - intermediate files: sorted key/value records with a checksum.
 *
 * Format (all integers little-endian, lengths as LEB128 varints):
 *
 *	"MRKV" 0x02 0x00 0x00 0x00		magic and format version
 *	u64 job id				the job that wrote it
 *	record*:  varint(keylen + 1) varint(valuelen) key value
 *	0x00					end of records
 *	u64 record count
 *	u32 CRC-32C of every byte before it
 *
 * The reader verifies the trailer when it reaches the end, so a truncated
 * or corrupted file is reported (kvreader_next() returns -1) and never read
 * as valid, and so is a file of another job (another run in the same
 * folder, another --reduces): the reader is given the job id it expects.
 * Records are not required to be sorted by this module; the map
 * side writes them sorted by key and merge.h relies on it.
 */
#ifndef MR_KVFILE_H
#define MR_KVFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define KVFILE_MAGIC "MRKV\2\0\0\0"
#define KVFILE_MAGIC_LEN 8
/* The magic and the job id. */
#define KVFILE_HEADER_LEN (KVFILE_MAGIC_LEN + 8)
/* The end marker, the record count and the checksum. */
#define KVFILE_TRAILER_LEN (1 + 8 + 4)

struct kvwriter;
struct kvreader;

/*
 * Starts writing `path` for job `job` (through a temporary file, see
 * safefile.h; not fsynced: the checksum catches a file torn by a machine
 * crash).
 */
struct kvwriter	*kvwriter_open(const char *path, uint64_t job, struct err *e);

/*
 * Starts writing an intermediate file's bytes to fd, open for writing, at
 * its current offset: one file among others in a file the caller owns and
 * never names (a spilled run, worker/spill.h); `name` stands for it in
 * errors. kvwriter_commit() then writes the trailer and leaves fd open
 * after it; a failure or kvwriter_abort() leaves what was written, for
 * the caller to discard with the file. Cannot fail.
 */
struct kvwriter	*kvwriter_open_fd(int fd, const char *name, uint64_t job);

/* Appends one record. Returns 0 or -1. */
int	kvwriter_add(struct kvwriter *w, const void *key, size_t keylen,
	    const void *value, size_t valuelen, struct err *e);

/* Records written so far. */
uint64_t kvwriter_count(const struct kvwriter *w);

/*
 * Writes the trailer and renames the file into place (only the trailer for
 * kvwriter_open_fd()); frees w. Sets *bytes to the file's size when not
 * NULL.
 */
int	kvwriter_commit(struct kvwriter *w, uint64_t *bytes, struct err *e);

/* Discards the file; frees w. NULL is fine. */
void	kvwriter_abort(struct kvwriter *w);

/*
 * Opens an intermediate file of job `job` for reading. NULL and e set on
 * failure.
 */
struct kvreader	*kvreader_open(const char *path, uint64_t job, struct err *e);

/*
 * The same for the intermediate file of `size` bytes at offset `off` of fd
 * (as kvwriter_open_fd() wrote it), named `name` in errors. The reader
 * uses pread(2), so that several may share fd, and leaves fd open.
 */
struct kvreader	*kvreader_open_fd(int fd, uint64_t off, uint64_t size,
	    const char *name, uint64_t job, struct err *e);

/*
 * Reads the next record. Returns 1 with the pointers set (valid until the
 * next call), 0 at a verified end of file, -1 with e set when the file is
 * truncated, corrupted, unreadable or written by another job than the one
 * given to kvreader_open().
 */
int	kvreader_next(struct kvreader *r, const char **key, size_t *keylen,
	    const char **value, size_t *valuelen, struct err *e);

/*
 * Checks, without reading the whole file, that the open file fd of `size`
 * bytes (named `path` in errors) looks like a whole intermediate file of
 * job `job`: this format's magic and version, the job id, room for a
 * trailer, and the end marker where the trailer starts. Two small preads:
 * a file cut short is caught, unless the cut lands on a byte that happens
 * to be 0, and so is one of another job or format; a corrupted record is
 * caught only by reading the file (kvreader_next() verifies the checksum).
 * Returns 0, or -1 with e saying "PATH: cut short (...)", "PATH: written
 * by another job (...)", "PATH: not an intermediate file", "PATH:
 * intermediate file of format version N, ..." or why it could not be read.
 */
int	kvfile_probe(int fd, uint64_t size, const char *path, uint64_t job,
	    struct err *e);

/* Name the reader was opened with. */
const char *kvreader_path(const struct kvreader *r);

/* Closes the file (not one given to kvreader_open_fd()); NULL is fine. */
void	kvreader_close(struct kvreader *r);

#endif
