/*
 * output.h - a job output file mr-out-Y: a line per record, "key value\n"
 * or, in tsv, "key\tvalue\n" escaped (common/outfmt.h); or, of a
 * streaming command, its lines as it wrote them.
 *
 * The file is written through safefile.h, so it appears complete or not at
 * all, and is durable once committed (fsynced, and its folder after the
 * link). Its size and CRC-32C are kept as it is written, for the task's
 * report: the coordinator checks them before it keeps the task of a resumed
 * job. Emitting has the mr_emit() signature so reduce writes straight in.
 */
#ifndef MR_OUTPUT_H
#define MR_OUTPUT_H

#include <stdint.h>

#include "err.h"
#include "mapreduce.h"
#include "outfmt.h"

struct output;

/* Starts writing `path` in format f. NULL and e set on failure. */
struct output	*output_open(const char *path, enum outfmt f, struct err *e);

/* The emitter to hand to reduce; a failed write is remembered. */
mr_emitter	*output_emitter(struct output *o);

/*
 * Writes p[0..n) as it is (a streaming command's output lines); -1 when
 * the write fails, which is remembered as an emit's failure is.
 */
int	output_write(struct output *o, const void *p, size_t n);

/* Whether an emit failed, and why. */
int	output_failed(const struct output *o, struct err *e);

/*
 * Gives the file its name and frees o, whatever the outcome. Sets *bytes
 * and *crc (each when not NULL) to the size and the CRC-32C (crc32c.h) of
 * all the bytes it holds. Returns 0, or -1 with e set.
 */
int	output_commit(struct output *o, uint64_t *bytes, uint32_t *crc,
	    struct err *e);

/* Discards the file and frees o. NULL is fine. */
void	output_abort(struct output *o);

#endif
