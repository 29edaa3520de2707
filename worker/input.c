/*
 * input.c - mmap of input files, so map reads them without copies.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "input.h"

int
input_map(const char *path, const char **data, size_t *len, struct err *e)
{
	struct stat st;
	void *p;
	int fd;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		err_sys(e, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		err_sys(e, "%s: stat", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			err_sys(e, "%s: mmap", path);
			goto fail;
		}
		madvise(p, st.st_size, MADV_SEQUENTIAL);
		*data = p;
		*len = st.st_size;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

void
input_advise(const char *data, size_t len, size_t start, size_t end)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), from;

	if (len == 0 || end <= start)
		return;
	from = start & ~(page - 1);
	/*
	 * Map the split's pages in one call rather than fault them in a few
	 * at a time (MADV_POPULATE_READ, Linux 5.14); older kernels just get
	 * the read-ahead hint.
	 */
#ifdef MADV_POPULATE_READ
	if (madvise((char *)data + from, end - from, MADV_POPULATE_READ) == 0)
		return;
#endif
	madvise((char *)data + from, end - from, MADV_WILLNEED);
}

void
input_unmap(const char *data, size_t len)
{
	if (len > 0)
		munmap((void *)data, len);
}
