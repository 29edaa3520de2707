/*
 * main.c - mrcoordinator: checks the command line and runs one job.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "codec.h"
#include "inputs.h"
#include "job.h"
#include "jobdir.h"
#include "netjob.h"
#include "log.h"
#include "opts.h"
#include "outfmt.h"
#include "params.h"
#include "plan.h"
#include "progress.h"
#include "recovery.h"
#include "report.h"
#include "safefile.h"
#include "server.h"
#include "sockpath.h"
#include "split.h"
#include "streamopts.h"
#include "protocol.h"
#include "tasks.h"
#include "version.h"

/*
 * Connections served at once, by default: a cluster's workers, one per
 * core of a few hundred nodes (4096 is 128 nodes of 32 cores). Each costs
 * about 4 KiB and a file descriptor while it holds no unfinished frame,
 * at most 68 KiB when it does (MR_WORKER_FRAME_MAX), so 4096 cost 16 MiB
 * at rest and 280 MiB at the very worst, and one loop serves them
 * (scripts/bench: 2 000 workers). RLIMIT_NOFILE is raised to match.
 */
#define MAIN_MAX_CONNECTIONS 4096
#define MAIN_MAX_CONNECTIONS_MAX 100000
#define MAIN_MAX_CONNECTIONS_MAX_TEXT "100000"

/* Reported task failures (not crashes or timeouts) that fail the job. */
#define MAX_FAILURES 4

/*
 * Backups of stragglers are on unless --speculative off: they only use
 * workers that would be idle at a phase's end, and the first attempt to
 * finish wins as with any re-execution, so outputs are the same.
 */
#define MAIN_SPECULATIVE_DEFAULT 1

/* Long options without a short letter. */
#define OPT_REPORT 256
#define OPT_OVERWRITE 257
#define OPT_KEEP 258
#define OPT_ALLOW_CHANGES 259
#define OPT_READY_FD 260
#define OPT_REMOVE_SOCKET_DIR 261
#define OPT_RECURSIVE 262
#define OPT_INPUTS_FROM 263
#define OPT_OPEN_COST 264
#define OPT_NO_RESUME 265
#define OPT_SPECULATIVE 266
#define OPT_NO_JOURNAL 267
#define OPT_OUTPUT_FORMAT 268

