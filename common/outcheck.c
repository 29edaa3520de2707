/*
 * outcheck.c - checking a finished task's files (see outcheck.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crc32c.h"
#include "jobfiles.h"
#include "kvfile.h"
#include "log.h"
#include "outcheck.h"

/* Read size for an output's checksum. */
#define OUTCHECK_CHUNK (256 * 1024)

/* What a file that is not a regular one is, for an error. */
static const char *
outcheck_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a file";
}

/*
 * Opens path, which must be a regular file, and fstats it into st.
 * Returns the descriptor, or -1 with e set. A symbolic link is refused
 * rather than followed (no task makes one), and a FIFO is not waited on.
 */
static int
outcheck_open(const char *path, struct stat *st, struct err *e)
{
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			err_set(e, "%s: missing", path);
		else if (errno == ELOOP)
			err_set(e, "%s: not a regular file (a symbolic link)",
			    path);
		else
			err_sys(e, "%s", path);
		return -1;
	}
	if (fstat(fd, st) == -1) {
		err_sys(e, "%s: stat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(e, "%s: not a regular file (%s)", path,
		    outcheck_kind(st->st_mode));
		close(fd);
		return -1;
	}
	return fd;
}

int
outcheck_map(const char *dir, uint32_t map_id, uint32_t nreduce,
    uint64_t job, struct err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	for (uint32_t y = 0; y < nreduce; y++) {
		if (jobfiles_intermediate(path, sizeof path, dir, map_id,
		    y) == -1) {
			err_set(e, "%s: folder name too long", dir);
			return -1;
		}
		if ((fd = outcheck_open(path, &st, e)) == -1)
			return -1;
		rc = kvfile_probe(fd, (uint64_t)st.st_size, path, job, e);
		close(fd);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
outcheck_output(const char *path, uint64_t size, uint32_t crc,
    struct err *e)
{
	uint64_t total = 0;
	uint32_t got = 0;
	struct stat st;
	uint8_t *buf = NULL;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = outcheck_open(path, &st, e)) == -1)
		return -1;
	if ((uint64_t)st.st_size != size) {
		err_set(e, "%s: %llu bytes, expected %llu", path,
		    (unsigned long long)st.st_size, (unsigned long long)size);
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = xmalloc(OUTCHECK_CHUNK);
	for (;;) {
		n = read(fd, buf, OUTCHECK_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(e, "%s: read", path);
			goto out;
		}
		if (n == 0)
			break;
		got = crc32c(got, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (total != size) {
		err_set(e, "%s: changed while read (%llu bytes, expected %llu)",
		    path, (unsigned long long)total, (unsigned long long)size);
		goto out;
	}
	if (got != crc) {
		err_set(e, "%s: CRC-32C %08x, expected %08x", path,
		    (unsigned)got, (unsigned)crc);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
