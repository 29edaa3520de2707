/*
 * welcome.h - what a worker keeps of its coordinator's Welcome for its
 * plugin and its tasks: the job's parameters (for mr_param()), the output
 * format, and the pieces a total order samples (sample.h). Checked as the
 * command line is (a parameter breaking a rule of mr_param() is refused),
 * copied, held until the worker exits.
 */
#ifndef MR_WELCOME_H
#define MR_WELCOME_H

#include <stddef.h>

#include "err.h"
#include "mr.pb-c.h"
#include "sample.h"

/*
 * Takes what Welcome w says (w stays the caller's) and hands the
 * parameters to the SDK. Returns 0, or -1 with e saying what is wrong.
 */
int	welcome_take(const Mr__Welcome *w, struct err *e);

/* The job's output format (enum outfmt). */
int	welcome_output_format(void);

/*
 * The job's parameters as NAME, VALUE pairs in name order, *n pairs, for
 * a streaming job's environment (streaming.h); none: *n is 0.
 */
const char *const *welcome_params(size_t *n);

/* The pieces to sample for a total order, *n of them (none: NULL, 0). */
const struct sample_piece *welcome_sample(size_t *n);

/* Frees it all. */
void	welcome_free(void);

#endif
