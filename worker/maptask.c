/*
 * maptask.c - one map task: read each input (or split) of the task piece
 * by piece (one piece unless it is compressed), run map over each piece
 * (the plugin's function, or a streaming job's mapper command), write one
 * set of partitions for them all, or the task's output in a map-only job.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "input.h"
#include "jobfiles.h"
#include "mapout.h"
#include "output.h"
#include "sample.h"
#include "sdk.h"
#include "streamcombine.h"
#include "streammap.h"
#include "task.h"

/* The last task's output, whose memory the next task reuses. */
static struct mapout *maptask_out;

/* Where a task's records go, and what makes them. */
struct maptask_sink {
	const struct mr_app	*app;
	struct mapout		*mo;	/* the partitions, or NULL ... */
	struct output		*out;	/* ... mr-out-X of a map-only job */
	struct streammap	*sm;	/* a streaming job's mapper, or NULL */
	mr_emitter		*em;	/* the plugin's map emits here */
};

/* What the guarded call to map needs. */
struct maptask_call {
	struct maptask_sink	*sink;
	const char		*name;
	const char		*data;
	size_t			 len;
	struct err		 err;	/* the mapper's failure */
};

static int
maptask_map(void *arg)
{
	struct maptask_call *c = arg;
	struct maptask_sink *k = c->sink;

	if (k->sm != NULL)
		return streammap_feed(k->sm, c->data, c->len, &c->err);
	return k->app->map(k->em, c->name, c->data, c->len);
}

/* Why storing a record failed: 1 with e set, else 0. */
static int
maptask_sink_error(const struct maptask_sink *k, struct err *e)
{
	return k->mo != NULL ? mapout_error(k->mo, e) :
	    output_failed(k->out, e);
}

/*
 * One input of the task: open, map its split with the fault guard armed,
 * verify, close, adding what was read to res. Returns 0, or -1 with e set
 * (res->fatal when no attempt can succeed). After -1 the output may be
 * half-built; *drop_out says it must not be reused at all (map was cut
 * short, perhaps inside the output's own code).
 */
static int
maptask_input(struct maptask_sink *k, const struct task_spec *t,
    const struct task_input *ti, struct task_result *res, int *drop_out,
    struct err *e)
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
	call.sink = k;
	call.name = ti->name;
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
	if (ran == 0 && k->sm != NULL &&
	    streammap_end_input(k->sm, &call.err) == -1)
		ran = 1;
	if (ran == 1) {
		/* A misused counter says more than "map failed". */
		if (sdk_counters_check(e) == -1)
			goto out;
		/* The command's words, the plugin's, the output's, else ours. */
		if (k->sm != NULL)
			err_set(e, "%s: %s", ti->name, call.err.msg);
		else if (sdk_error() != NULL)
			err_set(e, "%s: %s", ti->name, sdk_error());
		else if (!maptask_sink_error(k, e))
			err_set(e, "%s: map function of %s failed", ti->name,
			    k->app->name);
		goto out;
	}
	if (maptask_sink_error(k, e) || sdk_counters_check(e) == -1)
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

/*
 * What the commands' environment says of the task: its first input's
 * name and planned split (a length of 0 is to the end of the file).
 */
static void
maptask_stream_task(const struct task_spec *t, const struct task_input *in,
    struct streaming_task *st)
{
	struct stat sb;
	uint64_t size = 0;

	memset(st, 0, sizeof *st);
	st->job = t->job;
	st->map = 1;
	st->id = t->id;
	st->attempt = t->attempt;
	st->attempt_index = t->attempt_index;
	st->params = t->params;
	st->nparams = t->nparams;
	st->input = in->name;
	st->start = in->offset;
	st->length = in->length;
	if (st->length == 0) {
		if (in->stamp != NULL)
			size = in->stamp->size;
		else if (stat(in->name, &sb) == 0)
			size = (uint64_t)sb.st_size;
		st->length = size > in->offset ? size - in->offset : 0;
	}
}

/* mr-out-X of a map-only job, in t->out_dir. */
static struct output *
maptask_open_output(const struct task_spec *t, struct err *e)
{
	char name[JOBFILES_PATH_MAX];

	if (jobfiles_output(name, sizeof name, t->out_dir, t->id) == -1) {
		err_set(e, "%s: folder name too long", t->out_dir);
		return NULL;
	}
	return output_open(name, (enum outfmt)t->output_format, e);
}

int
maptask_run(const struct mr_app *app, const struct task_spec *t,
    struct task_result *res, struct err *e)
{
	struct task_input one;
	const struct task_input *inputs = t->inputs;
	size_t n = t->ninputs;
	struct maptask_sink k;
	struct streaming_task st;
	int drop = 0, rc = -1;

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
	memset(&k, 0, sizeof k);
	memset(&st, 0, sizeof st);
	k.app = app;
	if (t->nreduce == 0) {
		if ((k.out = maptask_open_output(t, e)) == NULL)
			return -1;
		k.em = output_emitter(k.out);
	} else {
		k.mo = maptask_out = mapout_renew(maptask_out, t->nreduce,
		    app->combine, t->memory);
		mapout_set_job(k.mo, t->job);
		mapout_set_partition(k.mo, app->partition);
		k.em = mapout_emitter(k.mo);
	}
	if (t->stream != NULL) {
		maptask_stream_task(t, &inputs[0], &st);
		if ((k.sm = streammap_start(t->stream, &st, k.mo, k.out,
		    e)) == NULL)
			goto fail;
	}
	res->bytes_in = 0;
	res->changed[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (maptask_input(&k, t, &inputs[i], res, &drop, e) == -1)
			goto fail;
	if (k.sm != NULL) {
		rc = streammap_finish(k.sm, e);
		k.sm = NULL;
		/* The mapper saw every input: the task's, as a plugin's say. */
		if (rc == -1 && n == 1)
			err_prefix(e, "%s", inputs[0].name);
		else if (rc == -1)
			err_prefix(e, "%s and %zu more inputs", inputs[0].name,
			    n - 1);
		if (rc == -1 || sdk_counters_check(e) == -1)
			goto fail;
	}
	if (k.out != NULL) {
		rc = output_commit(k.out, &res->bytes_out, &res->output_crc, e);
		res->output_size = res->bytes_out;
		return rc;
	}
	if (t->stream != NULL && t->stream->combiner != NULL)
		return streamcombine_write(t->stream, &st, k.mo, t->id,
		    t->memory, t->job, &res->bytes_out, e);
	return mapout_write(k.mo, t->id, app->combine, &res->bytes_out, e);

fail:
	streammap_abort(k.sm);
	output_abort(k.out);
	if (drop && k.mo != NULL) {
		/* Start the next task with a fresh output. */
		mapout_free(maptask_out);
		maptask_out = NULL;
	}
	return -1;
}
