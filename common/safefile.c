/*
 * safefile.c - temp file, write, fsync, close, rename (see safefile.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "safefile.h"

#define SAFEFILE_BUF (64 * 1024)	/* under malloc's mmap threshold */

struct safefile {
	int	 fd;
	char	*path;		/* final name */
	char	*tmp;		/* temporary name */
	uint8_t	*buf;
	size_t	 used;
	uint64_t size;
	uint32_t crc;		/* of the bytes flushed (SAFEFILE_CRC) */
	int	 flags;
};

/* Asked before any file gets its final name (safefile_set_guard()). */
static int (*safefile_guard)(void *, struct err *);
static void (*safefile_unguard)(void *);
static void *safefile_guard_arg;

/* Makes temporary names unique within the process; the pid across processes. */
static unsigned long safefile_seq;

static void
safefile_free(struct safefile *f)
{
	free(f->buf);
	free(f->tmp);
	free(f->path);
	free(f);
}

/* Sets f->tmp to a fresh temporary name next to f->path. */
static void
safefile_tmpname(struct safefile *f)
{
	const char *slash = strrchr(f->path, '/');
	int dirlen = slash != NULL ? (int)(slash - f->path + 1) : 0;
	size_t tmplen = strlen(f->path) + sizeof SAFEFILE_PREFIX + 48;

	free(f->tmp);
	f->tmp = xmalloc(tmplen);
	/* pid and a counter make the name unique without random retries. */
	snprintf(f->tmp, tmplen, "%.*s%s%s-%ld-%lu", dirlen, f->path,
	    SAFEFILE_PREFIX, f->path + dirlen, (long)getpid(), safefile_seq++);
}

/* The folder of path, to free: "." for a bare name. */
static char *
safefile_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	dir = xmalloc((size_t)(slash - path) + 1);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return dir;
}

/*
 * An unnamed file in path's folder (O_TMPFILE), given its name by linkat()
 * through /proc/self/fd at commit: one directory entry made per file where
 * a named temporary file takes two and a removal. -1 when the kernel, the
 * file system or a missing /proc does not allow it.
 */
static int
safefile_open_unnamed(const char *path)
{
#ifdef O_TMPFILE
	static int proc_ok = -1;
	char *dir;
	int fd;

	if (proc_ok == -1)
		proc_ok = access("/proc/self/fd", X_OK) == 0;
	if (!proc_ok)
		return -1;
	dir = safefile_dirname(path);
	fd = open(dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0666);
	free(dir);
	return fd;
#else
	(void)path;
	return -1;
#endif
}

struct safefile *
safefile_open(const char *path, int flags, struct err *e)
{
	struct safefile *f;

	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->flags = flags;
	if ((f->fd = safefile_open_unnamed(path)) != -1)
		goto done;
	/* open() applies the umask itself: one system call per file. */
	do {
		safefile_tmpname(f);
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
	} while (f->fd == -1 && errno == EEXIST);
	if (f->fd == -1) {
		err_sys(e, "%s: cannot create a temporary file", path);
		safefile_free(f);
		return NULL;
	}
done:
	f->buf = xmalloc(SAFEFILE_BUF);
	return f;
}

/*
 * Gives the unnamed file its final name. When that name exists (a task run
 * again), the file is linked under a temporary name and renamed over it, so
 * that the old file is replaced in one step.
 */
static int
safefile_link(struct safefile *f, struct err *e)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST) {
		err_sys(e, "%s: link", f->path);
		return -1;
	}
	for (;;) {
		safefile_tmpname(f);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			break;
		if (errno != EEXIST) {
			err_sys(e, "%s: link", f->tmp);
			free(f->tmp);
			f->tmp = NULL;
			return -1;
		}
	}
	if (rename(f->tmp, f->path) == -1) {
		err_sys(e, "%s: rename", f->path);
		return -1;
	}
	free(f->tmp);
	f->tmp = NULL;
	return 0;
}

