/*
 * main.c - mrcoordinator: checks the command line and runs one job.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobdir.h"
#include "log.h"
#include "progress.h"
#include "report.h"
#include "safefile.h"
#include "server.h"
#include "sockpath.h"
#include "split.h"
#include "protocol.h"
#include "tasks.h"
#include "version.h"

/* Reported task failures (not crashes or timeouts) that fail the job. */
#define MAX_FAILURES 4

/* Long options without a short letter. */
#define OPT_REPORT 256
#define OPT_OVERWRITE 257
#define OPT_KEEP 258
#define OPT_ALLOW_CHANGES 259

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrcoordinator [--socket PATH] [--reduces N] [--task-timeout SECONDS]\n"
"                     [--split-size BYTES] [--max-connections N]\n"
"                     [--progress SECONDS] [--report FILE.json]\n"
"                     [--allow-changing-inputs] [-q | -v]\n"
"                     [-C DIR] [-o DIR] [--overwrite] [--keep-intermediates]\n"
"                     [--] FILE...\n"
"\n"
"Runs one MapReduce job over the input FILEs: hands map tasks (one per\n"
"input) and then N reduce tasks to mrworker processes connecting to the\n"
"socket, and exits once mr-out-0 .. mr-out-(N-1) are complete in the\n"
"job folder (the current folder unless -C). One job at a time per folder:\n"
"it is locked while the job runs, and a job refuses to start where an\n"
"earlier job's mr-out-Y or mr-X-Y are (unless --overwrite). The\n"
"intermediate files mr-X-Y are removed once the job is done.\n"
"\n"
"  -C, --job-dir DIR         the job folder: intermediate files, and the\n"
"                            outputs unless -o; relative input names are\n"
"                            still those of the current folder\n"
"  -o, --output-dir DIR      write mr-out-Y there (made if missing)\n"
"      --overwrite           remove an earlier job's mr-out-Y and mr-X-Y\n"
"                            from these folders first\n"
"      --keep-intermediates  keep mr-X-Y when the job is done\n"
"  -s, --socket PATH         Unix socket to listen on (default: $MR_SOCKET,\n"
"                            else mr.sock in $XDG_RUNTIME_DIR when set, else\n"
"                            in /tmp/mr-<uid>, made mode 0700 if missing;\n"
"                            either folder must be yours and closed to\n"
"                            others)\n"
"  -r, --reduces N           number of reduce partitions (default 10)\n"
"  -t, --task-timeout SECS   hand a task to another worker when it is not\n"
"                            done within SECS seconds (default 10)\n"
"  -b, --split-size BYTES    cut inputs larger than this into several map\n"
"                            tasks at line boundaries (a line longer than\n"
"                            64K between words); K, M, G suffixes\n"
"                            (default 16M)\n"
"  -c, --max-connections N   connections served at once; more are refused\n"
"                            (default 256)\n"
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
"  -q, --quiet               errors and the outcome only (no progress)\n"
"  -v, --verbose             log every task hand-out and report\n"
"  -h, --help                this text\n"
"  -V, --version             the version\n"
"\n"
"Environment: MR_SOCKET  default socket path; XDG_RUNTIME_DIR  the default\n"
"socket's folder; TERM  \"dumb\" draws no progress line on a terminal.\n"
"While it runs, `mrctl status` asks it for the state of every task and worker.\n"
"Exit status: 0 when every output is final, 1 when the job failed or was\n"
"interrupted (or an input, the job folder, the report's folder, the socket's\n"
"folder or the socket is unusable, or another job holds the folder), 2 on a\n"
"usage error, 3 when every output is final but the report could not be\n"
"written.\n");
}

/* Parses a whole positive number within [min, max]. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s == '\0' || *s == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Every input must be a readable regular file before anything starts. Fills
 * stamps[i] with each file's size, modification time and inode: the plan
 * every map attempt checks its input against.
 */
