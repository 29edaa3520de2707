/*
 * history.h - what happened to every attempt and worker of this run, kept
 * while the coordinator runs, for clients that draw it live (mrctl web).
 *
 *	h = history_new(started);
 *	job_subscribe(j, history_on_event, h);
 *	history_worker_host(h, id, host);		the server, at Hello
 *	...
 *	m = history_build(h, since, MR_HISTORY_FRAME_MAX - 64, now);
 *	... pack it into an Envelope, send it ...
 *	history_msg_free(m);
 *	history_free(h);
 *
 * Every change of a record (an attempt handed out, timed out or ended; a
 * worker joining or leaving) takes the next sequence number, so that a
 * client asks for "what changed after n" and gets each changed record
 * once, as it is now: a client polling every second costs the changes of
 * that second, not the whole job. Times are seconds since `started`, on
 * the caller's monotonic clock (as Status.elapsed).
 */
#ifndef MR_HISTORY_H
#define MR_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"

#include "err.h"
#include "job.h"

struct history;

struct history	*history_new(double started);

/* Frees h and its records. NULL is fine. */
void		 history_free(struct history *h);

/* A job subscriber (job.h), arg being the history; never fails. */
int	history_on_event(void *arg, const struct job_event *ev, struct err *e);

/* Worker `id`'s host name (copied, cut to MR_HOST_MAX bytes). */
void	history_worker_host(struct history *h, uint32_t id, const char *host);

/* The sequence number of the last change, 0 before any. */
uint64_t history_seq(const struct history *h);

/*
 * The records changed after change `since`, as a History message (version,
 * seq, elapsed set; outcome left to the caller) on the heap. When they
 * would take more than about `max` packed bytes, only the first ones are
 * in, with `more` set and `seq` the last change included.
 */
Mr__History	*history_build(const struct history *h, uint64_t since,
		    size_t max, double now);

/* Frees what history_build() returned; NULL is fine. */
void		 history_msg_free(Mr__History *m);

#endif
