/*
 * child.c - a task attempt's process: started, watched, stopped (see
 * child.h).
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "frame.h"
#include "log.h"
#include "safefile.h"

/* A task's process's name (comm: ps -o comm, /proc/PID/comm), at most 15. */
#define CHILD_NAME "mrworker-task"

/* What a child reads from the pipe at a time. */
#define CHILD_READ 4096

/* The page parent and child share (MAP_SHARED, made before the fork). */
struct child_shared {
	pthread_mutex_t	 lock;		/* robust, process-shared */
	int		 stopped;	/* set by the parent under lock */
};

struct child {
	pid_t		 pid;
	uint64_t	 attempt;
	int		 fd;		/* the pipe's read end; -1 at its end */
	int		 ended;		/* it has exited: status is known */
	int		 reaped;
	int		 held;		/* the parent holds sh->lock */
	siginfo_t	 info;		/* how it ended */
	struct child_shared *sh;
	struct buf	 report;	/* frames read, not taken yet */
	struct buf	 progress;	/* the last TaskProgress frame */
	int		 new_progress;	/* not handed out yet */
};

/* In the child: the coordinator's connection, whose end refuses links. */
static int child_watch = -1;

/* In the child: its end of the report pipe. */
static int child_wr = -1;

/* In the child: the worker's pid, whose death it is told of. */
static pid_t child_parent;

/*
 * The signal a streaming task's process gets when its worker dies, in
 * place of SIGKILL (child_group_dies_with_parent()): a real-time signal,
 * which nothing of the worker uses and no terminal sends.
 */
#define CHILD_DEATHSIG	(SIGRTMIN + 1)

/*
 * In the child: what child_start() made, kept reachable for a leak checker
 * that runs when the child ends (valgrind follows a fork); volatile, as
 * nothing reads it.
 */
static struct child *volatile child_self;

/*
 * Takes the shared lock. Returns 0, or 1 when its holder died with it
 * (a child that crashed in the middle of a link, or in the child the
 * parent): the lock is then made usable again and held all the same.
 */
static int
child_lock(struct child_shared *sh)
{
	int rc;

	while ((rc = pthread_mutex_lock(&sh->lock)) == EINTR)
		;
	if (rc == EOWNERDEAD) {
		pthread_mutex_consistent(&sh->lock);
		return 1;
	}
	if (rc != 0)
		fatal("shared lock of a task's process: %s", strerror(rc));
	return 0;
}

/* The child's safefile guard: see child.h. */
static int
child_guard(void *arg, struct err *e)
{
	struct child_shared *sh = arg;
	struct pollfd pfd;

	/* The lock of a dead parent: the child has SIGKILL coming. */
	if (child_lock(sh) == 1 || sh->stopped) {
		pthread_mutex_unlock(&sh->lock);
		err_set(e, "the attempt is stopped");
		return -1;
	}
	pfd.fd = child_watch;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (child_watch != -1 && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
		pthread_mutex_unlock(&sh->lock);
		err_set(e, "the coordinator is gone");
		return -1;
	}
	return 0;
}

static void
child_unguard(void *arg)
{
	struct child_shared *sh = arg;

	pthread_mutex_unlock(&sh->lock);
}

/* Writes all of p to the pipe; -1 on an error. */
static int
child_write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child's life: the attempt, its report on the pipe, the end. */
static void __attribute__((noreturn))
child_main(pid_t parent, int rd, int wr, int watch,
    int (*run)(void *, struct buf *), void *arg, struct child_shared *sh)
{
	struct buf report = BUF_INIT;
	int status = 0;

	/* Dies with the worker; a worker gone already is not waited for. */
	child_parent = parent;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	close(rd);
	/* Its own group: stopping it stops the commands it runs too. */
	setpgid(0, 0);
	child_wr = wr;
	/* Told apart from its worker by tools that count workers by name. */
	prctl(PR_SET_NAME, CHILD_NAME);
	child_watch = watch;
	safefile_set_guard(child_guard, child_unguard, sh);
	/* Its messages wait for stderr, as a plugin's own do. */
	log_set_nowait(0);
	if (run(arg, &report) == -1)
		status = 1;
	/* The plugin's buffered output, which _exit() would drop. */
	fflush(NULL);
	if (status == 0 && child_write_all(wr, buf_head(&report),
	    buf_len(&report)) == -1)
		status = 1;
	buf_free(&report);
	/* No atexit handler of the worker's runs in its task's process. */
	_exit(status);
}

