/*
 * handshake.c - a TCP peer proves itself before it may say Hello (see
 * handshake.h, auth.h). What a proof costs is munged's round trip with
 * --auth munge (a blocking call of a fraction of a millisecond on the
 * loop) and two HMAC-SHA-256 with the secret.
 */
#include <stdlib.h>

#include "handshake.h"
#include "log.h"

struct handshake {
	struct auth_server	 srv;
};

struct handshake *
handshake_new(const struct auth *a)
{
	struct handshake *h = xcalloc(1, sizeof *h);

	auth_server_init(&h->srv, a);
	return h;
}

enum handshake_result
handshake_message(struct handshake *h, struct conn *c, const Mr__Envelope *env,
    struct err *e)
{
	Mr__Envelope out = MR__ENVELOPE__INIT;
	int rc;

	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_AUTH_HELLO:
		rc = auth_server_hello(&h->srv, env->auth_hello, e);
		if (rc == -1)
			return HANDSHAKE_REFUSED;
		out.msg_case = MR__ENVELOPE__MSG_AUTH_CHALLENGE;
		out.auth_challenge = &h->srv.challenge;
		if (conn_send(c, &out) == -1) {
			err_set(e, "challenge not sent");
			return HANDSHAKE_REFUSED;
		}
		return rc == 1 ? HANDSHAKE_CLOSE : HANDSHAKE_GOING;
	case MR__ENVELOPE__MSG_AUTH_PROOF:
		if (auth_server_proof(&h->srv, env->auth_proof, e) == -1)
			return HANDSHAKE_REFUSED;
		return HANDSHAKE_DONE;
	default:
		err_set(e, "message type %d before the handshake (no "
		    "authentication)", (int)env->msg_case);
		return HANDSHAKE_REFUSED;
	}
}

void
handshake_free(struct handshake *h)
{
	free(h);
}
