/*
 * streamcmd.c - a streaming command's process and its three pipes (see
 * streamcmd.h).
 *
 * One loop, streamcmd_pump(), does every wait: it polls the command's
 * standard input (while there is something to write), output and error
 * together, writes what it can, and hands over what it reads, so that the
 * command is never left blocked on a full pipe while we are blocked on
 * another.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mapreduce.h"
#include "streamcmd.h"

/* What Hadoop Streaming looks for at the start of a line of stderr. */
#define STREAMCMD_REPORTER	"reporter:"
#define STREAMCMD_COUNTER	"reporter:counter:"
#define STREAMCMD_STATUS	"reporter:status:"

/* A write at least this long goes from the caller's memory. */
#define STREAMCMD_DIRECT	(STREAMCMD_BUF / 2)

extern char **environ;

struct streamcmd {
	struct streamcmd_conf conf;
	pid_t		 pid;
	int		 in, out, err;	/* our ends; -1 once closed */
	int		 rd;		/* a read end of its stdin, kept: what
					   is left there once it exits was
					   never read */
	char		*wbuf;		/* gathered for its stdin */
	size_t		 wlen;
	char		*obuf;		/* read from its stdout: a line's start */
	size_t		 olen, ocap;
	int		 olast;		/* raw: the last byte handed over */
	char		 ebuf[STREAMCMD_ERR_LINE];	/* a stderr line */
	size_t		 elen;
	int		 etrunc;	/* the line is longer: the rest dropped */
	char		 tail[STREAMCMD_TAIL_LINES][STREAMCMD_TAIL_BYTES];
	unsigned	 ntail;		/* lines kept, oldest at ntail % N */
	unsigned long	 logged, unlogged;
	int		 failed;	/* a callback failed: e holds why */
	int		 closed_early;	/* it ended before its input did */
	int		 exited;	/* reaped: status holds how it ended */
	int		 status;
	struct err	 cberr;
};

static double
streamcmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *
streamcmd_label(const struct streamcmd *s)
{
	return s->conf.label != NULL ? s->conf.label : s->conf.role;
}

/* In the command's process: its pipes as 0, 1, 2, then sh -c. */
static void __attribute__((noreturn))
streamcmd_exec(const struct streamcmd_conf *c, pid_t parent, int in,
    int out, int err)
{
	char *argv[4];
	sigset_t none;
	int fl;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
	/* Where stderr is not a pipe of ours yet, say nothing. */
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	/* Blocking, as a command expects its standard streams. */
	for (int fd = 0; fd <= 2; fd++)
		if ((fl = fcntl(fd, F_GETFL)) != -1)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	/* Ignored signals stay ignored across exec: SIGPIPE must kill it. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (c->dir != NULL && chdir(c->dir) == -1) {
		dprintf(2, "%s: %s\n", c->dir, strerror(errno));
		_exit(127);
	}
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)c->command;
	argv[3] = NULL;
	execve("/bin/sh", argv, c->env != NULL ? c->env : environ);
	dprintf(2, "/bin/sh: %s\n", strerror(errno));
	_exit(127);
}

/* A pipe with our end non-blocking, made as large as allowed. */
static int
streamcmd_pipe(int fds[2], int ours)
{
	int fl;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	/* Refused beyond the user's pipe quota: the default then does. */
	(void)fcntl(fds[ours], F_SETPIPE_SZ, STREAMCMD_PIPE_SIZE);
	if ((fl = fcntl(fds[ours], F_GETFL)) == -1 ||
	    fcntl(fds[ours], F_SETFL, fl | O_NONBLOCK) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

static void
streamcmd_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
streamcmd_free(struct streamcmd *s)
{
	streamcmd_close(&s->in);
	streamcmd_close(&s->out);
	streamcmd_close(&s->err);
	streamcmd_close(&s->rd);
	free(s->wbuf);
	free(s->obuf);
	free(s);
}

/*
 * Reaps it (flags: 0, or WNOHANG), keeping how it ended in s->status.
 * Returns 1 once it is reaped, 0 when it still runs (WNOHANG).
 */
static int
streamcmd_reap(struct streamcmd *s, int flags)
{
	pid_t r;

	if (s->exited)
		return 1;
	while ((r = waitpid(s->pid, &s->status, flags)) == -1)
		if (errno != EINTR) {
			s->status = 127 << 8;
			break;
		}
	if (r == 0)
		return 0;
	s->exited = 1;
	return 1;
}

struct streamcmd *
streamcmd_start(const struct streamcmd_conf *conf, struct err *e)
{
	struct streamcmd *s = xcalloc(1, sizeof *s);
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	pid_t parent = getpid();

	s->conf = *conf;
	s->in = s->out = s->err = s->rd = -1;
	s->olast = '\n';
	if (streamcmd_pipe(pin, 1) == -1 || streamcmd_pipe(pout, 0) == -1 ||
	    streamcmd_pipe(perr, 0) == -1) {
		err_sys(e, "%s `%s': pipe", conf->role, conf->command);
		goto fail;
	}
	/* Nothing buffered may be written twice, by both processes. */
	fflush(NULL);
	s->pid = fork();
	if (s->pid == -1) {
		err_sys(e, "%s `%s': fork", conf->role, conf->command);
		goto fail;
	}
	if (s->pid == 0)
		streamcmd_exec(conf, parent, pin[0], pout[1], perr[1]);
	/*
	 * Its stdin's read end stays open here too: a write never fails
	 * with EPIPE then, and the bytes left in the pipe when it has
	 * exited tell an input it did not read to its end.
	 */
	s->rd = pin[0];
	close(pout[1]);
	close(perr[1]);
	s->in = pin[1];
	s->out = pout[0];
	s->err = perr[0];
	s->wbuf = xmalloc(STREAMCMD_BUF);
	s->ocap = STREAMCMD_BUF;
	s->obuf = xmalloc(s->ocap);
	return s;

fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] != -1)
			close(pin[i]);
		if (pout[i] != -1)
			close(pout[i]);
		if (perr[i] != -1)
			close(perr[i]);
	}
	free(s);
	return NULL;
}

