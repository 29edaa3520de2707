/*
 * streamcombine.c - the combiner command of a map task (see
 * streamcombine.h).
 */
#include <string.h>

#include "log.h"
#include "sdk.h"
#include "streamcmd.h"
#include "streamcombine.h"
#include "streammap.h"
#include "streamreduce.h"

struct streamcombine {
	struct streamcmd *cmd;
	struct mapout	*out;		/* what the combiner writes */
	int		 failed;	/* e holds why */
	struct err	*e;
};

static int
streamcombine_line(void *arg, const char *p, size_t len, struct err *e)
{
	struct streamcombine *sc = arg;

	return streammap_record(sc->out, p, len, e);
}

/* One key's records, as lines on the combiner's input. */
static int
streamcombine_group(void *arg, const char *key, size_t keylen,
    mr_values *values)
{
	struct streamcombine *sc = arg;

	if (streamreduce_lines(sc->cmd, key, keylen, values, sc->e) == -1) {
		sc->failed = 1;
		return -1;
	}
	return 0;
}

int
streamcombine_write(const struct streaming *s, const struct streaming_task *t,
    struct mapout *mo, uint32_t map_id, size_t memory, uint64_t job,
    uint64_t *bytes, struct err *e)
{
	struct streamcombine sc;
	struct streamcmd_conf c;
	char **env, label[64];
	struct err we;
	int rc = -1;

	memset(&sc, 0, sizeof sc);
	sc.e = e;
	sc.out = mapout_new_bounded(mapout_nparts(mo), NULL, memory / 4 > 0 ?
	    memory / 4 : 1);
	mapout_set_job(sc.out, job);
	env = streaming_env(s, t);
	streaming_cmd_conf(s, "combiner", s->combiner, t->attempt, env, &c,
	    label, sizeof label);
	c.line = streamcombine_line;
	c.arg = &sc;
	if ((sc.cmd = streamcmd_start(&c, e)) == NULL)
		goto out;
	if (mapout_walk(mo, streamcombine_group, &sc, &we) == -1) {
		/* The combiner's own words, else the run's. */
		if (!sc.failed)
			*e = we;
		streamcmd_abort(sc.cmd);
		goto out;
	}
	if (streamcmd_finish(sc.cmd, e) == -1)
		goto out;
	rc = mapout_write(sc.out, map_id, NULL, bytes, e);
out:
	streaming_env_free(env);
	mapout_free(sc.out);
	return rc;
}
