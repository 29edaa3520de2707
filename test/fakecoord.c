/*
 * fakecoord - a scripted coordinator for mrworker, for scripts/test-worker.sh
 * (as test/hostile.c is a scripted worker for mrcoordinator).
 *
 * usage: fakecoord --socket PATH [--timeout SECONDS] [--keep-socket] STEP...
 *
 * Listens on PATH (bound under a temporary name and renamed into place
 * once listening, as mrcoordinator does, so that a worker waiting with
 * inotify sees it), then runs the STEPs in order on one connection at a
 * time, printing one line per step on stdout. A step is a word followed by
 * its KEY=VALUE arguments. Steps that wait for the worker give up after
 * --timeout seconds (default 10). "+N ms" on a line is the time since the
 * fake last sent something (or accepted the connection). At the end the
 * socket is removed, unless --keep-socket (a coordinator that was killed).
 * Exit status 0 when every step went as written, 1 when one did not (the
 * line says what came instead), 2 on a usage error.
 *
 *   accept                 waits for a connection: "accept"
 *   hello                  expects Hello: "hello version=V pid=P app=A
 *                          digest=D +N ms"
 *   welcome [job=HEX] [inc=N] [refused=TEXT] [version=V]
 *                          sends a Welcome naming the current folder as
 *                          the job folder (job id default 1, incarnation 1)
 *   request                expects a TaskRequest: "request +N ms"
 *   report                 expects a TaskDone or TaskFailed: "done
 *                          attempt=A incarnation=I +N ms" or "failed
 *                          attempt=A incarnation=I error=TEXT +N ms"
 *   map input=NAME [id=X] [attempt=A] [inc=I] [nreduce=R]
 *                          sends a map task of one whole input (id 0,
 *                          attempt one more than the last, incarnation 1,
 *                          1 partition)
 *   reduce [partition=Y] [nmap=M] [attempt=A] [inc=I]
 *                          sends a reduce task (0, 1)
 *   cancel [attempt=A]     sends Cancel for attempt A (default: the last
 *                          sent)
 *   shutdown [failed=1] [remove=1]
 *                          sends Shutdown
 *   sleep ms=N             waits N ms
 *   children               the live (not zombie) children of the worker
 *                          (the pid its Hello gave): "children N PID..."
 *   gone                   fails unless every child the last "children"
 *                          listed is gone (or a zombie): "gone"
 *   files prefix=P         the names in the current folder starting with
 *                          P: "files P N NAME..." (the first few)
 *   await prefix=P         waits until some name starts with P, then as
 *                          files, with "+N ms"
 *   unnamed [wait=1]       the files of the current folder without a name
 *                          (O_TMPFILE ones, and those removed since they
 *                          were opened) that the worker's live children
 *                          hold open: "unnamed N +N ms"; with wait=1,
 *                          waits until there is one
 *   quiet ms=N             fails if the worker sends anything or closes
 *                          within N ms: "quiet"
 *   eof                    expects the worker to close: "eof +N ms"
 *   close                  closes the connection (the next accept takes
 *                          another)
 *   bench n=N input=NAME   N rounds of a map task of NAME, its report and
 *                          the next request: "bench N tasks in S s: R
 *                          tasks/s"
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define FAKE_MAX_CHILDREN 64

static struct sockaddr_un fake_addr;
static double fake_timeout = 10;
static int fake_listen = -1;
static int fake_fd = -1;		/* the connection */
static double fake_sent;		/* when we last sent or accepted */
static pid_t fake_worker;		/* Hello.pid */
static uint64_t fake_attempt;		/* the last attempt sent */
static pid_t fake_kids[FAKE_MAX_CHILDREN];
static int fake_nkids;
static int fake_keep;

static double
fake_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
fake_ms(void)
{
	return (long)((fake_now() - fake_sent) * 1000);
}

static void
fake_cleanup(void)
{
	if (fake_listen != -1 && !fake_keep)
		unlink(fake_addr.sun_path);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fake_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	fake_cleanup();
	exit(1);
}

