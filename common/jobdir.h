/*
 * jobdir.h - the job folder: one job at a time, and nothing of another job
 * mixed into its outputs.
 *
 * A job writes its intermediate files mr-X-Y into its job folder and its
 * outputs mr-out-Y into its output folder (the same one unless told
 * otherwise). mrcoordinator, mrsequential and mrrun follow the same rules
 * through this file:
 *
 *	if (jobdir_prepare("job folder", dir, 0, abs, sizeof abs, &e) == -1)
 *	if ((l = jobdir_lock(abs, "mrcoordinator", &e)) == NULL) ...
 *	if (jobdir_check_stale(abs, JOBDIR_OUTPUTS | JOBDIR_INTERMEDIATES,
 *	    &e) == -1) ...	(or jobdir_remove() for --overwrite)
 *	... run the job ...
 *	jobdir_remove(abs, JOBDIR_INTERMEDIATES, &n, &e);
 *	jobdir_unlock(l);
 *
 * The lock is flock(2) on JOBDIR_LOCK_NAME in the folder, opened
 * O_CLOEXEC so that no program started by the holder inherits it; the
 * kernel drops it when the holder dies, however it dies, so a lock file
 * left by a killed job never blocks the next one. The file holds the
 * holder's pid and program name, for the refusal message.
 */
#ifndef MR_JOBDIR_H
#define MR_JOBDIR_H

#include <stddef.h>

#include "err.h"

/* The lock file, hidden so that `ls mr-*` and `rm mr-*` never see it. */
#define JOBDIR_LOCK_NAME ".mr-lock"

/* Kinds of job files, or-ed together in a `kinds` argument. */
#define JOBDIR_OUTPUTS		0x1	/* mr-out-Y */
#define JOBDIR_INTERMEDIATES	0x2	/* mr-X-Y */
#define JOBDIR_TEMPS		0x4	/* SAFEFILE_PREFIX... (safefile.h) */

struct jobdir_lock;

/*
 * The split points of a total order (worker/sample.h) are intermediate
 * data too: this, then the job id as 16 lower-case hexadecimal digits.
 */
#define JOBDIR_SPLITS_PREFIX "mr-splits-"

/*
 * Which kind of job file the bare file name `name` is: JOBDIR_OUTPUTS for
 * "mr-out-" and digits, JOBDIR_INTERMEDIATES for "mr-", digits, "-",
 * digits, and for JOBDIR_SPLITS_PREFIX and 16 hexadecimal digits,
 * JOBDIR_TEMPS for a safefile temporary, else 0. Other names
 * (mr-out-3.txt, mr-done) are never job files.
 */
int	jobdir_kind(const char *name);

/*
 * Checks that `dir` is a folder this process may create and remove files
 * in; with `create`, makes it first (mode 0777 less the umask) when it
 * does not exist. Writes its absolute, symlink-free name to abs. Returns
 * 0, or -1 with e naming the folder (as "WHAT DIR: ...", what being such
 * as "job folder") and what is wrong.
 */
int	jobdir_prepare(const char *what, const char *dir, int create,
	    char *abs, size_t abslen, struct err *e);

/*
 * Takes the lock of folder `dir` for the calling process, writing its pid
 * and `prog` in the lock file. Returns the lock, or NULL with e naming the
 * folder and, when another job holds it, that job's program and pid.
 */
struct jobdir_lock *jobdir_lock(const char *dir, const char *prog,
	    struct err *e);

/* Removes the lock file and releases the lock; frees l. NULL is fine. */
void	jobdir_unlock(struct jobdir_lock *l);

/*
 * Checks, without keeping it, that nobody holds the lock of `dir` now:
 * for a launcher that lets its child take the lock. Creates no lock file.
 * Returns 0, or -1 with e as jobdir_lock() sets it.
 */
int	jobdir_probe(const char *dir, struct err *e);

/*
 * Counts the job files of the given kinds in `dir`; when first is not
 * NULL, copies there the name of one of them (the smallest by strcmp).
 * Returns 0, or -1 with e set when the folder cannot be read.
 */
int	jobdir_find(const char *dir, int kinds, size_t *n, char *first,
	    size_t firstlen, struct err *e);

