/*
 * check_auth - the job's secret and the handshake (common/auth.h): a
 * secret made is 64 hexadecimal digits in a file of mode 0600, loaded
 * back the same, kept when made again; a secret file open to others, a
 * symbolic link or one of bad text is refused naming it; $MR_SECRET is
 * read; over a socket pair, a client with the secret and the server's
 * state machine prove themselves to each other; a client with another
 * secret finds the server's proof wrong and says no more; a forged proof,
 * a proof replayed from another connection and a proof out of turn are
 * refused by the server; a client of another method is told so.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "frame.h"

static char dir[64], path[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_auth-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/.mr-secret", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_secret_file)
{
	struct auth a, b;
	struct stat st;
	struct err e;
	char text[80];
	FILE *f;
	int made;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	ck_assert_int_eq(made, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(text, sizeof text, f));
	fclose(f);
	ck_assert_uint_eq(strlen(text), 2 * AUTH_SECRET_BYTES + 1);
	ck_assert_int_eq(auth_secret_load(&b, path, &e), 0);
	ck_assert_mem_eq(a.secret, b.secret, AUTH_SECRET_BYTES);
	/* Kept: a coordinator of the same job resuming it. */
	ck_assert_int_eq(auth_secret_make(&b, path, &made, &e), 0);
	ck_assert_int_eq(made, 0);
	ck_assert_mem_eq(a.secret, b.secret, AUTH_SECRET_BYTES);
}
END_TEST