static void __attribute__((format(printf, 1, 2)))
fake_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void __attribute__((noreturn))
fake_usage(void)
{
	fprintf(stderr,
"usage: fakecoord --socket PATH [--timeout SECONDS] [--keep-socket] STEP...\n"
"steps: accept, hello, welcome [job=HEX] [inc=N] [refused=TEXT] [version=V],\n"
"       request, report, map input=NAME [id=X] [attempt=A] [inc=I]\n"
"       [nreduce=R], reduce [partition=Y] [nmap=M] [attempt=A] [inc=I],\n"
"       cancel [attempt=A], shutdown [failed=1] [remove=1], sleep ms=N,\n"
"       children, gone, files prefix=P, await prefix=P, unnamed [wait=1],\n"
"       quiet ms=N, eof, close, bench n=N input=NAME\n");
	exit(2);
}

/* The value of KEY=VALUE among args[0..n), or NULL. */
static const char *
fake_arg(char **args, int n, const char *key)
{
	size_t len = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(args[i], key, len) == 0 && args[i][len] == '=')
			return args[i] + len + 1;
	return NULL;
}

static unsigned long long
fake_num(char **args, int n, const char *key, unsigned long long def, int base)
{
	const char *s = fake_arg(args, n, key);
	unsigned long long v;
	char *end;

	if (s == NULL)
		return def;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "fakecoord: %s: not a number: %s\n", key, s);
		fake_usage();
	}
	return v;
}

static void
fake_listen_on(const char *path)
{
	struct sockaddr_un tmp;
	int n;

	memset(&fake_addr, 0, sizeof fake_addr);
	fake_addr.sun_family = AF_UNIX;
	if (strlen(path) + 8 >= sizeof fake_addr.sun_path) {
		fprintf(stderr, "fakecoord: %s: too long\n", path);
		exit(2);
	}
	strcpy(fake_addr.sun_path, path);
	tmp = fake_addr;
	n = snprintf(tmp.sun_path, sizeof tmp.sun_path, "%s.%d", path,
	    (int)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp.sun_path)
		fake_fail("error: %s: too long", path);
	unlink(tmp.sun_path);
	fake_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fake_listen == -1 ||
	    bind(fake_listen, (struct sockaddr *)&tmp, sizeof tmp) == -1 ||
	    listen(fake_listen, 8) == -1 ||
	    rename(tmp.sun_path, fake_addr.sun_path) == -1)
		fake_fail("error: %s: %s", path, strerror(errno));
}

/* Waits up to the timeout for fd to be readable; 0 when it is not. */
static int
fake_readable(int fd, double secs)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int n;

	do
		n = poll(&pfd, 1, (int)(secs * 1000));
	while (n == -1 && errno == EINTR);
	return n == 1;
}

static void
fake_send(const Mr__Envelope *env)
{
	struct err e;

	if (frame_send(fake_fd, env, &e) == -1)
		fake_fail("error: send: %s", e.msg);
	fake_sent = fake_now();
}

static void
fake_send_task(Mr__Task *t)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;

	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = t;
	fake_send(&env);
}

/* The worker's next message, or a failure naming what was expected. */
static Mr__Envelope *
fake_recv(const char *what)
{
	Mr__Envelope *env = NULL;
	struct err e;
	int rc;

	if (!fake_readable(fake_fd, fake_timeout))
		fake_fail("timeout: no %s within %g s", what, fake_timeout);
	rc = frame_recv(fake_fd, &env, &e);
	if (rc == 0)
		fake_fail("eof instead of %s +%ld ms", what, fake_ms());
	if (rc == -1)
		fake_fail("error instead of %s: %s", what, e.msg);
	return env;
}

/* The pids of the worker's live children. */
static void
fake_children(void)
{
	char path[sizeof ((struct dirent *)0)->d_name + 16], line[512], *p;
	struct dirent *de;
	DIR *d;
	FILE *f;
	long pid, ppid;
	char state;

	fake_nkids = 0;
	if ((d = opendir("/proc")) == NULL)
		fake_fail("error: /proc: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL &&
		    (p = strrchr(line, ')')) != NULL &&
		    sscanf(p + 1, " %c %ld", &state, &ppid) == 2 &&
		    ppid == (long)fake_worker && state != 'Z' &&
		    fake_nkids < FAKE_MAX_CHILDREN) {
			pid = strtol(de->d_name, NULL, 10);
			fake_kids[fake_nkids++] = (pid_t)pid;
		}
		fclose(f);
	}
	closedir(d);
}