struct child *
child_start(uint64_t attempt, int watch, int (*run)(void *, struct buf *),
    void *arg, struct err *e)
{
	pthread_mutexattr_t ma;
	struct child *c;
	pid_t parent = getpid();
	int fds[2];

	/* Whoever started us may have left SIGCHLD ignored: children vanish. */
	signal(SIGCHLD, SIG_DFL);
	c = xcalloc(1, sizeof *c);
	c->attempt = attempt;
	c->fd = -1;
	c->sh = mmap(NULL, sizeof *c->sh, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->sh == MAP_FAILED) {
		err_sys(e, "attempt %llu: shared page",
		    (unsigned long long)attempt);
		free(c);
		return NULL;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&c->sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	c->sh->stopped = 0;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		err_sys(e, "attempt %llu: pipe", (unsigned long long)attempt);
		goto fail;
	}
	/* Nothing buffered may be written twice, by both processes. */
	fflush(NULL);
	c->pid = fork();
	if (c->pid == -1) {
		err_sys(e, "attempt %llu: fork", (unsigned long long)attempt);
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	if (c->pid == 0) {
		child_self = c;
		child_main(parent, fds[0], fds[1], watch, run, arg, c->sh);
	}
	/* Both sides, so that a kill of the group never comes too early. */
	setpgid(c->pid, c->pid);
	close(fds[1]);
	c->fd = fds[0];
	return c;
fail:
	pthread_mutex_destroy(&c->sh->lock);
	munmap(c->sh, sizeof *c->sh);
	free(c);
	return NULL;
}

int
child_report_fd(void)
{
	return child_wr;
}

/*
 * The worker died: the group goes, this process included. Only
 * async-signal-safe calls. The group is this process's own (child_main()
 * made it before anything could call child_group_dies_with_parent()), so
 * -getpid() is it; should it not be (it always is), this process dies
 * alone rather than killing a group of someone else's.
 */
static void
child_on_parent_death(int sig)
{
	(void)sig;
	kill(-getpid(), SIGKILL);
	kill(getpid(), SIGKILL);
}

int
child_group_dies_with_parent(struct err *e)
{
	struct sigaction sa;
	sigset_t set;

	if (child_wr == -1) {
		err_set(e, "not in a task's process");
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = child_on_parent_death;
	sigfillset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, CHILD_DEATHSIG);
	/* The handler first, unblocked: the signal may come at once. */
	if (sigaction(CHILD_DEATHSIG, &sa, NULL) == -1 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) == -1 ||
	    prctl(PR_SET_PDEATHSIG, CHILD_DEATHSIG) == -1) {
		err_sys(e, "the task's death with its worker");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return -1;
	}
	/* A worker that died before the switch sent SIGKILL, or nothing. */
	if (getppid() != child_parent)
		child_on_parent_death(CHILD_DEATHSIG);
	return 0;
}

/* SIGKILL to the child and what it started (its process group). */
static void
child_kill(const struct child *c)
{
	kill(-c->pid, SIGKILL);
	kill(c->pid, SIGKILL);
}

uint64_t
child_attempt(const struct child *c)
{
	return c->attempt;
}

pid_t
child_pid(const struct child *c)
{
	return c->pid;
}

int
child_fd(const struct child *c)
{
	return c->fd;
}

/*
 * Waits for the child to have exited, leaving it a zombie so that its pid
 * is not given to another process while we remove its files.
 */
static void
child_wait_end(struct child *c)
{
	if (c->ended)
		return;
	memset(&c->info, 0, sizeof c->info);
	while (waitid(P_PID, (id_t)c->pid, &c->info, WEXITED | WNOWAIT) == -1)
		if (errno != EINTR) {
			/* ECHILD: already reaped by someone; say so. */
			c->info.si_code = CLD_EXITED;
			c->info.si_status = 127;
			c->reaped = 1;
			break;
		}
	c->ended = 1;
}

static void
child_reap(struct child *c)
{
	child_wait_end(c);
	if (c->reaped)
		return;
	/*
	 * What it left running in its group (a command's own background
	 * process) goes with it: until the reap, its pid is nobody else's.
	 */
	kill(-c->pid, SIGKILL);
	while (waitpid(c->pid, NULL, 0) == -1 && errno == EINTR)
		;
	c->reaped = 1;
}

