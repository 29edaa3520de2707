/*
 * recovery.c - the job's journal, and resuming from it (see recovery.h).
 *
 * Reading keeps the last TaskDone of each task (a MapReset forgets a map
 * task's), then recovery_kept() checks each against its files. Writing
 * packs one mrj.Record per event into a buffer kept between calls.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.pb-c.h"

#include "buf.h"
#include "crc32c.h"
#include "jobdir.h"
#include "jobfiles.h"
#include "journal.h"
#include "log.h"
#include "mapreduce.h"
#include "outcheck.h"
#include "outfmt.h"
#include "params.h"
#include "recovery.h"

/* The journal's record type of a packed mrj.Record. */
#define RECOVERY_RECORD 1

struct recovery {
	/* This job, as planned. */
	uint64_t		 job_id;
	uint32_t		 nreduce, nmap;
	uint64_t		 split_size, open_cost;
	int			 allow_changes;
	char			**names;
	struct stamp		*stamps;
	size_t			 ninputs;
	uint32_t		 plan_crc;
	char			*mapper, *combiner, *reducer;	/* NULL: */
	char			*stream_digest;	/* a plugin's job */
	int			 no_resume, overwrite;
	int			 no_journal;	/* write none (recovery_set_off) */
	struct params		*params;	/* a copy */
	int			 output_format;
	char			 job_dir[PATH_MAX];
	char			 out_dir[PATH_MAX];
	char			 path[PATH_MAX + 16];	/* the journal */

	/* What the journal read says. */
	int			 resuming;
	Mrj__JobIdentity	*identity;	/* the journal's, unpacked */
	uint32_t		 last_incarnation;
	char			*app, *digest;
	Mrj__TaskDone		**map_done;	/* [the journal's n_map], NULL:
						   not done */
	Mrj__TaskDone		**reduce_done;	/* [its n_reduce] */
	uint32_t		 jmap, jreduce;	/* those counts */
	uint64_t		 records;

	/* The tasks kept, for job_restore(). */
	struct job_kept		*kept;
	struct tasks_counter	*counters;	/* of every kept task */
	size_t			 nkept;

	/* Writing. */
	struct journal		*journal;
	uint32_t		 incarnation;
	double			 mono_start;	/* this run's, monotonic */
	double			 offset;	/* this run's start - the job's */
	struct ev_loop		*loop;
	ev_timer		 sync_timer;
	int			 dirty;
	int			 ended;		/* recovery_end() closed it */
	double			 last_sync;	/* monotonic */
	struct buf		 out;
};

/* Nanoseconds of the wall clock now. */
static int64_t
recovery_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The plan's fingerprint: every task's inputs, in order, with their ranges. */
static uint32_t
recovery_plan_crc(const struct tasks_map *maps, uint32_t nmap)
{
	uint32_t crc = 0, n;
	uint64_t v;

	for (uint32_t i = 0; i < nmap; i++) {
		n = maps[i].ninputs;
		crc = crc32c(crc, &n, sizeof n);
		for (uint32_t k = 0; k < n; k++) {
			const struct tasks_input *in = &maps[i].inputs[k];

			crc = crc32c(crc, in->name, strlen(in->name) + 1);
			v = in->offset;
			crc = crc32c(crc, &v, sizeof v);
			v = in->length;
			crc = crc32c(crc, &v, sizeof v);
		}
	}
	return crc;
}

struct recovery *
recovery_new(const struct recovery_identity *id, int no_resume, int overwrite)
{
	struct recovery *r = xcalloc(1, sizeof *r);

	r->job_id = id->job_id;
	r->nreduce = id->nreduce;
	r->nmap = id->nmap;
	r->split_size = id->split_size;
	r->open_cost = id->open_cost;
	r->allow_changes = id->allow_changes;
	r->ninputs = id->ninputs;
	r->names = xcalloc(id->ninputs != 0 ? id->ninputs : 1,
	    sizeof *r->names);
	r->stamps = xcalloc(id->ninputs != 0 ? id->ninputs : 1,
	    sizeof *r->stamps);
	for (size_t i = 0; i < id->ninputs; i++) {
		r->names[i] = xstrdup(id->names[i]);
		r->stamps[i] = id->stamps[i];
	}
	r->plan_crc = recovery_plan_crc(id->maps, id->nmap);
	r->params = params_new();
	for (size_t i = 0; i < params_count(id->params); i++) {
		const char *name, *value;
		struct err e;

		params_get(id->params, i, &name, &value);
		if (params_add(r->params, name, value, &e) == -1)
			fatal("%s", e.msg);	/* it came from a valid set */
	}
	r->output_format = id->output_format;
	if (id->mapper != NULL) {
		r->mapper = xstrdup(id->mapper);
		r->combiner = xstrdup(id->combiner != NULL ? id->combiner : "");
		r->reducer = xstrdup(id->reducer != NULL ? id->reducer : "");
		r->stream_digest = xstrdup(id->digest != NULL ? id->digest :
		    "");
	}
	r->no_resume = no_resume;
	r->overwrite = overwrite;
	r->incarnation = 1;
	return r;
}

