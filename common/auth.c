/*
 * auth.c - the job's secret and the challenge-response (see auth.h).
 * The cryptography is libsodium's (HMAC-SHA-256, random bytes, a
 * comparison in constant time); MUNGE's is munged's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <munge.h>
#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "frame.h"
#include "peercred.h"

/* What each side's proof covers first: a label per direction. */
#define AUTH_LABEL_SERVER "mr-auth-server"
#define AUTH_LABEL_CLIENT "mr-auth-client"
#define AUTH_LABEL_LEN 14

/* Largest frame of the handshake the client accepts. */
#define AUTH_FRAME_MAX (2 * AUTH_PROOF_MAX)

/* Bytes a proof covers: label, then the two nonces. */
#define AUTH_MSG_LEN (AUTH_LABEL_LEN + 2 * AUTH_NONCE_BYTES)

static void
auth_sodium(void)
{
	if (sodium_init() == -1)
		abort();	/* no source of randomness: nothing is safe */
}

int
auth_method_parse(const char *word, enum auth_method *m, struct err *e)
{
	if (strcmp(word, "secret") == 0)
		*m = AUTH_METHOD_SECRET;
	else if (strcmp(word, "munge") == 0)
		*m = AUTH_METHOD_MUNGE;
	else {
		err_set(e, "%s: not an authentication method (secret or munge)",
		    word);
		return -1;
	}
	return 0;
}

/* Parses 64 hexadecimal digits (then nothing but a newline). */
static int
auth_from_hex(struct auth *a, const char *hex, size_t len)
{
	size_t bin;
	const char *end;

	while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
		len--;
	if (len != 2 * AUTH_SECRET_BYTES)
		return -1;
	auth_sodium();
	if (sodium_hex2bin(a->secret, sizeof a->secret, hex, len, NULL, &bin,
	    &end) != 0 || bin != sizeof a->secret || end != hex + len)
		return -1;
	a->method = AUTH_METHOD_SECRET;
	return 0;
}