/* Writes all of p to the file descriptor. */
static int
safefile_write_fd(struct safefile *f, const uint8_t *p, size_t n,
    struct err *e)
{
	if (f->flags & SAFEFILE_CRC)
		f->crc = crc32c(f->crc, p, n);
	while (n > 0) {
		ssize_t w = write(f->fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			err_sys(e, "%s: write", f->path);
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

static int
safefile_flush(struct safefile *f, struct err *e)
{
	int rc = safefile_write_fd(f, f->buf, f->used, e);

	f->used = 0;
	return rc;
}

int
safefile_write(struct safefile *f, const void *p, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	f->size += n;
	if (f->used + n <= SAFEFILE_BUF) {
		memcpy(f->buf + f->used, p, n);
		f->used += n;
		return 0;
	}
	if (safefile_flush(f, e) == -1)
		return -1;
	if (n >= SAFEFILE_BUF)
		return safefile_write_fd(f, p, n, e);
	memcpy(f->buf, p, n);
	f->used = n;
	return 0;
}

uint64_t
safefile_size(const struct safefile *f)
{
	return f->size;
}

uint32_t
safefile_crc(const struct safefile *f)
{
	/* The buffered bytes are checksummed when flushed; count them now. */
	return crc32c(f->crc, f->buf, f->used);
}

void
safefile_set_guard(int (*guard)(void *, struct err *),
    void (*release)(void *), void *arg)
{
	safefile_guard = guard;
	safefile_unguard = release;
	safefile_guard_arg = arg;
}

void
safefile_get_guard(int (**guard)(void *, struct err *),
    void (**release)(void *), void **arg)
{
	*guard = safefile_guard;
	*release = safefile_unguard;
	*arg = safefile_guard_arg;
}

/*
 * Whether `name` is a temporary name of process `pid` (safefile_tmpname()):
 * the prefix, then anything, then "-PID-N" at the very end.
 */
static int
safefile_is_temp_of(const char *name, pid_t pid)
{
	char tail[32];
	const char *seq = strrchr(name, '-');
	size_t plen = strlen(SAFEFILE_PREFIX), n;

	if (strncmp(name, SAFEFILE_PREFIX, plen) != 0 || seq == NULL ||
	    seq[1] == '\0' || strspn(seq + 1, "0123456789") != strlen(seq + 1))
		return 0;
	n = (size_t)snprintf(tail, sizeof tail, "-%ld", (long)pid);
	/* "-PID" ends where the sequence number starts, after a name. */
	return (size_t)(seq - name) > plen + n &&
	    strncmp(seq - n, tail, n) == 0;
}

void
safefile_remove_temps(const char *dir, pid_t pid)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	if ((d = opendir(dir)) == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL)
		if (safefile_is_temp_of(de->d_name, pid))
			unlinkat(dfd, de->d_name, 0);
	closedir(d);
}

/* The name is given (or not): whatever the guard holds is let go. */
static void
safefile_release(void)
{
	if (safefile_guard != NULL && safefile_unguard != NULL)
		safefile_unguard(safefile_guard_arg);
}

/*
 * Writes path's folder to disk: the link or rename that gave the file its
 * name changed the folder, not the file, and the file's own fsync "does
 * not necessarily ensure that the entry in the directory containing the
 * file has also reached disk" (fsync(2)): a power loss before the folder
 * is written could lose the name. The name stays when this fails: it may
 * by now be another attempt's whole file.
 */
static int
safefile_sync_dir(const char *path, struct err *e)
{
	char *dir = safefile_dirname(path);
	int fd, rc = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		err_sys(e, "%s: folder %s", path, dir);
		goto out;
	}
	/*
	 * A file system that cannot sync a folder says EINVAL (as PostgreSQL
	 * and SQLite also allow): there is nothing more to do there.
	 */
	if (fsync(fd) == -1 && errno != EINVAL)
		err_sys(e, "%s: fsync of folder %s", path, dir);
	else
		rc = 0;
	close(fd);
out:
	free(dir);
	return rc;
}

int
safefile_commit(struct safefile *f, struct err *e)
{
	int fd, rc;

	if (safefile_flush(f, e) == -1)
		goto fail;
	if (!(f->flags & SAFEFILE_NOSYNC) && fsync(f->fd) == -1) {
		err_sys(e, "%s: fsync", f->path);
		goto fail;
	}
	/*
	 * Last, so that nothing slow comes between the check and the link;
	 * the guard holds until the name is given, so that what it checked
	 * stays true meanwhile.
	 */
	if (safefile_guard != NULL &&
	    safefile_guard(safefile_guard_arg, e) == -1) {
		err_prefix(e, "%s: not linked", f->path);
		goto fail;
	}
	if (f->tmp == NULL) {
		/*
		 * An unnamed file is named before it is closed: closing first
		 * would free it. After fsync (or for files checked on reading)
		 * close has no write error left to report on a local file
		 * system, and file systems without O_TMPFILE take the path
		 * below.
		 */
		rc = safefile_link(f, e);
		safefile_release();
		if (rc == -1)
			goto fail;
		fd = f->fd;
		f->fd = -1;
		if (close(fd) == -1) {
			/*
			 * Reported, but the name stays: it may by now be
			 * another attempt's whole file, and this one was
			 * written in full before it was linked.
			 */
			err_sys(e, "%s: close", f->path);
			goto fail;
		}
	} else {
		fd = f->fd;
		f->fd = -1;
		if (close(fd) == -1) {
			safefile_release();
			err_sys(e, "%s: close", f->path);
			goto fail;
		}
		rc = rename(f->tmp, f->path);
		safefile_release();
		if (rc == -1) {
			err_sys(e, "%s: rename", f->path);
			goto fail;
		}
		free(f->tmp);
		f->tmp = NULL;
	}
	if (!(f->flags & SAFEFILE_NOSYNC) &&
	    safefile_sync_dir(f->path, e) == -1)
		goto fail;
	safefile_free(f);
	return 0;
fail:
	safefile_abort(f);
	return -1;
}

void
safefile_abort(struct safefile *f)
{
	int saved = errno;

	if (f == NULL)
		return;
	if (f->fd != -1)
		close(f->fd);
	if (f->tmp != NULL)
		unlink(f->tmp);
	safefile_free(f);
	errno = saved;
}

int
safefile_check(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int rc = -1;

	if (*path == '\0') {
		err_set(e, "empty file name");
		return -1;
	}
	if (slash != NULL && slash[1] == '\0') {
		err_set(e, "%s: names a folder, not a file", path);
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(e, "%s: is a folder", path);
		return -1;
	}
	dir = safefile_dirname(path);
	if (stat(dir, &st) == -1)
		err_sys(e, "%s: folder %s", path, dir);
	else if (!S_ISDIR(st.st_mode))
		err_set(e, "%s: %s is not a folder", path, dir);
	else if (access(dir, W_OK | X_OK) == -1)
		err_sys(e, "%s: cannot create files in %s", path, dir);
	else
		rc = 0;
	free(dir);
	return rc;
}
