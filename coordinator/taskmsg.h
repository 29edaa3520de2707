/*
 * taskmsg.h - the MapTask message of a lease: what a worker is told to
 * read, every input of the task with its split and stamp.
 */
#ifndef MR_TASKMSG_H
#define MR_TASKMSG_H

#include "mr.pb-c.h"
#include "tasks.h"

/* A MapTask and the arrays it points to, all its own. */
struct taskmsg {
	Mr__MapTask	  map;
	Mr__MapInput	 *inputs;
	Mr__MapInput	**pinputs;
	Mr__InputStamp	 *stamps;
};

/*
 * Fills m->map for the map lease l. The names are l's (they live as long
 * as the tasks); the rest is m's until taskmsg_clear().
 */
void	taskmsg_map(struct taskmsg *m, const struct lease *l,
	    int allow_changes);

/* Frees what taskmsg_map() allocated. */
void	taskmsg_clear(struct taskmsg *m);

struct params;

/* The job's settings in a Welcome, and what they point to. */
struct taskmsg_welcome {
	Mr__Param	 *params;
	Mr__Param	**pparams;
	struct taskmsg	  sample;
};

/*
 * Fills w's parameters (ps, in name order), output format (its name, or
 * nothing for the default) and, when nsample > 0, the pieces to sample for
 * a total order. The strings stay the callers'; the rest is m's until
 * taskmsg_welcome_clear().
 */
void	taskmsg_welcome(struct taskmsg_welcome *m, Mr__Welcome *w,
	    const struct params *ps, int output_format,
	    const struct tasks_input *sample, size_t nsample);
void	taskmsg_welcome_clear(struct taskmsg_welcome *m);

#endif
