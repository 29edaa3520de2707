/*
 * tasks.h - the job's task state machine, free of any I/O.
 *
 * A job is nmap map tasks (each one or more inputs, as coordinator/plan.h
 * planned them) then nreduce reduce tasks. Each
 * hand-out of a task is an attempt with its own id and deadline, which
 * progress it reports (tasks_set_status()) moves on. The first
 * attempt reported done wins; a task whose current attempt times out, is
 * lost with its worker or fails goes back to the queue. Reduce tasks are
 * handed out only once every map task is done; a reduce task that finds a
 * map output missing or corrupt sends that map task back to the queue.
 * Times are seconds on any monotonic clock, passed in by the caller, never
 * going back from one call to the next.
 *
 * Backups (speculative execution, off unless tasks_set_speculation() turns
 * it on): when the phase's queue is empty and a worker asks, a task whose
 * attempt runs much longer than the phase's finished tasks took gets a
 * second attempt, its backup, on that worker (the rule and its numbers:
 * coordinator/speculate.h). The first of the two reported done wins; the
 * other ends at once, with an outcome that asks the caller to send its
 * worker a Cancel. While either runs within its deadline the task is not
 * queued again. A task with a backup counts as one running task, and the
 * phase is the same as without it.
 */
#ifndef MR_TASKS_H
#define MR_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "stamp.h"

enum task_kind {
	TASK_MAP,
	TASK_REDUCE
};

enum tasks_phase {
	PHASE_MAP,		/* some map task is not done */
	PHASE_REDUCE,		/* maps done, some reduce task is not */
	PHASE_DONE,		/* every output is final */
	PHASE_FAILED		/* a task failed too often */
};

/* What tasks_report_*() made of a report. */
enum tasks_verdict {
	VERDICT_ACCEPTED,	/* changed the job's state */
	VERDICT_STALE,		/* late or duplicate: harmless, ignored */
	VERDICT_INVALID		/* the worker was never given that attempt */
};

/* One input of a map task: a whole file or a split of one. */
struct tasks_input {
	const char	*name;
	uint64_t	 offset;
	uint64_t	 length;	/* 0: to the end of the file */
	const struct stamp *stamp;	/* the file as planned (copied), or NULL */
};

/*
 * One map task: its inputs, read in turn (several small inputs packed into
 * one task), and their bytes, for progress.
 */
struct tasks_map {
	const struct tasks_input *inputs;
	uint32_t	 ninputs;	/* at least 1 */
	uint64_t	 bytes;
};

/* A task handed to a worker. */
struct lease {
	uint64_t	 attempt;
	enum task_kind	 kind;
	uint32_t	 id;		/* map task X or reduce partition Y */
	const struct tasks_input *inputs;	/* map: what to read, owned by
					   the tasks, stamps included */
	uint32_t	 ninputs;	/* map: at least 1; reduce: 0 */
	uint32_t	 nmap;
	uint32_t	 nreduce;
	int		 backup;	/* a backup of a running attempt */
	uint32_t	 index;		/* attempts of this task handed out
					   before it (0: its first), backups
					   included */
};

struct tasks_counts {
	uint32_t	 idle, running, done;
	uint64_t	 timeouts, lost, failures;	/* re-executions and why */
	uint64_t	 backups_started;
	uint64_t	 backups_won;	/* reported done first, and accepted */
	uint64_t	 backups_lost;	/* cancelled: another attempt first */
	uint32_t	 backups_running;	/* started, not ended */
};

struct tasks;

/*
 * A job over `ninputs` inputs (names are copied) and `nreduce` partitions.
 * A task's attempt expires `timeout` seconds after it starts or last
 * reported progress (tasks_set_status()); a task whose
 * attempts fail (reported failures, not timeouts or crashes) `max_failures`
 * times fails the job.
 */
struct tasks	*tasks_new(char *const *inputs, uint32_t ninputs,
		    uint32_t nreduce, double timeout, uint32_t max_failures);

/* The same with one map task per element of `inputs` (splits of files). */
struct tasks	*tasks_new_splits(const struct tasks_input *inputs,
		    uint32_t ninputs, uint32_t nreduce, double timeout,
		    uint32_t max_failures);

