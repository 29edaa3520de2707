/*
 * benchjob - runs one distributed MapReduce job (or one plain command) and
 * measures it, for scripts/bench.
 *
 * usage: benchjob --workers N --app PATH.so --dir JOBDIR [--build DIR]
 *                 [--coordinator-arg ARG]... [--worker-arg ARG]...
 *                 [--journal-copy PATH] [--timeout SECONDS] -- FILE...
 *        benchjob --exec [--dir DIR] [--timeout SECONDS] -- COMMAND [ARG]...
 *
 * Job mode creates JOBDIR (and its parents) when missing, starts
 * DIR/mrcoordinator in it with --socket JOBDIR/mr.sock, the extra
 * coordinator arguments and the FILEs (made absolute), then N DIR/mrworker
 * processes with the same socket and the plugin (made absolute), and waits
 * for every process with wait4() to learn its peak RSS. It prints one line
 * on standard output:
 *
 *   wall=<s> coord_rss_kb=<k> worker_rss_kb=<k1,k2,...> status=<s>
 *   coord_cpu_s=<s> worker_cpu_s=<s> worker_write_kb=<k> worker_status=<s,...>
 *
 * (all on one line): wall is from just before the coordinator is started to
 * the exit of the last process (CLOCK_MONOTONIC); status is the
 * coordinator's exit status (128 + signal number when killed by a signal);
 * the CPU times are user plus system time (workers summed); worker_write_kb
 * is what the workers wrote to files according to the kernel's I/O
 * accounting (ru_oublock). DIR defaults to "build". Linux's ru_maxrss of a
 * child also covers its forked copy of benchjob before the exec, so about
 * 1 MB (more with thousands of FILEs) is a floor below which it cannot go.
 *
 * With --journal-copy, benchjob looks for the coordinator's journal
 * (JOURNAL_NAME in JOBDIR) every millisecond until it appears and gives it
 * the second name PATH (a hard link: PATH must not exist, and be on the
 * same file system), so that the whole journal outlives the coordinator's
 * removing it when the job is done; the line then also has
 * "journal_bytes=<n> journal_records=<n>", read from PATH with
 * common/journal.h (empty when the journal never appeared). The looking
 * wakes benchjob a thousand times a second until the journal is there: a
 * run to time should not use it.
 *
 * Exec mode runs COMMAND (searched in PATH) in DIR (default: here) and
 * prints "wall=<s> rss_kb=<k> cpu_s=<s> status=<s>".
 *
 * The children's standard output goes to standard error, so that standard
 * output holds only the measurement. A process still running after the
 * timeout (default 3600 s), or a coordinator still running 10 s after its
 * last worker is gone (1 s when a worker failed: no one is left to do its
 * tasks), is terminated. On
 * SIGINT, SIGTERM or SIGHUP every child is sent SIGTERM.
 *
 * Exit status: 0 when every process exited 0, 1 otherwise or on an error
 * (the measurement line is still printed when the processes ran), 2 on a
 * usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also given by scripts/bench.mk, for common/ */
#endif

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "recovery.h"

#define BENCHJOB_DEFAULT_TIMEOUT	3600.0
#define BENCHJOB_ORPHAN_GRACE		10.0	/* coordinator without workers */
#define BENCHJOB_FAILED_GRACE		1.0	/* same, a worker having failed */
#define BENCHJOB_KILL_GRACE		2.0	/* SIGTERM, then SIGKILL */
#define BENCHJOB_MAX_WORKERS		1024
#define BENCHJOB_JOURNAL_POLL		0.001	/* seconds between looks */

/* One child process. */
struct benchjob_proc {
	pid_t		pid;		/* 0 once reaped */
	int		status;		/* exit status, 128 + signal if killed */
	long		maxrss_kb;
	double		cpu_s;
	long		oublock;	/* 512-byte units written */
};

/* --journal-copy: the journal's path and its second name. */
struct benchjob_copy {
	char	*from;
	char	*to;
	int	 done;		/* linked */
};

/* Growable argument vector for execv(). */
struct benchjob_argv {
	char	**v;
	size_t	  n, cap;
};

