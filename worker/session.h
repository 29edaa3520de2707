/*
 * session.h - the worker's conversation with its coordinator, across
 * coordinators: joining, asking, reporting, hearing what it says, and
 * finding a coordinator again when the one it had goes away.
 *
 * A worker joins with Hello (its pid, the plugin's name and digest) and is
 * answered with a Welcome, which puts it in the job folder (the process's
 * current folder). It then alternates a TaskRequest, sent together with
 * the report of the task before (one write, one wake-up of the
 * coordinator), with the Task it is given. Reads and writes are blocking:
 * the worker has nothing else to do, and its task runs in another process
 * (child.h) whose pipe session_wait() watches along with the socket.
 *
 * A connection that closes or fails without a Shutdown is a coordinator
 * lost, not the job's end: session_rejoin() waits up to --reconnect
 * seconds for one to listen on the same socket again (connect_wait():
 * inotify, no polling), then says Hello to it. A coordinator that
 * sends what is not a frame, or not a Task, is a protocol error instead:
 * the worker ends.
 */
#ifndef MR_SESSION_H
#define MR_SESSION_H

#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "auth.h"
#include "err.h"
#include "mr.pb-c.h"

/* How long a worker looks for a coordinator again, unless told (--reconnect). */
#define SESSION_RECONNECT_DEFAULT 30

/* What the worker says, and where and how long it looks for a coordinator. */
struct session_conf {
	struct sockaddr_un addr;	/* the socket (a relative path is the
					   starting folder's, even from the
					   job folder) */
	const struct addr *tcp;		/* --coordinator tcp:HOST:PORT, or NULL
					   for addr */
	const struct auth *auth;	/* with tcp: how to prove ourselves */
	double		 wait;		/* for the first coordinator (--wait) */
	int		 if_running;	/* none at first means the job is over */
	double		 reconnect;	/* for another, once one is lost; 0: none */
	const char	*app;		/* Hello.app */
	const char	*digest;	/* Hello.plugin_digest */
	int		 sample;	/* Hello.sample: the plugin partitions in
					   a total order, and wants the pieces
					   to sample (welcome.h keeps them) */
};

struct session;

/*
 * Connects (waiting up to conf->wait seconds; with conf->if_running, not
 * at all), says Hello and enters the job folder the Welcome names. conf is
 * copied. Returns 1 with *sp set; 0 when, with conf->if_running, nobody
 * listens, or when the coordinator answers with its Shutdown (the job is
 * over); 2 when that Shutdown says the job failed; -1 with e set: nobody
 * within the wait, a
 * socket of another user, a Welcome refusing this worker (its text), of
 * another protocol version, or naming a folder that cannot be entered.
 */
int		 session_open(struct session **sp,
		    const struct session_conf *conf, struct err *e);

/* The connection's socket. */
int		 session_fd(const struct session *s);

/* Of the last Welcome: the job's id, and mr-out-Y's folder ("" the job's). */
uint64_t	 session_job(const struct session *s);
const char	*session_out_dir(const struct session *s);

/* Queues the frame of a report, to go with the next request. */
void		 session_queue(struct session *s, const uint8_t *frame,
		    size_t len);

/*
 * Queues a TaskRequest and sends everything queued. A failure to send is
 * kept for session_recv() to tell, once it has read what the coordinator
 * may have said before it went (a Shutdown).
 */
void		 session_request(struct session *s);

/*
 * Sends the frame of a TaskProgress now, if the coordinator takes them
 * (its Welcome said so); else drops it. A failure to send is kept as
 * session_request() keeps it.
 */
void		 session_progress(struct session *s, const uint8_t *frame,
		    size_t len);

/* Sends what is queued; -1 with e set when it cannot. */
int		 session_flush(struct session *s, struct err *e);

/* What session_wait() woke up for. */
enum session_ready {
	SESSION_COORDINATOR,	/* the socket: session_recv() */
	SESSION_OTHER		/* the other fd */
};

/*
 * Waits until the coordinator says something (or closes the connection)
 * or, when fd is not -1, until fd is readable; the socket first when both.
 */
enum session_ready session_wait(struct session *s, int fd);

/*
 * Reads the coordinator's next message. Returns 1 with *env set (a Task
 * of a kind this version knows; frame_free() it); 0 when the coordinator
 * is lost (the connection closed, reset, or a send failed), e saying how;
 * -1 on a protocol error (not a frame, not a Task), e saying what.
 */
int		 session_recv(struct session *s, Mr__Envelope **env,
		    struct err *e);

/*
 * The coordinator is lost (`why`): drops the connection and what is
 * queued (a report for a coordinator that is gone), then, for up to
 * conf->reconnect seconds, waits for a coordinator on the socket and joins
 * it as session_open() does, saying on the log that it waits and, if the
 * job is another (its id), which. Returns 0 once joined, or -1 with e set:
 * "lost the coordinator: WHY; none came back within N s", or why the one
 * that came would not have it.
 */
int		 session_rejoin(struct session *s, const char *why,
		    struct err *e);

/* Closes the connection and frees s; NULL is fine. */
void		 session_close(struct session *s);

#endif
