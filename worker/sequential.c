/*
 * sequential.c - mrsequential: a whole job in one process, as a baseline.
 *
 * Maps every input into one in-memory table, sorts it, and reduces each key
 * into mr-out-0. It shares no file format, merge or protocol code with the
 * distributed path, and never runs the combiner, so the tests comparing the
 * two check those parts against a plain reading of the job. It reads the
 * inputs as a map task does, though (input.h, split.h): cut into splits
 * of --split-size at the same places, each checked against the file as it
 * was when the program started, so that the two can be compared whatever
 * the inputs hold.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "input.h"
#include "jobdir.h"
#include "log.h"
#include "mapout.h"
#include "output.h"
#include "plugin.h"
#include "sdk.h"
#include "split.h"
#include "version.h"

/* Long options without a short letter. */
#define OPT_OVERWRITE 256

struct sequential {
	const struct mr_app	*app;
	struct output		*out;
	struct mapout		*mo;
	const char		*input;		/* being mapped */
	const char		*data;		/* its split */
	size_t			 len;
	struct err		 err;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrsequential [--split-size BYTES] [--overwrite] [--] PLUGIN FILE...\n"
"\n"
"Runs the application in PLUGIN over the FILEs in this one process and\n"
"writes the whole result, sorted by key, to mr-out-0 in the current folder.\n"
"As a distributed job, it locks the folder while it runs and refuses to\n"
"start where another job runs or an earlier job's mr-out-Y or mr-X-Y are.\n"
"PLUGIN is a path (build/apps/wc.so; a name ending in .so is a file in the\n"
"current folder) or a bare name such as wc, looked for as wc.so in each\n"
"folder of $MR_PLUGIN_PATH (colon-separated), then in\n"
"%s (the installed plugins), then in apps/ next to\n"
"this program (build/apps/ in the source tree).\n"
"\n"
"  -b, --split-size BYTES  call map once per split of this size, cut as\n"
"                          mrcoordinator --split-size cuts (default 16M)\n"
"      --overwrite         remove an earlier job's mr-out-Y and mr-X-Y first\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Exit status: 0 on success, 1 on an error (or the folder is unusable, in\n"
"use by another job, or holds an earlier job's files), 2 on a usage error.\n",
	    plugin_dir());
}

static int
sequential_map(void *arg)
{
	struct sequential *s = arg;

	return s->app->map(mapout_emitter(s->mo), s->input, s->data, s->len);
}

/*
 * Maps every split of one input, checked against `planned` as a map task
 * checks it. Returns 0, or -1 with s->err naming the input.
 */
static int
sequential_input(struct sequential *s, const char *path,
    const struct stamp *planned, uint64_t split_size)
{
	struct input *in;
	uint64_t n = split_count(planned->size, split_size);
	int rc;

	if (input_open(&in, path, planned, 0, &s->err) != 0)
		return -1;
	s->input = path;
	for (uint64_t k = 0; k < n; k++) {
		if (input_split(in, k * split_size, k + 1 < n ? split_size :
		    0, &s->data, &s->len, &s->err) != 0)
			goto fail;
		rc = input_guarded(in, sequential_map, s, &s->err);
		if (rc < 0)
			goto fail;
		/* A misused counter says more than "map failed". */
		if (rc == 1 && sdk_counters_check(&s->err) == 0) {
			err_set(&s->err, "%s: map function of %s failed", path,
			    s->app->name);
			goto fail;
		}
		if (sdk_counters_check(&s->err) == -1) {
			err_prefix(&s->err, "%s", path);
			goto fail;
		}
	}
	if (input_verify(in, &s->err) != 0)
		goto fail;
	input_close(in);
	return 0;
fail:
	input_close(in);
	return -1;
}

/*
 * Stamps every input before any is read, as the coordinator plans a job.
 * Returns the stamps, or NULL with e set.
 */
static struct stamp *
sequential_plan(char *const *files, int n, struct err *e)
{
	struct stamp *stamps = xcalloc(n > 0 ? n : 1, sizeof *stamps);
	struct stat st;

	for (int i = 0; i < n; i++) {
		if (stat(files[i], &st) == -1) {
			err_sys(e, "%s", files[i]);
			free(stamps);
			return NULL;
		}
		stamp_of(&st, &stamps[i]);
	}
	return stamps;
}

