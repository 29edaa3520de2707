/*
 * server.c - the coordinator's single-threaded libev loop.
 *
 * It owns the listening socket, one struct conn per worker, and the task
 * state (tasks.c). Every connection is non-blocking with a read buffer and
 * a write queue; whole frames are parsed in a loop and dispatched with one
 * switch. A worker that asks for work when none is free waits on its open
 * connection until a task frees up or the job ends. A connection found
 * misbehaving is marked dead and freed at the end of the callback that
 * noticed, never while something may still use it.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "frame.h"
#include "log.h"
#include "safefile.h"
#include "server.h"

/* How long the coordinator waits for its last words to reach the workers. */
#define SERVER_LINGER 2.0

enum conn_state {
	CONN_HELLO,		/* waiting for Hello */
	CONN_IDLE,		/* introduced, holds no task */
	CONN_WAITING,		/* asked for a task, none free yet */
	CONN_BUSY		/* running an attempt */
};

struct server;

struct conn {
	int			 fd;
	ev_io			 rio, wio;
	struct buf		 in, out;
	struct server		*srv;
	enum conn_state		 state;
	uint32_t		 worker;	/* 0 before Hello */
	int			 pid;
	uint64_t		 attempt;	/* held while CONN_BUSY */
	int			 dead;		/* free at the end of the callback */
	int			 closing;	/* close once the queue is flushed */
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 wentry;	/* in srv->waiting */
};

TAILQ_HEAD(conn_list, conn);

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct server {
	struct ev_loop		*loop;
	const struct server_config *cfg;
	struct tasks		*tasks;
	int			 lfd;
	ev_io			 accept_io;
	ev_timer		 deadline;	/* next task timeout */
	ev_timer		 linger;	/* bounded wait at the end */
	ev_signal		 sigint, sigterm;
	struct conn_list	 conns;
	struct conn_list	 waiting;
	uint32_t		 next_worker;
	int			 finishing;
	int			 status;
	double			 started;
};

static void	conn_read_cb(struct ev_loop *, ev_io *, int);
static void	conn_write_cb(struct ev_loop *, ev_io *, int);
static void	server_serve(struct server *);

/* Seconds on a monotonic clock: task deadlines must not follow the wall clock. */
static double
server_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *
conn_name(const struct conn *c)
{
	static char buf[64];

	if (c->worker == 0)
		snprintf(buf, sizeof buf, "connection %d", c->fd);
	else
		snprintf(buf, sizeof buf, "worker %u (pid %d)", c->worker,
		    c->pid);
	return buf;
}

/* Queues a frame; EV_WRITE is watched only while the queue is non-empty. */
static int
conn_send(struct conn *c, const Mr__Envelope *env)
{
	struct err e;

	if (frame_pack(&c->out, env, &e) == -1) {
		log_warn("%s: %s", conn_name(c), e.msg);
		return -1;
	}
	if (!ev_is_active(&c->wio))
		ev_io_start(c->srv->loop, &c->wio);
	return 0;
}

static struct conn *
conn_new(struct server *s, int fd)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->srv = s;
	c->state = CONN_HELLO;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	c->rio.data = c->wio.data = c;
	ev_io_start(s->loop, &c->rio);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	return c;
}

/* Tears a connection down; a task it held goes back to the queue at once. */
static void
conn_free(struct conn *c)
{
	struct server *s = c->srv;

	if (c->state == CONN_WAITING)
		TAILQ_REMOVE(&s->waiting, c, wentry);
	if (c->state == CONN_BUSY && !s->finishing) {
		log_info("%s lost while running attempt %llu; task requeued",
		    conn_name(c), (unsigned long long)c->attempt);
		tasks_lost(s->tasks, c->attempt, server_now());
	} else if (c->worker != 0)
		log_debug("%s left", conn_name(c));
	ev_io_stop(s->loop, &c->rio);
	ev_io_stop(s->loop, &c->wio);
	close(c->fd);
	TAILQ_REMOVE(&s->conns, c, entry);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
	if (!s->finishing)
		server_serve(s);
	else if (TAILQ_EMPTY(&s->conns))
		ev_break(s->loop, EVBREAK_ALL);
}