/* Forgets what a journal read said. */
static void
recovery_forget(struct recovery *r)
{
	if (r->map_done != NULL)
		for (uint32_t i = 0; i < r->jmap; i++)
			if (r->map_done[i] != NULL)
				mrj__task_done__free_unpacked(r->map_done[i],
				    NULL);
	if (r->reduce_done != NULL)
		for (uint32_t i = 0; i < r->jreduce; i++)
			if (r->reduce_done[i] != NULL)
				mrj__task_done__free_unpacked(
				    r->reduce_done[i], NULL);
	free(r->map_done);
	free(r->reduce_done);
	r->map_done = r->reduce_done = NULL;
	r->jmap = r->jreduce = 0;
	if (r->identity != NULL)
		mrj__job_identity__free_unpacked(r->identity, NULL);
	r->identity = NULL;
	free(r->app);
	free(r->digest);
	r->app = r->digest = NULL;
	r->last_incarnation = 0;
	r->records = 0;
	r->resuming = 0;
}

void
recovery_free(struct recovery *r)
{
	if (r == NULL)
		return;
	if (r->journal != NULL) {
		if (r->loop != NULL)
			ev_timer_stop(r->loop, &r->sync_timer);
		journal_close(r->journal);
	}
	recovery_forget(r);
	for (size_t i = 0; i < r->ninputs; i++)
		free(r->names[i]);
	free(r->names);
	free(r->stamps);
	params_free(r->params);
	free(r->mapper);
	free(r->combiner);
	free(r->reducer);
	free(r->stream_digest);
	free(r->kept);
	free(r->counters);
	buf_free(&r->out);
	free(r);
}

/* Keeps one record of the journal being read. */
static int
recovery_read_record(void *arg, uint8_t type, const void *p, size_t n,
    struct err *e)
{
	struct recovery *r = arg;
	Mrj__Record *rec;
	Mrj__TaskDone *d, **slot;

	if (type != RECOVERY_RECORD) {
		err_set(e, "record %" PRIu64 " of unknown type %u",
		    r->records + 1, type);
		return -1;
	}
	rec = mrj__record__unpack(NULL, n, p);
	if (rec == NULL) {
		err_set(e, "record %" PRIu64 " cannot be decoded", r->records + 1);
		return -1;
	}
	r->records++;
	if (r->identity == NULL && rec->r_case != MRJ__RECORD__R_JOB) {
		err_set(e, "its first record is not the job's identity");
		goto fail;
	}
	switch (rec->r_case) {
	case MRJ__RECORD__R_JOB:
		if (r->identity != NULL) {
			err_set(e, "a second job identity at record %" PRIu64,
			    r->records);
			goto fail;
		}
		/* Taken out of the record, which is freed below. */
		r->identity = rec->job;
		rec->job = NULL;
		rec->r_case = MRJ__RECORD__R__NOT_SET;
		r->jmap = r->identity->n_map;
		r->jreduce = r->identity->n_reduce;
		r->map_done = xcalloc((size_t)r->jmap + 1, sizeof *r->map_done);
		r->reduce_done = xcalloc((size_t)r->jreduce + 1,
		    sizeof *r->reduce_done);
		break;
	case MRJ__RECORD__R_PLUGIN:
		free(r->app);
		free(r->digest);
		r->app = xstrdup(rec->plugin->app);
		r->digest = xstrdup(rec->plugin->digest);
		break;
	case MRJ__RECORD__R_INCARNATION:
		if (rec->incarnation->number > r->last_incarnation)
			r->last_incarnation = rec->incarnation->number;
		break;
	case MRJ__RECORD__R_DONE:
		d = rec->done;
		if (d->id >= (d->reduce ? r->identity->n_reduce :
		    r->identity->n_map)) {
			err_set(e, "record %" PRIu64 " names %s task %u of %u",
			    r->records, d->reduce ? "reduce" : "map", d->id,
			    d->reduce ? r->identity->n_reduce :
			    r->identity->n_map);
			goto fail;
		}
		slot = d->reduce ? &r->reduce_done[d->id] :
		    &r->map_done[d->id];
		if (*slot != NULL)
			mrj__task_done__free_unpacked(*slot, NULL);
		*slot = d;
		rec->done = NULL;
		rec->r_case = MRJ__RECORD__R__NOT_SET;
		break;
	case MRJ__RECORD__R_RESET:
		if (rec->reset->id < r->identity->n_map &&
		    r->map_done[rec->reset->id] != NULL) {
			mrj__task_done__free_unpacked(
			    r->map_done[rec->reset->id], NULL);
			r->map_done[rec->reset->id] = NULL;
		}
		break;
	default:
		err_set(e, "record %" PRIu64 " is of no known kind", r->records);
		goto fail;
	}
	mrj__record__free_unpacked(rec, NULL);
	return 0;

fail:
	mrj__record__free_unpacked(rec, NULL);
	return -1;
}

