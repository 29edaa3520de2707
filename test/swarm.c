/*
 * swarm - many simulated workers for one coordinator, over loopback TCP,
 * for the scale test (scripts/test-net.sh's scale, scripts/bench): each
 * connection makes the handshake, says Hello and then answers every Task
 * at once with its TaskDone and the next TaskRequest, in one write, doing
 * no work at all, so that what is measured is the coordinator.
 *
 * usage: swarm [-n WORKERS] [-t THREADS] --secret-file FILE JOBDIR
 *              -- mrcoordinator ARG...
 *
 * It starts the coordinator (which must --listen on loopback TCP, with
 * JOBDIR as its job folder), reads where it listens from JOBDIR/.mr-address,
 * connects WORKERS workers (default 2000) served by THREADS threads
 * (default 2, each an epoll loop over its share), and once the coordinator
 * has exited prints one line:
 *
 *   workers W tasks T seconds S tasks_per_s R coord_cpu_s C
 *   cpu_us_per_task U peak_rss_mb M status X
 *
 * S runs from the first request to the coordinator's exit; C, U and M are
 * the coordinator's (wait4()), X its exit status. Exit status 0 when the
 * coordinator exited 0 and every worker was shut down, 1 otherwise, 2 on
 * a usage error.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "buf.h"
#include "dial.h"
#include "frame.h"

struct sim {
	int		 fd;
	struct buf	 in;
	int		 done;
};

struct crew {
	pthread_t	 thread;
	struct sim	*sims;
	size_t		 n;
	int		 ep;
};

static atomic_ulong swarm_tasks;
static atomic_ulong swarm_shut;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends a TaskDone for the task (none for a cancel) and a TaskRequest. */
static int
answer(struct sim *s, const Mr__Task *t)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskDone d = MR__TASK_DONE__INIT;
	Mr__TaskRequest r = MR__TASK_REQUEST__INIT;
	struct buf out = BUF_INIT;
	struct err e;
	int rc;

	if (t->kind_case == MR__TASK__KIND_MAP ||
	    t->kind_case == MR__TASK__KIND_REDUCE) {
		d.attempt = t->attempt;
		d.incarnation = t->incarnation;
		env.msg_case = MR__ENVELOPE__MSG_DONE;
		env.done = &d;
		frame_pack(&out, &env, &e);
		atomic_fetch_add(&swarm_tasks, 1);
	}
	env.msg_case = MR__ENVELOPE__MSG_REQUEST;
	env.request = &r;
	frame_pack(&out, &env, &e);
	rc = frame_flush(s->fd, &out, &e);
	buf_free(&out);
	return rc;
}

/* Reads what s's socket holds and answers each whole Task. */
static void
serve(struct sim *s)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;
	ssize_t n;
	int rc, eof = 0;

	for (;;) {
		n = recv(s->fd, buf_reserve(&s->in, 4096), 4096, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			eof = 1;	/* a Shutdown may be before it */
			break;
		}
		buf_commit(&s->in, (size_t)n);
	}
	while ((rc = frame_parse(buf_head(&s->in), buf_len(&s->in), &env,
	    &used, &e)) == 1) {
		buf_consume(&s->in, used);
		if (env->msg_case == MR__ENVELOPE__MSG_TASK &&
		    env->task->kind_case == MR__TASK__KIND_SHUTDOWN) {
			atomic_fetch_add(&swarm_shut, 1);
			s->done = 1;
		} else if (env->msg_case == MR__ENVELOPE__MSG_TASK &&
		    answer(s, env->task) == -1)
			s->done = 1;
		frame_free(env);
		if (s->done)
			return;
	}
	if (rc == -1 || eof)
		s->done = 1;
}

static void *
crew_run(void *arg)
{
	struct crew *c = arg;
	struct epoll_event ev[64];
	size_t left = c->n;
	int n;

	while (left > 0) {
		n = epoll_wait(c->ep, ev, 64, 1000);
		for (int i = 0; i < n; i++) {
			struct sim *s = ev[i].data.ptr;

			if (s->done)
				continue;
			serve(s);
			if (s->done) {
				epoll_ctl(c->ep, EPOLL_CTL_DEL, s->fd, NULL);
				close(s->fd);
				buf_free(&s->in);
				left--;
			}
		}
	}
	return NULL;
}

/* Hello and its Welcome on a connection that passed the handshake. */
static int
join(int fd)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply = NULL;
	Mr__Hello h = MR__HELLO__INIT;
	struct err e;
	int ok;

	h.version = MR_PROTOCOL_VERSION;
	h.pid = getpid();
	h.app = "swarm";
	h.plugin_digest = "none";
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &h;
	if (frame_send(fd, &env, &e) == -1 || frame_recv(fd, &reply, &e) != 1)
		return -1;
	ok = reply->msg_case == MR__ENVELOPE__MSG_WELCOME &&
	    (reply->welcome->refused == NULL || !*reply->welcome->refused);
	frame_free(reply);
	return ok ? 0 : -1;
}

