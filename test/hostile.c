/*
 * hostile - a misbehaving client of mrcoordinator, for scripts/test-hostile.sh.
 *
 * usage: hostile --socket PATH [--wait SECONDS] MODE [ARGS]
 *
 * Connects to the coordinator's Unix socket, misbehaves as MODE says, and
 * prints on stdout one line saying what the coordinator did. Every read and
 * write is bounded by poll() timeouts, so the tool never hangs. The exit
 * status is 0 whatever the coordinator did, 1 when the tool itself failed
 * (cannot connect, out of file descriptors, ...), 2 on a usage error.
 *
 * One-connection modes. The line lists the coordinator's replies in order,
 * each as "reply welcome version=V[ worker=W]", "reply task map=X",
 * "reply task reduce=Y", "reply task shutdown" or "reply type=N", then the
 * final state, all separated by ", ": "closed" (read returned 0 or
 * ECONNRESET, or a write failed with EPIPE), "open" (nothing happened for
 * --wait seconds, default 3, after the last message), "garbage" (the
 * coordinator sent bytes that are not a frame) or "sent" (truncated only).
 *
 *   random N [SEED]        N random bytes (a fixed SEED makes them repeatable)
 *   huge                   a header announcing 0xffffffff bytes, then wait
 *   maxplus                a header announcing MR_FRAME_MAX + 1 bytes
 *   truncated              a header announcing 100 bytes, 10 of them, close
 *   junk                   a correct header, a payload that is not protobuf
 *   unknown                an Envelope holding only field 99 (varint)
 *   empty                  a frame of 0 bytes (an Envelope with no message)
 *   second-hello           Hello, Welcome expected, Hello again
 *   report-unknown         Hello, then TaskDone for attempt 12345
 *   fail-unknown           Hello, then TaskFailed for attempt 12345
 *   progress-unknown       Hello, then TaskProgress for attempt 12345
 *   progress-long          Hello, TaskRequest, and once a task is given a
 *                          TaskProgress of its attempt with a status line
 *                          one byte over MR_TASK_STATUS_MAX
 *   request-twice          Hello, then two TaskRequests in one write
 *   request-before-hello   TaskRequest as the first message
 *   welcome                a Welcome (a coordinator-only message)
 *   task                   a Task (a coordinator-only message)
 *   bad-version            Hello with protocol version 999
 *   status                 StatusRequest, as mrctl does
 *   status-twice           two StatusRequests in one write (the second
 *                          before the first answer is read)
 *   status-bad-version     StatusRequest with protocol version 999
 *   hello-after-status     StatusRequest, then Hello once answered
 *   status-after-hello     Hello, Welcome expected, then StatusRequest
 *
 * Many-connection modes print "opened=M closed=K early=E first=A last=B"
 * (M connections opened out of the N asked, K of them closed by the
 * coordinator, E of those within 1 s of being opened, A and B the shortest
 * and longest time from opening to closing in seconds, "-" when none), with
 * " welcomed=W" added for the modes that say Hello. Progress goes to stderr.
 *
 * Each holds its connections for SECONDS, or less once the coordinator has
 * closed them all.
 *
 *   idle N SECONDS         N connections that send nothing, held SECONDS
 *   idle-hello N SECONDS   N connections that send Hello and nothing more
 *   noread N [SECONDS]     N connections that send Hello and TaskRequest and
 *                          never read; held SECONDS, or until SIGTERM or
 *                          SIGINT, which prints the line and exits 0
 *   noread-status N SECONDS
 *                          N connections that send StatusRequest and never
 *                          read the answer, held SECONDS
 *   partial N SECONDS      N connections that send Hello, then a header
 *                          announcing MR_WORKER_FRAME_MAX bytes (the most a
 *                          coordinator accepts) and all of them but the last
 *                          (each costs the coordinator a frame's buffer for
 *                          as long as it is held)
 *   flood [N] [SECONDS]    N connections (default 400) opened at once, held
 *                          SECONDS (default 2): early= counts the ones the
 *                          coordinator closed at once
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

/* A connection closed within this many seconds of opening counts as early. */
#define HOSTILE_EARLY 1.0
/* How long the many-connection modes keep trying to open their connections. */
#define HOSTILE_OPEN_TIME 5.0
#define HOSTILE_BAD_ATTEMPT 12345

