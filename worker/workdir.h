/*
 * workdir.h - the working folder of a streaming worker's commands: made,
 * filled with copies of the --files, and the folders of dead workers
 * removed.
 *
 * A worker's folder is `mrworker-<pid>-XXXXXX` in $TMPDIR (else /tmp),
 * mode 0700, and the worker holds an exclusive flock() on it for as long
 * as it lives. A worker that dies by SIGKILL cannot remove its folder;
 * the next streaming worker of the same user removes it
 * (workdir_sweep()). A folder is removed only when all of these hold: its
 * name has exactly that shape; it is a folder (not followed if a symbolic
 * link), owned by this user, of mode 0700; the pid in its name is no
 * process's (kill() says ESRCH); and its lock can be had. The lock is
 * what decides, as the kernel drops it with its holder whatever happens
 * to pids: a pid reused by another process only keeps a dead worker's
 * folder one sweep longer, and a live worker's folder is locked even
 * when its pid means nothing here (another PID namespace sharing TMPDIR).
 * The pid covers the instant between the folder's mkdtemp() and its lock.
 * Where no lock can be taken (a file system refusing flock() on a folder)
 * nothing is removed.
 */
#ifndef MR_WORKDIR_H
#define MR_WORKDIR_H

#include <sys/types.h>

#include <stddef.h>

#include "err.h"

/* The folders' names: WORKDIR_PREFIX, the pid, '-', six of mkdtemp's. */
#define WORKDIR_PREFIX	"mrworker-"

/* Levels of folders a sweep goes down into a dead worker's folder. */
#define WORKDIR_DEPTH	32

/*
 * Makes this process's folder in tmp (the absolute path in path, of len
 * bytes), locked; *lock is the lock's descriptor (close-on-exec), or -1
 * when the file system refused the lock. Returns 0, or -1 with e set.
 */
int	workdir_make(const char *tmp, char *path, size_t len, int *lock,
	    struct err *e);

/*
 * Copies the regular file src to dst (which must not exist) with src's
 * mode minus the write bits (and set-id bits): a script stays executable,
 * and the copy read-only. A reflink (FICLONE) where the file system can
 * share the blocks, else copy_file_range(), else read() and write().
 * Returns 0, or -1 with e naming src, leaving no dst.
 */
int	workdir_copy(const char *src, const char *dst, struct err *e);

/*
 * Whether name has the shape of a worker's folder: 1 with *pid set to the
 * pid in it, else 0.
 */
int	workdir_parse(const char *name, pid_t *pid);

/*
 * Removes, with what they hold, the folders in tmp of this user's dead
 * workers (see above), each said on the log. Returns how many.
 */
int	workdir_sweep(const char *tmp);

#endif
