/*
 * auth.h - proving who is at the other end of a TCP connection, where
 * SO_PEERCRED says nothing.
 *
 * Two methods. The job's secret: 32 random bytes the coordinator makes
 * (AUTH_SECRET_FILE in the job folder, mode 0600) or is given
 * (--secret-file), which its workers and mrctl read from a file or from
 * $MR_SECRET (hexadecimal). Each side proves it holds the secret with
 * HMAC-SHA-256 (libsodium) over a label and both sides' fresh nonces, so
 * the secret never crosses the wire and a recorded handshake is worth
 * nothing on another connection: its nonces are not that connection's.
 * Or MUNGE (--auth munge), the credential service of Slurm clusters:
 * each side sends a credential whose payload is the label and the nonces,
 * the other decodes it with munged and serves or trusts only its own user
 * (or root), as SO_PEERCRED does on a Unix socket.
 *
 * The exchange (proto/mr.proto): client AuthHello{method, nonce}; server
 * AuthChallenge{nonce, proof}; the client checks the server's proof
 * before it says anything more (a server without the secret learns
 * nothing of ours), then sends AuthProof{proof} and its Hello. The labels
 * differ by direction, so neither side's proof can be reflected as the
 * other's.
 */
#ifndef MR_AUTH_H
#define MR_AUTH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mr.pb-c.h"

/* Bytes of a secret and of a nonce. */
#define AUTH_SECRET_BYTES 32
#define AUTH_NONCE_BYTES 32

/* The secret the coordinator makes, in the job folder. */
#define AUTH_SECRET_FILE ".mr-secret"

/* The environment variable that may hold the secret, in hexadecimal. */
#define AUTH_SECRET_ENV "MR_SECRET"

/* The environment variable naming munged's socket, when not the default. */
#define AUTH_MUNGE_SOCKET_ENV "MR_MUNGE_SOCKET"

/* Largest proof: an HMAC, or a MUNGE credential (base64 text). */
#define AUTH_PROOF_MAX 4096

enum auth_method {
	AUTH_METHOD_SECRET = MR__AUTH_METHOD__AUTH_SECRET,
	AUTH_METHOD_MUNGE = MR__AUTH_METHOD__AUTH_MUNGE
};

struct auth {
	enum auth_method method;
	unsigned char	 secret[AUTH_SECRET_BYTES];	/* AUTH_METHOD_SECRET */
};

/*
 * Parses "secret" or "munge" (--auth) into *m. Returns 0, or -1 with e
 * naming the word.
 */
int	auth_method_parse(const char *word, enum auth_method *m, struct err *e);

/*
 * Loads the secret of `path`: 64 hexadecimal digits (a newline may
 * follow), in a regular file of our own user (not a symbolic link) that
 * nobody else may read or write. Returns 0, or -1 with e naming the file
 * and what is wrong with it.
 */
int	auth_secret_load(struct auth *a, const char *path, struct err *e);

/*
 * The secret of $MR_SECRET. Returns 1 once loaded, 0 when the variable
 * is not set, -1 with e set when it is not 64 hexadecimal digits.
 */
int	auth_secret_env(struct auth *a, struct err *e);

/*
 * Reuses the secret at `path` when it is there and sound, else draws one
 * and writes it there (mode 0600 from the start, written, synced, then
 * linked: never readable half-written). Sets *made to 1 when it made the
 * file (for the caller to remove it when the job is done). Returns 0, or
 * -1 with e set.
 */
int	auth_secret_make(struct auth *a, const char *path, int *made,
	    struct err *e);

/* The secret as 64 hexadecimal digits and a NUL, for $MR_SECRET. */
void	auth_secret_hex(const struct auth *a, char hex[2 * AUTH_SECRET_BYTES + 1]);

/* The server's side of one connection's handshake. */
struct auth_server {
	const struct auth *auth;
	int		 stage;		/* 0: AuthHello due, 1: AuthProof due, 2: done */
	unsigned char	 cnonce[AUTH_NONCE_BYTES];
	unsigned char	 snonce[AUTH_NONCE_BYTES];
	unsigned char	 proof[AUTH_PROOF_MAX];	/* ours, sent in the challenge */
	size_t		 prooflen;
	Mr__AuthChallenge challenge;	/* what auth_server_hello() fills */
	char		 refused[128];
};

/* Starts the handshake of a new connection with the server's auth a. */
void	auth_server_init(struct auth_server *s, const struct auth *a);

/*
 * The client's AuthHello: fills s->challenge, to send. Returns 0; 1 when
 * the challenge only says the method is refused (send it, then close);
 * -1 with e set when the message is malformed (a nonce of another size)
 * or comes at the wrong time (drop the peer).
 */
int	auth_server_hello(struct auth_server *s, const Mr__AuthHello *m,
	    struct err *e);

/*
 * The client's AuthProof. Returns 0 when it proves the client holds the
 * secret (or, with MUNGE, runs as our user or root), -1 with e saying
 * why not (drop the peer).
 */
int	auth_server_proof(struct auth_server *s, const Mr__AuthProof *m,
	    struct err *e);

/*
 * The client's side, on a connected blocking fd (with a receive timeout
 * set by the caller), before anything else is sent: the whole exchange.
 * `peer` names the server in errors. Returns 0 when the server proved
 * itself and our proof is sent, -1 with e set (its proof is wrong: not
 * the job's secret, or a MUNGE credential of another user; the
 * connection closed; a refusal).
 */
int	auth_client(int fd, const struct auth *a, const char *peer,
	    struct err *e);

/*
 * The bytes one handshake sends, client side, for the tests of replays:
 * like auth_client(), and appends the frames it sent to out (a struct buf).
 */
struct buf;
int	auth_client_record(int fd, const struct auth *a, const char *peer,
	    struct buf *out, struct err *e);

#endif
