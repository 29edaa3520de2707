/*
 * sockpath.c - choosing and checking the socket path (see sockpath.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockpath.h"

int
sockpath_check_dir(const char *dir, struct err *e)
{
	struct stat st;

	if (lstat(dir, &st) == -1) {
		err_sys(e, "%s", dir);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		err_set(e, "%s: a symbolic link, not a folder; refusing to use "
		    "it for the socket", dir);
		errno = ENOTDIR;
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(e, "%s: not a folder", dir);
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != geteuid()) {
		err_set(e, "%s: the folder belongs to uid %u, not to you (uid "
		    "%u); refusing to use it for the socket", dir,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		errno = EPERM;
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		err_set(e, "%s: the folder is open to others (mode %04o, "
		    "expected 0700); refusing to use it for the socket", dir,
		    (unsigned)(st.st_mode & 07777));
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * The default's folder into dir: $XDG_RUNTIME_DIR (which the session
 * manager made), or /tmp/mr-<uid>, made here in SOCKPATH_CREATE mode. The
 * sticky bit of /tmp keeps others from renaming or removing it once made.
 */
static int
sockpath_default_dir(enum sockpath_mode mode, char *dir, size_t size,
    struct err *e)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int made = 0;

	/* The specification says to ignore a relative path. */
	if (xdg != NULL && *xdg == '/') {
		if ((size_t)snprintf(dir, size, "%s", xdg) >= size) {
			err_set(e, "$XDG_RUNTIME_DIR too long for a socket "
			    "path: %s", xdg);
			errno = ENAMETOOLONG;
			return -1;
		}
		if (sockpath_check_dir(dir, e) == -1) {
			err_prefix(e, "$XDG_RUNTIME_DIR");
			return -1;
		}
		return 0;
	}
	snprintf(dir, size, "%s/mr-%u", SOCKPATH_TMP, (unsigned)geteuid());
	if (mode == SOCKPATH_CREATE) {
		if (mkdir(dir, 0700) == 0)
			made = 1;
		else if (errno != EEXIST) {
			err_sys(e, "%s", dir);
			return -1;
		}
	}
	/* A umask such as 0277 must not leave it unusable. */
	if (made && chmod(dir, 0700) == -1) {
		err_sys(e, "%s", dir);
		return -1;
	}
	if (sockpath_check_dir(dir, e) == -1)
		return mode == SOCKPATH_CHECK && errno == ENOENT ? 0 : -1;
	return 0;
}

int
sockpath_resolve(const char *option, enum sockpath_mode mode,
    struct sockaddr_un *addr, struct err *e)
{
	char def[sizeof addr->sun_path + 16];
	const char *path = option;
	/* Only what was typed on the command line is a usage error. */
	int bad = option != NULL ? SOCKPATH_USAGE : -1;

	if (path == NULL)
		path = getenv("MR_SOCKET");
	if (path == NULL || (*path == '\0' && option == NULL)) {
		if (sockpath_default_dir(mode, def, sizeof def - 16, e) == -1)
			return -1;
		strcat(def, "/" SOCKPATH_NAME);
		path = def;
	}
	if (*path == '\0') {
		err_set(e, "empty socket path");
		errno = EINVAL;
		return bad;
	}
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	if (strlen(path) > SOCKPATH_MAX) {
		err_set(e, "socket path too long (%zu bytes, at most %d): %s",
		    strlen(path), SOCKPATH_MAX, path);
		errno = ENAMETOOLONG;
		return bad;
	}
	strcpy(addr->sun_path, path);
	return 0;
}

const char *
sockpath_run_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0' || strlen(tmp) +
	    sizeof "/" SOCKPATH_RUN_DIR "/" SOCKPATH_NAME - 1 > SOCKPATH_MAX)
		return SOCKPATH_TMP;
	return tmp;
}