/* "files P N NAME..." for the names starting with prefix; N. */
static int
fake_files(const char *prefix, char *line, size_t size)
{
	struct dirent *de;
	size_t len;
	int n = 0;
	DIR *d;

	if ((d = opendir(".")) == NULL)
		fake_fail("error: .: %s", strerror(errno));
	len = (size_t)snprintf(line, size, "files %s", prefix);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	rewinddir(d);
	len += (size_t)snprintf(line + len, size - len, " %d", n);
	for (int shown = 0; shown < 3 && (de = readdir(d)) != NULL; ) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len < size)
			len += (size_t)snprintf(line + len, size - len, " %s",
			    de->d_name);
		shown++;
	}
	closedir(d);
	return n;
}

static void
fake_step_files(char **args, int n, int wait)
{
	const char *prefix = fake_arg(args, n, "prefix");
	double deadline = fake_now() + fake_timeout;
	char line[1024];
	struct timespec ts = { 0, 10 * 1000000L };

	if (prefix == NULL)
		fake_usage();
	while (fake_files(prefix, line, sizeof line) == 0 && wait) {
		if (fake_now() > deadline)
			fake_fail("timeout: no file %s* within %g s", prefix,
			    fake_timeout);
		nanosleep(&ts, NULL);
	}
	if (wait)
		fake_say("%s +%ld ms", line, fake_ms());
	else
		fake_say("%s", line);
}

/*
 * The files in folder `cwd` (its real path) without a name that process
 * pid holds open: /proc shows their links as "CWD/NAME (deleted)", an
 * O_TMPFILE file's NAME being "#INODE".
 */
static int
fake_unnamed_of(pid_t pid, const char *cwd)
{
	char fds[64], fd[sizeof fds + sizeof ((struct dirent *)0)->d_name];
	char target[PATH_MAX + 32];
	static const char gone[] = " (deleted)";
	size_t clen = strlen(cwd), glen = sizeof gone - 1;
	struct dirent *de;
	ssize_t len;
	int n = 0;
	DIR *d;

	snprintf(fds, sizeof fds, "/proc/%d/fd", (int)pid);
	if ((d = opendir(fds)) == NULL)
		return 0;	/* gone meanwhile */
	while ((de = readdir(d)) != NULL) {
		snprintf(fd, sizeof fd, "%s/%s", fds, de->d_name);
		if ((len = readlink(fd, target, sizeof target - 1)) <= 0)
			continue;
		target[len] = '\0';
		if ((size_t)len > clen + 1 + glen &&
		    strncmp(target, cwd, clen) == 0 && target[clen] == '/' &&
		    memchr(target + clen + 1, '/', (size_t)len - clen - 1 -
		    glen) == NULL && strcmp(target + len - glen, gone) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
fake_step_unnamed(char **args, int n)
{
	int wait = fake_num(args, n, "wait", 0, 10) != 0, count;
	double deadline = fake_now() + fake_timeout;
	struct timespec ts = { 0, 10 * 1000000L };
	pid_t kept[FAKE_MAX_CHILDREN];
	int nkept = fake_nkids;
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof cwd) == NULL)
		fake_fail("error: getcwd: %s", strerror(errno));
	/* The children "gone" checks stay those "children" listed. */
	memcpy(kept, fake_kids, sizeof kept);
	for (;;) {
		fake_children();
		count = 0;
		for (int i = 0; i < fake_nkids; i++)
			count += fake_unnamed_of(fake_kids[i], cwd);
		if (count > 0 || !wait)
			break;
		if (fake_now() > deadline)
			fake_fail("timeout: no unnamed file within %g s",
			    fake_timeout);
		nanosleep(&ts, NULL);
	}
	memcpy(fake_kids, kept, sizeof kept);
	fake_nkids = nkept;
	fake_say("unnamed %d +%ld ms", count, fake_ms());
}

/* Whether pid is gone or a zombie. */
static int
fake_dead(pid_t pid)
{
	char path[64], line[512], *p, state;
	FILE *f;
	int dead = 1;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(line, sizeof line, f) != NULL &&
	    (p = strrchr(line, ')')) != NULL &&
	    sscanf(p + 1, " %c", &state) == 1)
		dead = state == 'Z';
	fclose(f);
	return dead;
}

