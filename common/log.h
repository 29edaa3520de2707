/*
 * log.h - messages on stderr, prefixed by the program's name.
 *
 * Every program calls log_init() first with its name; messages then read
 * "mrworker: cannot open wc.so: No such file or directory".
 */
#ifndef MR_LOG_H
#define MR_LOG_H

#include <stdarg.h>

/*
 * Sets the prefix of every message (usually the program name), and ignores
 * SIGPIPE for the whole process: a message whose reader went away (stderr
 * piped into `head`), like a write to a closed socket, then fails instead
 * of killing the program. Messages that cannot be written are dropped.
 */
void	log_init(const char *progname);

/* The prefix given to log_init(). */
const char *log_progname(void);

/* Sets verbosity: 0 quiet (errors only), 1 normal, 2 verbose (debug). */
void	log_set_level(int level);

/*
 * Calls before(arg) just before each message is written and after(arg) just
 * after, so that a caller drawing a line in place (a progress line) can
 * erase it and draw it again; NULLs remove them.
 */
void	log_set_hooks(void (*before)(void *), void (*after)(void *),
	    void *arg);

/*
 * With on, the calling thread's messages never wait from now on: each is
 * written with one write(2) if stderr can take it at once (not through
 * stdio, whose lock a thread blocked on a full stderr pipe may hold), else
 * dropped, and the hooks are not called; with 0, they wait again. For a
 * process that must stop its tasks whatever they do to stderr (the
 * worker's parent, worker/child.h). Other threads' messages are written
 * with write(2) too, waiting as long as it takes.
 */
void	log_set_nowait(int on);

/*
 * Whether stderr is a terminal that understands "\r\033[K" (TERM set and
 * not "dumb"). Messages then start by erasing the cursor's line.
 */
int	log_is_tty(void);

/* A message for the user. */
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A message only shown with log level 2. */
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An error message; always shown. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the message and exits with status 1 (start-up failures, out of memory). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* malloc / realloc / strdup that never return NULL: out of memory is fatal. */
void	*xmalloc(size_t size);
void	*xcalloc(size_t n, size_t size);
void	*xrealloc(void *p, size_t size);
char	*xstrdup(const char *s);

#endif
