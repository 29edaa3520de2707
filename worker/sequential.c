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
#include "inputs.h"
#include "jobdir.h"
#include "log.h"
#include "opts.h"
#include "mapout.h"
#include "outfmt.h"
#include "output.h"
#include "params.h"
#include "plugin.h"
#include "sdk.h"
#include "split.h"
#include "version.h"

/* Long options without a short letter. */
#define OPT_OVERWRITE 256
#define OPT_RECURSIVE 257
#define OPT_INPUTS_FROM 258
#define OPT_OUTPUT_FORMAT 259

struct sequential {
	const struct mr_app	*app;
	struct output		*out;
	struct mapout		*mo;
	struct input		*in;		/* being mapped */
	const char		*input;		/* being mapped */
	const char		*data;		/* its split */
	size_t			 len;
	enum outfmt		 format;
	struct err		 err;
};

/* -D's parameters: a global, so that an early exit leaves none unfreed. */
static struct params *params;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrsequential [--split-size BYTES] [-D NAME=VALUE]...\n"
"                    [--output-format text|tsv] [--overwrite] [--recursive]\n"
"                    [--inputs-from LIST [-0]] [--] PLUGIN INPUT...\n"
"\n"
"Runs the application in PLUGIN over the INPUTs in this one process and\n"
"writes the whole result, sorted by key, to mr-out-0 in the current folder.\n"
"INPUTs are read as mrcoordinator reads them: files, folders (their\n"
"regular files sorted by name, names starting with . or _ skipped), and\n"
"files ending in .gz, .bz2, .xz or .zst decompressed.\n"
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
"  -D NAME=VALUE           a job parameter, which the plugin reads with\n"
"                          mr_param(\"NAME\") (at most 64)\n"
"      --output-format F   text (default): lines \"key value\"; tsv: lines\n"
"                          \"key<TAB>value\" with C escapes, lossless\n"
"      --overwrite         remove an earlier job's mr-out-Y and mr-X-Y first\n"
"      --recursive         a folder's subfolders too\n"
"      --inputs-from LIST  more INPUTs, one per line of the file LIST\n"
"                          (-: the standard input); then PLUGIN alone may\n"
"                          follow the options\n"
"  -0, --null              names in LIST are NUL-separated (find -print0)\n"
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
	s->in = in;
	s->input = path;
	input_set_piece(in, split_size);
	if (input_compressed(in))
		n = 1;
	for (uint64_t k = 0; k < n; k++) {
		if (input_split(in, k * split_size, k + 1 < n ? split_size :
		    0, &s->data, &s->len, &s->err) != 0)
			goto fail;
		while ((rc = input_next(in, &s->data, &s->len, &s->err)) == 1) {
			sdk_error_clear();
			sdk_set_input_offset(input_offset(in));
			rc = input_guarded(in, sequential_map, s, &s->err);
			sdk_set_input_offset(0);
			if (rc < 0)
				goto fail;
			/* A misused counter says more than "map failed". */
			if (rc == 1 && sdk_counters_check(&s->err) == 0) {
				if (sdk_error() != NULL)
					err_set(&s->err, "%s: %s", path,
					    sdk_error());
				else
					err_set(&s->err, "%s: map function of "
					    "%s failed", path, s->app->name);
				goto fail;
			}
			if (sdk_counters_check(&s->err) == -1) {
				err_prefix(&s->err, "%s", path);
				goto fail;
			}
		}
		if (rc < 0)
			goto fail;
	}
	if (input_verify(in, &s->err) != 0)
		goto fail;
	input_close(in);
	return 0;
fail:
	input_close(in);
	return -1;
}