/* How a stamp differs from the journal's input, or NULL when it does not. */
static const char *
recovery_input_differs(const Mrj__Input *in, const struct stamp *st,
    char *buf, size_t size)
{
	if (in->size != st->size)
		snprintf(buf, size, "%" PRIu64 " bytes now, %" PRIu64 " then",
		    st->size, in->size);
	else if (in->inode != st->ino || in->device != st->dev)
		snprintf(buf, size, "replaced by another file");
	else if (in->mtime_ns != st->mtime_ns)
		snprintf(buf, size, "modified since");
	else
		return NULL;
	return buf;
}

/* A command as the refusal quotes it. */
static const char *
recovery_cmd(const char *cmd)
{
	return cmd != NULL && *cmd != '\0' ? cmd : "none";
}

/*
 * Whether the journal's streaming job (NULL: a plugin's) is this one: 0,
 * or -1 with e saying how it differs.
 */
static int
recovery_same_streaming(const struct recovery *r, const Mrj__Streaming *st,
    struct err *e)
{
	if ((st == NULL) != (r->mapper == NULL)) {
		err_set(e, "%s here, %s there", r->mapper != NULL ?
		    "a streaming job (--mapper)" : "a plugin's job",
		    st != NULL ? "a streaming job (--mapper)" :
		    "a plugin's job");
		return -1;
	}
	if (st == NULL)
		return 0;
	if (strcmp(st->mapper, r->mapper) != 0) {
		err_set(e, "--mapper '%s' here, '%s' there", r->mapper,
		    st->mapper);
		return -1;
	}
	if (strcmp(st->combiner, r->combiner) != 0) {
		err_set(e, "--combiner '%s' here, '%s' there",
		    recovery_cmd(r->combiner), recovery_cmd(st->combiner));
		return -1;
	}
	if (strcmp(st->reducer, r->reducer) != 0) {
		err_set(e, "--reducer '%s' here, '%s' there",
		    recovery_cmd(r->reducer), recovery_cmd(st->reducer));
		return -1;
	}
	if (strcmp(st->digest, r->stream_digest) != 0) {
		err_set(e, "the same commands, but other --file contents or "
		    "--cmdenv settings (%s here, %s there)", r->stream_digest,
		    st->digest);
		return -1;
	}
	return 0;
}

/*
 * Whether the journal's job is this one: 0, or -1 with e saying the first
 * thing that differs.
 */
/* Whether the journal's -D parameters are these; if not, e says how. */
static int
recovery_same_params(const struct recovery *r, struct err *e)
{
	const Mrj__JobIdentity *id = r->identity;
	size_t n = params_count(r->params);
	const char *name, *value, *there;

	for (size_t i = 0; i < n; i++) {
		params_get(r->params, i, &name, &value);
		there = NULL;
		for (size_t k = 0; k < id->n_params && there == NULL; k++)
			if (strcmp(id->params[k]->name, name) == 0)
				there = id->params[k]->value;
		if (there == NULL) {
			err_set(e, "-D %s=%.64s here, no -D %s there", name,
			    value, name);
			return -1;
		}
		if (strcmp(there, value) != 0) {
			err_set(e, "-D %s=%.64s here, %s=%.64s there", name,
			    value, name, there);
			return -1;
		}
	}
	for (size_t k = 0; k < id->n_params; k++)
		if (params_lookup(r->params, id->params[k]->name) == NULL) {
			err_set(e, "no -D %.64s here, %.64s=%.64s there",
			    id->params[k]->name, id->params[k]->name,
			    id->params[k]->value);
			return -1;
		}
	return 0;
}

