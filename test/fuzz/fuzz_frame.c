/*
 * fuzz_frame.c - libFuzzer target: frame decoding and the coordinator's
 * message dispatch.
 *
 * Each input is used twice:
 *
 *  1. as a byte stream for frame_parse(): every frame it accepts is
 *     re-packed with frame_pack() and, unless it kept unknown fields,
 *     parsed again, which must give the same bytes once more (pack/parse
 *     is a fixed point after one round); every envelope is freed;
 *
 *  2. as what a worker sends to a coordinator: a fresh job (3 maps,
 *     2 reduces) and server, one end of a socketpair adopted as a worker
 *     connection, the input (after its first byte) written into the other
 *     end in chunks, the event loop run after each chunk. The first byte
 *     chooses the chunks: 0 = one frame at a time (following the length
 *     prefixes), 255 = everything at once, n = n bytes at a time. Every
 *     byte the coordinator sends back is decoded and checked: well-formed
 *     frames within MR_FRAME_MAX, one Welcome first, then Tasks that name
 *     tasks of this job with increasing attempt ids.
 *
 * Nothing may leak, memory (LeakSanitizer) or file descriptors (counted in
 * /proc/self/fd before and after every input).
 */
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "log.h"
#include "server.h"
#include "tasks.h"

#define FUZZ_NMAP	3
#define FUZZ_NREDUCE	2
#define FUZZ_ROUNDS	4	/* loop iterations after each chunk */
#define FUZZ_STALLS	1000	/* EAGAIN retries before giving up a write */

static char *const fuzz_inputs[FUZZ_NMAP] = {
	"in-0.txt", "in-1.txt", "in-2.txt"
};

/* A private, empty job folder: server_finish() cleans temporaries there. */
static char fuzz_job_dir[] = "/tmp/fuzz_frame.XXXXXX";
static int fuzz_verbose;

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

static void
fuzz_cleanup(void)
{
	rmdir(fuzz_job_dir);
}

/*
 * The one recoverable check (pointer-overflow, see fuzz.mk) stops the run
 * like the others unless UBSAN_OPTIONS names a suppression file for it.
 */
const char *__ubsan_default_options(void);
const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_init("fuzz_frame");
	/* FUZZ_VERBOSE=1 shows the coordinator's log and what it sends. */
	fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
	log_set_level(fuzz_verbose ? 2 : 0);
	if (mkdtemp(fuzz_job_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(fuzz_cleanup);
	return 0;
}

static int
fuzz_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/*
 * Whether m or a message inside it kept unknown fields. protobuf-c packs
 * those back as they were parsed, and it accepts some it rejects once
 * packed (field number 0 written as a two-byte varint, "80 00", is packed
 * as "00"), so the round trip below is only checked without them.
 */
static int
fuzz_has_unknown(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (m->n_unknown_fields > 0)
		return 1;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *at = (const char *)m + f->offset;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m +
		    f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m +
			    f->quantifier_offset);
			ProtobufCMessage *const *v =
			    *(ProtobufCMessage *const *const *)at;

			for (size_t j = 0; j < n; j++)
				if (fuzz_has_unknown(v[j]))
					return 1;
		} else {
			const ProtobufCMessage *sub =
			    *(const ProtobufCMessage *const *)at;

			if (sub != NULL && fuzz_has_unknown(sub))
				return 1;
		}
	}
	return 0;
}

/* Part 1: frame_parse() straight on the input, with a pack/parse round trip. */
static void
fuzz_parse_raw(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		Mr__Envelope *env = NULL, *env2 = NULL;
		struct buf b1 = BUF_INIT, b2 = BUF_INIT;
		struct err e;
		size_t used = 0, used2 = 0;
		long need;
		int rc;

		need = frame_needed(data + off, size - off, &e);
		rc = frame_parse(data + off, size - off, &env, &used, &e);
		if (rc != 1) {
			FUZZ_CHECK(rc == 0 || rc == -1);
			/* Oversize: both say so; short: both say wait. */
			FUZZ_CHECK(rc != -1 || need == -1 || size - off >= (size_t)need);
			FUZZ_CHECK(rc != 0 || (need != -1 && size - off < (size_t)need));
			return;
		}
		FUZZ_CHECK(env != NULL);
		FUZZ_CHECK(env->msg_case != MR__ENVELOPE__MSG__NOT_SET);
		FUZZ_CHECK(need != -1 && used == (size_t)need);
		FUZZ_CHECK(used >= MR_FRAME_HEADER && used <= size - off);
		FUZZ_CHECK(used - MR_FRAME_HEADER <= MR_FRAME_MAX);

		if (frame_pack(&b1, env, &e) == 0 &&
		    !fuzz_has_unknown(&env->base)) {
			rc = frame_parse(buf_head(&b1), buf_len(&b1), &env2,
			    &used2, &e);
			FUZZ_CHECK(rc == 1);
			FUZZ_CHECK(used2 == buf_len(&b1));
			FUZZ_CHECK(env2->msg_case == env->msg_case);
			FUZZ_CHECK(frame_pack(&b2, env2, &e) == 0);
			FUZZ_CHECK(buf_len(&b2) == buf_len(&b1));
			FUZZ_CHECK(memcmp(buf_head(&b1), buf_head(&b2),
			    buf_len(&b1)) == 0);
			frame_free(env2);
		}
		buf_free(&b1);
		buf_free(&b2);
		frame_free(env);
		off += used;
	}
}