int
auth_secret_load(struct auth *a, const char *path, struct err *e)
{
	char text[2 * AUTH_SECRET_BYTES + 8];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		err_sys(e, "secret file %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		err_sys(e, "secret file %s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "secret file %s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		err_set(e, "secret file %s: belongs to uid %u, not to you (uid "
		    "%u)", path, (unsigned)st.st_uid, (unsigned)geteuid());
		goto fail;
	}
	/* Anyone who can read it can join the job, or pose as it. */
	if ((st.st_mode & 077) != 0) {
		err_set(e, "secret file %s: open to others (mode %04o, expected "
		    "0600)", path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	n = read(fd, text, sizeof text);
	if (n == -1) {
		err_sys(e, "secret file %s", path);
		goto fail;
	}
	if (auth_from_hex(a, text, (size_t)n) == -1) {
		err_set(e, "secret file %s: not %d hexadecimal digits", path,
		    2 * AUTH_SECRET_BYTES);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int
auth_secret_env(struct auth *a, struct err *e)
{
	const char *hex = getenv(AUTH_SECRET_ENV);

	if (hex == NULL || *hex == '\0')
		return 0;
	if (auth_from_hex(a, hex, strlen(hex)) == -1) {
		err_set(e, "$%s: not %d hexadecimal digits", AUTH_SECRET_ENV,
		    2 * AUTH_SECRET_BYTES);
		return -1;
	}
	return 1;
}

void
auth_secret_hex(const struct auth *a, char hex[2 * AUTH_SECRET_BYTES + 1])
{
	auth_sodium();
	sodium_bin2hex(hex, 2 * AUTH_SECRET_BYTES + 1, a->secret,
	    sizeof a->secret);
}

int
auth_secret_make(struct auth *a, const char *path, int *made, struct err *e)
{
	char hex[2 * AUTH_SECRET_BYTES + 2], tmp[4096];
	struct err le;
	int fd = -1;

	*made = 0;
	/*
	 * One left by this job's coordinator that died: its workers know it.
	 * Anything else there (a file open to others) is replaced by the rename.
	 */
	if (auth_secret_load(a, path, &le) == 0)
		return 0;
	auth_sodium();
	randombytes_buf(a->secret, sizeof a->secret);
	a->method = AUTH_METHOD_SECRET;
	auth_secret_hex(a, hex);
	strcat(hex, "\n");
	if (snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof tmp) {
		err_set(e, "%s: name too long", path);
		return -1;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		err_sys(e, "%s", tmp);
		return -1;
	}
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) ||
	    fsync(fd) == -1 || close(fd) == -1) {
		err_sys(e, "%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		err_sys(e, "%s", path);
		unlink(tmp);
		return -1;
	}
	*made = 1;
	return 0;
}

/* label || first || second, what a proof covers. */
static void
auth_message(unsigned char msg[AUTH_MSG_LEN], const char *label,
    const unsigned char *first, const unsigned char *second)
{
	memcpy(msg, label, AUTH_LABEL_LEN);
	memcpy(msg + AUTH_LABEL_LEN, first, AUTH_NONCE_BYTES);
	memcpy(msg + AUTH_LABEL_LEN + AUTH_NONCE_BYTES, second,
	    AUTH_NONCE_BYTES);
}

/* munged's socket, when $MR_MUNGE_SOCKET names another than the default. */
static munge_ctx_t
auth_munge_ctx(struct err *e)
{
	const char *sock = getenv(AUTH_MUNGE_SOCKET_ENV);
	munge_ctx_t ctx = munge_ctx_create();

	if (ctx == NULL) {
		err_set(e, "MUNGE: out of memory");
		return NULL;
	}
	if (sock != NULL && *sock != '\0' &&
	    munge_ctx_set(ctx, MUNGE_OPT_SOCKET, sock) != EMUNGE_SUCCESS) {
		err_set(e, "MUNGE: socket %s: %s", sock, munge_ctx_strerror(ctx));
		munge_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * Our proof of msg into proof (at most AUTH_PROOF_MAX bytes): its HMAC,
 * or a MUNGE credential carrying it.
 */
static int
auth_prove(const struct auth *a, const unsigned char msg[AUTH_MSG_LEN],
    unsigned char *proof, size_t *len, struct err *e)
{
	munge_ctx_t ctx;
	munge_err_t me;
	char *cred = NULL;

	if (a->method == AUTH_METHOD_SECRET) {
		crypto_auth_hmacsha256(proof, msg, AUTH_MSG_LEN, a->secret);
		*len = crypto_auth_hmacsha256_BYTES;
		return 0;
	}
	if ((ctx = auth_munge_ctx(e)) == NULL)
		return -1;
	me = munge_encode(&cred, ctx, msg, AUTH_MSG_LEN);
	if (me != EMUNGE_SUCCESS) {
		err_set(e, "MUNGE: %s", munge_ctx_strerror(ctx));
		munge_ctx_destroy(ctx);
		return -1;
	}
	munge_ctx_destroy(ctx);
	if (strlen(cred) > AUTH_PROOF_MAX) {
		err_set(e, "MUNGE: credential of %zu bytes", strlen(cred));
		free(cred);
		return -1;
	}
	*len = strlen(cred);
	memcpy(proof, cred, *len);
	free(cred);
	return 0;
}

/*
 * Checks the peer's proof of msg. Returns 0, or -1 with e saying why it
 * proves nothing.
 */
static int
auth_verify(const struct auth *a, const unsigned char msg[AUTH_MSG_LEN],
    const ProtobufCBinaryData *proof, struct err *e)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char cred[AUTH_PROOF_MAX + 1];
	munge_ctx_t ctx;
	munge_err_t me;
	void *payload = NULL;
	int len = 0, rc = -1;
	uid_t uid;
	gid_t gid;

	if (a->method == AUTH_METHOD_SECRET) {
		crypto_auth_hmacsha256(mac, msg, AUTH_MSG_LEN, a->secret);
		if (proof->len != sizeof mac ||
		    sodium_memcmp(mac, proof->data, sizeof mac) != 0) {
			err_set(e, "wrong proof of the job's secret");
			return -1;
		}
		return 0;
	}
	if (proof->len == 0 || proof->len > AUTH_PROOF_MAX) {
		err_set(e, "MUNGE credential of %zu bytes", proof->len);
		return -1;
	}
	memcpy(cred, proof->data, proof->len);
	cred[proof->len] = '\0';
	if ((ctx = auth_munge_ctx(e)) == NULL)
		return -1;
	me = munge_decode(cred, ctx, &payload, &len, &uid, &gid);
	if (me != EMUNGE_SUCCESS)
		err_set(e, "MUNGE credential refused: %s",
		    munge_ctx_strerror(ctx));
	else if (!peercred_trusted(uid))
		err_set(e, "MUNGE credential of uid %u, not of this job's user "
		    "(uid %u)", (unsigned)uid, (unsigned)geteuid());
	else if (len != AUTH_MSG_LEN || memcmp(payload, msg, AUTH_MSG_LEN) != 0)
		err_set(e, "MUNGE credential made for another connection");
	else
		rc = 0;
	free(payload);
	munge_ctx_destroy(ctx);
	return rc;
}

void
auth_server_init(struct auth_server *s, const struct auth *a)
{
	memset(s, 0, sizeof *s);
	s->auth = a;
	mr__auth_challenge__init(&s->challenge);
}

int
auth_server_hello(struct auth_server *s, const Mr__AuthHello *m,
    struct err *e)
{
	unsigned char msg[AUTH_MSG_LEN];

	if (s->stage != 0) {
		err_set(e, "second AuthHello");
		return -1;
	}
	if (m->nonce.len != AUTH_NONCE_BYTES) {
		err_set(e, "nonce of %zu bytes, not %d", m->nonce.len,
		    AUTH_NONCE_BYTES);
		return -1;
	}
	mr__auth_challenge__init(&s->challenge);
	if ((int)m->method != (int)s->auth->method) {
		snprintf(s->refused, sizeof s->refused, "this coordinator "
		    "serves --auth %s, not %s", s->auth->method ==
		    AUTH_METHOD_MUNGE ? "munge" : "secret",
		    m->method == MR__AUTH_METHOD__AUTH_MUNGE ? "munge" :
		    "secret");
		s->challenge.refused = s->refused;
		err_set(e, "%s", s->refused);
		s->stage = 2;
		return 1;
	}
	memcpy(s->cnonce, m->nonce.data, AUTH_NONCE_BYTES);
	auth_sodium();
	randombytes_buf(s->snonce, sizeof s->snonce);
	auth_message(msg, AUTH_LABEL_SERVER, s->cnonce, s->snonce);
	if (auth_prove(s->auth, msg, s->proof, &s->prooflen, e) == -1)
		return -1;
	s->challenge.nonce.data = s->snonce;
	s->challenge.nonce.len = sizeof s->snonce;
	s->challenge.proof.data = s->proof;
	s->challenge.proof.len = s->prooflen;
	s->stage = 1;
	return 0;
}

int
auth_server_proof(struct auth_server *s, const Mr__AuthProof *m,
    struct err *e)
{
	unsigned char msg[AUTH_MSG_LEN];

	if (s->stage != 1) {
		err_set(e, "AuthProof %s", s->stage == 0 ? "before AuthHello" :
		    "again");
		return -1;
	}
	auth_message(msg, AUTH_LABEL_CLIENT, s->snonce, s->cnonce);
	if (auth_verify(s->auth, msg, &m->proof, e) == -1)
		return -1;
	s->stage = 2;
	return 0;
}

/* Packs env into out and, when rec is not NULL, into rec too; sends it. */
static int
auth_send(int fd, const Mr__Envelope *env, struct buf *rec, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	if (frame_pack(&b, env, e) == -1)
		return -1;
	if (rec != NULL)
		buf_add(rec, buf_head(&b), buf_len(&b));
	rc = frame_flush(fd, &b, e);
	buf_free(&b);
	return rc;
}

int
auth_client_record(int fd, const struct auth *a, const char *peer,
    struct buf *out, struct err *e)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply = NULL;
	Mr__AuthHello hello = MR__AUTH_HELLO__INIT;
	Mr__AuthProof ap = MR__AUTH_PROOF__INIT;
	unsigned char cnonce[AUTH_NONCE_BYTES], snonce[AUTH_NONCE_BYTES];
	unsigned char msg[AUTH_MSG_LEN], proof[AUTH_PROOF_MAX];
	const Mr__AuthChallenge *c;
	size_t prooflen;
	int rc;

	auth_sodium();
	randombytes_buf(cnonce, sizeof cnonce);
	hello.method = (Mr__AuthMethod)a->method;
	hello.nonce.data = cnonce;
	hello.nonce.len = sizeof cnonce;
	env.msg_case = MR__ENVELOPE__MSG_AUTH_HELLO;
	env.auth_hello = &hello;
	if (auth_send(fd, &env, out, e) == -1)
		goto fail;
	rc = frame_recv_max(fd, &reply, AUTH_FRAME_MAX, e);
	if (rc == 0) {
		err_set(e, "connection closed during the handshake");
		errno = ECONNRESET;
	}
	if (rc != 1)
		goto fail;
	if (reply->msg_case != MR__ENVELOPE__MSG_AUTH_CHALLENGE) {
		err_set(e, "answered the handshake with message %d (not a "
		    "coordinator listening on TCP?)", (int)reply->msg_case);
		errno = EACCES;
		goto fail;
	}
	c = reply->auth_challenge;
	if (c->refused != NULL && *c->refused != '\0') {
		err_set(e, "refused the handshake: %s", c->refused);
		errno = EACCES;
		goto fail;
	}
	if (c->nonce.len != AUTH_NONCE_BYTES) {
		err_set(e, "a nonce of %zu bytes", c->nonce.len);
		goto fail;
	}
	memcpy(snonce, c->nonce.data, sizeof snonce);
	auth_message(msg, AUTH_LABEL_SERVER, cnonce, snonce);
	/* Not a word more to a server that cannot prove itself. */
	if (auth_verify(a, msg, &c->proof, e) == -1) {
		err_prefix(e, "the server does not prove itself (%s)",
		    a->method == AUTH_METHOD_SECRET ? "not this job's secret" :
		    "--auth munge");
		errno = EACCES;
		goto fail;
	}
	auth_message(msg, AUTH_LABEL_CLIENT, snonce, cnonce);
	if (auth_prove(a, msg, proof, &prooflen, e) == -1)
		goto fail;
	ap.proof.data = proof;
	ap.proof.len = prooflen;
	env.msg_case = MR__ENVELOPE__MSG_AUTH_PROOF;
	env.auth_proof = &ap;
	if (auth_send(fd, &env, out, e) == -1)
		goto fail;
	frame_free(reply);
	return 0;
fail:
	rc = errno;
	err_prefix(e, "%s", peer);
	frame_free(reply);
	errno = rc;
	return -1;
}

int
auth_client(int fd, const struct auth *a, const char *peer, struct err *e)
{
	return auth_client_record(fd, a, peer, NULL, e);
}