/*
 * The same with the map tasks `maps` (inputs, names and stamps copied;
 * each task's bytes recorded as by tasks_set_input_bytes()).
 */
struct tasks	*tasks_new_maps(const struct tasks_map *maps, uint32_t nmap,
		    uint32_t nreduce, double timeout, uint32_t max_failures);
void		 tasks_free(struct tasks *t);

/*
 * Hands a task to `worker`. Returns 1 with *l filled, 0 when nothing is free
 * now (the worker should wait), -1 when the job is over (done or failed).
 *
 * With speculation on, when no task of the phase waits, the lease may be a
 * backup (l->backup): a second attempt of a running task of the phase
 * whose attempt has run, by `now`, at least max(SPEC_FACTOR x the median
 * duration of the phase's tasks done so far, SPEC_MIN_SECONDS), within its
 * deadline, and has no backup. It needs one task of the phase done (a
 * duration runs from the lease to the accepted done report), goes to the
 * most overdue such task (the one that started first), never to the
 * worker running it, and never while max(1, 10% of the phase's tasks)
 * backups run (started, not ended).
 */
int	tasks_lease(struct tasks *t, uint32_t worker, double now,
	    struct lease *l);

/* Turns backups on or off (off for a new job). */
void	tasks_set_speculation(struct tasks *t, int on);
int	tasks_speculation(const struct tasks *t);

/*
 * The earliest time after `now` at which a running attempt becomes one
 * tasks_lease() would back up (so that a waiting worker is woken then), or
 * 0 when none will (speculation off, no task of the phase done, as many
 * backups running as may, or every candidate times out first). Attempts
 * already eligible are not counted: a worker asking now gets one. Only as
 * good as the state it saw: ask again after any lease, report, loss or
 * expiry. O(running attempts).
 */
double	tasks_next_speculation(const struct tasks *t, double now);

/*
 * `worker` reports `attempt` done. The first attempt of a task reported
 * done wins; the other attempt of its pair, if it still runs, ends at once
 * (TASKS_EV_END, OUTCOME_CANCELLED or OUTCOME_BACKUP_LOST) and any later
 * report of it is VERDICT_STALE and changes nothing.
 */
enum tasks_verdict tasks_report_done(struct tasks *t, uint32_t worker,
	    uint64_t attempt, double now);

/*
 * `worker` reports `attempt` failed; bad_maps lists map tasks whose output
 * was missing or corrupt, to be run again. A failed backup or original
 * counts as a failure of its task; the task is queued again only when
 * neither still runs within its deadline.
 */
enum tasks_verdict tasks_report_failed(struct tasks *t, uint32_t worker,
	    uint64_t attempt, const uint32_t *bad_maps, size_t nbad,
	    double now);

/*
 * `worker` reports that `attempt` failed in a way no other attempt can fix
 * (its input changed since the job was planned): the job fails at once,
 * tasks_failure() naming the task, whatever state the task is in (an
 * accepted attempt read an input that is no longer the one planned), even
 * from an attempt cancelled because the other of its pair won. Returns
 * VERDICT_INVALID when the worker does not hold that attempt,
 * VERDICT_STALE when the job is already over, else VERDICT_ACCEPTED.
 */
enum tasks_verdict tasks_report_fatal(struct tasks *t, uint32_t worker,
	    uint64_t attempt, double now);

/*
 * The worker holding `attempt` is gone: its task is queued again at once,
 * unless the other attempt of its pair (original or backup) still runs
 * within its deadline.
 */
void	tasks_lost(struct tasks *t, uint64_t attempt, double now);

/*
 * Queues again every task whose current attempt passed its deadline, its
 * timeout since it started or last made progress (once
 * its backup's has passed too, if it has one). Returns the time of the
 * next deadline to check, or 0 when none.
 */
double	tasks_expire(struct tasks *t, double now);

enum tasks_phase tasks_phase(const struct tasks *t);

/* Why the job failed, when tasks_phase() is PHASE_FAILED. */
const char *tasks_failure(const struct tasks *t);