/* -D's parameters: a global, so that an early exit leaves none unfreed. */
static struct params *main_params;
#define OPT_LISTEN 269
#define OPT_SECRET_FILE 270
#define OPT_AUTH 271
#define OPT_PEER_TIMEOUT 272

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrcoordinator [--socket PATH] [--reduces N] [--task-timeout SECONDS]\n"
"                     [--split-size BYTES] [--open-cost BYTES]\n"
"                     [--max-connections N] [--listen tcp:HOST:PORT]\n"
"                     [--auth secret|munge] [--secret-file FILE]\n"
"                     [--peer-timeout SECONDS]\n"
"                     [--progress SECONDS] [--report FILE.json]\n"
"                     [--allow-changing-inputs] [-q | -v]\n"
"                     [--ready-fd N] [--remove-socket-dir]\n"
"                     [-C DIR] [-o DIR] [--overwrite] [--keep-intermediates]\n"
"                     [--no-resume] [--no-journal] [--speculative on|off]\n"
"                     [-D NAME=VALUE]... [--output-format text|tsv]\n"
"                     [--mapper CMD [--combiner CMD] [--reducer CMD|NONE]\n"
"                      [--file PATH]... [--cmdenv NAME=VALUE]...]\n"
"                     [--recursive] [--inputs-from LIST [-0]] [--] INPUT...\n"
"\n"
"Runs one MapReduce job over the INPUTs: hands map tasks (a large\n"
"input cut into splits, small inputs packed several to a task, map called\n"
"once per input) and then N reduce tasks to mrworker processes connecting\n"
"to the socket, and exits once mr-out-0 .. mr-out-(N-1) are complete in the\n"
"job folder (the current folder unless -C). One job at a time per folder:\n"
"it is locked while the job runs, and a job refuses to start where an\n"
"earlier job's mr-out-Y or mr-X-Y are (unless --overwrite). The\n"
"intermediate files mr-X-Y are removed once the job is done.\n"
"\n"
"The job keeps a journal (.mr-journal in the job folder) of every task\n"
"done: run the same job again in the same folder after its coordinator\n"
"died, and it resumes, keeping the tasks whose files are intact.\n"
"\n"
"An INPUT is a file or a folder, which stands for the regular files in\n"
"it (sorted by name; names starting with . or _ skipped). Files ending in\n"
".gz, .bz2, .xz or .zst are read decompressed, each as one map task.\n"
"\n"
"      --recursive           a folder's subfolders too\n"
"      --inputs-from LIST    more INPUTs, one per line of the file LIST\n"
"                            (-: the standard input)\n"
"  -0, --null                names in LIST are NUL-separated (find -print0)\n"
"  -C, --job-dir DIR         the job folder: intermediate files, and the\n"
"                            outputs unless -o; relative input names are\n"
"                            still those of the current folder\n"
"  -o, --output-dir DIR      write mr-out-Y there (made if missing)\n"
"      --overwrite           remove an earlier job's mr-out-Y and mr-X-Y\n"
"                            from these folders first\n"
"      --keep-intermediates  keep mr-X-Y when the job is done\n"
"      --no-journal          keep no journal: a coordinator that dies leaves\n"
"                            nothing to resume from (a journal found of\n"
"                            this job still resumes it)\n"
"  -D NAME=VALUE             a job parameter, which the plugin reads with\n"
"                            mr_param(\"NAME\"), and a streaming job's\n"
"                            commands as their variable NAME (dots and other\n"
"                            bytes made _) (at most 64; part of the job:\n"
"                            other ones make another job)\n"
"      --output-format F     how mr-out-Y are written: text (default), lines\n"
"                            \"key value\"; tsv, lines \"key<TAB>value\" with\n"
"                            C escapes (\\\\ \\t \\n \\r \\xHH), lossless;\n"
"                            not for a streaming job (its commands' lines)\n"
"      --speculative on|off  near the end of a phase, run a backup attempt\n"
"                            of a task much slower than those done (more\n"
"                            than 3 times their median and 1 s) on an idle\n"
"                            worker; the first to finish wins, the other is\n"
"                            cancelled (default on)\n"
"      --no-resume           start over even where the journal of an\n"
"                            unfinished run of this same job is (its files\n"
"                            are removed); by default such a job resumes,\n"
"                            keeping the tasks it had done\n"
"  -s, --socket PATH         Unix socket to listen on (default: $MR_SOCKET,\n"
"                            else mr.sock in $XDG_RUNTIME_DIR when set, else\n"
"                            in /tmp/mr-<uid>, made mode 0700 if missing;\n"
"                            either folder must be yours and closed to\n"
"                            others)\n"
"  -r, --reduces N           number of reduce partitions (default 10); 0: a\n"
"                            map-only job, map task X writing mr-out-X\n"
"  -t, --task-timeout SECS   hand a task to another worker when it is not\n"
"                            done within SECS seconds (default 10) of its\n"
"                            hand-out or its last progress\n"
"  -b, --split-size BYTES    cut inputs larger than this into several map\n"
"                            tasks at line boundaries (a line longer than\n"
"                            64K between words); K, M, G suffixes\n"
"                            (default 16M); a compressed input's text\n"
"                            reaches map in pieces of this size\n"
"      --open-cost BYTES     what an input costs beyond its size when small\n"
"                            inputs are packed into map tasks of about the\n"
"                            split size; K, M suffixes (default 64K)\n"
"  -c, --max-connections N   connections served at once; more are refused\n"
"                            (default 4096)\n"
"  -l, --listen tcp:HOST:PORT  listen on TCP too, for workers and mrctl on\n"
"                            other hosts (IPv6: tcp:[ADDR]:PORT; HOST\n"
"                            0.0.0.0 or [::] for every interface); port 0\n"
"                            picks a free one; where it listens is printed\n"
"                            and written to .mr-address in the job folder;\n"
"                            up to 4 times\n"
"      --auth secret|munge   how TCP peers prove themselves: the job's\n"
"                            secret (default) or MUNGE, serving only your\n"
"                            own user\n"
"      --secret-file FILE    the job's secret (64 hexadecimal digits, a file\n"
"                            of yours mode 0600); default: .mr-secret in\n"
"                            the job folder, made if missing\n"
"      --peer-timeout SECS   a TCP peer silent that long (no answer, not even\n"
"                            to a keepalive probe) is given up and its task\n"
"                            given out again (default 3)\n"
"  -p, --progress SECONDS    progress: on a terminal, one line redrawn in\n"
"                            place; otherwise a log line every SECONDS\n"
"                            (default 5); 0: no progress\n"
"      --report FILE.json    when the job ends (done, failed or interrupted),\n"
"                            write its history there as JSON: every worker\n"
"                            and task attempt, with times, outcomes, bytes\n"
"                            and counters (scripts/timeline draws it)\n"
"      --allow-changing-inputs  read an input that changed after the job\n"
"                            started as it is then, and say so in the\n"
"                            summary (default: the job fails, naming it)\n"
"      --ready-fd N          for launchers such as mrrun: once the socket\n"
"                            listens, write the number of map tasks and a\n"
"                            newline on file descriptor N, then close it\n"
"                            (a refused job closes it unwritten, on exit)\n"
"      --remove-socket-dir   for launchers that made the socket's folder for\n"
"                            this job: remove it (if empty) on exit\n"
"\n"
"A streaming job's options (as its workers' mrworker --mapper ...), which\n"
"make its identity (a journal of other commands is not resumed) and which\n"
"its workers must run; --reducer NONE is --reduces 0:\n"
STREAMOPTS_HELP
"\n"
"  -q, --quiet               errors and the outcome only (no progress)\n"
"  -v, --verbose             log every task hand-out and report\n"
"  -h, --help                this text\n"
"  -V, --version             the version\n"
"\n"
"Environment: MR_SOCKET  default socket path; XDG_RUNTIME_DIR  the default\n"
"socket's folder; TERM  \"dumb\" draws no progress line on a terminal;\n"
"MR_MUNGE_SOCKET  munged's socket, when not the default.\n"
"While it runs, `mrctl status` asks it for the state of every task and worker.\n"
"Exit status: 0 when every output is final, 1 when the job failed or was\n"
"interrupted (or an input, the job folder, the report's folder, the socket's\n"
"folder or the socket is unusable, or another job holds the folder), 2 on a\n"
"usage error, 3 when every output is final but the report could not be\n"
"written.\n");
}

