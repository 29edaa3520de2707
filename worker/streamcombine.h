/*
 * streamcombine.h - a map task's combiner command (a streaming job).
 *
 * As Hadoop runs a streaming combiner: like a reducer, over the task's
 * own records before they are written. One command per task: it gets
 * every record of the task, whatever its partition, sorted by key
 * (bytewise), as lines KEY<TAB>VALUE; each line it writes is a record again
 * (cut as a mapper's: streammap.h), which may have any key, so its
 * records are partitioned, grouped and sorted anew (in a second output of
 * a quarter of the task's memory, spilling beyond it) before the task's
 * files mr-X-Y are written.
 */
#ifndef MR_STREAMCOMBINE_H
#define MR_STREAMCOMBINE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapout.h"
#include "streaming.h"

/*
 * Runs the combiner of s over mo (which can take no more records after)
 * and writes the task's files mr-<map_id>-<p> of what it wrote, for job
 * `job`, adding their bytes to *bytes. Returns 0, or -1 with e set.
 */
int	streamcombine_write(const struct streaming *s,
	    const struct streaming_task *t, struct mapout *mo, uint32_t map_id,
	    size_t memory, uint64_t job, uint64_t *bytes, struct err *e);

#endif