int
streamcmd_counter(const char *p, size_t len, char *name, long long *amount)
{
	const char *c1, *c2, *end = p + len, *q;
	unsigned long long v = 0;
	size_t n = 0;
	int neg = 0;

	c1 = memchr(p, ',', len);
	if (c1 == NULL)
		return -1;
	c2 = memchr(c1 + 1, ',', (size_t)(end - c1 - 1));
	if (c2 == NULL || memchr(c2 + 1, ',', (size_t)(end - c2 - 1)) != NULL)
		return -1;
	/* AMOUNT as Java's Long.parseLong() takes it. */
	q = c2 + 1;
	if (q < end && (*q == '-' || *q == '+'))
		neg = *q++ == '-';
	if (q == end)
		return -1;
	for (; q < end; q++) {
		unsigned d = (unsigned char)*q - '0';

		if (d > 9 || v > ((unsigned long long)LLONG_MAX + 1 - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (!neg && v > LLONG_MAX)
		return -1;
	*amount = neg ? (long long)(0 - v) : (long long)v;
	/* GROUP.NAME, each byte a counter's name may not hold made '_'. */
	for (q = p; q < c2 && n < MR_COUNTER_NAME_MAX; q++) {
		unsigned char ch = q == c1 ? '.' : (unsigned char)*q;

		name[n++] = ch > ' ' && ch <= '~' ? (char)ch : '_';
	}
	name[n] = '\0';
	return 0;
}

/* Keeps a line of stderr for the error message. */
static void
streamcmd_keep(struct streamcmd *s, const char *line)
{
	snprintf(s->tail[s->ntail % STREAMCMD_TAIL_LINES],
	    STREAMCMD_TAIL_BYTES, "%s", line);
	s->ntail++;
}

/*
 * One whole line of stderr (NUL-terminated in s->ebuf). The log escapes
 * what it prints (log.h), and so do the coordinator's log and mrctl: the
 * line is kept as it is.
 */
static void
streamcmd_errline(struct streamcmd *s, char *line, size_t len)
{
	char name[MR_COUNTER_NAME_MAX + 1];
	long long amount;
	size_t n;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	n = strlen(STREAMCMD_COUNTER);
	if (len >= n && memcmp(line, STREAMCMD_COUNTER, n) == 0) {
		if (streamcmd_counter(line + n, len - n, name, &amount) == 0 &&
		    name[0] != '\0') {
			mr_counter_add(name, amount);
			/* Progress, as in Hadoop: the task is not stuck. */
			if (s->conf.progress != NULL)
				s->conf.progress(s->conf.arg);
		} else
			log_warn("%s: cannot parse counter line: %s",
			    streamcmd_label(s), line);
		return;
	}
	n = strlen(STREAMCMD_STATUS);
	if (len >= n && memcmp(line, STREAMCMD_STATUS, n) == 0) {
		if (s->conf.status != NULL)
			s->conf.status(s->conf.arg, line + n, len - n);
		return;
	}
	streamcmd_keep(s, line);
	if (s->logged < STREAMCMD_LOG_LINES) {
		s->logged++;
		if (strncmp(line, STREAMCMD_REPORTER,
		    strlen(STREAMCMD_REPORTER)) == 0)
			log_warn("%s: cannot parse reporter line: %s",
			    streamcmd_label(s), line);
		else
			log_info("%s: %s", streamcmd_label(s), line);
	} else
		s->unlogged++;
}

/* Bytes read from stderr; NUL bytes end nothing but are kept as '?'. */
static void
streamcmd_errbytes(struct streamcmd *s, const char *p, size_t n, int eof)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			s->ebuf[s->elen] = '\0';
			streamcmd_errline(s, s->ebuf, s->elen);
			s->elen = 0;
			s->etrunc = 0;
		} else if (s->elen < sizeof s->ebuf - 1)
			s->ebuf[s->elen++] = p[i] != '\0' ? p[i] : '?';
		else
			s->etrunc = 1;
	}
	if (eof && s->elen > 0) {
		s->ebuf[s->elen] = '\0';
		streamcmd_errline(s, s->ebuf, s->elen);
		s->elen = 0;
	}
}

