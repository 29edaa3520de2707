/*
 * ctlconn.h - mrctl's side of a coordinator's socket: a status client's
 * requests and their answers, with blocking calls and timeouts.
 *
 *	fd = ctlconn_open(&addr, 10, &e);
 *	env = ctlconn_status(fd, addr.sun_path, &e);	env->status
 *	env = ctlconn_history(fd, addr.sun_path, since, 1, &e);
 *	frame_free(env);
 *	close(fd);
 *
 * Every answer is checked before it is used: its length against its bound
 * before anything is allocated (MR_STATUS_FRAME_MAX, MR_HISTORY_FRAME_MAX),
 * its type, and the coordinator's protocol version.
 */
#ifndef MR_CTLCONN_H
#define MR_CTLCONN_H

#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "frame.h"

/*
 * Connects to addr, checks that the server is ours (peercred.h) before a
 * word is sent, and makes a silent server time out after `timeout`
 * seconds. Returns the fd, or -1 with e set.
 */
int	ctlconn_open(const struct sockaddr_un *addr, double timeout,
	    struct err *e);

/*
 * Reads the next message, which must be of type `want` (at most `max`
 * bytes, and of our protocol version). Returns it, or NULL with e set
 * (naming `path`); a clean close before it says so.
 */
Mr__Envelope	*ctlconn_read(int fd, const char *path,
		    Mr__Envelope__MsgCase want, size_t max, struct err *e);

/* Sends a StatusRequest and reads the Status. */
Mr__Envelope	*ctlconn_status(int fd, const char *path, struct err *e);

/* Sends a HistoryRequest (since, follow) and reads the History. */
Mr__Envelope	*ctlconn_history(int fd, const char *path, uint64_t since,
		    int follow, struct err *e);

/*
 * Asks the coordinator at addr to end its job as Ctrl-C does; `from` says
 * who asks, for its log. Returns 1 when it did, 0 when it was already over
 * (why says so, in a buffer of whysize bytes), -1 with e set on an error.
 */
int	ctlconn_cancel(const struct sockaddr_un *addr, const char *from,
	    char *why, size_t whysize, struct err *e);

#endif
