/*
 * sequential.c - mrsequential: a whole job in one process, as a baseline.
 *
 * Maps every input into one in-memory table, sorts it, and reduces each key
 * into mr-out-0. It shares no file format, merge or protocol code with the
 * distributed path, and never runs the combiner, so the tests comparing the
 * two check those parts against a plain reading of the job.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "input.h"
#include "log.h"
#include "mapout.h"
#include "output.h"
#include "plugin.h"
#include "version.h"

struct sequential {
	const struct mr_app	*app;
	struct output		*out;
	struct err		 err;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrsequential PLUGIN FILE...\n"
"\n"
"Runs the application in PLUGIN over the FILEs in this one process and\n"
"writes the whole result, sorted by key, to mr-out-0 in the current folder.\n"
"PLUGIN is a path (build/apps/wc.so; a name ending in .so is a file in the\n"
"current folder) or a bare name such as wc, looked for as wc.so in each\n"
"folder of $MR_PLUGIN_PATH (colon-separated), then in\n"
"%s (the installed plugins), then in apps/ next to\n"
"this program (build/apps/ in the source tree).\n"
"\n"
"  -h, --help      this text\n"
"  -V, --version   the version\n"
"\n"
"Exit status: 0 on success, 1 on an error, 2 on a usage error.\n",
	    plugin_dir());
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sequential s;
	struct plugin *plugin;
	struct mapout *mo;
	const char *data;
	char file[PATH_MAX];
	size_t len;
	int ch;

	log_init("mrsequential");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (ch) {
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

	mo = mapout_new(1);
	for (int i = optind + 1; i < argc; i++) {
		if (input_map(argv[i], &data, &len, &s.err) == -1)
			fatal("%s", s.err.msg);
		if (s.app->map(mapout_emitter(mo), argv[i], data, len) != 0)
			fatal("%s: map function of %s failed", argv[i],
			    s.app->name);
		input_unmap(data, len);
	}
	mapout_sort(mo);
	s.out = output_open("mr-out-0", &s.err);
	if (s.out == NULL)
		fatal("%s", s.err.msg);
	if (mapout_foreach_group(mo, 0, sequential_reduce, &s) == -1) {
		output_abort(s.out);
		fatal("%s", s.err.msg);
	}
	if (output_commit(s.out, NULL, &s.err) == -1)
		fatal("%s", s.err.msg);
	mapout_free(mo);
	plugin_close(plugin);
	return 0;
}
