/*
 * addr.h - where a coordinator listens and where its clients reach it:
 * "unix:PATH" (or a bare path: the Unix socket, as --socket takes it) or
 * "tcp:HOST:PORT", HOST a name, an IPv4 address or an IPv6 address in
 * brackets ("tcp:[::1]:7000"). And what a TCP connection needs on both
 * ends: no Nagle delay, and keepalive probes bounded by TCP_USER_TIMEOUT,
 * so that a peer whose host vanished (power, network) is noticed within a
 * few seconds rather than never: a dead host closes nothing.
 */
#ifndef MR_ADDR_H
#define MR_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

#include "err.h"

/* Longest HOST, and the longest text of an address. */
#define ADDR_HOST_MAX 255
#define ADDR_TEXT_MAX (ADDR_HOST_MAX + 16)

/*
 * Seconds a TCP peer may stay unanswered (no byte, no acknowledgement, no
 * reply to a keepalive probe) before its connection is given up: the
 * default of mrcoordinator --peer-timeout, the bound on the time a lost
 * host holds its task.
 */
#define ADDR_PEER_TIMEOUT_DEFAULT 3

enum addr_kind {
	ADDR_UNIX,
	ADDR_TCP
};

struct addr {
	enum addr_kind		 kind;
	struct sockaddr_un	 un;			/* ADDR_UNIX */
	char			 host[ADDR_HOST_MAX + 1];	/* ADDR_TCP, no brackets */
	unsigned		 port;			/* ADDR_TCP; 0: any (listening) */
	char			 text[ADDR_TEXT_MAX];	/* as written back: tcp:HOST:PORT */
};

/*
 * Parses s as "tcp:HOST:PORT" or "unix:PATH" into a. With `bare_path` a
 * string of neither form is a Unix socket's path (--socket's old meaning);
 * without, it is an error. Returns 0, or -1 with e set naming s and the
 * forms expected (a path too long for a socket address, a port that is
 * not a number from 0 to 65535, an empty host).
 */
int	addr_parse(const char *s, int bare_path, struct addr *a, struct err *e);

/* Fills a->text from the other fields ("tcp:[::1]:7000", "unix:/x/mr.sock"). */
void	addr_format(struct addr *a);

/*
 * The address of sa (of `len` bytes) as "HOST:PORT" ("[::1]:7000"), for
 * log lines: who connected, whom we reached.
 */
void	addr_peer_name(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t size);

/* addr_peer_name() of the peer of the connected socket fd ("?" if none). */
void	addr_fd_peer(int fd, char *buf, size_t size);

/*
 * Connects a blocking TCP socket to a (each address HOST resolves to, in
 * turn). Returns the fd, or -1 with e set naming the address; errno
 * ECONNREFUSED when nobody listens (the address is fine: one may come),
 * anything else otherwise.
 */
int	addr_connect_tcp(const struct addr *a, struct err *e);

/*
 * Sets what a TCP connection needs: TCP_NODELAY (a request and its answer
 * must not wait for each other's acknowledgements), and keepalive probes
 * once it is idle for a third of `timeout` seconds, one every third, with
 * TCP_USER_TIMEOUT `timeout`: whether data is unacknowledged or probes
 * unanswered, the connection fails (ETIMEDOUT) about `timeout` seconds
 * after the peer last answered. Returns 0 or -1 with e set.
 */
int	addr_tune_tcp(int fd, double timeout, struct err *e);

#endif
