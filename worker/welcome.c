/*
 * welcome.c - the Welcome's job settings, kept for the plugin and the
 * tasks (see welcome.h).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outfmt.h"
#include "params.h"
#include "sdk.h"
#include "stamp.h"
#include "welcome.h"

static struct {
	struct params		*params;
	const char		**pairs;	/* NAME, VALUE, ... of params */
	int			 format;
	struct sample_piece	*sample;
	struct stamp		*stamps;
	char			**names;
	size_t			 nsample;
} welcome;

int
welcome_take(const Mr__Welcome *w, struct err *e)
{
	enum outfmt f = OUTFMT_DEFAULT;

	welcome_free();
	if (w->output_format != NULL && *w->output_format != '\0' &&
	    outfmt_parse(w->output_format, &f) == -1) {
		err_set(e, "the coordinator asks for output format '%.32s', "
		    "which this worker does not know", w->output_format);
		return -1;
	}
	welcome.format = (int)f;
	if (w->n_params > MR_PARAMS_MAX) {
		err_set(e, "the coordinator sent %zu parameters, more than %d",
		    w->n_params, MR_PARAMS_MAX);
		return -1;
	}
	welcome.params = params_new();
	for (size_t i = 0; i < w->n_params; i++)
		if (params_add(welcome.params, w->params[i]->name,
		    w->params[i]->value, e) == -1) {
			err_prefix(e, "the coordinator's parameters");
			return -1;
		}
	sdk_set_params(welcome.params);
	welcome.pairs = xcalloc(2 * w->n_params + 1, sizeof *welcome.pairs);
	for (size_t i = 0; i < params_count(welcome.params); i++)
		params_get(welcome.params, i, &welcome.pairs[2 * i],
		    &welcome.pairs[2 * i + 1]);
	if (w->n_sample == 0)
		return 0;
	welcome.nsample = w->n_sample;
	welcome.sample = xcalloc(w->n_sample, sizeof *welcome.sample);
	welcome.stamps = xcalloc(w->n_sample, sizeof *welcome.stamps);
	welcome.names = xcalloc(w->n_sample, sizeof *welcome.names);
	for (size_t i = 0; i < w->n_sample; i++) {
		const Mr__MapInput *mi = w->sample[i];
		struct sample_piece *sp = &welcome.sample[i];

		welcome.names[i] = xstrdup(mi->name != NULL ? mi->name : "");
		sp->name = welcome.names[i];
		sp->offset = mi->offset;
		sp->length = mi->length;
		if (mi->stamp != NULL) {
			welcome.stamps[i].size = mi->stamp->size;
			welcome.stamps[i].mtime_ns = mi->stamp->mtime_ns;
			welcome.stamps[i].ino = mi->stamp->inode;
			welcome.stamps[i].dev = mi->stamp->device;
			sp->stamp = &welcome.stamps[i];
		}
	}
	return 0;
}

int
welcome_output_format(void)
{
	return welcome.format;
}

const char *const *
welcome_params(size_t *n)
{
	*n = params_count(welcome.params);
	return welcome.pairs;
}

const struct sample_piece *
welcome_sample(size_t *n)
{
	*n = welcome.nsample;
	return welcome.sample;
}

void
welcome_free(void)
{
	sdk_set_params(NULL);
	params_free(welcome.params);
	free(welcome.pairs);
	for (size_t i = 0; i < welcome.nsample; i++)
		free(welcome.names[i]);
	free(welcome.names);
	free(welcome.sample);
	free(welcome.stamps);
	memset(&welcome, 0, sizeof welcome);
}
