/*
 * ctlconn.c - requests of a status client to a coordinator (see
 * ctlconn.h).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "ctlconn.h"
#include "peercred.h"

/* Seconds ctlconn_cancel() waits for an answer. */
#define CTLCONN_CANCEL_TIMEOUT 10

int
ctlconn_open(const struct sockaddr_un *addr, double timeout, struct err *e)
{
	struct timeval tv;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		err_sys(e, "socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == -1) {
		err_sys(e, "no coordinator at %s", addr->sun_path);
		goto fail;
	}
	/* Not a word to a server of another user: it could answer anything. */
	if (peercred_check_server(fd, addr->sun_path, e) == -1)
		goto fail;
	/* A coordinator that stops answering must not hang us. */
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - floor(timeout)) * 1e6);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
fail:
	close(fd);
	return -1;
}

/* The protocol version an answer of type `c` carries. */
static uint32_t
ctlconn_version(const Mr__Envelope *env)
{
	switch (env->msg_case) {
	case MR__ENVELOPE__MSG_STATUS:
		return env->status->version;
	case MR__ENVELOPE__MSG_HISTORY:
		return env->history->version;
	case MR__ENVELOPE__MSG_CANCEL_ANSWER:
		return env->cancel_answer->version;
	default:
		return 0;
	}
}

Mr__Envelope *
ctlconn_read(int fd, const char *path, Mr__Envelope__MsgCase want,
    size_t max, struct err *e)
{
	Mr__Envelope *env = NULL;
	int rc;

	rc = frame_recv_max(fd, &env, max, e);
	if (rc == 0)
		err_set(e, "%s: the coordinator closed the connection without "
		    "answering (the job may have just ended)", path);
	else if (rc == -1)
		err_prefix(e, "%s", path);
	if (rc != 1)
		goto fail;
	if (env->msg_case != want) {
		err_set(e, "%s: unexpected answer (message type %d); is this a "
		    "coordinator's socket?", path, (int)env->msg_case);
		goto fail;
	}
	if (ctlconn_version(env) != MR_PROTOCOL_VERSION) {
		err_set(e, "%s: the coordinator speaks protocol version %u, "
		    "mrctl version %d", path, ctlconn_version(env),
		    MR_PROTOCOL_VERSION);
		goto fail;
	}
	return env;
fail:
	frame_free(env);
	return NULL;
}

/* Sends req; NULL with e set when it cannot. */
static int
ctlconn_send(int fd, const char *path, const Mr__Envelope *req,
    struct err *e)
{
	if (frame_send(fd, req, e) == -1) {
		err_prefix(e, "%s", path);
		return -1;
	}
	return 0;
}

Mr__Envelope *
ctlconn_status(int fd, const char *path, struct err *e)
{
	Mr__Envelope req = MR__ENVELOPE__INIT;
	Mr__StatusRequest sr = MR__STATUS_REQUEST__INIT;

	sr.version = MR_PROTOCOL_VERSION;
	req.msg_case = MR__ENVELOPE__MSG_STATUS_REQUEST;
	req.status_request = &sr;
	if (ctlconn_send(fd, path, &req, e) == -1)
		return NULL;
	return ctlconn_read(fd, path, MR__ENVELOPE__MSG_STATUS,
	    MR_STATUS_FRAME_MAX, e);
}

Mr__Envelope *
ctlconn_history(int fd, const char *path, uint64_t since, int follow,
    struct err *e)
{
	Mr__Envelope req = MR__ENVELOPE__INIT;
	Mr__HistoryRequest hr = MR__HISTORY_REQUEST__INIT;

	hr.version = MR_PROTOCOL_VERSION;
	hr.since = since;
	hr.follow = follow;
	req.msg_case = MR__ENVELOPE__MSG_HISTORY_REQUEST;
	req.history_request = &hr;
	if (ctlconn_send(fd, path, &req, e) == -1)
		return NULL;
	return ctlconn_read(fd, path, MR__ENVELOPE__MSG_HISTORY,
	    MR_HISTORY_FRAME_MAX, e);
}

int
ctlconn_cancel(const struct sockaddr_un *addr, const char *from,
    char *why, size_t whysize, struct err *e)
{
	Mr__Envelope req = MR__ENVELOPE__INIT, *env = NULL;
	Mr__CancelRequest cr = MR__CANCEL_REQUEST__INIT;
	int fd, rc = -1;

	fd = ctlconn_open(addr, CTLCONN_CANCEL_TIMEOUT, e);
	if (fd == -1)
		return -1;
	cr.version = MR_PROTOCOL_VERSION;
	cr.from = (char *)from;
	req.msg_case = MR__ENVELOPE__MSG_CANCEL_REQUEST;
	req.cancel_request = &cr;
	if (ctlconn_send(fd, addr->sun_path, &req, e) == -1)
		goto out;
	env = ctlconn_read(fd, addr->sun_path, MR__ENVELOPE__MSG_CANCEL_ANSWER,
	    MR_FRAME_MAX, e);
	if (env == NULL)
		goto out;
	rc = env->cancel_answer->cancelled ? 1 : 0;
	snprintf(why, whysize, "%s", env->cancel_answer->why != NULL ?
	    env->cancel_answer->why : "");
out:
	frame_free(env);
	close(fd);
	return rc;
}