static void
fake_step_hello(void)
{
	Mr__Envelope *env = fake_recv("hello");
	const Mr__Hello *h;

	if (env->msg_case != MR__ENVELOPE__MSG_HELLO)
		fake_fail("message %d instead of hello", (int)env->msg_case);
	h = env->hello;
	fake_worker = h->pid;
	fake_say("hello version=%u pid=%d app=%s digest=%s +%ld ms",
	    h->version, (int)h->pid, h->app != NULL ? h->app : "",
	    h->plugin_digest != NULL ? h->plugin_digest : "", fake_ms());
	frame_free(env);
}

static void
fake_step_welcome(char **args, int n)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__Welcome w = MR__WELCOME__INIT;
	char dir[PATH_MAX];

	if (getcwd(dir, sizeof dir) == NULL)
		fake_fail("error: getcwd: %s", strerror(errno));
	w.version = (uint32_t)fake_num(args, n, "version", MR_PROTOCOL_VERSION,
	    10);
	w.worker_id = 1;
	w.job_dir = dir;
	w.output_dir = "";
	w.job_id = fake_num(args, n, "job", 1, 16);
	w.incarnation = (uint32_t)fake_num(args, n, "inc", 1, 10);
	w.refused = (char *)(fake_arg(args, n, "refused") != NULL ?
	    fake_arg(args, n, "refused") : "");
	env.msg_case = MR__ENVELOPE__MSG_WELCOME;
	env.welcome = &w;
	fake_send(&env);
	fake_say("welcome");
}

static void
fake_step_request(void)
{
	Mr__Envelope *env = fake_recv("request");

	if (env->msg_case != MR__ENVELOPE__MSG_REQUEST)
		fake_fail("message %d instead of request +%ld ms",
		    (int)env->msg_case, fake_ms());
	fake_say("request +%ld ms", fake_ms());
	frame_free(env);
}

static void
fake_step_report(int quiet)
{
	Mr__Envelope *env = fake_recv("report");

	if (env->msg_case == MR__ENVELOPE__MSG_DONE) {
		if (!quiet)
			fake_say("done attempt=%llu incarnation=%u +%ld ms",
			    (unsigned long long)env->done->attempt,
			    env->done->incarnation, fake_ms());
	} else if (env->msg_case == MR__ENVELOPE__MSG_FAILED) {
		fake_say("failed attempt=%llu incarnation=%u error=%s +%ld ms",
		    (unsigned long long)env->failed->attempt,
		    env->failed->incarnation, env->failed->error, fake_ms());
		if (quiet)
			fake_fail("error: a bench attempt failed");
	} else
		fake_fail("message %d instead of report +%ld ms",
		    (int)env->msg_case, fake_ms());
	frame_free(env);
}

static void
fake_step_map(char **args, int n, int quiet)
{
	Mr__Task t = MR__TASK__INIT;
	Mr__MapTask m = MR__MAP_TASK__INIT;
	Mr__MapInput in = MR__MAP_INPUT__INIT, *inp = &in;
	const char *name = fake_arg(args, n, "input");

	if (name == NULL)
		fake_usage();
	in.name = (char *)name;
	m.id = (uint32_t)fake_num(args, n, "id", 0, 10);
	m.n_reduce = (uint32_t)fake_num(args, n, "nreduce", 1, 10);
	m.n_inputs = 1;
	m.inputs = &inp;
	fake_attempt = fake_num(args, n, "attempt", fake_attempt + 1, 10);
	t.attempt = fake_attempt;
	t.incarnation = (uint32_t)fake_num(args, n, "inc", 1, 10);
	t.kind_case = MR__TASK__KIND_MAP;
	t.map = &m;
	fake_send_task(&t);
	if (!quiet)
		fake_say("map attempt=%llu", (unsigned long long)t.attempt);
}

