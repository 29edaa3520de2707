/*
 * jobcount - tests that map tasks are not run more often than needed: every
 * map leaves a marker file, and reduce reports how many there are. Output
 * one line "a N".
 */
#include <mapreduce.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int		jobcount_count;
static unsigned int	jobcount_seed;
static int		jobcount_seeded;

/* Sleeps the whole time even when a signal interrupts it. */
static void
jobcount_sleep_ms(long ms)
{
	struct timespec	ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/* Random 2000..4999 ms, seeded so workers started together differ. */
static long
jobcount_delay_ms(void)
{
	struct timespec	now;

	if (!jobcount_seeded) {
		clock_gettime(CLOCK_REALTIME, &now);
		jobcount_seed = (unsigned int)getpid() * 2654435761U ^
		    (unsigned int)now.tv_sec ^ (unsigned int)now.tv_nsec;
		jobcount_seeded = 1;
	}
	return 2000 + rand_r(&jobcount_seed) % 3000;
}

static int
jobcount_map(mr_emitter *out, const char *name, const char *data,
    size_t len)
{
	char	marker[64];
	int	fd;

	(void)name;
	(void)data;
	(void)len;
	snprintf(marker, sizeof marker, "mr-worker-jobcount-%ld-%d",
	    (long)getpid(), jobcount_count);
	jobcount_count++;
	if ((fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1)
		return -1;
	if (write(fd, "x", 1) != 1) {
		close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return -1;
	jobcount_sleep_ms(jobcount_delay_ms());
	return mr_emit(out, "a", 1, "x", 1);
}

static int
jobcount_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	static const char	 prefix[] = "mr-worker-jobcount";
	DIR			*dir;
	struct dirent		*de;
	const char		*v;
	size_t			 vlen;
	uint64_t		 n = 0;
	int			 r;

	while ((r = mr_values_next(values, &v, &vlen)) == 1)
		continue;
	if (r == -1)
		return -1;

	if ((dir = opendir(".")) == NULL)
		return -1;
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strncmp(de->d_name, prefix, sizeof prefix - 1) == 0)
			n++;
	}
	if (errno != 0) {
		closedir(dir);
		return -1;
	}
	closedir(dir);
	return mr_emit_u64(out, key, keylen, n);
}

MR_APP("jobcount", jobcount_map, jobcount_reduce, NULL);
