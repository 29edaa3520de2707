/*
 * nocrash - the reference for the crash test: the crash application without
 * its crashes and stalls. For every input, "a" gets its name, "b" the length
 * of the name, "c" the length of its contents and "d" the word "xyzzy".
 */
#include <mapreduce.h>

#include <stdlib.h>
#include <string.h>

/* One value, copied. */
struct nocrash_val {
	char		*p;
	size_t		 len;
};

/* All the values of a key. */
struct nocrash_vals {
	struct nocrash_val *v;
	size_t		 n;
	size_t		 cap;
};

static void
nocrash_vals_free(struct nocrash_vals *vals)
{
	size_t	i;

	for (i = 0; i < vals->n; i++)
		free(vals->v[i].p);
	free(vals->v);
}

/* Copies every value, since each is valid only until the next one is read. */
static int
nocrash_vals_collect(mr_values *values, struct nocrash_vals *vals)
{
	struct nocrash_val	*nv;
	const char		*v;
	size_t			 len, cap;
	char			*p;
	int			 r;

	vals->v = NULL;
	vals->n = vals->cap = 0;
	while ((r = mr_values_next(values, &v, &len)) == 1) {
		if (vals->n == vals->cap) {
			cap = vals->cap == 0 ? 16 : vals->cap * 2;
			if (cap > SIZE_MAX / sizeof *nv)
				return -1;
			if ((nv = realloc(vals->v, cap * sizeof *nv)) == NULL)
				return -1;
			vals->v = nv;
			vals->cap = cap;
		}
		if ((p = malloc(len == 0 ? 1 : len)) == NULL)
			return -1;
		if (len != 0)
			memcpy(p, v, len);
		vals->v[vals->n].p = p;
		vals->v[vals->n].len = len;
		vals->n++;
	}
	return r;
}

/* Orders bytewise with a prefix first, as Go's sort.Strings. */
static int
nocrash_cmp(const void *a, const void *b)
{
	const struct nocrash_val	*x = a, *y = b;
	int				 r;

	r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/* Emits the sorted values joined by spaces, as Go's strings.Join(vv, " "). */
static int
nocrash_emit_joined(mr_emitter *out, const char *key, size_t keylen,
    struct nocrash_vals *vals)
{
	size_t	 i, total = 0;
	char	*buf, *p;
	int	 r;

	if (vals->n > 1)
		qsort(vals->v, vals->n, sizeof *vals->v, nocrash_cmp);
	for (i = 0; i < vals->n; i++) {
		if (vals->v[i].len >= SIZE_MAX - total)
			return -1;
		total += vals->v[i].len + 1;
	}
	if ((buf = malloc(total == 0 ? 1 : total)) == NULL)
		return -1;
	p = buf;
	for (i = 0; i < vals->n; i++) {
		if (i != 0)
			*p++ = ' ';
		memcpy(p, vals->v[i].p, vals->v[i].len);
		p += vals->v[i].len;
	}
	r = mr_emit(out, key, keylen, buf, (size_t)(p - buf));
	free(buf);
	return r;
}

static int
nocrash_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)data;
	if (mr_emit(out, "a", 1, name, strlen(name)) == -1 ||
	    mr_emit_u64(out, "b", 1, strlen(name)) == -1 ||
	    mr_emit_u64(out, "c", 1, len) == -1 ||
	    mr_emit(out, "d", 1, "xyzzy", 5) == -1)
		return -1;
	return 0;
}

static int
nocrash_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	struct nocrash_vals	vals;
	int			r = -1;

	if (nocrash_vals_collect(values, &vals) == 0)
		r = nocrash_emit_joined(out, key, keylen, &vals);
	nocrash_vals_free(&vals);
	return r;
}

MR_APP("nocrash", nocrash_map, nocrash_reduce, NULL);
