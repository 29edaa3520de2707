/*
 * output.h - a job output file mr-out-Y: lines "key value\n".
 *
 * The file is written through safefile.h, so it appears complete or not at
 * all. Emitting has the mr_emit() signature so reduce writes straight in.
 */
#ifndef MR_OUTPUT_H
#define MR_OUTPUT_H

#include <stdint.h>

#include "err.h"
#include "mapreduce.h"

struct output;

/* Starts writing `path`. NULL and e set on failure. */
struct output	*output_open(const char *path, struct err *e);

/* The emitter to hand to reduce; a failed write is remembered. */
mr_emitter	*output_emitter(struct output *o);

/* Whether an emit failed, and why. */
int	output_failed(const struct output *o, struct err *e);

/* Renames the file into place and frees o. Sets *bytes when not NULL. */
int	output_commit(struct output *o, uint64_t *bytes, struct err *e);

/* Discards the file and frees o. NULL is fine. */
void	output_abort(struct output *o);

#endif
