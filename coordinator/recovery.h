/*
 * recovery.h - the coordinator's journal, and resuming a job with it after
 * the coordinator died.
 *
 *	r = recovery_new(&identity, no_resume, overwrite);
 *	jj.adopt = recovery_adopt; jj.adopt_arg = r;	reads the journal
 *	jobdir_start(&jj, &jd, &e);			under the folder's lock
 *	job_id = recovery_job_id(r);			the journal's on resume
 *	n = recovery_kept(r, &kept);			checked against the files
 *	recovery_begin(r, loop, started, &e);		opens it for this run
 *	job_restore(j, kept, n, now, &e);
 *	job_subscribe(j, recovery_on_event, r);		before any other
 *	... the job runs ...
 *	recovery_end(r, done);				closed (durable unless done)
 *	jobdir_finish(jd, ...);				the job's files go
 *	recovery_remove(r);				if the job is done
 *	recovery_free(r);
 *
 * The journal is JOURNAL_NAME in the job folder, records framed by
 * common/journal.h, each a packed mrj.Record (proto/journal.proto): the
 * job's identity first (inputs with their stamps, options, the plan), then
 * an Incarnation for each coordinator that ran the job, the plugin its
 * first worker ran, every accepted task with what it read, wrote and
 * counted, and every map task a reduce sent back.
 *
 * A write-ahead log: a task's record is written (write(2), one record in
 * one call) while the job publishes its acceptance, before the coordinator
 * acts on it: before the next task is handed out, the phase changes, or the
 * job ends. So a coordinator that dies, however (kill -9 included), loses
 * no task it accepted: the journal has it, and the kernel writes it out.
 * Records are made durable (fdatasync) at most RECOVERY_SYNC_SECONDS after
 * they are written, at once at each phase change, and at the end of a job
 * that is not done: a power loss costs at most the tasks accepted in that
 * last second, which run again. A record torn by the crash is ignored from
 * there on. The journal is made with its first records in it, the job's
 * identity and the incarnation, durable before the first task is handed
 * out. A job done needs no more syncs: its journal is removed (and the
 * removal made durable) once its files are final, and until then a power
 * loss costs at most the tasks accepted in its last second.
 *
 * Resuming trusts no record blindly: a map task is kept only while its
 * mr-X-Y all carry this job's id and are whole at their ends, a reduce task
 * only while mr-out-Y has the size and checksum its worker reported;
 * anything else runs again, said on the log. A reduce that later finds an
 * mr-X-Y corrupt inside sends its map task back, as in any job.
 */
#ifndef MR_RECOVERY_H
#define MR_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "err.h"
#include "job.h"
#include "stamp.h"
#include "tasks.h"

/* The journal's file name, in the job folder: hidden, not a job file. */
#define JOURNAL_NAME ".mr-journal"

/* Version of the journal's records; another one is refused. */
#define RECOVERY_FORMAT 1

/* Longest a written record waits to be made durable. */
#define RECOVERY_SYNC_SECONDS 1.0

struct params;

/* What makes a job this job (all copied by recovery_new()). */
struct recovery_identity {
	uint64_t		 job_id;	/* drawn for a fresh start */
	uint32_t		 nreduce;
	uint64_t		 split_size;
	uint64_t		 open_cost;
	int			 allow_changes;
	char *const		*names;		/* the inputs, as planned */
	const struct stamp	*stamps;
	size_t			 ninputs;
	const struct tasks_map	*maps;		/* the plan */
	uint32_t		 nmap;
	const struct params	*params;	/* -D; NULL: none */
	int			 output_format;	/* --output-format (outfmt.h) */
	/* A streaming job's commands (NULL: a plugin's job, or none) and
	   its workers' digest (streamopts.h). */
	const char		*mapper, *combiner, *reducer, *digest;
};

struct recovery;

/*
 * The journal for the job `id`. With no_resume, a journal found is
 * discarded with the files of the job it journaled (this job's or
 * another's: the job starts over there); with overwrite, too (the
 * overwrite rule removes the files).
 */
struct recovery	*recovery_new(const struct recovery_identity *id,
		    int no_resume, int overwrite);
void		 recovery_free(struct recovery *r);

/*
 * A jobdir adopt hook (jobdir.h), arg being r: reads the journal in
 * job_dir, if any. JOBDIR_ADOPT_RESUME when it is this job's (the files
 * there are its own), JOBDIR_ADOPT_RESTART when no_resume was given (the
 * journal is removed, and the files of its job are to be), JOBDIR_ADOPT_NONE
 * when there is none, or it was removed (overwrite, or its job left no
 * file); -1 with e saying what differs and how to proceed when it is
 * another job's, or when it cannot be read (another format version, a
 * damaged header).
 */
int	recovery_adopt(void *arg, const char *job_dir, const char *output_dir,
	    struct err *e);

/*
 * --no-journal: this run writes no journal (a journal of this job found
 * in the folder still resumes it, and goes when the job is done); a
 * coordinator that dies then leaves nothing to resume from.
 */
void	recovery_set_off(struct recovery *r);

/* Whether the job resumes from a journal (after recovery_adopt()). */
int	recovery_resuming(const struct recovery *r);

/* The job's id: the journal's when resuming, else identity's. */
uint64_t recovery_job_id(const struct recovery *r);

/* 1 for a fresh job, one more than the journal's last when resuming. */
uint32_t recovery_incarnation(const struct recovery *r);

/* The plugin the journal names, or NULL (a fresh job, or none joined). */
const char *recovery_plugin_app(const struct recovery *r);
const char *recovery_plugin_digest(const struct recovery *r);

/*
 * The tasks the journal has done whose files are still as their workers
 * left them (each mr-X-Y of a map task, mr-out-Y of a reduce, mr-out-X of
 * a map task of a map-only job; map tasks are not looked at when every
 * reduce task is kept); those that run again
 * are said on the log, with why. *kept, owned by r, lives until
 * recovery_free(). Returns how many; 0 for a fresh job.
 */
size_t	recovery_kept(struct recovery *r, const struct job_kept **kept);

/*
 * Opens the journal for this coordinator: a new one holding the identity,
 * or the one read, with an Incarnation record; durable when it returns.
 * `started` is the monotonic time of this run's start, for the times the
 * journal keeps. Returns 0, or -1 with e set.
 */
int	recovery_begin(struct recovery *r, struct ev_loop *loop,
	    double started, struct err *e);

/*
 * Seconds between the job's first start and this run's start: 0 for a
 * fresh job. Times since the job started are this plus this run's.
 */
double	recovery_offset(const struct recovery *r);

/*
 * A job subscriber (job.h), arg being r, to subscribe first: appends the
 * records of accepted tasks, map resets and the plugin; fails when the
 * journal cannot be written, which fails the job.
 */
int	recovery_on_event(void *arg, const struct job_event *ev,
	    struct err *e);

/*
 * The job is over: the journal is closed (before the event loop goes: its
 * sync timer is on it), and made durable first unless `done` says the job
 * is done and recovery_remove() is to follow.
 */
void	recovery_end(struct recovery *r, int done);

/*
 * The job is done: its journal goes, last of all (after the intermediate
 * files), so that a coordinator killed on its way out leaves a journal
 * whose every reduce is kept, and the same job run again ends at once.
 */
void	recovery_remove(struct recovery *r);

#endif
