/*
 * tcpserve.c - listening on TCP and accepting on the loop (see tcpserve.h).
 */
#include <stdlib.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "tcpserve.h"

struct tcpserve_sock {
	ev_io			 io;
	struct addr		 bound;
	struct tcpserve		*owner;
};

struct tcpserve {
	struct ev_loop		*loop;
	struct tcpserve_sock	*socks;
	size_t			 n;
	double			 peer_timeout;
	tcpserve_accept_fn	*accept;
	void			*arg;
};

static void
tcpserve_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tcpserve_sock *ts = w->data;
	struct tcpserve *t = ts->owner;
	char host[ADDR_TEXT_MAX];
	struct err e;
	int fd;

	(void)loop;
	(void)revents;
	while ((fd = listener_accept_tcp(w->fd, host, sizeof host)) != -1) {
		if (addr_tune_tcp(fd, t->peer_timeout, &e) == -1) {
			log_warn("connection from %s: %s; refused", host, e.msg);
			close(fd);
			continue;
		}
		t->accept(t->arg, fd, host);
	}
}

struct tcpserve *
tcpserve_open(struct ev_loop *loop, const struct addr *a, size_t n,
    double peer_timeout, tcpserve_accept_fn *accept, void *arg, struct err *e)
{
	struct tcpserve *t = xcalloc(1, sizeof *t);
	int fd;

	t->loop = loop;
	t->peer_timeout = peer_timeout;
	t->accept = accept;
	t->arg = arg;
	t->socks = xcalloc(n > 0 ? n : 1, sizeof *t->socks);
	for (t->n = 0; t->n < n; t->n++) {
		struct tcpserve_sock *ts = &t->socks[t->n];

		if ((fd = listener_open_tcp(&a[t->n], &ts->bound, e)) == -1) {
			tcpserve_close(t);
			return NULL;
		}
		ts->owner = t;
		ev_io_init(&ts->io, tcpserve_cb, fd, EV_READ);
		ts->io.data = ts;
		ev_io_start(loop, &ts->io);
	}
	return t;
}

const struct addr *
tcpserve_bound(const struct tcpserve *t, size_t i)
{
	return t != NULL && i < t->n ? &t->socks[i].bound : NULL;
}

void
tcpserve_close(struct tcpserve *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		ev_io_stop(t->loop, &t->socks[i].io);
		close(t->socks[i].io.fd);
	}
	free(t->socks);
	free(t);
}