/*
 * Moves the TaskProgress frames of this attempt at the front of what was
 * read to c->progress, the last one kept: the report comes after them.
 */
static void
child_take_progress(struct child *c)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;

	while (frame_parse(buf_head(&c->report), buf_len(&c->report), &env,
	    &used, &e) == 1) {
		if (env->msg_case != MR__ENVELOPE__MSG_PROGRESS ||
		    env->progress->attempt != c->attempt) {
			frame_free(env);
			return;
		}
		frame_free(env);
		buf_consume(&c->progress, buf_len(&c->progress));
		buf_add(&c->progress, buf_head(&c->report), used);
		buf_consume(&c->report, used);
		c->new_progress = 1;
	}
}

int
child_progress(struct child *c, const uint8_t **p, size_t *len)
{
	if (!c->new_progress)
		return 0;
	c->new_progress = 0;
	*p = buf_head(&c->progress);
	*len = buf_len(&c->progress);
	return 1;
}

int
child_read(struct child *c)
{
	uint8_t *p;
	ssize_t n;

	if (c->fd == -1)
		return 1;
	p = buf_reserve(&c->report, CHILD_READ);
	n = read(c->fd, p, CHILD_READ);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n > 0) {
		buf_commit(&c->report, (size_t)n);
		child_take_progress(c);
		/* More than any report: not one; it is stopped. */
		if (buf_len(&c->report) <= MR_FRAME_HEADER + MR_FRAME_MAX)
			return 0;
		child_kill(c);
	}
	close(c->fd);
	c->fd = -1;
	/* It closed its end, but may live on (a plugin closing every fd). */
	if (n != 0 || buf_len(&c->report) == 0)
		child_kill(c);
	child_wait_end(c);
	return 1;
}

int
child_report(struct child *c, const uint8_t **p, size_t *len, struct err *e)
{
	Mr__Envelope *env = NULL;
	struct err pe;
	size_t used = 0;
	int ok;

	if (c->info.si_code != CLD_EXITED) {
		err_set(e, "the task's process was killed by signal %d",
		    c->info.si_status);
		return -1;
	}
	if (c->info.si_status != 0 || buf_len(&c->report) == 0) {
		err_set(e, "the task's process exited with status %d without "
		    "a report", c->info.si_status);
		return -1;
	}
	/* Whole, one frame, and a report of this attempt. */
	ok = frame_parse(buf_head(&c->report), buf_len(&c->report), &env,
	    &used, &pe) == 1 && used == buf_len(&c->report) &&
	    ((env->msg_case == MR__ENVELOPE__MSG_DONE &&
	    env->done->attempt == c->attempt) ||
	    (env->msg_case == MR__ENVELOPE__MSG_FAILED &&
	    env->failed->attempt == c->attempt));
	frame_free(env);
	if (!ok) {
		err_set(e, "the task's process exited with status 0 and a "
		    "report that is not one (%zu bytes)", buf_len(&c->report));
		return -1;
	}
	*p = buf_head(&c->report);
	*len = buf_len(&c->report);
	return 0;
}

void
child_hold(struct child *c)
{
	if (c->held)
		return;
	/* A child that died holding it left nothing to finish. */
	child_lock(c->sh);
	c->held = 1;
}

void
child_resume(struct child *c)
{
	if (!c->held)
		return;
	pthread_mutex_unlock(&c->sh->lock);
	c->held = 0;
}

void
child_stop(struct child *c, const char *out_dir)
{
	if (!c->ended) {
		child_hold(c);
		c->sh->stopped = 1;
		child_kill(c);
		child_resume(c);
	}
	child_wait_end(c);
	/* Before the reap: until then its pid is nobody else's. */
	if (!c->reaped) {
		safefile_remove_temps(".", c->pid);
		if (out_dir != NULL && *out_dir != '\0')
			safefile_remove_temps(out_dir, c->pid);
	}
	child_reap(c);
}

void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	if (!c->reaped) {
		if (!c->ended)
			child_kill(c);
		child_reap(c);
	}
	child_resume(c);
	pthread_mutex_destroy(&c->sh->lock);
	munmap(c->sh, sizeof *c->sh);
	buf_free(&c->report);
	buf_free(&c->progress);
	free(c);
}