/* Hands over the whole lines read (all of it at eof); -1 on a failure. */
static int
streamcmd_lines(struct streamcmd *s, int eof)
{
	char *p = s->obuf, *end = s->obuf + s->olen, *nl;
	size_t len;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(nl - p);
		if (len > 0 && nl[-1] == '\r')
			len--;
		if (s->conf.line(s->conf.arg, p, len, &s->cberr) == -1)
			return -1;
		p = nl + 1;
	}
	if (eof && p < end) {
		len = (size_t)(end - p);
		if (p[len - 1] == '\r')
			len--;
		if (s->conf.line(s->conf.arg, p, len, &s->cberr) == -1)
			return -1;
		p = end;
	}
	s->olen = (size_t)(end - p);
	if (s->olen > 0 && p != s->obuf)
		memmove(s->obuf, p, s->olen);
	return 0;
}

/*
 * Reads what its stdout holds. Returns 0, 1 at its end, -1 when a
 * callback or the line's length failed (s->cberr).
 */
static int
streamcmd_read_out(struct streamcmd *s)
{
	ssize_t n;
	size_t cap;

	if (s->conf.line != NULL && s->olen == s->ocap) {
		/* One line fills the buffer: a larger one, up to the bound. */
		if (s->ocap >= STREAMCMD_LINE_MAX) {
			err_set(&s->cberr, "%s `%s' wrote a line longer than "
			    "%zu MiB", s->conf.role, s->conf.command,
			    STREAMCMD_LINE_MAX >> 20);
			return -1;
		}
		cap = s->ocap * 2 < STREAMCMD_LINE_MAX ? s->ocap * 2 :
		    STREAMCMD_LINE_MAX;
		s->obuf = xrealloc(s->obuf, cap);
		s->ocap = cap;
	}
	n = read(s->out, s->obuf + s->olen, s->ocap - s->olen);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		if (n == -1)
			log_warn("%s: its standard output: %s",
			    streamcmd_label(s), strerror(errno));
		streamcmd_close(&s->out);
		if (s->conf.line != NULL)
			return streamcmd_lines(s, 1) == -1 ? -1 : 1;
		if (s->olast != '\n' && s->conf.raw(s->conf.arg, "\n", 1,
		    &s->cberr) == -1)
			return -1;
		return 1;
	}
	if (s->conf.line == NULL) {
		s->olast = (unsigned char)s->obuf[n - 1];
		return s->conf.raw(s->conf.arg, s->obuf, (size_t)n,
		    &s->cberr) == -1 ? -1 : 0;
	}
	s->olen += (size_t)n;
	return streamcmd_lines(s, 0);
}

static void
streamcmd_read_err(struct streamcmd *s)
{
	char buf[STREAMCMD_ERR_LINE];
	ssize_t n;

	n = read(s->err, buf, sizeof buf);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		streamcmd_errbytes(s, NULL, 0, 1);
		streamcmd_close(&s->err);
		return;
	}
	streamcmd_errbytes(s, buf, (size_t)n, 0);
}

