/*
 * main.c - mrworker: asks the coordinator for tasks and runs them.
 *
 * A worker does one thing at a time: ask, wait for a task (or for the job
 * to end), run it, report, ask again. The task runs in a process of its
 * own (child.h) while this one keeps the connection (session.h) and
 * listens to the coordinator, so that a Cancel, a Shutdown or a lost
 * connection stops the attempt at once; a coordinator lost is looked for
 * again for --reconnect seconds.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "attempt.h"
#include "auth.h"
#include "child.h"
#include "dial.h"
#include "frame.h"
#include "jobfiles.h"
#include "log.h"
#include "opts.h"
#include "plugin.h"
#include "sdk.h"
#include "session.h"
#include "sockpath.h"
#include "streamopts.h"
#include "streaming.h"
#include "task.h"
#include "version.h"
#include "welcome.h"

/* Long options without a short letter. */
#define OPT_IF_RUNNING 256
#define OPT_RECONNECT 257
#define OPT_SECRET_FILE 258
#define OPT_AUTH 259

/* The largest --memory, in megabytes, as a number and as text. */
#define WORKER_MEMORY_MAX (1024 * 1024)
#define WORKER_MEMORY_MAX_TEXT "1048576"

/* Seconds --wait waits for the coordinator, unless told; the most. */
#define WORKER_WAIT_DEFAULT 5
#define WORKER_SECONDS_MAX 86400
#define WORKER_SECONDS_MAX_TEXT "86400"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrworker [--socket PATH] [--wait SECONDS] [--reconnect SECONDS]\n"
"                [--max-tasks N] [--memory MB] [--if-running] [-q | -v]\n"
"                [--coordinator tcp:HOST:PORT | unix:PATH]\n"
"                [--auth secret|munge] [--secret-file FILE] PLUGIN\n"
"       mrworker [OPTION...] --mapper CMD [--combiner CMD]\n"
"                [--reducer CMD|NONE] [--file PATH]... [--cmdenv NAME=VALUE]...\n"
"\n"
"Joins the job of the coordinator listening on the socket and runs map and\n"
"reduce tasks with the application in PLUGIN until the coordinator says the\n"
"job is done. PLUGIN is a path (build/apps/wc.so; a name ending in .so is a\n"
"file in the current folder) or a bare name such as wc, looked for as wc.so\n"
"in each folder of $MR_PLUGIN_PATH (colon-separated), then in\n"
"%s (the installed plugins), then in apps/ next to\n"
"this program (build/apps/ in the source tree).\n"
"\n"
"With --mapper instead of PLUGIN, a streaming job (as Hadoop Streaming):\n"
"the commands run once per task, in a working folder of their own in\n"
"$TMPDIR holding the --file files, and read and write lines.\n"
"\n"
STREAMOPTS_HELP
"  -s, --socket PATH     coordinator's socket (default: $MR_SOCKET, else\n"
"                        mr.sock in $XDG_RUNTIME_DIR when set, else in\n"
"                        /tmp/mr-<uid>, made mode 0700 if missing; either\n"
"                        folder must be yours and closed to others)\n"
"  -c, --coordinator tcp:HOST:PORT | unix:PATH\n"
"                        the coordinator's address: over TCP (its --listen;\n"
"                        tcp:[ADDR]:PORT for IPv6), for a worker on another\n"
"                        host, which must see the job folder at the same\n"
"                        path; unix:PATH is --socket PATH\n"
"      --auth secret|munge\n"
"                        over TCP, how to prove this worker is the job's:\n"
"                        the job's secret (default) or MUNGE\n"
"      --secret-file FILE\n"
"                        the job's secret, over TCP (the job folder's\n"
"                        .mr-secret; default: $MR_SECRET)\n"
"  -w, --wait SECONDS    how long to wait for the coordinator to come up\n"
"                        (default 5)\n"
"      --reconnect SECONDS\n"
"                        how long to wait for a coordinator to come back on\n"
"                        the socket when the connection is lost without the\n"
"                        job's end (default %d; 0: exit at once)\n"
"  -n, --max-tasks N     leave after running N tasks (default: no limit)\n"
"      --if-running      for launchers that start workers once the\n"
"                        coordinator listens (mrrun): no socket there, or\n"
"                        nobody listening on it, means the job is over,\n"
"                        and the worker exits 0 at once instead of waiting\n"
"  -m, --memory MB       memory a task keeps records in before it spills\n"
"                        sorted runs to disk (map) or merges files instead\n"
"                        of grouping them in memory (reduce) (default 32)\n"
"  -q, --quiet           errors only\n"
"  -v, --verbose         log every task\n"
"  -h, --help            this text\n"
"  -V, --version         the version\n"
"\n"
"Environment: MR_SOCKET       default socket path\n"
"             XDG_RUNTIME_DIR the default socket's folder\n"
"             MR_PLUGIN_PATH  colon-separated folders to look for PLUGIN in\n"
"             MR_SECRET       the job's secret (64 hexadecimal digits)\n"
"             MR_MUNGE_SOCKET munged's socket, when not the default\n"
"             TMPDIR          where the commands' working folder is made\n"
"\n"
"Each task runs in a process of its own. One still running when the\n"
"coordinator cancels it, ends the job or goes away is stopped at once: the\n"
"runs its map spilled are removed (with the files of its map task when the\n"
"job is done) and nothing more is linked into the job folder.\n"
"\n"
"Exit status: 0 when the job is done (or, with --if-running, already over)\n"
"or N tasks were run, 1 when the job failed or on an error (bad plugin, no\n"
"coordinator, a socket held by another user, a coordinator lost and none\n"
"back within --reconnect, a task's process that died), 2 on a usage error.\n",
	    plugin_dir(), SESSION_RECONNECT_DEFAULT);
}

