/*
 * early_exit - tests that no worker or coordinator exits before the last
 * output is written: some reduces take three seconds. Output lines
 * "input count", count being how many times the input was mapped (1).
 */
#define _GNU_SOURCE	/* memmem */

#include <mapreduce.h>

#include <errno.h>
#include <string.h>
#include <time.h>

/* Sleeps the whole time even when a signal interrupts it. */
static void
early_exit_sleep_ms(long ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

static int
early_exit_map(mr_emitter *out, const char *name, const char *data,
    size_t len)
{
	(void)data;
	(void)len;
	return mr_emit(out, name, strlen(name), "1", 1);
}

static int
early_exit_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char	*v;
	size_t		 vlen;
	uint64_t	 n = 0;
	int		 r;

	if (memmem(key, keylen, "sherlock", 8) != NULL ||
	    memmem(key, keylen, "tom", 3) != NULL)
		early_exit_sleep_ms(3000);
	while ((r = mr_values_next(values, &v, &vlen)) == 1)
		n++;
	if (r == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, n);
}

MR_APP("early_exit", early_exit_map, early_exit_reduce, NULL);
