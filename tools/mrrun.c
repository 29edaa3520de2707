/*
 * mrrun.c - a whole job in one command: a coordinator and N local workers.
 *
 * It loads the plugin once, then starts mrcoordinator from its own folder,
 * on a socket in a private folder of its own (mode 0700), and waits for it
 * to say it listens (--ready-fd) or to exit (a refused job: no worker was
 * started). Then it starts mrworker --if-running, as many as asked but no
 * more than there are map tasks, and keeps them running (a
 * worker that exits before the job is over, whatever its status, is
 * replaced, so that a crashing plugin still finishes), passes Ctrl-C and
 * SIGTERM on, stops the workers still running when the job ends (SIGTERM,
 * then SIGKILL after MRRUN_GRACE seconds), and exits with the
 * coordinator's status. Its children die with it, even of SIGKILL
 * (PR_SET_PDEATHSIG): the coordinator gets SIGTERM, abandons the job and
 * removes the socket folder (--remove-socket-dir), the workers SIGKILL.
 *
 * Every signal it cares about is blocked except inside ppoll() and
 * sigsuspend(), so
 * that none can arrive between a check and the wait: a child's exit, an
 * interruption and the end of the grace period all wake the one loop.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "outfmt.h"
#include "params.h"
#include "plugin.h"
#include "sockpath.h"
#include "srun.h"
#include "streamopts.h"
#include "version.h"

/* Workers started in all, per worker asked for, before mrrun gives up. */
#define MRRUN_RESTARTS 20

/* Seconds workers have to exit after SIGTERM before they are killed. */
#define MRRUN_GRACE 2

/* Long options without a short letter. */
#define OPT_REPORT 256
#define OPT_OVERWRITE 257
#define OPT_KEEP 258
#define OPT_ALLOW_CHANGES 259
#define OPT_RECURSIVE 260
#define OPT_INPUTS_FROM 261
#define OPT_NO_RESUME 262
#define OPT_SPECULATIVE 263
#define OPT_OUTPUT_FORMAT 264
#define OPT_SRUN 265

/* Where the coordinator says it listens (--ready-fd), in its process. */
#define MRRUN_READY_FD 3

/* The most workers -n asks for. */
#define MRRUN_WORKERS_MAX 1024


static volatile sig_atomic_t mrrun_signal, mrrun_alarm;

