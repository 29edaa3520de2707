/*
 * main.c - mrworker: asks the coordinator for tasks and runs them.
 *
 * A worker does one thing at a time, so it talks to the coordinator with
 * blocking calls: ask, wait for a task (or for the job to end), run it,
 * report, ask again. While a task runs, watch.c notices a coordinator that
 * goes away or ends the job, and the attempt is abandoned.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect.h"
#include "frame.h"
#include "log.h"
#include "opts.h"
#include "plugin.h"
#include "safefile.h"
#include "sdk.h"
#include "sockpath.h"
#include "task.h"
#include "version.h"
#include "watch.h"

/* Long options without a short letter. */
#define OPT_IF_RUNNING 256

/* The largest --memory, in megabytes, as a number and as text. */
#define WORKER_MEMORY_MAX (1024 * 1024)
#define WORKER_MEMORY_MAX_TEXT "1048576"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrworker [--socket PATH] [--wait SECONDS] [--max-tasks N]\n"
"                [--memory MB] [--if-running] [-q | -v] PLUGIN\n"
"\n"
"Joins the job of the coordinator listening on the socket and runs map and\n"
"reduce tasks with the application in PLUGIN until the coordinator says the\n"
"job is done. PLUGIN is a path (build/apps/wc.so; a name ending in .so is a\n"
"file in the current folder) or a bare name such as wc, looked for as wc.so\n"
"in each folder of $MR_PLUGIN_PATH (colon-separated), then in\n"
"%s (the installed plugins), then in apps/ next to\n"
"this program (build/apps/ in the source tree).\n"
"\n"
"  -s, --socket PATH     coordinator's socket (default: $MR_SOCKET, else\n"
"                        mr.sock in $XDG_RUNTIME_DIR when set, else in\n"
"                        /tmp/mr-<uid>, made mode 0700 if missing; either\n"
"                        folder must be yours and closed to others)\n"
"  -w, --wait SECONDS    how long to wait for the coordinator to come up\n"
"                        (default 5)\n"
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
"A task still running when the coordinator goes away or ends the job is\n"
"abandoned at once: the runs its map spilled are removed (with the files of\n"
"its map task when the job is done) and nothing more is linked into the job\n"
"folder.\n"
"\n"
"Exit status: 0 when the job is done (or, with --if-running, already over)\n"
"or N tasks were run, 1 when the job failed or on an error (bad plugin, no\n"
"coordinator, a socket held by another user, connection lost), 2 on a usage\n"
"error.\n",
	    plugin_dir());
}

static void worker_shutdown(const Mr__Shutdown *sd);

/*
 * The exit status for a Shutdown: 0 when the job is done, 1 when it failed
 * (or was interrupted), so that whoever started the worker can tell.
 */
static int
worker_shutdown_status(const Mr__Shutdown *sd)
{
	if (sd->failed) {
		log_info("the job failed");
		return 1;
	}
	log_debug("job done");
	return 0;
}

/*
 * After a failed send, the coordinator may have said goodbye before it
 * closed: a Shutdown waiting in the socket means the job ended.
 */
static void
worker_lost(int fd, const char *why)
{
	Mr__Envelope *env = NULL;
	struct err e;
	int status;

	if (frame_recv(fd, &env, &e) == 1 &&
	    env->msg_case == MR__ENVELOPE__MSG_TASK &&
	    env->task->kind_case == MR__TASK__KIND_SHUTDOWN) {
		worker_shutdown(env->task->shutdown);
		status = worker_shutdown_status(env->task->shutdown);
		frame_free(env);
		exit(status);
	}
	frame_free(env);
	fatal("lost the coordinator: %s", why);
}

static void
worker_send(int fd, const Mr__Envelope *env)
{
	struct err e;

	if (frame_send(fd, env, &e) == -1)
		worker_lost(fd, e.msg);
}

/* Reports wait here to go out with the next request, in one write. */
static struct buf worker_out = BUF_INIT;

/* Where reduce tasks write mr-out-Y, when not the job folder (Welcome). */
static char worker_out_dir[PATH_MAX];

