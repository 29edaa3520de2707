/*
 * opts.h - the command line's values and its errors, for every program.
 *
 * Counts, durations and sizes are parsed here only, so that mrrun accepts
 * exactly what the coordinator and the workers it passes them to accept.
 * A usage error is one line naming the culprit and a hint, as GNU tools
 * print them:
 *
 *	mrrun: unknown option '--foo'
 *	Try 'mrrun --help' for more information.
 *
 * The prefix is log_progname(). Each program's getopt_long() optstring
 * starts with ':' (a missing argument is then told apart from an unknown
 * option) and opterr is 0.
 */
#ifndef MR_OPTS_H
#define MR_OPTS_H

#include <getopt.h>
#include <stdint.h>

/*
 * A whole decimal number in [min, max], with no sign and nothing after it.
 * Returns 0 and sets *out, or -1.
 */
int	opts_count(const char *s, unsigned long long min, unsigned long long max,
	    unsigned long long *out);

/*
 * Seconds: a decimal number, fractions allowed, at most max; 0 is allowed
 * only when zero_ok, a negative number never. Returns 0 and sets *out, or -1.
 */
int	opts_seconds(const char *s, int zero_ok, double max, double *out);

/*
 * A size: a positive number of bytes with an optional K, M or G suffix
 * (powers of 1024) that fits in 64 bits. Returns 0 and sets *out, or -1.
 */
int	opts_size(const char *s, uint64_t *out);

/*
 * Prints the usage error fmt on stderr, then the hint to --help. Returns 2,
 * the exit status of a usage error, for `return opts_usage(...)`.
 */
int	opts_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For a value that does not parse: "--NAME: expected WHAT, got 'VALUE'"
 * and the hint. Returns 2.
 */
int	opts_invalid(const char *name, const char *what, const char *value);

/*
 * For getopt_long()'s ':' (missing argument) or '?' (anything else) as ch:
 * says which option, in the words "unknown option '--foo'", "unknown
 * option '-x'", "option '--socket' needs an argument", "option '--help'
 * takes no argument" or "ambiguous option '--ver'", and the hint. argv and
 * longopts are those given to getopt_long(). Returns 2.
 */
int	opts_bad(int ch, char *const argv[], const struct option *longopts);

#endif
