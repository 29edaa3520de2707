/*
 * check_frame - framing of protocol messages (common/frame.h) and the byte
 * buffer under it (common/buf.h): pack/parse round trips of every message
 * type, incremental parsing, size limits, malformed payloads, blocking
 * send/recv over a socketpair, and buffer reserve/commit/consume/compaction.
 */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"

/* Packs env into a fresh buffer; fails the test when packing fails. */
static void
pack(struct buf *b, const Mr__Envelope *env)
{
	struct err e = { "" };

	ck_assert_int_eq(frame_pack(b, env, &e), 0);
	ck_assert_uint_gt(buf_len(b), MR_FRAME_HEADER);
}

/* Packs env, parses it back and checks the whole frame was used. */
static Mr__Envelope *
roundtrip(const Mr__Envelope *env)
{
	struct buf b = BUF_INIT;
	struct err e = { "" };
	Mr__Envelope *out = NULL;
	size_t used = 0, len;
	uint32_t n;

	if (frame_pack(&b, env, &e) != 0)
		ck_abort_msg("frame_pack failed: %s", e.msg);
	len = buf_len(&b);
	ck_assert_uint_ge(len, MR_FRAME_HEADER);
	n = (uint32_t)buf_head(&b)[0] << 24 | (uint32_t)buf_head(&b)[1] << 16 |
	    (uint32_t)buf_head(&b)[2] << 8 | buf_head(&b)[3];
	ck_assert_uint_eq(n, len - MR_FRAME_HEADER);
	ck_assert_uint_eq(n, mr__envelope__get_packed_size(env));
	ck_assert_int_eq(frame_parse(buf_head(&b), len, &out, &used, &e), 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(used, len);
	buf_free(&b);
	return out;
}

/* A 4-byte big-endian length header. */
static void
put_header(uint8_t *p, uint32_t n)
{
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
}

/* A TaskDone envelope used where any valid message will do. */
static void
make_done(Mr__Envelope *env, Mr__TaskDone *d, uint64_t attempt)
{
	mr__envelope__init(env);
	mr__task_done__init(d);
	d->attempt = attempt;
	d->bytes_out = 1000 + attempt;
	env->msg_case = MR__ENVELOPE__MSG_DONE;
	env->done = d;
}

START_TEST(test_roundtrip_hello)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__Hello h = MR__HELLO__INIT;

	h.version = MR_PROTOCOL_VERSION;
	h.pid = 123456;
	env.msg_case = MR__ENVELOPE__MSG_HELLO;
	env.hello = &h;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_HELLO);
	ck_assert_ptr_nonnull(out->hello);
	ck_assert_uint_eq(out->hello->version, MR_PROTOCOL_VERSION);
	ck_assert_int_eq(out->hello->pid, 123456);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_welcome)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__Welcome w = MR__WELCOME__INIT;

	w.version = 7;
	w.worker_id = 4000000000u;
	w.job_dir = "/tmp/job dir/é";
	env.msg_case = MR__ENVELOPE__MSG_WELCOME;
	env.welcome = &w;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_WELCOME);
	ck_assert_uint_eq(out->welcome->version, 7);
	ck_assert_uint_eq(out->welcome->worker_id, 4000000000u);
	ck_assert_str_eq(out->welcome->job_dir, "/tmp/job dir/é");
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_request)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__TaskRequest r = MR__TASK_REQUEST__INIT;

	env.msg_case = MR__ENVELOPE__MSG_REQUEST;
	env.request = &r;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_REQUEST);
	ck_assert_ptr_nonnull(out->request);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_task_map)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__Task t = MR__TASK__INIT;
	Mr__MapTask m = MR__MAP_TASK__INIT;

	m.id = 3;
	m.input = "pg-being_ernest.txt";
	m.n_reduce = 10;
	t.attempt = UINT64_C(0x123456789abc);
	t.kind_case = MR__TASK__KIND_MAP;
	t.map = &m;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &t;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_TASK);
	ck_assert_uint_eq(out->task->attempt, UINT64_C(0x123456789abc));
	ck_assert_int_eq(out->task->kind_case, MR__TASK__KIND_MAP);
	ck_assert_uint_eq(out->task->map->id, 3);
	ck_assert_str_eq(out->task->map->input, "pg-being_ernest.txt");
	ck_assert_uint_eq(out->task->map->n_reduce, 10);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_task_reduce)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__Task t = MR__TASK__INIT;
	Mr__ReduceTask r = MR__REDUCE_TASK__INIT;

	r.partition = 9;
	r.n_map = 8;
	t.attempt = 42;
	t.kind_case = MR__TASK__KIND_REDUCE;
	t.reduce = &r;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &t;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_TASK);
	ck_assert_uint_eq(out->task->attempt, 42);
	ck_assert_int_eq(out->task->kind_case, MR__TASK__KIND_REDUCE);
	ck_assert_uint_eq(out->task->reduce->partition, 9);
	ck_assert_uint_eq(out->task->reduce->n_map, 8);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_task_shutdown)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__Task t = MR__TASK__INIT;
	Mr__Shutdown s = MR__SHUTDOWN__INIT;

	t.kind_case = MR__TASK__KIND_SHUTDOWN;
	t.shutdown = &s;
	env.msg_case = MR__ENVELOPE__MSG_TASK;
	env.task = &t;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_TASK);
	ck_assert_uint_eq(out->task->attempt, 0);
	ck_assert_int_eq(out->task->kind_case, MR__TASK__KIND_SHUTDOWN);
	ck_assert_ptr_nonnull(out->task->shutdown);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_done)
{
	Mr__Envelope env, *out;
	Mr__TaskDone d;

	make_done(&env, &d, 77);
	d.bytes_out = UINT64_C(1) << 40;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_DONE);
	ck_assert_uint_eq(out->done->attempt, 77);
	ck_assert_uint_eq(out->done->bytes_out, UINT64_C(1) << 40);
	frame_free(out);
}
END_TEST

