/*
 * conn.h - one framed protocol connection on the coordinator's event loop.
 *
 * A conn owns a non-blocking fd, its read and write watchers, a read buffer
 * and a write queue. Whole frames are parsed in a loop and handed to the
 * owner's message callback; EV_WRITE is watched only while the queue holds
 * bytes. A connection that must go (peer closed, read error, malformed
 * frame, the owner said so) is marked dead and freed at the end of the
 * callback that noticed, after the owner's closed callback ran once.
 */
#ifndef MR_CONN_H
#define MR_CONN_H

#include <ev.h>

#include "frame.h"

struct conn;

struct conn_handler {
	/* A whole message arrived; returning -1 drops the connection. */
	int	(*message)(struct conn *c, const Mr__Envelope *env, void *arg);
	/* Every message of one read was handled (the owner may act on them). */
	void	(*idle)(void *arg);
	/* The connection is going away; called once, just before it is freed. */
	void	(*closed)(struct conn *c, void *arg);
	/* How log lines name the peer. */
	const char *(*name)(void *arg);
};

/*
 * Takes over a connected non-blocking fd. A frame announcing more than
 * `maxframe` bytes drops the connection before anything is allocated for it.
 */
struct conn	*conn_new(struct ev_loop *loop, int fd, size_t maxframe,
		    const struct conn_handler *h, void *arg);

/* Queues a message. Returns -1 when it cannot be framed (too large). */
int	conn_send(struct conn *c, const Mr__Envelope *env);

/* conn_send() of a message allowed up to `max` bytes (a Status). */
int	conn_send_max(struct conn *c, const Mr__Envelope *env, size_t max);

/* Stops reading and closes once the write queue is flushed. */
void	conn_close_after_flush(struct conn *c);

/* Drops the connection: now, or at the end of its running callback. */
void	conn_drop(struct conn *c);

/* Bytes waiting in the write queue. */
size_t	conn_queued(const struct conn *c);

/* The fd, for log lines. */
int	conn_fd(const struct conn *c);

#endif
