/*
 * journal.c - append-only file of checksummed records (see journal.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "journal.h"
#include "log.h"
#include "safefile.h"

/* Read in chunks of this size at open: a record is a few dozen bytes. */
#define JOURNAL_READ_BUF (64 * 1024)

struct journal {
	int	 fd;
	char	*path;
	uint64_t end;		/* offset after the last valid record */
	uint64_t records;
	int	 broken;	/* a failed append could not be undone */
	uint8_t	*buf;		/* one record being appended */
	size_t	 cap;
};

/* Reads the file at open, through a buffer. */
struct journal_reader {
	int	 fd;
	uint8_t	*buf;
	size_t	 off;		/* first unread byte of buf */
	size_t	 len;		/* bytes in buf */
};

static void
journal_put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
journal_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* The checksum of a record: its length and type, then its payload. */
static uint32_t
journal_record_crc(const uint8_t *hdr, const void *p, size_t n)
{
	return crc32c(crc32c(0, hdr, 5), p, n);
}

/* The length, type and checksum that go before payload p[0..n). */
static void
journal_record_header(uint8_t *hdr, uint8_t type, const void *p, size_t n)
{
	journal_put32(hdr, (uint32_t)n);
	hdr[4] = type;
	journal_put32(hdr + 5, journal_record_crc(hdr, p, n));
}

static void
journal_header(uint8_t *hdr, uint32_t version)
{
	memcpy(hdr, JOURNAL_MAGIC, JOURNAL_MAGIC_LEN);
	journal_put32(hdr + JOURNAL_MAGIC_LEN, version);
	journal_put32(hdr + JOURNAL_MAGIC_LEN + 4,
	    crc32c(0, hdr, JOURNAL_MAGIC_LEN + 4));
}

/*
 * Copies up to n bytes into p. Returns the number copied (less than n only
 * at the end of the file), or -1 with e set.
 */
static ssize_t
journal_read(struct journal_reader *r, const char *path, void *p, size_t n,
    struct err *e)
{
	uint8_t *dst = p;
	size_t got = 0;

	while (got < n) {
		int direct;
		ssize_t rn;

		if (r->off < r->len) {
			size_t k = r->len - r->off;

			if (k > n - got)
				k = n - got;
			memcpy(dst + got, r->buf + r->off, k);
			r->off += k;
			got += k;
			continue;
		}
		/* Big payloads go straight to their buffer. */
		direct = n - got >= JOURNAL_READ_BUF;
		if (direct)
			rn = read(r->fd, dst + got, n - got);
		else
			rn = read(r->fd, r->buf, JOURNAL_READ_BUF);
		if (rn == -1 && errno == EINTR)
			continue;
		if (rn == -1) {
			err_sys(e, "%s: read", path);
			return -1;
		}
		if (rn == 0)
			break;
		if (direct)
			got += (size_t)rn;
		else {
			r->off = 0;
			r->len = (size_t)rn;
		}
	}
	return (ssize_t)got;
}

/* Whether p[0..n) could be the start of a journal's header. */
static int
journal_magic_prefix(const uint8_t *p, size_t n)
{
	if (n > JOURNAL_MAGIC_LEN)
		n = JOURNAL_MAGIC_LEN;
	return memcmp(p, JOURNAL_MAGIC, n) == 0;
}

/* Reads and checks the header. 0, or -1 with e set and errno EINVAL. */
static int
journal_read_header(struct journal_reader *r, const char *path,
    uint32_t version, struct err *e)
{
	uint8_t hdr[JOURNAL_HEADER_LEN];
	uint32_t v;
	ssize_t n;

	if ((n = journal_read(r, path, hdr, sizeof hdr, e)) == -1)
		return -1;
	if (!journal_magic_prefix(hdr, (size_t)n)) {
		err_set(e, "%s: not a job journal", path);
		goto fail;
	}
	if ((size_t)n < sizeof hdr) {
		err_set(e, "%s: damaged journal: header cut short (%zd of %d "
		    "bytes)", path, n, JOURNAL_HEADER_LEN);
		goto fail;
	}
	if (crc32c(0, hdr, JOURNAL_MAGIC_LEN + 4) !=
	    journal_get32(hdr + JOURNAL_MAGIC_LEN + 4)) {
		err_set(e, "%s: damaged journal: header checksum mismatch",
		    path);
		goto fail;
	}
	v = journal_get32(hdr + JOURNAL_MAGIC_LEN);
	if (v != version) {
		err_set(e, "%s: journal format version %u; this build reads "
		    "version %u", path, (unsigned)v, (unsigned)version);
		goto fail;
	}
	return 0;
fail:
	errno = EINVAL;
	return -1;
}