static void
fake_step_reduce(char **args, int n)
{
	Mr__Task t = MR__TASK__INIT;
	Mr__ReduceTask r = MR__REDUCE_TASK__INIT;

	r.partition = (uint32_t)fake_num(args, n, "partition", 0, 10);
	r.n_map = (uint32_t)fake_num(args, n, "nmap", 1, 10);
	fake_attempt = fake_num(args, n, "attempt", fake_attempt + 1, 10);
	t.attempt = fake_attempt;
	t.incarnation = (uint32_t)fake_num(args, n, "inc", 1, 10);
	t.kind_case = MR__TASK__KIND_REDUCE;
	t.reduce = &r;
	fake_send_task(&t);
	fake_say("reduce attempt=%llu", (unsigned long long)t.attempt);
}

static void
fake_step_cancel(char **args, int n)
{
	Mr__Task t = MR__TASK__INIT;
	Mr__Cancel c = MR__CANCEL__INIT;

	t.attempt = fake_num(args, n, "attempt", fake_attempt, 10);
	t.incarnation = 1;
	t.kind_case = MR__TASK__KIND_CANCEL;
	t.cancel = &c;
	fake_send_task(&t);
	fake_say("cancel attempt=%llu", (unsigned long long)t.attempt);
}

static void
fake_step_shutdown(char **args, int n)
{
	Mr__Task t = MR__TASK__INIT;
	Mr__Shutdown sd = MR__SHUTDOWN__INIT;

	sd.failed = fake_num(args, n, "failed", 0, 10) != 0;
	sd.remove_intermediates = fake_num(args, n, "remove", 0, 10) != 0;
	t.kind_case = MR__TASK__KIND_SHUTDOWN;
	t.shutdown = &sd;
	fake_send_task(&t);
	fake_say("shutdown");
}

static void
fake_step_quiet(char **args, int n)
{
	double secs = (double)fake_num(args, n, "ms", 500, 10) / 1000;
	Mr__Envelope *env = NULL;
	struct err e;
	int rc;

	if (!fake_readable(fake_fd, secs)) {
		fake_say("quiet");
		return;
	}
	rc = frame_recv(fake_fd, &env, &e);
	if (rc == 1)
		fake_fail("message %d instead of quiet +%ld ms",
		    (int)env->msg_case, fake_ms());
	fake_fail("%s instead of quiet +%ld ms", rc == 0 ? "eof" : e.msg,
	    fake_ms());
}

static void
fake_step_eof(void)
{
	Mr__Envelope *env = NULL;
	struct err e;
	int rc;

	if (!fake_readable(fake_fd, fake_timeout))
		fake_fail("timeout: no eof within %g s", fake_timeout);
	rc = frame_recv(fake_fd, &env, &e);
	if (rc == 1)
		fake_fail("message %d instead of eof +%ld ms",
		    (int)env->msg_case, fake_ms());
	fake_say("eof +%ld ms", fake_ms());
}

static void
fake_step_bench(char **args, int n)
{
	unsigned long long count = fake_num(args, n, "n", 100, 10);
	double t0 = fake_now(), secs;

	for (unsigned long long i = 0; i < count; i++) {
		fake_step_map(args, n, 1);
		fake_step_report(1);
		frame_free(fake_recv("request"));
	}
	secs = fake_now() - t0;
	fake_say("bench %llu tasks in %.3f s: %.0f tasks/s", count, secs,
	    secs > 0 ? (double)count / secs : 0.0);
}

static int
fake_is_step(const char *s)
{
	static const char *const steps[] = { "accept", "hello", "welcome",
	    "request", "report", "map", "reduce", "cancel", "shutdown",
	    "sleep", "children", "gone", "quiet", "eof", "close", "bench",
	    "files", "await", "unnamed", NULL };

	for (int i = 0; steps[i] != NULL; i++)
		if (strcmp(s, steps[i]) == 0)
			return 1;
	return 0;
}