/*
 * Waits, handling its stdout and stderr, until p[0..n) is written (n 0:
 * until both have ended, or, when `until` is not 0, until that monotonic
 * time, whichever comes first). Returns 0; -1 when a callback failed (s->failed), or when its
 * stdin was closed (s->closed_early).
 */
static int
streamcmd_pump(struct streamcmd *s, const char *p, size_t n, double until)
{
	struct pollfd pfd[3];
	int nfd, timeout, w_ms, rc, writing = n > 0;
	ssize_t w;

	for (;;) {
		if (writing ? n == 0 : s->out == -1 && s->err == -1)
			return 0;
		nfd = 0;
		if (n > 0) {
			pfd[nfd].fd = s->in;
			pfd[nfd++].events = POLLOUT;
		}
		if (s->out != -1) {
			pfd[nfd].fd = s->out;
			pfd[nfd++].events = POLLIN;
		}
		if (s->err != -1) {
			pfd[nfd].fd = s->err;
			pfd[nfd++].events = POLLIN;
		}
		timeout = -1;
		/*
		 * Writing, and its stdout and stderr are closed: it has ended,
		 * or will say nothing more; which, a waitpid() a tenth of a
		 * second tells, for as long as the pipe stays full.
		 */
		if (writing && s->out == -1 && s->err == -1) {
			if (streamcmd_reap(s, WNOHANG) == 1) {
				s->closed_early = 1;
				return -1;
			}
			timeout = 100;
		}
		if (until != 0) {
			double left = until - streamcmd_now();

			if (left <= 0)
				return 0;
			if (timeout < 0 || left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		w_ms = s->conf.wait_ms != NULL ? s->conf.wait_ms(s->conf.arg) :
		    -1;
		if (w_ms >= 0 && (timeout < 0 || w_ms < timeout))
			timeout = w_ms;
		rc = poll(pfd, (nfds_t)nfd, timeout);
		if (s->conf.tick != NULL)
			s->conf.tick(s->conf.arg);
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			err_sys(&s->cberr, "poll");
			s->failed = 1;
			return -1;
		}
		for (int i = 0; i < nfd; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == s->in && n > 0) {
				w = write(s->in, p, n);
				if (w == -1 && (errno == EINTR ||
				    errno == EAGAIN))
					continue;
				if (w == -1) {
					if (errno != EPIPE) {
						err_sys(&s->cberr, "%s `%s': "
						    "writing its input",
						    s->conf.role,
						    s->conf.command);
						s->failed = 1;
					} else
						s->closed_early = 1;
					streamcmd_close(&s->in);
					return -1;
				}
				p += w;
				n -= (size_t)w;
			} else if (pfd[i].fd == s->out) {
				if (streamcmd_read_out(s) == -1) {
					s->failed = 1;
					return -1;
				}
			} else if (pfd[i].fd == s->err)
				streamcmd_read_err(s);
		}
	}
}

/* Sends what is gathered. */
static int
streamcmd_flush(struct streamcmd *s)
{
	size_t n = s->wlen;

	s->wlen = 0;
	return n > 0 ? streamcmd_pump(s, s->wbuf, n, 0) : 0;
}

/* ";stderr: a | b" of the lines kept, appended to e. */
static void
streamcmd_tail(const struct streamcmd *s, struct err *e)
{
	size_t used = strlen(e->msg);
	unsigned first, n = s->ntail < STREAMCMD_TAIL_LINES ? s->ntail :
	    STREAMCMD_TAIL_LINES;

	if (n == 0) {
		snprintf(e->msg + used, sizeof e->msg - used,
		    "; its stderr was empty");
		return;
	}
	first = s->ntail - n;
	used += (size_t)snprintf(e->msg + used, sizeof e->msg - used,
	    "; its stderr ended: ");
	for (unsigned i = 0; i < n && used < sizeof e->msg - 1; i++)
		used += (size_t)snprintf(e->msg + used, sizeof e->msg - used,
		    "%s%s", i > 0 ? " | " : "",
		    s->tail[(first + i) % STREAMCMD_TAIL_LINES]);
}

/*
 * The hint for sh's "not found": a relative path that worked where the
 * job was started means nothing in the working folder.
 */
static void
streamcmd_hint(const struct streamcmd *s, struct err *e)
{
	size_t used = strlen(e->msg);

	snprintf(e->msg + used, sizeof e->msg - used, "; status %d is the "
	    "shell's \"not found\": commands run in %s%s, so a command must "
	    "be an absolute path, a name in PATH, or shipped with --file",
	    STREAMCMD_NOT_FOUND, s->conf.dir != NULL ? "the worker's working "
	    "folder " : "the worker's folder", s->conf.dir != NULL ?
	    s->conf.dir : "");
}

