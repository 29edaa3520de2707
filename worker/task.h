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

/* What a task attempt produced, for its report. */
struct task_result {
	uint64_t	 bytes_out;	/* bytes of files written */
	uint32_t	*bad_maps;	/* reduce: map outputs missing or corrupt */
	size_t		 nbad;
};

/*
 * Map task `id` over `input`: writes mr-<id>-0 .. mr-<id>-(nreduce-1).
 * Returns 0, or -1 with e set.
 */
int	maptask_run(const struct mr_app *app, uint32_t id, const char *input,
	    uint32_t nreduce, struct task_result *res, struct err *e);

/*
 * Reduce task for `partition`: merges mr-0-Y .. mr-(nmap-1)-Y into
 * mr-out-Y. Returns 0, or -1 with e set; when intermediate files are
 * missing or corrupt, res->bad_maps names their map tasks.
 */
int	reducetask_run(const struct mr_app *app, uint32_t partition,
	    uint32_t nmap, struct task_result *res, struct err *e);

/* Frees what a result holds and zeroes it. */
static inline void
task_result_clear(struct task_result *res)
{
	free(res->bad_maps);
	res->bad_maps = NULL;
	res->nbad = 0;
	res->bytes_out = 0;
}

#endif
