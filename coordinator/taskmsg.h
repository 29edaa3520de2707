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

#endif
