/*
 * streamreduce.c - the reducer command of a reduce task (see
 * streamreduce.h).
 */
#include <stdlib.h>

#include "log.h"
#include "sdk.h"
#include "streamreduce.h"

struct streamreduce {
	struct streamcmd *cmd;		/* NULL: the identity */
	struct output	*out;
	char		**env;
	char		 label[64];
};

static int
streamreduce_raw(void *arg, const char *p, size_t len, struct err *e)
{
	struct streamreduce *r = arg;

	if (output_write(r->out, p, len) == -1) {
		output_failed(r->out, e);
		return -1;
	}
	return 0;
}

struct streamreduce *
streamreduce_start(const struct streaming *s, const struct streaming_task *t,
    struct output *out, struct err *e)
{
	struct streamreduce *r = xcalloc(1, sizeof *r);
	struct streamcmd_conf c;

	r->out = out;
	if (s->reducer == NULL)
		return r;
	r->env = streaming_env(s, t);
	streaming_cmd_conf(s, "reducer", s->reducer, t->attempt, r->env, &c,
	    r->label, sizeof r->label);
	c.raw = streamreduce_raw;
	c.arg = r;
	if ((r->cmd = streamcmd_start(&c, e)) == NULL) {
		streaming_env_free(r->env);
		free(r);
		return NULL;
	}
	return r;
}

int
streamreduce_lines(struct streamcmd *cmd, const char *key, size_t keylen,
    mr_values *values, struct err *e)
{
	const char *v;
	size_t vlen;
	int rc;

	while ((rc = mr_values_next(values, &v, &vlen)) == 1)
		if (streamcmd_write_record(cmd, key, keylen, v, vlen, e) == -1)
			return -1;
	if (rc == -1) {
		err_set(e, "reading the records of a key failed");
		return -1;
	}
	return 0;
}

int
streamreduce_group(struct streamreduce *r, const char *key, size_t keylen,
    mr_values *values, struct err *e)
{
	const char *v;
	size_t vlen;
	int rc;

	if (r->cmd != NULL)
		return streamreduce_lines(r->cmd, key, keylen, values, e);
	while ((rc = mr_values_next(values, &v, &vlen)) == 1)
		if (output_write(r->out, key, keylen) == -1 ||
		    output_write(r->out, "\t", 1) == -1 ||
		    output_write(r->out, v, vlen) == -1 ||
		    output_write(r->out, "\n", 1) == -1) {
			output_failed(r->out, e);
			return -1;
		}
	if (rc == -1) {
		err_set(e, "reading the records of a key failed");
		return -1;
	}
	return 0;
}

int
streamreduce_finish(struct streamreduce *r, struct err *e)
{
	int rc = r->cmd != NULL ? streamcmd_finish(r->cmd, e) : 0;

	streaming_env_free(r->env);
	free(r);
	return rc;
}

void
streamreduce_abort(struct streamreduce *r)
{
	if (r == NULL)
		return;
	streamcmd_abort(r->cmd);
	streaming_env_free(r->env);
	free(r);
}
