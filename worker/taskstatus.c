/*
 * taskstatus.c - the task's status line, rate-limited on its way to the
 * worker (see taskstatus.h).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "log.h"
#include "protocol.h"
#include "taskstatus.h"

static struct {
	int		 fd;
	uint64_t	 attempt;
	uint32_t	 incarnation;
	char		 text[MR_TASK_STATUS_MAX + 1];
	int		 waiting;	/* text is not sent yet */
	double		 sent;		/* when the last one went; 0 none */
} taskstatus = { -1, 0, 0, "", 0, 0 };

static double
taskstatus_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
taskstatus_init(int fd, uint64_t attempt, uint32_t incarnation)
{
	taskstatus.fd = fd;
	taskstatus.attempt = attempt;
	taskstatus.incarnation = incarnation;
	taskstatus.text[0] = '\0';
	taskstatus.waiting = 0;
	taskstatus.sent = 0;
}

/* Writes the line as a frame; a pipe that cannot take it drops it. */
static void
taskstatus_send(double now)
{
	Mr__Envelope env = MR__ENVELOPE__INIT;
	Mr__TaskProgress pr = MR__TASK_PROGRESS__INIT;
	struct buf out = BUF_INIT;
	struct err e;
	const uint8_t *p;
	size_t n;
	ssize_t w;

	taskstatus.waiting = 0;
	taskstatus.sent = now;
	if (taskstatus.fd == -1)
		return;
	pr.attempt = taskstatus.attempt;
	pr.incarnation = taskstatus.incarnation;
	pr.status = taskstatus.text;
	env.msg_case = MR__ENVELOPE__MSG_PROGRESS;
	env.progress = &pr;
	if (frame_pack(&out, &env, &e) == -1) {
		log_warn("status line: %s", e.msg);
		return;
	}
	/* The worker reads this pipe as it comes: a few hundred bytes wait little. */
	for (p = buf_head(&out), n = buf_len(&out); n > 0; p += w, n -= (size_t)w) {
		w = write(taskstatus.fd, p, n);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0)
			break;
	}
	buf_free(&out);
}

void
taskstatus_set(const char *text, size_t len)
{
	double now = taskstatus_now();

	if (len > MR_TASK_STATUS_MAX) {
		len = MR_TASK_STATUS_MAX;
		/* Not inside a UTF-8 character: back to its first byte. */
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(taskstatus.text, text, len);
	taskstatus.text[len] = '\0';
	if (taskstatus.sent == 0 || now - taskstatus.sent >= MR_PROGRESS_INTERVAL)
		taskstatus_send(now);
	else
		taskstatus.waiting = 1;
}

void
taskstatus_touch(void)
{
	double now = taskstatus_now();

	if (taskstatus.sent == 0 || now - taskstatus.sent >= MR_PROGRESS_INTERVAL)
		taskstatus_send(now);
	else
		taskstatus.waiting = 1;
}

const char *
taskstatus_last(void)
{
	return taskstatus.text;
}

int
taskstatus_wait_ms(void)
{
	double left;

	if (!taskstatus.waiting)
		return -1;
	left = taskstatus.sent + MR_PROGRESS_INTERVAL - taskstatus_now();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

void
taskstatus_tick(void)
{
	double now;

	if (!taskstatus.waiting)
		return;
	now = taskstatus_now();
	if (now - taskstatus.sent >= MR_PROGRESS_INTERVAL)
		taskstatus_send(now);
}

void
taskstatus_flush(void)
{
	if (taskstatus.waiting)
		taskstatus_send(taskstatus_now());
}