static int
check_inputs(char *const *files, int n, struct stamp *stamps)
{
	struct stat st;
	int fd, bad = 0;

	for (int i = 0; i < n; i++) {
		/* O_NONBLOCK: a FIFO must be refused, not waited on. */
		fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd == -1) {
			log_warn("%s: %s", files[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (fstat(fd, &st) == -1) {
			log_warn("%s: %s", files[i], strerror(errno));
			bad = 1;
		} else if (!S_ISREG(st.st_mode)) {
			log_warn("%s: not a regular file", files[i]);
			bad = 1;
		} else
			stamp_of(&st, &stamps[i]);
		close(fd);
	}
	return bad ? -1 : 0;
}

/*
 * With -C, a relative input name is the user's, of the folder the command
 * was typed in, while workers open names in the job folder: it is made
 * absolute. Returns a new array of n names (the unchanged ones shared
 * with files); *owned says which ones to free.
 */
static char **
resolve_inputs(char *const *files, int n, const char *cwd, char **owned)
{
	char **names = xcalloc(n, sizeof *names);
	size_t len;

	for (int i = 0; i < n; i++) {
		owned[i] = NULL;
		if (files[i][0] == '/') {
			names[i] = files[i];
			continue;
		}
		len = strlen(cwd) + strlen(files[i]) + 2;
		owned[i] = names[i] = xmalloc(len);
		snprintf(names[i], len, "%s/%s", cwd, files[i]);
	}
	return names;
}

static void
main_free_names(char **names, char **owned, int n)
{
	for (int i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(names);
}

/*
 * One map task per input, or per split of split_size bytes for a larger
 * input, so that one big file keeps every worker busy. The last split of
 * an input runs to its end (length 0), so that an input grown since, when
 * allowed, is read whole.
 */
static struct tasks_input *
split_inputs(char *const *files, int n, const struct stamp *stamps,
    uint64_t split_size, uint32_t *ntasks)
{
	struct tasks_input *in = NULL;
	size_t count = 0, cap = 0;

	for (int i = 0; i < n; i++) {
		uint64_t k, nsplits = split_count(stamps[i].size, split_size);

		if (nsplits > UINT32_MAX / 2 - count)
			fatal("too many map tasks; use a larger --split-size");
		for (k = 0; k < nsplits; k++) {
			if (count == cap) {
				cap = cap != 0 ? cap * 2 : 64;
				in = xrealloc(in, cap * sizeof *in);
			}
			in[count].name = files[i];
			in[count].offset = k * split_size;
			in[count].length = k + 1 < nsplits ? split_size : 0;
			in[count].stamp = &stamps[i];
			count++;
		}
	}
	*ntasks = count;
	return in;
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
		{ "split-size", required_argument, NULL, 'b' },
		{ "progress", required_argument, NULL, 'p' },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "job-dir", required_argument, NULL, 'C' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "keep-intermediates", no_argument, NULL, OPT_KEEP },
		{ "allow-changing-inputs", no_argument, NULL, OPT_ALLOW_CHANGES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct server_config cfg;
	struct server *s;
	struct tasks *t;
	struct tasks_input *inputs;
	struct report *report = NULL;
	const char *report_path = NULL, *job_dir = NULL, *out_dir = NULL;
	struct jobdir_job jj;
	struct jobdir *jd;
	char **names, **owned;
	int overwrite = 0, keep = 0;
	uint64_t split_size = SPLIT_SIZE_DEFAULT, *sizes;
	struct stamp *stamps;
	uint32_t ntasks;
	struct err e;
	const char *sock = NULL;
	unsigned long nreduce = 10, maxconn = 256;
	double timeout = 10, progress = 5;
	int level = 1, allow_changes = 0;
	char *end, cwd[PATH_MAX];
	int ch, status;

	log_init("mrcoordinator");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:r:t:c:b:p:C:o:qvhV", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			if (parse_uint(optarg, 1, 100000, &nreduce) == -1) {
				log_warn("--reduces: expected a number from 1 "
				    "to 100000, got '%s'", optarg);
				return 2;
			}
			break;
		case 'b':
			if (split_parse_size(optarg, &split_size) == -1) {
				log_warn("--split-size: expected a positive size "
				    "in bytes (K, M, G suffixes), got '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'c':
			if (parse_uint(optarg, 1, 100000, &maxconn) == -1) {
				log_warn("--max-connections: expected a number "
				    "from 1 to 100000, got '%s'", optarg);
				return 2;
			}
			break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(timeout > 0 && timeout <= 86400)) {
				log_warn("--task-timeout: expected seconds "
				    "(more than 0, at most 86400), got '%s'",
				    optarg);
				return 2;
			}
			break;
		case 'p':
			errno = 0;
			progress = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(progress >= 0 && progress <= 86400)) {
				log_warn("--progress: expected seconds (0 to "
				    "86400), got '%s'", optarg);
				return 2;
			}
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
			log_warn("bad option or missing argument: %s",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		log_warn("no input files");
		usage(stderr);
		return 2;
	}
	if ((ch = sockpath_resolve(sock, SOCKPATH_CREATE, &cfg.addr, &e)) != 0) {
		log_warn("%s", e.msg);
		return ch == SOCKPATH_USAGE ? 2 : 1;
	}
	/* Now, not after an hour of work. */
	if (report_path != NULL && safefile_check(report_path, &e) == -1) {
		log_warn("--report: %s", e.msg);
		return 1;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd: %s", strerror(errno));
	owned = xcalloc(argc, sizeof *owned);
	if (job_dir != NULL)
		names = resolve_inputs(argv, argc, cwd, owned);
	else {
		names = xcalloc(argc, sizeof *names);
		memcpy(names, argv, argc * sizeof *names);
	}
	stamps = xcalloc(argc, sizeof *stamps);
	sizes = xcalloc(argc, sizeof *sizes);
	jj.job_dir = job_dir;
	jj.output_dir = out_dir;
	jj.overwrite = overwrite;
	jj.probe = 0;
	jj.inputs = names;
	jj.ninputs = argc;
	jj.prog = "mrcoordinator";
	/* The job folder is checked, and locked, before any work. */
	if (check_inputs(names, argc, stamps) == -1)
		goto refuse;
	for (int i = 0; i < argc; i++)
		sizes[i] = stamps[i].size;
	if (jobdir_start(&jj, &jd, &e) == -1) {
		log_warn("%s", e.msg);
		goto refuse;
	}
	cfg.job_dir = jobdir_path(jd);
	cfg.output_dir = jobdir_output_path(jd);
	cfg.job_id = draw_job_id();
	log_debug("job id %016llx", (unsigned long long)cfg.job_id);

	cfg.max_connections = maxconn;
	cfg.allow_changes = allow_changes;
	cfg.progress_interval = progress;
	if (level == 0 || progress == 0)
		cfg.progress_mode = PROGRESS_OFF;
	else
		cfg.progress_mode = log_is_tty() ? PROGRESS_TTY : PROGRESS_LOG;
	cfg.input_bytes = 0;
	for (int i = 0; i < argc; i++)
		cfg.input_bytes += sizes[i];
	if (report_path != NULL) {
		report = report_new(report_path);
		report_inputs(report, names, sizes, (size_t)argc);
	}
	cfg.report = report;
	cfg.keep_intermediates = keep;

	inputs = split_inputs(names, argc, stamps, split_size, &ntasks);
	t = tasks_new_splits(inputs, ntasks, nreduce, timeout, MAX_FAILURES);
	/* Each split's bytes, for the rate and the ETA of the map phase. */
	for (uint32_t i = 0, f = 0; i < ntasks; i++) {
		while (inputs[i].name != names[f])	/* splits are in file order */
			f++;
		tasks_set_input_bytes(t, i, inputs[i].length == 0 ?
		    sizes[f] - inputs[i].offset : inputs[i].length);
	}
	free(inputs);
	free(sizes);
	free(stamps);
	s = server_new(&cfg, t);
	if (server_listen(s, &e) == -1) {
		log_warn("%s", e.msg);
		status = 1;
	} else
		status = server_run(s);
	server_free(s);
	tasks_free(t);
	report_free(report);
	/* 3: the outputs are final, only the report is missing. */
	jobdir_finish(jd, status == 0 || status == 3, keep);
	main_free_names(names, owned, argc);
	return status;

refuse:
	free(sizes);
	free(stamps);
	main_free_names(names, owned, argc);
	return 1;
}