/* The signal mask children get back before exec. */
static sigset_t mrrun_oldmask;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrrun [-n WORKERS] [--reduces N] [--split-size BYTES]\n"
"             [--task-timeout SECONDS] [--memory MB] [--progress SECONDS]\n"
"             [--report FILE.json] [--allow-changing-inputs] [-q | -v]\n"
"             [-C DIR] [-o DIR] [--overwrite] [--keep-intermediates]\n"
"             [--no-resume] [--speculative on|off] [--srun]\n"
"             [-D NAME=VALUE]... [--output-format text|tsv]\n"
"             [--recursive] [--inputs-from LIST [-0]] [--] APP INPUT...\n"
"       mrrun [OPTION...] --mapper CMD [--combiner CMD] [--reducer CMD|NONE]\n"
"             [--file PATH]... [--cmdenv NAME=VALUE]... [--] INPUT...\n"
"\n"
"Runs one MapReduce job on this machine: a coordinator over the INPUTs and\n"
"WORKERS workers running APP, then exits with the job's status. The\n"
"outputs mr-out-* are written in the job folder (the current folder\n"
"unless -C), or in -o DIR. APP is a path or a bare name such as wc, found\n"
"as mrworker finds it ($MR_PLUGIN_PATH, then the installed plugins, then\n"
"apps/ next to this program). INPUTs are files and folders, read as\n"
"mrcoordinator reads them (see its --help).\n"
"\n"
"Nothing runs before everything is checked: mrrun loads APP once itself,\n"
"then starts the coordinator, which checks the options, the FILEs and the\n"
"folders (one held by another job, or holding an earlier job's mr-out-Y\n"
"or mr-X-Y, is refused: see --overwrite); a refusal is one line, and no\n"
"worker is started. Once it listens, the workers start, no more of them\n"
"than there are map tasks.\n"
"\n"
"  -n, --workers N   workers to run (default: the number of processors,\n"
"                    or with --srun the allocation's tasks; at most the\n"
"                    number of map tasks); a worker that\n"
"                    exits before the job is over is replaced, and those\n"
"                    still running when it is over are stopped\n"
"  -r, --reduces N   reduce tasks (default 10); 0: a map-only job, each map\n"
"                    task X writing mr-out-X\n"
"  -b, --split-size BYTES  cut inputs larger than this into several map\n"
"                    tasks (K, M, G suffixes; default 16M)\n"
"  -t, --task-timeout SECS  hand a task to another worker when it is not\n"
"                    done within SECS seconds (default 10) of its\n"
"                    hand-out or its last progress\n"
"  -m, --memory MB   memory each worker's task keeps records in before it\n"
"                    spills to disk (default 32)\n"
"  -p, --progress SECS  a progress line every SECS seconds, redrawn in\n"
"                    place on a terminal (default 5); 0: none\n"
"      --report FILE the coordinator writes the job's history there as\n"
"                    JSON when it ends (see mrcoordinator --help)\n"
"      --allow-changing-inputs  read an input changed since the start as\n"
"                    it is then, and say so (default: the job fails)\n"
"  -q, --quiet       errors and the outcome only: no progress, and no line\n"
"                    saying how to query the job\n"
"  -v, --verbose     log every task\n"
"  -C, --job-dir DIR the job folder (intermediate files, and outputs\n"
"                    unless -o); relative FILE names stay those of the\n"
"                    current folder\n"
"  -o, --output-dir DIR  write mr-out-Y there (made if missing)\n"
"      --overwrite   remove an earlier job's mr-out-Y and mr-X-Y first\n"
"      --keep-intermediates  keep mr-X-Y when the job is done\n"
"      --no-resume   start over where an unfinished run of this same job\n"
"                    left its journal (by default it resumes, keeping the\n"
"                    tasks done, and says how many)\n"
"      --speculative on|off  backup attempts of tasks much slower than\n"
"                    the others near a phase's end (default on)\n"
"  -D NAME=VALUE     a job parameter for the plugin's mr_param(\"NAME\"), or\n"
"                    for a streaming job's commands the variable NAME, each\n"
"                    byte but a letter, digit or _ made _\n"
"      --output-format F  text (default) or tsv: lines \"key<TAB>value\"\n"
"                    with C escapes, lossless (see mrcoordinator --help);\n"
"                    not for a streaming job, whose lines are its commands'\n"
"      --srun        inside a Slurm allocation (salloc, sbatch): the\n"
"                    coordinator runs here and listens on TCP too, and each\n"
"                    worker is a job step started by srun on the\n"
"                    allocation's nodes, which must see the job folder at\n"
"                    the same path; the job's secret reaches them in the\n"
"                    environment, never on a command line\n"
"      --recursive   a folder's subfolders too\n"
"      --inputs-from LIST  more INPUTs, one per line of the file LIST (-:\n"
"                    the standard input); then APP alone may follow\n"
"  -0, --null        names in LIST are NUL-separated (find -print0)\n"
STREAMOPTS_HELP
"  -h, --help        this text\n"
"  -V, --version     the version\n"
"\n"
"While the job runs, `mrctl status` (which finds the job by itself when it\n"
"is your only one) shows every task and worker; mrrun prints the command.\n"
"Killed, even with kill -9, mrrun takes its coordinator and workers with\n"
"it; the coordinator then removes the socket folder.\n"
"\n"
"Environment: MR_PLUGIN_PATH  folders to look for APP in; TMPDIR  where the\n"
"private socket folder is made (/tmp when TMPDIR is too long for a socket\n"
"path).\n"
"Exit status: the coordinator's (0 when every output is final, 1 when the\n"
"job failed or was interrupted, or an input or a folder is refused, 3 when\n"
"the report could not be written), 1 when APP cannot be loaded, 2 on a\n"
"usage error.\n");
}

