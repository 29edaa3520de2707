/*
 * conn.c - framed, non-blocking protocol connections over libev.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

/* Smallest read; the buffer grows past it only for a larger frame. */
#define CONN_READ_CHUNK 4096

struct conn {
	int			 fd;
	struct ev_loop		*loop;
	ev_io			 rio, wio;
	struct buf		 in, out;
	const struct conn_handler *h;
	void			*arg;
	size_t			 maxframe;
	int			 busy;		/* inside one of our callbacks */
	int			 dead;		/* free when the callback ends */
	int			 closing;	/* close once flushed */
};

static void	conn_read_cb(struct ev_loop *, ev_io *, int);
static void	conn_write_cb(struct ev_loop *, ev_io *, int);

struct conn *
conn_new(struct ev_loop *loop, int fd, size_t maxframe,
    const struct conn_handler *h, void *arg)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->maxframe = maxframe;
	c->loop = loop;
	c->h = h;
	c->arg = arg;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	c->rio.data = c->wio.data = c;
	ev_io_start(loop, &c->rio);
	return c;
}

static void
conn_free(struct conn *c)
{
	c->h->closed(c, c->arg);
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

void
conn_drop(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (!c->busy)
		conn_free(c);
}

int
conn_send(struct conn *c, const Mr__Envelope *env)
{
	struct err e;

	if (c->dead)
		return -1;
	if (frame_pack(&c->out, env, &e) == -1) {
		log_warn("%s: %s", c->h->name(c->arg), e.msg);
		return -1;
	}
	if (!ev_is_active(&c->wio))
		ev_io_start(c->loop, &c->wio);
	return 0;
}

void
conn_close_after_flush(struct conn *c)
{
	c->closing = 1;
	ev_io_stop(c->loop, &c->rio);
	if (buf_len(&c->out) == 0)
		conn_drop(c);
}

size_t
conn_queued(const struct conn *c)
{
	return buf_len(&c->out);
}

int
conn_fd(const struct conn *c)
{
	return c->fd;
}

/* Hands every whole frame in the read buffer to the owner. */
static void
conn_parse(struct conn *c)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;
	int rc;

	while (!c->dead && !c->closing) {
		rc = frame_parse(buf_head(&c->in), buf_len(&c->in), &env, &used,
		    &e);
		if (rc == 0)
			return;
		if (rc == -1) {
			log_warn("%s: %s; dropped", c->h->name(c->arg), e.msg);
			c->dead = 1;
			return;
		}
		buf_consume(&c->in, used);
		rc = c->h->message(c, env, c->arg);
		frame_free(env);
		if (rc == -1) {
			log_warn("%s: protocol violation; dropped",
			    c->h->name(c->arg));
			c->dead = 1;
		}
	}
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	struct err e;
	long need;
	ssize_t n;

	(void)loop;
	(void)revents;
	c->busy = 1;
	/* Grow the buffer only as far as the frame being read needs. */
	need = frame_needed(buf_head(&c->in), buf_len(&c->in), &e);
	if (need == -1 || (size_t)need > MR_FRAME_HEADER + c->maxframe) {
		if (need != -1)
			err_set(&e, "frame of %ld bytes exceeds the maximum of "
			    "%zu", need - MR_FRAME_HEADER, c->maxframe);
		log_warn("%s: %s; dropped", c->h->name(c->arg), e.msg);
		c->dead = 1;
		goto out;
	}
	if ((size_t)need < buf_len(&c->in) + CONN_READ_CHUNK)
		need = buf_len(&c->in) + CONN_READ_CHUNK;
	if ((size_t)need > MR_FRAME_HEADER + c->maxframe)
		need = MR_FRAME_HEADER + c->maxframe;
	n = read(c->fd, buf_reserve(&c->in, need - buf_len(&c->in)),
	    need - buf_len(&c->in));
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			log_debug("%s: read: %s", c->h->name(c->arg),
			    strerror(errno));
			c->dead = 1;
		}
		goto out;
	}
	if (n == 0) {
		if (buf_len(&c->in) > 0)
			log_warn("%s: closed in the middle of a frame",
			    c->h->name(c->arg));
		c->dead = 1;
		goto out;
	}
	buf_commit(&c->in, n);
	conn_parse(c);
	/* A drained buffer that grew for a large frame is given back. */
	if (buf_len(&c->in) == 0 && c->in.cap > 4 * CONN_READ_CHUNK)
		buf_free(&c->in);
	if (!c->dead)
		c->h->idle(c->arg);
out:
	c->busy = 0;
	if (c->dead)
		conn_free(c);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	ssize_t n;

	(void)revents;
	c->busy = 1;
	while (buf_len(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_len(&c->out),
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				goto out;
			log_debug("%s: write: %s", c->h->name(c->arg),
			    strerror(errno));
			c->dead = 1;
			goto out;
		}
		buf_consume(&c->out, n);
	}
	ev_io_stop(loop, &c->wio);
	if (c->closing)
		c->dead = 1;
out:
	c->busy = 0;
	if (c->dead)
		conn_free(c);
}

int
conn_send_max(struct conn *c, const Mr__Envelope *env, size_t max)
{
	struct err e;

	if (c->dead)
		return -1;
	if (frame_pack_max(&c->out, env, max, &e) == -1) {
		log_warn("%s: %s", c->h->name(c->arg), e.msg);
		return -1;
	}
	if (!ev_is_active(&c->wio))
		ev_io_start(c->loop, &c->wio);
	return 0;
}
