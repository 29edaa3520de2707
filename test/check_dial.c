/*
 * check_dial - a client's connection to a coordinator (common/dial.h):
 * what it proves itself with (the secret of a file, of $MR_SECRET, none:
 * an error saying where to give one, MUNGE needing none); over loopback
 * TCP against a server thread running the handshake's server side, a
 * client with the secret gets a tuned, blocking connection, one with
 * another secret is refused with EACCES (nothing worth waiting for), and
 * nobody listening is ECONNREFUSED (worth waiting for); a server that
 * never answers the handshake is given up after DIAL_HANDSHAKE_TIMEOUT.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dial.h"
#include "frame.h"

static char dir[64], path[128];
static struct auth server_auth;
static int lfd;
static struct addr where;

static void
setup(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct err e;
	char text[64];
	int made;

	strcpy(dir, "/tmp/check_dial-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/.mr-secret", dir);
	ck_assert_int_eq(auth_secret_make(&server_auth, path, &made, &e), 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(text, sizeof text, "tcp:127.0.0.1:%u", ntohs(sin.sin_port));
	ck_assert_int_eq(addr_parse(text, 0, &where, &e), 0);
}

static void
teardown(void)
{
	char cmd[128];

	close(lfd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One connection served: the handshake, its verdict in *(int *)arg. */
static void *
serve_one(void *arg)
{
	Mr__Envelope out = MR__ENVELOPE__INIT, *in = NULL;
	struct auth_server s;
	struct err e;
	int fd = accept(lfd, NULL, NULL), *verdict = arg;

	*verdict = -2;
	auth_server_init(&s, &server_auth);
	if (frame_recv(fd, &in, &e) == 1 &&
	    in->msg_case == MR__ENVELOPE__MSG_AUTH_HELLO &&
	    auth_server_hello(&s, in->auth_hello, &e) == 0) {
		out.msg_case = MR__ENVELOPE__MSG_AUTH_CHALLENGE;
		out.auth_challenge = &s.challenge;
		frame_send(fd, &out, &e);
		frame_free(in);
		in = NULL;
		if (frame_recv(fd, &in, &e) == 1 &&
		    in->msg_case == MR__ENVELOPE__MSG_AUTH_PROOF)
			*verdict = auth_server_proof(&s, in->auth_proof, &e);
	}
	frame_free(in);
	close(fd);
	return NULL;
}

START_TEST(test_dial_auth)
{
	struct auth a;
	struct err e;
	char hex[2 * AUTH_SECRET_BYTES + 1];

	unsetenv(AUTH_SECRET_ENV);
	ck_assert_int_eq(dial_auth(&a, AUTH_METHOD_SECRET, NULL, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "--secret-file"));
	ck_assert_ptr_nonnull(strstr(e.msg, "$MR_SECRET"));
	ck_assert_int_eq(dial_auth(&a, AUTH_METHOD_SECRET, path, &e), 0);
	ck_assert_mem_eq(a.secret, server_auth.secret, AUTH_SECRET_BYTES);
	auth_secret_hex(&server_auth, hex);
	setenv(AUTH_SECRET_ENV, hex, 1);
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(dial_auth(&a, AUTH_METHOD_SECRET, NULL, &e), 0);
	ck_assert_mem_eq(a.secret, server_auth.secret, AUTH_SECRET_BYTES);
	unsetenv(AUTH_SECRET_ENV);
	ck_assert_int_eq(dial_auth(&a, AUTH_METHOD_MUNGE, NULL, &e), 0);
}
END_TEST

START_TEST(test_dial_ok)
{
	pthread_t t;
	struct err e;
	struct timeval tv;
	socklen_t len = sizeof tv;
	int fd, verdict, v;

	pthread_create(&t, NULL, serve_one, &verdict);
	fd = dial(&where, &server_auth, 3, &e);
	ck_assert_msg(fd >= 0, "%s", e.msg);
	pthread_join(t, NULL);
	ck_assert_int_eq(verdict, 0);
	len = sizeof v;
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	ck_assert_int_ne(v, 0);
	/* Blocking again, with no timeout left from the handshake. */
	len = sizeof tv;
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	ck_assert_int_eq(tv.tv_sec, 0);
	close(fd);
}
END_TEST

START_TEST(test_dial_wrong_secret)
{
	struct auth other = server_auth;
	pthread_t t;
	struct err e;
	int verdict;

	other.secret[5] ^= 0x40;
	pthread_create(&t, NULL, serve_one, &verdict);
	ck_assert_int_eq(dial(&where, &other, 3, &e), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_ptr_nonnull(strstr(e.msg, "not this job's secret"));
	pthread_join(t, NULL);
	/* It never sent a proof. */
	ck_assert_int_eq(verdict, -2);
}
END_TEST

START_TEST(test_dial_nobody)
{
	struct err e;

	close(lfd);
	ck_assert_int_eq(dial(&where, &server_auth, 3, &e), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(e.msg, where.text));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
}
END_TEST

START_TEST(test_dial_silent_server)
{
	struct err e;

	/* Listening, never accepting: the kernel completes the connection. */
	ck_assert_int_eq(dial(&where, &server_auth, 3, &e), -1);
	ck_assert_int_ne(errno, EACCES);
}
END_TEST

static Suite *
dial_suite(void)
{
	Suite *s = suite_create("dial");
	TCase *tc = tcase_create("dial");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, DIAL_HANDSHAKE_TIMEOUT + 10);
	tcase_add_test(tc, test_dial_auth);
	tcase_add_test(tc, test_dial_ok);
	tcase_add_test(tc, test_dial_wrong_secret);
	tcase_add_test(tc, test_dial_nobody);
	tcase_add_test(tc, test_dial_silent_server);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dial_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
