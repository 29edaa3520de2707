/*
 * jobdir.c - the job folder's lock and its job files (see jobdir.h).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobdir.h"
#include "log.h"
#include "safefile.h"

/* Times a lock is tried again when its file was replaced under us. */
#define JOBDIR_LOCK_TRIES 10

/* How long to wait for a new holder to write its pid (ms, in steps). */
#define JOBDIR_PID_WAIT_MS 200
#define JOBDIR_PID_STEP_MS 10

struct jobdir_lock {
	int	 fd;
	char	*path;
};

/* Whether s is one or more decimal digits and nothing else. */
static int
jobdir_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Whether s is 16 lower-case hexadecimal digits and nothing more. */
static int
jobdir_hex16(const char *s)
{
	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[16] == '\0';
}

int
jobdir_kind(const char *name)
{
	const char *dash;

	if (strncmp(name, SAFEFILE_PREFIX, strlen(SAFEFILE_PREFIX)) == 0)
		return JOBDIR_TEMPS;
	if (strncmp(name, "mr-out-", 7) == 0)
		return jobdir_digits(name + 7) ? JOBDIR_OUTPUTS : 0;
	if (strncmp(name, JOBDIR_SPLITS_PREFIX,
	    strlen(JOBDIR_SPLITS_PREFIX)) == 0)
		return jobdir_hex16(name + strlen(JOBDIR_SPLITS_PREFIX)) ?
		    JOBDIR_INTERMEDIATES : 0;
	if (strncmp(name, "mr-", 3) != 0 || (dash = strchr(name + 3, '-')) ==
	    NULL || dash == name + 3)
		return 0;
	/* The digits before the dash, then the digits after it. */
	for (const char *p = name + 3; p < dash; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return jobdir_digits(dash + 1) ? JOBDIR_INTERMEDIATES : 0;
}

int
jobdir_prepare(const char *what, const char *dir, int create, char *abs,
    size_t abslen, struct err *e)
{
	char buf[PATH_MAX];
	struct stat st;

	if (*dir == '\0') {
		err_set(e, "%s: empty folder name", what);
		return -1;
	}
	if (create && mkdir(dir, 0777) == -1 && errno != EEXIST) {
		err_sys(e, "%s %s: cannot create it", what, dir);
		return -1;
	}
	if (stat(dir, &st) == -1) {
		err_sys(e, "%s %s", what, dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(e, "%s %s: not a folder", what, dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) == -1) {
		err_sys(e, "%s %s: cannot create files there", what, dir);
		return -1;
	}
	if (realpath(dir, buf) == NULL) {
		err_sys(e, "%s %s", what, dir);
		return -1;
	}
	if (strlen(buf) >= abslen) {
		err_set(e, "%s %s: name too long", what, dir);
		return -1;
	}
	memcpy(abs, buf, strlen(buf) + 1);
	return 0;
}

/*
 * Sets e to say who holds the lock in fd: its holder may not have written
 * its pid yet, so an empty file is read again for a moment.
 */
static void
jobdir_holder(int fd, const char *dir, struct err *e)
{
	struct timespec step = { 0, JOBDIR_PID_STEP_MS * 1000000L };
	char text[128], prog[64];
	long pid = 0;
	ssize_t n = 0;

	for (int waited = 0; waited <= JOBDIR_PID_WAIT_MS;
	    waited += JOBDIR_PID_STEP_MS) {
		n = pread(fd, text, sizeof text - 1, 0);
		if (n > 0)
			break;
		nanosleep(&step, NULL);
	}
	text[n > 0 ? n : 0] = '\0';
	if (sscanf(text, "%ld %63s", &pid, prog) == 2 && pid > 0)
		err_set(e, "%s: another job is running in this folder (%s, "
		    "pid %ld); wait for it to end or use another folder",
		    dir, prog, pid);
	else
		err_set(e, "%s: another job is running in this folder (pid "
		    "unknown); wait for it to end or use another folder", dir);
}

/*
 * Takes the lock of dir. With `keep`, writes the holder's pid and returns
 * the lock in *out; without, releases it at once (a probe).
 */
static int
jobdir_take(const char *dir, const char *prog, int keep,
    struct jobdir_lock **out, struct err *e)
{
	char path[PATH_MAX], text[128];
	struct stat fst, pst;
	int fd = -1, len;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
	    JOBDIR_LOCK_NAME) >= sizeof path) {
		err_set(e, "%s: folder name too long", dir);
		return -1;
	}
	for (int tries = 0; tries < JOBDIR_LOCK_TRIES; tries++) {
		/* A holder has the file: a probe creates none. */
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW |
		    (keep ? O_CREAT : 0), 0644);
		if (fd == -1 && !keep && errno == ENOENT)
			return 0;
		if (fd == -1) {
			err_sys(e, "%s: cannot create the job lock %s", dir,
			    JOBDIR_LOCK_NAME);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK)
				jobdir_holder(fd, dir, e);
			else
				err_sys(e, "%s: cannot lock %s", dir,
				    JOBDIR_LOCK_NAME);
			close(fd);
			return -1;
		}
		/*
		 * Its holder removes the file before letting go: locked but
		 * no longer under its name, it locks nothing. Try anew.
		 */
		if (fstat(fd, &fst) == 0 && stat(path, &pst) == 0 &&
		    fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		err_set(e, "%s: the job lock %s keeps being replaced", dir,
		    JOBDIR_LOCK_NAME);
		return -1;
	}
	if (!keep) {
		close(fd);
		return 0;
	}
	len = snprintf(text, sizeof text, "%ld %s\n", (long)getpid(), prog);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, len, 0) != len) {
		err_sys(e, "%s: cannot write %s", dir, JOBDIR_LOCK_NAME);
		unlink(path);
		close(fd);
		return -1;
	}
	*out = xmalloc(sizeof **out);
	(*out)->fd = fd;
	(*out)->path = xstrdup(path);
	return 0;
}

