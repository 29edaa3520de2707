/*
 * authpeer - clients of a coordinator's TCP port that try to get in
 * without the job's secret, or replay a handshake, for scripts/test-net.sh;
 * and a measure of the handshake's cost.
 *
 * usage: authpeer MODE tcp:HOST:PORT [SECRETFILE] [N]
 *
 *   hello ADDR             Hello at once, with no handshake
 *   wrong ADDR             the handshake with a proof made of random bytes
 *                          (not checking the server's), then Hello
 *   replay ADDR SECRET     a real handshake (then a StatusRequest, its
 *                          Status expected), recorded; then the recorded
 *                          bytes and a StatusRequest, on a new connection
 *   bench ADDR SECRET N    N connections, each with the handshake and one
 *                          StatusRequest answered; prints the microseconds
 *                          each took in all and in the handshake alone
 *   bench-unix PATH N      N connections to the Unix socket PATH, each
 *                          with its SO_PEERCRED check and one StatusRequest
 *
 * The attack modes print "welcomed" when the coordinator let the last
 * connection in (said Welcome, or Status), "refused" when it closed it first; "replay"
 * says "first welcomed, replay refused" when all went as it should. Exit
 * status 0 whatever the coordinator did, 1 when the tool failed, 2 on a
 * usage error.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "buf.h"
#include "dial.h"
#include "frame.h"
#include "peercred.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
connect_to(const struct addr *a)
{
	struct timeval tv = { 5, 0 };
	struct err e;
	int fd = addr_connect_tcp(a, &e);

	if (fd == -1) {
		fprintf(stderr, "authpeer: %s\n", e.msg);
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void
pack_hello(struct buf *b)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Hello h = MR__HELLO__INIT;
	struct err e;

	h.version = MR_PROTOCOL_VERSION;
	h.pid = getpid();
	h.app = "wc";
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &h;
	frame_pack(b, &env, &e);
}

/* A StatusRequest: a client let in gets a Status, and no plugin is set. */
static void
pack_status(struct buf *b)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__StatusRequest sr = MR__STATUS_REQUEST__INIT;
	struct err e;

	sr.version = MR_PROTOCOL_VERSION;
	env.msg_case = MR__ENVELOPE__MSG_STATUS_REQUEST;
	env.status_request = &sr;
	frame_pack_max(b, &env, MR_FRAME_MAX, &e);
}

/* Reads until a Welcome or a Status (1) or the end of the connection (0). */
static int
welcomed(int fd)
{
	Mr__Envelope *env;
	struct err e;
	int w;

	for (;;) {
		if (frame_recv_max(fd, &env, MR_STATUS_FRAME_MAX, &e) != 1)
			return 0;
		w = (env->msg_case == MR__ENVELOPE__MSG_WELCOME &&
		    (env->welcome->refused == NULL ||
		    *env->welcome->refused == '\0')) ||
		    env->msg_case == MR__ENVELOPE__MSG_STATUS;
		frame_free(env);
		if (w)
			return 1;
	}
}

static int
mode_hello(const struct addr *a)
{
	struct buf b = BUF_INIT;
	struct err e;
	int fd = connect_to(a);

	pack_hello(&b);
	frame_flush(fd, &b, &e);
	puts(welcomed(fd) ? "welcomed" : "refused");
	buf_free(&b);
	close(fd);
	return 0;
}

static int
mode_wrong(const struct addr *a)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply = NULL;
	Mr__AuthHello h = MR__AUTH_HELLO__INIT;
	Mr__AuthProof p = MR__AUTH_PROOF__INIT;
	unsigned char nonce[AUTH_NONCE_BYTES], proof[32];
	struct buf b = BUF_INIT;
	struct err e;
	int fd = connect_to(a);

	for (size_t i = 0; i < sizeof nonce; i++)
		nonce[i] = (unsigned char)rand();
	for (size_t i = 0; i < sizeof proof; i++)
		proof[i] = (unsigned char)rand();
	h.nonce.data = nonce;
	h.nonce.len = sizeof nonce;
	env.msg_case = MR__ENVELOPE__MSG_AUTH_HELLO;
	env.auth_hello = &h;
	frame_send(fd, &env, &e);
	if (frame_recv(fd, &reply, &e) == 1)
		frame_free(reply);
	p.proof.data = proof;
	p.proof.len = sizeof proof;
	env.msg_case = MR__ENVELOPE__MSG_AUTH_PROOF;
	env.auth_proof = &p;
	frame_pack(&b, &env, &e);
	pack_hello(&b);
	frame_flush(fd, &b, &e);
	puts(welcomed(fd) ? "welcomed" : "refused");
	buf_free(&b);
	close(fd);
	return 0;
}

