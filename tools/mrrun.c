/*
 * mrrun.c - a whole job in one command: a coordinator and N local workers.
 *
 * It starts mrcoordinator and mrworker from its own folder, on a socket in
 * a private folder of its own (mode 0700), keeps N workers running (a
 * worker that exits before the job is over, whatever its status, is
 * replaced, so that a crashing plugin still finishes), passes Ctrl-C and
 * SIGTERM on, stops the workers still running when the job ends (SIGTERM,
 * then SIGKILL after MRRUN_GRACE seconds), and exits with the
 * coordinator's status.
 *
 * Every signal it cares about is blocked except inside sigsuspend(), so
 * that none can arrive between a check and the wait: a child's exit, an
 * interruption and the end of the grace period all wake the one loop.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "jobdir.h"
#include "log.h"
#include "plugin.h"
#include "safefile.h"
#include "version.h"

/* Workers started in all, per worker asked for, before mrrun gives up. */
#define MRRUN_RESTARTS 20

/* Seconds workers have to exit after SIGTERM before they are killed. */
#define MRRUN_GRACE 2

/* Long options without a short letter. */
#define OPT_REPORT 256
#define OPT_OVERWRITE 257
#define OPT_KEEP 258
#define OPT_RECURSIVE 259
#define OPT_INPUTS_FROM 260

static volatile sig_atomic_t mrrun_signal, mrrun_alarm;

/* The signal mask children get back before exec. */
static sigset_t mrrun_oldmask;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrrun [-n WORKERS] [--reduces N] [--report FILE.json] [-q | -v]\n"
"             [-C DIR] [-o DIR] [--overwrite] [--keep-intermediates]\n"
"             [--recursive] [--inputs-from LIST [-0]] [--] APP INPUT...\n"
"\n"
"Runs one MapReduce job on this machine: a coordinator over the INPUTs and\n"
"WORKERS workers running APP, then exits with the job's status. The\n"
"outputs mr-out-* are written in the job folder (the current folder\n"
"unless -C), or in -o DIR. A folder another job runs in, or that holds an\n"
"earlier job's mr-out-Y or mr-X-Y, is refused before anything starts (see\n"
"--overwrite). APP is a path or a bare name such as wc, found as mrworker\n"
"finds it ($MR_PLUGIN_PATH, then the installed plugins, then apps/ next to\n"
"this program). INPUTs are files and folders, read as mrcoordinator reads\n"
"them (see its --help), and checked before anything starts.\n"
"\n"
"  -n, --workers N   workers to run (default: the number of processors); a\n"
"                    worker that exits before the job is over is replaced,\n"
"                    and those still running when it is over are stopped\n"
"  -r, --reduces N   reduce tasks (default 10)\n"
"      --report FILE the coordinator writes the job's history there as\n"
"                    JSON when it ends (see mrcoordinator --help)\n"
"  -q, --quiet       errors and the outcome only: no progress, and no line\n"
"                    saying how to query the job\n"
"  -v, --verbose     log every task\n"
"  -C, --job-dir DIR the job folder (intermediate files, and outputs\n"
"                    unless -o); relative FILE names stay those of the\n"
"                    current folder\n"
"  -o, --output-dir DIR  write mr-out-Y there (made if missing)\n"
"      --overwrite   remove an earlier job's mr-out-Y and mr-X-Y first\n"
"      --keep-intermediates  keep mr-X-Y when the job is done\n"
"      --recursive   a folder's subfolders too\n"
"      --inputs-from LIST  more INPUTs, one per line of the file LIST (-:\n"
"                    the standard input); then APP alone may follow\n"
"  -0, --null        names in LIST are NUL-separated (find -print0)\n"
"  -h, --help        this text\n"
"  -V, --version     the version\n"
"\n"
"While the job runs, `mrctl status` (which finds the job by itself when it\n"
"is your only one) shows every task and worker; mrrun prints the command.\n"
"\n"
"Environment: MR_PLUGIN_PATH  folders to look for APP in; TMPDIR  where the\n"
"private socket folder is made.\n"
"Exit status: the coordinator's (0 when every output is final, 1 when the\n"
"job failed or was interrupted, 3 when the report could not be written),\n"
"1 when a folder is refused, 2 on a usage error.\n");
}

static void
mrrun_on_signal(int sig)
{
	if (sig == SIGALRM)
		mrrun_alarm = 1;
	else if (sig != SIGCHLD)
		mrrun_signal = sig;
}

