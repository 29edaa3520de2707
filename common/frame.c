/*
 * frame.c - length-prefixed protobuf frames over byte buffers and fds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

static uint32_t
frame_get_length(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
frame_put_length(uint8_t *p, uint32_t n)
{
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
}

long
frame_needed(const uint8_t *data, size_t len, struct err *e)
{
	uint32_t n;

	if (len < MR_FRAME_HEADER)
		return MR_FRAME_HEADER;
	n = frame_get_length(data);
	if (n > MR_FRAME_MAX) {
		err_set(e, "frame of %u bytes exceeds the maximum of %u",
		    n, (unsigned)MR_FRAME_MAX);
		return -1;
	}
	return MR_FRAME_HEADER + (long)n;
}

/* Unpacks one payload and rejects what this version cannot dispatch. */
static Mr__Envelope *
frame_unpack(const uint8_t *p, size_t n, struct err *e)
{
	Mr__Envelope *env;

	env = mr__envelope__unpack(NULL, n, p);
	if (env == NULL) {
		err_set(e, "malformed message (%zu bytes)", n);
		return NULL;
	}
	if (env->msg_case == MR__ENVELOPE__MSG__NOT_SET) {
		mr__envelope__free_unpacked(env, NULL);
		err_set(e, "message of unknown type");
		return NULL;
	}
	return env;
}

int
frame_parse(const uint8_t *data, size_t len, Mr__Envelope **env,
    size_t *used, struct err *e)
{
	long need;

	need = frame_needed(data, len, e);
	if (need == -1)
		return -1;
	if (len < (size_t)need || len < MR_FRAME_HEADER)
		return 0;
	*env = frame_unpack(data + MR_FRAME_HEADER, need - MR_FRAME_HEADER, e);
	if (*env == NULL)
		return -1;
	*used = need;
	return 1;
}

int
frame_pack(struct buf *out, const Mr__Envelope *env, struct err *e)
{
	return frame_pack_max(out, env, MR_FRAME_MAX, e);
}

/* Writes all of p, restarting on EINTR and short writes. */
static int
frame_write_all(int fd, const uint8_t *p, size_t n, struct err *e)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			err_sys(e, "write");
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/* Reads exactly n bytes; returns 1, 0 on end of stream before any byte, -1. */
static int
frame_read_all(int fd, uint8_t *p, size_t n, struct err *e)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_sys(e, "read");
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 0;
			errno = ECONNRESET;
			err_set(e, "connection closed in the middle of a frame");
			return -1;
		}
		got += r;
	}
	return 1;
}

int
frame_send(int fd, const Mr__Envelope *env, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	if (frame_pack(&b, env, e) == -1)
		return -1;
	rc = frame_write_all(fd, buf_head(&b), buf_len(&b), e);
	buf_free(&b);
	return rc;
}

int
frame_flush(int fd, struct buf *out, struct err *e)
{
	int rc = 0;

	if (buf_len(out) > 0)
		rc = frame_write_all(fd, buf_head(out), buf_len(out), e);
	buf_consume(out, buf_len(out));
	return rc;
}

int
frame_recv(int fd, Mr__Envelope **env, struct err *e)
{
	return frame_recv_max(fd, env, MR_FRAME_MAX, e);
}

void
frame_free(Mr__Envelope *env)
{
	if (env != NULL)
		mr__envelope__free_unpacked(env, NULL);
}

int
frame_pack_max(struct buf *out, const Mr__Envelope *env, size_t max,
    struct err *e)
{
	size_t n = mr__envelope__get_packed_size(env);
	uint8_t *p;

	if (n > max) {
		err_set(e, "message of %zu bytes exceeds the maximum of %zu",
		    n, max);
		return -1;
	}
	p = buf_reserve(out, MR_FRAME_HEADER + n);
	frame_put_length(p, n);
	mr__envelope__pack(env, p + MR_FRAME_HEADER);
	buf_commit(out, MR_FRAME_HEADER + n);
	return 0;
}

int
frame_recv_max(int fd, Mr__Envelope **env, size_t max, struct err *e)
{
	uint8_t hdr[MR_FRAME_HEADER], *body;
	uint32_t need;
	int rc;

	rc = frame_read_all(fd, hdr, sizeof hdr, e);
	if (rc <= 0)
		return rc;
	need = frame_get_length(hdr);
	/* Checked before anything is allocated for it. */
	if (need > max) {
		errno = EPROTO;
		err_set(e, "frame of %u bytes exceeds the maximum of %zu",
		    need, max);
		return -1;
	}
	body = malloc(need != 0 ? need : 1);
	if (body == NULL) {
		err_sys(e, "frame of %u bytes", need);
		return -1;
	}
	rc = frame_read_all(fd, body, need, e);
	if (rc == 0 && need > 0) {
		errno = ECONNRESET;
		err_set(e, "connection closed in the middle of a frame");
		rc = -1;
	}
	if (rc != -1) {
		*env = frame_unpack(body, need, e);
		rc = *env != NULL ? 1 : -1;
		if (rc == -1)
			errno = EPROTO;
	}
	free(body);
	return rc;
}
