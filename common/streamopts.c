/*
 * streamopts.c - a streaming job's options and their digest (see
 * streamopts.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "opts.h"
#include "streamopts.h"

/* Tags of the digest's fields, so that no two options read alike. */
enum {
	STREAMOPTS_TAG_MAPPER = 1,
	STREAMOPTS_TAG_COMBINER,
	STREAMOPTS_TAG_REDUCER,
	STREAMOPTS_TAG_CMDENV,
	STREAMOPTS_TAG_FILE
};

static const char *
streamopts_name(int opt)
{
	switch (opt) {
	case STREAMOPTS_MAPPER:
		return "mapper";
	case STREAMOPTS_COMBINER:
		return "combiner";
	case STREAMOPTS_REDUCER:
		return "reducer";
	case STREAMOPTS_FILE:
		return "file";
	default:
		return "cmdenv";
	}
}

/* Sets *slot to arg, once. */
static int
streamopts_once(const char **slot, int opt, const char *arg)
{
	if (*slot != NULL)
		return opts_usage("--%s given twice", streamopts_name(opt));
	if (*arg == '\0')
		return opts_usage("--%s: an empty command", streamopts_name(opt));
	*slot = arg;
	return 1;
}

int
streamopts_take(struct streamopts *so, int opt, const char *arg)
{
	const char *eq;

	switch (opt) {
	case STREAMOPTS_MAPPER:
		return streamopts_once(&so->mapper, opt, arg);
	case STREAMOPTS_COMBINER:
		return streamopts_once(&so->combiner, opt, arg);
	case STREAMOPTS_REDUCER:
		return streamopts_once(&so->reducer, opt, arg);
	case STREAMOPTS_FILE:
		if (*arg == '\0')
			return opts_invalid("file", "a file's path", arg);
		so->files = xrealloc(so->files, (so->nfiles + 1) *
		    sizeof *so->files);
		so->files[so->nfiles++] = arg;
		return 1;
	case STREAMOPTS_CMDENV:
		eq = strchr(arg, '=');
		if (eq == NULL || eq == arg)
			return opts_invalid("cmdenv", "NAME=VALUE", arg);
		so->cmdenv = xrealloc(so->cmdenv, (so->ncmdenv + 1) *
		    sizeof *so->cmdenv);
		so->cmdenv[so->ncmdenv++] = arg;
		return 1;
	default:
		return 0;
	}
}

const char *
streamopts_file_name(const char *path)
{
	const char *end = path + strlen(path), *slash;

	/* "dir/" names dir: trailing slashes are not part of the name. */
	while (end > path + 1 && end[-1] == '/')
		end--;
	for (slash = end; slash > path && slash[-1] != '/'; slash--)
		;
	return slash;
}

/* Whether two paths have the same last name (trailing slashes aside). */
static int
streamopts_same_name(const char *a, const char *b)
{
	const char *na = streamopts_file_name(a), *nb = streamopts_file_name(b);
	size_t la = strcspn(na, "/"), lb = strcspn(nb, "/");

	return la == lb && memcmp(na, nb, la) == 0;
}

int
streamopts_usage(const struct streamopts *so)
{
	if (so->mapper == NULL) {
		if (so->combiner != NULL)
			return opts_usage("--combiner needs --mapper");
		if (so->reducer != NULL)
			return opts_usage("--reducer needs --mapper");
		if (so->nfiles > 0)
			return opts_usage("--file needs --mapper");
		if (so->ncmdenv > 0)
			return opts_usage("--cmdenv needs --mapper");
		return 0;
	}
	if (so->combiner != NULL && streamopts_map_only(so))
		return opts_usage("--combiner with --reducer NONE: a map-only "
		    "job runs no combiner");
	for (size_t i = 0; i < so->nfiles; i++)
		for (size_t j = 0; j < i; j++)
			if (streamopts_same_name(so->files[i], so->files[j]))
				return opts_usage("--file %s and --file %s: two "
				    "files named %.*s in the working folder",
				    so->files[j], so->files[i],
				    (int)strcspn(streamopts_file_name(
				    so->files[i]), "/"),
				    streamopts_file_name(so->files[i]));
	return 0;
}

int
streamopts_check(const struct streamopts *so, struct err *e)
{
	struct stat st;

	for (size_t i = 0; i < so->nfiles; i++) {
		if (stat(so->files[i], &st) == -1) {
			err_sys(e, "--file %s", so->files[i]);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			err_set(e, "--file %s: not a regular file",
			    so->files[i]);
			return -1;
		}
		if (access(so->files[i], R_OK) == -1) {
			err_sys(e, "--file %s", so->files[i]);
			return -1;
		}
	}
	return 0;
}

int
streamopts_streaming(const struct streamopts *so)
{
	return so->mapper != NULL;
}

