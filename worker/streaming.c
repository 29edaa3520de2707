/*
 * streaming.c - a worker's streaming job: its working folder and the
 * environment of its commands (see streaming.h).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "streamcmd.h"
#include "streaming.h"
#include "taskstatus.h"
#include "workdir.h"

extern char **environ;

/* The variables of a map task's input, which no reduce task gets. */
static const char *const streaming_map_vars[] = {
	"mapreduce_map_input_file", "map_input_file",
	"mapreduce_map_input_start", "mapreduce_map_input_length"
};

struct streaming *
streaming_new(const struct streamopts *so, struct err *e)
{
	struct streaming *s = xcalloc(1, sizeof *s);
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	const char *name;

	s->mapper = so->mapper;
	s->combiner = so->combiner;
	s->map_only = streamopts_map_only(so);
	s->reducer = s->map_only ? NULL : so->reducer;
	s->cmdenv = so->cmdenv;
	s->ncmdenv = so->ncmdenv;
	s->lock = -1;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	/* What workers of ours killed by SIGKILL left behind. */
	workdir_sweep(tmp);
	if (workdir_make(tmp, path, sizeof path, &s->lock, e) == -1) {
		free(s);
		return NULL;
	}
	s->dir = xstrdup(path);
	s->copies = xcalloc(so->nfiles + 1, sizeof *s->copies);
	/* Copies, once per worker: a command may write to its file. */
	for (size_t i = 0; i < so->nfiles; i++) {
		name = streamopts_file_name(so->files[i]);
		snprintf(path, sizeof path, "%s/%.*s", s->dir,
		    (int)strcspn(name, "/"), name);
		if (workdir_copy(so->files[i], path, e) == -1)
			goto fail;
		s->copies[s->ncopies++] = xstrdup(path);
	}
	return s;

fail:
	streaming_free(s);
	return NULL;
}

void
streaming_remove(const struct streaming *s)
{
	for (size_t i = 0; i < s->ncopies; i++)
		unlink(s->copies[i]);
	/* What a command left there (a scratch file) stays, and so does it. */
	rmdir(s->dir);
}

void
streaming_free(struct streaming *s)
{
	if (s == NULL)
		return;
	if (s->dir != NULL) {
		streaming_remove(s);
		if (access(s->dir, F_OK) == 0)
			log_warn("%s: not removed: the commands left files "
			    "there", s->dir);
	}
	if (s->lock != -1)
		close(s->lock);
	for (size_t i = 0; i < s->ncopies; i++)
		free(s->copies[i]);
	free(s->copies);
	free(s->dir);
	free(s);
}

void
streaming_env_name(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		out[i] = isalnum((unsigned char)name[i]) && (unsigned char)
		    name[i] < 0x80 ? name[i] : '_';
	out[i] = '\0';
}

/* Whether the variable `entry` ("NAME=...") is named name[0..n). */
static int
streaming_named(const char *entry, const char *name, size_t n)
{
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* Sets NAME=VALUE in env (of *n entries, room for them all), replacing. */
static void
streaming_set(char **env, size_t *n, const char *name, size_t namelen,
    const char *value)
{
	char *entry;

	entry = xmalloc(namelen + strlen(value) + 2);
	memcpy(entry, name, namelen);
	entry[namelen] = '=';
	strcpy(entry + namelen + 1, value);
	for (size_t i = 0; i < *n; i++)
		if (streaming_named(env[i], name, namelen)) {
			free(env[i]);
			env[i] = entry;
			return;
		}
	env[(*n)++] = entry;
}

static void
streaming_setf(char **env, size_t *n, const char *name, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
streaming_setf(char **env, size_t *n, const char *name, const char *fmt, ...)
{
	char value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	streaming_set(env, n, name, strlen(name), value);
}

char **
streaming_env(const struct streaming *s, const struct streaming_task *t)
{
	size_t nenv = 0, n = 0, room;
	char **env, name[256], id[64];
	const char *eq;
	int ours;

	while (environ[nenv] != NULL)
		nenv++;
	room = nenv + 16 + t->nparams + s->ncmdenv + 1;
	env = xcalloc(room, sizeof *env);
	for (size_t i = 0; i < nenv; i++) {
		ours = 0;
		for (size_t k = 0; k < sizeof streaming_map_vars /
		    sizeof *streaming_map_vars; k++)
			if (streaming_named(environ[i], streaming_map_vars[k],
			    strlen(streaming_map_vars[k])))
				ours = 1;
		if (!ours)
			env[n++] = xstrdup(environ[i]);
	}
	/* Hadoop's names of the same kind: job_ID_N, task_ID_N_m_XXXXXX. */
	snprintf(id, sizeof id, "%016" PRIx64 "_0001", t->job);
	streaming_setf(env, &n, "mapreduce_job_id", "job_%s", id);
	streaming_setf(env, &n, "mapreduce_task_id", "task_%s_%c_%06" PRIu32,
	    id, t->map ? 'm' : 'r', t->id);
	/* Hadoop's last number: the attempt's place among its task's tries. */
	streaming_setf(env, &n, "mapreduce_task_attempt_id",
	    "attempt_%s_%c_%06" PRIu32 "_%" PRIu32, id, t->map ? 'm' : 'r',
	    t->id, t->attempt_index);
	streaming_setf(env, &n, "mapreduce_task_partition", "%" PRIu32, t->id);
	streaming_setf(env, &n, "mapreduce_task_ismap", "%s",
	    t->map ? "true" : "false");
	if (t->map) {
		streaming_set(env, &n, "mapreduce_map_input_file",
		    strlen("mapreduce_map_input_file"), t->input);
		streaming_set(env, &n, "map_input_file",
		    strlen("map_input_file"), t->input);
		streaming_setf(env, &n, "mapreduce_map_input_start",
		    "%" PRIu64, t->start);
		streaming_setf(env, &n, "mapreduce_map_input_length",
		    "%" PRIu64, t->length);
	}
	for (size_t i = 0; i < t->nparams; i++) {
		streaming_env_name(t->params[2 * i], name, sizeof name);
		streaming_set(env, &n, name, strlen(name), t->params[2 * i + 1]);
	}
	for (size_t i = 0; i < s->ncmdenv; i++) {
		eq = strchr(s->cmdenv[i], '=');
		streaming_set(env, &n, s->cmdenv[i],
		    (size_t)(eq - s->cmdenv[i]), eq + 1);
	}
	env[n] = NULL;
	return env;
}

void
streaming_env_free(char **env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* The status hooks of a command: the task's status line. */
static void
streaming_status(void *arg, const char *text, size_t len)
{
	(void)arg;
	taskstatus_set(text, len);
}

static void
streaming_progress(void *arg)
{
	(void)arg;
	taskstatus_touch();
}

static int
streaming_wait_ms(void *arg)
{
	(void)arg;
	return taskstatus_wait_ms();
}

static void
streaming_tick(void *arg)
{
	(void)arg;
	taskstatus_tick();
}

void
streaming_cmd_conf(const struct streaming *s, const char *role,
    const char *command, uint64_t attempt, char **env,
    struct streamcmd_conf *c, char *label, size_t labellen)
{
	memset(c, 0, sizeof *c);
	snprintf(label, labellen, "attempt %" PRIu64 ": %s", attempt, role);
	c->role = role;
	c->command = command;
	c->dir = s->dir;
	c->env = env;
	c->label = label;
	c->status = streaming_status;
	c->progress = streaming_progress;
	c->wait_ms = streaming_wait_ms;
	c->tick = streaming_tick;
}
