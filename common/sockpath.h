/*
 * sockpath.h - where the coordinator's Unix socket lives.
 *
 * In order: the --socket option, the MR_SOCKET environment variable, and
 * the default, mr.sock in a private folder of the user's: $XDG_RUNTIME_DIR
 * when it is set (to an absolute path), else /tmp/mr-<uid>. The
 * coordinator, the workers and mrctl resolve it the same way.
 *
 * The default's folder is checked before use, because whoever can create
 * or replace a socket there becomes the coordinator of the user's workers:
 * it must be a real folder (not a symbolic link), owned by the user, that
 * nobody else may enter (no group or other permission bits). /tmp/mr-<uid>
 * is created (mode 0700) when it is missing; a folder of that name made by
 * someone else is refused, never used or taken over.
 */
#ifndef MR_SOCKPATH_H
#define MR_SOCKPATH_H

#include <sys/socket.h>
#include <sys/un.h>

#include "err.h"

/* The default socket's name inside its folder. */
#define SOCKPATH_NAME "mr.sock"

/* Where the per-user folder mr-<uid> is made without $XDG_RUNTIME_DIR. */
#define SOCKPATH_TMP "/tmp"

/*
 * Longest socket path: a Unix socket address holds 107 bytes, and the
 * coordinator binds to the path plus "." and 10 random characters before
 * renaming it into place.
 */
#define SOCKPATH_MAX ((int)sizeof(((struct sockaddr_un *)0)->sun_path) - 1 - 12)

/* mrrun's socket folders, in sockpath_run_tmpdir(); mkdtemp() fills the X's. */
#define SOCKPATH_RUN_DIR "mrrun-XXXXXX"

/* What sockpath_resolve() does with the default's folder. */
enum sockpath_mode {
	SOCKPATH_CHECK,		/* check it if it exists (mrctl) */
	SOCKPATH_CREATE		/* also make /tmp/mr-<uid> if missing */
};

/* Returned by sockpath_resolve() for a bad `option`: a usage error. */
#define SOCKPATH_USAGE (-2)

/*
 * Fills addr with the socket path chosen from `option` (may be NULL), the
 * environment and the default, as above. Returns SOCKPATH_USAGE with e set
 * when `option` is empty or too long for a Unix socket address (errno
 * EINVAL or ENAMETOOLONG). Returns -1 with e set when the path taken from
 * the environment ($MR_SOCKET, $XDG_RUNTIME_DIR) is too long (errno
 * ENAMETOOLONG: nothing was mistyped on the command line), or when the
 * default's folder fails its checks or cannot be made (any other errno; e
 * names the folder and its owner or its mode). A missing folder is not an
 * error in SOCKPATH_CHECK mode: nobody listens there, which connecting
 * finds out.
 */
int	sockpath_resolve(const char *option, enum sockpath_mode mode,
	    struct sockaddr_un *addr, struct err *e);

/*
 * Checks that `dir` is a folder (not a symbolic link) owned by the
 * effective user with no permission for group or others. Returns 0, or -1
 * with e set naming the folder and what is wrong (errno ENOENT when it
 * does not exist).
 */
int	sockpath_check_dir(const char *dir, struct err *e);

/*
 * Where mrrun makes its socket folders, and mrctl looks for them: $TMPDIR,
 * or SOCKPATH_TMP when it is unset, empty, or so long that
 * "$TMPDIR/mrrun-XXXXXX/mr.sock" would not fit in a socket address.
 */
const char *sockpath_run_tmpdir(void);

#endif