enum hostile_event {
	HOSTILE_FRAME,		/* a whole frame arrived */
	HOSTILE_CLOSED,		/* the coordinator closed the connection */
	HOSTILE_OPEN,		/* nothing within the wait */
	HOSTILE_GARBAGE		/* the coordinator sent something not a frame */
};

struct hostile_conn {
	int		 fd;
	int		 closed;
	double		 opened;	/* hostile_now() when connected */
	double		 gone;		/* when seen closed */
	unsigned	 welcomed;
	struct buf	 in;
};

static struct sockaddr_un hostile_addr;
static double hostile_wait = 3;
static char hostile_line[2048];
static volatile sig_atomic_t hostile_stop;

static double
hostile_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
hostile_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("hostile: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn))
hostile_usage(void)
{
	fprintf(stderr,
"usage: hostile --socket PATH [--wait SECONDS] MODE [ARGS]\n"
"modes: random N [SEED], huge, maxplus, truncated, junk, unknown, empty,\n"
"       second-hello, report-unknown, fail-unknown, progress-unknown,\n"
"       progress-long, request-twice,\n"
"       request-before-hello, welcome, task, bad-version,\n"
"       status, status-twice, status-bad-version, hello-after-status,\n"
"       status-after-hello,\n"
"       idle N SECONDS, idle-hello N SECONDS, noread N [SECONDS],\n"
"       noread-status N SECONDS,\n"
"       partial N SECONDS, flood [N] [SECONDS]\n");
	exit(2);
}

/* Appends one item to the result line, items separated by ", ". */
static void __attribute__((format(printf, 1, 2)))
hostile_say(const char *fmt, ...)
{
	size_t n = strlen(hostile_line);
	va_list ap;

	if (n > 0 && n < sizeof hostile_line - 2) {
		memcpy(hostile_line + n, ", ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(hostile_line + n, sizeof hostile_line - n, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
hostile_report(void)
{
	printf("%s\n", hostile_line);
	fflush(stdout);
	exit(0);
}

static long
hostile_number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "hostile: %s: expected a number from %ld to "
		    "%ld, got '%s'\n", what, min, max, s);
		hostile_usage();
	}
	return v;
}

static double
hostile_seconds(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= 86400)) {
		fprintf(stderr, "hostile: %s: expected seconds, got '%s'\n",
		    what, s);
		hostile_usage();
	}
	return v;
}

/* Milliseconds left until deadline, for poll(), never negative. */
static int
hostile_ms_left(double deadline)
{
	double left = deadline - hostile_now();

	if (left <= 0)
		return 0;
	return (int)(left * 1000) + 1;
}

/*
 * A non-blocking connected socket, or -1 with errno (EAGAIN when the
 * listen backlog is full).
 */
static int
hostile_connect(void)
{
	int fd, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&hostile_addr,
	    sizeof hostile_addr) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* One connection for the one-connection modes, retried while the backlog is full. */
static void
hostile_open(struct hostile_conn *c)
{
	double deadline = hostile_now() + hostile_wait;

	memset(c, 0, sizeof *c);
	while ((c->fd = hostile_connect()) == -1) {
		if (errno != EAGAIN || hostile_now() > deadline)
			hostile_fail("%s: %s", hostile_addr.sun_path,
			    strerror(errno));
		poll(NULL, 0, 5);
	}
	c->opened = hostile_now();
}

/* Sends all of p[0..n). Returns 0, -1 if the peer closed, -2 on a timeout. */
static int
hostile_send(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	double deadline = hostile_now() + hostile_wait;
	struct pollfd pfd;
	ssize_t w;

	while (n > 0) {
		w = send(fd, q, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			q += w;
			n -= w;
			continue;
		}
		if (w == -1 && (errno == EPIPE || errno == ECONNRESET))
			return -1;
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			hostile_fail("send: %s", strerror(errno));
		if (hostile_now() > deadline)
			return -2;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, hostile_ms_left(deadline));
	}
	return 0;
}

