/*
 * taskmsg.c - a map lease as the MapTask message a worker is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outfmt.h"
#include "params.h"
#include "taskmsg.h"

/* m's inputs from the n inputs `ins`. */
static void
taskmsg_inputs(struct taskmsg *m, const struct tasks_input *ins, uint32_t n)
{
	m->inputs = xcalloc(n, sizeof *m->inputs);
	m->pinputs = xcalloc(n, sizeof *m->pinputs);
	m->stamps = xcalloc(n, sizeof *m->stamps);
	for (uint32_t i = 0; i < n; i++) {
		const struct tasks_input *in = &ins[i];

		mr__map_input__init(&m->inputs[i]);
		m->inputs[i].name = (char *)in->name;
		m->inputs[i].offset = in->offset;
		m->inputs[i].length = in->length;
		if (in->stamp != NULL) {
			mr__input_stamp__init(&m->stamps[i]);
			m->stamps[i].size = in->stamp->size;
			m->stamps[i].mtime_ns = in->stamp->mtime_ns;
			m->stamps[i].inode = in->stamp->ino;
			m->stamps[i].device = in->stamp->dev;
			m->inputs[i].stamp = &m->stamps[i];
		}
		m->pinputs[i] = &m->inputs[i];
	}
}

void
taskmsg_map(struct taskmsg *m, const struct lease *l, int allow_changes)
{
	Mr__MapTask init = MR__MAP_TASK__INIT;
	uint32_t n = l->ninputs;

	m->map = init;
	taskmsg_inputs(m, l->inputs, n);
	m->map.id = l->id;
	m->map.n_reduce = l->nreduce;
	m->map.allow_changes = allow_changes;
	m->map.n_inputs = n;
	m->map.inputs = m->pinputs;
}

void
taskmsg_clear(struct taskmsg *m)
{
	free(m->inputs);
	free(m->pinputs);
	free(m->stamps);
	m->inputs = NULL;
	m->pinputs = NULL;
	m->stamps = NULL;
}

void
taskmsg_welcome(struct taskmsg_welcome *m, Mr__Welcome *w,
    const struct params *ps, int output_format,
    const struct tasks_input *sample, size_t nsample)
{
	size_t n = params_count(ps);
	const char *name, *value;

	memset(m, 0, sizeof *m);
	m->params = xcalloc(n + 1, sizeof *m->params);
	m->pparams = xcalloc(n + 1, sizeof *m->pparams);
	for (size_t i = 0; i < n; i++) {
		params_get(ps, i, &name, &value);
		mr__param__init(&m->params[i]);
		m->params[i].name = (char *)name;
		m->params[i].value = (char *)value;
		m->pparams[i] = &m->params[i];
	}
	w->n_params = n;
	w->params = m->pparams;
	/* Empty for the default, as a coordinator of an older build sends. */
	if (output_format != OUTFMT_DEFAULT)
		w->output_format = (char *)outfmt_name(output_format);
	if (nsample > 0) {
		taskmsg_inputs(&m->sample, sample, (uint32_t)nsample);
		w->n_sample = nsample;
		w->sample = m->sample.pinputs;
	}
}

void
taskmsg_welcome_clear(struct taskmsg_welcome *m)
{
	free(m->params);
	free(m->pparams);
	taskmsg_clear(&m->sample);
}
