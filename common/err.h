/*
 * err.h - error text passed up from functions that return -1.
 *
 * A caller owns a struct err and passes it down; the failing function fills
 * it with a sentence naming the culprit ("mr-3-1: checksum mismatch"), and
 * callers higher up may prefix context with err_prefix().
 */
#ifndef MR_ERR_H
#define MR_ERR_H

#define ERR_MAX 512

struct err {
	char	msg[ERR_MAX];
};

/* Sets the message. Keeps errno. */
void	err_set(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Sets the message followed by ": " and strerror(errno). Keeps errno. */
void	err_sys(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Puts "prefix: " in front of the current message. Keeps errno. */
void	err_prefix(struct err *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
