/*
 * progress.c - the live progress line and the periodic progress log lines
 * (see progress.h).
 *
 * On a terminal the line is written with one write(): "\r", erase to the
 * end of the line, the text, no newline; it is kept shorter than the
 * terminal so that it never wraps. Log messages printed meanwhile erase it
 * first and draw it again after (log_set_hooks()).
 */
#include <sys/ioctl.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

/* Seconds between two redraws of the line on a terminal. */
#define PROGRESS_REDRAW 0.25

/* Width assumed when the terminal does not say. */
#define PROGRESS_DEFAULT_WIDTH 80

#define PROGRESS_ERASE "\r\033[K"

struct progress {
	struct ev_loop		*loop;
	enum progress_mode	 mode;
	double			 interval;
	progress_fill_fn	 fill;
	void			*arg;
	ev_timer		 timer;
	int			 running;
	int			 drawn;		/* the line is on the screen */
	char			 line[512];	/* what is drawn, escapes included */
	size_t			 len;
};

double
progress_rate(const struct progress_snapshot *snap)
{
	if (snap->elapsed <= 0)
		return 0;
	return snap->bytes_done / 1e6 / snap->elapsed;
}

double
progress_eta(const struct progress_snapshot *snap)
{
	double left, parallel;
	uint32_t todo = snap->running + snap->waiting;

	switch (snap->phase) {
	case PHASE_DONE:
	case PHASE_FAILED:
		return 0;
	case PHASE_MAP:
		if (snap->elapsed <= 0)
			return -1;
		if (snap->bytes > 0) {
			if (snap->bytes_done == 0)
				return -1;
			return (double)(snap->bytes - snap->bytes_done) *
			    snap->elapsed / snap->bytes_done;
		}
		if (snap->done == 0)
			return -1;
		return (double)todo * snap->elapsed / snap->done;
	case PHASE_REDUCE:
		if (snap->reduce_avg <= 0)
			return -1;
		if (todo == 0)
			return 0;
		parallel = snap->workers < todo ? snap->workers : todo;
		if (parallel < 1)
			return -1;	/* nobody to run them */
		left = snap->reduce_avg * todo - snap->reduce_running;
		return left > 0 ? left / parallel : 0;
	}
	return -1;
}

void
progress_duration(double secs, int decimals, char *buf, size_t size)
{
	long s;

	if (secs < 0)
		secs = 0;
	if (decimals && secs < 59.95) {
		snprintf(buf, size, "%.1f s", secs);
		return;
	}
	s = lround(ceil(secs));
	if (s < 60)
		snprintf(buf, size, "%ld s", s);
	else if (s < 3600)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
}

static const char *
progress_phase_name(enum tasks_phase phase)
{
	switch (phase) {
	case PHASE_MAP:
		return "map";
	case PHASE_REDUCE:
		return "reduce";
	case PHASE_DONE:
		return "done";
	case PHASE_FAILED:
		return "failed";
	}
	return "?";
}

/* Long to short: what fits the terminal is drawn, the least useful part goes first. */
size_t
progress_format(const struct progress_snapshot *snap, size_t width,
    char *buf, size_t size)
{
	const char *ph = progress_phase_name(snap->phase);
	char el[32], eta[32], v[6][256];
	double e = progress_eta(snap);
	size_t n;
	int i;

	progress_duration(snap->elapsed, 1, el, sizeof el);
	if (e < 0)
		snprintf(eta, sizeof eta, "ETA --");
	else {
		memcpy(eta, "ETA ", 4);
		progress_duration(e, 0, eta + 4, sizeof eta - 4);
	}
	snprintf(v[0], sizeof v[0], "%s %u/%u done, %u running, %u waiting | "
	    "%u worker%s | %s | %.1f MB/s | %s", ph, snap->done, snap->total,
	    snap->running, snap->waiting, snap->workers,
	    snap->workers == 1 ? "" : "s", el, progress_rate(snap), eta);
	snprintf(v[1], sizeof v[1], "%s %u/%u done, %u running, %u waiting | "
	    "%u worker%s | %s | %s", ph, snap->done, snap->total,
	    snap->running, snap->waiting, snap->workers,
	    snap->workers == 1 ? "" : "s", el, eta);
	snprintf(v[2], sizeof v[2], "%s %u/%u, %u run, %u wait | %u wk | %s | "
	    "%s", ph, snap->done, snap->total, snap->running, snap->waiting,
	    snap->workers, el, eta);
	snprintf(v[3], sizeof v[3], "%s %u/%u | %s | %s", ph, snap->done,
	    snap->total, el, eta);
	snprintf(v[4], sizeof v[4], "%s %u/%u | %s", ph, snap->done,
	    snap->total, eta);
	snprintf(v[5], sizeof v[5], "%s %u/%u", ph, snap->done, snap->total);
	for (i = 0; i < 5; i++)
		if (width == 0 || strlen(v[i]) <= width)
			break;
	n = strlen(v[i]);
	if (width != 0 && n > width)
		n = width;
	if (size == 0)
		return 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, v[i], n);
	buf[n] = '\0';
	return n;
}