static void
load(struct auth *au, const char *file)
{
	struct err e;

	if (dial_auth(au, AUTH_METHOD_SECRET, file, &e) == -1) {
		fprintf(stderr, "authpeer: %s\n", e.msg);
		exit(1);
	}
}

static int
mode_replay(const struct addr *a, const char *file)
{
	struct buf rec = BUF_INIT, hello = BUF_INIT;
	struct auth au;
	struct err e;
	int fd, first, second;

	load(&au, file);
	fd = connect_to(a);
	if (auth_client_record(fd, &au, a->text, &rec, &e) == -1) {
		fprintf(stderr, "authpeer: %s\n", e.msg);
		return 1;
	}
	pack_status(&hello);
	frame_flush(fd, &hello, &e);
	first = welcomed(fd);
	close(fd);
	/* The very bytes, on a connection with another server nonce. */
	fd = connect_to(a);
	pack_status(&rec);
	frame_flush(fd, &rec, &e);
	second = welcomed(fd);
	close(fd);
	printf("first %s, replay %s\n", first ? "welcomed" : "refused",
	    second ? "welcomed" : "refused");
	buf_free(&rec);
	buf_free(&hello);
	return 0;
}

/* One StatusRequest and its answer. */
static int
status_once(int fd)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply = NULL;
	Mr__StatusRequest sr = MR__STATUS_REQUEST__INIT;
	struct err e;
	int ok;

	sr.version = MR_PROTOCOL_VERSION;
	env.msg_case = MR__ENVELOPE__MSG_STATUS_REQUEST;
	env.status_request = &sr;
	if (frame_send(fd, &env, &e) == -1 ||
	    frame_recv_max(fd, &reply, MR_STATUS_FRAME_MAX, &e) != 1)
		return -1;
	ok = reply->msg_case == MR__ENVELOPE__MSG_STATUS;
	frame_free(reply);
	return ok ? 0 : -1;
}

static int
mode_bench(const struct addr *a, const char *file, long n)
{
	double t0, t1, hs = 0, all = 0;
	struct auth au;
	struct err e;
	int fd;

	load(&au, file);
	for (long i = 0; i < n; i++) {
		t0 = now();
		fd = addr_connect_tcp(a, &e);
		if (fd == -1 || addr_tune_tcp(fd, 3, &e) == -1) {
			fprintf(stderr, "authpeer: %s\n", e.msg);
			return 1;
		}
		t1 = now();
		if (auth_client(fd, &au, a->text, &e) == -1) {
			fprintf(stderr, "authpeer: %s\n", e.msg);
			return 1;
		}
		hs += now() - t1;
		if (status_once(fd) == -1) {
			fprintf(stderr, "authpeer: no status\n");
			return 1;
		}
		close(fd);
		all += now() - t0;
	}
	printf("connections %ld each_us %.0f handshake_us %.0f\n", n,
	    all / n * 1e6, hs / n * 1e6);
	return 0;
}

static int
mode_bench_unix(const char *path, long n)
{
	struct sockaddr_un un;
	double t0, all = 0;
	struct err e;
	int fd;

	memset(&un, 0, sizeof un);
	un.sun_family = AF_UNIX;
	snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
	for (long i = 0; i < n; i++) {
		t0 = now();
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1 || connect(fd, (struct sockaddr *)&un,
		    sizeof un) == -1 ||
		    peercred_check_server(fd, path, &e) == -1 ||
		    status_once(fd) == -1) {
			fprintf(stderr, "authpeer: %s: %s\n", path,
			    strerror(errno));
			return 1;
		}
		close(fd);
		all += now() - t0;
	}
	printf("connections %ld each_us %.0f\n", n, all / n * 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	struct addr a;
	struct err e;

	if (argc < 3) {
		fprintf(stderr, "usage: authpeer MODE ADDRESS [SECRETFILE] [N]\n");
		return 2;
	}
	srand((unsigned)getpid());
	if (strcmp(argv[1], "bench-unix") == 0 && argc == 4)
		return mode_bench_unix(argv[2], atol(argv[3]));
	if (addr_parse(argv[2], 0, &a, &e) == -1 || a.kind != ADDR_TCP) {
		fprintf(stderr, "authpeer: %s\n", e.msg);
		return 2;
	}
	if (strcmp(argv[1], "hello") == 0)
		return mode_hello(&a);
	if (strcmp(argv[1], "wrong") == 0)
		return mode_wrong(&a);
	if (strcmp(argv[1], "replay") == 0 && argc == 4)
		return mode_replay(&a, argv[3]);
	if (strcmp(argv[1], "bench") == 0 && argc == 5)
		return mode_bench(&a, argv[3], atol(argv[4]));
	fprintf(stderr, "authpeer: unknown mode %s\n", argv[1]);
	return 2;
}