static int
sequential_reduce(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct sequential *s = arg;

	sdk_error_clear();
	if (s->app->reduce(output_emitter(s->out), key, keylen, values) != 0) {
		if (output_failed(s->out, &s->err))
			return -1;
		if (sdk_error() != NULL)
			err_set(&s->err, "%s", sdk_error());
		else
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
sequential_run(struct sequential *s, const struct inputs *ins,
    uint64_t split_size)
{
	char *const *files = inputs_names(ins);
	const struct stamp *stamps = inputs_stamps(ins);
	size_t n = inputs_count(ins);
	int rc = -1;

	sdk_counters_reset();
	s->mo = mapout_new(1);
	for (size_t i = 0; i < n; i++)
		if (sequential_input(s, files[i], &stamps[i], split_size) == -1)
			goto out;
	mapout_sort(s->mo);
	s->out = output_open("mr-out-0", s->format, &s->err);
	if (s->out == NULL)
		goto out;
	if (mapout_foreach_group(s->mo, 0, sequential_reduce, s) == -1 ||
	    sdk_counters_check(&s->err) == -1) {
		output_abort(s->out);
		goto out;
	}
	rc = output_commit(s->out, NULL, NULL, &s->err);
out:
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
		{ "recursive", no_argument, NULL, OPT_RECURSIVE },
		{ "inputs-from", required_argument, NULL, OPT_INPUTS_FROM },
		{ "null", no_argument, NULL, '0' },
		{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sequential s;
	struct jobdir_job jj;
	struct jobdir *jd;
	struct plugin *plugin;
	struct inputs_options io = { 0, NULL, 0 };
	struct inputs *ins;
	enum outfmt format = OUTFMT_DEFAULT;
	uint64_t split_size = SPLIT_SIZE_DEFAULT;
	char file[PATH_MAX];
	int ch, rc, overwrite = 0;

	log_init("mrsequential");
	params = params_new();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":b:D:0hV", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_OVERWRITE:
			overwrite = 1;
			break;
		case 'b':
			if (opts_size(optarg, &split_size) == -1)
				return opts_invalid("split-size", "a positive "
				    "size in bytes (K, M, G suffixes)", optarg);
			break;
		case 'D':
			if (params_add_arg(params, optarg, &s.err) == -1)
				return opts_usage("%s", s.err.msg);
			break;
		case OPT_OUTPUT_FORMAT:
			if (outfmt_parse(optarg, &format) == -1)
				return opts_invalid("output-format",
				    OUTFMT_CHOICES, optarg);
			break;
		case OPT_RECURSIVE:
			io.recursive = 1;
			break;
		case OPT_INPUTS_FROM:
			io.from = optarg;
			break;
		case '0':
			io.nul = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrsequential %s (plugin interface %d)\n",
			    MR_VERSION, MR_ABI_VERSION);
			return 0;
		default:
			return opts_bad(ch, argv, opts);
		}
	}
	if (argc - optind < (io.from != NULL ? 1 : 2))
		return opts_usage(argc == optind ? "no application given" :
		    "no input files");
	if (plugin_find(argv[optind], file, sizeof file, &s.err) == -1 ||
	    (plugin = plugin_load(file, &s.err)) == NULL)
		fatal("%s", s.err.msg);
	s.app = plugin_app(plugin);
	s.format = format;
	sdk_set_params(params);
	/* Stamped before any is read, as the coordinator plans a job. */
	if (inputs_collect(&io, argv + optind + 1, argc - optind - 1, &ins,
	    &s.err) == -1) {
		if (strncmp(s.err.msg, "no input files", 14) == 0)
			log_warn("%s", s.err.msg);
		plugin_close(plugin);
		return 1;
	}
	memset(&jj, 0, sizeof jj);
	jj.overwrite = overwrite;
	jj.inputs = inputs_names(ins);
	jj.ninputs = (int)inputs_count(ins);
	jj.prog = "mrsequential";
	if (jobdir_start(&jj, &jd, &s.err) == -1) {
		log_warn("%s", s.err.msg);
		inputs_free(ins);
		plugin_close(plugin);
		return 1;
	}

	/* The plugin's init once the job is known, its fini at the end. */
	if ((rc = sdk_init(s.app, &s.err)) == 0) {
		rc = sequential_run(&s, ins, split_size);
		sdk_fini(s.app);
	}
	if (rc == -1)
		log_warn("%s", s.err.msg);
	else
		sequential_counters();
	plugin_close(plugin);
	sdk_set_params(NULL);
	params_free(params);
	jobdir_finish(jd, rc == 0, 0, 0);
	inputs_free(ins);
	return rc == 0 ? 0 : 1;
}