/*
 * Fails when `dir` holds job files of the given kinds, left by an earlier
 * job: e then names the folder, how many there are, one of them, and how
 * to proceed (remove them, another folder, or --overwrite). Returns 0 or -1.
 */
int	jobdir_check_stale(const char *dir, int kinds, struct err *e);

/*
 * Removes every job file of the given kinds from `dir`; *n (when not NULL)
 * is how many went. Returns 0, or -1 with e naming the first file that
 * could not be removed (the others are still tried).
 */
int	jobdir_remove(const char *dir, int kinds, size_t *n, struct err *e);

/*
 * Which folder holds file `path` (as the user gave it) as one of its job
 * files, once its symbolic links are followed (realpath(3)): `out` when it
 * is a file of `out_kinds` there, else `job` when it is one of `job_kinds`
 * there (`job` may be NULL for none), else NULL; both folders absolute and
 * symlink-free, as jobdir_prepare() writes them. Removing the files of an
 * earlier job must not remove an input of this one. One lstat(2) for a
 * path whose last part is no link and not a job file's name; otherwise
 * one realpath(3), whichever folder it is in.
 */
const char	*jobdir_holding(const char *path, const char *out, int out_kinds,
		    const char *job, int job_kinds);

/*
 * The rules above for one whole job, as its programs apply them at start
 * and at the end:
 *
 *	struct jobdir_job j = { job_dir, output_dir, overwrite, 0,
 *	    inputs, ninputs, "mrcoordinator" };
 *	if (jobdir_start(&j, &jd, &e) == -1) -> refuse, exit 1
 *	... run the job in jobdir_path(jd), outputs in jobdir_output_path(jd)
 *	jobdir_finish(jd, done, keep_intermediates);
 */
struct jobdir_job {
	const char	 *job_dir;	/* as given; NULL: the current folder */
	const char	 *output_dir;	/* as given; NULL: the job folder */
	int		  overwrite;	/* remove an earlier job's files */
	int		  probe;	/* check only: lock nothing, remove nothing */
	char *const	 *inputs;	/* must not be among the files removed */
	int		  ninputs;
	const char	 *prog;		/* for the lock file */
	/*
	 * When not NULL, called once both folders are locked and before an
	 * earlier job's files are looked at, with their absolute names:
	 * returns JOBDIR_ADOPT_NONE to apply the rules above,
	 * JOBDIR_ADOPT_RESUME when the files there are this job's own (a
	 * job resumed after its coordinator died: kept as they are, nothing
	 * refused), JOBDIR_ADOPT_RESTART when they are an earlier run's of
	 * this same job, to be removed as with overwrite, or -1 with e set
	 * to refuse the job.
	 */
	int		(*adopt)(void *arg, const char *job_dir,
			    const char *output_dir, struct err *e);
	void		 *adopt_arg;
};

#define JOBDIR_ADOPT_NONE	0
#define JOBDIR_ADOPT_RESUME	1
#define JOBDIR_ADOPT_RESTART	2

struct jobdir;

/*
 * Prepares both folders (jobdir_prepare(); the output folder is made when
 * missing), locks them (or, with probe, checks that they could be locked),
 * refuses an input that is a job file there, then either refuses when an
 * earlier job's outputs (in the output folder) or intermediate files (in
 * the job folder) are there, or, with overwrite, removes them (and
 * leftover temporary files), saying how many on the log. Returns 0 and
 * the session in *jd (NULL with probe: there is nothing to hold), or -1
 * with e naming the folder or the input and how to proceed.
 */
int	jobdir_start(const struct jobdir_job *j, struct jobdir **jd,
	    struct err *e);

/* The absolute job folder and output folder. */
const char	*jobdir_path(const struct jobdir *jd);
const char	*jobdir_output_path(const struct jobdir *jd);

/*
 * The job is over. Removes temporary files left in both folders; when it
 * is `done`, removes its intermediate files unless `keep` (saying so on
 * the log), else logs what it left (intermediate files, outputs) and where,
 * and, when `resumable` (its journal stays), that running the same job
 * again resumes it. Then unlocks and frees jd. NULL is fine.
 */
void	jobdir_finish(struct jobdir *jd, int done, int keep, int resumable);

#endif
