/*
 * mrctl.c - asks a running coordinator about its job, over the job's own
 * socket: `mrctl status` prints every task and worker, `--json` the same
 * for programs.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "dial.h"
#include "frame.h"
#include "jobfind.h"
#include "log.h"
#include "opts.h"
#include "peercred.h"
#include "statusview.h"
#include "textesc.h"
#include "version.h"

/* Seconds mrctl waits for a coordinator's answer. */
#define MRCTL_TIMEOUT 10

/* Long options without a short letter. */
#define OPT_SECRET_FILE 256
#define OPT_AUTH 257

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mrctl [--socket PATH | --coordinator tcp:HOST:PORT]\n"
"             [--auth secret|munge] [--secret-file FILE] status [--json] [--all]\n"
"\n"
"Asks a running mrcoordinator, over its socket, for the state of its job and\n"
"prints it: the job (phase, elapsed time, counts, throughput, ETA), each\n"
"worker (pid, state, current task) and each task (input name, state, worker,\n"
"time on its current attempt, attempts so far).\n"
"\n"
"  -s, --socket PATH   the coordinator's socket\n"
"  -c, --coordinator tcp:HOST:PORT | unix:PATH\n"
"                      the coordinator's address (over TCP: its --listen)\n"
"      --auth secret|munge  over TCP, how to prove we are the job's: its\n"
"                      secret (default) or MUNGE\n"
"      --secret-file FILE  the job's secret, over TCP (default: $MR_SECRET)\n"
"  -j, --json          print the state as one JSON object\n"
"  -a, --all           list every task (by default, beyond 20 tasks, only\n"
"                      the running ones and those run more than once)\n"
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
"Exit status: 0 on success, 1 when no coordinator answers, when the socket\n"
"is another user's or on an error, 2 on a usage error.\n");
}

static Mr__Envelope *mrctl_exchange(int, const char *, struct err *);

/* Connects, sends a StatusRequest and reads the Status; NULL with e set. */
static Mr__Envelope *
mrctl_query(const struct sockaddr_un *addr, struct err *e)
{
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_sys(e, "socket");
		return NULL;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == -1) {
		err_sys(e, "no coordinator at %s", addr->sun_path);
		close(fd);
		return NULL;
	}
	/* Not a word to a server of another user: it could answer anything. */
	if (peercred_check_server(fd, addr->sun_path, e) == -1) {
		close(fd);
		return NULL;
	}
	return mrctl_exchange(fd, addr->sun_path, e);
}

/* mrctl_query() over TCP, after the handshake (dial.h). */
static Mr__Envelope *
mrctl_query_tcp(const struct addr *a, const struct auth *auth, struct err *e)
{
	int fd = dial(a, auth, ADDR_PEER_TIMEOUT_DEFAULT, e);

	return fd == -1 ? NULL : mrctl_exchange(fd, a->text, e);
}

/* The StatusRequest and its Status on fd, which it closes; `where` names it. */
static Mr__Envelope *
mrctl_exchange(int fd, const char *where, struct err *e)
{
	Mr__Envelope req = MR__ENVELOPE__INIT, *env = NULL;
	Mr__StatusRequest sr = MR__STATUS_REQUEST__INIT;
	struct timeval tv = { MRCTL_TIMEOUT, 0 };
	int rc;

	/* A coordinator that stops answering must not hang us. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	sr.version = MR_PROTOCOL_VERSION;
	req.msg_case = MR__ENVELOPE__MSG_STATUS_REQUEST;
	req.status_request = &sr;
	if (frame_send(fd, &req, e) == -1) {
		err_prefix(e, "%s", where);
		goto fail;
	}
	rc = frame_recv_max(fd, &env, MR_STATUS_FRAME_MAX, e);
	if (rc == 0)
		err_set(e, "%s: the coordinator closed the connection without "
		    "answering (the job may have just ended)", where);
	else if (rc == -1)
		err_prefix(e, "%s", where);
	if (rc != 1)
		goto fail;
	if (env->msg_case != MR__ENVELOPE__MSG_STATUS) {
		err_set(e, "%s: unexpected answer (message type %d); is this a "
		    "coordinator's socket?", where, (int)env->msg_case);
		goto fail;
	}
	if (env->status->version != MR_PROTOCOL_VERSION) {
		err_set(e, "%s: the coordinator speaks protocol version %u, "
		    "mrctl version %d", where, env->status->version,
		    MR_PROTOCOL_VERSION);
		goto fail;
	}
	close(fd);
	return env;
fail:
	frame_free(env);
	close(fd);
	return NULL;
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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *coordinator = NULL, *secret_file = NULL;
	enum auth_method method = AUTH_METHOD_SECRET;
	struct addr remote;
	struct auth auth;
	struct jobfind f;
	Mr__Envelope *env;
	struct err e;
	char *json;
	int ch, json_out = 0, all = 0;

	log_init("mrctl");
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
		return opts_usage("no command given (the one command is "
		    "status)");
	if (strcmp(argv[optind], "status") != 0)
		return opts_usage("unknown command: %s", argv[optind]);
	if (optind + 1 != argc)
		return opts_usage("status takes no argument: %s",
		    argv[optind + 1]);

	if (coordinator != NULL) {
		if (addr_parse(coordinator, 0, &remote, &e) == -1)
			return opts_invalid("coordinator", "tcp:HOST:PORT or "
			    "unix:PATH", coordinator);
		if (remote.kind == ADDR_UNIX)
			sock = remote.un.sun_path;
	}
	if (coordinator != NULL && remote.kind == ADDR_TCP) {
		if (dial_auth(&auth, method, secret_file, &e) == -1) {
			log_warn("%s", e.msg);
			return 1;
		}
		env = mrctl_query_tcp(&remote, &auth, &e);
		goto answered;
	}
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
	jobfind_free(&f);
	env = mrctl_query(&f.addr, &e);
answered:
	if (env == NULL) {
		log_warn("%s", e.msg);
		return 1;
	}
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