struct jobdir_lock *
jobdir_lock(const char *dir, const char *prog, struct err *e)
{
	struct jobdir_lock *l = NULL;

	if (jobdir_take(dir, prog, 1, &l, e) == -1)
		return NULL;
	return l;
}

int
jobdir_probe(const char *dir, struct err *e)
{
	return jobdir_take(dir, "", 0, NULL, e);
}

void
jobdir_unlock(struct jobdir_lock *l)
{
	if (l == NULL)
		return;
	/* Removed while still held: see jobdir_take(). */
	if (unlink(l->path) == -1 && errno != ENOENT)
		log_warn("%s: %s", l->path, strerror(errno));
	close(l->fd);
	free(l->path);
	free(l);
}

int
jobdir_find(const char *dir, int kinds, size_t *n, char *first,
    size_t firstlen, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*n = 0;
	if (first != NULL && firstlen > 0)
		*first = '\0';
	if (d == NULL) {
		err_sys(e, "%s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((jobdir_kind(de->d_name) & kinds) == 0)
			continue;
		if (first != NULL && firstlen > 0 && (*n == 0 ||
		    strcmp(de->d_name, first) < 0))
			snprintf(first, firstlen, "%s", de->d_name);
		(*n)++;
	}
	closedir(d);
	return 0;
}

int
jobdir_check_stale(const char *dir, int kinds, struct err *e)
{
	char first[NAME_MAX + 1];
	size_t n;

	if (jobdir_find(dir, kinds, &n, first, sizeof first, e) == -1)
		return -1;
	if (n == 0)
		return 0;
	if (n == 1)
		err_set(e, "%s: holds %s from an earlier job; remove it, use "
		    "another folder, or give --overwrite to remove it first",
		    dir, first);
	else
		err_set(e, "%s: holds %s and %zu other file%s from an earlier "
		    "job (mr-out-Y, mr-X-Y); remove them, use another folder, "
		    "or give --overwrite to remove them first", dir, first,
		    n - 1, n == 2 ? "" : "s");
	return -1;
}

int
jobdir_remove(const char *dir, int kinds, size_t *n, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t removed = 0;
	int rc = 0;

	if (n != NULL)
		*n = 0;
	if (d == NULL) {
		err_sys(e, "%s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((jobdir_kind(de->d_name) & kinds) == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
		else if (errno != ENOENT && rc == 0) {
			err_sys(e, "%s/%s: cannot remove", dir, de->d_name);
			rc = -1;
		}
	}
	closedir(d);
	if (n != NULL)
		*n = removed;
	return rc;
}

/*
 * Whether the real name of path ends in the last part of path as given:
 * that part is a name ("", "." and ".." are not) and no symbolic link.
 * Then realpath() has nothing to change in it. A path that cannot be
 * looked at says 0: realpath() then fails on it too.
 */
static int
jobdir_named_as_given(const char *path, const char **last)
{
	const char *slash = strrchr(path, '/');
	struct stat st;

	*last = slash != NULL ? slash + 1 : path;
	if (**last == '\0' || strcmp(*last, ".") == 0 ||
	    strcmp(*last, "..") == 0)
		return 0;
	return lstat(path, &st) == 0 && !S_ISLNK(st.st_mode);
}

const char *
jobdir_holding(const char *path, const char *out, int out_kinds,
    const char *job, int job_kinds)
{
	char real[PATH_MAX], *slash;
	const char *last, *parent;
	int kinds = out_kinds | (job != NULL ? job_kinds : 0);

	/*
	 * realpath() reads every part of the path (3.5 us an input, 35 ms
	 * for 10 000 inputs): needed only when the name the path resolves to
	 * could be a job file's.
	 */
	if (jobdir_named_as_given(path, &last) &&
	    (jobdir_kind(last) & kinds) == 0)
		return NULL;
	if (realpath(path, real) == NULL || (slash = strrchr(real, '/')) ==
	    NULL)
		return NULL;
	*slash = '\0';
	parent = real[0] != '\0' ? real : "/";
	if (strcmp(parent, out) == 0 && (jobdir_kind(slash + 1) & out_kinds))
		return out;
	if (job != NULL && strcmp(parent, job) == 0 &&
	    (jobdir_kind(slash + 1) & job_kinds))
		return job;
	return NULL;
}

struct jobdir {
	char			 job[PATH_MAX];
	char			 out[PATH_MAX];
	struct jobdir_lock	*job_lock;
	struct jobdir_lock	*out_lock;	/* NULL: the same folder */
};

const char *
jobdir_path(const struct jobdir *jd)
{
	return jd->job;
}

const char *
jobdir_output_path(const struct jobdir *jd)
{
	return jd->out;
}

/* Locks (or probes) folder dir into *l. */
static int
jobdir_start_lock(const struct jobdir_job *j, const char *dir,
    struct jobdir_lock **l, struct err *e)
{
	if (j->probe)
		return jobdir_probe(dir, e);
	*l = jobdir_lock(dir, j->prog, e);
	return *l != NULL ? 0 : -1;
}

/* Removes an earlier job's files of the given kinds from dir, saying so. */
static int
jobdir_start_clear(const char *dir, int kinds, const char *why,
    struct err *e)
{
	size_t n;

	if (jobdir_remove(dir, kinds, &n, e) == -1)
		return -1;
	if (n > 0)
		log_info("%s: removed %zu file%s of an earlier job from %s",
		    why, n, n == 1 ? "" : "s", dir);
	return 0;
}

int
jobdir_start(const struct jobdir_job *j, struct jobdir **out, struct err *e)
{
	struct jobdir *jd = xmalloc(sizeof *jd);
	int same, adopt = JOBDIR_ADOPT_NONE, overwrite = j->overwrite;

	*out = NULL;
	jd->job_lock = jd->out_lock = NULL;
	if (jobdir_prepare("job folder", j->job_dir != NULL ? j->job_dir : ".",
	    0, jd->job, sizeof jd->job, e) == -1)
		goto fail;
	if (j->output_dir == NULL)
		memcpy(jd->out, jd->job, sizeof jd->out);
	else if (jobdir_prepare("output folder", j->output_dir, 1, jd->out,
	    sizeof jd->out, e) == -1)
		goto fail;
	same = strcmp(jd->job, jd->out) == 0;
	if (jobdir_start_lock(j, jd->job, &jd->job_lock, e) == -1 ||
	    (!same && jobdir_start_lock(j, jd->out, &jd->out_lock, e) == -1))
		goto fail;
	for (int i = 0; i < j->ninputs; i++) {
		const char *dir = jobdir_holding(j->inputs[i], jd->out,
		    JOBDIR_OUTPUTS, jd->job, JOBDIR_INTERMEDIATES);

		if (dir != NULL) {
			err_set(e, "%s: an input of this job is a file of an "
			    "earlier job in %s, which this job would replace; "
			    "copy it elsewhere first or use another folder",
			    j->inputs[i], dir);
			goto fail;
		}
	}
	if (j->adopt != NULL && !j->probe &&
	    (adopt = j->adopt(j->adopt_arg, jd->job, jd->out, e)) == -1)
		goto fail;
	if (adopt == JOBDIR_ADOPT_RESTART)
		overwrite = 1;
	if (adopt == JOBDIR_ADOPT_RESUME)
		;	/* the files there are this job's */
	else if (overwrite && !j->probe) {
		const char *why = adopt == JOBDIR_ADOPT_RESTART ?
		    "starting over" : "--overwrite";

		if (same) {
			if (jobdir_start_clear(jd->job, JOBDIR_OUTPUTS |
			    JOBDIR_INTERMEDIATES | JOBDIR_TEMPS, why, e) == -1)
				goto fail;
		} else if (jobdir_start_clear(jd->out, JOBDIR_OUTPUTS |
		    JOBDIR_TEMPS, why, e) == -1 || jobdir_start_clear(jd->job,
		    JOBDIR_INTERMEDIATES | JOBDIR_TEMPS, why, e) == -1)
			goto fail;
	} else if (!overwrite) {
		if (same) {
			if (jobdir_check_stale(jd->job, JOBDIR_OUTPUTS |
			    JOBDIR_INTERMEDIATES, e) == -1)
				goto fail;
		} else if (jobdir_check_stale(jd->out, JOBDIR_OUTPUTS, e) == -1 ||
		    jobdir_check_stale(jd->job, JOBDIR_INTERMEDIATES, e) == -1)
			goto fail;
	}
	if (j->probe)
		free(jd);
	else
		*out = jd;
	return 0;

fail:
	jobdir_unlock(jd->job_lock);
	jobdir_unlock(jd->out_lock);
	free(jd);
	return -1;
}

void
jobdir_finish(struct jobdir *jd, int done, int keep, int resumable)
{
	size_t nint = 0, nout = 0;
	struct err e;

	if (jd == NULL)
		return;
	/* What crashed workers left, when O_TMPFILE was not available. */
	jobdir_remove(jd->job, JOBDIR_TEMPS, NULL, &e);
	if (jd->out_lock != NULL)
		jobdir_remove(jd->out, JOBDIR_TEMPS, NULL, &e);
	if (done && !keep) {
		if (jobdir_remove(jd->job, JOBDIR_INTERMEDIATES, &nint, &e) == -1)
			log_warn("%s", e.msg);
		log_debug("removed %zu intermediate files from %s", nint,
		    jd->job);
	} else if (done) {
		if (jobdir_find(jd->job, JOBDIR_INTERMEDIATES, &nint, NULL, 0,
		    &e) == 0 && nint > 0)
			log_info("kept %zu intermediate files (mr-X-Y) in %s",
			    nint, jd->job);
	} else if (jobdir_find(jd->job, JOBDIR_INTERMEDIATES, &nint, NULL, 0,
	    &e) == 0 && jobdir_find(jd->out, JOBDIR_OUTPUTS, &nout, NULL, 0,
	    &e) == 0 && nint + nout > 0 && resumable) {
		log_info("left %zu intermediate file%s (mr-X-Y) and %zu "
		    "output%s (mr-out-Y) for the job's journal: the same job "
		    "run again in %s resumes from them (--no-resume starts "
		    "over)", nint, nint == 1 ? "" : "s", nout,
		    nout == 1 ? "" : "s", jd->job);
	} else if (jobdir_find(jd->job, JOBDIR_INTERMEDIATES, &nint, NULL, 0,
	    &e) == 0 && jobdir_find(jd->out, JOBDIR_OUTPUTS, &nout, NULL, 0,
	    &e) == 0 && nint + nout > 0) {
		if (strcmp(jd->job, jd->out) == 0)
			log_warn("left %zu intermediate file%s (mr-X-Y) and %zu "
			    "output%s (mr-out-Y) in %s; remove them or give "
			    "--overwrite to the next job there", nint,
			    nint == 1 ? "" : "s", nout, nout == 1 ? "" : "s",
			    jd->job);
		else
			log_warn("left %zu intermediate file%s (mr-X-Y) in %s "
			    "and %zu output%s (mr-out-Y) in %s; remove them or "
			    "give --overwrite to the next job there", nint,
			    nint == 1 ? "" : "s", jd->job, nout,
			    nout == 1 ? "" : "s", jd->out);
	}
	jobdir_unlock(jd->out_lock);
	jobdir_unlock(jd->job_lock);
	free(jd);
}
