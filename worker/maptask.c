/*
 * maptask.c - one map task: read each input (or split) of the task piece
 * by piece (one piece unless it is compressed), run map over each piece,
 * write one set of partitions for them all.
 */
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "mapout.h"
#include "sample.h"
#include "sdk.h"
#include "task.h"

/* The last task's output, whose memory the next task reuses. */
static struct mapout *maptask_out;

/* What the guarded call to map needs. */
struct maptask_call {
	const struct mr_app	*app;
	const char		*name;
	struct mapout		*mo;
	const char		*data;
	size_t			 len;
};

static int
maptask_map(void *arg)
{
	struct maptask_call *c = arg;

	return c->app->map(mapout_emitter(c->mo), c->name, c->data, c->len);
}

/*
 * One input of the task: open, map its split with the fault guard armed,
 * verify, close, adding what was read to res. Returns 0, or -1 with e set
 * (res->fatal when no attempt can succeed). After -1 the output mo may be
 * half-built; *drop_out says it must not be reused at all (map was cut
 * short, perhaps inside the output's own code).
 */
static int
maptask_input(const struct mr_app *app, const struct task_spec *t,
    const struct task_input *ti, struct mapout *mo, struct task_result *res,
    int *drop_out, struct err *e)
{
	struct maptask_call call;
	struct input *in;
	size_t used;
	int rc, ran;

	rc = input_open(&in, ti->name, ti->stamp, t->allow_changes, e);
	if (rc != 0) {
		res->fatal = rc == INPUT_CHANGED;
		return -1;
	}
	rc = input_split(in, ti->offset, ti->length, &call.data, &call.len, e);
	if (rc != 0) {
		res->fatal = rc == INPUT_CHANGED;
		rc = -1;
		goto out;
	}
	input_set_piece(in, t->split_size);
	call.app = app;
	call.name = ti->name;
	call.mo = mo;
	ran = 0;
	while (ran == 0 && (rc = input_next(in, &call.data, &call.len, e)) == 1) {
		res->bytes_in += call.len;
		sdk_error_clear();
		sdk_set_input_offset(input_offset(in));
		ran = input_guarded(in, maptask_map, &call, e);
		sdk_set_input_offset(0);
	}
	if (ran < 0) {
		*drop_out = 1;
		res->fatal = ran == INPUT_CHANGED;
		rc = -1;
		goto out;
	}
	if (ran == 0 && rc != 0) {
		res->fatal = INPUT_FATAL(rc);
		rc = -1;
		goto out;
	}
	rc = input_verify(in, e);
	if (rc != 0) {
		res->fatal = rc == INPUT_CHANGED;
		rc = -1;
		goto out;
	}
	rc = -1;
	if (ran == 1) {
		/* A misused counter says more than "map failed". */
		if (sdk_counters_check(e) == -1)
			goto out;
		/* The plugin's own words, else the output's, else ours. */
		if (sdk_error() != NULL)
			err_set(e, "%s: %s", ti->name, sdk_error());
		else if (!mapout_error(mo, e))
			err_set(e, "%s: map function of %s failed", ti->name,
			    app->name);
		goto out;
	}
	if (mapout_error(mo, e) || sdk_counters_check(e) == -1)
		goto out;
	/* A packed task names the input that changed, the first one. */
	used = strlen(res->changed);
	if (*input_changes(in) != '\0' && used == 0)
		snprintf(res->changed, sizeof res->changed, "%s%s%s",
		    t->ninputs > 1 ? ti->name : "", t->ninputs > 1 ? ": " : "",
		    input_changes(in));
	rc = 0;
out:
	input_close(in);
	return rc;
}

int
maptask_run(const struct mr_app *app, const struct task_spec *t,
    struct task_result *res, struct err *e)
{
	struct task_input one;
	const struct task_input *inputs = t->inputs;
	size_t n = t->ninputs;
	struct mapout *mo;
	int drop = 0;

	if (n == 0) {
		one.name = t->input;
		one.offset = t->offset;
		one.length = t->length;
		one.stamp = t->stamp;
		inputs = &one;
		n = 1;
	}
	/* Before any record: a total order's split points, the job's. */
	if (app->partition == mr_partition_total_order && t->nreduce > 1) {
		struct sample_job sj = { t->job, t->nreduce, t->sample,
		    t->nsample, t->allow_changes };

		if (sample_ensure(app, &sj, e) == -1)
			return -1;
	}
	mo = maptask_out = mapout_renew(maptask_out, t->nreduce, app->combine,
	    t->memory);
	mapout_set_job(mo, t->job);
	mapout_set_partition(mo, app->partition);
	res->bytes_in = 0;
	res->changed[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (maptask_input(app, t, &inputs[i], mo, res, &drop, e) == -1) {
			if (drop) {
				/* Start the next task with a fresh output. */
				mapout_free(maptask_out);
				maptask_out = NULL;
			}
			return -1;
		}
	}
	return mapout_write(mo, t->id, app->combine, &res->bytes_out, e);
}