static void
benchjob_die(const char *fmt, ...)
{
	va_list	ap;

	fputs("benchjob: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
benchjob_warn(const char *fmt, ...)
{
	va_list	ap;

	fputs("benchjob: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
benchjob_usage(FILE *f)
{
	fprintf(f,
"usage: benchjob --workers N --app PATH.so --dir JOBDIR [--build DIR]\n"
"                [--coordinator-arg ARG]... [--worker-arg ARG]...\n"
"                [--journal-copy PATH] [--timeout SECONDS] -- FILE...\n"
"       benchjob --exec [--dir DIR] [--timeout SECONDS] -- COMMAND [ARG]...\n");
}

static void
benchjob_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("benchjob: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	benchjob_usage(stderr);
	exit(2);
}

static void
benchjob_push(struct benchjob_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap != 0 ? a->cap * 2 : 16;
		a->v = realloc(a->v, a->cap * sizeof *a->v);
		if (a->v == NULL)
			benchjob_die("out of memory");
	}
	if ((a->v[a->n] = strdup(s)) == NULL)
		benchjob_die("out of memory");
	a->v[++a->n] = NULL;
}

static void
benchjob_argv_free(struct benchjob_argv *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static double
benchjob_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		benchjob_die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The absolute form of an existing path. */
static char *
benchjob_abspath(const char *path)
{
	char	*p;

	if ((p = realpath(path, NULL)) == NULL)
		benchjob_die("%s: %s", path, strerror(errno));
	return p;
}

/* mkdir -p */
static void
benchjob_mkdirs(const char *path)
{
	char	*p, *s;

	if ((p = strdup(path)) == NULL)
		benchjob_die("out of memory");
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			benchjob_die("%s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0777) == -1 && errno != EEXIST)
		benchjob_die("%s: %s", p, strerror(errno));
	free(p);
}

static double
benchjob_seconds(const char *opt, const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v > 0))
		benchjob_usage_error("%s: not a positive number: %s", opt, s);
	return v;
}

/*
 * Starts argv[0] (a path, or a name searched in PATH when search is set) in
 * folder dir with the signal mask of before, its standard output sent to
 * standard error.
 */
static pid_t
benchjob_spawn(char *const *argv, const char *dir, int search,
    const sigset_t *before)
{
	pid_t	pid;

	fflush(NULL);
	if ((pid = fork()) == -1)
		benchjob_die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	(void)sigprocmask(SIG_SETMASK, before, NULL);
	if (dir != NULL && chdir(dir) == -1) {
		benchjob_warn("%s: %s", dir, strerror(errno));
		_exit(127);
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
		benchjob_warn("dup2: %s", strerror(errno));
		_exit(127);
	}
	if (search)
		execvp(argv[0], argv);
	else
		execv(argv[0], argv);
	benchjob_warn("%s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* Records the end of process pid; returns its index or -1 if not ours. */
static int
benchjob_reaped(struct benchjob_proc *procs, int nprocs, pid_t pid,
    int status, const struct rusage *ru)
{
	struct benchjob_proc	*p;
	int			 i;

	for (i = 0; i < nprocs; i++) {
		p = &procs[i];
		if (p->pid != pid)
			continue;
		p->pid = 0;
		if (WIFEXITED(status))
			p->status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			p->status = 128 + WTERMSIG(status);
		else
			p->status = 255;
		p->maxrss_kb = ru->ru_maxrss;	/* kilobytes on Linux */
		p->cpu_s = (double)ru->ru_utime.tv_sec +
		    (double)ru->ru_utime.tv_usec / 1e6 +
		    (double)ru->ru_stime.tv_sec +
		    (double)ru->ru_stime.tv_usec / 1e6;
		p->oublock = ru->ru_oublock;
		return i;
	}
	return -1;
}

static void
benchjob_signal_all(struct benchjob_proc *procs, int nprocs, int sig)
{
	int	i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid > 0)
			(void)kill(procs[i].pid, sig);
}

static int
benchjob_running(const struct benchjob_proc *procs, int from, int to)
{
	int	i, n = 0;

	for (i = from; i < to; i++)
		n += procs[i].pid > 0;
	return n;
}

/* How many of procs[from .. to) have exited with a non-zero status. */
static int
benchjob_failures(const struct benchjob_proc *procs, int from, int to)
{
	int	i, n = 0;

	for (i = from; i < to; i++)
		n += procs[i].pid == 0 && procs[i].status != 0;
	return n;
}

static struct timespec
benchjob_timespec(double s)
{
	struct timespec	ts;

	if (s < 0)
		s = 0;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

/* Gives the journal its second name once it is there (copy may be NULL). */
static void
benchjob_copy_try(struct benchjob_copy *copy)
{
	if (copy == NULL || copy->done != 0)
		return;
	if (link(copy->from, copy->to) == 0)
		copy->done = 1;
	else if (errno != ENOENT) {
		benchjob_warn("cannot link %s to %s: %s", copy->from, copy->to,
		    strerror(errno));
		copy->done = -1;
	}
}

/*
 * Waits for all processes (procs[0] being the coordinator when coord is
 * set), with the signals of set blocked, linking the journal of copy (if
 * not NULL) as soon as it appears; returns the time the last one exited
 * and sets *failed when one had to be killed.
 */
static double
benchjob_wait(struct benchjob_proc *procs, int nprocs, int coord,
    const sigset_t *set, double start, double timeout,
    struct benchjob_copy *copy, int *failed)
{
	struct rusage	 ru;
	struct timespec	 ts;
	double		 now, last = start, deadline = start + timeout;
	double		 orphan_at = 0, kill_at = 0;
	pid_t		 pid;
	int		 sig, status, killing = 0;

	while (benchjob_running(procs, 0, nprocs) > 0) {
		now = benchjob_now();
		if (!killing && now >= deadline) {
			benchjob_warn("still running after %.0f s: terminating",
			    timeout);
			killing = 1;
		}
		if (!killing && coord && procs[0].pid > 0 &&
		    benchjob_running(procs, 1, nprocs) == 0) {
			if (orphan_at == 0)
				orphan_at = now + (benchjob_failures(procs,
				    1, nprocs) > 0 ? BENCHJOB_FAILED_GRACE :
				    BENCHJOB_ORPHAN_GRACE);
			else if (now >= orphan_at) {
				benchjob_warn("every worker is gone and the "
				    "coordinator still runs: terminating it");
				killing = 1;
			}
		}
		if (killing == 1) {
			*failed = 1;
			benchjob_signal_all(procs, nprocs, SIGTERM);
			kill_at = now + BENCHJOB_KILL_GRACE;
			killing = 2;
		} else if (killing == 2 && now >= kill_at) {
			benchjob_signal_all(procs, nprocs, SIGKILL);
			killing = 3;
		}

		if (killing == 2)
			ts = benchjob_timespec(kill_at - now);
		else if (killing == 3)
			ts = benchjob_timespec(1.0);
		else if (orphan_at != 0)
			ts = benchjob_timespec(orphan_at - now);
		else
			ts = benchjob_timespec(deadline - now);
		benchjob_copy_try(copy);
		if (copy != NULL && copy->done == 0 &&
		    (ts.tv_sec > 0 || ts.tv_nsec > BENCHJOB_JOURNAL_POLL * 1e9))
			ts = benchjob_timespec(BENCHJOB_JOURNAL_POLL);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == -1 && errno != EAGAIN && errno != EINTR)
			benchjob_die("sigtimedwait: %s", strerror(errno));
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			benchjob_warn("interrupted: terminating the processes");
			if (killing == 0)
				killing = 1;
		}
		/* reap whatever ended, whichever signal woke us */
		while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
			now = benchjob_now();
			if (benchjob_reaped(procs, nprocs, pid, status,
			    &ru) >= 0)
				last = now;
		}
		if (pid == -1 && errno != ECHILD)
			benchjob_die("wait4: %s", strerror(errno));
	}
	return last;
}

/* Blocks the signals benchjob_wait() waits for; *before gets the old mask. */
static void
benchjob_block(sigset_t *set, sigset_t *before)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, set, before) == -1)
		benchjob_die("sigprocmask: %s", strerror(errno));
}

