/*
 * streamreduce.h - a reduce task's reducer command (a streaming job).
 *
 * One command per task: it gets the partition's records sorted by key
 * (bytewise), every record of a key one after the other, as lines
 * KEY<TAB>VALUE (an empty value too: "KEY<TAB>"), as Hadoop Streaming
 * gives a reducer its input; grouping them is its own business. The
 * lines it writes are mr-out-Y, byte for byte (a newline added after a
 * last line that lacks one). Without a reducer command (no --reducer,
 * Hadoop's IdentityReducer) the lines KEY<TAB>VALUE themselves are
 * mr-out-Y.
 */
#ifndef MR_STREAMREDUCE_H
#define MR_STREAMREDUCE_H

#include <stddef.h>

#include "err.h"
#include "mapreduce.h"
#include "output.h"
#include "streamcmd.h"
#include "streaming.h"

struct streamreduce;

/*
 * Starts the reducer of s (none: the identity), its lines going to out.
 * Returns NULL with e set when it cannot be started.
 */
struct streamreduce *streamreduce_start(const struct streaming *s,
		    const struct streaming_task *t, struct output *out,
		    struct err *e);

/* One key's records. Returns 0, or -1 with e set. */
int	streamreduce_group(struct streamreduce *r, const char *key,
	    size_t keylen, mr_values *values, struct err *e);

/*
 * Every record is given: closes the reducer's input, writes the rest of
 * its output and judges its exit. Returns 0, or -1 with e set; frees r.
 */
int	streamreduce_finish(struct streamreduce *r, struct err *e);

/* Kills the reducer and frees r; NULL is fine. */
void	streamreduce_abort(struct streamreduce *r);

/*
 * Writes one key's records to cmd as lines KEY<TAB>VALUE. Returns 0, or
 * -1 with e set (reading a value failed: values->failed is set).
 */
int	streamreduce_lines(struct streamcmd *cmd, const char *key,
	    size_t keylen, mr_values *values, struct err *e);

#endif