/* Sends the frame of env; see hostile_send(). */
static int
hostile_send_env(int fd, const Mr__Envelope *env)
{
	struct buf b = BUF_INIT;
	struct err e;
	int rc;

	if (frame_pack(&b, env, &e) == -1)
		hostile_fail("%s", e.msg);
	rc = hostile_send(fd, buf_head(&b), buf_len(&b));
	buf_free(&b);
	return rc;
}

/* Appends a frame of raw payload bytes with its header to b. */
static void
hostile_raw_frame(struct buf *b, const void *payload, uint32_t n)
{
	uint8_t hdr[MR_FRAME_HEADER] = { n >> 24, n >> 16, n >> 8, n };

	buf_add(b, hdr, sizeof hdr);
	buf_add(b, payload, n);
}

static void
hostile_pack_hello(struct buf *b, uint32_t version)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Hello h = MR__HELLO__INIT;
	struct err e;

	h.version = version;
	h.pid = (int32_t)getpid();
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &h;
	if (frame_pack(b, &env, &e) == -1)
		hostile_fail("%s", e.msg);
}

static void
hostile_pack_request(struct buf *b)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskRequest r = MR__TASK_REQUEST__INIT;
	struct err e;

	env.msg_case = MR__ENVELOPE__MSG_REQUEST;
	env.request = &r;
	if (frame_pack(b, &env, &e) == -1)
		hostile_fail("%s", e.msg);
}

/*
 * Reads from a one-connection mode's socket until a whole frame, a close
 * or wait seconds of silence. *env is set for HOSTILE_FRAME.
 */
static enum hostile_event
hostile_await(struct hostile_conn *c, double wait, Mr__Envelope **env)
{
	double deadline = hostile_now() + wait;
	struct pollfd pfd;
	struct err e;
	size_t used;
	ssize_t n;
	int rc;

	for (;;) {
		rc = frame_parse(buf_head(&c->in), buf_len(&c->in), env, &used,
		    &e);
		if (rc == 1) {
			buf_consume(&c->in, used);
			return HOSTILE_FRAME;
		}
		if (rc == -1) {
			fprintf(stderr, "hostile: from the coordinator: %s\n",
			    e.msg);
			return HOSTILE_GARBAGE;
		}
		n = read(c->fd, buf_reserve(&c->in, 4096), 4096);
		if (n > 0) {
			buf_commit(&c->in, n);
			continue;
		}
		if (n == 0 || errno == ECONNRESET)
			return HOSTILE_CLOSED;
		if (errno != EAGAIN && errno != EINTR)
			hostile_fail("read: %s", strerror(errno));
		if (hostile_now() >= deadline)
			return HOSTILE_OPEN;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, hostile_ms_left(deadline));
	}
}

/* Appends the description of a reply to the result line. */
static void
hostile_describe(const Mr__Envelope *env)
{
	const Mr__Task *t;

	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_WELCOME:
		if (env->welcome->worker_id != 0)
			hostile_say("reply welcome version=%u worker=%u",
			    env->welcome->version, env->welcome->worker_id);
		else
			hostile_say("reply welcome version=%u",
			    env->welcome->version);
		break;
	case MR__ENVELOPE__MSG_TASK:
		t = env->task;
		if (t->kind_case == MR__TASK__KIND_MAP)
			hostile_say("reply task map=%u", t->map->id);
		else if (t->kind_case == MR__TASK__KIND_REDUCE)
			hostile_say("reply task reduce=%u", t->reduce->partition);
		else if (t->kind_case == MR__TASK__KIND_SHUTDOWN)
			hostile_say("reply task shutdown");
		else
			hostile_say("reply task kind=%d", (int)t->kind_case);
		break;
	case MR__ENVELOPE__MSG_STATUS:
		if (env->status->n_tasks > 0)
			hostile_say("reply status version=%u tasks=%zu",
			    env->status->version, env->status->n_tasks);
		else
			hostile_say("reply status version=%u",
			    env->status->version);
		break;
	default:
		hostile_say("reply type=%d", (int)env->msg_case);
		break;
	}
}