/*
 * What a streaming job's worker hands its tasks instead of a plugin's
 * descriptor: its functions are the commands (task_spec.stream).
 */
static const struct mr_app worker_stream_app = {
	.abi_version = MR_ABI_VERSION, .name = STREAMOPTS_APP
};

/*
 * The streaming job, whose working folder goes when the worker does (not
 * when a task's process, which inherits the handlers, ends).
 */
static struct streaming *worker_stream;
static pid_t worker_pid;

/* The running task's process, which leads the group of its commands. */
static volatile sig_atomic_t worker_task_pid;

static void
worker_stream_cleanup(void)
{
	if (getpid() != worker_pid)
		return;
	streaming_free(worker_stream);
	worker_stream = NULL;
}

/*
 * SIGTERM, SIGINT, SIGHUP: the running task's commands and what they
 * started go (its process would die with the worker, but not what its
 * commands left in the background), the folder goes, then the signal does
 * its work.
 */
static void
worker_on_signal(int sig)
{
	if (getpid() == worker_pid && worker_task_pid > 0)
		kill(-(pid_t)worker_task_pid, SIGKILL);
	if (worker_stream != NULL && getpid() == worker_pid)
		streaming_remove(worker_stream);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* What the loop works with. */
struct worker {
	struct session	*session;
	struct attempt_conf conf;
	struct child	*child;		/* the attempt running, or NULL */
	const Mr__Task	*task;		/* its task, while it is started */
	unsigned long long max_tasks;	/* --max-tasks; 0 no limit */
	unsigned long long ntasks;	/* attempts reported */
	struct {			/* the map task run last, whose files */
		int	 valid;		/* a Shutdown may ask to remove */
		uint32_t id;
		uint32_t nreduce;
	} last_map;
};

/* The child's life: the task of w->task, its report in `report`. */
static int
worker_attempt(void *arg, struct buf *report)
{
	struct worker *w = arg;
	struct err e;

	/* Before the first command: all of them go with the worker. */
	if (w->conf.stream != NULL && child_group_dies_with_parent(&e) == -1)
		log_warn("attempt %llu: %s", (unsigned long long)
		    w->task->attempt, e.msg);
	if (attempt_run(&w->conf, w->task, report, &e) == -1) {
		log_warn("attempt %llu: %s",
		    (unsigned long long)w->task->attempt, e.msg);
		return -1;
	}
	return 0;
}

/* Starts the child for a map or reduce task. */
static void
worker_begin(struct worker *w, const Mr__Task *task)
{
	struct buf failed = BUF_INIT;
	struct err e;

	if (task->kind_case == MR__TASK__KIND_MAP) {
		/* Set first: a stopped attempt may have written some files. */
		w->last_map.valid = 1;
		w->last_map.id = task->map->id;
		w->last_map.nreduce = task->map->n_reduce;
	}
	w->conf.job = session_job(w->session);
	w->conf.out_dir = session_out_dir(w->session);
	w->task = task;
	w->child = child_start(task->attempt, session_fd(w->session),
	    worker_attempt, w, &e);
	w->task = NULL;
	if (w->child != NULL) {
		worker_task_pid = child_pid(w->child);
		return;
	}
	/* No process to run it in: the coordinator gives it to another. */
	log_warn("%s", e.msg);
	if (attempt_failed(task, e.msg, &failed, &e) == 0)
		session_queue(w->session, buf_head(&failed), buf_len(&failed));
	buf_free(&failed);
}

/* Stops the attempt running, removing what it left. */
static void
worker_stop(struct worker *w)
{
	if (w->child == NULL)
		return;
	/* Not after: once reaped, its pid may be another's. */
	worker_task_pid = 0;
	child_stop(w->child, w->conf.out_dir);
	child_free(w->child);
	w->child = NULL;
}

/*
 * The child has ended: its report goes with the next request. One that
 * died without a report is a worker that crashed, as far as the
 * coordinator is concerned: the worker ends, and the attempt is lost.
 */
static void
worker_reported(struct worker *w)
{
	const uint8_t *p;
	size_t len;
	struct err e;

	if (child_report(w->child, &p, &len, &e) == -1) {
		log_warn("attempt %llu: %s",
		    (unsigned long long)child_attempt(w->child), e.msg);
		worker_stop(w);
		exit(1);
	}
	session_queue(w->session, p, len);
	worker_task_pid = 0;
	child_free(w->child);
	w->child = NULL;
	w->ntasks++;
	/* The plugin's init failed: that report said why; nothing can run. */
	if (w->conf.init_err != NULL) {
		if (session_flush(w->session, &e) == -1)
			log_warn("%s", e.msg);
		log_debug("leaving: the plugin's init failed");
		exit(1);
	}
}

/*
 * The job is over: the attempt running is stopped. When the job is done
 * and its intermediate files are gone, those of the map task run last go
 * too: an attempt given up on (a stopped or slow worker) may have written
 * them after the coordinator cleaned up. Returns the exit status: 0 when
 * the job is done, 1 when it failed (or was interrupted), so that
 * whoever started the worker can tell.
 */
static int
worker_shutdown(struct worker *w, const Mr__Shutdown *sd)
{
	char name[64];

	if (w->child != NULL) {
		/* Said by the coordinator, why included: not again here. */
		if (sd->failed)
			log_info("the job failed while attempt %llu ran; "
			    "attempt abandoned",
			    (unsigned long long)child_attempt(w->child));
		else
			log_debug("the job is done while attempt %llu ran; "
			    "attempt abandoned",
			    (unsigned long long)child_attempt(w->child));
		worker_stop(w);
	}
	for (uint32_t y = 0; sd->remove_intermediates && w->last_map.valid &&
	    y < w->last_map.nreduce; y++) {
		(void)jobfiles_intermediate(name, sizeof name, NULL,
		    w->last_map.id, y);
		if (unlink(name) == -1 && errno != ENOENT)
			log_warn("%s: %s", name, strerror(errno));
	}
	w->last_map.valid = 0;
	if (sd->failed) {
		log_info("the job failed");
		return 1;
	}
	log_debug("job done");
	return 0;
}

/*
 * The coordinator is lost (why): the attempt running is stopped, and
 * another coordinator looked for; the worker ends when none comes.
 */
static void
worker_lost(struct worker *w, const char *why)
{
	uint64_t job = session_job(w->session);
	struct err e;

	if (w->child != NULL) {
		log_warn("lost the coordinator while attempt %llu ran; "
		    "attempt abandoned",
		    (unsigned long long)child_attempt(w->child));
		worker_stop(w);
	}
	if (session_rejoin(w->session, why, &e) == -1)
		fatal("%s", e.msg);
	/* The files of another job's map are not this one's to remove. */
	if (session_job(w->session) != job)
		w->last_map.valid = 0;
}

/* Runs tasks until the job ends or --max-tasks were run: the exit status. */
static int
worker_serve(struct worker *w)
{
	Mr__Envelope *env;
	const Mr__Task *task;
	struct err e;
	int asked = 0, rc;

	for (;;) {
		if (w->child == NULL && !asked) {
			if (w->max_tasks != 0 && w->ntasks == w->max_tasks) {
				log_debug("leaving after %llu tasks", w->ntasks);
				if (session_flush(w->session, &e) == -1)
					fatal("lost the coordinator: %s", e.msg);
				return 0;
			}
			/* The last report and the request wake it up once. */
			session_request(w->session);
			asked = 1;
		}
		if (session_wait(w->session, w->child != NULL ?
		    child_fd(w->child) : -1) == SESSION_OTHER) {
			const uint8_t *p;
			size_t len;

			rc = child_read(w->child);
			/* The task's status line, on to the coordinator. */
			if (child_progress(w->child, &p, &len))
				session_progress(w->session, p, len);
			if (rc == 1) {
				worker_reported(w);
				asked = 0;
			}
			continue;
		}
		/* No link of the attempt while we hear what it is about. */
		if (w->child != NULL)
			child_hold(w->child);
		rc = session_recv(w->session, &env, &e);
		if (rc == -1) {
			worker_stop(w);
			fatal("%s", e.msg);
		}
		if (rc == 0) {
			worker_lost(w, e.msg);
			asked = 0;
			continue;
		}
		task = env->task;
		switch (task->kind_case) {
		case MR__TASK__KIND_SHUTDOWN:
			rc = worker_shutdown(w, task->shutdown);
			frame_free(env);
			return rc;
		case MR__TASK__KIND_CANCEL:
			if (w->child != NULL &&
			    child_attempt(w->child) == task->attempt) {
				log_debug("attempt %llu cancelled; its process "
				    "(pid %d) is stopped",
				    (unsigned long long)task->attempt,
				    (int)child_pid(w->child));
				worker_stop(w);
				asked = 0;
				break;
			}
			if (w->child != NULL)
				child_resume(w->child);
			log_debug("cancel of attempt %llu, which does not run "
			    "here: ignored", (unsigned long long)task->attempt);
			break;
		default:
			if (w->child != NULL) {
				worker_stop(w);
				fatal("coordinator sent attempt %llu while "
				    "attempt %llu runs",
				    (unsigned long long)task->attempt,
				    (unsigned long long)child_attempt(w->child));
			}
			worker_begin(w, task);
			asked = 0;
			break;
		}
		frame_free(env);
	}
}

/*
 * A reduce task merging the outputs of many map tasks holds one file open
 * per map task: allow as many as the system lets us.
 */
static void
worker_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "coordinator", required_argument, NULL, 'c' },
		{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "wait", required_argument, NULL, 'w' },
		{ "reconnect", required_argument, NULL, OPT_RECONNECT },
		{ "max-tasks", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, 'm' },
		{ "if-running", no_argument, NULL, OPT_IF_RUNNING },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		STREAMOPTS_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct session_conf sc;
	struct worker w;
	struct plugin *plugin = NULL;
	/* Static: an early exit (a usage error) leaves nothing unreachable. */
	static struct streamopts so = STREAMOPTS_INIT;
	struct err e, init_err;
	char file[PATH_MAX], digest[PLUGIN_DIGEST_MAX];
	const char *sock = NULL, *coordinator = NULL, *secret_file = NULL;
	enum auth_method method = AUTH_METHOD_SECRET;
	struct addr remote;
	struct auth auth;
	unsigned long long mb;
	int ch, status;

	log_init("mrworker");
	memset(&sc, 0, sizeof sc);
	memset(&w, 0, sizeof w);
	sc.wait = WORKER_WAIT_DEFAULT;
	sc.reconnect = SESSION_RECONNECT_DEFAULT;
	w.conf.memory = TASK_MEMORY_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:c:w:n:m:qvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			coordinator = optarg;
			break;
		case OPT_SECRET_FILE:
			secret_file = optarg;
			break;
		case OPT_AUTH:
			if (auth_method_parse(optarg, &method, &e) == -1)
				return opts_invalid("auth", "secret or munge",
				    optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			if (opts_seconds(optarg, 1, WORKER_SECONDS_MAX,
			    &sc.wait) == -1)
				return opts_invalid("wait", "seconds from 0 to "
				    WORKER_SECONDS_MAX_TEXT, optarg);
			break;
		case OPT_RECONNECT:
			if (opts_seconds(optarg, 1, WORKER_SECONDS_MAX,
			    &sc.reconnect) == -1)
				return opts_invalid("reconnect", "seconds from 0 "
				    "to " WORKER_SECONDS_MAX_TEXT, optarg);
			break;
		case 'n':
			if (opts_count(optarg, 1, ULLONG_MAX, &w.max_tasks) == -1)
				return opts_invalid("max-tasks", "a positive "
				    "number", optarg);
			break;
		case 'm':
			if (opts_count(optarg, 1, WORKER_MEMORY_MAX, &mb) == -1)
				return opts_invalid("memory", "megabytes from 1 "
				    "to " WORKER_MEMORY_MAX_TEXT, optarg);
			w.conf.memory = (size_t)mb << 20;
			break;
		case OPT_IF_RUNNING:
			sc.if_running = 1;
			break;
		case 'q':
			log_set_level(0);
			break;
		case 'v':
			log_set_level(2);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrworker %s (protocol %d, plugin interface %d)\n",
			    MR_VERSION, MR_PROTOCOL_VERSION, MR_ABI_VERSION);
			return 0;
		default:
			if ((status = streamopts_take(&so, ch, optarg)) == 1)
				break;
			if (status == 2)
				return 2;
			return opts_bad(ch, argv, opts);
		}
	}
	if ((status = streamopts_usage(&so)) != 0)
		return status;
	if (streamopts_streaming(&so)) {
		if (argc - optind != 0)
			return opts_usage("a streaming job (--mapper) takes no "
			    "plugin, but '%s' was given", argv[optind]);
		if (streamopts_check(&so, &e) == -1 ||
		    streamopts_digest(&so, digest, sizeof digest, &e) == -1 ||
		    (worker_stream = streaming_new(&so, &e)) == NULL)
			fatal("%s", e.msg);
		worker_pid = getpid();
		atexit(worker_stream_cleanup);
		signal(SIGTERM, worker_on_signal);
		signal(SIGINT, worker_on_signal);
		signal(SIGHUP, worker_on_signal);
		w.conf.app = &worker_stream_app;
		w.conf.stream = worker_stream;
		log_debug("streaming job: mapper `%s', working folder %s",
		    so.mapper, worker_stream->dir);
	} else {
		if (argc - optind != 1)
			return opts_usage(argc - optind == 0 ? "no plugin given" :
			    "one plugin expected");
		if (plugin_find(argv[optind], file, sizeof file, &e) == -1 ||
		    (plugin = plugin_load(file, &e)) == NULL ||
		    plugin_digest(file, digest, sizeof digest, &e) == -1)
			fatal("%s", e.msg);
		w.conf.app = plugin_app(plugin);
		log_debug("application %s from %s", w.conf.app->name, file);
	}
	if (coordinator != NULL) {
		if (addr_parse(coordinator, 0, &remote, &e) == -1)
			return opts_invalid("coordinator", "tcp:HOST:PORT or "
			    "unix:PATH", coordinator);
		if (remote.kind == ADDR_UNIX)
			sock = remote.un.sun_path;
		else if (dial_auth(&auth, method, secret_file, &e) == -1)
			fatal("%s", e.msg);
		else {
			sc.tcp = &remote;
			sc.auth = &auth;
		}
	}
	sc.app = w.conf.app->name;
	sc.digest = digest;
	sc.sample = w.conf.app->partition == mr_partition_total_order;
	if (sc.tcp == NULL &&
	    (ch = sockpath_resolve(sock, SOCKPATH_CREATE, &sc.addr, &e)) != 0) {
		ch = ch == SOCKPATH_USAGE ? 2 : 1;
		log_warn("%s", e.msg);
		plugin_close(plugin);
		return ch;
	}
	worker_raise_nofile();
	if ((ch = session_open(&w.session, &sc, &e)) == 0 || ch == 2) {
		/* Over before it began: the job's status, as a Shutdown's. */
		if (ch == 2)
			log_info("the job failed");
		plugin_close(plugin);
		return ch == 2 ? 1 : 0;
	}
	if (ch == -1)
		fatal("%s", e.msg);
	/*
	 * From now on this process must stop its tasks whatever they do to
	 * stderr (a plugin blocked writing to a full pipe): its messages are
	 * dropped rather than waited for.
	 */
	log_set_nowait(1);
	/*
	 * The plugin's init, once, before the first task's process is forked
	 * (so that every task inherits what it set up). A failure is said as
	 * the first task's, whose report carries its text; then the worker
	 * ends.
	 */
	if (sdk_init(w.conf.app, &init_err) == -1)
		w.conf.init_err = &init_err;
	status = worker_serve(&w);
	if (w.conf.init_err == NULL)
		sdk_fini(w.conf.app);
	session_close(w.session);
	welcome_free();
	plugin_close(plugin);
	streamopts_free(&so);
	return status;
}
