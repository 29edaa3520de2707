/*
 * mapout.c - a map task's output (see mapout.h): its records held in a
 * map table (maptable.h), the runs it spills when the table is full
 * (spill.h), and the partition files it ends in (partwrite.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "groups.h"
#include "jobfiles.h"
#include "kvfile.h"
#include "log.h"
#include "mapout.h"
#include "maptable.h"
#include "partwrite.h"
#include "spill.h"

struct mapout {
	struct maptable	*table;
	struct spill	*spill;
	uint32_t	 nparts;
	mr_reduce_fn	 combine;	/* folds records in memory and in runs */
	size_t		 budget;
	uint64_t	 job;		/* written in every file (kvfile.h) */
};

/* The table is full: what it holds becomes one more run. */
static int
mapout_full(void *arg, struct maptable *t, struct err *e)
{
	struct mapout *mo = arg;

	return spill_add(mo->spill, t, mo->combine, e);
}

struct mapout *
mapout_new(uint32_t nparts)
{
	return mapout_new_bounded(nparts, NULL, SIZE_MAX);
}

struct mapout *
mapout_new_bounded(uint32_t nparts, mr_reduce_fn combine, size_t budget)
{
	struct mapout *mo = xcalloc(1, sizeof *mo);

	mo->nparts = nparts;
	mo->combine = combine;
	mo->budget = budget;
	mo->table = maptable_new(nparts, combine, budget, mapout_full, mo);
	mo->spill = spill_new(nparts);
	return mo;
}

struct mapout *
mapout_renew(struct mapout *old, uint32_t nparts, mr_reduce_fn combine,
    size_t budget)
{
	if (old == NULL || old->nparts != nparts || old->combine != combine ||
	    old->budget != budget) {
		mapout_free(old);
		return mapout_new_bounded(nparts, combine, budget);
	}
	spill_clear(old->spill);
	maptable_clear(old->table);
	return old;
}

void
mapout_set_job(struct mapout *mo, uint64_t job)
{
	mo->job = job;
	spill_set_job(mo->spill, job);
}

void
mapout_set_partition(struct mapout *mo, mr_partition_fn fn)
{
	maptable_set_partition(mo->table, fn);
}

mr_emitter *
mapout_emitter(struct mapout *mo)
{
	return maptable_emitter(mo->table);
}

int
mapout_error(const struct mapout *mo, struct err *e)
{
	return maptable_error(mo->table, e);
}

uint64_t
mapout_count(const struct mapout *mo)
{
	return maptable_count(mo->table);
}

unsigned
mapout_spills(const struct mapout *mo)
{
	return spill_count(mo->spill);
}

void
mapout_sort(struct mapout *mo)
{
	maptable_sort(mo->table);
}

int
mapout_foreach_group(struct mapout *mo, uint32_t part, mapout_group_fn fn,
    void *arg)
{
	return maptable_foreach_group(mo->table, part, fn, arg);
}

uint32_t
mapout_nparts(const struct mapout *mo)
{
	return mo->nparts;
}

int
mapout_walk(struct mapout *mo, mapout_group_fn fn, void *arg, struct err *e)
{
	struct merge *m;
	struct groups g;
	mr_values *values;
	const char *key;
	size_t keylen;
	int rc;

	e->msg[0] = '\0';
	if (maptable_error(mo->table, e))
		return -1;
	if (spill_count(mo->spill) == 0) {
		maptable_sort(mo->table);
		return maptable_foreach_group_all(mo->table, fn, arg);
	}
	if (maptable_keys(mo->table) > 0 && maptable_drain(mo->table) == -1) {
		maptable_error(mo->table, e);
		return -1;
	}
	if ((m = spill_open(mo->spill, SPILL_ALL, e)) == NULL)
		return -1;
	groups_init(&g, m);
	while ((rc = groups_next(&g, &key, &keylen, &values)) == 1)
		if (fn(arg, key, keylen, values) == -1)
			break;
	if (groups_error(&g, e))
		rc = -1;
	groups_free(&g);
	merge_free(m);
	return rc == 0 ? 0 : -1;
}

int
mapout_write(struct mapout *mo, uint32_t map_id, mr_reduce_fn combine,
    uint64_t *bytes, struct err *e)
{
	int spilled = spill_count(mo->spill) > 0;
	struct kvwriter *w;
	char name[64];

	if (maptable_error(mo->table, e))
		return -1;
	/* Runs on disk: the rest joins them, then each partition is merged. */
	if (spilled && maptable_keys(mo->table) > 0 &&
	    maptable_drain(mo->table) == -1) {
		maptable_error(mo->table, e);
		return -1;
	}
	maptable_sort(mo->table);
	for (uint32_t p = 0; p < mo->nparts; p++) {
		(void)jobfiles_intermediate(name, sizeof name, NULL, map_id, p);
		if (spilled) {
			if (spill_merge(mo->spill, p, name, combine, bytes,
			    e) == -1)
				return -1;
		} else if ((w = kvwriter_open(name, mo->job, e)) == NULL ||
		    partwrite_table(mo->table, p, w, combine, bytes, e) == -1)
			return -1;
	}
	return 0;
}

void
mapout_free(struct mapout *mo)
{
	if (mo == NULL)
		return;
	spill_free(mo->spill);
	maptable_free(mo->table);
	free(mo);
}
