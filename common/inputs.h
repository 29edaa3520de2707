/*
 * inputs.h - the input files of a job, from what the user named: files,
 * folders, and lists of names (--inputs-from), checked before any work.
 *
 * mrcoordinator, mrsequential and mrrun collect their inputs here, so the
 * three accept the same names and refuse the same ones with the same
 * words. A folder stands for the regular files in it, in byte order of
 * their names (the same job whatever order the file system lists them
 * in), without those in its subfolders unless recursive; names starting
 * with "." or "_" are skipped in a folder, as Hadoop skips them (editor
 * backups, _SUCCESS and _logs of an earlier job), but not when named
 * directly. A list holds one name per line (empty lines skipped), or
 * NUL-separated names; each may be a file or a folder, and "-" is the
 * standard input.
 *
 * Every input must be a regular file that can be opened for reading; each
 * gets a stamp (common/stamp.h), the plan map attempts check it against.
 */
#ifndef MR_INPUTS_H
#define MR_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "stamp.h"

/* How the names given are read. */
struct inputs_options {
	int		 recursive;	/* --recursive: folders in folders too */
	const char	*from;		/* --inputs-from FILE ("-": stdin), or NULL */
	int		 nul;		/* -0: that list is NUL-separated */
};

struct inputs;

/*
 * Collects the inputs named by args[0..nargs) and then by the list in
 * o->from, in that order. Returns 0 with *out set, or -1 with e naming the
 * first culprit: "DIR: No such file or directory", "NAME: not a regular
 * file", "NAME: Permission denied (listed in FILE, line 3)", "FILE: a
 * line longer than PATH_MAX", "no input files (DIR has none)" when nothing
 * is left, followed by "(and N more)" when other names are bad too. Each
 * bad name is logged with log_warn() as it is found, so that a user sees
 * them all at once.
 */
int	inputs_collect(const struct inputs_options *o, char *const *args,
	    int nargs, struct inputs **out, struct err *e);

/* How many inputs there are (at least 1). */
size_t	inputs_count(const struct inputs *in);

/*
 * The names, NUL-terminated, as the user gave them (a folder's files as
 * "DIR/NAME"); owned by `in`.
 */
char *const *inputs_names(const struct inputs *in);

/* The stamp of each input when it was collected; owned by `in`. */
const struct stamp *inputs_stamps(const struct inputs *in);

/*
 * Makes every relative name absolute, from `cwd`: for a program that reads
 * the inputs from another folder than the one the names were typed in.
 */
void	inputs_absolute(struct inputs *in, const char *cwd);

/*
 * Writes the names NUL-separated into `path` (created mode 0600, replaced
 * if there), for another program's --inputs-from -0. Returns 0 or -1 with
 * e set.
 */
int	inputs_write_list(const struct inputs *in, const char *path,
	    struct err *e);

/* Frees everything; NULL is ignored. */
void	inputs_free(struct inputs *in);

#endif