static int
recovery_same_job(const struct recovery *r, struct err *e)
{
	const Mrj__JobIdentity *id = r->identity;
	const char *there;
	char how[128];

	if (recovery_same_streaming(r, id->streaming, e) == -1)
		return -1;

	if (id->n_reduce != r->nreduce) {
		err_set(e, "--reduces %u here, %u there", r->nreduce,
		    id->n_reduce);
		return -1;
	}
	if (id->split_size != r->split_size) {
		err_set(e, "--split-size %" PRIu64 " here, %" PRIu64 " there",
		    r->split_size, id->split_size);
		return -1;
	}
	if (id->open_cost != r->open_cost) {
		err_set(e, "--open-cost %" PRIu64 " here, %" PRIu64 " there",
		    r->open_cost, id->open_cost);
		return -1;
	}
	if (!id->allow_changes != !r->allow_changes) {
		err_set(e, "--allow-changing-inputs %s here, %s there",
		    r->allow_changes ? "given" : "not given",
		    id->allow_changes ? "given" : "not");
		return -1;
	}
	if (recovery_same_params(r, e) == -1)
		return -1;
	there = *id->output_format != '\0' ? id->output_format :
	    outfmt_name(OUTFMT_DEFAULT);
	if (strcmp(there, outfmt_name(r->output_format)) != 0) {
		err_set(e, "--output-format %s here, %.32s there",
		    outfmt_name(r->output_format), there);
		return -1;
	}
	if (strcmp(id->output_dir, r->out_dir) != 0) {
		err_set(e, "outputs go to %s here, to %s there", r->out_dir,
		    id->output_dir);
		return -1;
	}
	if (id->n_inputs != r->ninputs) {
		err_set(e, "%zu input%s here, %zu there", r->ninputs,
		    r->ninputs == 1 ? "" : "s", id->n_inputs);
		return -1;
	}
	for (size_t i = 0; i < r->ninputs; i++) {
		if (strcmp(id->inputs[i]->name, r->names[i]) != 0) {
			err_set(e, "input %zu is %s here, %s there", i + 1,
			    r->names[i], id->inputs[i]->name);
			return -1;
		}
		if (recovery_input_differs(id->inputs[i], &r->stamps[i], how,
		    sizeof how) != NULL) {
			err_set(e, "input %s changed since that job began: %s",
			    r->names[i], how);
			return -1;
		}
	}
	if (id->n_map != r->nmap || id->plan_crc != r->plan_crc) {
		err_set(e, "its inputs were planned into other map tasks "
		    "(%u here, %u there)", r->nmap, id->n_map);
		return -1;
	}
	return 0;
}

/*
 * Whether the job folders hold no file of a job (mr-out-Y, mr-X-Y): a
 * journal left with none has nothing to resume from, nor to protect.
 */
static int
recovery_no_files(const struct recovery *r)
{
	size_t n = 0, m = 0;
	struct err e;

	if (jobdir_find(r->job_dir, JOBDIR_OUTPUTS | JOBDIR_INTERMEDIATES, &n,
	    NULL, 0, &e) == -1 || jobdir_find(r->out_dir, JOBDIR_OUTPUTS, &m,
	    NULL, 0, &e) == -1)
		return 0;
	return n + m == 0;
}

/* Removes the journal, for a fresh start; says so. */
static int
recovery_discard(struct recovery *r, const char *why, struct err *e)
{
	if (journal_remove(r->path, e) == -1)
		return -1;
	log_info("%s: journal of an earlier job removed (%s)", r->path, why);
	recovery_forget(r);
	return 0;
}

int
recovery_adopt(void *arg, const char *job_dir, const char *output_dir,
    struct err *e)
{
	struct recovery *r = arg;
	struct journal_info info;
	struct journal *j = NULL;
	struct err why;
	time_t began;
	char when[32];

