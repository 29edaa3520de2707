/*
 * streamcmd.h - one command of a streaming job (a mapper, a combiner or a
 * reducer, as Hadoop Streaming runs them): started once per task, fed on
 * its standard input, read on its standard output and standard error.
 *
 *	s = streamcmd_start(&conf, &e);
 *	streamcmd_write(s, data, len, &e);	as often as needed
 *	streamcmd_finish(s, &e);		its stdin closed, the rest read,
 *						its exit status judged; s freed
 *
 * The command is run by /bin/sh -c in conf->dir with the environment
 * conf->env, in a process of its own that gets SIGKILL when the task's
 * process dies (PR_SET_PDEATHSIG). Its three pipes are
 * STREAMCMD_PIPE_SIZE bytes where the system allows it. Writing never
 * deadlocks against a command that writes before it has read its input:
 * every wait is a poll() on its standard input, output and error at once,
 * and what it writes is handled while we wait to write more. Small writes
 * are gathered in a buffer of STREAMCMD_BUF bytes; a large one goes to the
 * pipe straight from the caller's memory (a map task's mmapped split).
 *
 * Its standard output is handed over either line by line (conf->line:
 * each line without its newline, and without a carriage return just
 * before it, pointing into the read buffer: no copy per line; a last line
 * without a newline is a line too) or as the bytes come (conf->raw, a
 * newline added after a last line that lacks one).
 *
 * Its standard error is read line by line, as Hadoop Streaming reads it:
 * "reporter:counter:GROUP,NAME,AMOUNT" adds AMOUNT to the task's counter
 * GROUP.NAME (mr_counter_add(); bytes that a counter's name may not hold
 * become '_', a name longer than MR_COUNTER_NAME_MAX is cut), a line that
 * does not parse is said on the log and ignored, as Hadoop does;
 * "reporter:status:MESSAGE" is handed to conf->status; any other line goes
 * to the worker's log (at most STREAMCMD_LOG_LINES lines of a
 * command, then how many more there were), and its last
 * STREAMCMD_TAIL_LINES lines are kept for the error message.
 *
 * A command that exits with a status other than 0, is killed by a signal,
 * or ends without reading all of its standard input fails: the error
 * names the command, says which, and quotes the last lines of its
 * standard error; one that exits with STREAMCMD_NOT_FOUND, the shell's
 * status for a command it could not find, gets a hint after that: the
 * folder it runs in, and what a command must be to be found there. (A read end of its standard input is kept open here,
 * so that a write never fails with EPIPE: an input not read to its end
 * shows as the command ending while there is more to write, or as bytes
 * left in the pipe once it has exited.)
 */
#ifndef MR_STREAMCMD_H
#define MR_STREAMCMD_H

#include <stddef.h>

#include "err.h"

/* Bytes asked of the kernel for each of a command's pipes (F_SETPIPE_SZ). */
#define STREAMCMD_PIPE_SIZE	(1 << 20)

/* The status sh exits with when it cannot find the command (POSIX). */
#define STREAMCMD_NOT_FOUND	127

/* Bytes gathered before a write, and read at a time. */
#define STREAMCMD_BUF		(1 << 20)

/* The longest line of standard output taken; a longer one fails. */
#define STREAMCMD_LINE_MAX	((size_t)64 << 20)

/* The longest line of standard error kept; the rest of it is dropped. */
#define STREAMCMD_ERR_LINE	4096

/* Lines of a command's standard error written to the log, at most. */
#define STREAMCMD_LOG_LINES	100

/* Lines of standard error quoted in an error, and bytes of each. */
#define STREAMCMD_TAIL_LINES	4
#define STREAMCMD_TAIL_BYTES	160

/*
 * Seconds a command that closed its standard input early has to exit
 * before it is killed (so that its exit status can be told).
 */
#define STREAMCMD_GRACE		2.0

struct streamcmd_conf {
	const char	*role;		/* "mapper", "combiner", "reducer" */
	const char	*command;	/* for /bin/sh -c */
	const char	*dir;		/* its working folder; NULL: ours */
	char *const	*env;		/* its environment; NULL: ours */
	const char	*label;		/* before its log lines ("attempt 3
					   mapper"); NULL: role */
	/* Each line of its standard output; 0, or -1 with e set: it fails. */
	int		(*line)(void *arg, const char *p, size_t len,
			    struct err *e);
	/* Or (line NULL) its bytes as they come; the same contract. */
	int		(*raw)(void *arg, const char *p, size_t len,
			    struct err *e);
	/* A reporter:status: line's text (NUL-terminated); may be NULL. */
	void		(*status)(void *arg, const char *text, size_t len);
	/* A reporter:counter: line was counted: progress; may be NULL. */
	void		(*progress)(void *arg);
	/*
	 * Milliseconds until status wants to be called back by tick (-1:
	 * never), so that a wait does not last past it; both may be NULL.
	 */
	int		(*wait_ms)(void *arg);
	void		(*tick)(void *arg);
	void		*arg;
};

struct streamcmd;

/*
 * Starts the command (conf is copied, not what it points to). Returns it,
 * or NULL with e set when no pipe or process could be had.
 */
struct streamcmd *streamcmd_start(const struct streamcmd_conf *conf,
		    struct err *e);

/*
 * Writes p[0..n) to its standard input (buffered), handling what it
 * writes meanwhile. Returns 0, or -1 with e set: the command closed its
 * standard input (it ended, perhaps failed: e says how, as
 * streamcmd_finish() would), or a callback failed. After -1, only
 * streamcmd_abort() remains.
 */
int	streamcmd_write(struct streamcmd *s, const void *p, size_t n,
	    struct err *e);

/*
 * Writes the line KEY<TAB>VALUE<LF> as streamcmd_write() would, in one
 * copy into the buffer when it fits. Returns 0 or -1 likewise.
 */
int	streamcmd_write_record(struct streamcmd *s, const char *key,
	    size_t keylen, const char *value, size_t valuelen, struct err *e);

/*
 * Writes what is buffered, closes its standard input, reads what it
 * writes to the end and waits for it. Returns 0 when it exited with
 * status 0, or -1 with e set; frees s either way.
 */
int	streamcmd_finish(struct streamcmd *s, struct err *e);

/* Kills the command, waits for it and frees s; NULL is fine. */
void	streamcmd_abort(struct streamcmd *s);

/*
 * Parses a reporter:counter: line's "GROUP,NAME,AMOUNT" (p[0..len)) into
 * the counter's name ("GROUP.NAME" made a valid counter name, in name of
 * MR_COUNTER_NAME_MAX + 1 bytes) and *amount. Returns 0, or -1 when it is
 * not three fields or AMOUNT is not a 64-bit decimal number.
 */
int	streamcmd_counter(const char *p, size_t len, char *name,
	    long long *amount);

#endif
