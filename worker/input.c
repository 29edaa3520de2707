/*
 * input.c - map task inputs: the file mmapped read-only, so that map reads
 * it without copies, checked against its stamp before and after reading.
 *
 * A file truncated while it is mapped makes any read of its lost pages a
 * SIGBUS. The handler installed here turns one that hits the guarded
 * input's mapping, on the thread that armed the guard, into a jump back to
 * input_guarded() (or input_split(), whose cut reads the mapping too),
 * which then fails the attempt with the same "changed" message as any
 * other change. A SIGBUS elsewhere, on another thread, or sent by kill()
 * is handed to whoever handled it before, or kills the process as it
 * always did.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "split.h"

struct input {
	const char	*path;		/* borrowed from the caller */
	int		 fd;
	const char	*data;		/* the whole file as opened, or NULL */
	size_t		 len;
	size_t		 maplen;	/* len rounded up to whole pages */
	struct stamp	 opened;
	int		 allow;
	sigjmp_buf	*guard;
	char		 changes[ERR_MAX];
};

/* The input whose mapping a SIGBUS may hit now, or NULL. */
static struct input *volatile input_active;
/* The thread that armed the guard: only its jump buffer is on its stack. */
static volatile pid_t input_tid;
static struct sigaction input_prev_bus;
static volatile sig_atomic_t input_handler_set;

static void
input_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct input *in = input_active;
	const char *a = si->si_addr;

	(void)uc;
	/* si_code <= 0: sent (kill, raise), si_addr means nothing. */
	if (si->si_code > 0 && in != NULL && in->guard != NULL &&
	    in->data != NULL && input_tid == gettid() &&
	    a >= in->data && a < in->data + in->maplen) {
		input_active = NULL;
		siglongjmp(*in->guard, 1);
	}
	/*
	 * Not ours: back to the previous handling, installed again at the
	 * next input_open(). A fault returned from happens again, into it; a
	 * sent signal does not, so it is sent again (blocked until this
	 * handler returns).
	 */
	sigaction(SIGBUS, &input_prev_bus, NULL);
	input_handler_set = 0;
	if (si->si_code <= 0)
		raise(sig);
}

static void
input_install_handler(void)
{
	struct sigaction sa;

	if (input_handler_set)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = input_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &input_prev_bus) == 0)
		input_handler_set = 1;
}

/* Adds "what" to the changes noticed (with allow_changes), once each. */
static void
input_note(struct input *in, const char *what)
{
	size_t n = strlen(in->changes);

	if (strstr(in->changes, what) != NULL)
		return;
	snprintf(in->changes + n, sizeof in->changes - n, "%s%s",
	    n > 0 ? "; " : "", what);
}

/* The error, or the note, for a change described by `what`. */
static int
input_changed(struct input *in, const char *what, struct err *e)
{
	if (in->allow) {
		input_note(in, what);
		return 0;
	}
	err_set(e, "%s: changed since the job was planned: %s", in->path,
	    what);
	return INPUT_CHANGED;
}

int
input_open(struct input **inp, const char *path, const struct stamp *planned,
    int allow_changes, struct err *e)
{
	struct input *in;
	struct stat st;
	char what[ERR_MAX];
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int rc = -1;

	*inp = NULL;
	in = xcalloc(1, sizeof *in);
	in->path = path;
	in->allow = allow_changes;
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (in->fd == -1) {
		/* Gone since the job was planned: a change, like any other. */
		if (errno == ENOENT && planned != NULL && !allow_changes) {
			rc = input_changed(in, "removed", e);
			goto fail;
		}
		err_sys(e, "%s", path);
		goto fail;
	}
	if (fstat(in->fd, &st) == -1) {
		err_sys(e, "%s: stat", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		goto fail;
	}
	stamp_of(&st, &in->opened);
	if (planned != NULL && !stamp_same(planned, &in->opened)) {
		stamp_diff(planned, &in->opened, what, sizeof what);
		if ((rc = input_changed(in, what, e)) != 0)
			goto fail;
		rc = -1;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (p == MAP_FAILED) {
			err_sys(e, "%s: mmap", path);
			goto fail;
		}
		madvise(p, st.st_size, MADV_SEQUENTIAL);
		in->data = p;
		in->len = st.st_size;
		in->maplen = (in->len + page - 1) & ~((size_t)page - 1);
	}
	input_install_handler();
	*inp = in;
	return 0;
fail:
	input_close(in);
	return rc;
}

/* Maps the split's pages in one call rather than a few at a time on faults. */
static void
input_advise(const struct input *in, size_t start, size_t end)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), from;

	if (in->len == 0 || end <= start)
		return;
	from = start & ~(page - 1);
	/* MADV_POPULATE_READ is Linux 5.14; older kernels get the hint. */
