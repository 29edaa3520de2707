/*
 * mrpipe.c - an application (plugin) as a Hadoop Streaming command:
 * `mrpipe map APP` as the mapper, `mrpipe reduce APP` as the reducer and
 * `mrpipe combine APP` as the combiner, each a filter from the standard
 * input to the standard output (pipemap.h, pipereduce.h).
 *
 * So that `cat inputs | mrpipe map wc | LC_ALL=C sort | mrpipe reduce wc`
 * is mrsequential's job over the inputs as one file, map is given the same
 * pieces and reduce writes the same lines. The counters go last to the
 * standard error, in the lines Hadoop Streaming turns into a job's
 * counters. mrpipe links nothing but the C library dynamically, so that
 * the one file can be shipped to a cluster's nodes with the plugin.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linein.h"
#include "log.h"
#include "opts.h"
#include "pipemap.h"
#include "pipereduce.h"
#include "plugin.h"
#include "sdk.h"
#include "split.h"
#include "version.h"

/* Standard output's stdio buffer: records are short, writes need not be. */
#define MRPIPE_OUTBUF ((size_t)1 << 20)

/* The largest --split-size: a piece and its cut's window are held whole. */
#define MRPIPE_PIECE_MAX ((uint64_t)1 << 40)

/* The environment variables naming a map task's input, Hadoop's first. */
static const char *const mrpipe_input_vars[] = {
	"mapreduce_map_input_file", "map_input_file", NULL
};

/* What map is told it reads when no variable names the input. */
#define MRPIPE_STDIN_NAME "stdin"

/* A counter's group when the application's name gives none. */
#define MRPIPE_GROUP_DEFAULT "mrpipe"

enum mrpipe_mode {
	MRPIPE_MAP,
	MRPIPE_REDUCE,
	MRPIPE_COMBINE
};

static char mrpipe_outbuf[MRPIPE_OUTBUF];

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrpipe [-b BYTES] map APP\n"
"       mrpipe reduce APP\n"
"       mrpipe combine APP\n"
"\n"
"Runs the application in APP as a Hadoop Streaming command, from the\n"
"standard input to the standard output:\n"
"  map      gives the input to map in pieces of whole lines, cut as\n"
"           mrsequential cuts a file, and writes each record map emits as\n"
"           a line KEY<TAB>VALUE\n"
"  reduce   reads lines KEY<TAB>VALUE sorted by key (bytewise, as Hadoop\n"
"           sorts them), calls reduce once per key with its values, and\n"
"           writes what mrsequential writes to mr-out-0: lines KEY VALUE\n"
"  combine  the same with the combiner, writing lines KEY<TAB>VALUE\n"
"A line without a tab is a key with an empty value. map is told the name\n"
"in $mapreduce_map_input_file (or $map_input_file), else \"stdin\".\n"
"The counters go last to the standard error, one line each:\n"
"reporter:counter:NAME,COUNTER,AMOUNT, NAME being the application's.\n"
"APP is a path (build/apps/wc.so; a name ending in .so is a file in the\n"
"current folder) or a bare name such as wc, looked for as wc.so in each\n"
"folder of $MR_PLUGIN_PATH (colon-separated), then in\n"
"%s (the installed plugins), then in apps/ next to\n"
"this program (build/apps/ in the source tree).\n"
"\n"
"  -b, --split-size BYTES  map: call map once per piece of this size, cut\n"
"                          as mrsequential --split-size cuts (default 16M)\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Exit status: 0 on success, 1 on an error (the function failed, the input\n"
"is not sorted, a record no line can hold, a read or write error), 2 on a\n"
"usage error.\n",
	    plugin_dir());
}

/* The input's name for map: Hadoop's variables, else "stdin". */
static const char *
mrpipe_input_name(void)
{
	const char *v;

	for (size_t i = 0; mrpipe_input_vars[i] != NULL; i++)
		if ((v = getenv(mrpipe_input_vars[i])) != NULL && *v != '\0')
			return v;
	return MRPIPE_STDIN_NAME;
}

static int
mrpipe_bycounter(const void *a, const void *b)
{
	const char *x, *y;
	int64_t v;

	sdk_counters_get(*(const size_t *)a, &x, &v);
	sdk_counters_get(*(const size_t *)b, &y, &v);
	return strcmp(x, y);
}

/*
 * Writes the counters, sorted by name, as Hadoop Streaming reads them from
 * a task's standard error: "reporter:counter:GROUP,NAME,AMOUNT", GROUP the
 * application's name. Hadoop cuts the line at every comma, and a counter's
 * name may hold one: a comma (and in the group, anything but printable
 * ASCII) is written as '_'.
 */