static void
mrrun_on_signal(int sig)
{
	if (sig == SIGALRM)
		mrrun_alarm = 1;
	else if (sig != SIGCHLD)
		mrrun_signal = sig;
}

/*
 * Starts prog with argv; returns its pid. The child gets `death` when mrrun
 * dies, even of SIGKILL (PR_SET_PDEATHSIG), so that nothing of the job
 * outlives its launcher; a parent already gone before that was set is
 * seen by getppid(). ready, when not -1, becomes MRRUN_READY_FD.
 */
static pid_t
mrrun_spawn(const char *prog, char *const argv[], int death, int ready)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == -1)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, death) == -1 ||
		    getppid() != parent)
			_exit(127);
		if (ready != -1 && (ready == MRRUN_READY_FD ?
		    fcntl(ready, F_SETFD, 0) : dup2(ready, MRRUN_READY_FD)) == -1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &mrrun_oldmask, NULL);
		execv(prog, argv);
		log_warn("%s: %s", prog, strerror(errno));
		_exit(127);
	}
	return pid;
}

/*
 * Waits for the coordinator's line on ready (--ready-fd): returns its
 * number of map tasks once it listens, or 0 when it closed the pipe
 * without a word, which it does by exiting (a refused input, folder or
 * option). An interruption meanwhile is passed on to it.
 */