START_TEST(test_secret_refused)
{
	char link[160];
	struct auth a;
	struct err e;
	int made;
	FILE *f;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(auth_secret_load(&a, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "open to others (mode 0644"));
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	ck_assert_int_eq(chmod(path, 0600), 0);
	snprintf(link, sizeof link, "%s/link", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(auth_secret_load(&a, link, &e), -1);
	f = fopen(path, "w");
	fputs("not hex\n", f);
	fclose(f);
	ck_assert_int_eq(auth_secret_load(&a, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not 64 hexadecimal digits"));
	ck_assert_int_eq(auth_secret_load(&a, "/nonexistent/secret", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/secret"));
}
END_TEST

START_TEST(test_secret_env)
{
	struct auth a, b;
	struct err e;
	char hex[2 * AUTH_SECRET_BYTES + 1];
	int made;

	unsetenv(AUTH_SECRET_ENV);
	ck_assert_int_eq(auth_secret_env(&a, &e), 0);
	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	auth_secret_hex(&a, hex);
	setenv(AUTH_SECRET_ENV, hex, 1);
	ck_assert_int_eq(auth_secret_env(&b, &e), 1);
	ck_assert_mem_eq(a.secret, b.secret, AUTH_SECRET_BYTES);
	setenv(AUTH_SECRET_ENV, "abc", 1);
	ck_assert_int_eq(auth_secret_env(&b, &e), -1);
	unsetenv(AUTH_SECRET_ENV);
}
END_TEST

/*
 * The server's side over fd: the client's AuthHello answered, then its
 * AuthProof checked. Returns what auth_server_proof() said, 1 when the
 * method was refused, or -2 when the client stopped before its proof.
 */
static int
serve(int fd, const struct auth *a, struct err *e)
{
	Mr__Envelope out = MR__ENVELOPE__INIT, *in;
	struct auth_server s;
	int rc;

	auth_server_init(&s, a);
	ck_assert_int_eq(frame_recv(fd, &in, e), 1);
	ck_assert_int_eq(in->msg_case, MR__ENVELOPE__MSG_AUTH_HELLO);
	rc = auth_server_hello(&s, in->auth_hello, e);
	frame_free(in);
	ck_assert_int_ge(rc, 0);
	out.msg_case = MR__ENVELOPE__MSG_AUTH_CHALLENGE;
	out.auth_challenge = &s.challenge;
	ck_assert_int_eq(frame_send(fd, &out, e), 0);
	if (rc == 1)
		return 1;
	if (frame_recv(fd, &in, e) != 1)
		return -2;
	ck_assert_int_eq(in->msg_case, MR__ENVELOPE__MSG_AUTH_PROOF);
	rc = auth_server_proof(&s, in->auth_proof, e);
	frame_free(in);
	return rc;
}

/* A client in a child process: auth_client() with a; its exit status says. */
static pid_t
client(int fd, const struct auth *a, struct buf *rec)
{
	struct err e;
	pid_t pid = fork();

	if (pid == 0) {
		_exit(auth_client_record(fd, a, "server", rec, &e) == 0 ? 0 : 1);
	}
	return pid;
}

static int
client_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WEXITSTATUS(status);
}

START_TEST(test_handshake)
{
	struct auth a;
	struct err e;
	int sv[2], made;
	pid_t pid;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = client(sv[1], &a, NULL);
	ck_assert_int_eq(serve(sv[0], &a, &e), 0);
	ck_assert_int_eq(client_status(pid), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_wrong_secret)
{
	struct auth a, b;
	struct err e;
	int sv[2], made;
	pid_t pid;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	b = a;
	b.secret[0] ^= 1;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = client(sv[1], &b, NULL);
	close(sv[1]);
	/* The client finds our proof wrong and says nothing more. */
	ck_assert_int_eq(serve(sv[0], &a, &e), -2);
	ck_assert_int_eq(client_status(pid), 1);
	close(sv[0]);
}
END_TEST

START_TEST(test_forged_and_replayed)
{
	Mr__AuthHello hello = MR__AUTH_HELLO__INIT;
	Mr__AuthProof proof = MR__AUTH_PROOF__INIT;
	struct auth_server s;
	unsigned char nonce[AUTH_NONCE_BYTES] = { 1, 2, 3 }, junk[32] = { 0 };
	struct auth a;
	struct err e;
	int made;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	/* Out of turn. */
	auth_server_init(&s, &a);
	proof.proof.data = junk;
	proof.proof.len = sizeof junk;
	ck_assert_int_eq(auth_server_proof(&s, &proof, &e), -1);
	/* Forged. */
	hello.nonce.data = nonce;
	hello.nonce.len = sizeof nonce;
	ck_assert_int_eq(auth_server_hello(&s, &hello, &e), 0);
	ck_assert_int_eq(auth_server_proof(&s, &proof, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "wrong proof"));
	/* The server's own proof reflected back: another label. */
	auth_server_init(&s, &a);
	ck_assert_int_eq(auth_server_hello(&s, &hello, &e), 0);
	proof.proof = s.challenge.proof;
	ck_assert_int_eq(auth_server_proof(&s, &proof, &e), -1);
	/* A nonce of another size. */
	auth_server_init(&s, &a);
	hello.nonce.len = 8;
	ck_assert_int_eq(auth_server_hello(&s, &hello, &e), -1);
}
END_TEST

START_TEST(test_replay)
{
	Mr__Envelope out = MR__ENVELOPE__INIT, *hello, *proof;
	struct auth_server s;
	struct auth a;
	struct err e;
	int sv[2], made;
	pid_t pid;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = client(sv[1], &a, NULL);
	auth_server_init(&s, &a);
	ck_assert_int_eq(frame_recv(sv[0], &hello, &e), 1);
	ck_assert_int_eq(auth_server_hello(&s, hello->auth_hello, &e), 0);
	out.msg_case = MR__ENVELOPE__MSG_AUTH_CHALLENGE;
	out.auth_challenge = &s.challenge;
	ck_assert_int_eq(frame_send(sv[0], &out, &e), 0);
	ck_assert_int_eq(frame_recv(sv[0], &proof, &e), 1);
	ck_assert_int_eq(auth_server_proof(&s, proof->auth_proof, &e), 0);
	ck_assert_int_eq(client_status(pid), 0);
	/* The recorded AuthHello and AuthProof, on another connection. */
	auth_server_init(&s, &a);
	ck_assert_int_eq(auth_server_hello(&s, hello->auth_hello, &e), 0);
	ck_assert_int_eq(auth_server_proof(&s, proof->auth_proof, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "wrong proof"));
	frame_free(hello);
	frame_free(proof);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_other_method)
{
	struct auth a, m;
	struct err e;
	int sv[2], made;
	pid_t pid;

	ck_assert_int_eq(auth_secret_make(&a, path, &made, &e), 0);
	memset(&m, 0, sizeof m);
	m.method = AUTH_METHOD_MUNGE;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = client(sv[1], &m, NULL);
	ck_assert_int_eq(serve(sv[0], &a, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "serves --auth secret, not munge"));
	ck_assert_int_eq(client_status(pid), 1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_secret_file);
	tcase_add_test(tc, test_secret_refused);
	tcase_add_test(tc, test_secret_env);
	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_wrong_secret);
	tcase_add_test(tc, test_forged_and_replayed);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_other_method);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