/* After the last message: every reply, then closed, open or garbage. */
static void __attribute__((noreturn))
hostile_finish(struct hostile_conn *c)
{
	Mr__Envelope *env;
	double deadline = hostile_now() + hostile_wait;

	for (;;) {
		switch (hostile_await(c, deadline - hostile_now(), &env)) {
		case HOSTILE_FRAME:
			hostile_describe(env);
			frame_free(env);
			break;
		case HOSTILE_CLOSED:
			hostile_say("closed");
			hostile_report();
		case HOSTILE_OPEN:
			hostile_say("open");
			hostile_report();
		case HOSTILE_GARBAGE:
			hostile_say("garbage");
			hostile_report();
		}
	}
}

/* Sends b; a failed write means the coordinator already closed. */
static void
hostile_push(struct hostile_conn *c, struct buf *b)
{
	int rc = hostile_send(c->fd, buf_head(b), buf_len(b));

	buf_free(b);
	if (rc == -1) {
		hostile_say("closed");
		hostile_report();
	}
	if (rc == -2) {
		hostile_say("open");	/* the coordinator stopped reading */
		hostile_report();
	}
}

/* Says Hello and waits for the Welcome; reports and exits on anything else. */
static void
hostile_hello(struct hostile_conn *c)
{
	struct buf b = BUF_INIT;
	Mr__Envelope *env;
	int welcomed;

	hostile_pack_hello(&b, MR_PROTOCOL_VERSION);
	hostile_push(c, &b);
	switch (hostile_await(c, hostile_wait, &env)) {
	case HOSTILE_FRAME:
		hostile_describe(env);
		welcomed = env->msg_case == MR__ENVELOPE__MSG_WELCOME &&
		    env->welcome->worker_id != 0;
		frame_free(env);
		if (welcomed)
			return;
		hostile_finish(c);
	case HOSTILE_CLOSED:
		hostile_say("closed");
		break;
	case HOSTILE_OPEN:
		hostile_say("open");
		break;
	case HOSTILE_GARBAGE:
		hostile_say("garbage");
		break;
	}
	hostile_report();
}

/* xorshift64*, enough to make bytes that are not a protocol. */
static uint64_t
hostile_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void __attribute__((noreturn))
hostile_random(int argc, char **argv)
{
	struct hostile_conn c;
	struct buf b = BUF_INIT;
	uint64_t seed;
	long n, i;

	if (argc < 1 || argc > 2)
		hostile_usage();
	n = hostile_number(argv[0], 1, 64L * 1024 * 1024, "random N");
	if (argc == 2)
		seed = (uint64_t)hostile_number(argv[1], 0, 0x7fffffffL,
		    "random SEED");
	else
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	fprintf(stderr, "hostile: random: %ld bytes, seed %llu\n", n,
	    (unsigned long long)seed);
	seed = seed * 2 + 1;	/* never 0 */
	for (i = 0; i < n; i++)
		buf_add(&b, &(uint8_t){ (uint8_t)(hostile_rand(&seed) >> 56) },
		    1);
	hostile_open(&c);
	hostile_push(&c, &b);
	hostile_finish(&c);
}

/* A header announcing n bytes, with the first `send` bytes of a payload. */
static void __attribute__((noreturn))
hostile_header(uint32_t n, size_t send, int then_close)
{
	struct hostile_conn c;
	struct buf b = BUF_INIT;
	uint8_t hdr[MR_FRAME_HEADER] = { n >> 24, n >> 16, n >> 8, n };

	buf_add(&b, hdr, sizeof hdr);
	while (send-- > 0)
		buf_add(&b, "x", 1);
	hostile_open(&c);
	hostile_push(&c, &b);
	if (then_close) {
		close(c.fd);
		hostile_say("sent");
		hostile_report();
	}
	hostile_finish(&c);
}

/* One frame with the given payload bytes. */
static void __attribute__((noreturn))
hostile_payload(const void *payload, uint32_t n)
{
	struct hostile_conn c;
	struct buf b = BUF_INIT;

	hostile_raw_frame(&b, payload, n);
	hostile_open(&c);
	hostile_push(&c, &b);
	hostile_finish(&c);
}