static unsigned long long
mrrun_wait_ready(int ready, pid_t coord)
{
	char line[32];
	size_t len = 0;
	unsigned long long ntasks = 0;
	struct pollfd pfd = { ready, POLLIN, 0 };
	ssize_t n;

	while (len < sizeof line - 1) {
		if (mrrun_signal > 0) {
			kill(coord, SIGTERM);
			mrrun_signal = -1;
		}
		/* Signals are let in only here, so that none is missed. */
		if (ppoll(&pfd, 1, NULL, &mrrun_oldmask) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		n = read(ready, line + len, sizeof line - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	line[len] = '\0';
	if (len == 0)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	if (opts_count(line, 1, UINT32_MAX, &ntasks) == -1)
		fatal("the coordinator said '%s' instead of its number of map "
		    "tasks", line);
	return ntasks;
}

/*
 * The private socket folder (mkdtemp(): mode 0700), where mrctl looks for
 * it: in $TMPDIR, unless the socket's path would be too long there for a
 * Unix socket address; then in /tmp.
 */
static void
mrrun_make_sockdir(char *sockdir, size_t size)
{
	const char *tmp = sockpath_run_tmpdir(), *env = getenv("TMPDIR");

	if (env != NULL && *env != '\0' && tmp != env)
		log_debug("TMPDIR too long for a socket path; the socket goes "
		    "in %s", tmp);
	snprintf(sockdir, size, "%s/" SOCKPATH_RUN_DIR, tmp);
	if (mkdtemp(sockdir) == NULL)
		fatal("%s: %s", sockdir, strerror(errno));
}

/*
 * Whether the job is over while the coordinator still runs: it removes its
 * socket when the job ends, before it tells the workers, so a socket seen
 * once and now gone means a worker's exit is the end, not a crash.
 */
static int
mrrun_job_over(const char *sock, int *seen)
{
	struct stat st;

	if (lstat(sock, &st) == 0) {
		*seen = 1;
		return 0;
	}
	return *seen;
}

/* Sends sig to every worker still running; returns how many. */
static long
mrrun_kill_workers(const pid_t *workers, long n, int sig)
{
	long count = 0;

	for (long i = 0; i < n; i++)
		if (workers[i] > 0 && kill(workers[i], sig) == 0)
			count++;
	return count;
}

/*
 * Says how to ask the job about itself: with mrctl's bare name when the
 * PATH finds the one beside us, else with its path.
 */
static void
mrrun_tell_query(const char *dir, const char *sock)
{
	const char *path = getenv("PATH");
	char mrctl[PATH_MAX + 16];
	size_t n = strlen(dir);
	int found = 0;

	snprintf(mrctl, sizeof mrctl, "%s/mrctl", dir);
	while (path != NULL && *path != '\0' && !found) {
		const char *colon = strchr(path, ':');
		size_t len = colon != NULL ? (size_t)(colon - path) :
		    strlen(path);

		found = len == n && strncmp(path, dir, n) == 0;
		path = colon != NULL ? colon + 1 : NULL;
	}
	log_info("to see the state of this job: %s status --socket %s",
	    found ? "mrctl" : mrctl, sock);
}

/* Appends opt and its value to argv at *i, when the value was given. */
static void
mrrun_args(char **argv, int *i, const char *opt, const char *value)
{
	if (value == NULL)
		return;
	argv[(*i)++] = (char *)opt;
	argv[(*i)++] = (char *)value;
}

/* Appends the option without a value opt to argv at *i, when on. */
static void
mrrun_flag(char **argv, int *i, const char *opt, int on)
{
	if (on && opt != NULL)
		argv[(*i)++] = (char *)opt;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workers", required_argument, NULL, 'n' },
		{ "reduces", required_argument, NULL, 'r' },
		{ "split-size", required_argument, NULL, 'b' },
		{ "task-timeout", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "progress", required_argument, NULL, 'p' },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "job-dir", required_argument, NULL, 'C' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "no-resume", no_argument, NULL, OPT_NO_RESUME },
		{ "speculative", required_argument, NULL, OPT_SPECULATIVE },
		{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
		{ "srun", no_argument, NULL, OPT_SRUN },
		{ "keep-intermediates", no_argument, NULL, OPT_KEEP },
		{ "allow-changing-inputs", no_argument, NULL, OPT_ALLOW_CHANGES },
		{ "recursive", no_argument, NULL, OPT_RECURSIVE },
		{ "inputs-from", required_argument, NULL, OPT_INPUTS_FROM },
		{ "null", no_argument, NULL, '0' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		STREAMOPTS_LONG,
		{ NULL, 0, NULL, 0 }
	};
	/* Static: an early exit (a usage error) leaves nothing unreachable. */
	static struct streamopts so = STREAMOPTS_INIT;
	static char **files;	/* --file paths made absolute */
	char **wargv;
	int first_input;
	char exe[PATH_MAX], dir[PATH_MAX], coordpath[PATH_MAX + 16];
	char workerpath[PATH_MAX + 16], app[PATH_MAX], appabs[PATH_MAX];
	char sockdir[PATH_MAX], sock[PATH_MAX + 16], *slash;
	char srunpath[PATH_MAX], remote[PATH_MAX];
	int srun = 0, nflag = 0;
	const char *verbosity = NULL, *report = NULL, *reduces = NULL;
	const char *job_dir = NULL, *out_dir = NULL, *split = NULL;
	const char *timeout = NULL, *memory = NULL, *progress = NULL;
	int overwrite = 0, keep = 0, allow = 0, no_resume = 0;
	const char *speculative = NULL, *output_format = NULL;
	enum outfmt format;
	/* Static: an early exit leaves it reachable, not leaked. */
	static struct params *params;
	unsigned long long count, ntasks;
	struct plugin *plugin;
	const char *inputs_from = NULL;
	int recursive = 0, nul = 0;
	struct sigaction sa;
	sigset_t block;
	struct err e;
	pid_t coord, *workers;
	long nworkers = sysconf(_SC_NPROCESSORS_ONLN), started = 0, alive;
	int ch, status, exitcode = 1, over = 0, seen = 0, stopping = 0;
	int ready[2], nw = 0;
	uint64_t size;
	double secs;
	ssize_t n;

	log_init("mrrun");
	params = params_new();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":n:r:b:t:m:p:C:o:D:0qvhV", opts,
	    NULL)) != -1) {
		/*
		 * Checked here as the coordinator and the workers would (the
		 * same parsers), so that a bad value is mrrun's usage error
		 * before anything starts; passed on as written.
		 */
		switch (ch) {
		case 'n':
			if (opts_count(optarg, 1, MRRUN_WORKERS_MAX, &count) == -1)
				return opts_invalid("workers", "a number from 1 "
				    "to 1024", optarg);
			nworkers = (long)count;
			nflag = 1;
			break;
		case OPT_SRUN:
			srun = 1;
			break;
		case 'r':
			if (opts_count(optarg, 0, 100000, &count) == -1)
				return opts_invalid("reduces", "a number from 0 "
				    "to 100000", optarg);
			reduces = optarg;
			break;
		case 'b':
			if (opts_size(optarg, &size) == -1)
				return opts_invalid("split-size", "a positive "
				    "size in bytes (K, M, G suffixes)", optarg);
			split = optarg;
			break;
		case 't':
			if (opts_seconds(optarg, 0, 86400, &secs) == -1)
				return opts_invalid("task-timeout", "seconds (more "
				    "than 0, at most 86400)", optarg);
			timeout = optarg;
			break;
		case 'm':
			if (opts_count(optarg, 1, 1024 * 1024, &count) == -1)
				return opts_invalid("memory", "megabytes from 1 "
				    "to 1048576", optarg);
			memory = optarg;
			break;
		case 'p':
			if (opts_seconds(optarg, 1, 86400, &secs) == -1)
				return opts_invalid("progress", "seconds (0 to "
				    "86400)", optarg);
			progress = optarg;
			break;
		case OPT_REPORT:
			report = optarg;
			break;
		case 'C':
			job_dir = optarg;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case OPT_OVERWRITE:
			overwrite = 1;
			break;
		case OPT_NO_RESUME:
			no_resume = 1;
			break;
		case OPT_SPECULATIVE:
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return opts_invalid("speculative", "on or off",
				    optarg);
			speculative = optarg;
			break;
		case 'D':
			/* Checked here; the coordinator gets them as given. */
			if (params_add_arg(params, optarg, &e) == -1)
				return opts_usage("%s", e.msg);
			break;
		case OPT_OUTPUT_FORMAT:
			if (outfmt_parse(optarg, &format) == -1)
				return opts_invalid("output-format",
				    OUTFMT_CHOICES, optarg);
			output_format = optarg;
			break;
		case OPT_KEEP:
			keep = 1;
			break;
		case OPT_ALLOW_CHANGES:
			allow = 1;
			break;
		case OPT_RECURSIVE:
			recursive = 1;
			break;
		case OPT_INPUTS_FROM:
			inputs_from = optarg;
			break;
		case '0':
			nul = 1;
			break;
		case 'q':
			verbosity = "-q";
			log_set_level(0);
			break;
		case 'v':
			verbosity = "-v";
			log_set_level(2);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrrun %s\n", MR_VERSION);
			return 0;
		default:
			if ((status = streamopts_take(&so, ch, optarg)) == 1)
				break;
			if (status == 2)
				return 2;
			return opts_bad(ch, argv, opts);
		}
	}
	if (srun) {
		if (srun_check(srunpath, sizeof srunpath, &e) == -1)
			fatal("%s", e.msg);
		if (!nflag)
			nworkers = srun_default_workers();
	}
	if (nworkers < 1)
		nworkers = 1;
	if ((status = streamopts_usage(&so)) != 0)
		return status;
	if (streamopts_map_only(&so) && reduces != NULL &&
	    strcmp(reduces, "0") != 0)
		return opts_usage("--reducer NONE is a map-only job, but "
		    "--reduces %s was given", reduces);
	/* No reduce task would run them: refused rather than dropped. */
	if (reduces != NULL && strcmp(reduces, "0") == 0 &&
	    !streamopts_map_only(&so) && so.reducer != NULL)
		return opts_usage("--reduces 0 is a map-only job, but --reducer "
		    "'%s' was given", so.reducer);
	if (reduces != NULL && strcmp(reduces, "0") == 0 &&
	    so.combiner != NULL)
		return opts_usage("--reduces 0 is a map-only job, but "
		    "--combiner '%s' was given", so.combiner);
	if (streamopts_streaming(&so) && output_format != NULL &&
	    strcmp(output_format, "text") != 0)
		return opts_usage("--output-format %s: a streaming job's outputs "
		    "are its commands' lines, written as they are",
		    output_format);
	if (streamopts_streaming(&so)) {
		/* No APP: every argument is an input. */
		first_input = optind;
		if (argc - optind < (inputs_from != NULL ? 0 : 1))
			return opts_usage("no input files");
		/* An APP out of habit: not an input that is missing. */
		if (argc > optind && access(argv[optind], F_OK) == -1 &&
		    errno == ENOENT && plugin_find(argv[optind], app,
		    sizeof app, &e) == 0)
			return opts_usage("a streaming job (--mapper) takes no "
			    "APP, but '%s' was given", argv[optind]);
		if (streamopts_check(&so, &e) == -1)
			fatal("%s", e.msg);
		/* The workers' folder is not ours: their paths are absolute. */
		files = xcalloc(so.nfiles + 1, sizeof *files);
		for (size_t k = 0; k < so.nfiles; k++) {
			if (realpath(so.files[k], app) == NULL)
				fatal("--file %s: %s", so.files[k],
				    strerror(errno));
			files[k] = xstrdup(app);
		}
	} else {
		first_input = optind + 1;
		if (argc - optind < (inputs_from != NULL ? 1 : 2))
			return opts_usage(argc - optind == 0 ?
			    "no application given" : "no input files");
		/*
		 * Resolved and loaded once, here: every worker runs the same
		 * file, and a bad one is one line now rather than one per
		 * worker.
		 */
		if (plugin_find(argv[optind], app, sizeof app, &e) == -1 ||
		    (plugin = plugin_load(app, &e)) == NULL)
			fatal("%s", e.msg);
		plugin_close(plugin);
		if (realpath(app, appabs) == NULL)
			fatal("%s: %s", app, strerror(errno));
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n == -1)
		fatal("/proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	snprintf(dir, sizeof dir, "%.*s", slash != NULL ? (int)(slash - exe) :
	    1, slash != NULL ? exe : ".");
	snprintf(coordpath, sizeof coordpath, "%s/mrcoordinator", dir);
	snprintf(workerpath, sizeof workerpath, "%s/mrworker", dir);

	mrrun_make_sockdir(sockdir, sizeof sockdir);
	snprintf(sock, sizeof sock, "%s/%s", sockdir, SOCKPATH_NAME);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = mrrun_on_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &mrrun_oldmask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	/*
	 * The coordinator first: it checks the inputs, the options and the
	 * folders (the one place that does), and says when it listens. The
	 * folder is its to remove, should mrrun be killed.
	 */
	if (pipe2(ready, O_CLOEXEC) == -1)
		fatal("pipe: %s", strerror(errno));
	{
		/* -D NAME=VALUE is two arguments however it was written. */
		char **cargv = xcalloc(argc + 2 * params_count(params) + 32 +
		    2 * (3 + so.nfiles + so.ncmdenv), sizeof *cargv), fdtext[16];
		const char *name, *value;
		char **defs = xcalloc(params_count(params) + 1, sizeof *defs);
		int i = 0;

		snprintf(fdtext, sizeof fdtext, "%d", MRRUN_READY_FD);
		cargv[i++] = coordpath;
		mrrun_args(cargv, &i, "--socket", sock);
		mrrun_args(cargv, &i, "--ready-fd", fdtext);
		mrrun_flag(cargv, &i, "--remove-socket-dir", 1);
		mrrun_args(cargv, &i, "--listen", srun ? SRUN_LISTEN : NULL);
		mrrun_args(cargv, &i, "--reduces", reduces);
		mrrun_args(cargv, &i, "--split-size", split);
		mrrun_args(cargv, &i, "--task-timeout", timeout);
		mrrun_args(cargv, &i, "--progress", progress);
		mrrun_args(cargv, &i, "--report", report);
		mrrun_args(cargv, &i, "--job-dir", job_dir);
		mrrun_args(cargv, &i, "--output-dir", out_dir);
		mrrun_flag(cargv, &i, "--overwrite", overwrite);
		mrrun_flag(cargv, &i, "--no-resume", no_resume);
		mrrun_args(cargv, &i, "--speculative", speculative);
		mrrun_args(cargv, &i, "--output-format", output_format);
		for (size_t k = 0; k < params_count(params); k++) {
			params_get(params, k, &name, &value);
			defs[k] = xmalloc(strlen(name) + strlen(value) + 2);
			sprintf(defs[k], "%s=%s", name, value);
			mrrun_args(cargv, &i, "-D", defs[k]);
		}
		mrrun_flag(cargv, &i, "--keep-intermediates", keep);
		mrrun_flag(cargv, &i, "--allow-changing-inputs", allow);
		mrrun_flag(cargv, &i, verbosity, 1);
		mrrun_flag(cargv, &i, "--recursive", recursive);
		mrrun_args(cargv, &i, "--inputs-from", inputs_from);
		mrrun_flag(cargv, &i, "--null", nul);
		streamopts_args(&so, cargv, &i, files);
		cargv[i++] = "--";
		for (int j = first_input; j < argc; j++)
			cargv[i++] = argv[j];
		/* SIGTERM: it abandons the job cleanly and removes the folder. */
		coord = mrrun_spawn(coordpath, cargv, SIGTERM, ready[1]);
		free(cargv);
		for (size_t k = 0; k < params_count(params); k++)
			free(defs[k]);
		free(defs);
		params_free(params);
		params = NULL;
	}
	close(ready[1]);
	ntasks = mrrun_wait_ready(ready[0], coord);
	close(ready[0]);
	if (ntasks == 0) {
		/* Refused before it listened: it said why; no worker ran. */
		while (waitpid(coord, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status))
			exitcode = WEXITSTATUS(status);
		else
			exitcode = mrrun_signal != 0 ? 1 : 128 + WTERMSIG(status);
		rmdir(sockdir);
		return exitcode;
	}
	seen = 1;	/* it listens: a socket gone from now on is the end */
	if ((unsigned long long)nworkers > ntasks)
		nworkers = (long)ntasks;	/* more would have nothing to do */
	mrrun_tell_query(dir, sock);

	wargv = xcalloc(32 + 2 * (3 + so.nfiles + so.ncmdenv), sizeof *wargv);
	if (srun) {
		/* One step of one task per worker: each replaced on its own. */
		if (srun_prepare(job_dir != NULL ? job_dir : ".", remote,
		    sizeof remote, &e) == -1) {
			log_warn("%s", e.msg);
			kill(coord, SIGTERM);
			while (waitpid(coord, &status, 0) == -1 && errno == EINTR)
				;
			return 1;
		}
		wargv[nw++] = srunpath;
		wargv[nw++] = "--ntasks=1";
		wargv[nw++] = "--nodes=1";
		wargv[nw++] = "--exact";
		wargv[nw++] = "--kill-on-bad-exit=0";
		wargv[nw++] = "--job-name=mrworker";
		wargv[nw++] = "--quiet";
		wargv[nw++] = "--";
		wargv[nw++] = workerpath;
		mrrun_args(wargv, &nw, "--coordinator", remote);
		/* A worker cut off is replaced here rather than waited for. */
		mrrun_args(wargv, &nw, "--reconnect", "5");
	} else {
		wargv[nw++] = workerpath;
		mrrun_args(wargv, &nw, "--socket", sock);
	}
	mrrun_flag(wargv, &nw, "--if-running", 1);
	mrrun_args(wargv, &nw, "--memory", memory);
	mrrun_flag(wargv, &nw, verbosity, 1);
	if (streamopts_streaming(&so))
		streamopts_args(&so, wargv, &nw, files);
	else {
		wargv[nw++] = "--";
		wargv[nw++] = appabs;
	}
	wargv[nw] = NULL;

	workers = xcalloc(nworkers, sizeof *workers);
	alive = 0;
	for (;;) {
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == coord) {
				coord = 0;
				over = 1;
				if (WIFEXITED(status))
					exitcode = WEXITSTATUS(status);
				else
					exitcode = 128 + WTERMSIG(status);
				continue;
			}
			for (long i = 0; i < nworkers; i++) {
				if (workers[i] != pid)
					continue;
				alive--;
				if (over || mrrun_signal ||
				    mrrun_job_over(sock, &seen)) {
					workers[i] = -1;	/* done */
					over = 1;
					continue;
				}
				/* Even status 0: a plugin may call exit(0). */
				workers[i] = 0;
				log_info("a worker %s (%s %d) before the job was "
				    "over; starting another", WIFEXITED(status) ?
				    "exited" : "died", WIFEXITED(status) ?
				    "status" : "signal", WIFEXITED(status) ?
				    WEXITSTATUS(status) : WTERMSIG(status));
			}
		}

		/* Keep nworkers running while the job is not over. */
		for (long i = 0; !over && !mrrun_signal && i < nworkers; i++) {
			if (workers[i] != 0)	/* running, or done (-1) */
				continue;
			if (started >= nworkers * MRRUN_RESTARTS) {
				log_warn("workers keep dying (%ld started); "
				    "job abandoned", started);
				kill(coord, SIGTERM);
				mrrun_signal = -1;
				break;
			}
			/* SIGKILL: the coordinator gives up their tasks. */
			workers[i] = mrrun_spawn(wargv[0], wargv, SIGKILL, -1);
			started++;
			alive++;
		}
		if (mrrun_signal > 0) {
			/* Pass it on: the coordinator abandons the job cleanly. */
			if (coord != 0)
				kill(coord, SIGTERM);
			mrrun_signal = -1;
		}
		/* The job is over: stop whoever is still at it. */
		if ((coord == 0 || mrrun_signal) && alive > 0 && !stopping) {
			mrrun_kill_workers(workers, nworkers, SIGTERM);
			alarm(MRRUN_GRACE);
			stopping = 1;
		}
		if (mrrun_alarm && alive > 0) {
			log_warn("%ld worker(s) still running %d s after SIGTERM; "
			    "killed", mrrun_kill_workers(workers, nworkers,
			    SIGKILL), MRRUN_GRACE);
			mrrun_alarm = 0;
		}
		if (coord == 0 && alive == 0)
			break;
		sigsuspend(&mrrun_oldmask);
	}
	alarm(0);
	free(workers);
	free(wargv);
	for (size_t k = 0; files != NULL && k < so.nfiles; k++)
		free(files[k]);
	free(files);
	streamopts_free(&so);
	/* The coordinator removed both, unless it died first. */
	if (unlink(sock) == -1 && errno != ENOENT)
		log_warn("%s: %s", sock, strerror(errno));
	if (rmdir(sockdir) == -1 && errno != ENOENT)
		log_warn("%s: %s", sockdir, strerror(errno));
	return exitcode;
}