	snprintf(r->job_dir, sizeof r->job_dir, "%s", job_dir);
	snprintf(r->out_dir, sizeof r->out_dir, "%s", output_dir);
	snprintf(r->path, sizeof r->path, "%s/%s", job_dir, JOURNAL_NAME);
	if (journal_open(r->path, RECOVERY_FORMAT, recovery_read_record, r,
	    &j, &info, &why) == -1) {
		recovery_forget(r);
		if (errno == ENOENT)
			return JOBDIR_ADOPT_NONE;
		if (r->no_resume || r->overwrite || recovery_no_files(r)) {
			if (recovery_discard(r, r->overwrite ? "--overwrite" :
			    r->no_resume ? "--no-resume" : "none of its files "
			    "is left", e) == -1)
				return -1;
			/* Its files are those of the job it journaled. */
			return r->no_resume ? JOBDIR_ADOPT_RESTART :
			    JOBDIR_ADOPT_NONE;
		}
		err_set(e, "%s; it belongs to a job that did not finish: "
		    "resume it with the build that began it, or start over "
		    "with --no-resume (which removes its files)", why.msg);
		return -1;
	}
	/* Read only: it is opened again for writing by recovery_begin(). */
	journal_close(j);
	if (info.ignored > 0)
		log_warn("%s: its last %" PRIu64 " bytes were torn (the "
		    "coordinator died while writing them) and are ignored",
		    r->path, info.ignored);
	began = (time_t)(r->identity->wall_start_ns / 1000000000);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
	    localtime(&began));
	if (recovery_same_job(r, &why) == -1) {
		if (r->no_resume || r->overwrite || recovery_no_files(r)) {
			if (recovery_discard(r, r->overwrite ? "--overwrite" :
			    r->no_resume ? "--no-resume" : "another job's, "
			    "none of whose files is left", e) == -1)
				return -1;
			return r->no_resume ? JOBDIR_ADOPT_RESTART :
			    JOBDIR_ADOPT_NONE;
		}
		err_set(e, "job folder %s holds the journal of another job "
		    "that did not finish (begun %s; %s): run that job again "
		    "to resume it, give --no-resume to start this one over "
		    "it (its files are removed), or use another folder",
		    job_dir, when, why.msg);
		return -1;
	}
	if (r->no_resume) {
		if (recovery_discard(r, "--no-resume", e) == -1)
			return -1;
		return JOBDIR_ADOPT_RESTART;
	}
	if (r->overwrite) {
		if (recovery_discard(r, "--overwrite", e) == -1)
			return -1;
		return JOBDIR_ADOPT_NONE;
	}
	r->resuming = 1;
	r->job_id = r->identity->job_id;
	r->incarnation = r->last_incarnation + 1;
	log_debug("%s: job %016" PRIx64 " begun %s, %" PRIu64 " records",
	    r->path, r->job_id, when, r->records);
	return JOBDIR_ADOPT_RESUME;
}

void
recovery_set_off(struct recovery *r)
{
	r->no_journal = 1;
}

int
recovery_resuming(const struct recovery *r)
{
	return r->resuming;
}

uint64_t
recovery_job_id(const struct recovery *r)
{
	return r->job_id;
}

uint32_t
recovery_incarnation(const struct recovery *r)
{
	return r->incarnation;
}

const char *
recovery_plugin_app(const struct recovery *r)
{
	return r->app;
}

const char *
recovery_plugin_digest(const struct recovery *r)
{
	return r->digest;
}

double
recovery_offset(const struct recovery *r)
{
	return r->offset;
}

/* A journaled task as job_restore() takes it; its counters go to *c. */
static void
recovery_kept_from(struct job_kept *k, const Mrj__TaskDone *d,
    struct tasks_counter *c)
{
	memset(k, 0, sizeof *k);
	k->kind = d->reduce ? TASK_REDUCE : TASK_MAP;
	k->id = d->id;
	k->incarnation = d->incarnation;
	k->attempt = d->attempt;
	k->worker = d->worker;
	k->start = d->start;
	k->end = d->end;
	k->bytes_in = d->bytes_in;
	k->bytes_out = d->bytes_out;
	for (size_t i = 0; i < d->n_counters; i++) {
		c[i].name = d->counters[i]->name;
		c[i].value = d->counters[i]->value;
	}
	k->counters = c;
	k->ncounters = d->n_counters;
	k->output_size = d->output_size;
	k->output_crc = d->output_crc;
	k->input_changed = d->input_changed;
}

