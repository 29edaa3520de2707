/*
 * journal.h - an append-only file of checksummed records.
 *
 * A journal is a write-ahead log: records are appended one at a time and
 * read back, in order, when the file is opened again (after a restart, a
 * crash of the process or of the machine). Its records are opaque bytes
 * with a one-byte type; what they mean is the caller's business.
 *
 * Format (all integers little-endian):
 *
 *	"MRJOURNAL"		magic, 9 bytes
 *	u32 version		the caller's format version
 *	u32 crc			CRC-32C of the 13 bytes before it
 *	record*:
 *	  u32 length		of the payload, at most JOURNAL_RECORD_MAX
 *	  u8  type
 *	  u32 crc		CRC-32C of length, type and payload
 *	  payload		length bytes
 *
 * Every version of the format starts with these 17 bytes, so that a
 * journal of another version is told apart from a damaged one.
 *
 * A record is written with one pwrite(2), so a process that dies leaves
 * either the whole record or a part of it at the end of the file; a machine
 * crash may leave any bytes of the unsynced tail. Either way the first
 * record that is cut short or fails its checksum is a torn tail: it and
 * everything after it are ignored, and journal_open() truncates the file
 * there so that records appended afterwards are read back. Nothing before
 * the tail is ever lost: a record is read only if every record before it
 * was read.
 *
 *	struct journal *j;
 *	struct journal_info info;
 *	if (journal_open(path, 1, replay, &state, &j, &info, &e) == -1) {
 *		if (errno != ENOENT)
 *			goto fail;		(refused: e says why)
 *		if (journal_create(path, 1, first, nfirst, &j, &e) == -1)
 *			goto fail;
 *	}
 *	...
 *	journal_append(j, REC_DONE, packed, len, &e);
 *	journal_sync(j, &e);
 *	...
 *	journal_close(j);
 */
#ifndef MR_JOURNAL_H
#define MR_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JOURNAL_MAGIC "MRJOURNAL"
#define JOURNAL_MAGIC_LEN 9
/* The magic, the version and the header's checksum. */
#define JOURNAL_HEADER_LEN (JOURNAL_MAGIC_LEN + 4 + 4)
/* Length, type and checksum before each payload. */
#define JOURNAL_RECORD_HEADER_LEN (4 + 1 + 4)
/*
 * The largest payload. A length field above it is corruption (a torn or
 * damaged record), found before anything is allocated for it.
 */
#define JOURNAL_RECORD_MAX (64u * 1024 * 1024)

struct journal;

/* What journal_open() found. */
struct journal_info {
	uint64_t	records;	/* valid records read */
	uint64_t	end;		/* offset after the last of them */
	uint64_t	ignored;	/* bytes of torn tail cut off at end */
};

/*
 * Called by journal_open() for each valid record, in order. The payload is
 * valid only during the call. Returns 0 to go on, or -1 with e set to stop:
 * journal_open() then fails with that error and changes nothing.
 */
typedef int journal_record_fn(void *arg, uint8_t type, const void *payload,
    size_t len, struct err *e);

/* A record for journal_create(): its type and payload. */
struct journal_record {
	uint8_t		 type;
	const void	*payload;
	size_t		 len;		/* at most JOURNAL_RECORD_MAX */
};

/*
 * Makes a new journal at `path` of format `version` holding its header and
 * the nrecs records recs[] (none when 0), and sets *jp to it, open for
 * appending after them. The file is written in full, fsynced once, and
 * given its name through safefile.h (an unnamed or temporary file in the
 * same folder, so subject to the guard a process may have set there),
 * then the folder is fsynced: once this returns 0, the journal and those
 * records survive a machine crash, and no crash ever leaves the name on a
 * journal without them. An existing file at `path` is replaced in one
 * step; a failure before that leaves it as it was. Returns 0, or -1 with e
 * set (and *jp untouched): a record over JOURNAL_RECORD_MAX is refused
 * with EFBIG before anything is written.
 */
int	journal_create(const char *path, uint32_t version,
	    const struct journal_record *recs, size_t nrecs, struct journal **jp,
	    struct err *e);

/*
 * Opens the journal at `path`, which must be of format `version`, and
 * calls fn(arg, ...) for each valid record in order (fn may be NULL).
 * A torn tail (see above) is ignored, and the file is truncated and
 * fsynced there. On success sets *jp to the journal, open for appending
 * after its last valid record, fills *info (if not NULL) and returns 0.
 * Returns -1 with e set, *jp untouched and the file unchanged when:
 *	- there is no file: errno is ENOENT ("PATH: cannot open journal:
 *	  No such file or directory"), and only in this case (the refusals
 *	  below set EINVAL, a stop by fn ECANCELED), so the caller may
 *	  journal_create() then;
 *	- it is not a journal: "PATH: not a job journal";
 *	- it is of another version: "PATH: journal format version 7; this
 *	  build reads version 1";
 *	- its header is cut short or fails its checksum: "PATH: damaged
 *	  journal: ...". The journal is refused, not started over: what to
 *	  do with it is the caller's decision;
 *	- fn returned -1 (e is fn's), or the file cannot be read or truncated.
 */
int	journal_open(const char *path, uint32_t version, journal_record_fn *fn,
	    void *arg, struct journal **jp, struct journal_info *info,
	    struct err *e);

/*
 * Appends one record of `type` with payload p[0..n), n at most
 * JOURNAL_RECORD_MAX, after the last valid record with a single pwrite(2)
 * (continued after a short write or EINTR). Not synced: see journal_sync(). When the write fails,
 * the file is truncated back to its previous end, so that it stays a
 * valid journal, and -1 is returned with e set; if even that fails, every
 * later append fails too (the journal must be opened again, which cuts
 * the partial record off as a torn tail).
 */
int	journal_append(struct journal *j, uint8_t type, const void *p, size_t n,
	    struct err *e);

/* Makes the records appended so far durable (fdatasync). 0 or -1. */
int	journal_sync(struct journal *j, struct err *e);

/* Closes the journal, without syncing, and frees j. NULL is fine. */
void	journal_close(struct journal *j);

/*
 * Removes the journal file at `path` and fsyncs its folder. A missing file
 * is not an error. 0 or -1 with e set.
 */
int	journal_remove(const char *path, struct err *e);

/* The file's size: the header and every valid record, read or appended. */
uint64_t journal_size(const struct journal *j);

/* Valid records in the file, read at open or appended since. */
uint64_t journal_records(const struct journal *j);

/* The path the journal was opened or created with. */
const char *journal_path(const struct journal *j);

#endif