/* Starts prog with argv; returns its pid. */
static pid_t
mrrun_spawn(const char *prog, char *const argv[])
{
	pid_t pid = fork();

	if (pid == -1)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workers", required_argument, NULL, 'n' },
		{ "reduces", required_argument, NULL, 'r' },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "job-dir", required_argument, NULL, 'C' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "keep-intermediates", no_argument, NULL, OPT_KEEP },
		{ "recursive", no_argument, NULL, OPT_RECURSIVE },
		{ "inputs-from", required_argument, NULL, OPT_INPUTS_FROM },
		{ "null", no_argument, NULL, '0' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char exe[PATH_MAX], dir[PATH_MAX], coordpath[PATH_MAX + 16];
	char workerpath[PATH_MAX + 16], app[PATH_MAX], appabs[PATH_MAX];
	char sockdir[PATH_MAX], sock[PATH_MAX + 16], *slash, *end;
	char list[PATH_MAX + 16];
	struct inputs_options io = { 0, NULL, 0 };
	struct inputs *ins;
	const char *verbosity = NULL, *reduces = "10", *tmp, *report = NULL;
	const char *job_dir = NULL, *out_dir = NULL;
	int overwrite = 0, keep = 0;
	struct jobdir_job jj;
	struct jobdir *jd;
	struct sigaction sa;
	sigset_t block;
	struct err e;
	pid_t coord, *workers;
	long nworkers = sysconf(_SC_NPROCESSORS_ONLN), started = 0, alive;
	int ch, status, exitcode = 1, over = 0, seen = 0, stopping = 0;
	ssize_t n;

	log_init("mrrun");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "n:r:C:o:0qvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			nworkers = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || nworkers < 1 ||
			    nworkers > 1024) {
				log_warn("--workers: expected a number from 1 to "
				    "1024, got '%s'", optarg);
				return 2;
			}
			break;
		case 'r':
			reduces = optarg;
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
		case OPT_KEEP:
			keep = 1;
			break;
		case OPT_RECURSIVE:
			io.recursive = 1;
			break;
		case OPT_INPUTS_FROM:
			io.from = optarg;
			break;
		case '0':
			io.nul = 1;
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
			log_warn("bad option or missing argument: %s",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (nworkers < 1)
		nworkers = 1;
	if (argc - optind < (io.from != NULL ? 1 : 2)) {
		log_warn(argc - optind == 0 ? "no application given" :
		    "no input files");
		usage(stderr);
		return 2;
	}
	/* Before any process starts, as the coordinator would. */
	if (report != NULL && safefile_check(report, &e) == -1) {
		log_warn("--report: %s", e.msg);
		return 1;
	}
	/* Resolved once, so that every worker runs the same file. */
	if (plugin_find(argv[optind], app, sizeof app, &e) == -1)
		fatal("%s", e.msg);
	if (realpath(app, appabs) == NULL)
		fatal("%s: %s", app, strerror(errno));
	/*
	 * The inputs, as the coordinator will find them: a bad one is one
	 * line now, not a coordinator's failure after workers started.
	 */
	if (inputs_collect(&io, argv + optind + 1, argc - optind - 1, &ins,
	    &e) == -1) {
		if (strncmp(e.msg, "no input files", 14) == 0)
			log_warn("%s", e.msg);
		return 1;
	}

	/*
	 * The coordinator takes the folder; asked first here, a refusal
	 * comes at once rather than after workers waited for its socket.
	 */
	jj.job_dir = job_dir;
	jj.output_dir = out_dir;
	jj.overwrite = overwrite;
	jj.probe = 1;
	jj.inputs = inputs_names(ins);
	jj.ninputs = (int)inputs_count(ins);
	jj.prog = "mrrun";
	if (jobdir_start(&jj, &jd, &e) == -1) {
		log_warn("%s", e.msg);
		inputs_free(ins);
		return 1;
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

	tmp = getenv("TMPDIR");
	snprintf(sockdir, sizeof sockdir, "%s/mrrun-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(sockdir) == NULL)
		fatal("%s: %s", sockdir, strerror(errno));
	snprintf(sock, sizeof sock, "%s/mr.sock", sockdir);
	/*
	 * The coordinator gets the names found here, folders expanded and a
	 * list on the standard input read, through a file: no command line
	 * is too short for them.
	 */
	snprintf(list, sizeof list, "%s/inputs", sockdir);
	if (inputs_write_list(ins, list, &e) == -1) {
		log_warn("%s", e.msg);
		rmdir(sockdir);
		return 1;
	}
	inputs_free(ins);

	mrrun_tell_query(dir, sock);

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

	{
		char **cargv = xcalloc(argc + 16, sizeof *cargv);
		int i = 0;

		cargv[i++] = coordpath;
		cargv[i++] = "--socket";
		cargv[i++] = sock;
		cargv[i++] = "--reduces";
		cargv[i++] = (char *)reduces;
		if (report != NULL) {
			cargv[i++] = "--report";
			cargv[i++] = (char *)report;
		}
		if (verbosity != NULL)
			cargv[i++] = (char *)verbosity;
		if (job_dir != NULL) {
			cargv[i++] = "--job-dir";
			cargv[i++] = (char *)job_dir;
		}
		if (out_dir != NULL) {
			cargv[i++] = "--output-dir";
			cargv[i++] = (char *)out_dir;
		}
		if (overwrite)
			cargv[i++] = "--overwrite";
		if (keep)
			cargv[i++] = "--keep-intermediates";
		cargv[i++] = "--null";
		cargv[i++] = "--inputs-from";
		cargv[i++] = list;
		coord = mrrun_spawn(coordpath, cargv);
		free(cargv);
	}
	workers = xcalloc(nworkers, sizeof *workers);
	alive = 0;
	for (;;) {
		char *wargv[] = { workerpath, "--socket", sock, "--wait", "10",
		    verbosity != NULL ? (char *)verbosity : appabs,
		    verbosity != NULL ? appabs : NULL, NULL };
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
			workers[i] = mrrun_spawn(workerpath, wargv);
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
	unlink(sock);
	unlink(list);
	if (rmdir(sockdir) == -1)
		log_warn("%s: %s", sockdir, strerror(errno));
	return exitcode;
}