START_TEST(test_roundtrip_failed)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__TaskFailed f = MR__TASK_FAILED__INIT;
	uint32_t bad[] = { 2, 0, 4000000000u };

	f.attempt = 5;
	f.error = "mr-2-1: checksum mismatch";
	f.n_bad_maps = 3;
	f.bad_maps = bad;
	env.msg_case = MR__ENVELOPE__MSG_FAILED;
	env.failed = &f;
	out = roundtrip(&env);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_FAILED);
	ck_assert_uint_eq(out->failed->attempt, 5);
	ck_assert_str_eq(out->failed->error, "mr-2-1: checksum mismatch");
	ck_assert_uint_eq(out->failed->n_bad_maps, 3);
	ck_assert_uint_eq(out->failed->bad_maps[0], 2);
	ck_assert_uint_eq(out->failed->bad_maps[1], 0);
	ck_assert_uint_eq(out->failed->bad_maps[2], 4000000000u);
	frame_free(out);
}
END_TEST

START_TEST(test_parse_every_prefix)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out;
	Mr__TaskFailed f = MR__TASK_FAILED__INIT;
	uint32_t bad[] = { 1, 2 };
	struct buf b = BUF_INIT;
	struct err e;
	size_t len, used;

	f.attempt = 300;
	f.error = "some error text";
	f.n_bad_maps = 2;
	f.bad_maps = bad;
	env.msg_case = MR__ENVELOPE__MSG_FAILED;
	env.failed = &f;
	pack(&b, &env);
	len = buf_len(&b);
	for (size_t i = 0; i < len; i++) {
		out = NULL;
		used = 12345;
		ck_assert_msg(frame_parse(buf_head(&b), i, &out, &used, &e) == 0,
		    "prefix of %zu of %zu bytes did not ask for more", i, len);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(used, 12345);
		if (i >= MR_FRAME_HEADER)
			ck_assert_int_eq(frame_needed(buf_head(&b), i, &e),
			    (long)len);
		else
			ck_assert_int_eq(frame_needed(buf_head(&b), i, &e),
			    MR_FRAME_HEADER);
	}
	ck_assert_int_eq(frame_parse(buf_head(&b), len, &out, &used, &e), 1);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(out->failed->attempt, 300);
	frame_free(out);
	buf_free(&b);
}
END_TEST

