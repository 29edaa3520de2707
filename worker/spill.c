/*
 * spill.c - a map output's sorted runs on disk (see spill.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvfile.h"
#include "log.h"
#include "merge.h"
#include "partwrite.h"
#include "safefile.h"
#include "spill.h"

#define SPILL_RUN "run-"

/* Room for a run's name. */
#define SPILL_NAME_MAX 96

struct spill {
	uint32_t	 nparts;
	unsigned	 id;		/* OUT in the names of this output's runs */
	unsigned	 nruns;
	uint64_t	 job;		/* written in every run (kvfile.h) */
};

/* Numbers the outputs of this process. */
static unsigned spill_ids;

struct spill *
spill_new(uint32_t nparts)
{
	struct spill *s = xcalloc(1, sizeof *s);

	s->nparts = nparts;
	s->id = spill_ids++;
	return s;
}

void
spill_set_job(struct spill *s, uint64_t job)
{
	s->job = job;
}

int
spill_add(struct spill *s, struct maptable *t, mr_reduce_fn combine,
    struct err *e)
{
	char name[SPILL_NAME_MAX];

	maptable_sort(t);
	for (uint32_t p = 0; p < s->nparts; p++) {
		spill_name(s->id, s->nruns, p, name, sizeof name);
		if (partwrite_table(t, p, name, s->job, combine, NULL,
		    e) == -1) {
			/* The partitions of this run written so far go too. */
			while (p-- > 0) {
				spill_name(s->id, s->nruns, p, name,
				    sizeof name);
				unlink(name);
			}
			return -1;
		}
	}
	s->nruns++;
	return 0;
}

unsigned
spill_count(const struct spill *s)
{
	return s->nruns;
}

struct merge *
spill_open(struct spill *s, uint32_t part, struct err *e)
{
	uint32_t first = part == SPILL_ALL ? 0 : part;
	uint32_t last = part == SPILL_ALL ? s->nparts : part + 1;
	size_t n = (size_t)s->nruns * (last - first), i = 0;
	struct kvreader **r;
	struct merge *m;
	char name[SPILL_NAME_MAX];

	r = xcalloc(n != 0 ? n : 1, sizeof *r);
	for (unsigned run = 0; run < s->nruns; run++)
		for (uint32_t p = first; p < last; p++) {
			spill_name(s->id, run, p, name, sizeof name);
			if ((r[i] = kvreader_open(name, s->job, e)) == NULL) {
				while (i-- > 0)
					kvreader_close(r[i]);
				free(r);
				return NULL;
			}
			i++;
		}
	m = merge_new(r, n);
	free(r);
	return m;
}

int
spill_merge(struct spill *s, uint32_t part, const char *path,
    mr_reduce_fn combine, uint64_t *bytes, struct err *e)
{
	struct merge *m = spill_open(s, part, e);

	if (m == NULL)
		return -1;
	return partwrite_merge(m, path, s->job, combine, bytes, e);
}

/* Removes the runs written so far. */
static void
spill_remove_runs(struct spill *s)
{
	char name[SPILL_NAME_MAX];

	for (unsigned r = 0; r < s->nruns; r++)
		for (uint32_t p = 0; p < s->nparts; p++) {
			spill_name(s->id, r, p, name, sizeof name);
			unlink(name);
		}
	s->nruns = 0;
}

void
spill_clear(struct spill *s)
{
	spill_remove_runs(s);
	s->id = spill_ids++;
}

void
spill_free(struct spill *s)
{
	if (s == NULL)
		return;
	spill_remove_runs(s);
	free(s);
}

void
spill_name(unsigned out, unsigned run, uint32_t part, char *buf, size_t len)
{
	snprintf(buf, len, SAFEFILE_PREFIX SPILL_RUN "%d-%u-%u-%u",
	    (int)getpid(), out, run, part);
}

void
spill_remove(pid_t pid)
{
	char mine[64];
	const char *name;
	struct dirent *de;
	size_t n;
	DIR *d;

	n = (size_t)snprintf(mine, sizeof mine, SAFEFILE_PREFIX SPILL_RUN
	    "%d-", (int)pid);
	if ((d = opendir(".")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		name = de->d_name;
		/* A run's temporary name is its name behind the prefix. */
		if (strncmp(name, SAFEFILE_PREFIX SAFEFILE_PREFIX,
		    2 * strlen(SAFEFILE_PREFIX)) == 0)
			name += strlen(SAFEFILE_PREFIX);
		if (strncmp(name, mine, n) == 0)
			unlink(de->d_name);
	}
	closedir(d);
}
