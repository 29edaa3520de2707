/*
 * crash - tests crash recovery: map and reduce each exit the worker a third
 * of the time and stall for up to ten seconds another third. The output is
 * that of nocrash: for every input, "a" gets its name, "b" the length of the
 * name, "c" the length of its contents and "d" the word "xyzzy". Counters,
 * as nocrash's: "inputs" and "bytes" (map calls and bytes they saw), "keys"
 * (reduce calls), added before any crash or stall, so that the attempts
 * that die or come too late must not count.
 */
#include <mapreduce.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static int
crash_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)data;
	mr_counter_add("inputs", 1);
	mr_counter_add("bytes", (int64_t)len);
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
	mr_counter_add("keys", 1);
	if (crash_maybe_crash() == -1)
		return -1;
	return mr_emit_joined(out, key, keylen, values, " ", 0);
}

MR_APP("crash", crash_map, crash_reduce, NULL);