/*
 * The end of a command whose stdin is closed: its output read to the end
 * (for at most STREAMCMD_GRACE seconds when it closed its stdin early),
 * reaped, and judged into e. Returns 0 or -1.
 */
static int
streamcmd_conclude(struct streamcmd *s, struct err *e)
{
	int status, early = s->closed_early, left = 0;

	streamcmd_close(&s->in);
	if (!s->failed)
		(void)streamcmd_pump(s, NULL, 0, early ? streamcmd_now() +
		    STREAMCMD_GRACE : 0);
	if (s->out != -1 || s->err != -1 || s->failed)
		kill(s->pid, SIGKILL);
	streamcmd_reap(s, 0);
	status = s->status;
	/* Input it never read is still in the pipe. */
	if (!early && ioctl(s->rd, FIONREAD, &left) == 0 && left > 0)
		early = 1;
	if (s->unlogged > 0)
		log_info("%s: %lu more lines of its stderr not shown",
		    streamcmd_label(s), s->unlogged);
	if (s->failed) {
		*e = s->cberr;
		return -1;
	}
	if (WIFSIGNALED(status))
		err_set(e, "%s `%s' was killed by signal %d (%s)",
		    s->conf.role, s->conf.command, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		err_set(e, "%s `%s' exited with status %d", s->conf.role,
		    s->conf.command, WEXITSTATUS(status));
	else if (early)
		err_set(e, "%s `%s' exited (with status 0) before reading all "
		    "of its input", s->conf.role, s->conf.command);
	else
		return 0;
	streamcmd_tail(s, e);
	if (WIFEXITED(status) && WEXITSTATUS(status) == STREAMCMD_NOT_FOUND)
		streamcmd_hint(s, e);
	return -1;
}

int
streamcmd_write(struct streamcmd *s, const void *p, size_t n, struct err *e)
{
	int rc = 0;

	if (n == 0)
		return 0;
	if (s->wlen + n <= STREAMCMD_BUF && n < STREAMCMD_DIRECT) {
		memcpy(s->wbuf + s->wlen, p, n);
		s->wlen += n;
		return 0;
	}
	if (streamcmd_flush(s) == -1)
		rc = -1;
	else if (n >= STREAMCMD_DIRECT)
		rc = streamcmd_pump(s, p, n, 0);
	else {
		memcpy(s->wbuf, p, n);
		s->wlen = n;
	}
	if (rc == -1) {
		if (s->failed)
			*e = s->cberr;
		else
			(void)streamcmd_conclude(s, e);	/* why it closed it */
	}
	return rc;
}

int
streamcmd_write_record(struct streamcmd *s, const char *key, size_t keylen,
    const char *value, size_t valuelen, struct err *e)
{
	size_t n = keylen + valuelen + 2;
	char *p;

	/* The common case: a short record, into the buffer at once. */
	if (s->wlen + n <= STREAMCMD_BUF && n < STREAMCMD_DIRECT) {
		p = s->wbuf + s->wlen;
		memcpy(p, key, keylen);
		p[keylen] = '\t';
		memcpy(p + keylen + 1, value, valuelen);
		p[n - 1] = '\n';
		s->wlen += n;
		return 0;
	}
	if (streamcmd_write(s, key, keylen, e) == -1 ||
	    streamcmd_write(s, "\t", 1, e) == -1 ||
	    streamcmd_write(s, value, valuelen, e) == -1 ||
	    streamcmd_write(s, "\n", 1, e) == -1)
		return -1;
	return 0;
}

int
streamcmd_finish(struct streamcmd *s, struct err *e)
{
	int rc;

	if (streamcmd_flush(s) == -1 && s->failed) {
		*e = s->cberr;
		streamcmd_abort(s);
		return -1;
	}
	rc = streamcmd_conclude(s, e);
	streamcmd_free(s);
	return rc;
}

void
streamcmd_abort(struct streamcmd *s)
{
	if (s == NULL)
		return;
	if (!s->exited) {
		kill(s->pid, SIGKILL);
		streamcmd_close(&s->in);
		streamcmd_close(&s->out);
		streamcmd_close(&s->err);
		streamcmd_reap(s, 0);
	}
	streamcmd_free(s);
}