/* What the fake worker has received so far. */
struct fuzz_rx {
	struct buf	 in;
	int		 welcomed;	/* Welcome frames seen */
	int		 refused;	/* Welcome with another version */
	uint64_t	 last_attempt;
	int		 shutdown;
	int		 status;	/* Status answers seen */
	int		 eof;
};

/* Checks one message the coordinator sent. */
static void
fuzz_check_message(struct fuzz_rx *rx, const Mr__Envelope *env)
{
	const Mr__Task *t;

	if (fuzz_verbose)
		fprintf(stderr, "fuzz_frame: received %s\n",
		    env->msg_case == MR__ENVELOPE__MSG_WELCOME ? "welcome" :
		    env->msg_case != MR__ENVELOPE__MSG_TASK ? "other" :
		    env->task->kind_case == MR__TASK__KIND_MAP ? "map task" :
		    env->task->kind_case == MR__TASK__KIND_REDUCE ?
		    "reduce task" : "shutdown");
	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_WELCOME:
		FUZZ_CHECK(rx->welcomed == 0);
		rx->welcomed++;
		FUZZ_CHECK(env->welcome->version == MR_PROTOCOL_VERSION);
		if (env->welcome->worker_id == 0) {
			rx->refused = 1;	/* version mismatch */
			break;
		}
		FUZZ_CHECK(env->welcome->worker_id == 1);
		FUZZ_CHECK(env->welcome->job_dir != NULL &&
		    strcmp(env->welcome->job_dir, fuzz_job_dir) == 0);
		break;
	case MR__ENVELOPE__MSG_TASK:
		t = env->task;
		FUZZ_CHECK(rx->welcomed == 1 && !rx->refused);
		FUZZ_CHECK(!rx->shutdown);
		switch (t->kind_case) {
		case MR__TASK__KIND_MAP:
			FUZZ_CHECK(t->attempt > rx->last_attempt);
			rx->last_attempt = t->attempt;
			FUZZ_CHECK(t->map->id < FUZZ_NMAP);
			FUZZ_CHECK(t->map->n_reduce == FUZZ_NREDUCE);
			FUZZ_CHECK(t->map->n_inputs == 1 &&
			    t->map->inputs[0]->name != NULL &&
			    strcmp(t->map->inputs[0]->name,
			    fuzz_inputs[t->map->id]) == 0);
			break;
		case MR__TASK__KIND_REDUCE:
			FUZZ_CHECK(t->attempt > rx->last_attempt);
			rx->last_attempt = t->attempt;
			FUZZ_CHECK(t->reduce->partition < FUZZ_NREDUCE);
			FUZZ_CHECK(t->reduce->n_map == FUZZ_NMAP);
			break;
		case MR__TASK__KIND_SHUTDOWN:
			rx->shutdown = 1;
			break;
		default:
			FUZZ_CHECK(!"task of no kind");
		}
		break;
	case MR__ENVELOPE__MSG_STATUS:
		/* Only a status client, which never said Hello, is answered. */
		FUZZ_CHECK(rx->welcomed == 0);
		FUZZ_CHECK(env->status->version == MR_PROTOCOL_VERSION);
		rx->status++;
		/* A client of another version gets the version alone. */
		if (env->status->n_map == 0 && env->status->n_tasks == 0)
			break;
		FUZZ_CHECK(env->status->n_map == FUZZ_NMAP &&
		    env->status->n_reduce == FUZZ_NREDUCE);
		FUZZ_CHECK(env->status->tasks_omitted ||
		    env->status->n_tasks == FUZZ_NMAP + FUZZ_NREDUCE);
		break;
	default:
		FUZZ_CHECK(!"coordinator sent a message a peer never gets");
	}
}