START_TEST(test_parse_back_to_back)
{
	Mr__Envelope env, *out;
	Mr__TaskDone d;
	struct buf b = BUF_INIT;
	struct err e;
	size_t first, total, used, off = 0;

	make_done(&env, &d, 1);
	pack(&b, &env);
	first = buf_len(&b);
	make_done(&env, &d, 100000);
	pack(&b, &env);
	total = buf_len(&b);
	ck_assert_uint_gt(total, first);

	ck_assert_int_eq(frame_parse(buf_head(&b), total, &out, &used, &e), 1);
	ck_assert_uint_eq(used, first);
	ck_assert_uint_eq(out->done->attempt, 1);
	frame_free(out);
	off += used;
	ck_assert_int_eq(frame_parse(buf_head(&b) + off, total - off, &out,
	    &used, &e), 1);
	ck_assert_uint_eq(used, total - first);
	ck_assert_uint_eq(out->done->attempt, 100000);
	ck_assert_uint_eq(out->done->bytes_out, 101000);
	frame_free(out);
	off += used;
	ck_assert_uint_eq(off, total);
	out = NULL;
	ck_assert_int_eq(frame_parse(buf_head(&b) + off, 0, &out, &used, &e), 0);
	ck_assert_ptr_null(out);
	buf_free(&b);
}
END_TEST

START_TEST(test_oversize_header)
{
	uint8_t hdr[MR_FRAME_HEADER];
	Mr__Envelope *out = NULL;
	struct err e;
	size_t used = 99;
	uint32_t sizes[] = { MR_FRAME_MAX + 1, 0x7fffffffu, 0xffffffffu };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		put_header(hdr, sizes[i]);
		e.msg[0] = '\0';
		ck_assert_int_eq(frame_needed(hdr, sizeof hdr, &e), -1);
		ck_assert_str_ne(e.msg, "");
		e.msg[0] = '\0';
		ck_assert_int_eq(frame_parse(hdr, sizeof hdr, &out, &used, &e),
		    -1);
		ck_assert_str_ne(e.msg, "");
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(used, 99);
	}
}
END_TEST

START_TEST(test_max_size_accepted)
{
	uint8_t hdr[MR_FRAME_HEADER];
	Mr__Envelope *out = NULL;
	struct err e;
	size_t used;

	put_header(hdr, MR_FRAME_MAX);
	ck_assert_int_eq(frame_needed(hdr, sizeof hdr, &e),
	    (long)MR_FRAME_HEADER + MR_FRAME_MAX);
	/* Only the header is there: the rest is simply awaited. */
	ck_assert_int_eq(frame_parse(hdr, sizeof hdr, &out, &used, &e), 0);
	ck_assert_ptr_null(out);
	put_header(hdr, 0);
	ck_assert_int_eq(frame_needed(hdr, sizeof hdr, &e), MR_FRAME_HEADER);
}
END_TEST