/*
 * Reads the records from the end of the header on, calling fn for each
 * valid one, up to `size` bytes (the file's size at open). Sets *end to
 * the offset after the last valid record and *records to their number.
 */
static int
journal_read_records(struct journal_reader *r, const char *path,
    uint64_t size, journal_record_fn *fn, void *arg, uint64_t *end,
    uint64_t *records, struct err *e)
{
	uint8_t hdr[JOURNAL_RECORD_HEADER_LEN];
	size_t cap = 256;
	uint8_t *payload = xmalloc(cap);	/* never NULL, even for 0 bytes */
	uint64_t off = JOURNAL_HEADER_LEN;
	uint64_t count = 0;
	int rc = -1;

	while (off + JOURNAL_RECORD_HEADER_LEN <= size) {
		uint32_t len;
		ssize_t n;

		n = journal_read(r, path, hdr, sizeof hdr, e);
		if (n == -1)
			goto fail;
		if ((size_t)n < sizeof hdr)
			break;		/* shrunk meanwhile: torn */
		len = journal_get32(hdr);
		/* Bounded before allocating: a torn length may be anything. */
		if (len > JOURNAL_RECORD_MAX ||
		    len > size - off - JOURNAL_RECORD_HEADER_LEN)
			break;
		if (len > cap) {
			free(payload);
			payload = xmalloc(len);
			cap = len;
		}
		n = journal_read(r, path, payload, len, e);
		if (n == -1)
			goto fail;
		if ((size_t)n < len)
			break;
		if (journal_record_crc(hdr, payload, len) !=
		    journal_get32(hdr + 5))
			break;
		if (fn != NULL && fn(arg, hdr[4], payload, len, e) == -1) {
			errno = ECANCELED;
			goto fail;
		}
		off += JOURNAL_RECORD_HEADER_LEN + len;
		count++;
	}
	*end = off;
	*records = count;
	rc = 0;
fail:
	free(payload);
	return rc;
}

static struct journal *
journal_new(int fd, const char *path, uint64_t end, uint64_t records)
{
	struct journal *j = xcalloc(1, sizeof *j);

	j->fd = fd;
	j->path = xstrdup(path);
	j->end = end;
	j->records = records;
	return j;
}

