/*
 * params.c - a job's parameters (see params.h): a small sorted array,
 * looked up by binary search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "params.h"

#define PARAMS_STR_(x) #x
#define PARAMS_STR(x) PARAMS_STR_(x)

struct param {
	char	*name;
	char	*value;
};

struct params {
	struct param	 v[MR_PARAMS_MAX];
	size_t		 n;
};

struct params *
params_new(void)
{
	return xcalloc(1, sizeof(struct params));
}

int
params_name_ok(const char *name)
{
	size_t n = strnlen(name, MR_PARAM_NAME_MAX + 1);

	if (n == 0 || n > MR_PARAM_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Where name is, or would go: the first index whose name is not smaller. */
static size_t
params_find(const struct params *ps, const char *name)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ps->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The name quoted for an error, cut when it is long. */
static void
params_culprit(char *out, size_t size, const char *name, size_t namelen)
{
	snprintf(out, size, "%.*s%s", namelen > 64 ? 64 : (int)namelen, name,
	    namelen > 64 ? "..." : "");
}

int
params_add(struct params *ps, const char *name, const char *value,
    struct err *e)
{
	char q[80];
	size_t i, vlen;

	params_culprit(q, sizeof q, name, strnlen(name, 100));
	if (!params_name_ok(name)) {
		err_set(e, "-D '%s': a name is 1 to " PARAMS_STR(
		    MR_PARAM_NAME_MAX) " letters, digits, '.', '_' or '-'", q);
		return -1;
	}
	vlen = strnlen(value, MR_PARAM_VALUE_MAX + 1);
	if (vlen > MR_PARAM_VALUE_MAX) {
		err_set(e, "-D %s: the value is longer than "
		    PARAMS_STR(MR_PARAM_VALUE_MAX) " bytes", q);
		return -1;
	}
	i = params_find(ps, name);
	if (i < ps->n && strcmp(ps->v[i].name, name) == 0) {
		err_set(e, "-D %s given twice", q);
		return -1;
	}
	if (ps->n == MR_PARAMS_MAX) {
		err_set(e, "-D %s: more than " PARAMS_STR(MR_PARAMS_MAX)
		    " parameters", q);
		return -1;
	}
	memmove(&ps->v[i + 1], &ps->v[i], (ps->n - i) * sizeof ps->v[0]);
	ps->v[i].name = xstrdup(name);
	ps->v[i].value = xmalloc(vlen + 1);
	memcpy(ps->v[i].value, value, vlen + 1);
	ps->n++;
	return 0;
}

int
params_add_arg(struct params *ps, const char *arg, struct err *e)
{
	const char *eq = strchr(arg, '=');
	char name[MR_PARAM_NAME_MAX + 1], q[80];
	size_t n;

	if (eq == NULL) {
		params_culprit(q, sizeof q, arg, strlen(arg));
		err_set(e, "-D '%s': expected NAME=VALUE", q);
		return -1;
	}
	n = (size_t)(eq - arg);
	if (n == 0 || n > MR_PARAM_NAME_MAX) {
		params_culprit(q, sizeof q, arg, n);
		err_set(e, "-D '%s': a name is 1 to " PARAMS_STR(
		    MR_PARAM_NAME_MAX) " letters, digits, '.', '_' or '-'", q);
		return -1;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	return params_add(ps, name, eq + 1, e);
}

size_t
params_count(const struct params *ps)
{
	return ps != NULL ? ps->n : 0;
}

void
params_get(const struct params *ps, size_t i, const char **name,
    const char **value)
{
	*name = ps->v[i].name;
	*value = ps->v[i].value;
}

const char *
params_lookup(const struct params *ps, const char *name)
{
	size_t i;

	if (ps == NULL || name == NULL)
		return NULL;
	i = params_find(ps, name);
	if (i < ps->n && strcmp(ps->v[i].name, name) == 0)
		return ps->v[i].value;
	return NULL;
}

void
params_free(struct params *ps)
{
	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps);
}