START_TEST(test_junk_payload)
{
	uint8_t frame[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
	Mr__Envelope *out = NULL;
	struct err e = { "" };
	size_t used = 0;

	ck_assert_int_eq(frame_parse(frame, sizeof frame, &out, &used, &e), -1);
	ck_assert_str_ne(e.msg, "");
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(test_empty_envelope)
{
	uint8_t frame[] = { 0, 0, 0, 0 };
	Mr__Envelope *out = NULL;
	struct err e = { "" };
	size_t used = 0;

	ck_assert_int_eq(frame_parse(frame, sizeof frame, &out, &used, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown type"));
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(test_unknown_field_only)
{
	/* Field 15, varint 1: a valid Envelope from a newer version. */
	uint8_t frame[] = { 0, 0, 0, 2, 15 << 3, 1 };
	Mr__Envelope *out = NULL;
	struct err e = { "" };
	size_t used = 0;

	ck_assert_int_eq(frame_parse(frame, sizeof frame, &out, &used, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown type"));
}
END_TEST

START_TEST(test_pack_oversize)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskFailed f = MR__TASK_FAILED__INIT;
	struct buf b = BUF_INIT;
	struct err e = { "" };
	size_t n = 2 * 1024 * 1024;
	char *big = malloc(n + 1);
	int sv[2];

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	big[n] = '\0';
	f.attempt = 1;
	f.error = big;
	env.msg_case = MR__ENVELOPE__MSG_FAILED;
	env.failed = &f;
	ck_assert_int_eq(frame_pack(&b, &env, &e), -1);
	ck_assert_str_ne(e.msg, "");
	ck_assert_uint_eq(buf_len(&b), 0);

	/* frame_send refuses it too, writing nothing. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	e.msg[0] = '\0';
	ck_assert_int_eq(frame_send(sv[0], &env, &e), -1);
	ck_assert_str_ne(e.msg, "");
	close(sv[0]);
	{
		uint8_t c;

		ck_assert_int_eq(read(sv[1], &c, 1), 0);
	}
	close(sv[1]);
	buf_free(&b);
	free(big);
}
END_TEST

START_TEST(test_pack_just_under_max)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out = NULL;
	Mr__TaskFailed f = MR__TASK_FAILED__INIT;
	struct buf b = BUF_INIT;
	struct err e;
	size_t n = MR_FRAME_MAX - 16, used;
	char *big = malloc(n + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'y', n);
	big[n] = '\0';
	f.attempt = 2;
	f.error = big;
	env.msg_case = MR__ENVELOPE__MSG_FAILED;
	env.failed = &f;
	ck_assert_uint_le(mr__envelope__get_packed_size(&env), MR_FRAME_MAX);
	ck_assert_int_eq(frame_pack(&b, &env, &e), 0);
	ck_assert_int_eq(frame_parse(buf_head(&b), buf_len(&b), &out, &used,
	    &e), 1);
	ck_assert_uint_eq(used, buf_len(&b));
	ck_assert_uint_eq(strlen(out->failed->error), n);
	frame_free(out);
	buf_free(&b);
	free(big);
}
END_TEST

START_TEST(test_send_recv)
{
	Mr__Envelope env = MR__ENVELOPE__INIT, *out = NULL;
	Mr__Welcome w = MR__WELCOME__INIT;
	Mr__TaskDone d;
	struct err e;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	w.version = 1;
	w.worker_id = 3;
	w.job_dir = "/job";
	env.msg_case = MR__ENVELOPE__MSG_WELCOME;
	env.welcome = &w;
	ck_assert_int_eq(frame_send(sv[0], &env, &e), 0);
	make_done(&env, &d, 9);
	ck_assert_int_eq(frame_send(sv[0], &env, &e), 0);
	close(sv[0]);

	ck_assert_int_eq(frame_recv(sv[1], &out, &e), 1);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_WELCOME);
	ck_assert_uint_eq(out->welcome->worker_id, 3);
	ck_assert_str_eq(out->welcome->job_dir, "/job");
	frame_free(out);
	out = NULL;
	ck_assert_int_eq(frame_recv(sv[1], &out, &e), 1);
	ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_DONE);
	ck_assert_uint_eq(out->done->attempt, 9);
	frame_free(out);
	out = NULL;
	/* Clean end of stream between frames. */
	ck_assert_int_eq(frame_recv(sv[1], &out, &e), 0);
	ck_assert_ptr_null(out);
	close(sv[1]);
}
END_TEST

/* Frames packed together leave in one write and arrive one by one. */
START_TEST(test_flush)
{
	Mr__Envelope env, *out = NULL;
	Mr__TaskDone d;
	struct buf b = BUF_INIT;
	struct err e;
	char byte;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Nothing queued: nothing written. */
	ck_assert_int_eq(frame_flush(sv[0], &b, &e), 0);
	for (uint64_t a = 1; a <= 3; a++) {
		make_done(&env, &d, a);
		ck_assert_int_eq(frame_pack(&b, &env, &e), 0);
	}
	ck_assert_int_eq(frame_flush(sv[0], &b, &e), 0);
	ck_assert_uint_eq(buf_len(&b), 0);
	for (uint64_t a = 1; a <= 3; a++) {
		ck_assert_int_eq(frame_recv(sv[1], &out, &e), 1);
		ck_assert_int_eq(out->msg_case, MR__ENVELOPE__MSG_DONE);
		ck_assert_uint_eq(out->done->attempt, a);
		frame_free(out);
		out = NULL;
	}
	ck_assert_int_eq(recv(sv[1], &byte, 1, MSG_DONTWAIT), -1);
	/* A closed peer: the error is reported, the queue still emptied. */
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	make_done(&env, &d, 4);
	ck_assert_int_eq(frame_pack(&b, &env, &e), 0);
	ck_assert_int_eq(frame_flush(sv[0], &b, &e), -1);
	ck_assert_uint_eq(buf_len(&b), 0);
	close(sv[0]);
	buf_free(&b);
}
END_TEST

/* Sends n bytes of a valid frame, closes, and expects -1 from recv. */
static void
recv_cut(size_t n)
{
	Mr__Envelope env, *out = NULL;
	Mr__TaskDone d;
	struct buf b = BUF_INIT;
	struct err e = { "" };
	int sv[2];

	make_done(&env, &d, 12345);
	pack(&b, &env);
	ck_assert_uint_lt(n, buf_len(&b));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], buf_head(&b), n), (ssize_t)n);
	close(sv[0]);
	errno = 0;
	ck_assert_msg(frame_recv(sv[1], &out, &e) == -1,
	    "recv of %zu bytes of a %zu-byte frame did not fail", n,
	    buf_len(&b));
	ck_assert_ptr_null(out);
	ck_assert_str_ne(e.msg, "");
	/* A connection lost, not a peer misbehaving. */
	ck_assert_int_eq(errno, ECONNRESET);
	close(sv[1]);
	buf_free(&b);
}

START_TEST(test_recv_eof_mid_frame)
{
	/* Inside the header, right after it, and inside the payload. */
	recv_cut(1);
	recv_cut(3);
	recv_cut(MR_FRAME_HEADER);
	recv_cut(MR_FRAME_HEADER + 1);
}
END_TEST

START_TEST(test_recv_oversize_header)
{
	uint8_t hdr[MR_FRAME_HEADER];
	Mr__Envelope *out = NULL;
	struct err e = { "" };
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	put_header(hdr, MR_FRAME_MAX + 1);
	ck_assert_int_eq(write(sv[0], hdr, sizeof hdr), (ssize_t)sizeof hdr);
	/* The peer keeps the connection open: recv must not wait for the body. */
	ck_assert_int_eq(frame_recv(sv[1], &out, &e), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_str_ne(e.msg, "");
	ck_assert_ptr_null(out);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_recv_bad_payloads)
{
	uint8_t junk[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
	uint8_t empty[] = { 0, 0, 0, 0 };
	Mr__Envelope *out = NULL;
	struct err e = { "" };
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], junk, sizeof junk), (ssize_t)sizeof junk);
	ck_assert_int_eq(write(sv[0], empty, sizeof empty),
	    (ssize_t)sizeof empty);
	ck_assert_int_eq(frame_recv(sv[1], &out, &e), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_str_ne(e.msg, "");
	e.msg[0] = '\0';
	errno = 0;
	ck_assert_int_eq(frame_recv(sv[1], &out, &e), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown type"));
	ck_assert_ptr_null(out);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_buf_reserve_commit)
{
	struct buf b = BUF_INIT;
	uint8_t *p;

	ck_assert_uint_eq(buf_len(&b), 0);
	p = buf_reserve(&b, 10);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(b.cap, 10);
	memcpy(p, "0123456789", 10);
	ck_assert_uint_eq(buf_len(&b), 0);
	buf_commit(&b, 4);
	ck_assert_uint_eq(buf_len(&b), 4);
	ck_assert_int_eq(memcmp(buf_head(&b), "0123", 4), 0);
	/* A later reserve starts right after the committed bytes. */
	p = buf_reserve(&b, 3);
	ck_assert_ptr_eq(p, buf_head(&b) + 4);
	memcpy(p, "abc", 3);
	buf_commit(&b, 3);
	ck_assert_uint_eq(buf_len(&b), 7);
	ck_assert_int_eq(memcmp(buf_head(&b), "0123abc", 7), 0);
	buf_add(&b, "", 0);
	ck_assert_uint_eq(buf_len(&b), 7);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(buf_len(&b), 0);
	/* Usable again after free. */
	buf_add(&b, "xy", 2);
	ck_assert_uint_eq(buf_len(&b), 2);
	ck_assert_int_eq(memcmp(buf_head(&b), "xy", 2), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_consume)
{
	struct buf b = BUF_INIT;

	buf_add(&b, "hello world", 11);
	buf_consume(&b, 6);
	ck_assert_uint_eq(buf_len(&b), 5);
	ck_assert_int_eq(memcmp(buf_head(&b), "world", 5), 0);
	buf_add(&b, "!!", 2);
	ck_assert_uint_eq(buf_len(&b), 7);
	ck_assert_int_eq(memcmp(buf_head(&b), "world!!", 7), 0);
	/* Emptying resets the offsets. */
	buf_consume(&b, 7);
	ck_assert_uint_eq(buf_len(&b), 0);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.len, 0);
	buf_add(&b, "z", 1);
	ck_assert_ptr_eq(buf_head(&b), b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_compaction)
{
	struct buf b = BUF_INIT;
	uint8_t pattern[1024], *p;
	size_t cap, want;

	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	/* Fill the first allocation completely. */
	buf_reserve(&b, 1);
	cap = b.cap;
	ck_assert_uint_ge(cap, 16);
	ck_assert_uint_le(cap, sizeof pattern);
	buf_add(&b, pattern, cap);
	ck_assert_uint_eq(b.cap, cap);
	/* Consume most: room appears only by moving the unread bytes. */
	buf_consume(&b, cap - 10);
	ck_assert_uint_eq(buf_len(&b), 10);
	p = buf_reserve(&b, cap - 20);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_ptr_eq(p, b.data + 10);
	ck_assert_uint_eq(buf_len(&b), 10);
	ck_assert_int_eq(memcmp(buf_head(&b), pattern + cap - 10, 10), 0);
	buf_free(&b);

	/* Growing after a consume keeps the unread bytes too. */
	buf_add(&b, pattern, 300);
	buf_consume(&b, 50);
	want = 4 * b.cap;
	p = buf_reserve(&b, want);
	ck_assert_uint_ge(b.cap - b.len, want);
	ck_assert_uint_eq(buf_len(&b), 250);
	ck_assert_int_eq(memcmp(buf_head(&b), pattern + 50, 250), 0);
	ck_assert_ptr_eq(p, buf_head(&b) + buf_len(&b));
	buf_free(&b);
}
END_TEST

/* Random adds and consumes against a plain array model. */
START_TEST(test_buf_random_model)
{
	static uint8_t model[1 << 16];
	struct buf b = BUF_INIT;
	size_t mlen = 0;
	uint32_t seed = 12345, counter = 0;

	for (int step = 0; step < 4000; step++) {
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 700;
		if ((seed >> 8) % 3 != 0 && mlen + n <= sizeof model) {
			uint8_t chunk[700] = { 0 };

			for (size_t i = 0; i < n; i++)
				chunk[i] = (uint8_t)(counter++ * 31 + 7);
			if ((seed >> 4) & 1)
				buf_add(&b, chunk, n);
			else {
				memcpy(buf_reserve(&b, n), chunk, n);
				buf_commit(&b, n);
			}
			memcpy(model + mlen, chunk, n);
			mlen += n;
		} else {
			n = mlen != 0 ? n % (mlen + 1) : 0;
			buf_consume(&b, n);
			memmove(model, model + n, mlen - n);
			mlen -= n;
		}
		ck_assert_uint_eq(buf_len(&b), mlen);
		ck_assert_uint_le(b.len, b.cap);
		if (mlen > 0)
			ck_assert_int_eq(memcmp(buf_head(&b), model, mlen), 0);
	}
	buf_free(&b);
}
END_TEST

static Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip_hello);
	tcase_add_test(tc, test_roundtrip_welcome);
	tcase_add_test(tc, test_roundtrip_request);
	tcase_add_test(tc, test_roundtrip_task_map);
	tcase_add_test(tc, test_roundtrip_task_reduce);
	tcase_add_test(tc, test_roundtrip_task_shutdown);
	tcase_add_test(tc, test_roundtrip_done);
	tcase_add_test(tc, test_roundtrip_failed);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_every_prefix);
	tcase_add_test(tc, test_parse_back_to_back);
	tcase_add_test(tc, test_oversize_header);
	tcase_add_test(tc, test_max_size_accepted);
	tcase_add_test(tc, test_junk_payload);
	tcase_add_test(tc, test_empty_envelope);
	tcase_add_test(tc, test_unknown_field_only);
	tcase_add_test(tc, test_pack_oversize);
	tcase_add_test(tc, test_pack_just_under_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("fd");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_send_recv);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_recv_eof_mid_frame);
	tcase_add_test(tc, test_recv_oversize_header);
	tcase_add_test(tc, test_recv_bad_payloads);
	suite_add_tcase(s, tc);

	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf_reserve_commit);
	tcase_add_test(tc, test_buf_consume);
	tcase_add_test(tc, test_buf_compaction);
	tcase_add_test(tc, test_buf_random_model);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
