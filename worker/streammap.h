/*
 * streammap.h - a map task's mapper command (a streaming job).
 *
 * One command per task, never one per record: every input of the task,
 * in order (the pieces of a compressed one, the split of a large one),
 * reaches its standard input as lines, as Hadoop Streaming gives a mapper
 * its split: a line ends at a newline, a carriage return and newline, or
 * a lone carriage return (Hadoop's LineReader), and reaches the command
 * with a newline, an input's last line included. A split's bytes go to
 * the pipe straight from the mapped file unless they hold a carriage
 * return.
 *
 * Each line it writes is a record, cut at the first tab: the key before
 * it, the value after it (tabs included); a line without a tab is all
 * key, with an empty value. In a map-only job its lines are the task's
 * output as they are instead.
 */
#ifndef MR_STREAMMAP_H
#define MR_STREAMMAP_H

#include <stddef.h>

#include "err.h"
#include "mapout.h"
#include "output.h"
#include "streaming.h"

struct streammap;

/*
 * Starts the mapper of s for the task t describes, its records going to
 * mo or, when mo is NULL (map-only), its lines to out. Returns NULL with
 * e set when it cannot be started.
 */
struct streammap *streammap_start(const struct streaming *s,
		    const struct streaming_task *t, struct mapout *mo,
		    struct output *out, struct err *e);

/* One piece of the current input's text. Returns 0, or -1 with e set. */
int	streammap_feed(struct streammap *m, const char *data, size_t len,
	    struct err *e);

/* The current input is over: its last line gets its newline. 0 or -1. */
int	streammap_end_input(struct streammap *m, struct err *e);

/*
 * Every input is written: closes the mapper's input, takes the rest of
 * its output and judges its exit. Returns 0, or -1 with e set; frees m.
 */
int	streammap_finish(struct streammap *m, struct err *e);

/* Kills the mapper and frees m; NULL is fine. */
void	streammap_abort(struct streammap *m);

/*
 * One line of a command's output as a record: the key up to the first
 * tab, the value after it; no tab, the whole line and an empty value.
 * Emits it into mo; 0, or -1 with e saying why mo failed.
 */
int	streammap_record(struct mapout *mo, const char *p, size_t len,
	    struct err *e);

#endif