#ifdef MADV_POPULATE_READ
	if (madvise((char *)in->data + from, end - from,
	    MADV_POPULATE_READ) == 0)
		return;
#endif
	madvise((char *)in->data + from, end - from, MADV_WILLNEED);
}

/* A split's cut, made under input_guarded(): it reads the mapping. */
struct input_cut {
	struct input	*in;
	uint64_t	 offset, length;
	size_t		 start, end;
};

static int
input_cut(void *arg)
{
	struct input_cut *c = arg;
	struct input *in = c->in;

	c->start = split_cut(in->data, in->len, c->offset < in->len ?
	    c->offset : in->len);
	c->end = c->length == 0 || c->offset + c->length >= in->len ?
	    in->len : split_cut(in->data, in->len, c->offset + c->length);
	return 0;
}

int
input_split(struct input *in, uint64_t offset, uint64_t length,
    const char **data, size_t *len, struct err *e)
{
	struct input_cut c = { in, offset, length, 0, 0 };
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = input_guarded(in, input_cut, &c, e)) < 0)
		return rc;
	if (c.end < c.start)
		c.end = c.start;
	input_advise(in, c.start, c.end);
	*data = in->len > 0 ? in->data + c.start : in->data;
	*len = c.end - c.start;
	return 0;
}

/* After a fault: the error, from how the file differs from when it was opened. */
static int
input_faulted(struct input *in, struct err *e)
{
	struct stat st;
	struct stamp now;
	char what[ERR_MAX];

	what[0] = '\0';
	if (fstat(in->fd, &st) == 0) {
		stamp_of(&st, &now);
		stamp_diff(&in->opened, &now, what, sizeof what);
	}
	if (what[0] == '\0')
		snprintf(what, sizeof what, "truncated while it was read");
	if (input_changed(in, what, e) == INPUT_CHANGED)
		return INPUT_CHANGED;
	err_set(e, "%s: changed while it was read: %s", in->path, what);
	return -1;
}

int
input_guarded(struct input *in, int (*fn)(void *), void *arg, struct err *e)
{
	sigjmp_buf jb;
	int rc;

	if (sigsetjmp(jb, 1) != 0) {
		in->guard = NULL;
		return input_faulted(in, e);
	}
	in->guard = &jb;
	input_tid = gettid();
	input_active = in;
	rc = fn(arg);
	input_active = NULL;
	in->guard = NULL;
	return rc != 0;
}

int
input_verify(struct input *in, struct err *e)
{
	struct stat st;
	struct stamp now;
	char what[ERR_MAX];

	if (fstat(in->fd, &st) == -1) {
		err_sys(e, "%s: stat", in->path);
		return -1;
	}
	stamp_of(&st, &now);
	if (!stamp_same(&in->opened, &now)) {
		stamp_diff(&in->opened, &now, what, sizeof what);
		return input_changed(in, what, e);
	}
	/* Renamed over or removed: what was read is no longer the input. */
	if (stat(in->path, &st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR) {
			err_sys(e, "%s: stat", in->path);
			return -1;
		}
		return input_changed(in, "removed", e);
	}
	stamp_of(&st, &now);
	if (!stamp_same(&in->opened, &now)) {
		stamp_diff(&in->opened, &now, what, sizeof what);
		return input_changed(in, what, e);
	}
	return 0;
}

const char *
input_changes(const struct input *in)
{
	return in->changes;
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	if (input_active == in)
		input_active = NULL;
	if (in->len > 0)
		munmap((void *)in->data, in->len);
	if (in->fd != -1)
		close(in->fd);
	free(in);
}