static void
mrpipe_counters(const struct mr_app *app)
{
	size_t order[MR_COUNTERS_MAX], n = sdk_counters_count();
	const char *group = app->name, *name;
	char g[64], c[MR_COUNTER_NAME_MAX + 1];
	size_t i, j;
	int64_t v;

	if (n == 0)
		return;
	if (group == NULL || *group == '\0')
		group = MRPIPE_GROUP_DEFAULT;
	snprintf(g, sizeof g, "%s", group);
	for (j = 0; g[j] != '\0'; j++)
		if (g[j] < ' ' || g[j] > '~' || g[j] == ',')
			g[j] = '_';
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof *order, mrpipe_bycounter);
	for (i = 0; i < n; i++) {
		sdk_counters_get(order[i], &name, &v);
		for (j = 0; name[j] != '\0'; j++)
			c[j] = name[j] != ',' ? name[j] : '_';
		c[j] = '\0';
		fprintf(stderr, "reporter:counter:%s,%s,%lld\n", g, c,
		    (long long)v);
	}
	fflush(stderr);
}

/* Runs the mode over the standard input. Returns 0, or -1 with e set. */
static int
mrpipe_run(const struct mr_app *app, enum mrpipe_mode mode, uint64_t piece,
    struct err *e)
{
	struct linein *in;
	int rc;

	if (mode == MRPIPE_MAP)
		rc = pipemap_run(app, STDIN_FILENO, MRPIPE_STDIN_NAME,
		    mrpipe_input_name(), piece, stdout, e);
	else {
		in = linein_new(STDIN_FILENO, MRPIPE_STDIN_NAME);
		rc = pipereduce_run(app, mode == MRPIPE_COMBINE, in,
		    MRPIPE_STDIN_NAME, stdout, e);
		linein_free(in);
	}
	if (rc == -1)
		return -1;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err_sys(e, "stdout: write");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "split-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct plugin *plugin;
	const struct mr_app *app;
	enum mrpipe_mode mode;
	struct err e;
	uint64_t piece = SPLIT_SIZE_DEFAULT;
	char file[PATH_MAX];
	const char *m;
	int ch, piece_set = 0, rc;

	log_init("mrpipe");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":b:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (opts_size(optarg, &piece) == -1 ||
			    piece > MRPIPE_PIECE_MAX)
				return opts_invalid("split-size", "a positive "
				    "size in bytes (K, M, G suffixes), at most "
				    "1024G", optarg);
			piece_set = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrpipe %s (plugin interface %d)\n", MR_VERSION,
			    MR_ABI_VERSION);
			return 0;
		default:
			return opts_bad(ch, argv, opts);
		}
	}
	if (argc - optind < 1)
		return opts_usage("no mode given: map, reduce or combine");
	m = argv[optind];
	if (strcmp(m, "map") == 0)
		mode = MRPIPE_MAP;
	else if (strcmp(m, "reduce") == 0)
		mode = MRPIPE_REDUCE;
	else if (strcmp(m, "combine") == 0)
		mode = MRPIPE_COMBINE;
	else
		return opts_usage("unknown mode '%s': expected map, reduce or "
		    "combine", m);
	if (argc - optind < 2)
		return opts_usage("no application given");
	if (argc - optind > 2)
		return opts_usage("unexpected argument '%s'", argv[optind + 2]);
	if (piece_set && mode != MRPIPE_MAP)
		return opts_usage("--split-size applies to map only");

	if (plugin_find(argv[optind + 1], file, sizeof file, &e) == -1 ||
	    (plugin = plugin_load(file, &e)) == NULL)
		fatal("%s", e.msg);
	app = plugin_app(plugin);
	if (mode == MRPIPE_COMBINE && app->combine == NULL) {
		log_warn("%s: the application %s has no combine function",
		    file, app->name);
		plugin_close(plugin);
		return 1;
	}
	if (setvbuf(stdout, mrpipe_outbuf, _IOFBF, sizeof mrpipe_outbuf) != 0)
		fatal("stdout: cannot set its buffer");

	sdk_counters_reset();
	rc = mrpipe_run(app, mode, piece, &e);
	if (rc == -1)
		log_warn("%s", e.msg);
	else
		mrpipe_counters(app);
	plugin_close(plugin);
	return rc == 0 ? 0 : 1;
}