static int
conn_on_hello(struct conn *c, const Mr__Hello *m)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Welcome w = MR__WELCOME__INIT;

	if (c->state != CONN_HELLO) {
		log_warn("%s: second hello", conn_name(c));
		return -1;
	}
	w.version = MR_PROTOCOL_VERSION;
	env.msg_case = MR__ENVELOPE__MSG_WELCOME;
	env.welcome = &w;
	if (m->version != MR_PROTOCOL_VERSION) {
		/* Tell it our version so that it can say what is wrong. */
		log_warn("%s: protocol version %u, expected %u; refused",
		    conn_name(c), m->version, MR_PROTOCOL_VERSION);
		conn_send(c, &env);
		c->closing = 1;
		return 0;
	}
	c->worker = ++c->srv->next_worker;
	c->pid = m->pid;
	c->state = CONN_IDLE;
	w.worker_id = c->worker;
	w.job_dir = (char *)c->srv->cfg->job_dir;
	log_debug("%s joined", conn_name(c));
	return conn_send(c, &env);
}

static int
conn_on_request(struct conn *c)
{
	if (c->state != CONN_IDLE) {
		log_warn("%s: task request %s", conn_name(c),
		    c->state == CONN_HELLO ? "before hello" :
		    "while it already has or awaits a task");
		return -1;
	}
	c->state = CONN_WAITING;
	TAILQ_INSERT_TAIL(&c->srv->waiting, c, wentry);
	return 0;
}

/* Checks that a report is about the attempt this worker holds. */
static int
conn_check_report(struct conn *c, uint64_t attempt, const char *what)
{
	if (c->state != CONN_BUSY || attempt != c->attempt) {
		log_warn("%s: %s report for attempt %llu it does not hold",
		    conn_name(c), what, (unsigned long long)attempt);
		return -1;
	}
	return 0;
}

static int
conn_on_done(struct conn *c, const Mr__TaskDone *m)
{
	enum tasks_verdict v;

	if (conn_check_report(c, m->attempt, "done") == -1)
		return -1;
	v = tasks_report_done(c->srv->tasks, c->worker, m->attempt,
	    server_now());
	if (v == VERDICT_INVALID)
		return -1;
	log_debug("%s: attempt %llu done%s", conn_name(c),
	    (unsigned long long)m->attempt,
	    v == VERDICT_STALE ? " (already done by another)" : "");
	c->state = CONN_IDLE;
	c->attempt = 0;
	return 0;
}

static int
conn_on_failed(struct conn *c, const Mr__TaskFailed *m)
{
	enum tasks_verdict v;

	if (conn_check_report(c, m->attempt, "failure") == -1)
		return -1;
	v = tasks_report_failed(c->srv->tasks, c->worker, m->attempt,
	    m->bad_maps, m->n_bad_maps, server_now());
	if (v == VERDICT_INVALID) {
		log_warn("%s: failure report names unknown map tasks",
		    conn_name(c));
		return -1;
	}
	log_info("%s: attempt %llu failed: %s", conn_name(c),
	    (unsigned long long)m->attempt,
	    m->error != NULL && *m->error != '\0' ? m->error : "no reason given");
	c->state = CONN_IDLE;
	c->attempt = 0;
	return 0;
}

/* One handler per message a worker may send; anything else is a violation. */
static int
conn_dispatch(struct conn *c, const Mr__Envelope *env)
{
	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_HELLO:
		return conn_on_hello(c, env->hello);
	case MR__ENVELOPE__MSG_REQUEST:
		return conn_on_request(c);
	case MR__ENVELOPE__MSG_DONE:
		return conn_on_done(c, env->done);
	case MR__ENVELOPE__MSG_FAILED:
		return conn_on_failed(c, env->failed);
	default:
		log_warn("%s: unexpected message type %d", conn_name(c),
		    (int)env->msg_case);
		return -1;
	}
}

/* Parses and dispatches every whole frame in the read buffer. */
static int
conn_parse(struct conn *c)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;
	int rc;

	while (!c->closing) {
		rc = frame_parse(buf_head(&c->in), buf_len(&c->in), &env, &used,
		    &e);
		if (rc == 0)
			return 0;
		if (rc == -1) {
			log_warn("%s: %s; dropped", conn_name(c), e.msg);
			return -1;
		}
		buf_consume(&c->in, used);
		rc = conn_dispatch(c, env);
		frame_free(env);
		if (rc == -1) {
			log_warn("%s: protocol violation; dropped",
			    conn_name(c));
			return -1;
		}
	}
	return 0;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	struct err e;
	long need;
	ssize_t n;

	(void)loop;
	(void)revents;
	/* Grow the buffer only as far as the frame being read needs. */
	need = frame_needed(buf_head(&c->in), buf_len(&c->in), &e);
	if (need == -1) {
		log_warn("%s: %s; dropped", conn_name(c), e.msg);
		c->dead = 1;
		goto out;
	}
	if ((size_t)need < buf_len(&c->in) + 4096)
		need = buf_len(&c->in) + 4096;
	if ((size_t)need > MR_FRAME_HEADER + MR_FRAME_MAX)
		need = MR_FRAME_HEADER + MR_FRAME_MAX;
	n = read(c->fd, buf_reserve(&c->in, need - buf_len(&c->in)),
	    need - buf_len(&c->in));
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		log_warn("%s: read: %s", conn_name(c), strerror(errno));
		c->dead = 1;
		goto out;
	}
	if (n == 0) {
		if (buf_len(&c->in) > 0)
			log_warn("%s: closed in the middle of a frame",
			    conn_name(c));
		c->dead = 1;
		goto out;
	}
	buf_commit(&c->in, n);
	if (conn_parse(c) == -1)
		c->dead = 1;