/*
 * --ready-fd: says "<map tasks>\n" once the socket listens, then closes the
 * descriptor, so that a launcher starts workers only for a job that is up
 * and no more of them than it has map tasks. A launcher gone already
 * (EPIPE) changes nothing.
 */
static void
main_ready(int fd, uint32_t ntasks)
{
	char line[32];
	int len;

	if (fd == -1)
		return;
	len = snprintf(line, sizeof line, "%u\n", (unsigned)ntasks);
	if (write(fd, line, (size_t)len) != len)
		log_debug("--ready-fd %d: %s", fd, strerror(errno));
	close(fd);
}

/*
 * What --ready-fd says: the map tasks to run, or for a resumed job those
 * of either phase still to run; at least 1 (0 says the job was refused).
 */
static uint32_t
main_tasks_left(const struct job *j)
{
	struct tasks_counts m, r;
	uint32_t n;

	tasks_count_kind(job_tasks(j), TASK_MAP, &m);
	tasks_count_kind(job_tasks(j), TASK_REDUCE, &r);
	if (m.done == 0)
		n = tasks_nmap(job_tasks(j));
	else
		n = m.idle > r.idle ? m.idle : r.idle;
	return n > 0 ? n : 1;
}

/*
 * With --remove-socket-dir, the socket and its folder (set once by
 * main_sock_dir_set()), for main_on_early_signal() and main_remove_sock_dir().
 */
static char main_early_sock[sizeof ((struct sockaddr_un *)0)->sun_path];
static char main_sock_dir[sizeof ((struct sockaddr_un *)0)->sun_path];

/*
 * --remove-socket-dir: the launcher made the socket's folder for this job
 * alone, and may be gone (kill -9): the last one out removes it. Only an
 * empty folder goes; a folder that still holds something is kept, said.
 */
static void
main_remove_sock_dir(void)
{
	if (main_sock_dir[0] == '\0')
		return;
	if (rmdir(main_sock_dir) == -1 && errno != ENOENT)
		log_warn("%s: %s", main_sock_dir, strerror(errno));
}

