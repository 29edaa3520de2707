/*
 * attempt.c - a map or reduce task run from its Task message, and the
 * report it makes (see attempt.h).
 */
#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "child.h"
#include "frame.h"
#include "log.h"
#include "sdk.h"
#include "streaming.h"
#include "task.h"
#include "taskstatus.h"
#include "welcome.h"

/*
 * The inputs of a map task, as maptask_run() takes them (names stay the
 * message's). A task listing none is the coordinator's mistake: refused.
 */
static int
attempt_map_inputs(const Mr__MapTask *m, struct task_input **inputs,
    struct stamp **stamps, struct err *e)
{
	struct task_input *in;
	struct stamp *st;

	if (m->n_inputs == 0) {
		err_set(e, "map task %u lists no input", m->id);
		return -1;
	}
	in = *inputs = xcalloc(m->n_inputs, sizeof *in);
	st = *stamps = xcalloc(m->n_inputs, sizeof *st);
	for (size_t i = 0; i < m->n_inputs; i++) {
		const Mr__MapInput *mi = m->inputs[i];

		in[i].name = mi->name;
		in[i].offset = mi->offset;
		in[i].length = mi->length;
		if (mi->stamp != NULL) {
			st[i].size = mi->stamp->size;
			st[i].mtime_ns = mi->stamp->mtime_ns;
			st[i].ino = mi->stamp->inode;
			st[i].dev = mi->stamp->device;
			in[i].stamp = &st[i];
		}
	}
	return 0;
}

int
attempt_run(const struct attempt_conf *c, const Mr__Task *task,
    struct buf *out, struct err *ep)
{
	struct task_spec spec;
	struct task_input *inputs = NULL;
	struct stamp *stamps = NULL;
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskDone done = MR__TASK_DONE__INIT;
	Mr__TaskFailed failed = MR__TASK_FAILED__INIT;
	Mr__Counter counter[MR_COUNTERS_MAX], *counterp[MR_COUNTERS_MAX];
	struct task_result res = { 0 };
	struct err e;
	const char *name;
	int rc;

	sdk_counters_reset();
	taskstatus_init(child_report_fd(), task->attempt, task->incarnation);
	memset(&spec, 0, sizeof spec);
	spec.memory = c->memory;
	spec.job = c->job;
	spec.stream = c->stream;
	spec.attempt = task->attempt;
	spec.attempt_index = task->attempt_index;
	spec.out_dir = c->out_dir;
	spec.output_format = welcome_output_format();
	spec.params = welcome_params(&spec.nparams);
	if (task->kind_case == MR__TASK__KIND_MAP) {
		log_debug("attempt %llu: map task %u (%zu inputs)",
		    (unsigned long long)task->attempt, task->map->id,
		    task->map->n_inputs);
		spec.id = task->map->id;
		spec.split_size = task->map->split_size;
		spec.nreduce = task->map->n_reduce;
		spec.allow_changes = task->map->allow_changes;
		spec.sample = welcome_sample(&spec.nsample);
		if (c->init_err != NULL) {
			e = *c->init_err;
			rc = -1;
		} else if (attempt_map_inputs(task->map, &inputs, &stamps,
		    &e) == -1)
			rc = -1;
		else if (c->stream != NULL && c->stream->map_only &&
		    spec.nreduce > 0) {
			err_set(&e, "the job has %u reduce tasks, but this worker "
			    "runs a map-only job (--reducer NONE): give the "
			    "coordinator --reduces 0 (or --reducer NONE) too",
			    spec.nreduce);
			rc = -1;
		} else {
			spec.inputs = inputs;
			spec.ninputs = task->map->n_inputs;
			rc = maptask_run(c->app, &spec, &res, &e);
		}
	} else {
		log_debug("attempt %llu: reduce task %u",
		    (unsigned long long)task->attempt,
		    task->reduce->partition);
		spec.id = task->reduce->partition;
		spec.nmap = task->reduce->n_map;
		if (c->init_err != NULL) {
			e = *c->init_err;
			rc = -1;
		} else if (c->stream != NULL && c->stream->map_only) {
			err_set(&e, "reduce task %u, but this worker runs a "
			    "map-only job (--reducer NONE): it has no reducer",
			    spec.id);
			rc = -1;
		} else
			rc = reducetask_run(c->app, &spec, &res, &e);
	}
	/* A combiner run while writing may have misused them too. */
	if (rc == 0 && sdk_counters_check(&e) == -1)
		rc = -1;
	/* The last status line goes before the report. */
	taskstatus_flush();
	if (rc == 0) {
		done.attempt = task->attempt;
		done.incarnation = task->incarnation;
		done.bytes_out = res.bytes_out;
		done.bytes_in = res.bytes_in;
		done.input_changed = res.changed;
		done.output_size = res.output_size;
		done.output_crc = res.output_crc;
		done.n_counters = sdk_counters_count();
		for (size_t i = 0; i < done.n_counters; i++) {
			mr__counter__init(&counter[i]);
			sdk_counters_get(i, &name, &counter[i].value);
			counter[i].name = (char *)name;
			counterp[i] = &counter[i];
		}
		done.counters = counterp;
		env.msg_case = MR__ENVELOPE__MSG_DONE;
		env.done = &done;
	} else {
		log_warn("attempt %llu failed: %s",
		    (unsigned long long)task->attempt, e.msg);
		failed.attempt = task->attempt;
		failed.incarnation = task->incarnation;
		failed.error = e.msg;
		failed.bad_maps = res.bad_maps;
		failed.n_bad_maps = res.nbad;
		failed.job_fatal = res.fatal;
		env.msg_case = MR__ENVELOPE__MSG_FAILED;
		env.failed = &failed;
	}
	rc = frame_pack(out, &env, ep);
	task_result_clear(&res);
	free(inputs);
	free(stamps);
	return rc;
}

int
attempt_failed(const Mr__Task *task, const char *why, struct buf *out,
    struct err *e)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskFailed failed = MR__TASK_FAILED__INIT;

	failed.attempt = task->attempt;
	failed.incarnation = task->incarnation;
	failed.error = (char *)why;
	env.msg_case = MR__ENVELOPE__MSG_FAILED;
	env.failed = &failed;
	return frame_pack(out, &env, e);
}
