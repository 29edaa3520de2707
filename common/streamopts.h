/*
 * streamopts.h - the options of a streaming job (any executable as
 * mapper, combiner and reducer, as Hadoop Streaming runs them), for
 * mrworker, mrrun and mrcoordinator alike:
 *
 *	--mapper CMD      each map task's input lines go to CMD (sh -c)
 *	--combiner CMD    each map task's sorted records go through CMD
 *	--reducer CMD     each partition's sorted records go to CMD; NONE: a
 *	                  map-only job (no reduce tasks); left out: records
 *	                  are written as they are (Hadoop's IdentityReducer)
 *	--file PATH       ships PATH beside the commands (Hadoop's -file): it
 *	                  is in their working folder under its last name
 *	--cmdenv N=V      sets N to V in the commands' environment
 *
 * Parsed here only, so that mrrun accepts exactly what it passes on. A
 * program adds STREAMOPTS_LONG to its getopt_long() table and hands every
 * option it does not know to streamopts_take().
 *
 * A worker tells its coordinator what it runs as a plugin would: the
 * application "streaming" and a digest over the commands, the --cmdenv
 * settings and each file's name and bytes (streamopts_digest()), so that
 * every worker of a job, and every coordinator resuming it, runs the same.
 */
#ifndef MR_STREAMOPTS_H
#define MR_STREAMOPTS_H

#include <getopt.h>
#include <stddef.h>

#include "err.h"

/* What Hello.app says for a streaming job. */
#define STREAMOPTS_APP "streaming"

/* --reducer NONE: a map-only job, as Hadoop's -reducer NONE. */
#define STREAMOPTS_NONE "NONE"

/* getopt_long() codes of the options, clear of every program's own. */
#define STREAMOPTS_MAPPER	512
#define STREAMOPTS_COMBINER	513
#define STREAMOPTS_REDUCER	514
#define STREAMOPTS_FILE		515
#define STREAMOPTS_CMDENV	516

#define STREAMOPTS_LONG							\
	{ "mapper", required_argument, NULL, STREAMOPTS_MAPPER },	\
	{ "combiner", required_argument, NULL, STREAMOPTS_COMBINER },	\
	{ "reducer", required_argument, NULL, STREAMOPTS_REDUCER },	\
	{ "file", required_argument, NULL, STREAMOPTS_FILE },		\
	{ "cmdenv", required_argument, NULL, STREAMOPTS_CMDENV }

/* The usage text of the options, for a program's --help. */
#define STREAMOPTS_HELP							\
"      --mapper CMD      a streaming job: each map task's input lines go\n" \
"                        to CMD (run by sh -c), whose output lines are\n" \
"                        records KEY<TAB>VALUE (no tab: all key)\n"	\
"      --combiner CMD    each map task's records, sorted, go through CMD\n" \
"      --reducer CMD     each reduce task's records, sorted, go to CMD as\n" \
"                        KEY<TAB>VALUE lines; its output lines are mr-out-Y;\n" \
"                        NONE: a map-only job (the mapper's lines are the\n" \
"                        outputs); left out: the records as they are\n" \
"      --file PATH       put PATH in the commands' working folder\n"	\
"      --cmdenv NAME=VALUE  set NAME in the commands' environment\n"

struct streamopts {
	const char	*mapper;	/* NULL: not a streaming job */
	const char	*combiner;	/* NULL: none */
	const char	*reducer;	/* NULL: the identity; STREAMOPTS_NONE */
	const char	**files;	/* as given */
	size_t		 nfiles;
	const char	**cmdenv;	/* "NAME=VALUE" */
	size_t		 ncmdenv;
};

#define STREAMOPTS_INIT { NULL, NULL, NULL, NULL, 0, NULL, 0 }

/*
 * Takes option `opt` (a getopt_long() code) with its argument arg (not
 * copied: argv's). Returns 1 when it is one of these and is well formed,
 * 0 when it is not one of these, or 2 after printing a usage error (an
 * option given twice, --cmdenv without NAME=, an empty command), the
 * exit status for `return`.
 */
int	streamopts_take(struct streamopts *so, int opt, const char *arg);

/*
 * After the command line: 2 after a usage error (--combiner, --reducer,
 * --file or --cmdenv without --mapper; two files of the same name), else
 * 0. Then, 0 or -1 with e naming a --file that is not a readable regular
 * file.
 */
int	streamopts_usage(const struct streamopts *so);
int	streamopts_check(const struct streamopts *so, struct err *e);

/* Whether --mapper was given; whether the job is map-only (--reducer NONE). */
int	streamopts_streaming(const struct streamopts *so);
int	streamopts_map_only(const struct streamopts *so);

/* A file's name in the commands' working folder: its last component. */
const char *streamopts_file_name(const char *path);

/*
 * The digest Hello carries for these options: "crc32c:%08x size:%llu"
 * over the commands, the --cmdenv settings in order, and each file's name
 * and bytes, into out (PLUGIN_DIGEST_MAX bytes). Returns 0, or -1 with e
 * naming a file that cannot be read.
 */
int	streamopts_digest(const struct streamopts *so, char *out, size_t len,
	    struct err *e);

/*
 * Appends the options to argv at *i (at most 2 * (3 + nfiles + ncmdenv)
 * slots), for a program passing them on; files as `abs`[k] when abs is
 * not NULL.
 */
void	streamopts_args(const struct streamopts *so, char **argv, int *i,
	    char *const *abs);

/*
 * What the options are, for a user to compare with another worker's, into
 * out[len] (cut to fit): "--mapper 'awk -f map.awk' --reducer 'cat', 2
 * --file, 1 --cmdenv"; each command cut at STREAMOPTS_SHOW_MAX bytes
 * ("..." after it). Files and settings are counted, not shown.
 */
#define STREAMOPTS_SHOW_MAX 48
void	streamopts_describe(const struct streamopts *so, char *out,
	    size_t len);

/* Frees the arrays (not the strings, argv's). */
void	streamopts_free(struct streamopts *so);

#endif
