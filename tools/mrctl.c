/*
 * mrctl.c - asks a running coordinator about its job, over the job's own
 * socket: `mrctl status` prints every task and worker, `--json` the same
 * for programs; `mrctl cancel` ends the job as Ctrl-C would; `mrctl web`
 * serves a live page of it (web.h), or of a --report file.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "ctlconn.h"
#include "dial.h"
#include "frame.h"
#include "jobfind.h"
#include "log.h"
#include "opts.h"
#include "statusview.h"
#include "textesc.h"
#include "version.h"
#include "web.h"

/* Seconds mrctl waits for a coordinator's answer. */
#define MRCTL_TIMEOUT 10

/* Long options without a short letter. */
#define OPT_LISTEN 256
#define OPT_REPORT 257
#define OPT_SECRET_FILE 258
#define OPT_AUTH 259

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrctl [--socket PATH] status [--json] [--all]\n"
"       mrctl --coordinator tcp:HOST:PORT [--auth secret|munge]\n"
"             [--secret-file FILE] status [--json] [--all]\n"
"       mrctl [--socket PATH] cancel\n"
"       mrctl [--socket PATH] web [--listen [ADDR:]PORT]\n"
"       mrctl web --report FILE.json [--listen [ADDR:]PORT]\n"
"\n"
"Asks a running mrcoordinator, over its socket, for the state of its job and\n"
"prints it: the job (phase, elapsed time, counts, throughput, ETA), each\n"
"worker (pid, state, current task) and each task (input name, state, worker,\n"
"time on its current attempt, attempts so far).\n"
"\n"
"cancel ends the job as Ctrl-C on the coordinator would: the workers are\n"
"told to stop, the outputs are left as after an interruption, and the\n"
"coordinator (and mrrun) exit with status 1.\n"
"\n"
"web serves a live page of the job (progress, workers, tasks, failures, a\n"
"timeline) over HTTP until Ctrl-C, and prints its URL; after the job the\n"
"page stays, showing how it ended. With --report it serves the page of a\n"
"job that is over from its report file instead.\n"
"\n"
"  -s, --socket PATH   the coordinator's socket\n"
"  -c, --coordinator tcp:HOST:PORT | unix:PATH\n"
"                      the coordinator's address (over TCP: its --listen;\n"
"                      status only)\n"
"      --auth secret|munge  over TCP, how to prove we are the job's: its\n"
"                      secret (default) or MUNGE\n"
"      --secret-file FILE  the job's secret, over TCP (default: $MR_SECRET)\n"
"  -j, --json          print the state as one JSON object\n"
"  -a, --all           list every task (by default, beyond 20 tasks, only\n"
"                      the running ones and those run more than once)\n"
"      --listen [ADDR:]PORT  where web listens (default %s:\n"
"                      the loopback only); any other address needs the\n"
"                      token printed in the URL, and so does cancelling\n"
"      --report FILE   web: serve the page of this --report file\n"
"  -h, --help          this text\n"
"  -V, --version       the version\n"
"\n"
"Without --socket: $MR_SOCKET if set, else the default socket (mr.sock in\n"
"$XDG_RUNTIME_DIR when set, else in /tmp/mr-<uid>; the folder must be yours\n"
"and closed to others) when a coordinator answers there, else the one\n"
"running mrrun job of yours (a folder mrrun-* in $TMPDIR, or /tmp); several\n"
"are listed, to choose from. mrctl talks only to a coordinator running as\n"
"you (or root), on a socket file of yours; in text, control characters in\n"
"what it prints are escaped (\\x1b).\n"
"\n"
"Environment: MR_SOCKET  the socket; XDG_RUNTIME_DIR  the default socket's\n"
"folder; TMPDIR  where mrrun jobs are looked for.\n"
"Exit status: 0 on success, 1 when no coordinator answers (or the job is\n"
"already over, for cancel), when the socket is another user's or on an\n"
"error, 2 on a usage error.\n", WEB_DEFAULT_LISTEN);
}

/* Connects, sends a StatusRequest and reads the Status; NULL with e set. */
static Mr__Envelope *
mrctl_query(const struct sockaddr_un *addr, struct err *e)
{
	Mr__Envelope *env;
	int fd;

	fd = ctlconn_open(addr, MRCTL_TIMEOUT, e);
	if (fd == -1)
		return NULL;
	env = ctlconn_status(fd, addr->sun_path, e);
	close(fd);
	return env;
}

/* Several mrrun jobs: lists them with their folders, to choose one. */
static void
mrctl_list_jobs(const struct jobfind *f)
{
	struct sockaddr_un addr;
	Mr__Envelope *env;
	struct err e;
	char *sock, *dir;

	log_warn("%zu mrrun jobs of yours are running; choose one with "
	    "--socket:", f->njobs);
	for (size_t i = 0; i < f->njobs; i++) {
		memset(&addr, 0, sizeof addr);
		addr.sun_family = AF_UNIX;
		snprintf(addr.sun_path, sizeof addr.sun_path, "%s", f->jobs[i]);
		env = mrctl_query(&addr, &e);
		sock = textesc(f->jobs[i]);
		if (env != NULL) {
			dir = textesc(env->status->job_dir);
			fprintf(stderr, "  --socket %s   (job in %s, %u of %u "
			    "tasks done)\n", sock, dir, env->status->done,
			    env->status->n_map + env->status->n_reduce);
			free(dir);
		} else
			fprintf(stderr, "  --socket %s\n", sock);
		free(sock);
		frame_free(env);
	}
}