/* Reads and checks whatever the coordinator wrote. */
static void
fuzz_drain(int fd, struct fuzz_rx *rx)
{
	Mr__Envelope *env;
	struct err e;
	size_t used;
	ssize_t n;
	int rc;

	while (!rx->eof) {
		n = read(fd, buf_reserve(&rx->in, 4096), 4096);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1) {
			/* Closed with bytes of ours unread: an end too. */
			FUZZ_CHECK(errno == ECONNRESET);
			rx->eof = 1;
			break;
		}
		if (n == 0) {
			rx->eof = 1;
			break;
		}
		buf_commit(&rx->in, n);
	}
	while (buf_len(&rx->in) > 0) {
		rc = frame_parse(buf_head(&rx->in), buf_len(&rx->in), &env,
		    &used, &e);
		if (rc == -1) {
			fprintf(stderr, "coordinator sent a bad frame: %s\n",
			    e.msg);
			abort();
		}
		if (rc == 0)
			break;
		fuzz_check_message(rx, env);
		frame_free(env);
		buf_consume(&rx->in, used);
	}
	/* The coordinator closes only between frames. */
	FUZZ_CHECK(!rx->eof || buf_len(&rx->in) == 0);
}

static void
fuzz_run(struct server *s, int fd, struct fuzz_rx *rx)
{
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		ev_run(server_loop(s), EVRUN_NOWAIT);
		fuzz_drain(fd, rx);
	}
}

/* Writes all of p, running the loop while the socket is full. 0, or -1 once the coordinator hung up. */
static int
fuzz_write(struct server *s, int fd, struct fuzz_rx *rx, const uint8_t *p,
    size_t n)
{
	int stalls = 0;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN && stalls++ < FUZZ_STALLS) {
			fuzz_run(s, fd, rx);
			continue;
		}
		if (w == -1)
			return -1;	/* EPIPE, ECONNRESET: dropped */
		p += w;
		n -= w;
	}
	return 0;
}

/* Length of the next chunk of data[0..n) in mode `mode`. */
static size_t
fuzz_chunk(uint8_t mode, const uint8_t *data, size_t n)
{
	size_t len;

	if (mode == 255)
		return n;
	if (mode != 0)
		return mode < n ? mode : n;
	/* One frame, as the length prefix says. */
	if (n < MR_FRAME_HEADER)
		return n;
	len = (size_t)data[0] << 24 | (size_t)data[1] << 16 |
	    (size_t)data[2] << 8 | data[3];
	if (len > n - MR_FRAME_HEADER)
		return n;
	return MR_FRAME_HEADER + len;
}

/* Part 2: the input as a worker's side of a connection. */
static void
fuzz_serve(const uint8_t *data, size_t size)
{
	struct server_config cfg;
	struct fuzz_rx rx;
	struct job *j;
	struct server *s;
	uint8_t mode;
	int sv[2];

	if (size == 0)
		return;
	mode = data[0];
	data++;
	size--;

	memset(&cfg, 0, sizeof cfg);
	cfg.job_dir = fuzz_job_dir;
	cfg.max_connections = 16;
	memset(&rx, 0, sizeof rx);

	j = job_new(tasks_new(fuzz_inputs, FUZZ_NMAP, FUZZ_NREDUCE, 10, 4), 0);
	s = server_new(&cfg, j);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		perror("socketpair");
		abort();
	}
	FUZZ_CHECK(server_adopt(s, sv[0]) == 0);

	while (size > 0) {
		size_t n = fuzz_chunk(mode, data, size);

		if (fuzz_write(s, sv[1], &rx, data, n) == -1)
			break;
		data += n;
		size -= n;
		fuzz_run(s, sv[1], &rx);
		if (rx.eof)
			break;
	}
	fuzz_run(s, sv[1], &rx);

	close(sv[1]);
	ev_run(server_loop(s), EVRUN_NOWAIT);
	server_free(s);		/* closes sv[0] if still open */
	job_free(j);
	buf_free(&rx.in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds = fuzz_count_fds();

	fuzz_parse_raw(data, size);
	fuzz_serve(data, size);
	if (fuzz_count_fds() != fds) {
		fprintf(stderr, "file descriptor leak: %d open before, %d after\n",
		    fds, fuzz_count_fds());
		abort();
	}
	return 0;
}
