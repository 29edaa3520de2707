/*
 * params.h - a job's parameters: the -D NAME=VALUE of mrcoordinator, mrrun
 * and mrsequential, which plugins read with mr_param() (mapreduce.h).
 *
 * A set holds at most MR_PARAMS_MAX parameters, in name order, each name
 * given once; every bound is checked before anything is allocated, so a
 * command line or a message cannot make a set grow past them. The same
 * checks serve the command line and a worker's Welcome.
 */
#ifndef MR_PARAMS_H
#define MR_PARAMS_H

#include <stddef.h>

#include "err.h"
#include "mapreduce.h"

struct params;

/* An empty set. */
struct params	*params_new(void);

/*
 * Adds the parameter in `arg`, the text of one -D: "NAME=VALUE" (VALUE may
 * be empty). Returns 0, or -1 with e naming the culprit ("-D 'a b=1': a
 * name is 1 to 63 letters, digits, '.', '_' or '-'") when it has no '=',
 * the name or the value breaks the rules of mr_param(), the name was
 * given already, or the set is full. Nothing is added then.
 */
int	params_add_arg(struct params *ps, const char *arg, struct err *e);

/* The same with the name and the value apart (NUL-terminated). */
int	params_add(struct params *ps, const char *name, const char *value,
	    struct err *e);

/* Whether `name` is a valid parameter name. */
int	params_name_ok(const char *name);

/* Number of parameters, and the i-th in name order (owned by ps). */
size_t	params_count(const struct params *ps);
void	params_get(const struct params *ps, size_t i, const char **name,
	    const char **value);

/* The value of `name`, or NULL when it is not in the set (or ps is NULL). */
const char *params_lookup(const struct params *ps, const char *name);

/* Frees the set; NULL is fine. */
void	params_free(struct params *ps);

#endif
