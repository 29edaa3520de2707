/*
 * kvfile.c - writing and reading intermediate record files (see kvfile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "kvfile.h"
#include "log.h"
#include "safefile.h"

/* Write buffer, and the read buffer of each stream (a merge holds many). */
#define KVFILE_CHUNK (32 * 1024)

struct kvwriter {
	struct safefile	*file;		/* NULL when writing to fd */
	int		 fd;
	char		*name;		/* fd's, in errors */
	uint64_t	 size;		/* bytes handed to fd */
	uint32_t	 crc;
	uint64_t	 count;
	uint8_t		*buf;
	size_t		 used;
};

struct kvreader {
	int		 fd;
	int		 own;		/* fd is closed with the reader */
	char		*path;
	uint64_t	 base;		/* where the image starts in fd */
	uint64_t	 size;		/* of the image, bounds every length */
	uint64_t	 pos;		/* image offset of buf[off] */
	uint8_t		*buf;
	size_t		 cap, off, len;
	size_t		 crcdone;	/* buf[0..crcdone) already checksummed */
	uint32_t	 crc;
	uint64_t	 count;
	uint64_t	 job;		/* the job id the header must hold */
	int		 state;		/* 0 reading, 1 at verified end, -1 failed */
};

static size_t
kvfile_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)v | 0x80;
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Decodes a varint from p[0..n). Returns its length, 0 if incomplete, -1 if bad. */
static int
kvfile_get_varint(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n && i < 10; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			*v = x;
			return (int)i + 1;
		}
	}
	return n >= 10 ? -1 : 0;
}

static void
kvfile_put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
kvfile_get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Hands n bytes to the safe file, or writes them all to fd. */
static int
kvwriter_out(struct kvwriter *w, const void *p, size_t n, struct err *e)
{
	const uint8_t *b = p;

	if (w->file != NULL)
		return safefile_write(w->file, p, n, e);
	while (n > 0) {
		ssize_t r = write(w->fd, b, n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_sys(e, "%s: write", w->name);
			return -1;
		}
		b += r;
		n -= (size_t)r;
		w->size += (uint64_t)r;
	}
	return 0;
}

/* Hands the buffered bytes on, checksumming them on the way. */
static int
kvwriter_flush(struct kvwriter *w, struct err *e)
{
	w->crc = crc32c(w->crc, w->buf, w->used);
	if (kvwriter_out(w, w->buf, w->used, e) == -1)
		return -1;
	w->used = 0;
	return 0;
}