static void
fake_step(const char *step, char **args, int n)
{
	struct timespec ts;
	long ms;

	if (strcmp(step, "accept") == 0) {
		if (!fake_readable(fake_listen, fake_timeout))
			fake_fail("timeout: no connection within %g s",
			    fake_timeout);
		if ((fake_fd = accept4(fake_listen, NULL, NULL,
		    SOCK_CLOEXEC)) == -1)
			fake_fail("error: accept: %s", strerror(errno));
		fake_sent = fake_now();
		fake_say("accept");
	} else if (strcmp(step, "hello") == 0)
		fake_step_hello();
	else if (strcmp(step, "welcome") == 0)
		fake_step_welcome(args, n);
	else if (strcmp(step, "request") == 0)
		fake_step_request();
	else if (strcmp(step, "report") == 0)
		fake_step_report(0);
	else if (strcmp(step, "map") == 0)
		fake_step_map(args, n, 0);
	else if (strcmp(step, "reduce") == 0)
		fake_step_reduce(args, n);
	else if (strcmp(step, "cancel") == 0)
		fake_step_cancel(args, n);
	else if (strcmp(step, "shutdown") == 0)
		fake_step_shutdown(args, n);
	else if (strcmp(step, "sleep") == 0) {
		ms = (long)fake_num(args, n, "ms", 100, 10);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		fake_say("slept %ld ms", ms);
	} else if (strcmp(step, "children") == 0) {
		char line[FAKE_MAX_CHILDREN * 12 + 32];
		size_t len;

		fake_children();
		len = (size_t)snprintf(line, sizeof line, "children %d",
		    fake_nkids);
		for (int i = 0; i < fake_nkids; i++)
			len += (size_t)snprintf(line + len, sizeof line - len,
			    " %d", (int)fake_kids[i]);
		fake_say("%s", line);
	} else if (strcmp(step, "gone") == 0) {
		for (int i = 0; i < fake_nkids; i++)
			if (!fake_dead(fake_kids[i]))
				fake_fail("alive %d", (int)fake_kids[i]);
		fake_say("gone");
	} else if (strcmp(step, "quiet") == 0)
		fake_step_quiet(args, n);
	else if (strcmp(step, "eof") == 0)
		fake_step_eof();
	else if (strcmp(step, "close") == 0) {
		close(fake_fd);
		fake_fd = -1;
		fake_sent = fake_now();
		fake_say("closed");
	} else if (strcmp(step, "bench") == 0)
		fake_step_bench(args, n);
	else if (strcmp(step, "files") == 0)
		fake_step_files(args, n, 0);
	else if (strcmp(step, "await") == 0)
		fake_step_files(args, n, 1);
	else if (strcmp(step, "unnamed") == 0)
		fake_step_unnamed(args, n);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep-socket", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL;
	char *end;
	int ch, i, j;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "+s:t:kh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 't':
			fake_timeout = strtod(optarg, &end);
			if (*end != '\0' || !(fake_timeout > 0))
				fake_usage();
			break;
		case 'k':
			fake_keep = 1;
			break;
		default:
			fake_usage();
		}
	}
	if (sock == NULL || optind == argc)
		fake_usage();
	for (i = optind; i < argc; i = j) {
		if (!fake_is_step(argv[i])) {
			fprintf(stderr, "fakecoord: unknown step %s\n", argv[i]);
			fake_usage();
		}
		for (j = i + 1; j < argc && !fake_is_step(argv[j]); j++)
			if (strchr(argv[j], '=') == NULL) {
				fprintf(stderr, "fakecoord: %s: not KEY=VALUE\n",
				    argv[j]);
				fake_usage();
			}
	}
	fake_listen_on(sock);
	for (i = optind; i < argc; i = j) {
		for (j = i + 1; j < argc && !fake_is_step(argv[j]); j++)
			;
		fake_step(argv[i], argv + i + 1, j - i - 1);
	}
	fake_cleanup();
	return 0;
}
