/*
 * safefile.h - files that appear whole or not at all.
 *
 * safefile_open("dir/mr-out-3") creates a temporary file "dir/.mrtmp-mr-out-3-PID-N"
 * in the same folder; writes are buffered; safefile_commit() flushes, fsyncs
 * (unless SAFEFILE_NOSYNC), closes (checking each step) and renames it over
 * the final name.
 * safefile_abort(), or a failed commit, unlinks the temporary file. A crash
 * may leave a ".mrtmp-" file behind but never a partial final file; the
 * coordinator removes leftovers when the job ends (SAFEFILE_PREFIX).
 */
#ifndef MR_SAFEFILE_H
#define MR_SAFEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Names of temporary files start with this. */
#define SAFEFILE_PREFIX ".mrtmp-"

struct safefile;

/*
 * Skip the fsync at commit: for files that are checked on reading and can
 * be made again (intermediate files carry a checksum; a torn one after a
 * machine crash only means its map task runs again).
 */
#define SAFEFILE_NOSYNC 0x1

/*
 * Creates the temporary file for `path`; flags is 0 or SAFEFILE_NOSYNC.
 * Returns NULL and sets e on failure.
 */
struct safefile	*safefile_open(const char *path, int flags, struct err *e);

/* Appends n bytes. Returns 0 or -1 (the file is then only good for abort). */
int	safefile_write(struct safefile *f, const void *p, size_t n,
	    struct err *e);

/* Bytes written so far. */
uint64_t safefile_size(const struct safefile *f);

/* Makes the file final under its name and frees f, whatever the outcome. */
int	safefile_commit(struct safefile *f, struct err *e);

/* Removes the temporary file and frees f. NULL is fine. */
void	safefile_abort(struct safefile *f);

/*
 * Checks, without writing anything, that `path` could be made final later:
 * not empty, not a folder, in an existing folder this process may create
 * files in. Returns 0, or -1 with e saying what is wrong, so that a typo
 * is caught before a long job rather than after it.
 */
int	safefile_check(const char *path, struct err *e);

#endif