/* One valid Envelope. */
static void __attribute__((noreturn))
hostile_envelope(const Mr__Envelope *env)
{
	struct hostile_conn c;

	hostile_open(&c);
	if (hostile_send_env(c.fd, env) == -1) {
		hostile_say("closed");
		hostile_report();
	}
	hostile_finish(&c);
}

static void __attribute__((noreturn))
hostile_after_hello(const char *mode)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskDone d = MR__TASK_DONE__INIT;
	Mr__TaskFailed f = MR__TASK_FAILED__INIT;
	Mr__TaskProgress pr = MR__TASK_PROGRESS__INIT;
	char status[MR_TASK_STATUS_MAX + 2];
	struct hostile_conn c;
	struct buf b = BUF_INIT;

	hostile_open(&c);
	hostile_hello(&c);
	/* An attempt of its own, so that only the length is wrong. */
	if (strcmp(mode, "progress-long") == 0) {
		Mr__Envelope *task;

		hostile_pack_request(&b);
		hostile_push(&c, &b);
		if (hostile_await(&c, hostile_wait, &task) != HOSTILE_FRAME) {
			hostile_say("no task");
			hostile_report();
		}
		hostile_describe(task);
		if (task->msg_case == MR__ENVELOPE__MSG_TASK) {
			pr.attempt = task->task->attempt;
			pr.incarnation = task->task->incarnation;
		}
		frame_free(task);
	}
	if (strcmp(mode, "second-hello") == 0)
		hostile_pack_hello(&b, MR_PROTOCOL_VERSION);
	else if (strcmp(mode, "request-twice") == 0) {
		/* One write, so that no Task can come between the two. */
		hostile_pack_request(&b);
		hostile_pack_request(&b);
	} else {
		struct err e;

		/*
		 * Of this coordinator (a fresh job's is incarnation 1): a
		 * report of an earlier one is ignored, not a violation.
		 */
		d.incarnation = f.incarnation = 1;
		if (strcmp(mode, "report-unknown") == 0) {
			d.attempt = HOSTILE_BAD_ATTEMPT;
			d.bytes_out = 1;
			env.msg_case = MR__ENVELOPE__MSG_DONE;
			env.done = &d;
		} else if (strncmp(mode, "progress-", 9) == 0) {
			memset(status, 'x', sizeof status - 1);
			status[strcmp(mode, "progress-long") == 0 ?
			    MR_TASK_STATUS_MAX + 1 : 10] = '\0';
			/* The first coordinator's: an attempt it never gave. */
			if (strcmp(mode, "progress-unknown") == 0) {
				pr.attempt = HOSTILE_BAD_ATTEMPT;
				pr.incarnation = 1;
			}
			pr.status = status;
			env.msg_case = MR__ENVELOPE__MSG_PROGRESS;
			env.progress = &pr;
		} else {
			f.attempt = HOSTILE_BAD_ATTEMPT;
			f.error = "hostile";
			env.msg_case = MR__ENVELOPE__MSG_FAILED;
			env.failed = &f;
		}
		if (frame_pack(&b, &env, &e) == -1)
			hostile_fail("%s", e.msg);
	}
	hostile_push(&c, &b);
	hostile_finish(&c);
}

static void
hostile_pack_status(struct buf *b, uint32_t version)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__StatusRequest r = MR__STATUS_REQUEST__INIT;
	struct err e;

	r.version = version;
	env.msg_case = MR__ENVELOPE__MSG_STATUS_REQUEST;
	env.status_request = &r;
	if (frame_pack(b, &env, &e) == -1)
		hostile_fail("%s", e.msg);
}

/* The status client modes (see the top of the file). */
static void __attribute__((noreturn))
hostile_status(const char *mode)
{
	struct hostile_conn c;
	struct buf b = BUF_INIT;
	Mr__Envelope *env;

	hostile_open(&c);
	if (strcmp(mode, "status-after-hello") == 0) {
		hostile_hello(&c);
		hostile_pack_status(&b, MR_PROTOCOL_VERSION);
	} else if (strcmp(mode, "status-twice") == 0) {
		hostile_pack_status(&b, MR_PROTOCOL_VERSION);
		hostile_pack_status(&b, MR_PROTOCOL_VERSION);
	} else
		hostile_pack_status(&b, strcmp(mode, "status-bad-version") == 0 ?
		    999 : MR_PROTOCOL_VERSION);
	hostile_push(&c, &b);
	if (strcmp(mode, "hello-after-status") == 0) {
		if (hostile_await(&c, hostile_wait, &env) != HOSTILE_FRAME) {
			hostile_say("no answer");
			hostile_report();
		}
		hostile_describe(env);
		frame_free(env);
		hostile_pack_hello(&b, MR_PROTOCOL_VERSION);
		hostile_push(&c, &b);
	}
	hostile_finish(&c);
}