/* The map task run last, whose files a Shutdown may ask to remove. */
static struct {
	int		 valid;
	uint32_t	 id;
	uint32_t	 nreduce;
} worker_last_map;

static void
worker_queue(int fd, const Mr__Envelope *env)
{
	struct err e;

	if (frame_pack(&worker_out, env, &e) == -1)
		worker_lost(fd, e.msg);
}

static void
worker_flush(int fd)
{
	struct err e;

	if (frame_flush(fd, &worker_out, &e) == -1)
		worker_lost(fd, e.msg);
}

static Mr__Envelope *
worker_recv(int fd)
{
	Mr__Envelope *env;
	struct err e;
	int rc;

	rc = frame_recv(fd, &env, &e);
	if (rc == 0)
		fatal("lost the coordinator: connection closed");
	if (rc == -1)
		fatal("lost the coordinator: %s", e.msg);
	return env;
}

/*
 * The job is over. When it is done and its intermediate files are gone,
 * those of the map task run last go too: an attempt given up on (a stopped
 * or slow worker) may have written them after the coordinator cleaned up.
 */
static void
worker_shutdown(const Mr__Shutdown *sd)
{
	char name[64];

	if (sd == NULL || !sd->remove_intermediates || !worker_last_map.valid)
		return;
	for (uint32_t y = 0; y < worker_last_map.nreduce; y++) {
		snprintf(name, sizeof name, "mr-%u-%u", worker_last_map.id, y);
		if (unlink(name) == -1 && errno != ENOENT)
			log_warn("%s: %s", name, strerror(errno));
	}
	worker_last_map.valid = 0;
}

/*
 * Hello / Welcome; moves into the job folder so that names resolve.
 * Returns the job id, for the intermediate files.
 */
static uint64_t
worker_join(int fd)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *reply;
	Mr__Hello hello = MR__HELLO__INIT;
	Mr__Welcome *w;
	uint64_t job;
	char host[MR_HOST_MAX + 1] = "";

	hello.version = MR_PROTOCOL_VERSION;
	hello.pid = getpid();
	/* For status and the web page: which machine runs this worker. */
	if (gethostname(host, sizeof host - 1) == 0)
		hello.host = host;
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &hello;
	worker_send(fd, &env);
	reply = worker_recv(fd);
	if (reply->msg_case != MR__ENVELOPE__MSG_WELCOME)
		fatal("coordinator answered hello with message %d",
		    (int)reply->msg_case);
	w = reply->welcome;
	if (w->version != MR_PROTOCOL_VERSION)
		fatal("coordinator speaks protocol version %u, this worker %u",
		    w->version, MR_PROTOCOL_VERSION);
	if (w->job_dir == NULL || *w->job_dir == '\0' || chdir(w->job_dir) == -1)
		fatal("cannot enter the job folder %s: %s",
		    w->job_dir != NULL ? w->job_dir : "", strerror(errno));
	if (w->output_dir != NULL && strlen(w->output_dir) >= sizeof worker_out_dir)
		fatal("output folder name too long: %.64s...", w->output_dir);
	snprintf(worker_out_dir, sizeof worker_out_dir, "%s",
	    w->output_dir != NULL ? w->output_dir : "");
	job = w->job_id;
	log_debug("joined as worker %u in %s (job id %016llx)", w->worker_id,
	    w->job_dir, (unsigned long long)job);
	frame_free(reply);
	return job;
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

/*
 * The inputs of a map task, as maptask_run() takes them (names stay the
 * message's). A task listing none is the coordinator's mistake: refused.
 */
static int
worker_map_inputs(const Mr__MapTask *m, struct task_input **inputs,
    struct stamp **stamps, struct err *e)
{
	struct task_input *in;
	struct stamp *st;