size_t
recovery_kept(struct recovery *r, const struct job_kept **kept)
{
	size_t ncounters = 0, used = 0, nmap = 0, nreduce = 0, redo = 0;
	int all_reduces = 1;
	char path[JOBFILES_PATH_MAX];
	struct err e;

	*kept = NULL;
	if (!r->resuming || r->kept != NULL) {
		*kept = r->kept;
		return r->nkept;
	}
	for (uint32_t i = 0; i < r->nmap; i++)
		if (r->map_done[i] != NULL)
			ncounters += r->map_done[i]->n_counters;
	for (uint32_t i = 0; i < r->nreduce; i++)
		if (r->reduce_done[i] != NULL)
			ncounters += r->reduce_done[i]->n_counters;
	r->kept = xcalloc((size_t)r->nmap + r->nreduce + 1, sizeof *r->kept);
	r->counters = xcalloc(ncounters + 1, sizeof *r->counters);
	for (uint32_t y = 0; y < r->nreduce; y++) {
		const Mrj__TaskDone *d = r->reduce_done[y];

		if (d == NULL) {
			all_reduces = 0;
			continue;
		}
		(void)jobfiles_output(path, sizeof path, r->out_dir, y);
		if (outcheck_output(path, d->output_size, d->output_crc,
		    &e) == -1) {
			log_info("reduce task %u runs again: %s", y, e.msg);
			all_reduces = 0;
			redo++;
			continue;
		}
		recovery_kept_from(&r->kept[r->nkept++], d,
		    r->counters + used);
		used += d->n_counters;
		nreduce++;
	}
	for (uint32_t x = 0; x < r->nmap; x++) {
		const Mrj__TaskDone *d = r->map_done[x];

		if (d == NULL)
			continue;
		/* A map-only job's map tasks wrote its outputs. */
		(void)jobfiles_output(path, sizeof path, r->out_dir, x);
		if (r->nreduce == 0 && outcheck_output(path, d->output_size,
		    d->output_crc, &e) == -1) {
			log_info("map task %u runs again: %s", x, e.msg);
			redo++;
			continue;
		}
		/* Once every output is final, no reduce reads them again. */
		if (r->nreduce > 0 && !all_reduces && outcheck_map(r->job_dir,
		    x, r->nreduce, r->job_id, &e) == -1) {
			log_info("map task %u runs again: %s", x, e.msg);
			redo++;
			continue;
		}
		recovery_kept_from(&r->kept[r->nkept++], d,
		    r->counters + used);
		used += d->n_counters;
		nmap++;
	}
	log_info("resuming the job in %s (coordinator %u of it): kept %zu of "
	    "%u map and %zu of %u reduce tasks done before; %zu whose files "
	    "changed run again", r->job_dir, r->incarnation, nmap, r->nmap,
	    nreduce, r->nreduce, redo);
	*kept = r->kept;
	return r->nkept;
}

/* Packs one record after what r->out holds; returns its length. */
static size_t
recovery_pack(struct recovery *r, const Mrj__Record *rec)
{
	size_t n = mrj__record__get_packed_size(rec);

	mrj__record__pack(rec, buf_reserve(&r->out, n));
	buf_commit(&r->out, n);
	return n;
}

/* Appends one record, packed. */
static int
recovery_append(struct recovery *r, const Mrj__Record *rec, struct err *e)
{
	size_t n;

	buf_consume(&r->out, buf_len(&r->out));
	n = recovery_pack(r, rec);
	if (journal_append(r->journal, RECOVERY_RECORD, buf_head(&r->out), n,
	    e) == -1)
		return -1;
	r->dirty = 1;
	return 0;
}

/* Makes what was written durable. */
static int
recovery_sync(struct recovery *r, double now, struct err *e)
{
	if (r->loop != NULL)
		ev_timer_stop(r->loop, &r->sync_timer);
	r->last_sync = now;
	if (!r->dirty)
		return 0;
	r->dirty = 0;
	return journal_sync(r->journal, e);
}

static void
recovery_sync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct recovery *r = w->data;
	struct err e;

	(void)revents;
	if (recovery_sync(r, ev_now(loop), &e) == -1)
		log_warn("%s", e.msg);	/* the next write says it too */
}

/* Durable now, or within RECOVERY_SYNC_SECONDS of the last sync. */
static int
recovery_sync_soon(struct recovery *r, double now, struct err *e)
{
	if (now - r->last_sync >= RECOVERY_SYNC_SECONDS || r->loop == NULL)
		return recovery_sync(r, now, e);
	if (!ev_is_active(&r->sync_timer)) {
		ev_timer_set(&r->sync_timer,
		    r->last_sync + RECOVERY_SYNC_SECONDS - now, 0.);
		ev_timer_start(r->loop, &r->sync_timer);
	}
	return 0;
}

