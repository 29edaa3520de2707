/*
 * plan.c - splitting large inputs and packing small ones into map tasks
 * (see plan.h).
 *
 * Two passes: the first makes "pieces" (a whole input, or a split of a
 * large one) and adds up the cost of the packable ones, which sets the
 * target; the second walks the pieces in order, closing a task when the
 * next packable piece would pass the target or a bound. A split is always
 * a task of its own: it is already as large as a task should be.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "codec.h"
#include "plan.h"
#include "split.h"

struct plan {
	struct tasks_input *inputs;	/* every piece, in task order */
	size_t		 ninputs;
	struct tasks_map *maps;
	uint32_t	 nmaps;
};

/* Splits of input i: 1 when it is not cut (a compressed input never is). */
static uint64_t
plan_nsplits(const char *name, const struct stamp *st, uint64_t split_size)
{
	if (codec_of_name(name) != CODEC_NONE)
		return 1;
	return split_count(st->size, split_size);
}

/* Bytes a piece reads, as planned (the last split runs to the end). */
static uint64_t
plan_piece_bytes(const struct tasks_input *in)
{
	if (in->length != 0)
		return in->length;
	return in->stamp->size > in->offset ? in->stamp->size - in->offset : 0;
}

static void
plan_push_map(struct plan *p, size_t *cap, size_t first, size_t count,
    uint64_t bytes)
{
	if (p->nmaps == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 64;
		p->maps = xrealloc(p->maps, *cap * sizeof *p->maps);
	}
	p->maps[p->nmaps].inputs = &p->inputs[first];
	p->maps[p->nmaps].ninputs = (uint32_t)count;
	p->maps[p->nmaps].bytes = bytes;
	p->nmaps++;
}

struct plan *
plan_new(char *const *names, const struct stamp *stamps, size_t n,
    const struct plan_config *cfg, struct err *e)
{
	struct plan *p = xcalloc(1, sizeof *p);
	uint64_t total = 0, target, cost, cur_cost = 0, cur_bytes = 0;
	size_t cap = 0, first = 0, count = 0, names_len = 0, npackable = 0;
	uint64_t npieces = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t k = plan_nsplits(names[i], &stamps[i],
		    cfg->split_size);

		if (k > UINT32_MAX / 2 - npieces) {
			err_set(e, "too many map tasks; use a larger "
			    "--split-size");
			free(p);
			return NULL;
		}
		npieces += k;
		if (k == 1) {
			total += stamps[i].size + cfg->open_cost;
			npackable++;
		}
	}
	p->inputs = xcalloc(npieces != 0 ? npieces : 1, sizeof *p->inputs);
	for (size_t i = 0; i < n; i++) {
		uint64_t k = plan_nsplits(names[i], &stamps[i],
		    cfg->split_size);

		for (uint64_t j = 0; j < k; j++) {
			struct tasks_input *in = &p->inputs[p->ninputs++];

			in->name = names[i];
			in->offset = k == 1 ? 0 : j * cfg->split_size;
			in->length = j + 1 < k ? cfg->split_size : 0;
			in->stamp = &stamps[i];
		}
	}

	target = total / PLAN_MIN_TASKS;
	if (target < cfg->open_cost)
		target = cfg->open_cost;
	if (target > cfg->split_size)
		target = cfg->split_size;
	/* So few inputs that each keeps a task, as the lab's jobs expect. */
	if (npackable <= PLAN_MIN_TASKS)
		target = 0;

	for (size_t i = 0; i < p->ninputs; i++) {
		const struct tasks_input *in = &p->inputs[i];
		int whole = in->offset == 0 && in->length == 0;
		size_t len = strlen(in->name) + 1;

		cost = plan_piece_bytes(in) + cfg->open_cost;
		if (count > 0 && (!whole || cur_cost + cost > target ||
		    count == PLAN_PACK_INPUTS_MAX ||
		    names_len + len > PLAN_PACK_NAMES_MAX)) {
			plan_push_map(p, &cap, first, count, cur_bytes);
			count = 0;
		}
		if (count == 0) {
			first = i;
			cur_cost = cur_bytes = 0;
			names_len = 0;
		}
		count++;
		cur_cost += cost;
		cur_bytes += plan_piece_bytes(in);
		names_len += len;
		/* A split is a task of its own: close it at once. */
		if (!whole) {
			plan_push_map(p, &cap, first, count, cur_bytes);
			count = 0;
		}
	}
	if (count > 0)
		plan_push_map(p, &cap, first, count, cur_bytes);
	return p;
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	free(p->inputs);
	free(p->maps);
	free(p);
}

const struct tasks_map *
plan_maps(const struct plan *p)
{
	return p->maps;
}

uint32_t
plan_nmaps(const struct plan *p)
{
	return p->nmaps;
}

size_t
plan_sample(const struct plan *p, struct tasks_input *out)
{
	uint64_t total = 0, len, start = 0, pos, bytes;
	size_t n = 0, i = 0;
	unsigned npts = PLAN_SAMPLE_PIECES;

	for (size_t k = 0; k < p->ninputs; k++)
		total += plan_piece_bytes(&p->inputs[k]);
	if (total == 0)
		return 0;
	if (total < npts)
		npts = (unsigned)total;
	len = total / npts;
	if (len > PLAN_SAMPLE_BYTES)
		len = PLAN_SAMPLE_BYTES;
	for (unsigned k = 0; k < npts; k++) {
		const struct tasks_input *in;

		pos = (uint64_t)((unsigned __int128)k * total / npts);
		/* The piece holding byte pos: they are walked once, in order. */
		while (start + plan_piece_bytes(&p->inputs[i]) <= pos) {
			start += plan_piece_bytes(&p->inputs[i]);
			i++;
		}
		in = &p->inputs[i];
		if (codec_of_name(in->name) != CODEC_NONE) {
			if (n > 0 && out[n - 1].name == in->name) {
				out[n - 1].length += len;
				continue;
			}
			out[n].name = in->name;
			out[n].offset = 0;
			out[n].length = len;
		} else {
			/* A split's input goes on after it: cut at its end. */
			out[n].name = in->name;
			out[n].offset = in->offset + (pos - start);
			bytes = in->stamp->size - out[n].offset;
			out[n].length = bytes < len ? bytes : len;
		}
		out[n].stamp = in->stamp;
		n++;
	}
	return n;
}
