/*
 * pipemap.h - mrpipe map: a plugin's map over a stream, as a Hadoop
 * Streaming mapper.
 *
 * The stream's bytes are given to map in pieces cut exactly where
 * mrsequential --split-size (split.h) cuts a file holding the same bytes,
 * so that map sees the same pieces; at most one piece and SPLIT_SEEK_MAX
 * bytes more are held, whatever the stream's size. Each record map emits is
 * written as a line KEY<TAB>VALUE (streamline.h).
 */
#ifndef MR_PIPEMAP_H
#define MR_PIPEMAP_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "mapreduce.h"

/*
 * Maps everything read from fd (named `from` in read errors) in pieces of
 * nominally `piece` bytes (at most SIZE_MAX / 2), calling app's map with
 * `name` as the input's name, and writes the records to out. Counters are
 * checked after each call (sdk.h); the caller resets and prints them.
 * Returns 0, or -1 with e saying "NAME: map function of APP failed on the
 * piece at byte N", naming the record a line cannot hold, the misused
 * counter, or the read or write error.
 */
int	pipemap_run(const struct mr_app *app, int fd, const char *from,
	    const char *name, uint64_t piece, FILE *out, struct err *e);

#endif