/* The job's identity as a record, packed after what r->out holds. */
static size_t
recovery_pack_identity(struct recovery *r)
{
	Mrj__Record rec = MRJ__RECORD__INIT;
	Mrj__JobIdentity id = MRJ__JOB_IDENTITY__INIT;
	Mrj__Streaming st = MRJ__STREAMING__INIT;
	Mrj__Input *in = xcalloc(r->ninputs + 1, sizeof *in);
	Mrj__Input **inp = xcalloc(r->ninputs + 1, sizeof *inp);
	size_t np = params_count(r->params);
	Mrj__Param *pa = xcalloc(np + 1, sizeof *pa);
	Mrj__Param **pap = xcalloc(np + 1, sizeof *pap);
	const char *name, *value;
	size_t n;

	id.job_id = r->job_id;
	id.n_reduce = r->nreduce;
	id.split_size = r->split_size;
	id.open_cost = r->open_cost;
	id.allow_changes = r->allow_changes;
	for (size_t i = 0; i < r->ninputs; i++) {
		mrj__input__init(&in[i]);
		in[i].name = r->names[i];
		in[i].size = r->stamps[i].size;
		in[i].mtime_ns = r->stamps[i].mtime_ns;
		in[i].inode = r->stamps[i].ino;
		in[i].device = r->stamps[i].dev;
		inp[i] = &in[i];
	}
	id.n_inputs = r->ninputs;
	id.inputs = inp;
	id.n_map = r->nmap;
	id.plan_crc = r->plan_crc;
	id.output_dir = r->out_dir;
	id.wall_start_ns = recovery_wall_ns();
	for (size_t i = 0; i < np; i++) {
		params_get(r->params, i, &name, &value);
		mrj__param__init(&pa[i]);
		pa[i].name = (char *)name;
		pa[i].value = (char *)value;
		pap[i] = &pa[i];
	}
	id.n_params = np;
	id.params = pap;
	/* Empty for the default, as a journal of an older build holds. */
	if (r->output_format != OUTFMT_DEFAULT)
		id.output_format = (char *)outfmt_name(r->output_format);
	if (r->mapper != NULL) {
		st.mapper = r->mapper;
		st.combiner = r->combiner;
		st.reducer = r->reducer;
		st.digest = r->stream_digest;
		id.streaming = &st;
	}
	rec.r_case = MRJ__RECORD__R_JOB;
	rec.job = &id;
	n = recovery_pack(r, &rec);
	free(in);
	free(inp);
	free(pa);
	free(pap);
	return n;
}

/*
 * A new journal, its first records in it before it gets its name: the
 * identity and this coordinator's incarnation. journal_create() syncs the
 * file and its folder, which the first task handed out needs: a power loss
 * after it must neither lose the job's journal nor this incarnation (a
 * resumed coordinator taking the same number could take a report of this
 * one's workers for one of its own).
 */
static int
recovery_create(struct recovery *r, const Mrj__Record *inc, struct err *e)
{
	struct journal_record first[2];
	size_t nid, ninc;

	buf_consume(&r->out, buf_len(&r->out));
	nid = recovery_pack_identity(r);
	ninc = recovery_pack(r, inc);
	first[0].type = first[1].type = RECOVERY_RECORD;
	first[0].payload = buf_head(&r->out);
	first[0].len = nid;
	first[1].payload = buf_head(&r->out) + nid;
	first[1].len = ninc;
	return journal_create(r->path, RECOVERY_FORMAT, first, 2, &r->journal,
	    e);
}

int
recovery_begin(struct recovery *r, struct ev_loop *loop, double started,
    struct err *e)
{
	Mrj__Record rec = MRJ__RECORD__INIT;
	Mrj__Incarnation inc = MRJ__INCARNATION__INIT;
	struct journal_info info;
	int64_t now = recovery_wall_ns();

	r->loop = loop;
	r->mono_start = started;
	r->last_sync = started;
	ev_init(&r->sync_timer, recovery_sync_cb);
	r->sync_timer.data = r;
	if (r->resuming && r->identity != NULL) {
		r->offset = (now - r->identity->wall_start_ns) / 1e9;
		if (r->offset < 0)
			r->offset = 0;	/* the clock was set back */
	}
	if (r->no_journal)
		return 0;
	inc.number = r->incarnation;
	inc.wall_start_ns = now;
	rec.r_case = MRJ__RECORD__R_INCARNATION;
	rec.incarnation = &inc;
	if (!r->resuming)
		return recovery_create(r, &rec, e);
	if (journal_open(r->path, RECOVERY_FORMAT, NULL, NULL, &r->journal,
	    &info, e) == -1)
		return -1;
	/* Durable before the first task, for the reason recovery_create says. */
	if (recovery_append(r, &rec, e) == -1)
		return -1;
	return recovery_sync(r, started, e);
}

/* Seconds since the job first started, of a time of this run. */
static double
recovery_time(const struct recovery *r, double now)
{
	return now - r->mono_start + r->offset;
}

