/*
 * session.c - the worker's connection to its coordinator, found again
 * when lost (see session.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "connect.h"
#include "frame.h"
#include "log.h"
#include "protocol.h"
#include "session.h"
#include "welcome.h"

/*
 * A coordinator that accepts and then closes before its Welcome (at its
 * connection limit, say) is tried again after SESSION_RETRY_MIN seconds,
 * doubling up to SESSION_RETRY_MAX, within the --reconnect deadline.
 */
#define SESSION_RETRY_MIN 0.1
#define SESSION_RETRY_MAX 1.0

struct session {
	struct session_conf conf;
	int		 fd;
	int		 startdir;	/* the starting folder, for a relative
					   socket path; -1 when absolute */
	int		 joined;	/* a Welcome was had: job is known */
	int		 progress;	/* the coordinator takes TaskProgress */
	uint64_t	 job;
	char		 out_dir[PATH_MAX];
	struct buf	 out;		/* frames waiting to be sent */
	int		 broken;	/* a send failed: ... */
	char		 why[ERR_MAX];	/* ... why */
};

/*
 * Over TCP, until a Welcome says the coordinator's bound, a connection
 * unanswered this long is lost; after, this fraction of its bound, so that
 * the worker stops its task before the coordinator gives it to another.
 */
#define SESSION_TCP_TIMEOUT ADDR_PEER_TIMEOUT_DEFAULT
#define SESSION_TCP_SOONER (2.0 / 3.0)

/* Where the coordinator is, for log lines. */
static const char *
session_where(const struct session_conf *conf)
{
	return conf->tcp != NULL ? conf->tcp->text : conf->addr.sun_path;
}

/* Connects as connect_wait() does, over TCP when conf->tcp says so. */
static int
session_connect(const struct session_conf *conf, double wait, struct err *e)
{
	if (conf->tcp != NULL)
		return connect_wait_tcp(conf->tcp, conf->auth,
		    SESSION_TCP_TIMEOUT, wait, e);
	return connect_wait(&conf->addr, wait, e);
}

/*
 * What a worker says when it cannot enter the job folder: on another
 * host, the folder must be at the same path (a shared file system).
 */
static void
session_no_job_dir(const char *dir, struct err *e)
{
	char host[256];
	int saved = errno;

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "this host");
	host[sizeof host - 1] = '\0';
	errno = saved;
	err_sys(e, "cannot enter the job folder %s on host %s (every worker's "
	    "host must see the job folder at the same path, on a shared file "
	    "system)", dir, host);
}

