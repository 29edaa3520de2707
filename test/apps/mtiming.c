/*
 * mtiming - tests that map tasks run in parallel: each map records when it
 * started and how many workers were inside a map with it at that time.
 * Output lines "times-PID t0 t1 ..." and "parallel-PID n0 n1 ...", PID
 * being the worker's: mrworker runs each task in a process of its own,
 * forked from the worker, so the map's parent.
 */
#include <mapreduce.h>

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Sleeps the whole time even when a signal interrupts it. */
static void
mtiming_sleep_ms(long ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/* Returns the pid of a marker named exactly prefix followed by digits, or -1. */
static long
mtiming_marker_pid(const char *name, const char *prefix)
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
mtiming_nparallel(const char *phase, int *count)
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
		pid = mtiming_marker_pid(de->d_name, prefix);
		if (pid > 0 && kill((pid_t)pid, 0) == 0)
			n++;
	}
	if (errno != 0) {
		closedir(dir);
		unlink(mine);
		return -1;
	}
	closedir(dir);

	mtiming_sleep_ms(1000);

	if (unlink(mine) == -1)
		return -1;
	*count = n;
	return 0;
}

static int
mtiming_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	struct timespec	 t0;
	char		 key[64], value[64];
	long		 pid = (long)getppid();	/* the worker */
	int		 n, klen, vlen;

	(void)name;
	(void)data;
	(void)len;
	if (clock_gettime(CLOCK_REALTIME, &t0) == -1)
		return -1;
	if (mtiming_nparallel("map", &n) == -1)
		return -1;

	klen = snprintf(key, sizeof key, "times-%ld", pid);
	vlen = snprintf(value, sizeof value, "%.1f",
	    (double)t0.tv_sec + (double)t0.tv_nsec / 1000000000.0);
	if (mr_emit(out, key, (size_t)klen, value, (size_t)vlen) == -1)
		return -1;
	klen = snprintf(key, sizeof key, "parallel-%ld", pid);
	return mr_emit_u64(out, key, (size_t)klen, (uint64_t)n);
}

static int
mtiming_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	return mr_emit_joined(out, key, keylen, values, " ", 0);
}

MR_APP("mtiming", mtiming_map, mtiming_reduce, NULL);
