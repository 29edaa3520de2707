/*
 * maptask.c - one map task: read the input split, run map, write partitions.
 */
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "mapout.h"
#include "sdk.h"
#include "task.h"

/* The last task's output, whose memory the next task reuses. */
static struct mapout *maptask_out;

/* What the guarded call to map needs. */
struct maptask_call {
	const struct mr_app	*app;
	const struct task_spec	*t;
	struct mapout		*mo;
	const char		*data;
	size_t			 len;
};

static int
maptask_map(void *arg)
{
	struct maptask_call *c = arg;

	return c->app->map(mapout_emitter(c->mo), c->t->input, c->data, c->len);
}

int
maptask_run(const struct mr_app *app, const struct task_spec *t,
    struct task_result *res, struct err *e)
{
	struct maptask_call call;
	struct input *in;
	struct mapout *mo;
	int rc, ran;

	rc = input_open(&in, t->input, t->stamp, t->allow_changes, e);
	if (rc != 0) {
		res->fatal = rc == INPUT_CHANGED;
		return -1;
	}
	rc = input_split(in, t->offset, t->length, &call.data, &call.len, e);
	if (rc != 0) {
		res->fatal = rc == INPUT_CHANGED;
		rc = -1;
		goto out;
	}
	mo = maptask_out = mapout_renew(maptask_out, t->nreduce, app->combine,
	    t->memory);
	mapout_set_job(mo, t->job);
	res->bytes_in = call.len;
	call.app = app;
	call.t = t;
	call.mo = mo;
	ran = input_guarded(in, maptask_map, &call, e);
	if (ran < 0) {
		/*
		 * Map was cut short anywhere, perhaps inside the output's own
		 * code: start the next task with a fresh one.
		 */
		mapout_free(maptask_out);
		maptask_out = NULL;
		res->fatal = ran == INPUT_CHANGED;
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
		if (!mapout_error(mo, e))
			err_set(e, "%s: map function of %s failed", t->input,
			    app->name);
		goto out;
	}
	if (mapout_error(mo, e) || sdk_counters_check(e) == -1)
		goto out;
	if (mapout_write(mo, t->id, app->combine, &res->bytes_out, e) == -1)
		goto out;
	snprintf(res->changed, sizeof res->changed, "%s", input_changes(in));
	rc = 0;
out:
	input_close(in);
	return rc;
}