/*
 * Prints " journal_bytes=<n> journal_records=<n>" of the journal's copy,
 * the values empty (and a warning) when there is none.
 */
static void
benchjob_print_journal(const struct benchjob_copy *copy)
{
	struct journal	*j;
	struct err	 e;

	if (copy->done != 1) {
		if (copy->done == 0)
			benchjob_warn("%s never appeared", copy->from);
		printf(" journal_bytes= journal_records=");
		return;
	}
	if (journal_open(copy->to, RECOVERY_FORMAT, NULL, NULL, &j, NULL,
	    &e) == -1) {
		benchjob_warn("%s", e.msg);
		printf(" journal_bytes= journal_records=");
		return;
	}
	printf(" journal_bytes=%llu journal_records=%llu",
	    (unsigned long long)journal_size(j),
	    (unsigned long long)journal_records(j));
	journal_close(j);
}

static int
benchjob_exec(char **cmd, const char *dir, double timeout)
{
	struct benchjob_proc	 proc;
	struct benchjob_argv	 argv = { NULL, 0, 0 };
	sigset_t		 set, before;
	double			 start, end;
	int			 failed = 0;

	for (; *cmd != NULL; cmd++)
		benchjob_push(&argv, *cmd);
	benchjob_block(&set, &before);
	memset(&proc, 0, sizeof proc);
	start = benchjob_now();
	proc.pid = benchjob_spawn(argv.v, dir, 1, &before);
	end = benchjob_wait(&proc, 1, 0, &set, start, timeout, NULL, &failed);
	printf("wall=%.6f rss_kb=%ld cpu_s=%.3f status=%d\n", end - start,
	    proc.maxrss_kb, proc.cpu_s, proc.status);
	if (fflush(stdout) != 0)
		benchjob_die("standard output: %s", strerror(errno));
	if (proc.status != 0) {
		benchjob_warn("%s exited with status %d", argv.v[0],
		    proc.status);
		failed = 1;
	}
	benchjob_argv_free(&argv);
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct benchjob_argv	 cargs = { NULL, 0, 0 }, wextra = { NULL, 0, 0 };
	struct benchjob_argv	 cextra = { NULL, 0, 0 }, wargs;
	struct benchjob_proc	*procs;
	struct benchjob_copy	 copy = { NULL, NULL, 0 };
	struct sockaddr_un	 sun;
	sigset_t		 set, before;
	const char		*app = NULL, *dir = NULL, *build = "build";
	char			*absdir, *absbuild, *absapp, *sock, *path;
	double			 timeout = BENCHJOB_DEFAULT_TIMEOUT, start, end;
	long			 workers = 0, write_kb = 0;
	double			 wcpu = 0;
	char			*endp;
	size_t			 k;
	int			 a, i, exec_mode = 0, failed = 0;

	for (a = 1; a < argc; a++) {
		const char *opt = argv[a];

		if (strcmp(opt, "--") == 0) {
			a++;
			break;
		}
		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			benchjob_usage(stdout);
			return 0;
		}
		if (strcmp(opt, "--exec") == 0) {
			exec_mode = 1;
			continue;
		}
		if (a + 1 >= argc)
			benchjob_usage_error("%s: missing argument or --",
			    opt);
		if (strcmp(opt, "--workers") == 0) {
			errno = 0;
			workers = strtol(argv[++a], &endp, 10);
			if (*argv[a] == '\0' || *endp != '\0' || errno != 0 ||
			    workers < 1 || workers > BENCHJOB_MAX_WORKERS)
				benchjob_usage_error("--workers: not a number "
				    "from 1 to %d: %s", BENCHJOB_MAX_WORKERS,
				    argv[a]);
		} else if (strcmp(opt, "--app") == 0)
			app = argv[++a];
		else if (strcmp(opt, "--dir") == 0)
			dir = argv[++a];
		else if (strcmp(opt, "--build") == 0)
			build = argv[++a];
		else if (strcmp(opt, "--coordinator-arg") == 0)
			benchjob_push(&cextra, argv[++a]);
		else if (strcmp(opt, "--worker-arg") == 0)
			benchjob_push(&wextra, argv[++a]);
		else if (strcmp(opt, "--journal-copy") == 0)
			copy.to = argv[++a];
		else if (strcmp(opt, "--timeout") == 0)
			timeout = benchjob_seconds(opt, argv[++a]);
		else
			benchjob_usage_error("unknown option %s", opt);
	}
	if (a >= argc)
		benchjob_usage_error(exec_mode ? "no command given" :
		    "no input FILE given (after --)");
	if (exec_mode) {
		if (workers != 0 || app != NULL || cextra.n > 0 ||
		    wextra.n > 0 || copy.to != NULL)
			benchjob_usage_error("--exec takes only --dir and "
			    "--timeout");
		return benchjob_exec(argv + a, dir, timeout);
	}
	if (workers == 0 || app == NULL || dir == NULL)
		benchjob_usage_error("--workers, --app and --dir are needed");

	benchjob_mkdirs(dir);
	absdir = benchjob_abspath(dir);
	absbuild = benchjob_abspath(build);
	absapp = benchjob_abspath(app);
	if (asprintf(&sock, "%s/mr.sock", absdir) == -1)
		benchjob_die("out of memory");
	if (strlen(sock) >= sizeof sun.sun_path)
		benchjob_die("%s: socket path too long (%zu bytes at most)",
		    sock, sizeof sun.sun_path - 1);
	if (copy.to != NULL) {
		if (access(copy.to, F_OK) == 0)
			benchjob_die("--journal-copy: %s exists", copy.to);
		if (errno != ENOENT)
			benchjob_die("--journal-copy: %s: %s", copy.to,
			    strerror(errno));
		if (asprintf(&copy.from, "%s/%s", absdir, JOURNAL_NAME) == -1)
			benchjob_die("out of memory");
	}

	if (asprintf(&path, "%s/mrcoordinator", absbuild) == -1)
		benchjob_die("out of memory");
	if (access(path, X_OK) == -1)
		benchjob_die("%s: %s", path, strerror(errno));
	benchjob_push(&cargs, path);
	free(path);
	benchjob_push(&cargs, "--socket");
	benchjob_push(&cargs, sock);
	for (k = 0; k < cextra.n; k++)
		benchjob_push(&cargs, cextra.v[k]);
	benchjob_push(&cargs, "--");
	for (; a < argc; a++) {
		path = benchjob_abspath(argv[a]);
		benchjob_push(&cargs, path);
		free(path);
	}

	memset(&wargs, 0, sizeof wargs);
	if (asprintf(&path, "%s/mrworker", absbuild) == -1)
		benchjob_die("out of memory");
	if (access(path, X_OK) == -1)
		benchjob_die("%s: %s", path, strerror(errno));
	benchjob_push(&wargs, path);
	free(path);
	benchjob_push(&wargs, "--socket");
	benchjob_push(&wargs, sock);
	for (k = 0; k < wextra.n; k++)
		benchjob_push(&wargs, wextra.v[k]);
	benchjob_push(&wargs, absapp);

	procs = calloc((size_t)workers + 1, sizeof *procs);
	if (procs == NULL)
		benchjob_die("out of memory");
	benchjob_block(&set, &before);

	start = benchjob_now();
	procs[0].pid = benchjob_spawn(cargs.v, absdir, 0, &before);
	for (i = 1; i <= workers; i++)
		procs[i].pid = benchjob_spawn(wargs.v, absdir, 0, &before);
	end = benchjob_wait(procs, (int)workers + 1, 1, &set, start, timeout,
	    copy.to != NULL ? &copy : NULL, &failed);

	printf("wall=%.6f coord_rss_kb=%ld worker_rss_kb=", end - start,
	    procs[0].maxrss_kb);
	for (i = 1; i <= workers; i++) {
		printf("%s%ld", i > 1 ? "," : "", procs[i].maxrss_kb);
		wcpu += procs[i].cpu_s;
		write_kb += procs[i].oublock / 2;
	}
	printf(" status=%d coord_cpu_s=%.3f worker_cpu_s=%.3f "
	    "worker_write_kb=%ld worker_status=", procs[0].status,
	    procs[0].cpu_s, wcpu, write_kb);
	for (i = 1; i <= workers; i++)
		printf("%s%d", i > 1 ? "," : "", procs[i].status);
	if (copy.to != NULL)
		benchjob_print_journal(&copy);
	putchar('\n');
	if (fflush(stdout) != 0)
		benchjob_die("standard output: %s", strerror(errno));

	if (procs[0].status != 0) {
		benchjob_warn("mrcoordinator exited with status %d",
		    procs[0].status);
		failed = 1;
	}
	for (i = 1; i <= workers; i++)
		if (procs[i].status != 0) {
			benchjob_warn("mrworker %d exited with status %d", i,
			    procs[i].status);
			failed = 1;
		}
	benchjob_argv_free(&cargs);
	benchjob_argv_free(&wargs);
	benchjob_argv_free(&cextra);
	benchjob_argv_free(&wextra);
	free(procs);
	free(copy.from);
	free(sock);
	free(absapp);
	free(absbuild);
	free(absdir);
	return failed ? 1 : 0;
}