static double
session_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
session_sleep(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* session_join(): the job ended as the worker joined (a Shutdown). */
#define SESSION_OVER		2
#define SESSION_OVER_FAILED	3

/*
 * Hello, then the Welcome, on the new connection fd (which s then owns).
 * Returns 1 once in the job folder; 0 when the connection went before the
 * Welcome (e says how: another may come); SESSION_OVER or
 * SESSION_OVER_FAILED when a Shutdown came instead; -1 with e set when
 * the answer ends the worker.
 */
static int
session_join(struct session *s, int fd, struct err *e)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply = NULL;
	Mr__Hello hello = MR__HELLO__INIT;
	char host[MR_HOST_MAX + 1] = "";
	const Mr__Welcome *w;
	struct err fe;
	int rc;

	s->fd = fd;
	hello.version = MR_PROTOCOL_VERSION;
	hello.pid = getpid();
	hello.app = (char *)s->conf.app;
	hello.plugin_digest = (char *)s->conf.digest;
	hello.sample = s->conf.sample;
	/* For status and the web page: which machine runs this worker. */
	if (gethostname(host, sizeof host - 1) == 0)
		hello.host = host;
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &hello;
	if (frame_send(fd, &env, &fe) == -1) {
		err_set(e, "%s", fe.msg);
		return 0;
	}
	errno = 0;
	rc = frame_recv(fd, &reply, &fe);
	if (rc == 0 || (rc == -1 && errno != EPROTO)) {
		err_set(e, "%s", rc == 0 ? "connection closed" : fe.msg);
		return 0;
	}
	rc = -1;
	if (reply == NULL) {
		err_set(e, "coordinator answered hello with %s", fe.msg);
		goto done;
	}
	/* A job ending as we joined: no Welcome, its Shutdown. */
	if (reply->msg_case == MR__ENVELOPE__MSG_TASK && reply->task != NULL &&
	    reply->task->kind_case == MR__TASK__KIND_SHUTDOWN) {
		err_set(e, "the job %s as this worker joined",
		    reply->task->shutdown->failed ? "failed" : "ended");
		rc = reply->task->shutdown->failed ? SESSION_OVER_FAILED :
		    SESSION_OVER;
		goto done;
	}
	if (reply->msg_case != MR__ENVELOPE__MSG_WELCOME) {
		err_set(e, "coordinator answered hello with message %d",
		    (int)reply->msg_case);
		goto done;
	}
	w = reply->welcome;
	if (w->version != MR_PROTOCOL_VERSION) {
		err_set(e, "coordinator speaks protocol version %u, this worker "
		    "%u", w->version, MR_PROTOCOL_VERSION);
		goto done;
	}
	if (w->refused != NULL && *w->refused != '\0') {
		err_set(e, "the coordinator refused this worker: %s",
		    w->refused);
		goto done;
	}
	if (w->job_dir == NULL || *w->job_dir == '\0' ||
	    chdir(w->job_dir) == -1) {
		session_no_job_dir(w->job_dir != NULL ? w->job_dir : "", e);
		goto done;
	}
	if (s->conf.tcp != NULL && w->peer_timeout_ms > 0 &&
	    addr_tune_tcp(fd, w->peer_timeout_ms / 1000.0 * SESSION_TCP_SOONER,
	    &fe) == -1)
		log_warn("%s: %s", session_where(&s->conf), fe.msg);
	if (w->output_dir != NULL && strlen(w->output_dir) >= sizeof s->out_dir) {
		err_set(e, "output folder name too long: %.64s...",
		    w->output_dir);
		goto done;
	}
	snprintf(s->out_dir, sizeof s->out_dir, "%s",
	    w->output_dir != NULL ? w->output_dir : "");
	/* The job's parameters, output format and sample, for every task. */
	welcome_free();
	if (welcome_take(w, e) == -1)
		goto done;
	if (s->joined && w->job_id != s->job)
		log_info("joined another job (id %016llx, was %016llx) in %s",
		    (unsigned long long)w->job_id, (unsigned long long)s->job,
		    w->job_dir);
	else
		log_debug("joined as worker %u in %s (job id %016llx, "
		    "incarnation %u)", w->worker_id, w->job_dir,
		    (unsigned long long)w->job_id, w->incarnation);
	s->job = w->job_id;
	s->progress = w->progress;
	s->joined = 1;
	rc = 1;
done:
	frame_free(reply);
	return rc;
}

int
session_open(struct session **sp, const struct session_conf *conf,
    struct err *e)
{
	struct session *s;
	int fd, rc;

	*sp = NULL;
	/* Started after the coordinator listened: no socket is the end. */
	fd = session_connect(conf, conf->if_running ? 0 : conf->wait, e);
	if (fd == -1 && conf->if_running && (errno == ENOENT ||
	    errno == ECONNREFUSED)) {
		log_debug("%s: the job is over", session_where(conf));
		return 0;
	}
	if (fd == -1)
		return -1;
	s = xcalloc(1, sizeof *s);
	s->conf = *conf;
	s->startdir = -1;
	if (conf->tcp == NULL && conf->addr.sun_path[0] != '/' &&
	    (s->startdir = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		err_sys(e, "the current folder");
		close(fd);
		free(s);
		return -1;
	}
	if ((rc = session_join(s, fd, e)) != 1) {
		session_close(s);
		if (rc == SESSION_OVER || rc == SESSION_OVER_FAILED) {
			log_debug("%s", e->msg);
			return rc == SESSION_OVER ? 0 : 2;
		}
		if (rc == 0)
			err_prefix(e, "lost the coordinator");
		return -1;
	}
	*sp = s;
	return 1;
}

int
session_fd(const struct session *s)
{
	return s->fd;
}

uint64_t
session_job(const struct session *s)
{
	return s->job;
}

const char *
session_out_dir(const struct session *s)
{
	return s->out_dir;
}

void
session_queue(struct session *s, const uint8_t *frame, size_t len)
{
	buf_add(&s->out, frame, len);
}

void
session_request(struct session *s)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskRequest request = MR__TASK_REQUEST__INIT;
	struct err e;

	env.msg_case = MR__ENVELOPE__MSG_REQUEST;
	env.request = &request;
	/* A request always fits in a frame. */
	if (frame_pack(&s->out, &env, &e) == -1 ||
	    session_flush(s, &e) == -1) {
		s->broken = 1;
		snprintf(s->why, sizeof s->why, "%s", e.msg);
	}
}