static void
hostile_on_signal(int sig)
{
	(void)sig;
	hostile_stop = 1;
}

/* Marks c closed now. */
static void
hostile_gone(struct hostile_conn *c)
{
	c->closed = 1;
	c->gone = hostile_now();
	close(c->fd);
	c->fd = -1;
}

/*
 * Watches every open connection for up to ms milliseconds. With readit,
 * reads what arrives (counting Welcomes); without, only notices hang-ups.
 */
static void
hostile_watch(struct hostile_conn *cs, struct pollfd *pfds, int n, int ms,
    int readit)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;
	ssize_t r;
	int i;

	for (i = 0; i < n; i++) {
		pfds[i].fd = cs[i].fd;	/* -1 when closed or never opened */
		pfds[i].events = POLLRDHUP | (readit ? POLLIN : 0);
		pfds[i].revents = 0;
	}
	if (poll(pfds, n, ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (pfds[i].revents == 0 || cs[i].fd == -1)
			continue;
		if (!readit) {
			if (pfds[i].revents & (POLLRDHUP | POLLHUP | POLLERR))
				hostile_gone(&cs[i]);
			continue;
		}
		r = read(cs[i].fd, buf_reserve(&cs[i].in, 4096), 4096);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			hostile_gone(&cs[i]);
			continue;
		}
		buf_commit(&cs[i].in, r);
		while (frame_parse(buf_head(&cs[i].in), buf_len(&cs[i].in),
		    &env, &used, &e) == 1) {
			buf_consume(&cs[i].in, used);
			if (env->msg_case == MR__ENVELOPE__MSG_WELCOME)
				cs[i].welcomed++;
			frame_free(env);
		}
	}
}

/* How many connections are still open. */
static int
hostile_open_count(const struct hostile_conn *cs, int n)
{
	int i, open = 0;

	for (i = 0; i < n; i++)
		open += cs[i].fd != -1;
	return open;
}

/* Prints the summary line of a many-connection mode. */
static void
hostile_summary(const struct hostile_conn *cs, int n, int hello)
{
	int i, opened = 0, closed = 0, early = 0, welcomed = 0;
	double d, first = -1, last = -1;

	for (i = 0; i < n; i++) {
		if (cs[i].opened == 0)
			continue;
		opened++;
		welcomed += cs[i].welcomed > 0;
		if (!cs[i].closed)
			continue;
		closed++;
		d = cs[i].gone - cs[i].opened;
		if (d < HOSTILE_EARLY)
			early++;
		if (first < 0 || d < first)
			first = d;
		if (d > last)
			last = d;
	}
	printf("opened=%d closed=%d early=%d", opened, closed, early);
	if (closed > 0)
		printf(" first=%.2f last=%.2f", first, last);
	else
		printf(" first=- last=-");
	if (hello)
		printf(" welcomed=%d", welcomed);
	printf("\n");
	fflush(stdout);
}

/*
 * The many-connection modes: opens n connections as fast as the backlog
 * allows, each sending `greeting` (may be empty), holds them for `hold`
 * seconds (forever when negative, until a signal), and prints the summary.
 */