out:
	if (c->dead)
		conn_free(c);
	else
		server_serve(c->srv);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	ssize_t n;

	(void)revents;
	while (buf_len(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_len(&c->out),
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			log_debug("%s: write: %s", conn_name(c),
			    strerror(errno));
			c->dead = 1;
			break;
		}
		buf_consume(&c->out, n);
	}
	if (!c->dead) {
		ev_io_stop(loop, &c->wio);
		if (c->closing)
			c->dead = 1;
	}
	if (c->dead)
		conn_free(c);
}

/* Arms the timer for the next task deadline after expiring overdue ones. */
static void
server_arm_deadline(struct server *s)
{
	double now = server_now(), next;

	next = tasks_expire(s->tasks, now);
	ev_timer_stop(s->loop, &s->deadline);
	if (next > 0) {
		ev_timer_set(&s->deadline, next - now + 0.001, 0.);
		ev_timer_start(s->loop, &s->deadline);
	}
}

/* Removes temporary files that crashed workers left in the job folder. */
static void
server_clean_job_dir(struct server *s)
{
	DIR *d = opendir(s->cfg->job_dir);
	struct dirent *de;
	size_t n = strlen(SAFEFILE_PREFIX);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, SAFEFILE_PREFIX, n) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

/*
 * The job is over: no new workers, Shutdown to everyone, then leave once
 * the queues are flushed or after SERVER_LINGER seconds.
 */
static void
server_finish(struct server *s)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	Mr__Shutdown sd = MR__SHUTDOWN__INIT;
	struct conn *c, *next;

	s->finishing = 1;
	if (unlink(s->cfg->addr.sun_path) == -1 && errno != ENOENT)
		log_warn("%s: %s", s->cfg->addr.sun_path, strerror(errno));
	ev_io_stop(s->loop, &s->accept_io);
	close(s->lfd);
	ev_timer_stop(s->loop, &s->deadline);
	server_clean_job_dir(s);

	task.kind_case = MR__TASK__KIND_SHUTDOWN;
	task.shutdown = &sd;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &task;
	TAILQ_FOREACH_SAFE(c, &s->conns, entry, next) {
		if (c->state == CONN_WAITING)
			TAILQ_REMOVE(&s->waiting, c, wentry);
		c->state = CONN_IDLE;
		c->closing = 1;
		ev_io_stop(s->loop, &c->rio);
		conn_send(c, &env);
	}
	if (TAILQ_EMPTY(&s->conns)) {
		ev_break(s->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_start(s->loop, &s->linger);
}

/* Hands free tasks to waiting workers, in the order they asked. */
static void
server_serve(struct server *s)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Task task = MR__TASK__INIT;
	Mr__MapTask mt = MR__MAP_TASK__INIT;
	Mr__ReduceTask rt = MR__REDUCE_TASK__INIT;
	struct conn *c;
	struct lease l;
	enum tasks_phase phase;

	if (s->finishing)
		return;
	server_arm_deadline(s);
	while ((c = TAILQ_FIRST(&s->waiting)) != NULL) {
		if (tasks_lease(s->tasks, c->worker, server_now(), &l) != 1)
			break;
		TAILQ_REMOVE(&s->waiting, c, wentry);
		task.attempt = l.attempt;
		if (l.kind == TASK_MAP) {
			mt.id = l.id;
			mt.input = (char *)l.input;
			mt.n_reduce = l.nreduce;
			task.kind_case = MR__TASK__KIND_MAP;
			task.map = &mt;
		} else {
			rt.partition = l.id;
			rt.n_map = l.nmap;
			task.kind_case = MR__TASK__KIND_REDUCE;
			task.reduce = &rt;
		}
		env.msg_case = MR__ENVELOPE__MSG_TASK;
		env.task = &task;
		c->state = CONN_BUSY;
		c->attempt = l.attempt;
		log_debug("%s: attempt %llu: %s task %u", conn_name(c),
		    (unsigned long long)l.attempt,
		    l.kind == TASK_MAP ? "map" : "reduce", l.id);
		conn_send(c, &env);
	}
	if (!ev_is_active(&s->deadline))
		server_arm_deadline(s);
	phase = tasks_phase(s->tasks);
	if (phase == PHASE_DONE) {
		log_info("job done in %.1f s: %u map and %u reduce tasks",
		    server_now() - s->started, tasks_nmap(s->tasks),
		    tasks_nreduce(s->tasks));
		s->status = 0;
		server_finish(s);
	} else if (phase == PHASE_FAILED) {
		log_warn("job failed: %s", tasks_failure(s->tasks));
		s->status = 1;
		server_finish(s);
	}
}

