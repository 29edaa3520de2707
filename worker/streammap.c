/*
 * streammap.c - the mapper command of a map task (see streammap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sdk.h"
#include "streamcmd.h"
#include "streammap.h"

struct streammap {
	struct streamcmd *cmd;
	char		**env;
	struct mapout	*mo;
	struct output	*out;
	int		 last;		/* last byte given of this input; -1 none */
	int		 cr;		/* it was a carriage return, made a newline */
	char		 label[64];
};

int
streammap_record(struct mapout *mo, const char *p, size_t len, struct err *e)
{
	const char *tab = memchr(p, '\t', len);
	mr_emitter *em = mapout_emitter(mo);
	size_t klen = tab != NULL ? (size_t)(tab - p) : len;

	if (em->emit(em->ctx, p, klen, tab != NULL ? tab + 1 : "",
	    tab != NULL ? len - klen - 1 : 0) == -1) {
		if (!mapout_error(mo, e))
			err_set(e, "a record could not be stored");
		return -1;
	}
	return 0;
}

static int
streammap_line(void *arg, const char *p, size_t len, struct err *e)
{
	struct streammap *m = arg;

	return streammap_record(m->mo, p, len, e);
}

static int
streammap_raw(void *arg, const char *p, size_t len, struct err *e)
{
	struct streammap *m = arg;

	if (output_write(m->out, p, len) == -1) {
		output_failed(m->out, e);
		return -1;
	}
	return 0;
}

struct streammap *
streammap_start(const struct streaming *s, const struct streaming_task *t,
    struct mapout *mo, struct output *out, struct err *e)
{
	struct streammap *m = xcalloc(1, sizeof *m);
	struct streamcmd_conf c;

	m->mo = mo;
	m->out = out;
	m->last = -1;
	m->env = streaming_env(s, t);
	streaming_cmd_conf(s, "mapper", s->mapper, t->attempt, m->env, &c,
	    m->label, sizeof m->label);
	if (mo != NULL)
		c.line = streammap_line;
	else
		c.raw = streammap_raw;
	c.arg = m;
	m->cmd = streamcmd_start(&c, e);
	if (m->cmd == NULL) {
		streaming_env_free(m->env);
		free(m);
		return NULL;
	}
	return m;
}

/* Writes p[0..n) on, remembering its last byte. */
static int
streammap_put(struct streammap *m, const char *p, size_t n, struct err *e)
{
	if (n == 0)
		return 0;
	m->last = (unsigned char)p[n - 1];
	return streamcmd_write(m->cmd, p, n, e);
}

int
streammap_feed(struct streammap *m, const char *data, size_t len,
    struct err *e)
{
	const char *p = data, *end = data + len, *cr;

	/* A CR ending the last piece and a LF starting this one: one end. */
	if (m->cr && len > 0 && *p == '\n')
		p++;
	m->cr = 0;
	while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (streammap_put(m, p, (size_t)(cr - p), e) == -1 ||
		    streammap_put(m, "\n", 1, e) == -1)
			return -1;
		p = cr + 1;
		if (p < end && *p == '\n')
			p++;
		else if (p == end)
			m->cr = 1;
	}
	return streammap_put(m, p, (size_t)(end - p), e);
}

int
streammap_end_input(struct streammap *m, struct err *e)
{
	int rc = 0;

	if (m->last != -1 && m->last != '\n')
		rc = streammap_put(m, "\n", 1, e);
	m->last = -1;
	m->cr = 0;
	return rc;
}

int
streammap_finish(struct streammap *m, struct err *e)
{
	int rc = streamcmd_finish(m->cmd, e);

	streaming_env_free(m->env);
	free(m);
	return rc;
}

void
streammap_abort(struct streammap *m)
{
	if (m == NULL)
		return;
	streamcmd_abort(m->cmd);
	streaming_env_free(m->env);
	free(m);
}