static void __attribute__((noreturn))
hostile_many(int n, double hold, const struct buf *greeting, int readit,
    int hello)
{
	struct hostile_conn *cs;
	struct pollfd *pfds;
	struct sigaction sa;
	struct rlimit rl;
	double start, deadline;
	int i, fd, rc;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = hostile_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	cs = calloc(n, sizeof *cs);
	pfds = calloc(n, sizeof *pfds);
	if (cs == NULL || pfds == NULL)
		hostile_fail("out of memory");
	for (i = 0; i < n; i++)
		cs[i].fd = -1;

	start = hostile_now();
	for (i = 0; i < n && !hostile_stop; ) {
		fd = hostile_connect();
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE)
				hostile_fail("connection %d: %s", i,
				    strerror(errno));
			if (errno != EAGAIN || hostile_now() - start >
			    HOSTILE_OPEN_TIME) {
				fprintf(stderr, "hostile: connection %d: %s; "
				    "opened %d of %d\n", i, strerror(errno), i,
				    n);
				break;
			}
			/* Backlog full: watch the others while it drains. */
			hostile_watch(cs, pfds, i, 2, readit);
			continue;
		}
		cs[i].fd = fd;
		cs[i].opened = hostile_now();
		if (buf_len(greeting) > 0) {
			rc = hostile_send(fd, buf_head(greeting),
			    buf_len(greeting));
			if (rc == -1)
				hostile_gone(&cs[i]);
		}
		i++;
	}
	fprintf(stderr, "hostile: opened %d of %d connections in %.2f s\n", i,
	    n, hostile_now() - start);

	/* Holds until the time is up, a signal, or nothing is left open. */
	deadline = hostile_now() + hold;
	while (!hostile_stop && (hold < 0 || hostile_now() < deadline) &&
	    hostile_open_count(cs, n) > 0)
		hostile_watch(cs, pfds, n,
		    hold < 0 ? 100 : (hostile_ms_left(deadline) < 100 ?
		    hostile_ms_left(deadline) : 100), readit);
	hostile_summary(cs, n, hello);
	for (i = 0; i < n; i++) {
		if (cs[i].fd != -1)
			close(cs[i].fd);
		buf_free(&cs[i].in);
	}
	free(cs);
	free(pfds);
	exit(0);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	/* Field 1 (hello) with wire type 7, which does not exist. */
	static const uint8_t junk[] = { 0x0f, 'n', 'o', 't', ' ', 'p', 'r',
	    'o', 't', 'o', 'b', 'u', 'f', 0xff, 0xff, 0xff };
	/* Field 99, varint 1: a message type no version knows. */
	static const uint8_t unknown[] = { 0x98, 0x06, 0x01 };
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Welcome w = MR__WELCOME__INIT;
	Mr__Task t = MR__TASK__INIT;
	Mr__Shutdown sd = MR__SHUTDOWN__INIT;
	struct buf greet = BUF_INIT;
	const char *sock = NULL, *mode;
	double hold;
	long n;
	int ch;

	while ((ch = getopt_long(argc, argv, "+s:w:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'w':
			hostile_wait = hostile_seconds(optarg, "--wait");
			break;
		default:
			hostile_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (sock == NULL || argc < 1)
		hostile_usage();
	if (strlen(sock) >= sizeof hostile_addr.sun_path)
		hostile_fail("socket path too long: %s", sock);
	hostile_addr.sun_family = AF_UNIX;
	strcpy(hostile_addr.sun_path, sock);
	signal(SIGPIPE, SIG_IGN);
	mode = argv[0];
	argc--;
	argv++;

	if (strcmp(mode, "random") == 0)
		hostile_random(argc, argv);
	if (strcmp(mode, "idle") == 0 || strcmp(mode, "idle-hello") == 0) {
		if (argc != 2)
			hostile_usage();
		n = hostile_number(argv[0], 1, 100000, "N");
		hold = hostile_seconds(argv[1], "SECONDS");
		if (mode[4] != '\0')
			hostile_pack_hello(&greet, MR_PROTOCOL_VERSION);
		hostile_many((int)n, hold, &greet, 1, mode[4] != '\0');
	}
	if (strcmp(mode, "noread") == 0) {
		if (argc < 1 || argc > 2)
			hostile_usage();
		n = hostile_number(argv[0], 1, 100000, "N");
		hold = argc == 2 ? hostile_seconds(argv[1], "SECONDS") : -1;
		hostile_pack_hello(&greet, MR_PROTOCOL_VERSION);
		hostile_pack_request(&greet);
		hostile_many((int)n, hold, &greet, 0, 0);
	}
	if (strcmp(mode, "noread-status") == 0) {
		if (argc != 2)
			hostile_usage();
		n = hostile_number(argv[0], 1, 100000, "N");
		hold = hostile_seconds(argv[1], "SECONDS");
		hostile_pack_status(&greet, MR_PROTOCOL_VERSION);
		hostile_many((int)n, hold, &greet, 0, 0);
	}
	if (strcmp(mode, "partial") == 0) {
		if (argc != 2)
			hostile_usage();
		n = hostile_number(argv[0], 1, 100000, "N");
		hold = hostile_seconds(argv[1], "SECONDS");
		hostile_pack_hello(&greet, MR_PROTOCOL_VERSION);
		buf_add(&greet, (uint8_t[]){ MR_WORKER_FRAME_MAX >> 24,
		    (MR_WORKER_FRAME_MAX >> 16) & 0xff,
		    (MR_WORKER_FRAME_MAX >> 8) & 0xff,
		    MR_WORKER_FRAME_MAX & 0xff }, MR_FRAME_HEADER);
		memset(buf_reserve(&greet, MR_WORKER_FRAME_MAX - 1), 'x',
		    MR_WORKER_FRAME_MAX - 1);
		buf_commit(&greet, MR_WORKER_FRAME_MAX - 1);
		hostile_many((int)n, hold, &greet, 1, 1);
	}
	if (strcmp(mode, "flood") == 0) {
		if (argc > 2)
			hostile_usage();
		n = argc >= 1 ? hostile_number(argv[0], 1, 100000, "N") : 400;
		hold = argc == 2 ? hostile_seconds(argv[1], "SECONDS") : 2;
		hostile_many((int)n, hold, &greet, 1, 0);
	}
	if (argc != 0)
		hostile_usage();
	if (strcmp(mode, "huge") == 0)
		hostile_header(0xffffffffU, 0, 0);
	if (strcmp(mode, "maxplus") == 0)
		hostile_header(MR_FRAME_MAX + 1, 0, 0);
	if (strcmp(mode, "truncated") == 0)
		hostile_header(100, 10, 1);
	if (strcmp(mode, "junk") == 0)
		hostile_payload(junk, sizeof junk);
	if (strcmp(mode, "unknown") == 0)
		hostile_payload(unknown, sizeof unknown);
	if (strcmp(mode, "empty") == 0)
		hostile_payload("", 0);
	if (strcmp(mode, "second-hello") == 0 ||
	    strcmp(mode, "report-unknown") == 0 ||
	    strcmp(mode, "fail-unknown") == 0 ||
	    strcmp(mode, "progress-unknown") == 0 ||
	    strcmp(mode, "progress-long") == 0 ||
	    strcmp(mode, "request-twice") == 0)
		hostile_after_hello(mode);
	if (strcmp(mode, "request-before-hello") == 0) {
		hostile_pack_request(&greet);
		hostile_payload(buf_head(&greet) + MR_FRAME_HEADER,
		    buf_len(&greet) - MR_FRAME_HEADER);
	}
	if (strcmp(mode, "welcome") == 0) {
		w.version = MR_PROTOCOL_VERSION;
		w.worker_id = 1;
		w.job_dir = "/";
		env.msg_case = MR__ENVELOPE__MSG_WELCOME;
		env.welcome = &w;
		hostile_envelope(&env);
	}
	if (strcmp(mode, "task") == 0) {
		t.attempt = 1;
		t.kind_case = MR__TASK__KIND_SHUTDOWN;
		t.shutdown = &sd;
		env.msg_case = MR__ENVELOPE__MSG_TASK;
		env.task = &t;
		hostile_envelope(&env);
	}
	if (strncmp(mode, "status", 6) == 0 ||
	    strcmp(mode, "hello-after-status") == 0)
		hostile_status(mode);
	if (strcmp(mode, "bad-version") == 0) {
		struct hostile_conn c;

		hostile_pack_hello(&greet, 999);
		hostile_open(&c);
		hostile_push(&c, &greet);
		hostile_finish(&c);
	}
	fprintf(stderr, "hostile: unknown mode: %s\n", mode);
	hostile_usage();
}