static int
kvwriter_put(struct kvwriter *w, const void *p, size_t n, struct err *e)
{
	if (w->used + n > KVFILE_CHUNK) {
		if (kvwriter_flush(w, e) == -1)
			return -1;
		if (n > KVFILE_CHUNK) {
			w->crc = crc32c(w->crc, p, n);
			return kvwriter_out(w, p, n, e);
		}
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
	return 0;
}

/* A writer with its header buffered; its output is the caller's to set. */
static struct kvwriter *
kvwriter_new(uint64_t job)
{
	struct kvwriter *w = xcalloc(1, sizeof *w);

	w->fd = -1;
	w->buf = xmalloc(KVFILE_CHUNK);
	memcpy(w->buf, KVFILE_MAGIC, KVFILE_MAGIC_LEN);
	kvfile_put_le(w->buf + KVFILE_MAGIC_LEN, job, 8);
	w->used = KVFILE_HEADER_LEN;
	return w;
}

struct kvwriter *
kvwriter_open(const char *path, uint64_t job, struct err *e)
{
	struct kvwriter *w = kvwriter_new(job);

	if ((w->file = safefile_open(path, SAFEFILE_NOSYNC, e)) == NULL) {
		kvwriter_abort(w);
		return NULL;
	}
	return w;
}

struct kvwriter *
kvwriter_open_fd(int fd, const char *name, uint64_t job)
{
	struct kvwriter *w = kvwriter_new(job);

	w->fd = fd;
	w->name = xstrdup(name);
	return w;
}

int
kvwriter_add(struct kvwriter *w, const void *key, size_t keylen,
    const void *value, size_t valuelen, struct err *e)
{
	uint8_t hdr[20];
	size_t n;

	n = kvfile_put_varint(hdr, (uint64_t)keylen + 1);
	n += kvfile_put_varint(hdr + n, valuelen);
	if (w->used + n + keylen + valuelen <= KVFILE_CHUNK) {
		/* The common case: one copy into the buffer. */
		uint8_t *p = w->buf + w->used;

		memcpy(p, hdr, n);
		memcpy(p + n, key, keylen);
		memcpy(p + n + keylen, value, valuelen);
		w->used += n + keylen + valuelen;
	} else if (kvwriter_put(w, hdr, n, e) == -1 ||
	    kvwriter_put(w, key, keylen, e) == -1 ||
	    kvwriter_put(w, value, valuelen, e) == -1)
		return -1;
	w->count++;
	return 0;
}

uint64_t
kvwriter_count(const struct kvwriter *w)
{
	return w->count;
}

int
kvwriter_commit(struct kvwriter *w, uint64_t *bytes, struct err *e)
{
	uint8_t trailer[KVFILE_TRAILER_LEN];
	int rc = -1;

	trailer[0] = 0;
	kvfile_put_le(trailer + 1, w->count, 8);
	if (kvwriter_put(w, trailer, 9, e) == -1 || kvwriter_flush(w, e) == -1)
		goto out;
	kvfile_put_le(trailer, w->crc, 4);
	if (kvwriter_out(w, trailer, 4, e) == -1)
		goto out;
	if (w->file == NULL) {
		if (bytes != NULL)
			*bytes = w->size;
		rc = 0;
		goto out;
	}
	if (bytes != NULL)
		*bytes = safefile_size(w->file);
	rc = safefile_commit(w->file, e);
	w->file = NULL;
out:
	kvwriter_abort(w);
	return rc;
}

void
kvwriter_abort(struct kvwriter *w)
{
	if (w == NULL)
		return;
	safefile_abort(w->file);
	free(w->name);
	free(w->buf);
	free(w);
}

/* A reader of the image of `size` bytes at `base` in fd; NULL if too short. */
static struct kvreader *
kvreader_new(int fd, int own, uint64_t base, uint64_t size, const char *path,
    uint64_t job, struct err *e)
{
	struct kvreader *r;

	if (size < KVFILE_HEADER_LEN + KVFILE_TRAILER_LEN) {
		err_set(e, "%s: truncated (%llu bytes)", path,
		    (unsigned long long)size);
		if (own)
			close(fd);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->own = own;
	r->path = xstrdup(path);
	r->base = base;
	r->size = size;
	r->job = job;
	r->cap = KVFILE_CHUNK;
	r->buf = xmalloc(r->cap);
	return r;
}

struct kvreader *
kvreader_open(const char *path, uint64_t job, struct err *e)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_sys(e, "%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		err_sys(e, "%s: stat", path);
		close(fd);
		return NULL;
	}
	return kvreader_new(fd, 1, 0, (uint64_t)st.st_size, path, job, e);
}

struct kvreader *
kvreader_open_fd(int fd, uint64_t off, uint64_t size, const char *name,
    uint64_t job, struct err *e)
{
	return kvreader_new(fd, 0, off, size, name, job, e);
}

/*
 * Makes at least `need` unread bytes available in the buffer, reading more
 * of the file. Returns 0, or -1 when the file ends first or read fails.
 */
static int
kvreader_fill(struct kvreader *r, size_t need, struct err *e)
{
	if (r->len - r->off >= need)
		return 0;
	/* Checksum what is consumed before it moves out of the buffer. */
	r->crc = crc32c(r->crc, r->buf + r->crcdone, r->off - r->crcdone);
	memmove(r->buf, r->buf + r->off, r->len - r->off);
	r->len -= r->off;
	r->pos += r->off;
	r->off = r->crcdone = 0;
	if (need > r->cap) {
		r->cap = need;
		r->buf = xrealloc(r->buf, r->cap);
	}
	while (r->len < need) {
		/* Never past the image: fd may hold more after it. */
		uint64_t left = r->size - (r->pos + r->len);
		size_t want = r->cap - r->len;
		ssize_t n;

		if (want > left)
			want = (size_t)left;
		/* pread: readers of images of one fd share its offset. */
		n = want == 0 ? 0 : pread(r->fd, r->buf + r->len, want,
		    (off_t)(r->base + r->pos + r->len));

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(e, "%s: read", r->path);
			return -1;
		}
		if (n == 0) {
			err_set(e, "%s: truncated at byte %llu", r->path,
			    (unsigned long long)(r->pos + r->len));
			return -1;
		}
		r->len += n;
	}
	return 0;
}

/* Checks the trailer once the end marker was read. */
static int
kvreader_finish(struct kvreader *r, struct err *e)
{
	uint64_t count;
	uint32_t crc, want;

	if (kvreader_fill(r, 12, e) == -1)
		return -1;
	count = kvfile_get_le(r->buf + r->off, 8);
	r->off += 8;
	crc = crc32c(r->crc, r->buf + r->crcdone, r->off - r->crcdone);
	want = (uint32_t)kvfile_get_le(r->buf + r->off, 4);
	r->off += 4;
	if (crc != want) {
		err_set(e, "%s: checksum mismatch", r->path);
		return -1;
	}
	if (count != r->count) {
		err_set(e, "%s: %llu records, trailer says %llu", r->path,
		    (unsigned long long)r->count, (unsigned long long)count);
		return -1;
	}
	if (r->pos + r->off != r->size) {
		err_set(e, "%s: data after the trailer", r->path);
		return -1;
	}
	return 0;
}

