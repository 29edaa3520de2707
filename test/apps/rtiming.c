/*
 * rtiming - tests that reduce tasks run in parallel: map sends every input to
 * keys "a" to "j" and each reduce reports how many workers were inside a
 * reduce with it. Output lines "key n".
 */
#include <mapreduce.h>

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Sleeps the whole time even when a signal interrupts it. */
static void
rtiming_sleep_ms(long ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/* Returns the pid of a marker named exactly prefix followed by digits, or -1. */
static long
rtiming_marker_pid(const char *name, const char *prefix)
{
	size_t	 plen = strlen(prefix);
	long	 pid = 0;
	int	 d;

	if (strncmp(name, prefix, plen) != 0 || name[plen] == '\0')
		return -1;
	for (name += plen; *name != '\0'; name++) {
		if (*name < '0' || *name > '9')
			return -1;
		d = *name - '0';
		if (pid > (INT32_MAX - d) / 10)
			return -1;
		pid = pid * 10 + d;
	}
	return pid;
}

/*
 * Counts the workers in this phase now, ourselves included: each leaves a
 * marker file named after its pid for a second and counts the live pids.
 */
static int
rtiming_nparallel(const char *phase, int *count)
{
	char		 prefix[64], mine[96];
	DIR		*dir;
	struct dirent	*de;
	long		 pid;
	int		 fd, n = 0;

	snprintf(prefix, sizeof prefix, "mr-worker-%s-", phase);
	snprintf(mine, sizeof mine, "%s%ld", prefix, (long)getpid());
	if ((fd = open(mine, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1)
		return -1;
	if (write(fd, "x", 1) != 1) {
		close(fd);
		unlink(mine);
		return -1;
	}
	close(fd);

	if ((dir = opendir(".")) == NULL) {
		unlink(mine);
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		pid = rtiming_marker_pid(de->d_name, prefix);
		if (pid > 0 && kill((pid_t)pid, 0) == 0)
			n++;
	}
	if (errno != 0) {
		closedir(dir);
		unlink(mine);
		return -1;
	}
	closedir(dir);

	rtiming_sleep_ms(1000);

	if (unlink(mine) == -1)
		return -1;
	*count = n;
	return 0;
}

static int
rtiming_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	const char	*k;

	(void)name;
	(void)data;
	(void)len;
	for (k = "abcdefghij"; *k != '\0'; k++) {
		if (mr_emit(out, k, 1, "1", 1) == -1)
			return -1;
	}
	return 0;
}

static int
rtiming_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char	*v;
	size_t		 vlen;
	int		 r, n;

	while ((r = mr_values_next(values, &v, &vlen)) == 1)
		continue;
	if (r == -1)
		return -1;
	if (rtiming_nparallel("reduce", &n) == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, (uint64_t)n);
}

MR_APP("rtiming", rtiming_map, rtiming_reduce, NULL);