	if (m->n_inputs == 0) {
		err_set(e, "map task %u lists no input", m->id);
		return -1;
	}
	in = *inputs = xcalloc(m->n_inputs, sizeof *in);
	st = *stamps = xcalloc(m->n_inputs, sizeof *st);
	for (size_t i = 0; i < m->n_inputs; i++) {
		const Mr__MapInput *mi = m->inputs[i];

		in[i].name = mi->name;
		in[i].offset = mi->offset;
		in[i].length = mi->length;
		if (mi->stamp != NULL) {
			st[i].size = mi->stamp->size;
			st[i].mtime_ns = mi->stamp->mtime_ns;
			st[i].ino = mi->stamp->inode;
			st[i].dev = mi->stamp->device;
			in[i].stamp = &st[i];
		}
	}
	return 0;
}

/* Runs one task and sends its report. */
static void
worker_run(int fd, const struct mr_app *app, size_t memory, uint64_t job,
    const Mr__Task *task)
{
	struct task_spec spec;
	struct task_input *inputs = NULL;
	struct stamp *stamps = NULL;
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskDone done = MR__TASK_DONE__INIT;
	Mr__TaskFailed failed = MR__TASK_FAILED__INIT;
	Mr__Counter counter[MR_COUNTERS_MAX], *counterp[MR_COUNTERS_MAX];
	struct task_result res = { 0 };
	struct err e;
	const char *name;
	int rc;

	sdk_counters_reset();
	watch_task_begin(task->attempt);

	if (task->kind_case == MR__TASK__KIND_MAP) {
		log_debug("attempt %llu: map task %u (%zu inputs)",
		    (unsigned long long)task->attempt, task->map->id,
		    task->map->n_inputs);
		memset(&spec, 0, sizeof spec);
		spec.id = task->map->id;
		spec.split_size = task->map->split_size;
		spec.nreduce = task->map->n_reduce;
		spec.memory = memory;
		/* Set first: a failed attempt may have written some files. */
		worker_last_map.valid = 1;
		worker_last_map.id = spec.id;
		worker_last_map.nreduce = spec.nreduce;
		spec.job = job;
		spec.allow_changes = task->map->allow_changes;
		if (worker_map_inputs(task->map, &inputs, &stamps, &e) == -1)
			rc = -1;
		else {
			spec.inputs = inputs;
			spec.ninputs = task->map->n_inputs;
			rc = maptask_run(app, &spec, &res, &e);
		}
	} else {
		log_debug("attempt %llu: reduce task %u",
		    (unsigned long long)task->attempt,
		    task->reduce->partition);
		memset(&spec, 0, sizeof spec);
		spec.id = task->reduce->partition;
		spec.nmap = task->reduce->n_map;
		spec.out_dir = worker_out_dir;
		spec.memory = memory;
		spec.job = job;
		rc = reducetask_run(app, &spec, &res, &e);
	}
	/* A combiner run while writing may have misused them too. */
	if (rc == 0 && sdk_counters_check(&e) == -1)
		rc = -1;
	watch_task_end();
	if (rc == 0) {
		done.attempt = task->attempt;
		done.incarnation = task->incarnation;
		done.bytes_out = res.bytes_out;
		done.bytes_in = res.bytes_in;
		done.input_changed = res.changed;
		done.output_size = res.output_size;
		done.output_crc = res.output_crc;
		done.n_counters = sdk_counters_count();
		for (size_t i = 0; i < done.n_counters; i++) {
			mr__counter__init(&counter[i]);
			sdk_counters_get(i, &name, &counter[i].value);
			counter[i].name = (char *)name;
			counterp[i] = &counter[i];
		}
		done.counters = counterp;
		env.msg_case = MR__ENVELOPE__MSG_DONE;
		env.done = &done;
	} else {
		log_warn("attempt %llu failed: %s",
		    (unsigned long long)task->attempt, e.msg);
		failed.attempt = task->attempt;
		failed.incarnation = task->incarnation;
		failed.error = e.msg;
		failed.bad_maps = res.bad_maps;
		failed.n_bad_maps = res.nbad;
		failed.job_fatal = res.fatal;
		env.msg_case = MR__ENVELOPE__MSG_FAILED;
		env.failed = &failed;
	}
	worker_queue(fd, &env);
	task_result_clear(&res);
	free(inputs);
	free(stamps);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "max-tasks", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, 'm' },
		{ "if-running", no_argument, NULL, OPT_IF_RUNNING },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	Mr__Envelope req = MR__ENVELOPE__INIT, *env;
	Mr__TaskRequest request = MR__TASK_REQUEST__INIT;
	struct sockaddr_un addr;
	struct plugin *plugin;
	struct err e;
	char file[PATH_MAX];
	const char *sock = NULL;
	double wait = 5;
	unsigned long long max_tasks = 0, ntasks = 0, mb;
	size_t memory = TASK_MEMORY_DEFAULT;
	uint64_t job;
	int ch, fd, status, if_running = 0;

	log_init("mrworker");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:w:n:m:qvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'w':
			if (opts_seconds(optarg, 1, 86400, &wait) == -1)
				return opts_invalid("wait", "seconds from 0 to "
				    "86400", optarg);
			break;
		case 'n':
			if (opts_count(optarg, 1, ULLONG_MAX, &max_tasks) == -1)
				return opts_invalid("max-tasks", "a positive "
				    "number", optarg);
			break;
		case 'm':
			if (opts_count(optarg, 1, WORKER_MEMORY_MAX, &mb) == -1)
				return opts_invalid("memory", "megabytes from 1 "
				    "to " WORKER_MEMORY_MAX_TEXT, optarg);
			memory = (size_t)mb << 20;
			break;
		case OPT_IF_RUNNING:
			if_running = 1;
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
			return opts_bad(ch, argv, opts);
		}
	}
	if (argc - optind != 1)
		return opts_usage(argc - optind == 0 ? "no plugin given" :
		    "one plugin expected");
	if (plugin_find(argv[optind], file, sizeof file, &e) == -1 ||
	    (plugin = plugin_load(file, &e)) == NULL)
		fatal("%s", e.msg);
	log_debug("application %s from %s", plugin_app(plugin)->name, file);
	if ((ch = sockpath_resolve(sock, SOCKPATH_CREATE, &addr, &e)) != 0) {
		ch = ch == SOCKPATH_USAGE ? 2 : 1;
		log_warn("%s", e.msg);
		plugin_close(plugin);
		return ch;
	}
	worker_raise_nofile();
	/* Started after the coordinator listened: no socket is the end. */
	fd = connect_wait(&addr, if_running ? 0 : wait, &e);
	if (fd == -1 && if_running && (errno == ENOENT ||
	    errno == ECONNREFUSED)) {
		log_debug("%s: the job is over", addr.sun_path);
		plugin_close(plugin);
		return 0;
	}
	if (fd == -1)
		fatal("%s", e.msg);
	job = worker_join(fd);
	if (watch_start(fd, worker_shutdown, &e) == -1)
		fatal("%s", e.msg);
	safefile_set_guard(watch_check, watch_release, NULL);

	req.msg_case = MR__ENVELOPE__MSG_REQUEST;
	req.request = &request;
	while (max_tasks == 0 || ntasks < max_tasks) {
		/* The last report and the next request wake it up once. */
		worker_queue(fd, &req);
		worker_flush(fd);
		env = worker_recv(fd);
		if (env->msg_case != MR__ENVELOPE__MSG_TASK)
			fatal("coordinator sent message %d instead of a task",
			    (int)env->msg_case);
		switch (env->task->kind_case) {
		case MR__TASK__KIND_SHUTDOWN:
			worker_shutdown(env->task->shutdown);
			status = worker_shutdown_status(env->task->shutdown);
			frame_free(env);
			buf_free(&worker_out);
			close(fd);
			connect_release();
			plugin_close(plugin);
			return status;
		case MR__TASK__KIND_MAP:
		case MR__TASK__KIND_REDUCE:
			worker_run(fd, plugin_app(plugin), memory, job,
			    env->task);
			ntasks++;
			break;
		default:
			fatal("coordinator sent a task of unknown kind %d",
			    (int)env->task->kind_case);
		}
		frame_free(env);
	}
	log_debug("leaving after %llu tasks", ntasks);
	worker_flush(fd);
	buf_free(&worker_out);
	close(fd);
	connect_release();
	plugin_close(plugin);
	return 0;
}