/*
 * SIGTERM or SIGINT before the event loop takes them over (while many
 * inputs are checked, say, when the launcher dies): the socket and its
 * folder go all the same, then the signal does what it would have done.
 */
static void
main_on_early_signal(int sig)
{
	unlink(main_early_sock);
	rmdir(main_sock_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * With --remove-socket-dir: notes the socket's folder, and removes it with
 * the socket on a signal until server_run() handles the signals.
 */
static void
main_sock_dir_set(int remove, const struct sockaddr_un *addr)
{
	char *slash;

	if (!remove)
		return;
	snprintf(main_early_sock, sizeof main_early_sock, "%s", addr->sun_path);
	snprintf(main_sock_dir, sizeof main_sock_dir, "%s", addr->sun_path);
	slash = strrchr(main_sock_dir, '/');
	if (slash == NULL || slash == main_sock_dir) {
		main_sock_dir[0] = '\0';
		return;
	}
	*slash = '\0';
	signal(SIGTERM, main_on_early_signal);
	signal(SIGINT, main_on_early_signal);
}

/*
 * The job's identity: 64 random bits, so that intermediate files left by
 * another run (a killed coordinator's orphan workers) are never taken for
 * this one's. A named concept of its own, apart from any per-run count.
 */
static uint64_t
draw_job_id(void)
{
	uint64_t id = 0;
	ssize_t n;

	do
		n = getrandom(&id, sizeof id, 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof id)
		fatal("getrandom: %s", n == -1 ? strerror(errno) :
		    "short read");
	return id;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "reduces", required_argument, NULL, 'r' },
		{ "task-timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
		{ "peer-timeout", required_argument, NULL, OPT_PEER_TIMEOUT },
		{ "split-size", required_argument, NULL, 'b' },
		{ "open-cost", required_argument, NULL, OPT_OPEN_COST },
		{ "no-resume", no_argument, NULL, OPT_NO_RESUME },
		{ "speculative", required_argument, NULL, OPT_SPECULATIVE },
		{ "no-journal", no_argument, NULL, OPT_NO_JOURNAL },
		{ "output-format", required_argument, NULL, OPT_OUTPUT_FORMAT },
		{ "progress", required_argument, NULL, 'p' },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "job-dir", required_argument, NULL, 'C' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "keep-intermediates", no_argument, NULL, OPT_KEEP },
		{ "allow-changing-inputs", no_argument, NULL, OPT_ALLOW_CHANGES },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ "remove-socket-dir", no_argument, NULL, OPT_REMOVE_SOCKET_DIR },
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
	struct server_config cfg;
	struct server *s;
	struct tasks *t;
	struct job *job;
	uint64_t input_bytes;
	struct plan_config pc;
	struct plan *plan;
	struct report *report = NULL;
	const char *report_path = NULL, *job_dir = NULL, *out_dir = NULL;
	struct jobdir_job jj;
	struct jobdir *jd;
	struct inputs_options io = { 0, NULL, 0 };
	struct inputs *ins;
	char *const *names;
	const struct stamp *stamps;
	int overwrite = 0, keep = 0, ninputs;
	uint64_t split_size = SPLIT_SIZE_DEFAULT, *sizes;
	uint64_t open_cost = PLAN_OPEN_COST_DEFAULT;
	struct err e;
	const char *sock = NULL;
	unsigned long long nreduce = 10, maxconn = MAIN_MAX_CONNECTIONS, fdnum;
	struct netjob nj;
	int ready_fd = -1, remove_sock_dir = 0, no_resume = 0;
	int speculative = MAIN_SPECULATIVE_DEFAULT, no_journal = 0;
	enum outfmt output_format = OUTFMT_DEFAULT;
	struct tasks_input sample[PLAN_SAMPLE_PIECES];
	struct recovery_identity rid;
	struct recovery *rec;
	/* Static: an early exit (a usage error) leaves nothing unreachable. */
	static struct streamopts so = STREAMOPTS_INIT;
	char digest[64];
	int reduces_given = 0;
	const struct job_kept *kept;
	size_t nkept;
	double timeout = 10, progress = 5;
	int level = 1, allow_changes = 0;
	char cwd[PATH_MAX];
	int ch, status;

	log_init("mrcoordinator");
	main_params = params_new();
	netjob_init(&nj);
	cfg.nlisten = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:r:t:c:l:b:p:C:o:D:0qvhV", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (cfg.nlisten == SERVER_LISTEN_MAX)
				return opts_usage("--listen: at most %d addresses",
				    SERVER_LISTEN_MAX);
			if (addr_parse(optarg, 0, &cfg.listen[cfg.nlisten], &e) ==
			    -1 || cfg.listen[cfg.nlisten].kind != ADDR_TCP)
				return opts_invalid("listen", "tcp:HOST:PORT",
				    optarg);
			cfg.nlisten++;
			break;
		case OPT_AUTH:
			if (auth_method_parse(optarg, &nj.auth.method, &e) == -1)
				return opts_invalid("auth", "secret or munge",
				    optarg);
			break;
		case OPT_SECRET_FILE:
			nj.secret_file = optarg;
			break;
		case OPT_PEER_TIMEOUT:
			if (opts_seconds(optarg, 0, 3600, &nj.peer_timeout) == -1)
				return opts_invalid("peer-timeout", "seconds (more "
				    "than 0, at most 3600)", optarg);
			break;
		case 's':
			sock = optarg;
			break;
		case 'r':
			if (opts_count(optarg, 0, 100000, &nreduce) == -1)
				return opts_invalid("reduces", "a number from 0 "
				    "to 100000", optarg);
			reduces_given = 1;
			break;
		case 'b':
			if (opts_size(optarg, &split_size) == -1)
				return opts_invalid("split-size", "a positive "
				    "size in bytes (K, M, G suffixes)", optarg);
			break;
		case OPT_OPEN_COST:
			/* 0 is allowed: pack by size alone. */
			if (strcmp(optarg, "0") == 0)
				open_cost = 0;
			else if (opts_size(optarg, &open_cost) == -1)
				return opts_invalid("open-cost", "a size in bytes "
				    "(K, M, G suffixes)", optarg);
			break;
		case 'c':
			if (opts_count(optarg, 1, MAIN_MAX_CONNECTIONS_MAX,
			    &maxconn) == -1)
				return opts_invalid("max-connections", "a number "
				    "from 1 to " MAIN_MAX_CONNECTIONS_MAX_TEXT, optarg);
			break;
		case 't':
			if (opts_seconds(optarg, 0, 86400, &timeout) == -1)
				return opts_invalid("task-timeout", "seconds (more "
				    "than 0, at most 86400)", optarg);
			break;
		case 'p':
			if (opts_seconds(optarg, 1, 86400, &progress) == -1)
				return opts_invalid("progress", "seconds (0 to "
				    "86400)", optarg);
			break;
		case OPT_READY_FD:
			if (opts_count(optarg, 0, INT_MAX, &fdnum) == -1 ||
			    fcntl((int)fdnum, F_GETFD) == -1)
				return opts_invalid("ready-fd", "an open file "
				    "descriptor", optarg);
			ready_fd = (int)fdnum;
			break;
		case OPT_NO_RESUME:
			no_resume = 1;
			break;
		case OPT_NO_JOURNAL:
			no_journal = 1;
			break;
		case OPT_SPECULATIVE:
			if (strcmp(optarg, "on") == 0)
				speculative = 1;
			else if (strcmp(optarg, "off") == 0)
				speculative = 0;
			else
				return opts_invalid("speculative", "on or off",
				    optarg);
			break;
		case 'D':
			if (params_add_arg(main_params, optarg, &e) == -1)
				return opts_usage("%s", e.msg);
			break;
		case OPT_OUTPUT_FORMAT:
			if (outfmt_parse(optarg, &output_format) == -1)
				return opts_invalid("output-format",
				    OUTFMT_CHOICES, optarg);
			break;
		case OPT_REMOVE_SOCKET_DIR:
			remove_sock_dir = 1;
			break;
		case OPT_REPORT:
			report_path = optarg;
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
		case OPT_ALLOW_CHANGES:
			allow_changes = 1;
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
			log_set_level(0);
			level = 0;
			break;
		case 'v':
			log_set_level(2);
			level = 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrcoordinator %s (protocol %d)\n", MR_VERSION,
			    MR_PROTOCOL_VERSION);
			return 0;
		default:
			if ((status = streamopts_take(&so, ch, optarg)) == 1)
				break;
			if (status == 2)
				return 2;
			return opts_bad(ch, argv, opts);
		}
	}
	argc -= optind;
	argv += optind;
	if ((status = streamopts_usage(&so)) != 0)
		return status;
	if (streamopts_map_only(&so)) {
		if (reduces_given && nreduce != 0)
			return opts_usage("--reducer NONE is a map-only job, but "
			    "--reduces %llu was given", nreduce);
		nreduce = 0;
	}
	/* No reduce task would run them: refused rather than dropped. */
	if (nreduce == 0 && !streamopts_map_only(&so) && so.reducer != NULL)
		return opts_usage("--reduces 0 is a map-only job, but --reducer "
		    "'%s' was given", so.reducer);
	if (nreduce == 0 && so.combiner != NULL)
		return opts_usage("--reduces 0 is a map-only job, but "
		    "--combiner '%s' was given", so.combiner);
	if (argc == 0 && io.from == NULL)
		return opts_usage("no input files");
	if (streamopts_streaming(&so) && output_format != OUTFMT_TEXT)
		return opts_usage("--output-format %s: a streaming job's outputs "
		    "are its commands' lines, written as they are",
		    outfmt_name(output_format));
	/* What the job's workers must run, checked now. */
	if (streamopts_streaming(&so) && (streamopts_check(&so, &e) == -1 ||
	    streamopts_digest(&so, digest, sizeof digest, &e) == -1)) {
		log_warn("%s", e.msg);
		return 1;
	}
	if ((ch = sockpath_resolve(sock, SOCKPATH_CREATE, &cfg.addr, &e)) != 0) {
		log_warn("%s", e.msg);
		return ch == SOCKPATH_USAGE ? 2 : 1;
	}
	main_sock_dir_set(remove_sock_dir, &cfg.addr);
	/* Now, not after an hour of work. */
	if (report_path != NULL && safefile_check(report_path, &e) == -1) {
		log_warn("--report: %s", e.msg);
		return 1;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd: %s", strerror(errno));
	/* Every input is checked and stamped before any work. */
	if (inputs_collect(&io, argv, argc, &ins, &e) == -1) {
		if (strncmp(e.msg, "no input files", 14) == 0)
			log_warn("%s", e.msg);
		return 1;
	}
	/*
	 * With -C, a relative input name is the user's, of the folder the
	 * command was typed in, while workers open names in the job folder.
	 */
	if (job_dir != NULL)
		inputs_absolute(ins, cwd);
	names = inputs_names(ins);
	stamps = inputs_stamps(ins);
	ninputs = (int)inputs_count(ins);
	sizes = xcalloc(ninputs, sizeof *sizes);
	jj.job_dir = job_dir;
	jj.output_dir = out_dir;
	jj.overwrite = overwrite;
	jj.probe = 0;
	jj.inputs = names;
	jj.ninputs = ninputs;
	jj.prog = "mrcoordinator";
	for (int i = 0; i < ninputs; i++)
		sizes[i] = stamps[i].size;
	pc.split_size = split_size;
	pc.open_cost = open_cost;
	if ((plan = plan_new(names, stamps, (size_t)ninputs, &pc, &e)) == NULL)
		fatal("%s", e.msg);
	/* What makes this job this one, for its journal. */
	memset(&rid, 0, sizeof rid);
	rid.job_id = draw_job_id();
	rid.nreduce = (uint32_t)nreduce;
	rid.split_size = split_size;
	rid.open_cost = open_cost;
	rid.allow_changes = allow_changes;
	rid.names = names;
	rid.stamps = stamps;
	rid.ninputs = (size_t)ninputs;
	rid.maps = plan_maps(plan);
	rid.nmap = plan_nmaps(plan);
	rid.params = main_params;
	rid.output_format = (int)output_format;
	if (streamopts_streaming(&so)) {
		rid.mapper = so.mapper;
		rid.combiner = so.combiner;
		rid.reducer = so.reducer;
		rid.digest = digest;
	}
	rec = recovery_new(&rid, no_resume, overwrite);
	if (no_journal)
		recovery_set_off(rec);
	jj.adopt = recovery_adopt;
	jj.adopt_arg = rec;
	/* The job folder is checked, and locked, before any work. */
	if (jobdir_start(&jj, &jd, &e) == -1) {
		log_warn("%s", e.msg);
		plan_free(plan);
		recovery_free(rec);
		goto refuse;
	}
	cfg.job_dir = jobdir_path(jd);
	cfg.output_dir = jobdir_output_path(jd);
	cfg.job_id = recovery_job_id(rec);
	cfg.incarnation = recovery_incarnation(rec);
	log_debug("job id %016llx", (unsigned long long)cfg.job_id);

	cfg.max_connections = maxconn;
	netjob_raise_nofile(maxconn);
	cfg.auth = &nj.auth;
	cfg.peer_timeout = nj.peer_timeout;

	cfg.allow_changes = allow_changes;
	cfg.split_size = split_size;
	cfg.progress_interval = progress;
	if (level == 0 || progress == 0)
		cfg.progress_mode = PROGRESS_OFF;
	else
		cfg.progress_mode = log_is_tty() ? PROGRESS_TTY : PROGRESS_LOG;
	input_bytes = 0;
	/* A compressed input counts its compressed bytes (what is planned). */
	for (int i = 0; i < ninputs; i++)
		input_bytes += sizes[i];
	if (report_path != NULL) {
		report = report_new(report_path);
		report_inputs(report, names, sizes, (size_t)ninputs);
	}
	cfg.report = report;
	cfg.keep_intermediates = keep;
	cfg.params = main_params;
	cfg.output_format = (int)output_format;
	cfg.sample = sample;
	cfg.nsample = plan_sample(plan, sample);

	/* Each task's bytes go with it, for the rate and the ETA. */
	t = tasks_new_maps(plan_maps(plan), plan_nmaps(plan), nreduce,
	    timeout, MAX_FAILURES);
	plan_free(plan);
	free(sizes);
	tasks_set_speculation(t, speculative);
	/* Checked against their files before the job is heard of. */
	nkept = recovery_kept(rec, &kept);
	job = job_new(t, input_bytes);
	/* First: a write-ahead log hears of a change before anyone acts. */
	job_subscribe(job, recovery_on_event, rec);
	s = server_new(&cfg, job);
	if (recovery_plugin_app(rec) != NULL)
		job_set_plugin(job, recovery_plugin_app(rec),
		    recovery_plugin_digest(rec));
	if (recovery_begin(rec, server_loop(s), server_started(s), &e) == -1)
		status = -1;
	else {
		/* Times since the job first started, kept tasks' included. */
		if (report != NULL)
			report_set_run(report, recovery_incarnation(rec),
			    recovery_offset(rec));
		status = job_restore(job, kept, nkept, server_started(s), &e);
	}
	/* A streaming job's workers must run its commands, from the first. */
	if (status == 0 && streamopts_streaming(&so)) {
		char shown[320];

		streamopts_describe(&so, shown, sizeof shown);
		job_set_streaming_shown(job, shown);
		if (job_plugin(job, STREAMOPTS_APP, digest, server_started(s),
		    &e) == -1)
			status = -1;
	}
	if (status == -1) {
		log_warn("%s", e.msg);
		status = 1;
	} else if (cfg.nlisten > 0 && netjob_auth(&nj, cfg.job_dir, &e) == -1) {
		log_warn("%s", e.msg);
		status = 1;
	} else if (server_listen(s, &e) == -1) {
		log_warn("%s", e.msg);
		status = 1;
	} else if (netjob_record(&nj, s, cfg.nlisten, cfg.job_dir, &e) == -1) {
		log_warn("%s", e.msg);
		status = 1;
	} else {
		main_ready(ready_fd, main_tasks_left(job));
		status = server_run(s);
	}
	netjob_end(&nj, status == 0 || status == 3);
	recovery_end(rec, status == 0 || status == 3);	/* uses the loop */
	server_free(s);
	main_remove_sock_dir();
	job_free(job);
	report_free(report);
	/* 3: the outputs are final, only the report is missing. */
	jobdir_finish(jd, status == 0 || status == 3, keep, 1);
	if (status == 0 || status == 3)
		recovery_remove(rec);
	recovery_free(rec);
	inputs_free(ins);
	streamopts_free(&so);
	return status;

refuse:
	main_remove_sock_dir();
	free(sizes);
	inputs_free(ins);
	streamopts_free(&so);
	return 1;
}