int
streamopts_map_only(const struct streamopts *so)
{
	return so->reducer != NULL && strcmp(so->reducer, STREAMOPTS_NONE) == 0;
}

/* Adds a tagged field to the digest. */
static void
streamopts_field(uint32_t *crc, unsigned long long *size, int tag,
    const void *p, size_t n)
{
	uint8_t head[9];
	uint64_t len = n;

	head[0] = (uint8_t)tag;
	memcpy(head + 1, &len, sizeof len);
	*crc = crc32c(*crc, head, sizeof head);
	*crc = crc32c(*crc, p, n);
	*size += sizeof head + n;
}

int
streamopts_digest(const struct streamopts *so, char *out, size_t len,
    struct err *e)
{
	uint8_t buf[64 * 1024];
	unsigned long long size = 0;
	uint32_t crc = 0;
	const char *name;
	ssize_t n;
	int fd;

	if (so->mapper != NULL)
		streamopts_field(&crc, &size, STREAMOPTS_TAG_MAPPER, so->mapper,
		    strlen(so->mapper));
	if (so->combiner != NULL)
		streamopts_field(&crc, &size, STREAMOPTS_TAG_COMBINER,
		    so->combiner, strlen(so->combiner));
	if (so->reducer != NULL)
		streamopts_field(&crc, &size, STREAMOPTS_TAG_REDUCER,
		    so->reducer, strlen(so->reducer));
	for (size_t i = 0; i < so->ncmdenv; i++)
		streamopts_field(&crc, &size, STREAMOPTS_TAG_CMDENV,
		    so->cmdenv[i], strlen(so->cmdenv[i]));
	for (size_t i = 0; i < so->nfiles; i++) {
		name = streamopts_file_name(so->files[i]);
		streamopts_field(&crc, &size, STREAMOPTS_TAG_FILE, name,
		    strcspn(name, "/"));
		if ((fd = open(so->files[i], O_RDONLY | O_CLOEXEC)) == -1) {
			err_sys(e, "--file %s", so->files[i]);
			return -1;
		}
		while ((n = read(fd, buf, sizeof buf)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				err_sys(e, "--file %s: read", so->files[i]);
				close(fd);
				return -1;
			}
			crc = crc32c(crc, buf, (size_t)n);
			size += (unsigned long long)n;
		}
		close(fd);
	}
	snprintf(out, len, "crc32c:%08x size:%llu", (unsigned)crc, size);
	return 0;
}

/* Appends "--NAME VALUE". */
static void
streamopts_arg(char **argv, int *i, const char *opt, const char *value)
{
	if (value == NULL)
		return;
	argv[(*i)++] = (char *)opt;
	argv[(*i)++] = (char *)value;
}

void
streamopts_args(const struct streamopts *so, char **argv, int *i,
    char *const *abs)
{
	streamopts_arg(argv, i, "--mapper", so->mapper);
	streamopts_arg(argv, i, "--combiner", so->combiner);
	streamopts_arg(argv, i, "--reducer", so->reducer);
	for (size_t k = 0; k < so->nfiles; k++)
		streamopts_arg(argv, i, "--file", abs != NULL ? abs[k] :
		    so->files[k]);
	for (size_t k = 0; k < so->ncmdenv; k++)
		streamopts_arg(argv, i, "--cmdenv", so->cmdenv[k]);
}

void
streamopts_free(struct streamopts *so)
{
	free(so->files);
	free(so->cmdenv);
	so->files = so->cmdenv = NULL;
	so->nfiles = so->ncmdenv = 0;
}

/* Appends " OPT 'CMD'" (CMD cut) to out[len] at *n. */
static void
streamopts_show(char *out, size_t len, size_t *n, const char *opt,
    const char *cmd)
{
	size_t cl = strlen(cmd);
	int w;

	if (*n >= len)
		return;
	w = snprintf(out + *n, len - *n, "%s%s '%.*s%s'", *n > 0 ? " " : "",
	    opt, (int)(cl > STREAMOPTS_SHOW_MAX ? STREAMOPTS_SHOW_MAX : cl),
	    cmd, cl > STREAMOPTS_SHOW_MAX ? "..." : "");
	if (w > 0)
		*n += (size_t)w;
}

void
streamopts_describe(const struct streamopts *so, char *out, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (so->mapper != NULL)
		streamopts_show(out, len, &n, "--mapper", so->mapper);
	if (so->combiner != NULL)
		streamopts_show(out, len, &n, "--combiner", so->combiner);
	if (so->reducer != NULL)
		streamopts_show(out, len, &n, "--reducer", so->reducer);
	if (n < len)
		snprintf(out + n, len - n, ", %zu --file, %zu --cmdenv",
		    so->nfiles, so->ncmdenv);
}