/*
 * Task states counted over every task: O(tasks), for summaries; the backups
 * of both kinds.
 */
void	tasks_counts(const struct tasks *t, struct tasks_counts *c);

/* Attempts that timed out so far: O(1), for the event loop. */
uint64_t tasks_timeouts(const struct tasks *t);

uint32_t tasks_nmap(const struct tasks *t);

/*
 * The name of the first input of map task `map` (< tasks_nmap()), owned by
 * t; NULL for another task.
 */
const char *tasks_map_input(const struct tasks *t, uint32_t map);

/* The inputs of map task `map`, *n of them, owned by t; NULL, 0 for another. */
const struct tasks_input *tasks_map_inputs(const struct tasks *t,
	    uint32_t map, uint32_t *n);
uint32_t tasks_nreduce(const struct tasks *t);

/* A task as status and progress show it. */
enum tasks_state {
	TASKS_WAITING,
	TASKS_RUNNING,
	TASKS_DONE
};

struct tasks_view {
	enum task_kind	 kind;
	uint32_t	 id;
	enum tasks_state state;
	const char	*input;		/* map: the first input's name */
	uint64_t	 offset;	/* map: its split */
	uint64_t	 length;
	const struct tasks_input *inputs;	/* map: every input, owned by t */
	uint32_t	 ninputs;	/* map: at least 1; reduce: 0 */
	uint64_t	 bytes;		/* map: as given to tasks_set_input_bytes */
	uint32_t	 worker;	/* running: its worker (its backup's
					   when its original has ended);
					   done: the winner's */
	uint32_t	 backup_worker;	/* running with both its original and
					   its backup: the backup's; else 0 */
	double		 start;		/* when that attempt was handed out */
	uint32_t	 attempts;	/* handed out so far */
	int		 kept;		/* done before a restart, kept */
	const char	*status;	/* its last status line, "" none;
					   owned by t */
};

/*
 * `worker` says at `now` that `attempt`, which it runs, makes progress,
 * with the status line `status` (copied): the task's status line from now
 * on, until another (an attempt run again, or its backup, says another);
 * "" is progress alone and leaves the line as it was. An attempt within
 * its deadline expires `timeout` seconds from `now` (Hadoop's
 * mapreduce.task.timeout: time without progress); one past it stays
 * timed out (its task may run elsewhere), its line still taken.
 * VERDICT_STALE when the attempt has ended (it changes nothing),
 * VERDICT_INVALID when the worker was never given it.
 */
enum tasks_verdict tasks_set_status(struct tasks *t, uint32_t worker,
	    uint64_t attempt, const char *status, double now);

/* Records the input bytes of map task `map` (0 until set), for progress. */
void	tasks_set_input_bytes(struct tasks *t, uint32_t map, uint64_t bytes);

/* Input bytes of every map task and of the done ones: O(map tasks). */
void	tasks_input_bytes(const struct tasks *t, uint64_t *total,
	    uint64_t *done);

/*
 * tasks_counts() over the tasks of one kind only (the backups of that kind;
 * timeouts, lost and failures of the whole job).
 */
void	tasks_count_kind(const struct tasks *t, enum task_kind kind,
	    struct tasks_counts *c);

/* Fills v[0 .. nmap + nreduce) (maps, then reduces): O(tasks + attempts). */
void	tasks_views(const struct tasks *t, struct tasks_view *v);

/* A named counter of a plugin (mr_counter_add): one attempt's, or a total. */
struct tasks_counter {
	const char	*name;
	int64_t		 value;
};

/*
 * tasks_report_done() with the attempt's counters (copied). When the report
 * is accepted they become the task's counters, replacing those of an
 * earlier accepted attempt; otherwise (a stale report) they count for
 * nothing. A done map task sent back to the queue by a failing reduce
 * loses its counters until an attempt of it is accepted again. More than
 * MR_COUNTERS_MAX counters, a bad name or a name given twice make the
 * report VERDICT_INVALID, and it changes nothing.
 */
enum tasks_verdict tasks_report_done_counters(struct tasks *t,
	    uint32_t worker, uint64_t attempt,
	    const struct tasks_counter *counters, size_t ncounters, double now);

