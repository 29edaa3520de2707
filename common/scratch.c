/*
 * scratch.c - unnamed read-write files (see scratch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "safefile.h"
#include "scratch.h"

/* Makes fallback names unique within the process; the pid across them. */
static unsigned long scratch_seq;

/*
 * The fallback: a named file, removed right after it is made. The name
 * ends in "-PID-N" as a safefile temporary name does, so that what a
 * process killed in between leaves is found by the same cleanups.
 */
static int
scratch_open_named(const char *dir, const char *tag, struct err *e)
{
	size_t len = strlen(dir) + strlen(tag) + sizeof SAFEFILE_PREFIX + 48;
	char *name = xmalloc(len);
	int fd;

	do {
		snprintf(name, len, "%s/%s%s-%ld-%lu", dir, SAFEFILE_PREFIX,
		    tag, (long)getpid(), scratch_seq++);
		fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} while (fd == -1 && errno == EEXIST);
	if (fd == -1)
		err_sys(e, "%s: cannot create a file", dir);
	else if (unlink(name) == -1) {
		err_sys(e, "%s: cannot remove %s", dir, name);
		close(fd);
		fd = -1;
	}
	free(name);
	return fd;
}

int
scratch_open(const char *dir, const char *tag, struct err *e)
{
#ifdef O_TMPFILE
	int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	if (fd != -1)
		return fd;
	/*
	 * The file system has no unnamed files (EOPNOTSUPP), or the kernel
	 * does not know the flag and took it for a folder opened for writing
	 * (EISDIR), or refuses the combination (EINVAL): a named one then.
	 * Anything else (no such folder, no room, no permission) would fail
	 * the named file too, and is said as it is.
	 */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		err_sys(e, "%s: cannot create an unnamed file", dir);
		return -1;
	}
#endif
	return scratch_open_named(dir, tag, e);
}