void
session_progress(struct session *s, const uint8_t *frame, size_t len)
{
	struct err e;

	if (!s->progress || s->broken)
		return;
	buf_add(&s->out, frame, len);
	if (session_flush(s, &e) == -1) {
		s->broken = 1;
		snprintf(s->why, sizeof s->why, "%s", e.msg);
	}
}

int
session_flush(struct session *s, struct err *e)
{
	return frame_flush(s->fd, &s->out, e);
}

enum session_ready
session_wait(struct session *s, int fd)
{
	struct pollfd pfd[2];
	int n;

	if (s->broken)
		return SESSION_COORDINATOR;
	pfd[0].fd = s->fd;
	pfd[0].events = POLLIN | POLLRDHUP;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, fd != -1 ? 2 : 1, -1);
		if (n == -1 && errno == EINTR)
			continue;
		/* An error of poll() itself: the reads will tell. */
		if (n == -1 || pfd[0].revents != 0)
			return SESSION_COORDINATOR;
		if (pfd[1].revents != 0)
			return SESSION_OTHER;
	}
}

int
session_recv(struct session *s, Mr__Envelope **env, struct err *e)
{
	Mr__Envelope *m = NULL;
	struct err fe;
	int rc;

	*env = NULL;
	errno = 0;
	rc = frame_recv(s->fd, &m, &fe);
	/* After a failed send, only a goodbye still counts. */
	if (s->broken) {
		if (rc == 1 && m->msg_case == MR__ENVELOPE__MSG_TASK &&
		    m->task->kind_case == MR__TASK__KIND_SHUTDOWN) {
			*env = m;
			return 1;
		}
		frame_free(m);
		err_set(e, "%s", s->why);
		return 0;
	}
	if (rc == 0) {
		err_set(e, "connection closed");
		return 0;
	}
	if (rc == -1) {
		err_set(e, "%s", fe.msg);
		return errno == EPROTO ? -1 : 0;
	}
	if (m->msg_case != MR__ENVELOPE__MSG_TASK) {
		err_set(e, "coordinator sent message %d instead of a task",
		    (int)m->msg_case);
		frame_free(m);
		return -1;
	}
	switch (m->task->kind_case) {
	case MR__TASK__KIND_MAP:
	case MR__TASK__KIND_REDUCE:
	case MR__TASK__KIND_SHUTDOWN:
	case MR__TASK__KIND_CANCEL:
		*env = m;
		return 1;
	default:
		err_set(e, "coordinator sent a task of unknown kind %d",
		    (int)m->task->kind_case);
		frame_free(m);
		return -1;
	}
}

/* Closes the connection and forgets what was queued for it. */
static void
session_drop(struct session *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	buf_free(&s->out);
	s->broken = 0;
}

int
session_rejoin(struct session *s, const char *why, struct err *e)
{
	char lost[ERR_MAX];
	double deadline, left, pause = SESSION_RETRY_MIN;
	struct err ce;
	int fd, rc;

	snprintf(lost, sizeof lost, "%s", why);
	session_drop(s);
	if (s->conf.reconnect <= 0) {
		err_set(e, "lost the coordinator: %s", lost);
		return -1;
	}
	log_info("lost the coordinator: %s; waiting up to %g s for one to "
	    "come back", lost, s->conf.reconnect);
	/* A relative socket path is the starting folder's. */
	if (s->startdir != -1 && fchdir(s->startdir) == -1) {
		err_sys(e, "lost the coordinator: %s; the starting folder", lost);
		return -1;
	}
	deadline = session_now() + s->conf.reconnect;
	while ((left = deadline - session_now()) > 0) {
		fd = session_connect(&s->conf, left, &ce);
		if (fd == -1) {
			if (errno == ENOENT || errno == ECONNREFUSED)
				break;	/* nobody came in time */
			err_set(e, "lost the coordinator: %s; %s", lost, ce.msg);
			return -1;
		}
		rc = session_join(s, fd, &ce);
		if (rc == 1)
			return 0;
		if (rc != 0) {
			session_drop(s);
			err_set(e, "%s", ce.msg);
			return -1;
		}
		/* It went before its Welcome: not at once again. */
		log_debug("%s: %s", session_where(&s->conf), ce.msg);
		session_drop(s);
		left = deadline - session_now();
		session_sleep(pause < left ? pause : left > 0 ? left : 0);
		pause = pause * 2 < SESSION_RETRY_MAX ? pause * 2 :
		    SESSION_RETRY_MAX;
	}
	err_set(e, "lost the coordinator: %s; none came back within %g s",
	    lost, s->conf.reconnect);
	return -1;
}

void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	session_drop(s);
	if (s->startdir != -1)
		close(s->startdir);
	connect_release();
	free(s);
}
