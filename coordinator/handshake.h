/*
 * handshake.h - the coordinator's side of the handshake that opens a TCP
 * connection (auth.h), on the event loop: the messages before Hello.
 */
#ifndef MR_HANDSHAKE_H
#define MR_HANDSHAKE_H

#include "auth.h"
#include "conn.h"
#include "err.h"
#include "frame.h"

struct handshake;

/* What handshake_message() made of a message. */
enum handshake_result {
	HANDSHAKE_REFUSED = -1,	/* drop the peer; e says why */
	HANDSHAKE_GOING = 0,	/* answered; more is due */
	HANDSHAKE_DONE = 1,	/* the peer proved itself: Hello may come */
	HANDSHAKE_CLOSE = 2	/* a refusal is queued: close once sent */
};

/* The handshake of a new connection, with the coordinator's auth a. */
struct handshake *handshake_new(const struct auth *a);

/*
 * Handles a message of a connection that has not proved itself yet:
 * AuthHello (answered on c with the challenge) or AuthProof. Anything
 * else, or a message out of turn, is refused.
 */
enum handshake_result handshake_message(struct handshake *h, struct conn *c,
	    const Mr__Envelope *env, struct err *e);

/* Frees h; NULL is fine. */
void	handshake_free(struct handshake *h);

#endif
