/*
 * check_addr - addresses (common/addr.h): tcp:HOST:PORT with a name, an
 * IPv4 and a bracketed IPv6 address, unix:PATH and a bare path, written
 * back the same; refused with a message naming them: no port, a port over
 * 65535 or not a number, an empty host, an IPv6 address without brackets,
 * a socket path too long; and a TCP connection tuned and made to a
 * listener on loopback.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

START_TEST(test_tcp_forms)
{
	struct addr a;
	struct err e;

	ck_assert_int_eq(addr_parse("tcp:node7:7000", 0, &a, &e), 0);
	ck_assert_int_eq(a.kind, ADDR_TCP);
	ck_assert_str_eq(a.host, "node7");
	ck_assert_uint_eq(a.port, 7000);
	ck_assert_str_eq(a.text, "tcp:node7:7000");
	ck_assert_int_eq(addr_parse("tcp:192.0.2.1:0", 0, &a, &e), 0);
	ck_assert_uint_eq(a.port, 0);
	ck_assert_int_eq(addr_parse("tcp:[::1]:65535", 0, &a, &e), 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_uint_eq(a.port, 65535);
	ck_assert_str_eq(a.text, "tcp:[::1]:65535");
}
END_TEST

START_TEST(test_unix_forms)
{
	struct addr a;
	struct err e;

	ck_assert_int_eq(addr_parse("unix:/run/x/mr.sock", 0, &a, &e), 0);
	ck_assert_int_eq(a.kind, ADDR_UNIX);
	ck_assert_str_eq(a.un.sun_path, "/run/x/mr.sock");
	ck_assert_str_eq(a.text, "unix:/run/x/mr.sock");
	/* A bare path is a socket only where the caller allows it. */
	ck_assert_int_eq(addr_parse("rel/mr.sock", 1, &a, &e), 0);
	ck_assert_str_eq(a.un.sun_path, "rel/mr.sock");
	ck_assert_int_eq(addr_parse("rel/mr.sock", 0, &a, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "rel/mr.sock: not an address"));
}
END_TEST

START_TEST(test_refused)
{
	static const char *bad[] = {
		"tcp:node7", "tcp:node7:", "tcp::7000", "tcp:node7:70000",
		"tcp:node7:7x", "tcp:node7:-1", "tcp:::1:7000", "tcp:[::1]7000",
		"unix:"
	};
	char longpath[200];
	struct addr a;
	struct err e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(addr_parse(bad[i], 0, &a, &e) == -1, "%s", bad[i]);
		ck_assert_msg(strstr(e.msg, bad[i]) != NULL, "%s: %s", bad[i],
		    e.msg);
	}
	memset(longpath, 'x', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	ck_assert_int_eq(addr_parse(longpath, 1, &a, &e), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
}
END_TEST

START_TEST(test_connect_tuned)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct addr a;
	struct err e;
	int lfd, fd, cfd, v;
	unsigned ms;
	char name[64];

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(name, sizeof name, "tcp:127.0.0.1:%u", ntohs(sin.sin_port));
	ck_assert_int_eq(addr_parse(name, 0, &a, &e), 0);
	fd = addr_connect_tcp(&a, &e);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(addr_tune_tcp(fd, 3, &e), 0);
	len = sizeof ms;
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    &len), 0);
	ck_assert_uint_eq(ms, 3000);
	len = sizeof v;
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	ck_assert_int_ne(v, 0);
	cfd = accept(lfd, NULL, NULL);
	addr_fd_peer(cfd, name, sizeof name);
	ck_assert_ptr_nonnull(strstr(name, "127.0.0.1:"));
	close(cfd);
	close(fd);
	close(lfd);
	/* Nobody there now: refused, which a worker waits out. */
	ck_assert_int_eq(addr_connect_tcp(&a, &e), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_tcp_forms);
	tcase_add_test(tc, test_unix_forms);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_connect_tuned);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
