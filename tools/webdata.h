/*
 * webdata.h - what mrctl web shows: one job's status, attempts and
 * workers, fed by the poller (a live coordinator) or by a --report file,
 * and read by the HTTP thread.
 *
 *	wd = webdata_new("socket /tmp/mrrun-x/mr.sock", 1);
 *	webdata_set_status(wd, statusview_json_tree(st));	poller
 *	webdata_apply_history(wd, env->history);
 *	...
 *	text = webdata_status_json(wd, &page);			HTTP thread
 *	text = webdata_history_json(wd, since);
 *
 * Every function takes the object's lock: the two threads share nothing
 * else. The status is the very object `mrctl status --json` prints
 * (statusview.h); attempts and workers are objects laid out as in a
 * --report file (doc/reports.md), with their place in the history
 * ("index") and a change number, so that a page asks for "what changed
 * since n" and draws a job of 100 000 attempts without fetching them
 * every second.
 */
#ifndef MR_WEBDATA_H
#define MR_WEBDATA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "mr.pb-c.h"

/* What part of the task list a page shows. */
struct webdata_page {
	const char	*state;		/* all, waiting, running, done, again */
	const char	*kind;		/* all, map, reduce */
	const char	*sort;		/* id, name, state, attempts, time, worker */
	int		 desc;		/* descending */
	const char	*text;		/* a name must hold it; NULL or "": any */
	size_t		 offset, limit;
};

/* Tasks a page may ask for at once. */
#define WEBDATA_PAGE_MAX 1000

struct webdata;

/* `source` says where the data comes from, for the page; live: a coordinator. */
struct webdata	*webdata_new(const char *source, int live);
void		 webdata_free(struct webdata *wd);

/* A new Status (statusview_json_tree()), which wd takes over. */
void	webdata_set_status(struct webdata *wd, json_t *status);

/* The records of a History answer. */
void	webdata_apply_history(struct webdata *wd, const Mr__History *h);

/*
 * The job is over ("done", "failed", "interrupted"; failure NULL or why):
 * attempts still running end now as in a report, as timeout or cancelled.
 */
void	webdata_set_ended(struct webdata *wd, const char *outcome,
	    const char *failure);

/* A live source's trouble, shown on the page; NULL: none any more. */
void	webdata_set_problem(struct webdata *wd, const char *msg);

/* Forgets the attempts and workers: a new coordinator serves the socket. */
void	webdata_reset_history(struct webdata *wd);

/* Whether webdata_set_ended() was called. */
int	webdata_ended(struct webdata *wd);

/*
 * Attempts and workers laid out as in a --report file (arrays of objects,
 * borrowed): each attempt takes the next place ("index" added), each
 * worker its id's.
 */
void	webdata_add_records(struct webdata *wd, json_t *attempts,
	    json_t *workers);

/*
 * The status as JSON text, to free(): the whole document (page NULL), as
 * `mrctl status --json` prints it, or the same with its "tasks" cut to a
 * page and "tasks_page" {offset, limit, matched, total} added. NULL
 * before the first status.
 */
char	*webdata_status_json(struct webdata *wd,
	    const struct webdata_page *page);

/*
 * {"seq", "attempts" (changed after `since`), "workers" (all), "live",
 * "source", "outcome", "failure", "problem"} as JSON text, to free().
 */
char	*webdata_history_json(struct webdata *wd, uint64_t since);

#endif