/* Finds the socket (jobfind.h); 0, or the exit status when there is none. */
static int
mrctl_socket(const char *sock, struct sockaddr_un *addr)
{
	struct jobfind f;
	struct err e;

	switch (jobfind_socket(sock, &f, &e)) {
	case JOBFIND_ERROR:
		log_warn("%s", e.msg);
		return 1;
	case JOBFIND_SEVERAL:
		mrctl_list_jobs(&f);
		jobfind_free(&f);
		return 1;
	case JOBFIND_FOUND:
		break;
	}
	*addr = f.addr;
	jobfind_free(&f);
	return 0;
}

/* Prints the Status in env (freed), as text or JSON; the exit status. */
static int
mrctl_print(Mr__Envelope *env, int json_out, int all)
{
	char *json;

	if (json_out) {
		json = statusview_json(env->status);
		if (json == NULL)
			fatal("out of memory building JSON");
		printf("%s\n", json);
		free(json);
	} else
		statusview_text(stdout, env->status, all);
	frame_free(env);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("standard output: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int
mrctl_status(const struct sockaddr_un *addr, int json_out, int all)
{
	Mr__Envelope *env;
	struct err e;

	if ((env = mrctl_query(addr, &e)) == NULL) {
		log_warn("%s", e.msg);
		return 1;
	}
	return mrctl_print(env, json_out, all);
}

/* mrctl status over TCP, after the handshake (dial.h). */
static int
mrctl_status_tcp(const struct addr *a, enum auth_method method,
    const char *secret_file, int json_out, int all)
{
	Mr__Envelope *env;
	struct auth auth;
	struct err e;
	int fd;

	if (dial_auth(&auth, method, secret_file, &e) == -1 ||
	    (fd = dial(a, &auth, ADDR_PEER_TIMEOUT_DEFAULT, &e)) == -1) {
		log_warn("%s", e.msg);
		return 1;
	}
	env = ctlconn_status(fd, a->text, &e);
	close(fd);
	if (env == NULL) {
		log_warn("%s", e.msg);
		return 1;
	}
	return mrctl_print(env, json_out, all);
}

/* mrctl cancel: 0 when the job was cancelled, 1 otherwise. */
static int
mrctl_cancel(const struct sockaddr_un *addr)
{
	struct err e;
	char why[256], *esc;
	int rc;

	rc = ctlconn_cancel(addr, "mrctl cancel", why, sizeof why, &e);
	if (rc == -1) {
		log_warn("%s", e.msg);
		return 1;
	}
	esc = textesc(rc == 1 ? addr->sun_path : why);
	if (rc == 1)
		log_info("the job of %s is cancelled", esc);
	else
		log_warn("not cancelled: %s", esc);
	free(esc);
	return rc == 1 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "coordinator", required_argument, NULL, 'c' },
		{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
		{ "auth", required_argument, NULL, OPT_AUTH },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *cmd, *coordinator = NULL, *secret_file = NULL;
	enum auth_method method = AUTH_METHOD_SECRET;
	struct addr remote;
	struct err e;
	struct web_config web;
	int ch, json_out = 0, all = 0, rc;

	log_init("mrctl");
	memset(&web, 0, sizeof web);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:c:jahV", opts, NULL)) != -1) {
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
		case 'j':
			json_out = 1;
			break;
		case 'a':
			all = 1;
			break;
		case OPT_LISTEN:
			web.listen = optarg;
			break;
		case OPT_REPORT:
			web.report = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mrctl %s (protocol %d)\n", MR_VERSION,
			    MR_PROTOCOL_VERSION);
			return 0;
		default:
			return opts_bad(ch, argv, opts);
		}
	}
	if (optind == argc)
		return opts_usage("no command given (status, cancel or web)");
	cmd = argv[optind];
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "cancel") != 0 &&
	    strcmp(cmd, "web") != 0)
		return opts_usage("unknown command: %s", cmd);
	if (optind + 1 != argc)
		return opts_usage("%s takes no argument: %s", cmd,
		    argv[optind + 1]);
	if (strcmp(cmd, "status") != 0 && (json_out || all))
		return opts_usage("--%s is an option of status",
		    json_out ? "json" : "all");
	if (strcmp(cmd, "web") != 0 && (web.listen != NULL ||
	    web.report != NULL))
		return opts_usage("--%s is an option of web", web.listen !=
		    NULL ? "listen" : "report");
	if (web.report != NULL && sock != NULL)
		return opts_usage("web serves a report or a running job, not "
		    "both: --report or --socket");
	if (web.report != NULL)
		return web_main(&web);
	if (coordinator != NULL) {
		if (addr_parse(coordinator, 0, &remote, &e) == -1)
			return opts_invalid("coordinator", "tcp:HOST:PORT or "
			    "unix:PATH", coordinator);
		if (remote.kind == ADDR_UNIX)
			sock = remote.un.sun_path;
		else if (strcmp(cmd, "status") != 0)
			return opts_usage("over TCP, mrctl asks for the status "
			    "only: %s needs the coordinator's socket", cmd);
		else
			return mrctl_status_tcp(&remote, method, secret_file,
			    json_out, all);
	}
	if ((rc = mrctl_socket(sock, &web.addr)) != 0)
		return rc;
	if (strcmp(cmd, "cancel") == 0)
		return mrctl_cancel(&web.addr);
	if (strcmp(cmd, "web") == 0)
		return web_main(&web);
	return mrctl_status(&web.addr, json_out, all);
}
