/*
 * plan.h - the job's map tasks: which inputs (or splits of them) each map
 * task reads.
 *
 * An input larger than the split size is cut into splits of that size,
 * one map task each, so that one big file keeps every worker busy. Small
 * inputs are packed together, as Spark packs files into partitions: each
 * input costs its size plus an "open cost" (what opening, mapping and
 * checking a file costs, counted in bytes of reading), and inputs are
 * added in command-line order to a task until the next one would take its
 * cost past the target
 *
 *	target = min(split size, max(open cost, total cost / PLAN_MIN_TASKS))
 *
 * where the total cost is that of every packable input. So a job keeps at
 * least about PLAN_MIN_TASKS map tasks when its inputs allow, and a job of
 * at most PLAN_MIN_TASKS packable inputs is never packed (eight books of
 * the lab are eight map tasks, as the lab's tests expect). A compressed input (.gz, .bz2, .xz, .zst)
 * is never split, and is packed by its size on disk. A task holds at most
 * PLAN_PACK_INPUTS_MAX inputs and PLAN_PACK_NAMES_MAX bytes of names, so
 * that the task's message stays well inside a frame.
 */
#ifndef MR_PLAN_H
#define MR_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "stamp.h"
#include "tasks.h"

/*
 * The open cost unless told otherwise (--open-cost). Measured with 2
 * workers (README, Performance): what a task costs beyond its bytes (a
 * few milliseconds: ten intermediate files written, then read by the
 * reduces) dwarfs what an input costs (about 10 us to open, map and
 * check), so the fewer tasks the faster: from 256 KiB up (Spark's 4 MiB
 * included) the times grow with the number of tasks. 0 and 64 KiB give
 * the same times on 800 inputs of 400 KB and 10 000 of 100 bytes, and
 * 64 KiB 11% more on 20 000 of 5 KB, for 85 tasks rather than 20: a lost
 * task costs a quarter as much to run again, and progress moves in
 * smaller steps.
 */
#define PLAN_OPEN_COST_DEFAULT ((uint64_t)64 << 10)

/*
 * Map tasks a job keeps when its inputs allow (Spark: the parallelism):
 * enough for two workers to end together. Measured on 33 MB in 80 inputs
 * with 2 workers: 8 gave 9 tasks in 0.128 s, 16 gives 18 in 0.094 s; the
 * larger corpora of the bench reach the split size either way.
 */
#define PLAN_MIN_TASKS 16

/* Inputs one map task may hold. */
#define PLAN_PACK_INPUTS_MAX 1000

/* Bytes of input names one map task may hold (the frame is 1 MiB). */
#define PLAN_PACK_NAMES_MAX (256 * 1024)

/*
 * What a total order samples (mr_partition_total_order, worker/sample.h):
 * at most PLAN_SAMPLE_PIECES pieces of the inputs, each at most
 * PLAN_SAMPLE_BYTES, 4 MiB in all, as TeraSort samples 100 000 keys.
 */
#define PLAN_SAMPLE_PIECES 64
#define PLAN_SAMPLE_BYTES ((uint64_t)64 << 10)

struct plan_config {
	uint64_t	 split_size;	/* cut larger inputs; > 0 */
	uint64_t	 open_cost;	/* bytes added per input when packing */
};

struct plan;

/*
 * Plans map tasks over the n inputs `names` whose stamps (sizes) are
 * `stamps`; both stay the caller's and must outlive the plan, whose
 * inputs point to them. Returns NULL with e set when the job would need
 * more map tasks than the coordinator holds.
 */
struct plan	*plan_new(char *const *names, const struct stamp *stamps,
		    size_t n, const struct plan_config *cfg, struct err *e);
void		 plan_free(struct plan *p);

/*
 * The pieces a total order samples, written to out (room for
 * PLAN_SAMPLE_PIECES): the byte at k * total / PLAN_SAMPLE_PIECES of the
 * planned inputs' bytes, taken in plan order, starts piece k, of
 * min(total / PLAN_SAMPLE_PIECES, PLAN_SAMPLE_BYTES) bytes (at least 1),
 * within its input. A compressed input cannot be read from the middle:
 * its pieces become one, from the start of its text, as long as they are
 * together. Names and stamps are those the plan points to. Returns how
 * many (0 when the inputs are empty).
 */
size_t		 plan_sample(const struct plan *p, struct tasks_input *out);

/* The map tasks, in order (task X is element X), and their number. */
const struct tasks_map *plan_maps(const struct plan *p);
uint32_t	 plan_nmaps(const struct plan *p);

#endif