/* Columns of the terminal on stderr, asked each time: it may be resized. */
static size_t
progress_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return PROGRESS_DEFAULT_WIDTH;
}

static void
progress_write(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return;	/* a terminal that went away: nothing to draw on */
		s += w;
		n -= w;
	}
}

/* Erases the line before a log message. */
static void
progress_before_log(void *arg)
{
	struct progress *p = arg;

	if (p->drawn) {
		progress_write(PROGRESS_ERASE, strlen(PROGRESS_ERASE));
		p->drawn = 0;
	}
}

/* Draws the line again after a log message, as it was. */
static void
progress_after_log(void *arg)
{
	struct progress *p = arg;

	if (p->running && p->len > 0) {
		progress_write(p->line, p->len);
		p->drawn = 1;
	}
}

/* Builds the line from a fresh snapshot and draws it over the old one. */
static void
progress_draw(struct progress *p)
{
	struct progress_snapshot snap;
	size_t width = progress_width(), pre, vis, max;
	int n;

	memset(&snap, 0, sizeof snap);
	p->fill(p->arg, &snap);
	n = snprintf(p->line, sizeof p->line, "%s%s: ", PROGRESS_ERASE,
	    log_progname());
	pre = n > 0 && (size_t)n < sizeof p->line ? (size_t)n : 0;
	vis = pre - strlen(PROGRESS_ERASE);
	/* Too narrow for the name: the figures alone. */
	if (pre == 0 || width < vis + 10) {
		memcpy(p->line, PROGRESS_ERASE, strlen(PROGRESS_ERASE));
		pre = strlen(PROGRESS_ERASE);
		vis = 0;
	}
	/* The last column is left free: writing there may wrap the line. */
	max = width > vis + 1 ? width - vis - 1 : 1;
	p->len = pre + progress_format(&snap, max, p->line + pre,
	    sizeof p->line - pre);
	progress_write(p->line, p->len);
	p->drawn = 1;
}

static void
progress_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct progress *p = w->data;
	struct progress_snapshot snap;
	char line[256];

	(void)loop;
	(void)revents;
	if (!p->running)
		return;
	if (p->mode == PROGRESS_TTY) {
		progress_draw(p);
		return;
	}
	memset(&snap, 0, sizeof snap);
	p->fill(p->arg, &snap);
	progress_format(&snap, 0, line, sizeof line);
	log_info("%s", line);
}

struct progress *
progress_new(struct ev_loop *loop, enum progress_mode mode, double interval,
    progress_fill_fn fill, void *arg)
{
	struct progress *p = xcalloc(1, sizeof *p);

	p->loop = loop;
	p->mode = mode;
	p->interval = mode == PROGRESS_TTY ? PROGRESS_REDRAW : interval;
	p->fill = fill;
	p->arg = arg;
	ev_timer_init(&p->timer, progress_tick_cb, p->interval, p->interval);
	p->timer.data = p;
	return p;
}

void
progress_start(struct progress *p)
{
	if (p->mode == PROGRESS_OFF || p->running || !(p->interval > 0))
		return;
	p->running = 1;
	ev_timer_start(p->loop, &p->timer);
	if (p->mode == PROGRESS_TTY) {
		log_set_hooks(progress_before_log, progress_after_log, p);
		progress_draw(p);
	}
}

void
progress_stop(struct progress *p)
{
	if (p == NULL || !p->running)
		return;
	p->running = 0;
	ev_timer_stop(p->loop, &p->timer);
	if (p->mode == PROGRESS_TTY) {
		progress_before_log(p);
		log_set_hooks(NULL, NULL, NULL);
	}
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	progress_stop(p);
	free(p);
}
