/*
 * history.h - what happened to every attempt and worker of this run, as
 * changes numbered one by one, for clients that draw it live (mrctl web).
 *
 *	a = attempts_new(error_max);		the records (attempts.h)
 *	h = history_new(a, started);		numbers a's changes from now on
 *	...
 *	m = history_build(h, since, MR_HISTORY_FRAME_MAX - 64, now);
 *	... pack it into an Envelope, send it ...
 *	history_msg_free(m);
 *	history_free(h);
 *
 * Every change of a record of the store (an attempt handed out, timed out
 * or ended; a worker joining, naming its host or leaving) takes the next
 * sequence number, so that a client asks for "what changed after n" and
 * gets each changed record once, as it is now: a client polling every
 * second costs the changes of that second, not the whole job. Times are
 * seconds since `started`, on the caller's monotonic clock (as
 * Status.elapsed); a kept task has none.
 */
#ifndef MR_HISTORY_H
#define MR_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"

#include "attempts.h"

struct history;

/*
 * The history of the records of a, which it observes (attempts.h: its one
 * observer) until history_free(); a outlives it.
 */
struct history	*history_new(struct attempts *a, double started);

/* Stops observing, frees h. NULL is fine. */
void		 history_free(struct history *h);

/* The sequence number of the last change, 0 before any. */
uint64_t history_seq(const struct history *h);

/*
 * The records changed after change `since`, as a History message (version,
 * seq, elapsed set; outcome left to the caller) on the heap, a failed
 * attempt's error cut to MR_HISTORY_ERROR_MAX bytes. When they
 * would take more than about `max` packed bytes, only the first ones are
 * in, with `more` set and `seq` the last change included.
 */
Mr__History	*history_build(const struct history *h, uint64_t since,
		    size_t max, double now);

/* Frees what history_build() returned; NULL is fine. */
void		 history_msg_free(Mr__History *m);

#endif
