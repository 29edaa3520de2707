/*
 * maptask.c - one map task: mmap the input, run map, write sorted partitions.
 */
#include "input.h"
#include "mapout.h"
#include "task.h"

int
maptask_run(const struct mr_app *app, uint32_t id, const char *input,
    uint32_t nreduce, struct task_result *res, struct err *e)
{
	struct mapout *mo;
	const char *data;
	size_t len;
	int rc = -1;

	if (input_map(input, &data, &len, e) == -1)
		return -1;
	mo = mapout_new(nreduce);
	if (app->map(mapout_emitter(mo), input, data, len) != 0) {
		err_set(e, "%s: map function of %s failed", input, app->name);
		goto out;
	}
	mapout_sort(mo);
	if (mapout_write(mo, id, app->combine, &res->bytes_out, e) == -1)
		goto out;
	rc = 0;
out:
	mapout_free(mo);
	input_unmap(data, len);
	return rc;
}
