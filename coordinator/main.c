/*
 * main.c - mrcoordinator: checks the command line and runs one job.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "sockpath.h"
#include "protocol.h"
#include "tasks.h"
#include "version.h"

/* Reported task failures (not crashes or timeouts) that fail the job. */
#define MAX_FAILURES 4

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrcoordinator [--socket PATH] [--reduces N] [--task-timeout SECONDS]\n"
"                     [--max-connections N] [-q | -v] FILE...\n"
"\n"
"Runs one MapReduce job over the input FILEs: hands map tasks (one per\n"
"input) and then N reduce tasks to mrworker processes connecting to the\n"
"socket, and exits once mr-out-0 .. mr-out-(N-1) are complete in the\n"
"current folder.\n"
"\n"
"  -s, --socket PATH         Unix socket to listen on (default: $MR_SOCKET,\n"
"                            else /tmp/mr-<uid>.sock)\n"
"  -r, --reduces N           number of reduce partitions (default 10)\n"
"  -t, --task-timeout SECS   hand a task to another worker when it is not\n"
"                            done within SECS seconds (default 10)\n"
"  -c, --max-connections N   connections served at once; more are refused\n"
"                            (default 256)\n"
"  -q, --quiet               errors only\n"
"  -v, --verbose             log every task hand-out and report\n"
"  -h, --help                this text\n"
"  -V, --version             the version\n"
"\n"
"Environment: MR_SOCKET  default socket path.\n"
"Exit status: 0 when every output is final, 1 when the job failed or was\n"
"interrupted, 2 on a usage error.\n");
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

/* Every input must be a readable regular file before anything starts. */
static int
check_inputs(char *const *files, int n)
{
	struct stat st;
	int fd, bad = 0;

	for (int i = 0; i < n; i++) {
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
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
		}
		close(fd);
	}
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "reduces", required_argument, NULL, 'r' },
		{ "task-timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct server_config cfg;
	struct server *s;
	struct tasks *t;
	struct err e;
	const char *sock = NULL;
	unsigned long nreduce = 10, maxconn = 256;
	double timeout = 10;
	char *end, cwd[PATH_MAX];
	int ch, status;

	log_init("mrcoordinator");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:r:t:c:qvhV", opts, NULL)) != -1) {
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
	if (check_inputs(argv, argc) == -1)
		return 1;
	if (sockpath_resolve(sock, &cfg.addr, &e) == -1) {
		log_warn("%s", e.msg);
		return 2;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd: %s", strerror(errno));
	cfg.job_dir = cwd;

	cfg.max_connections = maxconn;

	t = tasks_new(argv, argc, nreduce, timeout, MAX_FAILURES);
	s = server_new(&cfg, t);
	if (server_listen(s, &e) == -1) {
		log_warn("%s", e.msg);
		server_free(s);
		tasks_free(t);
		return 1;
	}
	status = server_run(s);
	server_free(s);
	tasks_free(t);
	return status;
}
