/*
 * progress.h - the coordinator's live progress: one line redrawn in place
 * on a terminal, a plain log line every few seconds otherwise.
 *
 *	p = progress_new(loop, PROGRESS_TTY, 5, fill, arg);
 *	progress_start(p);	fill(arg, &snap) is called on each tick
 *	...
 *	progress_stop(p);	erases the line; nothing more is printed
 *	progress_free(p);
 *
 * The arithmetic (rate, ETA) and the formatting of the line are pure
 * functions of a snapshot, so that they can be tested alone.
 */
#ifndef MR_PROGRESS_H
#define MR_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "tasks.h"

/* The job at one moment, as the progress line and the status show it. */
struct progress_snapshot {
	enum tasks_phase phase;
	double		 elapsed;	/* seconds since the coordinator started */
	uint32_t	 total;		/* tasks of the current phase's kind */
	uint32_t	 done, running, waiting;	/* of those */
	unsigned	 workers;	/* connected workers */
	uint64_t	 bytes;		/* input bytes of every map task */
	uint64_t	 bytes_done;	/* of the accepted map tasks */
	double		 reduce_avg;	/* mean seconds of an accepted reduce; 0: none yet */
	double		 reduce_running;	/* seconds the running reduces have run, each at most reduce_avg */
};

enum progress_mode {
	PROGRESS_OFF,		/* -q, or --progress 0 */
	PROGRESS_TTY,		/* one line redrawn in place on stderr */
	PROGRESS_LOG		/* a log line every interval seconds */
};

/* Fills a snapshot of the job now. */
typedef void	(*progress_fill_fn)(void *arg, struct progress_snapshot *snap);

/* Input megabytes (10^6) of accepted map tasks per second of elapsed time. */
double	progress_rate(const struct progress_snapshot *snap);

/*
 * Seconds left in the current phase, or -1 when it cannot be told yet. The
 * map phase extrapolates the input bytes done so far (tasks when the inputs
 * are empty); the reduce phase spreads the mean time of a finished reduce
 * task over the reduces left and the workers there are to run them.
 */
double	progress_eta(const struct progress_snapshot *snap);

/*
 * Writes a duration as people read it ("12.3 s", "4m05s", "2h10m") into
 * buf; `decimals` keeps one decimal below a minute.
 */
void	progress_duration(double secs, int decimals, char *buf, size_t size);

/*
 * Writes the progress line of snap into buf, "map 312/800 done, 2 running,
 * 486 waiting | 2 workers | 12.3 s | 41.2 MB/s | ETA 18 s", in at most
 * `width` characters (0: no limit) by dropping the least useful fields
 * first. Returns its length.
 */
size_t	progress_format(const struct progress_snapshot *snap, size_t width,
	    char *buf, size_t size);

struct progress;

/*
 * Progress on the loop in `mode`; interval is the seconds between two log
 * lines in PROGRESS_LOG. Nothing happens before progress_start().
 */
struct progress	*progress_new(struct ev_loop *loop, enum progress_mode mode,
		    double interval, progress_fill_fn fill, void *arg);

/* Starts the ticks (and on a terminal, draws the line). */
void	progress_start(struct progress *p);

/* Erases the line and stops for good; may be called more than once. */
void	progress_stop(struct progress *p);

/* Stops and frees; NULL is fine. */
void	progress_free(struct progress *p);

#endif