/*
 * Checks the magic, the format version and the job id of the header at
 * `head` (KVFILE_HEADER_LEN bytes) of the file named `path`.
 */
static int
kvfile_check_header(const char *path, const uint8_t *head, uint64_t want,
    struct err *e)
{
	uint64_t job;

	if (memcmp(head, KVFILE_MAGIC, 4) == 0 &&
	    memcmp(head, KVFILE_MAGIC, KVFILE_MAGIC_LEN) != 0) {
		err_set(e, "%s: intermediate file of format version %u, "
		    "expected %u", path, head[4], (unsigned)KVFILE_MAGIC[4]);
		return -1;
	}
	if (memcmp(head, KVFILE_MAGIC, KVFILE_MAGIC_LEN) != 0) {
		err_set(e, "%s: not an intermediate file", path);
		return -1;
	}
	job = kvfile_get_le(head + KVFILE_MAGIC_LEN, 8);
	if (job != want) {
		err_set(e, "%s: written by another job (job id %016llx, this "
		    "job's is %016llx)", path, (unsigned long long)job,
		    (unsigned long long)want);
		return -1;
	}
	return 0;
}

/* Reads n bytes at off; 1 when the file ends first, -1 on an error. */
static int
kvfile_pread(int fd, void *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			return 1;
		p = (uint8_t *)p + r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int
kvfile_probe(int fd, uint64_t size, const char *path, uint64_t job,
    struct err *e)
{
	uint8_t head[KVFILE_HEADER_LEN], mark;
	int rc;

	if (size < KVFILE_HEADER_LEN)
		goto short_file;
	if ((rc = kvfile_pread(fd, head, sizeof head, 0)) != 0)
		goto read_failed;
	if (kvfile_check_header(path, head, job, e) == -1)
		return -1;
	if (size < KVFILE_HEADER_LEN + KVFILE_TRAILER_LEN)
		goto short_file;
	/* The trailer is the last bytes; it starts with the end marker. */
	if ((rc = kvfile_pread(fd, &mark, 1, size - KVFILE_TRAILER_LEN)) != 0)
		goto read_failed;
	if (mark != 0) {
		err_set(e, "%s: cut short (no end of records where the trailer "
		    "of its %llu bytes starts)", path,
		    (unsigned long long)size);
		return -1;
	}
	return 0;
read_failed:
	if (rc == -1) {
		err_sys(e, "%s: read", path);
		return -1;
	}
	/* The file shrank since its size was taken. */
short_file:
	err_set(e, "%s: cut short (%llu bytes, a whole one has at least %d)",
	    path, (unsigned long long)size,
	    KVFILE_HEADER_LEN + KVFILE_TRAILER_LEN);
	return -1;
}

int
kvreader_next(struct kvreader *r, const char **key, size_t *keylen,
    const char **value, size_t *valuelen, struct err *e)
{
	uint64_t klen, vlen, left;
	int a, b;

	if (r->state != 0) {
		if (r->state == -1)
			err_set(e, "%s: read after an error", r->path);
		return r->state == 1 ? 0 : -1;
	}
	if (r->pos == 0 && r->off == 0) {
		if (kvreader_fill(r, KVFILE_HEADER_LEN, e) == -1 ||
		    kvfile_check_header(r->path, r->buf, r->job, e) == -1)
			goto fail;
		r->off = KVFILE_HEADER_LEN;
	}
	/* Both varints fit in 20 bytes; the trailer guarantees 12 after them. */
	left = r->size - (r->pos + r->off);
	if (kvreader_fill(r, left < 20 ? left : 20, e) == -1)
		goto fail;
	a = kvfile_get_varint(r->buf + r->off, r->len - r->off, &klen);
	if (a <= 0)
		goto corrupt;
	if (klen == 0) {
		r->off += a;
		if (kvreader_finish(r, e) == -1)
			goto fail;
		r->state = 1;
		return 0;
	}
	klen--;
	b = kvfile_get_varint(r->buf + r->off + a, r->len - r->off - a, &vlen);
	if (b <= 0)
		goto corrupt;
	left -= a + b;
	if (klen > left || vlen > left - klen ||
	    left - klen - vlen < KVFILE_TRAILER_LEN)
		goto corrupt;
	if (kvreader_fill(r, a + b + klen + vlen, e) == -1)
		goto fail;
	*key = (const char *)r->buf + r->off + a + b;
	*keylen = klen;
	*value = *key + klen;
	*valuelen = vlen;
	r->off += a + b + klen + vlen;
	r->count++;
	return 1;
corrupt:
	err_set(e, "%s: corrupted record at byte %llu", r->path,
	    (unsigned long long)(r->pos + r->off));
fail:
	r->state = -1;
	return -1;
}

const char *
kvreader_path(const struct kvreader *r)
{
	return r->path;
}

void
kvreader_close(struct kvreader *r)
{
	if (r == NULL)
		return;
	if (r->own)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r);
}
