/*
 * spill.c - a map output's sorted runs on disk (see spill.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvfile.h"
#include "log.h"
#include "merge.h"
#include "partwrite.h"
#include "scratch.h"
#include "spill.h"

/* Where runs go: the job folder, the current one of a task's process. */
#define SPILL_DIR "."

/* The tag of a run's name where files cannot be unnamed (scratch.h). */
#define SPILL_TAG "run"

/* Room for a partition's name in errors. */
#define SPILL_NAME_MAX 64

/* One run: an unnamed file holding its partitions one after another. */
struct spill_run {
	int		 fd;
	uint64_t	*end;		/* partition p ends at end[p] */
};

struct spill {
	uint32_t	 nparts;
	unsigned	 nruns, cap;
	struct spill_run *runs;
	uint64_t	 job;		/* written in every run (kvfile.h) */
};

struct spill *
spill_new(uint32_t nparts)
{
	struct spill *s = xcalloc(1, sizeof *s);

	s->nparts = nparts;
	return s;
}

void
spill_set_job(struct spill *s, uint64_t job)
{
	s->job = job;
}

/* How partition `part` of run `run` is named in errors. */
static void
spill_name(unsigned run, uint32_t part, char *buf, size_t len)
{
	snprintf(buf, len, "spilled run %u, partition %u", run, part);
}

int
spill_add(struct spill *s, struct maptable *t, mr_reduce_fn combine,
    struct err *e)
{
	char name[SPILL_NAME_MAX];
	uint64_t *end, at = 0, n;
	struct kvwriter *w;
	int fd;

	maptable_sort(t);
	if ((fd = scratch_open(SPILL_DIR, SPILL_TAG, e)) == -1) {
		err_prefix(e, "cannot spill a run");
		return -1;
	}
	end = xcalloc(s->nparts, sizeof *end);
	for (uint32_t p = 0; p < s->nparts; p++) {
		spill_name(s->nruns, p, name, sizeof name);
		w = kvwriter_open_fd(fd, name, s->job);
		n = 0;
		if (partwrite_table(t, p, w, combine, &n, e) == -1) {
			/* The file goes with its descriptor, and the run. */
			close(fd);
			free(end);
			return -1;
		}
		at += n;
		end[p] = at;
	}
	if (s->nruns == s->cap) {
		s->cap = s->cap != 0 ? 2 * s->cap : 8;
		s->runs = xrealloc(s->runs, s->cap * sizeof *s->runs);
	}
	s->runs[s->nruns].fd = fd;
	s->runs[s->nruns].end = end;
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
			const struct spill_run *sr = &s->runs[run];
			uint64_t off = p > 0 ? sr->end[p - 1] : 0;

			spill_name(run, p, name, sizeof name);
			if ((r[i] = kvreader_open_fd(sr->fd, off,
			    sr->end[p] - off, name, s->job, e)) == NULL) {
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
	struct kvwriter *w;

	if (m == NULL)
		return -1;
	if ((w = kvwriter_open(path, s->job, e)) == NULL) {
		merge_free(m);
		return -1;
	}
	return partwrite_merge(m, w, combine, bytes, e);
}

void
spill_clear(struct spill *s)
{
	for (unsigned r = 0; r < s->nruns; r++) {
		close(s->runs[r].fd);
		free(s->runs[r].end);
	}
	s->nruns = 0;
}

void
spill_free(struct spill *s)
{
	if (s == NULL)
		return;
	spill_clear(s);
	free(s->runs);
	free(s);
}
