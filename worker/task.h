/*
 * task.h - running one map or reduce task in the job folder.
 */
#ifndef MR_TASK_H
#define MR_TASK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "mapreduce.h"
#include "sample.h"
#include "stamp.h"

/* Memory a task may hold records in, unless told otherwise (--memory). */
#define TASK_MEMORY_DEFAULT ((size_t)32 << 20)

struct streaming;

/* One input of a map task: a whole file or a split of one. */
struct task_input {
	const char	*name;		/* input name as given */
	uint64_t	 offset;	/* the split, in bytes ... */
	uint64_t	 length;	/* ... 0 meaning to the end of the file */
	const struct stamp *stamp;	/* the input as planned, or NULL */
};

/* What to run. */
struct task_spec {
	uint32_t	 id;		/* map task X, or reduce partition Y */
	const struct task_input *inputs;	/* map: read in turn, ... */
	size_t		 ninputs;	/* ... or, when 0, the one input: */
	const char	*input;		/* map: input name as given */
	uint64_t	 offset;	/* map: the split, in bytes ... */
	uint64_t	 length;	/* ... 0 meaning to the end of the file */
	uint64_t	 split_size;	/* map: a compressed input's text comes
					   in pieces of this size (0: default) */
	const struct stamp *stamp;	/* map: the input as planned, or NULL */
	int		 allow_changes;	/* map: read a changed input as it is */
	uint32_t	 nreduce;	/* map: partitions to write; 0: a
					   map-only job, whose map task X
					   writes mr-out-X */
	uint32_t	 nmap;		/* reduce: map outputs to read */
	const char	*out_dir;	/* folder of mr-out-Y; NULL: here */
	size_t		 memory;	/* bytes of records held in memory */
	uint64_t	 job;		/* job id, written in and checked in mr-X-Y */
	const struct sample_piece *sample;	/* map: what to sample for a
					   total order (sample.h) ... */
	size_t		 nsample;	/* ... and how many pieces */
	int		 output_format;	/* enum outfmt (outfmt.h) of mr-out-Y,
					   and of a map-only job's mr-out-X */
	const struct streaming *stream;	/* a streaming job's commands
					   (streaming.h), or NULL: the
					   plugin's functions */
	uint64_t	 attempt;	/* for logs */
	uint32_t	 attempt_index;	/* attempts of the task before this
					   one, for the commands' environment */
	const char *const *params;	/* the job's parameters, NAME and
					   VALUE pairs, for the commands'
					   environment (streaming.h) ... */
	size_t		 nparams;	/* ... and how many pairs */
};

/* What a task attempt produced, for its report. */
struct task_result {
	uint64_t	 bytes_out;	/* bytes of files written */
	uint32_t	*bad_maps;	/* reduce: map outputs missing or corrupt */
	size_t		 nbad;
	uint64_t	 bytes_in;	/* bytes read: split or intermediate files */
	int		 fatal;		/* map: no attempt can succeed (the
					   input changed): fail the job */
	char		 changed[ERR_MAX];	/* map with allow_changes: how the
					   input differed from its stamp, or "" */
	uint64_t	 output_size;	/* reduce, or map of a map-only job: */
	uint32_t	 output_crc;	/* size and CRC-32C of all the bytes
					   of the mr-out-Y it linked */
};

/*
 * Map task: for each input in turn (t->inputs, or the one t->input), runs
 * map once over its split, cut as worker/split.h says (whole lines unless
 * a line is longer than SPLIT_SEEK_MAX), with that input's name; then
 * writes one set of mr-X-0 .. mr-X-(nreduce-1) for them all, stamped with
 * t->job. Each input is compared with its stamp before and after
 * (input.h); a change, a SIGBUS from a truncation included, fails the
 * attempt with res->fatal set unless t->allow_changes, which reads the
 * input as it is and says how in res->changed. Any input failing fails
 * the whole attempt, which writes nothing. Keys are partitioned by the
 * application's partition function when it has one; for
 * mr_partition_total_order, with the job's split points, sampled first
 * from t->sample when no task of the job did it yet (sample.h). A map
 * that fails after mr_error() fails the attempt with "INPUT: TEXT".
 * With t->stream, the mapper command gets every input's lines instead
 * (streammap.h), and the combiner command the task's sorted records
 * (streamcombine.h). With t->nreduce 0 (a map-only job), the records are
 * written as lines of mr-out-X in t->out_dir, in t->output_format, in the
 * order they come (a mapper's lines as it wrote them), and
 * res->output_size and res->output_crc say what it holds. Returns 0, or
 * -1 with e set.
 */
int	maptask_run(const struct mr_app *app, const struct task_spec *t,
	    struct task_result *res, struct err *e);

/*
 * Reduce task: reads mr-0-Y .. mr-(nmap-1)-Y into mr-out-Y (in t->out_dir
 * when set, else in the current folder), grouping in a hash table when
 * they fit in t->memory and by a streaming k-way merge otherwise; on
 * success res->output_size and res->output_crc say what mr-out-Y holds
 * (worker/output.h), written in t->output_format. With t->stream, the
 * reducer command gets the records instead, and its lines are mr-out-Y
 * (streamreduce.h). Returns 0, or -1 with e set; when intermediate files
 * are missing, corrupt or of another job than t->job, res->bad_maps names
 * their map tasks, to be run again.
 */
int	reducetask_run(const struct mr_app *app, const struct task_spec *t,
	    struct task_result *res, struct err *e);

/* Frees what a result holds and zeroes it. */
static inline void
task_result_clear(struct task_result *res)
{
	free(res->bad_maps);
	res->bad_maps = NULL;
	res->nbad = 0;
	res->bytes_out = 0;
	res->bytes_in = 0;
	res->fatal = 0;
	res->changed[0] = '\0';
	res->output_size = 0;
	res->output_crc = 0;
}

#endif
