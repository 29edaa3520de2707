/*
 * server.h - the coordinator's event loop: socket, workers, dispatch.
 *
 *	s = server_new(&cfg, job);
 *	if (server_listen(s, &e) == -1) ...
 *	status = server_run(s);
 *	server_free(s);
 *
 * server_adopt() and server_loop() let a test or a fuzzer attach a
 * connected socket and drive the loop without a listening socket.
 */
#ifndef MR_SERVER_H
#define MR_SERVER_H

#include <sys/un.h>

#include <stdint.h>

#include <ev.h>

#include "addr.h"
#include "auth.h"
#include "err.h"
#include "report.h"
#include "job.h"
#include "tasks.h"

/* TCP addresses a coordinator listens on at most (--listen). */
#define SERVER_LISTEN_MAX 4

struct server_config {
	struct sockaddr_un	 addr;		/* where to listen */
	struct addr		 listen[SERVER_LISTEN_MAX];	/* --listen: TCP too */
	size_t			 nlisten;
	const struct auth	*auth;		/* how TCP peers prove themselves */
	double			 peer_timeout;	/* --peer-timeout: a TCP peer
					   unanswered that long is given up */
	const char		*job_dir;	/* absolute; sent to workers */
	const char		*output_dir;	/* absolute; mr-out-Y go there;
					   NULL: the job folder */
	uint64_t		 job_id;	/* sent to workers, in every mr-X-Y */
	uint32_t		 incarnation;	/* 1, more for a resumed job */
	unsigned		 max_connections;
	int			 allow_changes;	/* --allow-changing-inputs */
	uint64_t		 split_size;	/* --split-size, for compressed inputs */
	int			 progress_mode;	/* enum progress_mode */
	double			 progress_interval;	/* seconds between log lines */
	struct report		*report;	/* --report, or NULL */
	int			 keep_intermediates;	/* mr-X-Y stay when done */
	const struct params	*params;	/* -D, sent in the Welcome */
	int			 output_format;	/* --output-format (outfmt.h) */
	const struct tasks_input *sample;	/* what a total order samples */
	size_t			 nsample;	/* (plan_sample()) */
};

struct server;

/*
 * A server for the job j; both stay owned by the caller. It subscribes the
 * store of attempts and workers (read by cfg->report, if any, and the
 * history), the status tally and the progress line to the job.
 */
struct server	*server_new(const struct server_config *cfg, struct job *j);

/*
 * Creates the socket at cfg->addr (listener_open(): mode 0600, unless
 * something answers there; a stale socket file of ours is replaced) and
 * the TCP sockets of cfg->listen, and serves them. Returns 0 or -1 with e
 * set.
 */
int	server_listen(struct server *s, struct err *e);

/*
 * Runs the job until every task is done, the job fails, or SIGINT/SIGTERM,
 * then writes cfg->report if any. Returns the program's exit status: 0 when
 * every output is final, 1 when not, 3 when they are but the report could
 * not be written.
 */
int	server_run(struct server *s);

/*
 * Where the i-th --listen address listens (its port when 0 was asked),
 * once server_listen() succeeded.
 */
const struct addr *server_tcp_bound(const struct server *s, size_t i);

/* Serves a connected non-blocking socket as a worker. Returns -1 over the limit. */
int	server_adopt(struct server *s, int fd);

/* When the server was made, on its monotonic clock. */
double	server_started(const struct server *s);

/* The event loop, for callers that drive it themselves. */
struct ev_loop	*server_loop(const struct server *s);

/* Closes every connection and the socket; frees s. NULL is fine. */
void	server_free(struct server *s);

#endif