/* Waits up to 30 s for the coordinator to say where it listens. */
static int
read_address(const char *dir, pid_t coord, struct addr *a)
{
	char path[4096], line[ADDR_TEXT_MAX + 2];
	struct err e;
	FILE *f;
	int status;

	snprintf(path, sizeof path, "%s/.mr-address", dir);
	for (int i = 0; i < 3000; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(line, sizeof line, f) != NULL) {
				fclose(f);
				line[strcspn(line, "\n")] = '\0';
				return addr_parse(line, 0, a, &e);
			}
			fclose(f);
		}
		if (waitpid(coord, &status, WNOHANG) == coord) {
			fprintf(stderr, "swarm: the coordinator exited (status "
			    "%d) before listening\n", WEXITSTATUS(status));
			exit(1);
		}
		usleep(10000);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	const char *secret = NULL, *dir;
	long nworkers = 2000, nthreads = 2;
	struct crew *crews;
	struct sim *sims;
	struct auth au;
	struct addr a;
	struct err e;
	struct rusage ru;
	struct rlimit rl;
	double t0, t1, cpu;
	int i = 1, status, opt;
	pid_t coord;

	while ((opt = getopt(argc, argv, "n:t:s:")) != -1) {
		switch (opt) {
		case 'n':
			nworkers = atol(optarg);
			break;
		case 't':
			nthreads = atol(optarg);
			break;
		case 's':
			secret = optarg;
			break;
		default:
			goto usage;
		}
	}
	i = optind;
	if (secret == NULL || i + 2 > argc || nworkers < 1 || nthreads < 1)
		goto usage;
	dir = argv[i++];
	if (strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		goto usage;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((coord = fork()) == 0) {
		execv(argv[i], argv + i);
		_exit(127);
	}
	if (read_address(dir, coord, &a) == -1) {
		fprintf(stderr, "swarm: no address in %s/.mr-address\n", dir);
		return 1;
	}
	if (dial_auth(&au, AUTH_METHOD_SECRET, secret, &e) == -1) {
		fprintf(stderr, "swarm: %s\n", e.msg);
		return 1;
	}
	sims = calloc((size_t)nworkers, sizeof *sims);
	crews = calloc((size_t)nthreads, sizeof *crews);
	for (long c = 0; c < nthreads; c++) {
		crews[c].ep = epoll_create1(EPOLL_CLOEXEC);
		crews[c].sims = sims + c * nworkers / nthreads;
		crews[c].n = (size_t)((c + 1) * nworkers / nthreads -
		    c * nworkers / nthreads);
	}
	for (long w = 0; w < nworkers; w++) {
		sims[w].fd = dial(&a, &au, 30, &e);
		if (sims[w].fd == -1 || join(sims[w].fd) == -1) {
			fprintf(stderr, "swarm: worker %ld: %s\n", w,
			    sims[w].fd == -1 ? e.msg : "not welcomed");
			kill(coord, SIGTERM);
			return 1;
		}
	}
	t0 = now();
	for (long c = 0; c < nthreads; c++) {
		for (size_t k = 0; k < crews[c].n; k++) {
			struct sim *s = &crews[c].sims[k];
			struct epoll_event ev = { EPOLLIN, { .ptr = s } };

			epoll_ctl(crews[c].ep, EPOLL_CTL_ADD, s->fd, &ev);
			answer(s, &(Mr__Task)MR__TASK__INIT);
		}
		pthread_create(&crews[c].thread, NULL, crew_run, &crews[c]);
	}
	for (long c = 0; c < nthreads; c++)
		pthread_join(crews[c].thread, NULL);
	if (wait4(coord, &status, 0, &ru) != coord)
		return 1;
	t1 = now();
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("workers %ld tasks %lu seconds %.2f tasks_per_s %.0f "
	    "coord_cpu_s %.2f cpu_us_per_task %.1f peak_rss_mb %.1f status %d\n",
	    nworkers, atomic_load(&swarm_tasks), t1 - t0,
	    atomic_load(&swarm_tasks) / (t1 - t0), cpu,
	    cpu / (double)atomic_load(&swarm_tasks) * 1e6,
	    ru.ru_maxrss / 1024.0, WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status));
	free(sims);
	free(crews);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    atomic_load(&swarm_shut) == (unsigned long)nworkers ? 0 : 1;
usage:
	fprintf(stderr, "usage: swarm [-n WORKERS] [-t THREADS] -s SECRETFILE "
	    "JOBDIR -- mrcoordinator ARG...\n");
	return 2;
}
