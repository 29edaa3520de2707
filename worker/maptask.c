/*
 * maptask.c - one map task: mmap the input split, run map, write partitions.
 */
#include <string.h>

#include "input.h"
#include "mapout.h"
#include "sdk.h"
#include "task.h"

/*
 * Narrows [*start, *end) of data[0..len) to whole lines: skips the line in
 * progress at the start (it belongs to the split before) and finishes the
 * line in progress at the end.
 */
static void
maptask_lines(const char *data, size_t len, size_t *start, size_t *end)
{
	const char *nl;

	if (*start > 0) {
		nl = memchr(data + *start - 1, '\n', len - (*start - 1));
		*start = nl != NULL ? (size_t)(nl - data) + 1 : len;
	}
	if (*end < len) {
		nl = memchr(data + *end - 1, '\n', len - (*end - 1));
		*end = nl != NULL ? (size_t)(nl - data) + 1 : len;
	}
	if (*end < *start)
		*end = *start;
}

/* The last task's output, whose memory the next task reuses. */
static struct mapout *maptask_out;

int
maptask_run(const struct mr_app *app, const struct task_spec *t,
    struct task_result *res, struct err *e)
{
	struct mapout *mo;
	const char *data;
	size_t len, start, end;
	int rc = -1;

	if (input_map(t->input, &data, &len, e) == -1)
		return -1;
	start = t->offset < len ? t->offset : len;
	end = t->length == 0 || t->offset + t->length > len ? len :
	    t->offset + t->length;
	maptask_lines(data, len, &start, &end);
	input_advise(data, len, start, end);
	mo = maptask_out = mapout_renew(maptask_out, t->nreduce, app->combine,
	    t->memory);
	mapout_set_job(mo, t->job);
	res->bytes_in = end - start;
	if (app->map(mapout_emitter(mo), t->input, len > 0 ? data + start : data,
	    end - start) != 0) {
		/* A misused counter says more than "map failed". */
		if (sdk_counters_check(e) == -1)
			goto out;
		if (!mapout_error(mo, e))
			err_set(e, "%s: map function of %s failed", t->input,
			    app->name);
		goto out;
	}
	if (mapout_error(mo, e) || sdk_counters_check(e) == -1)
		goto out;
	if (mapout_write(mo, t->id, app->combine, &res->bytes_out, e) == -1)
		goto out;
	rc = 0;
out:
	input_unmap(data, len);
	return rc;
}