/* Counter names reported by accepted attempts so far. */
size_t	tasks_ncounters(const struct tasks *t);

/*
 * Counters of accepted reports not counted because the job already holds
 * 4096 distinct names (a bound on the coordinator's memory).
 */
uint64_t tasks_counters_refused(const struct tasks *t);

/*
 * The i-th counter (i < tasks_ncounters()) in bytewise name order, with the
 * sum of its values over the accepted attempt of each task (held exactly;
 * clamped to the int64_t range only when read). A name stays listed, as 0,
 * once the only attempt that reported it no longer counts.
 */
void	tasks_counter(const struct tasks *t, size_t i, const char **name,
	    int64_t *value);

/* What happened to an attempt, for an observer. */
enum tasks_event_type {
	TASKS_EV_START,		/* handed out: ev->lease */
	TASKS_EV_TIMEOUT,	/* deadline passed (at ev->now); it may still report */
	TASKS_EV_END		/* over: ev->outcome */
};

/*
 * How an attempt ended. The last two end an attempt that may still be
 * running on its worker: the caller sends that worker a Cancel. They are
 * told apart by which attempt loses, so that a report can say "backup won"
 * of the original and "backup lost" of the backup; the winning backup
 * itself ends OUTCOME_DONE with ev->backup set.
 */
enum tasks_outcome {
	OUTCOME_DONE,		/* reported done and accepted */
	OUTCOME_STALE,		/* reported done too late: another attempt
				   counts, its work predates a reset, or the
				   job had failed */
	OUTCOME_FAILED,		/* reported a failure */
	OUTCOME_LOST,		/* its worker went away while it ran */
	OUTCOME_CANCELLED,	/* an original (timed out or not) whose
				   backup was reported done first */
	OUTCOME_BACKUP_LOST	/* a backup (timed out or not) when another
				   attempt of its task was reported done
				   first: its original, or one run after
				   both had timed out */
};

struct tasks_event {
	enum tasks_event_type	 type;
	uint64_t		 attempt;
	uint32_t		 worker;
	enum task_kind		 kind;
	uint32_t		 id;		/* map task X or reduce partition Y */
	double			 now;
	enum tasks_outcome	 outcome;	/* TASKS_EV_END */
	const struct lease	*lease;		/* TASKS_EV_START, else NULL */
	int			 backup;	/* every event of a backup */
	uint64_t		 original;	/* a backup's: the attempt it
						   backs up; else 0 */
	uint32_t		 index;		/* lease.index of the attempt */
	double			 start;		/* when it was handed out */
	double			 armed;		/* start, or its last progress */
	int			 requeued;	/* TASKS_EV_TIMEOUT: its task is
						   queued again (else the other
						   attempt of its pair runs) */
};

typedef void (*tasks_observer)(void *arg, const struct tasks_event *ev);

/*
 * Calls fn(arg, ev) once when each attempt starts, once when its deadline
 * passes while it runs, and once when it ends (an attempt still running
 * when the job ends never ends; a backup never outlives its task's
 * completion, so a job done has none). When a report ends two attempts,
 * the winner's event comes first. NULL stops it.
 */
void	tasks_set_observer(struct tasks *t, tasks_observer fn, void *arg);

/* A task done before the coordinator restarted, whose files were checked. */
struct tasks_kept {
	enum task_kind	 kind;
	uint32_t	 id;
	const struct tasks_counter *counters;	/* its accepted attempt's */
	size_t		 ncounters;
};

/*
 * Makes the n tasks `kept` done, with their counters (copied, as by an
 * accepted report), before any task is handed out; the others wait in
 * their queues in their order. Returns 0, or -1 when a task is out of
 * range or given twice, its counters are invalid, or a task was already
 * handed out: then nothing changed.
 */
int	tasks_restore(struct tasks *t, const struct tasks_kept *kept, size_t n);

/* Tasks tasks_restore() made done, and still done. */
uint32_t tasks_nkept(const struct tasks *t);

/* Whether map task `map` is done (0 for another task): O(1). */
int	tasks_map_done(const struct tasks *t, uint32_t map);

#endif
