/*
 * inputs.c - collecting and checking a job's input files (see inputs.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "log.h"

struct inputs {
	char		**names;
	struct stamp	 *stamps;
	size_t		  n;
	size_t		  cap;
};

/* One collection: what is found so far, and what was wrong. */
struct inputs_walk {
	const struct inputs_options *o;
	struct inputs	*in;
	int		 bad;		/* names refused */
	struct err	 first;		/* the first refusal */
	char		*empty_dir;	/* a folder named that held no input */
};

/* Refuses a name: logs it, and keeps the first for the error. */
static void
inputs_refuse(struct inputs_walk *w, const char *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
inputs_refuse(struct inputs_walk *w, const char *ctx, const char *fmt, ...)
{
	struct err e;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	if (ctx != NULL) {
		n = strlen(e.msg);
		snprintf(e.msg + n, sizeof e.msg - n, " (%s)", ctx);
	}
	log_warn("%s", e.msg);
	if (w->bad++ == 0)
		w->first = e;
}

static void
inputs_add(struct inputs *in, char *name, const struct stat *st)
{
	if (in->n == in->cap) {
		in->cap = in->cap > 0 ? in->cap * 2 : 64;
		in->names = xrealloc(in->names, in->cap * sizeof *in->names);
		in->stamps = xrealloc(in->stamps, in->cap * sizeof *in->stamps);
	}
	in->names[in->n] = name;
	stamp_of(st, &in->stamps[in->n]);
	in->n++;
}

static int
inputs_bybyte(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void inputs_name(struct inputs_walk *w, const char *name,
    const char *ctx, int in_folder);

/* Adds the files of folder `dir`, open as fd (which this closes). */
static void
inputs_folder(struct inputs_walk *w, const char *dir, int fd, const char *ctx)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **ents = NULL, *path;
	size_t n = 0, cap = 0, before = w->in->n, dlen = strlen(dir);
	int slash = dlen > 0 && dir[dlen - 1] == '/';

	if (d == NULL) {
		inputs_refuse(w, ctx, "%s: %s", dir, strerror(errno));
		close(fd);
		return;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		/* Hidden and "_" names: not data (.git, _SUCCESS, _logs). */
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		if (n == cap) {
			cap = cap > 0 ? cap * 2 : 64;
			ents = xrealloc(ents, cap * sizeof *ents);
		}
		ents[n++] = xstrdup(de->d_name);
		errno = 0;
	}
	if (errno != 0)
		inputs_refuse(w, ctx, "%s: %s", dir, strerror(errno));
	closedir(d);
	/* The file system's order is not the same on two machines. */
	if (n > 1)
		qsort(ents, n, sizeof *ents, inputs_bybyte);
	for (size_t i = 0; i < n; i++) {
		size_t len = dlen + strlen(ents[i]) + 2;

		path = xmalloc(len);
		snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", ents[i]);
		inputs_name(w, path, ctx, 1);
		free(path);
		free(ents[i]);
	}
	free(ents);
	if (w->in->n == before && w->empty_dir == NULL)
		w->empty_dir = xstrdup(dir);
}

/*
 * Adds the input `name`: a file, or a folder's files. In a folder
 * (in_folder), what is neither a regular file nor a folder is skipped,
 * and so is a folder unless recursive (a link to one always, which could
 * make a loop); named by the user, it is refused.
 */
static void
inputs_name(struct inputs_walk *w, const char *name, const char *ctx,
    int in_folder)
{
	struct stat st;
	int fd;

	if (in_folder) {
		if (lstat(name, &st) == -1) {
			inputs_refuse(w, ctx, "%s: %s", name, strerror(errno));
			return;
		}
		if (S_ISDIR(st.st_mode) && !w->o->recursive)
			return;
		if (S_ISLNK(st.st_mode) && (stat(name, &st) == -1 ||
		    !S_ISREG(st.st_mode)))
			return;
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return;
	}
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		inputs_refuse(w, ctx, "%s: %s", name, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1) {
		inputs_refuse(w, ctx, "%s: %s", name, strerror(errno));
		close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		inputs_folder(w, name, fd, ctx);
		return;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		inputs_refuse(w, ctx, "%s: not a regular file", name);
		return;
	}
	inputs_add(w->in, xstrdup(name), &st);
}

/* Adds every name of the list in w->o->from. */
static void
inputs_list(struct inputs_walk *w)
{
	const char *from = w->o->from;
	int is_stdin = strcmp(from, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(from, "re");
	char *line = NULL, ctx[PATH_MAX + 64];
	size_t cap = 0, lineno = 0;
	ssize_t n;

	if (f == NULL) {
		inputs_refuse(w, NULL, "%s: %s", from, strerror(errno));
		return;
	}
	errno = 0;
	while ((n = getdelim(&line, &cap, w->o->nul ? '\0' : '\n', f)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == (w->o->nul ? '\0' : '\n'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((size_t)n != strlen(line)) {
			inputs_refuse(w, NULL, "%s: %s %zu holds a NUL byte "
			    "(a NUL-separated list needs -0)", is_stdin ?
			    "standard input" : from, w->o->nul ? "name" :
			    "line", lineno);
			continue;
		}
		snprintf(ctx, sizeof ctx, "listed in %s, %s %zu", is_stdin ?
		    "standard input" : from, w->o->nul ? "name" : "line",
		    lineno);
		inputs_name(w, line, ctx, 0);
		errno = 0;
	}
	if (ferror(f))
		inputs_refuse(w, NULL, "%s: %s", is_stdin ? "standard input" :
		    from, strerror(errno != 0 ? errno : EIO));
	free(line);
	if (!is_stdin)
		fclose(f);
}

int
inputs_collect(const struct inputs_options *o, char *const *args, int nargs,
    struct inputs **out, struct err *e)
{
	struct inputs_walk w;
	size_t len;

	memset(&w, 0, sizeof w);
	w.o = o;
	w.in = xcalloc(1, sizeof *w.in);
	for (int i = 0; i < nargs; i++)
		inputs_name(&w, args[i], NULL, 0);
	if (o->from != NULL)
		inputs_list(&w);
	if (w.bad > 0) {
		*e = w.first;
		if (w.bad > 1) {
			len = strlen(e->msg);
			snprintf(e->msg + len, sizeof e->msg - len,
			    " (and %d more)", w.bad - 1);
		}
		goto fail;
	}
	if (w.in->n == 0) {
		if (w.empty_dir != NULL)
			err_set(e, "no input files (%s has none)", w.empty_dir);
		else
			err_set(e, "no input files");
		goto fail;
	}
	free(w.empty_dir);
	*out = w.in;
	return 0;
fail:
	free(w.empty_dir);
	inputs_free(w.in);
	*out = NULL;
	return -1;
}

size_t
inputs_count(const struct inputs *in)
{
	return in->n;
}

char *const *
inputs_names(const struct inputs *in)
{
	return in->names;
}

const struct stamp *
inputs_stamps(const struct inputs *in)
{
	return in->stamps;
}

void
inputs_absolute(struct inputs *in, const char *cwd)
{
	size_t len;
	char *abs;

	for (size_t i = 0; i < in->n; i++) {
		if (in->names[i][0] == '/')
			continue;
		len = strlen(cwd) + strlen(in->names[i]) + 2;
		abs = xmalloc(len);
		snprintf(abs, len, "%s/%s", cwd, in->names[i]);
		free(in->names[i]);
		in->names[i] = abs;
	}
}

int
inputs_write_list(const struct inputs *in, const char *path, struct err *e)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		err_sys(e, "%s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (size_t i = 0; i < in->n; i++)
		fwrite(in->names[i], 1, strlen(in->names[i]) + 1, f);
	if (ferror(f) | (fclose(f) == EOF)) {
		err_sys(e, "%s: write", path);
		unlink(path);
		return -1;
	}
	return 0;
}

void
inputs_free(struct inputs *in)
{
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->n; i++)
		free(in->names[i]);
	free(in->names);
	free(in->stamps);
	free(in);
}
