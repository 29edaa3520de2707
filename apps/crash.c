/*
 * crash - tests crash recovery: map and reduce each exit the worker a third
 * of the time and stall for up to ten seconds another third. The output is
 * that of nocrash: for every input, "a" gets its name, "b" the length of the
 * name, "c" the length of its contents and "d" the word "xyzzy".
 */
#include <mapreduce.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One value, copied. */
struct crash_val {
	char		*p;
	size_t		 len;
};

/* All the values of a key. */
struct crash_vals {
	struct crash_val *v;
	size_t		 n;
	size_t		 cap;
};

/* Sleeps the whole time even when a signal interrupts it. */
static void
crash_sleep_ms(long ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/* A uniform number below n from the kernel, as Go's crypto/rand.Int. */
static int
crash_random(uint32_t n, uint32_t *r)
{
	uint32_t	v, limit = UINT32_MAX - UINT32_MAX % n;
	ssize_t		got;
	int		fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	do {
		while ((got = read(fd, &v, sizeof v)) == -1 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof v) {
			close(fd);
			return -1;
		}
	} while (v >= limit);
	close(fd);
	*r = v % n;
	return 0;
}

/* Exits like a crashed worker one time in three, stalls another one in three. */
static int
crash_maybe_crash(void)
{
	uint32_t	r, ms;

	if (crash_random(1000, &r) == -1)
		return -1;
	if (r < 330)
		exit(1);
	if (r < 660) {
		if (crash_random(10000, &ms) == -1)
			return -1;
		crash_sleep_ms(ms);
	}
	return 0;
}

static void
crash_vals_free(struct crash_vals *vals)
{
	size_t	i;

	for (i = 0; i < vals->n; i++)
		free(vals->v[i].p);
	free(vals->v);
}

/* Copies every value, since each is valid only until the next one is read. */
static int
crash_vals_collect(mr_values *values, struct crash_vals *vals)
{
	struct crash_val	*nv;
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
crash_cmp(const void *a, const void *b)
{
	const struct crash_val	*x = a, *y = b;
	int			 r;

	r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/* Emits the sorted values joined by spaces, as Go's strings.Join(vv, " "). */
static int
crash_emit_joined(mr_emitter *out, const char *key, size_t keylen,
    struct crash_vals *vals)
{
	size_t	 i, total = 0;
	char	*buf, *p;
	int	 r;

	if (vals->n > 1)
		qsort(vals->v, vals->n, sizeof *vals->v, crash_cmp);
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
crash_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)data;
	if (crash_maybe_crash() == -1)
		return -1;
	if (mr_emit(out, "a", 1, name, strlen(name)) == -1 ||
	    mr_emit_u64(out, "b", 1, strlen(name)) == -1 ||
	    mr_emit_u64(out, "c", 1, len) == -1 ||
	    mr_emit(out, "d", 1, "xyzzy", 5) == -1)
		return -1;
	return 0;
}

static int
crash_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	struct crash_vals	vals;
	int			r = -1;

	if (crash_maybe_crash() == -1)
		return -1;
	if (crash_vals_collect(values, &vals) == 0)
		r = crash_emit_joined(out, key, keylen, &vals);
	crash_vals_free(&vals);
	return r;
}

MR_APP("crash", crash_map, crash_reduce, NULL);
