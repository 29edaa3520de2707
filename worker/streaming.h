/*
 * streaming.h - a worker's streaming job: the commands it runs as mapper,
 * combiner and reducer (common/streamopts.h), the folder they run in, and
 * the environment each task gives them.
 *
 * The working folder is made once per worker, `mrworker-<pid>-XXXXXX` in
 * $TMPDIR (else /tmp), mode 0700 (workdir.h), holding a copy of each
 * --file under its last name, so that `--file mapper.py --mapper 'python3
 * mapper.py'` finds it there as a Hadoop task finds its localized -file
 * beside it, and a command writing to it leaves the user's file as it
 * was; the copies are read-only, with the file's execute bits. The worker
 * removes it when it exits (on SIGTERM, SIGINT and SIGHUP too); the next
 * streaming worker of the user removes it when a SIGKILL left it.
 *
 * A command's environment is the worker's, then what Hadoop Streaming
 * sets for a task (its job configuration's names, dots made
 * underscores), then each --cmdenv NAME=VALUE in order:
 *
 *	mapreduce_job_id           job_<16 hex digits of the job id>_0001
 *	mapreduce_task_id          task_<...>_0001_m_000003 (m or r, X or Y)
 *	mapreduce_task_attempt_id  attempt_<...>_0001_m_000003_<N>, N the
 *	                           attempts of the task handed out before
 *	                           this one (Task.attempt_index)
 *	mapreduce_task_partition   X of a map task, Y of a reduce task
 *	mapreduce_task_ismap       true or false
 *	mapreduce_map_input_file   (and map_input_file, its older name) the
 *	                           map task's input as the coordinator names
 *	                           it: the first one of a packed task
 *	mapreduce_map_input_start  where its split starts, in bytes
 *	mapreduce_map_input_length its split's planned length
 *
 * A reduce task's commands get none of the mapreduce_map_input_* (nor
 * map_input_file), even when the worker's environment had them.
 */
#ifndef MR_STREAMING_H
#define MR_STREAMING_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "streamopts.h"

/* The commands and their folder. */
struct streaming {
	const char	*mapper;
	const char	*combiner;	/* NULL: none */
	const char	*reducer;	/* NULL: the identity; "NONE" */
	int		 map_only;	/* --reducer NONE */
	const char	**cmdenv;	/* "NAME=VALUE", in order */
	size_t		 ncmdenv;
	char		*dir;		/* the working folder */
	char		**copies;	/* the --files' copies in it */
	size_t		 ncopies;
	int		 lock;		/* its flock(); -1 none */
};

/*
 * Removes the folders dead workers left (workdir_sweep()), then makes the
 * working folder of the options so (which must outlive the result) with a
 * copy of each --file. Returns NULL with e set (naming the file) when the
 * folder or a copy cannot be made, leaving nothing.
 */
struct streaming *streaming_new(const struct streamopts *so, struct err *e);

/*
 * Removes the working folder (the copies, then the folder); only
 * async-signal-safe calls, for a signal handler too.
 */
void	streaming_remove(const struct streaming *s);

/* Removes the folder and frees s; NULL is fine. */
void	streaming_free(struct streaming *s);

/* What a task's environment says about it. */
struct streaming_task {
	uint64_t	 job;		/* the job id */
	int		 map;		/* 1 map, 0 reduce */
	uint32_t	 id;		/* X or Y */
	uint64_t	 attempt;	/* the coordinator's, for logs */
	uint32_t	 attempt_index;	/* tries of the task before it */
	const char	*input;		/* map: the (first) input's name */
	uint64_t	 start, length;	/* map: its split */
	/* Job parameters (NAME, VALUE pairs), as environment variables. */
	const char *const *params;
	size_t		 nparams;
};

/*
 * The environment of the task's commands: environ with the variables
 * above, in a new NULL-terminated array of new strings; free with
 * streaming_env_free().
 */
char	**streaming_env(const struct streaming *s,
	    const struct streaming_task *t);
void	 streaming_env_free(char **env);

struct streamcmd_conf;

/*
 * Fills c for running `command` as `role` of attempt `attempt` in the
 * working folder with env: its status lines go to the task's status
 * (taskstatus.h); the caller sets the output's handler and its arg.
 */
void	streaming_cmd_conf(const struct streaming *s, const char *role,
	    const char *command, uint64_t attempt, char **env,
	    struct streamcmd_conf *c, char *label, size_t labellen);

/*
 * A job parameter's name as an environment variable's, as Hadoop
 * Streaming makes it: every byte but a letter, a digit or '_' becomes
 * '_' ("mapreduce.job.name" is mapreduce_job_name). In out, of len bytes.
 */
void	streaming_env_name(const char *name, char *out, size_t len);

#endif
