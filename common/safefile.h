/*
 * safefile.h - files that appear whole or not at all.
 *
 * safefile_open("dir/mr-out-3") creates an unnamed file in "dir"
 * (O_TMPFILE); writes are buffered; safefile_commit() flushes, fsyncs
 * (unless SAFEFILE_NOSYNC) and links it under the final name, then closes
 * it and, unless SAFEFILE_NOSYNC, fsyncs "dir" (checking each step). A
 * crash before the link leaves nothing behind.
 *
 * The guarantee: once safefile_commit() of a file opened without
 * SAFEFILE_NOSYNC returned 0, the file is on disk under its name, whole,
 * and a power loss or a kernel crash cannot take the name or any byte away
 * (the file's bytes were synced before the link, the folder holding the
 * name after it). A file committed with SAFEFILE_NOSYNC is whole under its
 * name for every process at once, but only as durable as the kernel's own
 * writeback makes it: after a machine crash it may be missing, empty or
 * torn, so only files checked on reading may use it.
 * An existing final file is replaced in one step (linked under a temporary
 * name, then renamed over it).
 * Where O_TMPFILE is not available (older kernels, some file systems, no
 * /proc), the file is a named temporary "dir/.mrtmp-mr-out-3-PID-N" that
 * is closed, then renamed over the final name; a crash may leave it behind
 * (never a partial final file) and the coordinator removes such leftovers
 * when the job ends (SAFEFILE_PREFIX).
 * safefile_abort(), or a failed commit, removes what was written.
 */
#ifndef MR_SAFEFILE_H
#define MR_SAFEFILE_H

#include <sys/types.h>

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
 * Keep the CRC-32C of every byte written, for safefile_crc(): computed as
 * the bytes go out, so that the file is never read again for it.
 */
#define SAFEFILE_CRC 0x2

/*
 * Creates the temporary file for `path`; flags is 0 or SAFEFILE_NOSYNC and
 * SAFEFILE_CRC or'ed together. Returns NULL and sets e on failure.
 */
struct safefile	*safefile_open(const char *path, int flags, struct err *e);

/* Appends n bytes. Returns 0 or -1 (the file is then only good for abort). */
int	safefile_write(struct safefile *f, const void *p, size_t n,
	    struct err *e);

/* Bytes written so far. */
uint64_t safefile_size(const struct safefile *f);

/*
 * CRC-32C (crc32c.h, from 0) of the bytes written so far, for a file
 * opened with SAFEFILE_CRC; meaningless without it.
 */
uint32_t safefile_crc(const struct safefile *f);

/*
 * Makes the file final under its name and frees f, whatever the outcome.
 * Returns 0, or -1 with e set: the file is then removed, unless it failed
 * only after it got its name (closing it, or syncing the folder), when the
 * name stays, since by then it may be another attempt's whole file.
 */
int	safefile_commit(struct safefile *f, struct err *e);

/* Removes the temporary file and frees f. NULL is fine. */
void	safefile_abort(struct safefile *f);

/*
 * A check made just before each commit gives a file its final name (link
 * or rename): guard(arg, e) returns 0 to go on, or -1 with e set, and the
 * commit then fails and removes the file instead. After a 0, release(arg)
 * (if not NULL) is called once the name is given or failed to be, so that
 * a guard may hold a lock from its check through the link: what it
 * checked cannot change in between. A worker sets one so that nothing
 * more is linked into the job folder once its coordinator is gone. One per
 * process; NULL (the default) checks nothing.
 */
void	safefile_set_guard(int (*guard)(void *arg, struct err *e),
	    void (*release)(void *arg), void *arg);

/* The guard set last (NULLs when none), so that a caller can wrap it. */
void	safefile_get_guard(int (**guard)(void *arg, struct err *e),
	    void (**release)(void *arg), void **arg);

/*
 * Removes from folder `dir` the temporary names process `pid` gave files
 * it was writing where O_TMPFILE was refused (".mrtmp-NAME-PID-N"): for a
 * process killed in the middle of its work, whose unnamed files went with
 * it. Errors are ignored (what is left is the coordinator's leftovers at
 * the job's end).
 */
void	safefile_remove_temps(const char *dir, pid_t pid);

/*
 * Checks, without writing anything, that `path` could be made final later:
 * not empty, not a folder, in an existing folder this process may create
 * files in. Returns 0, or -1 with e saying what is wrong, so that a typo
 * is caught before a long job rather than after it.
 */
int	safefile_check(const char *path, struct err *e);

#endif