int
journal_open(const char *path, uint32_t version, journal_record_fn *fn,
    void *arg, struct journal **jp, struct journal_info *info, struct err *e)
{
	struct journal_reader r = { -1, NULL, 0, 0 };
	struct stat st;
	uint64_t end, records;
	int saved;

	if ((r.fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		err_sys(e, "%s: cannot open journal", path);
		return -1;
	}
	if (fstat(r.fd, &st) == -1) {
		err_sys(e, "%s: fstat", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a job journal (not a regular file)", path);
		errno = EINVAL;
		goto fail;
	}
	r.buf = xmalloc(JOURNAL_READ_BUF);
	if (journal_read_header(&r, path, version, e) == -1)
		goto fail;
	if (journal_read_records(&r, path, (uint64_t)st.st_size, fn, arg,
	    &end, &records, e) == -1)
		goto fail;
	free(r.buf);
	r.buf = NULL;
	/*
	 * The torn tail goes before anything is appended: a record written
	 * after it would never be read.
	 */
	if (end < (uint64_t)st.st_size) {
		if (ftruncate(r.fd, (off_t)end) == -1) {
			err_sys(e, "%s: cannot cut the torn tail off", path);
			goto fail;
		}
		if (fsync(r.fd) == -1) {
			err_sys(e, "%s: fsync", path);
			goto fail;
		}
	}
	if (info != NULL) {
		info->records = records;
		info->end = end;
		info->ignored = end < (uint64_t)st.st_size ?
		    (uint64_t)st.st_size - end : 0;
	}
	*jp = journal_new(r.fd, path, end, records);
	return 0;
fail:
	saved = errno;
	free(r.buf);
	close(r.fd);
	errno = saved;
	return -1;
}

/* Makes the creation or removal of a name in path's folder durable. */
static int
journal_sync_dir(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = -1;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else {
		dir = xmalloc((size_t)(slash - path) + 1);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_sys(e, "%s: cannot open folder %s", path, dir);
		goto out;
	}
	/* Some file systems cannot sync a folder; they have nothing to do. */
	if (fsync(fd) == -1 && errno != EINVAL) {
		err_sys(e, "%s: fsync of folder %s", path, dir);
		close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(dir);
	return rc;
}

/* A record too long for a journal: e says so, with EFBIG. */
static int
journal_too_long(const char *path, size_t n, struct err *e)
{
	if (n <= JOURNAL_RECORD_MAX)
		return 0;
	err_set(e, "%s: record of %zu bytes, more than the %u a journal takes",
	    path, n, JOURNAL_RECORD_MAX);
	errno = EFBIG;
	return -1;
}

int
journal_create(const char *path, uint32_t version,
    const struct journal_record *recs, size_t nrecs, struct journal **jp,
    struct err *e)
{
	struct journal_reader r = { -1, NULL, 0, 0 };
	uint8_t hdr[JOURNAL_HEADER_LEN], rh[JOURNAL_RECORD_HEADER_LEN];
	uint64_t size = JOURNAL_HEADER_LEN;
	struct safefile *f;
	struct stat st;

	for (size_t i = 0; i < nrecs; i++)
		if (journal_too_long(path, recs[i].len, e) == -1)
			return -1;
	journal_header(hdr, version);
	if ((f = safefile_open(path, 0, e)) == NULL)
		return -1;
	if (safefile_write(f, hdr, sizeof hdr, e) == -1)
		goto abort;
	for (size_t i = 0; i < nrecs; i++) {
		journal_record_header(rh, recs[i].type, recs[i].payload,
		    recs[i].len);
		if (safefile_write(f, rh, sizeof rh, e) == -1 ||
		    (recs[i].len > 0 && safefile_write(f, recs[i].payload,
		    recs[i].len, e) == -1))
			goto abort;
		size += sizeof rh + recs[i].len;
	}
	/*
	 * The file's one fsync, before the link: the name never shows a
	 * header or a first record a power loss could tear. Then the
	 * folder's, after it: the name itself survives. Nothing more is
	 * needed for the journal to be there, whole, after a machine crash.
	 */
	if (safefile_commit(f, e) == -1)
		return -1;
	/*
	 * Opened again by name: safefile closes its file. What is opened is
	 * checked to be the journal just written, and nothing else.
	 */
	if ((r.fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		err_sys(e, "%s: cannot open journal", path);
		return -1;
	}
	r.buf = xmalloc(JOURNAL_READ_BUF);
	if (journal_read_header(&r, path, version, e) == -1)
		goto fail;
	if (fstat(r.fd, &st) == -1) {
		err_sys(e, "%s: fstat", path);
		goto fail;
	}
	if ((uint64_t)st.st_size != size) {
		err_set(e, "%s: journal changed while being created", path);
		goto fail;
	}
	free(r.buf);
	*jp = journal_new(r.fd, path, size, nrecs);
	return 0;
abort:
	safefile_abort(f);
	return -1;
fail:
	free(r.buf);
	close(r.fd);
	return -1;
}

/* Writes all of p at offset off: one pwrite(2) unless it comes back short. */
static int
journal_write(struct journal *j, const uint8_t *p, size_t n, uint64_t off,
    struct err *e)
{
	while (n > 0) {
		ssize_t w = pwrite(j->fd, p, n, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			err_sys(e, "%s: write", j->path);
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int
journal_append(struct journal *j, uint8_t type, const void *p, size_t n,
    struct err *e)
{
	size_t total = JOURNAL_RECORD_HEADER_LEN + n;
	int saved;

	if (j->broken) {
		err_set(e, "%s: journal unusable after a failed write", j->path);
		errno = EIO;
		return -1;
	}
	if (journal_too_long(j->path, n, e) == -1)
		return -1;
	if (total > j->cap) {
		free(j->buf);
		j->buf = xmalloc(total);
		j->cap = total;
	}
	journal_record_header(j->buf, type, p, n);
	if (n > 0)
		memcpy(j->buf + JOURNAL_RECORD_HEADER_LEN, p, n);
	/* One write: a process that dies leaves the record whole or torn. */
	if (journal_write(j, j->buf, total, j->end, e) == -1)
		goto fail;
	j->end += total;
	j->records++;
	return 0;
fail:
	saved = errno;
	/* A part of the record may be there: a later one must not follow it. */
	if (ftruncate(j->fd, (off_t)j->end) == -1)
		j->broken = 1;
	errno = saved;
	return -1;
}

int
journal_sync(struct journal *j, struct err *e)
{
	if (fdatasync(j->fd) == -1) {
		err_sys(e, "%s: fdatasync", j->path);
		return -1;
	}
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	free(j->buf);
	free(j->path);
	free(j);
}

int
journal_remove(const char *path, struct err *e)
{
	if (unlink(path) == -1) {
		if (errno == ENOENT)
			return 0;
		err_sys(e, "%s: cannot remove journal", path);
		return -1;
	}
	return journal_sync_dir(path, e);
}

uint64_t
journal_size(const struct journal *j)
{
	return j->end;
}

uint64_t
journal_records(const struct journal *j)
{
	return j->records;
}

const char *
journal_path(const struct journal *j)
{
	return j->path;
}
