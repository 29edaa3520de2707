/*
 * opts.c - command-line values and usage errors (see opts.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"

int
opts_count(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take "-1", " 1" and "+1". */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
opts_seconds(const char *s, int zero_ok, double max, double *out)
{
	double v;
	char *end;

	/* Digits first: no sign, no "inf" or "nan", no hexadecimal. */
	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	if (strpbrk(s, "xXpP") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(v <= max) ||
	    !(v > 0 || (zero_ok && v == 0)))
		return -1;
	*out = v;
	return 0;
}

int
opts_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	}
	if (errno != 0 || *end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* The usage error's two lines, from a message already made. */
static int
opts_say(const char *msg)
{
	const char *prog = log_progname();

	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
	    prog, msg, prog);
	return 2;
}

int
opts_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return opts_say(msg);
}

int
opts_invalid(const char *name, const char *what, const char *value)
{
	return opts_usage("--%s: expected %s, got '%s'", name, what, value);
}

/*
 * The long option named by arg ("--name" or "--name=value"): its entry, or
 * NULL; *count says how many names it is a prefix of, as getopt_long()
 * takes an unambiguous prefix.
 */
static const struct option *
opts_find_long(const char *arg, const struct option *longopts, size_t *len,
    int *count)
{
	const struct option *found = NULL;
	const char *name = arg + 2;

	*len = strcspn(name, "=");
	*count = 0;
	for (const struct option *o = longopts; o->name != NULL; o++) {
		if (strncmp(o->name, name, *len) != 0)
			continue;
		if (o->name[*len] == '\0') {
			*count = 1;
			return o;
		}
		found = o;
		(*count)++;
	}
	return *count == 1 ? found : NULL;
}

int
opts_bad(int ch, char *const argv[], const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = NULL;
	size_t len = 0;
	int count = 0;

	/*
	 * getopt_long() moves past a long option whatever is wrong with it,
	 * not past a short one inside a group such as -qx: argv[optind - 1]
	 * is the culprit only when it is a long option meant by optopt.
	 */
	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
		o = opts_find_long(arg, longopts, &len, &count);
		if (optopt == 0 && o == NULL)
			return opts_usage("%s option '%.*s'", count > 1 ?
			    "ambiguous" : "unknown", (int)len + 2, arg);
		if (o != NULL && o->val != optopt)
			o = NULL;
	}
	if (o != NULL && ch == ':')
		return opts_usage("option '--%s' needs an argument", o->name);
	if (o != NULL)
		return opts_usage("option '--%s' takes no argument", o->name);
	if (ch == ':')
		return opts_usage("option '-%c' needs an argument", optopt);
	if (optopt > ' ' && optopt < 127)
		return opts_usage("unknown option '-%c'", optopt);
	return opts_usage("unknown option '%s'", arg);
}