/* An accepted task, as a record. */
static int
recovery_write_done(struct recovery *r, const struct job_event *ev,
    struct err *e)
{
	Mrj__Record rec = MRJ__RECORD__INIT;
	Mrj__TaskDone d = MRJ__TASK_DONE__INIT;
	Mrj__Counter c[MR_COUNTERS_MAX], *cp[MR_COUNTERS_MAX];
	/* A report has at most MR_COUNTERS_MAX: tasks.c refused it otherwise. */
	size_t n = ev->ncounters < MR_COUNTERS_MAX ? ev->ncounters :
	    MR_COUNTERS_MAX;

	d.reduce = ev->kind == TASK_REDUCE;
	d.id = ev->id;
	d.incarnation = r->incarnation;
	d.attempt = ev->attempt;
	d.worker = ev->worker;
	d.end = recovery_time(r, ev->now);
	d.start = d.end - ev->secs;
	d.bytes_in = ev->bytes_in;
	d.bytes_out = ev->bytes_out;
	for (size_t i = 0; i < n; i++) {
		mrj__counter__init(&c[i]);
		c[i].name = (char *)ev->counters[i].name;
		c[i].value = ev->counters[i].value;
		cp[i] = &c[i];
	}
	d.n_counters = n;
	d.counters = cp;
	d.output_size = ev->output_size;
	d.output_crc = ev->output_crc;
	d.input_changed = (char *)(ev->input_changed != NULL ?
	    ev->input_changed : "");
	rec.r_case = MRJ__RECORD__R_DONE;
	rec.done = &d;
	return recovery_append(r, &rec, e);
}

int
recovery_on_event(void *arg, const struct job_event *ev, struct err *e)
{
	struct recovery *r = arg;
	Mrj__Record rec = MRJ__RECORD__INIT;
	Mrj__MapReset reset = MRJ__MAP_RESET__INIT;
	Mrj__Plugin plugin = MRJ__PLUGIN__INIT;

	if (r->journal == NULL)
		return 0;
	switch (ev->type) {
	case JOB_EV_DONE:
		if (recovery_write_done(r, ev, e) == -1)
			goto fail;
		return recovery_sync_soon(r, ev->now, e) == -1 ? -1 : 0;
	case JOB_EV_MAP_RESET:
		reset.id = ev->id;
		rec.r_case = MRJ__RECORD__R_RESET;
		rec.reset = &reset;
		if (recovery_append(r, &rec, e) == -1)
			goto fail;
		return recovery_sync_soon(r, ev->now, e) == -1 ? -1 : 0;
	case JOB_EV_PLUGIN:
		plugin.app = (char *)ev->app;
		plugin.digest = (char *)ev->digest;
		rec.r_case = MRJ__RECORD__R_PLUGIN;
		rec.plugin = &plugin;
		if (recovery_append(r, &rec, e) == -1)
			goto fail;
		return recovery_sync(r, ev->now, e);
	case JOB_EV_PHASE:
		/*
		 * Done: the journal is removed next (recovery_remove()), so
		 * nothing more of it needs to reach the disk; recovery_end()
		 * syncs it should it stay after all.
		 */
		if (ev->phase == PHASE_DONE) {
			if (r->loop != NULL)
				ev_timer_stop(r->loop, &r->sync_timer);
			return 0;
		}
		return recovery_sync(r, ev->now, e);
	default:
		return 0;
	}

fail:
	/* Said once: the job fails with it. */
	{
		char why[sizeof e->msg];

		snprintf(why, sizeof why, "%s", e->msg);
		err_set(e, "journal %s: %s", r->path, why);
	}
	return -1;
}

void
recovery_end(struct recovery *r, int done)
{
	struct err e;

	r->ended = 1;
	if (r->journal == NULL)
		return;
	if (r->loop != NULL)
		ev_timer_stop(r->loop, &r->sync_timer);
	r->loop = NULL;
	/* A journal that stays keeps what it was told, through a power loss. */
	if (!done && r->dirty && journal_sync(r->journal, &e) == -1)
		log_warn("%s", e.msg);
	journal_close(r->journal);
	r->journal = NULL;
}

void
recovery_remove(struct recovery *r)
{
	struct err e;

	/* With --no-journal, only the one of an earlier run resumed. */
	if (!r->ended || (r->no_journal && !r->resuming) || r->path[0] == '\0')
		return;
	if (journal_remove(r->path, &e) == -1)
		log_warn("%s", e.msg);
}
