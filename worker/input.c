/*
 * input.c - map task inputs: a plain file mmapped read-only, so that map
 * reads it without copies, or a compressed one decompressed as it is read
 * (common/codec.h), checked against its stamp before and after reading.
 *
 * A compressed input's text is never held whole: it is handed out in
 * pieces cut where split_cut() would cut the same text uncompressed, so
 * the buffer holds one piece, the SPLIT_SEEK_MAX bytes that decide where
 * it ends, and the one before its nominal start the next cut looks at.
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

#include "codec.h"
#include "input.h"
#include "log.h"
#include "split.h"

/* The first buffer of a compressed input's text; it grows as needed. */
#define INPUT_TEXT_MIN ((size_t)64 << 10)

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
	/* A plain input's split, handed out once by input_next(). */
	const char	*split;
	size_t		 splitlen;
	int		 split_set;
	int		 split_given;
	/* A compressed input (codec != CODEC_NONE). */
	enum codec_kind	 codec;
	struct codec	*dec;
	char		*text;		/* decompressed bytes held */
	size_t		 cap;
	size_t		 have;
	uint64_t	 base;		/* offset in the text of text[0] */
	uint64_t	 cut;		/* where the next piece starts */
	uint64_t	 piece;		/* nominal size of a piece */
	uint64_t	 k;		/* pieces handed out */
	int		 ended;		/* text[have] is the end of the text */
	uint64_t	 at;		/* where input_next()'s last piece starts */
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
	in->piece = SPLIT_SIZE_DEFAULT;
	in->codec = codec_of_name(path);
	if (in->codec != CODEC_NONE) {
		/* read() must wait for the disk, not say EAGAIN. */
		if (fcntl(in->fd, F_SETFL, 0) == -1) {
			err_sys(e, "%s: fcntl", path);
			goto fail;
		}
		posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		in->dec = codec_new(in->codec, in->fd);
	} else if (st.st_size > 0) {
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

void
input_set_piece(struct input *in, uint64_t size)
{
	in->piece = size > 0 ? size : SPLIT_SIZE_DEFAULT;
}

int
input_compressed(const struct input *in)
{
	return in->codec != CODEC_NONE;
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

	in->split_set = 1;
	in->split_given = 0;
	*data = NULL;
	*len = 0;
	if (in->codec != CODEC_NONE)
		return 0;
	if ((rc = input_guarded(in, input_cut, &c, e)) < 0)
		return rc;
	if (c.end < c.start)
		c.end = c.start;
	input_advise(in, c.start, c.end);
	*data = in->split = in->len > 0 ? in->data + c.start : in->data;
	*len = in->splitlen = c.end - c.start;
	return 0;
}

/*
 * After a decompression error: the file changed under the read (a
 * truncation looks like truncated data), or it is corrupt.
 */
static int
input_bad_text(struct input *in, struct err *e)
{
	struct stat st;
	struct stamp now;
	char what[ERR_MAX];

	if (fstat(in->fd, &st) == 0) {
		stamp_of(&st, &now);
		if (!stamp_same(&in->opened, &now)) {
			stamp_diff(&in->opened, &now, what, sizeof what);
			if (input_changed(in, what, e) == INPUT_CHANGED)
				return INPUT_CHANGED;
			err_set(e, "%s: changed while it was read: %s",
			    in->path, what);
			return -1;
		}
	}
	err_prefix(e, "%s", in->path);
	return INPUT_CORRUPT;
}

/*
 * Decompresses until the text reaches offset `upto` or ends; the buffer
 * grows by doubling, to at most what `upto` needs.
 */
static int
input_fill(struct input *in, uint64_t upto, struct err *e)
{
	size_t need;
	ssize_t n;

	while (!in->ended && in->base + in->have < upto) {
		need = (size_t)(upto - in->base);
		if (in->have == in->cap) {
			in->cap = in->cap > 0 ? in->cap * 2 : INPUT_TEXT_MIN;
			if (in->cap > need)
				in->cap = need;
			in->text = xrealloc(in->text, in->cap);
		}
		n = codec_read(in->dec, in->text + in->have,
		    in->cap - in->have, e);
		if (n == -1)
			return input_bad_text(in, e);
		if (n == 0)
			in->ended = 1;
		in->have += (size_t)n;
	}
	return 0;
}

/*
 * The next piece of a compressed input's text: nominally [k * piece,
 * (k + 1) * piece), really [split_cut(k * piece), split_cut((k + 1) *
 * piece)) of the whole text, as many pieces as split_count() gives the
 * text's length. The cut at (k + 1) * piece needs the text from the byte
 * before it to SPLIT_SEEK_MAX past it; the buffer keeps the text from
 * k * piece, the byte before the next nominal cut included.
 */
static int
input_next_text(struct input *in, const char **data, size_t *len,
    struct err *e)
{
	uint64_t from = in->k * in->piece, to = from + in->piece;
	size_t drop;
	int rc;

	if (in->k > 0) {
		if ((rc = input_fill(in, from + 1, e)) != 0)
			return rc;
		if (in->ended && in->base + in->have <= from)
			return 0;
		/* The text before this piece's nominal start is done with. */
		drop = (size_t)(from - in->base);
		memmove(in->text, in->text + drop, in->have - drop);
		in->have -= drop;
		in->base = from;
	}
	if ((rc = input_fill(in, to + SPLIT_SEEK_MAX, e)) != 0)
		return rc;
	to = in->base + split_cut(in->text, in->have, (size_t)(to - in->base));
	*data = in->text + (in->cut - in->base);
	*len = (size_t)(to - in->cut);
	in->at = in->cut;
	in->cut = to;
	in->k++;
	return 1;
}

int
input_next(struct input *in, const char **data, size_t *len, struct err *e)
{
	int rc;

	if (in->codec != CODEC_NONE)
		return input_next_text(in, data, len, e);
	if (!in->split_set && (rc = input_split(in, 0, 0, data, len, e)) != 0)
		return rc;
	if (in->split_given)
		return 0;
	in->split_given = 1;
	*data = in->split;
	*len = in->splitlen;
	in->at = in->split != NULL && in->data != NULL ?
	    (uint64_t)(in->split - in->data) : 0;
	return 1;
}

uint64_t
input_offset(const struct input *in)
{
	return in->at;
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
	codec_free(in->dec);
	free(in->text);
	if (in->fd != -1)
		close(in->fd);
	free(in);
}
