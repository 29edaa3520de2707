/*
 * workdir.c - a streaming worker's working folder (see workdir.h).
 */
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/fs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "workdir.h"

/* Bytes copied at a time, by copy_file_range() or read(). */
#define WORKDIR_CHUNK	(1 << 20)

/* The length of mkdtemp()'s part of a name. */
#define WORKDIR_RANDOM	6

int
workdir_make(const char *tmp, char *path, size_t len, int *lock,
    struct err *e)
{
	char made[PATH_MAX], abs[PATH_MAX];
	int fd;

	*lock = -1;
	if ((size_t)snprintf(made, sizeof made, "%s/" WORKDIR_PREFIX
	    "%ld-XXXXXX", tmp, (long)getpid()) >= sizeof made) {
		err_set(e, "TMPDIR is too long for the commands' working folder");
		return -1;
	}
	if (mkdtemp(made) == NULL) {
		err_sys(e, "the commands' working folder %s", made);
		return -1;
	}
	/* Absolute: the worker moves to the job folder. */
	if (realpath(made, abs) == NULL) {
		err_sys(e, "the commands' working folder %s", made);
		rmdir(made);
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s", abs) >= len) {
		err_set(e, "the commands' working folder %s: too long", abs);
		rmdir(made);
		return -1;
	}
	fd = open(made, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1) {
		/* Unlocked, no sweep removes it: it stays safe. */
		log_debug("%s: no lock: %s", made, strerror(errno));
		close(fd);
		fd = -1;
	}
	*lock = fd;
	return 0;
}

/* Copies in to out from where their offsets are, by read() and write(). */
static int
workdir_rw(int in, int out)
{
	char *buf = xmalloc(WORKDIR_CHUNK);
	ssize_t n, w;
	size_t off;

	while ((n = read(in, buf, WORKDIR_CHUNK)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		for (off = 0; off < (size_t)n; off += (size_t)w)
			if ((w = write(out, buf + off, (size_t)n - off)) == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				goto fail;
			}
	}
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
}

/* The bytes of in to out: a reflink, else copy_file_range(), else rw. */
static int
workdir_bytes(int in, int out)
{
	ssize_t n;

	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, WORKDIR_CHUNK, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		/* Not between these files here: the rest by hand. */
		if (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
		    errno == EOPNOTSUPP || errno == EPERM || errno == EBADF)
			return workdir_rw(in, out);
		return -1;
	}
}

int
workdir_copy(const char *src, const char *dst, struct err *e)
{
	struct stat st;
	int in, out = -1;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		err_sys(e, "--file %s", src);
		return -1;
	}
	if (fstat(in, &st) == -1) {
		err_sys(e, "--file %s", src);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "--file %s: not a regular file", src);
		goto fail;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (out == -1) {
		err_sys(e, "--file %s: cannot copy it to %s", src, dst);
		goto fail;
	}
	if (workdir_bytes(in, out) == -1 ||
	    fchmod(out, st.st_mode & 0555) == -1) {
		err_sys(e, "--file %s: cannot copy it to %s", src, dst);
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		err_sys(e, "--file %s: cannot copy it to %s", src, dst);
		goto fail;
	}
	close(in);
	return 0;
fail:
	/* Only what we made: an open that failed made nothing. */
	if (out != -1) {
		close(out);
		unlink(dst);
	}
	close(in);
	return -1;
}

int
workdir_parse(const char *name, pid_t *pid)
{
	const char *p = name + strlen(WORKDIR_PREFIX);
	long v = 0;

	if (strncmp(name, WORKDIR_PREFIX, strlen(WORKDIR_PREFIX)) != 0)
		return 0;
	/* A pid: decimal, no leading zero, at most INT_MAX. */
	if (*p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return 0;
	}
	if (*p++ != '-')
		return 0;
	for (int i = 0; i < WORKDIR_RANDOM; i++, p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			return 0;
	if (*p != '\0')
		return 0;
	*pid = (pid_t)v;
	return 1;
}

/*
 * Removes what the folder fd (on device dev) holds, never following a
 * symbolic link nor crossing into another file system; closes fd.
 * Returns 0, or -1 when something stays.
 */
static int
workdir_empty(int fd, dev_t dev, int depth)
{
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int sub, rc = 0;

	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			rc = -1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(fd, d->d_name, 0) == -1)
				rc = -1;
			continue;
		}
		if (st.st_dev != dev || depth >= WORKDIR_DEPTH ||
		    (sub = openat(fd, d->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1 ||
		    workdir_empty(sub, dev, depth + 1) == -1 ||
		    unlinkat(fd, d->d_name, AT_REMOVEDIR) == -1)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

/*
 * Whether process pid may still be the worker of its folder. A zombie is
 * not: it holds no lock and runs nothing, and the process that adopts a
 * killed mrrun's workers (init in a container) may reap them seconds late.
 */
static int
workdir_alive(pid_t pid)
{
	char path[64], stat[256], *end;
	ssize_t n;
	int fd;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno != ENOENT;
	n = read(fd, stat, sizeof stat - 1);
	close(fd);
	if (n <= 0)
		return 1;
	stat[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold anything, ")" included. */
	if ((end = strrchr(stat, ')')) == NULL || end[1] != ' ')
		return 1;
	return end[2] != 'Z' && end[2] != 'X';
}

/* Removes tmp's folder `name` if it is a dead worker's; 1 if removed. */
static int
workdir_reap(int tmpfd, const char *tmp, const char *name)
{
	struct stat st;
	pid_t pid;
	int fd, rc = 0;

	if (!workdir_parse(name, &pid) || pid == getpid() ||
	    workdir_alive(pid))
		return 0;
	fd = openat(tmpfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 07777) != 0700 ||
	    flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return 0;
	}
	/* The lock stays on the folder's own descriptor until it is gone. */
	if (workdir_empty(dup(fd), st.st_dev, 0) == 0 &&
	    unlinkat(tmpfd, name, AT_REMOVEDIR) == 0) {
		log_info("%s/%s: removed, the working folder of worker %ld "
		    "that is gone", tmp, name, (long)pid);
		rc = 1;
	} else
		log_warn("%s/%s: the working folder of worker %ld that is "
		    "gone: not all removed", tmp, name, (long)pid);
	close(fd);
	return rc;
}

int
workdir_sweep(const char *tmp)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir(tmp)) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL)
		n += workdir_reap(dirfd(dir), tmp, d->d_name);
	closedir(dir);
	return n;
}