static void
server_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *s = w->data;
	struct ucred cred;
	socklen_t len;
	int fd;

	(void)loop;
	(void)revents;
	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		/* Only processes of our own user may take part in the job. */
		len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			log_warn("refused a connection from uid %d",
			    (int)cred.uid);
			close(fd);
			continue;
		}
		conn_new(s, fd);
	}
}

static void
server_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *s = w->data;
	struct tasks_counts before, after;

	(void)loop;
	(void)revents;
	tasks_counts(s->tasks, &before);
	server_arm_deadline(s);
	tasks_counts(s->tasks, &after);
	if (after.timeouts > before.timeouts)
		log_info("%llu task(s) timed out and were requeued",
		    (unsigned long long)(after.timeouts - before.timeouts));
	server_serve(s);
}

static void
server_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void
server_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *s = w->data;

	(void)loop;
	(void)revents;
	log_warn("interrupted; job abandoned");
	s->status = 1;
	server_finish(s);
}

/*
 * Binds to a temporary name beside the final path and renames the socket
 * into place once it listens, so that a worker never finds a socket file
 * nobody answers. A live coordinator's socket is never taken over.
 */
static int
server_listen(const struct sockaddr_un *addr)
{
	struct sockaddr_un tmp;
	int fd, probe;

	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe == -1)
		fatal("socket: %s", strerror(errno));
	if (connect(probe, (const struct sockaddr *)addr, sizeof *addr) == 0)
		fatal("%s: another coordinator is running there",
		    addr->sun_path);
	close(probe);

	tmp = *addr;
	if (snprintf(tmp.sun_path, sizeof tmp.sun_path, "%s.%d",
	    addr->sun_path, (int)getpid()) >= (int)sizeof tmp.sun_path)
		fatal("socket path too long: %s", addr->sun_path);
	unlink(tmp.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("socket: %s", strerror(errno));
	if (bind(fd, (const struct sockaddr *)&tmp, sizeof tmp) == -1)
		fatal("%s: bind: %s", tmp.sun_path, strerror(errno));
	if (chmod(tmp.sun_path, 0600) == -1 || listen(fd, 128) == -1 ||
	    rename(tmp.sun_path, addr->sun_path) == -1) {
		int saved = errno;

		unlink(tmp.sun_path);
		fatal("%s: %s", addr->sun_path, strerror(saved));
	}
	return fd;
}

int
server_run(const struct server_config *cfg, struct tasks *t)
{
	struct server s;
	struct conn *c, *next;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	s.tasks = t;
	s.status = 1;
	s.started = server_now();
	TAILQ_INIT(&s.conns);
	TAILQ_INIT(&s.waiting);
	signal(SIGPIPE, SIG_IGN);
	s.loop = ev_default_loop(EVFLAG_AUTO);
	if (s.loop == NULL)
		fatal("cannot initialise the event loop");
	s.lfd = server_listen(&cfg->addr);

	ev_io_init(&s.accept_io, server_accept_cb, s.lfd, EV_READ);
	ev_init(&s.deadline, server_deadline_cb);
	ev_timer_init(&s.linger, server_linger_cb, SERVER_LINGER, 0.);
	ev_signal_init(&s.sigint, server_signal_cb, SIGINT);
	ev_signal_init(&s.sigterm, server_signal_cb, SIGTERM);
	s.accept_io.data = s.deadline.data = s.linger.data = &s;
	s.sigint.data = s.sigterm.data = &s;
	ev_io_start(s.loop, &s.accept_io);
	ev_signal_start(s.loop, &s.sigint);
	ev_signal_start(s.loop, &s.sigterm);
	log_info("%u map tasks, %u reduce tasks; listening on %s",
	    tasks_nmap(t), tasks_nreduce(t), cfg->addr.sun_path);

	server_serve(&s);	/* an empty job is done at once */
	ev_run(s.loop, 0);

	TAILQ_FOREACH_SAFE(c, &s.conns, entry, next) {
		c->state = CONN_IDLE;
		conn_free(c);
	}
	ev_loop_destroy(s.loop);
	return s.status;
}