static int
sequential_reduce(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct sequential *s = arg;

	if (s->app->reduce(output_emitter(s->out), key, keylen, values) != 0) {
		if (!output_failed(s->out, &s->err))
			err_set(&s->err, "reduce function of %s failed",
			    s->app->name);
		return -1;
	}
	return 0;
}

static int
sequential_bycounter(const void *a, const void *b)
{
	const char *x, *y;
	int64_t v;

	sdk_counters_get(*(const size_t *)a, &x, &v);
	sdk_counters_get(*(const size_t *)b, &y, &v);
	return strcmp(x, y);
}

/*
 * Prints the plugin's counters on one line sorted by name, as the
 * coordinator does, so that the two can be compared.
 */
static void
sequential_counters(void)
{
	size_t order[MR_COUNTERS_MAX], n = sdk_counters_count();
	struct buf line = BUF_INIT;
	const char *name;
	char num[32];
	int64_t v;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof *order, sequential_bycounter);
	for (size_t i = 0; i < n; i++) {
		sdk_counters_get(order[i], &name, &v);
		snprintf(num, sizeof num, " %lld", (long long)v);
		if (i > 0)
			buf_add(&line, ", ", 2);
		buf_add(&line, name, strlen(name));
		buf_add(&line, num, strlen(num));
	}
	log_info("counters: %.*s", (int)line.len, (const char *)line.data);
	buf_free(&line);
}

/*
 * Maps the n files in splits of split_size, sorts, and reduces into
 * mr-out-0 (written whole or not at all). Returns 0, or -1 with s->err set.
 */
static int
sequential_run(struct sequential *s, char *const *files, int n,
    uint64_t split_size)
{
	struct stamp *stamps;
	int rc = -1;

	sdk_counters_reset();
	s->mo = mapout_new(1);
	stamps = sequential_plan(files, n, &s->err);
	if (stamps == NULL)
		goto out;
	for (int i = 0; i < n; i++)
		if (sequential_input(s, files[i], &stamps[i], split_size) == -1)
			goto out;
	mapout_sort(s->mo);
	s->out = output_open("mr-out-0", &s->err);
	if (s->out == NULL)
		goto out;
	if (mapout_foreach_group(s->mo, 0, sequential_reduce, s) == -1 ||
	    sdk_counters_check(&s->err) == -1) {
		output_abort(s->out);
		goto out;
	}
	rc = output_commit(s->out, NULL, &s->err);
out:
	free(stamps);
	mapout_free(s->mo);
	s->mo = NULL;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "split-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sequential s;
	struct jobdir_job jj;
	struct jobdir *jd;
	struct plugin *plugin;
	uint64_t split_size = SPLIT_SIZE_DEFAULT;
	char file[PATH_MAX];
	int ch, rc, overwrite = 0;

	log_init("mrsequential");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "b:hV", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_OVERWRITE:
			overwrite = 1;
			break;
		case 'b':
			if (split_parse_size(optarg, &split_size) == -1) {
				log_warn("--split-size: expected a positive size "
				    "in bytes (K, M, G suffixes), got '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrsequential %s (plugin interface %d)\n",
			    MR_VERSION, MR_ABI_VERSION);
			return 0;
		default:
			log_warn("bad option or missing argument: %s",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return 2;
	}
	if (plugin_find(argv[optind], file, sizeof file, &s.err) == -1 ||
	    (plugin = plugin_load(file, &s.err)) == NULL)
		fatal("%s", s.err.msg);
	s.app = plugin_app(plugin);
	memset(&jj, 0, sizeof jj);
	jj.overwrite = overwrite;
	jj.inputs = argv + optind + 1;
	jj.ninputs = argc - optind - 1;
	jj.prog = "mrsequential";
	if (jobdir_start(&jj, &jd, &s.err) == -1) {
		log_warn("%s", s.err.msg);
		plugin_close(plugin);
		return 1;
	}

	rc = sequential_run(&s, argv + optind + 1, argc - optind - 1,
	    split_size);
	if (rc == -1)
		log_warn("%s", s.err.msg);
	else
		sequential_counters();
	plugin_close(plugin);
	jobdir_finish(jd, rc == 0, 0);
	return rc == 0 ? 0 : 1;
}
