/*
 * reducetask.c - one reduce task: mr-*-Y into mr-out-Y.
 *
 * When the partition's intermediate files fit in the task's memory, their
 * records are grouped by key in a hash table (worker/mapout.c), folded by
 * the application's combiner when it has one, and only the distinct keys
 * are sorted; otherwise they are streamed through a k-way
 * merge (common/merge.c), one key at a time, so a partition never has to
 * fit in memory. Never both.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "jobfiles.h"
#include "kvfile.h"
#include "log.h"
#include "mapout.h"
#include "merge.h"
#include "output.h"
#include "sdk.h"
#include "streamreduce.h"
#include "task.h"

struct reducetask {
	const struct mr_app	*app;
	struct output		*out;
	struct err		*e;
	struct streamreduce	*sr;	/* a streaming job's reducer, or NULL */
};

/* Calls reduce for one key; a failure is described in rt->e. */
static int
reducetask_reduce(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct reducetask *rt = arg;

	if (rt->sr != NULL)
		return streamreduce_group(rt->sr, key, keylen, values, rt->e);
	sdk_error_clear();
	if (rt->app->reduce(output_emitter(rt->out), key, keylen, values) != 0 ||
	    output_failed(rt->out, rt->e)) {
		if (output_failed(rt->out, rt->e))
			return -1;
		if (sdk_error() != NULL)
			err_set(rt->e, "%s", sdk_error());
		else
			err_set(rt->e, "reduce function of %s failed",
			    rt->app->name);
		return -1;
	}
	return 0;
}

static void
reducetask_bad(struct task_result *res, uint32_t map)
{
	res->bad_maps = xrealloc(res->bad_maps,
	    (res->nbad + 1) * sizeof *res->bad_maps);
	res->bad_maps[res->nbad++] = map;
}

/*
 * Checks that every map output of the partition is there and adds up their
 * sizes; records which are missing.
 */
static int
reducetask_stat(const struct task_spec *t, uint64_t *total,
    struct task_result *res, struct err *e)
{
	char name[64];
	struct stat st;

	*total = 0;
	for (uint32_t x = 0; x < t->nmap; x++) {
		(void)jobfiles_intermediate(name, sizeof name, NULL, x, t->id);
		if (stat(name, &st) == -1) {
			if (res->nbad == 0)
				err_sys(e, "%s", name);
			reducetask_bad(res, x);
		} else
			*total += st.st_size;
	}
	if (res->nbad > 1)
		err_prefix(e, "%zu map outputs missing, first", res->nbad);
	return res->nbad > 0 ? -1 : 0;
}

/* Groups every record in memory, then reduces key by key. */
static int
reducetask_hash(struct reducetask *rt, const struct task_spec *t,
    struct task_result *res)
{
	/*
	 * The combiner's contract (reduce accepts its output as values) lets
	 * it fold records as they are read, as Hadoop does in its merges;
	 * with mr_combine_sum that is a native addition per record.
	 */
	struct mapout *mo = mapout_new_bounded(1, rt->app->combine, SIZE_MAX);
	mr_emitter *em = mapout_emitter(mo);
	struct kvreader *r;
	const char *k, *v;
	size_t klen, vlen;
	char name[64];
	int rc = -1, n;

	/* One file open at a time, however many map tasks there were. */
	for (uint32_t x = 0; x < t->nmap; x++) {
		(void)jobfiles_intermediate(name, sizeof name, NULL, x, t->id);
		r = kvreader_open(name, t->job, rt->e);
		if (r == NULL) {
			reducetask_bad(res, x);
			goto out;
		}
		while ((n = kvreader_next(r, &k, &klen, &v, &vlen,
		    rt->e)) == 1)
			if (em->emit(em->ctx, k, klen, v, vlen) == -1) {
				kvreader_close(r);
				mapout_error(mo, rt->e);
				goto out;
			}
		kvreader_close(r);
		if (n == -1) {
			reducetask_bad(res, x);
			goto out;
		}
	}
	mapout_sort(mo);
	rc = mapout_foreach_group(mo, 0, reducetask_reduce, rt);
out:
	mapout_free(mo);
	return rc;
}

/* Streams the k-way merge of the map outputs through reduce. */
static int
reducetask_merge(struct reducetask *rt, const struct task_spec *t,
    struct task_result *res)
{
	struct kvreader **r = xcalloc(t->nmap != 0 ? t->nmap : 1, sizeof *r);
	struct merge *m;
	struct groups g;
	mr_values *values;
	const char *key;
	char name[64];
	size_t keylen;
	int rc;

	for (uint32_t x = 0; x < t->nmap; x++) {
		(void)jobfiles_intermediate(name, sizeof name, NULL, x, t->id);
		r[x] = kvreader_open(name, t->job, rt->e);
		if (r[x] == NULL) {
			reducetask_bad(res, x);
			while (x-- > 0)
				kvreader_close(r[x]);
			free(r);
			return -1;
		}
	}
	m = merge_new(r, t->nmap);
	free(r);
	groups_init(&g, m);
	while ((rc = groups_next(&g, &key, &keylen, &values)) == 1)
		if (reducetask_reduce(rt, key, keylen, values) == -1 &&
		    !groups_error(&g, rt->e)) {
			rc = -1;
			break;
		}
	if (groups_error(&g, rt->e)) {
		/* The stream that failed names the map task to run again. */
		reducetask_bad(res, (uint32_t)merge_stream(m));
		rc = -1;
	}
	groups_free(&g);
	merge_free(m);
	return rc;
}

int
reducetask_run(const struct mr_app *app, const struct task_spec *t,
    struct task_result *res, struct err *e)
{
	struct reducetask rt = { app, NULL, e, NULL };
	struct streaming_task st;
	char name[JOBFILES_PATH_MAX];
	uint64_t total;
	int rc;

	if (reducetask_stat(t, &total, res, e) == -1)
		return -1;
	res->bytes_in = total;
	if (jobfiles_output(name, sizeof name, t->out_dir, t->id) == -1) {
		err_set(e, "%s: folder name too long", t->out_dir);
		return -1;
	}
	rt.out = output_open(name, (enum outfmt)t->output_format, e);
	if (rt.out == NULL)
		return -1;
	if (t->stream != NULL) {
		memset(&st, 0, sizeof st);
		st.job = t->job;
		st.id = t->id;
		st.attempt = t->attempt;
		st.attempt_index = t->attempt_index;
		st.params = t->params;
		st.nparams = t->nparams;
		if ((rt.sr = streamreduce_start(t->stream, &st, rt.out,
		    e)) == NULL) {
			output_abort(rt.out);
			return -1;
		}
	}
	if (total <= t->memory / 2 && t->stream == NULL)
		rc = reducetask_hash(&rt, t, res);
	else
		rc = reducetask_merge(&rt, t, res);
	if (rt.sr != NULL) {
		if (rc == 0)
			rc = streamreduce_finish(rt.sr, e);
		else
			streamreduce_abort(rt.sr);
	}
	/* A plugin that misused its counters fails before its output is final. */
	if (sdk_counters_check(e) == -1)
		rc = -1;
	if (rc == 0) {
		if (output_commit(rt.out, &res->bytes_out, &res->output_crc,
		    e) == -1)
			return -1;
		res->output_size = res->bytes_out;
		return 0;
	}
	output_abort(rt.out);
	return -1;
}
