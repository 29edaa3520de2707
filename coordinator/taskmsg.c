/*
 * taskmsg.c - a map lease as the MapTask message a worker is sent.
 */
#include <stdlib.h>

#include "log.h"
#include "taskmsg.h"

void
taskmsg_map(struct taskmsg *m, const struct lease *l, int allow_changes)
{
	Mr__MapTask init = MR__MAP_TASK__INIT;
	uint32_t n = l->ninputs;

	m->map = init;
	m->inputs = xcalloc(n, sizeof *m->inputs);
	m->pinputs = xcalloc(n, sizeof *m->pinputs);
	m->stamps = xcalloc(n, sizeof *m->stamps);
	for (uint32_t i = 0; i < n; i++) {
		const struct tasks_input *in = &l->inputs[i];

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
