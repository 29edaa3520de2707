/*
 * log.c - messages on stderr and allocation helpers that die on out of memory.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "textesc.h"

static const char *log_name = "mapreduce";
static int log_level = 1;
static int log_tty = -1;		/* stderr is a terminal; -1 unknown */
static void (*log_before)(void *);
static void (*log_after)(void *);
static void *log_hook_arg;
static __thread int log_nowait;		/* this thread's messages never wait */

void
log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	log_name = slash != NULL ? slash + 1 : progname;
	/*
	 * A reader of stderr that goes away (`2>&1 | head -n 1`) must not kill
	 * a coordinator in the middle of a job: the write fails with EPIPE
	 * instead, and is dropped. Sockets get the same treatment.
	 */
	signal(SIGPIPE, SIG_IGN);
}

const char *
log_progname(void)
{
	return log_name;
}

void
log_set_level(int level)
{
	log_level = level;
}

void
log_set_hooks(void (*before)(void *), void (*after)(void *), void *arg)
{
	log_before = before;
	log_after = after;
	log_hook_arg = arg;
}

void
log_set_nowait(int on)
{
	log_nowait = on != 0;
}

int
log_is_tty(void)
{
	const char *term;

	if (log_tty == -1) {
		term = getenv("TERM");
		log_tty = isatty(STDERR_FILENO) && term != NULL &&
		    strcmp(term, "dumb") != 0;
	}
	return log_tty;
}

/*
 * Writes the message with write(2), not stdio: another thread blocked in
 * stdio on stderr (a plugin writing into a full pipe) holds the stream's
 * lock, and a thread that must not wait (log_set_nowait()) would wait
 * behind it. Such a thread's message is dropped when stderr cannot take it
 * at once; a message of at most PIPE_BUF bytes then goes in whole.
 */
static void
log_write(const char *p, size_t n)
{
	struct pollfd pfd = { STDERR_FILENO, POLLOUT, 0 };
	ssize_t w;

	if (log_nowait && (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT)))
		return;
	while (n > 0) {
		w = write(STDERR_FILENO, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		/* A message that cannot be written is dropped; the program goes on. */
		if (w <= 0 || log_nowait)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
 * One write per message so lines from concurrent processes do not
 * interleave. On a terminal the line first erases whatever is on the
 * cursor's line, such as the progress line of a coordinator sharing it.
 * The message itself is escaped (textesc.h): it may carry file names and a
 * plugin's or a peer's words, whose control characters a terminal (or a
 * later `cat` of the log) would obey, and a newline in them would forge a
 * line.
 */
static void
log_vprint(const char *fmt, va_list ap)
{
	char buf[4096], msg[sizeof buf];
	int n, saved = errno;

	/* The hooks draw with stdio: not for a thread that must not wait. */
	if (log_before != NULL && !log_nowait)
		log_before(log_hook_arg);
	n = snprintf(buf, sizeof buf, "%s%s: ", log_is_tty() ? "\r\033[K" : "",
	    log_name);
	if (n < 0 || (size_t)n >= sizeof buf)
		n = 0;
	vsnprintf(msg, sizeof msg, fmt, ap);
	textesc_to(buf + n, sizeof buf - n, msg);
	n = strlen(buf);
	if ((size_t)n < sizeof buf - 1)
		buf[n++] = '\n';
	else
		buf[sizeof buf - 2] = '\n', n = sizeof buf - 1;
	log_write(buf, (size_t)n);
	if (log_after != NULL && !log_nowait)
		log_after(log_hook_arg);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	log_after = NULL;	/* nothing is drawn again after the last words */
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
	exit(1);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size != 0 ? size : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu bytes", size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("out of memory");
	return p;
}
