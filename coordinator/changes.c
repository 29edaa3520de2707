/*
 * changes.c - the record of inputs read while changed (see changes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "log.h"

/* Inputs whose changes the summary lists; more are counted only. */
#define CHANGES_LISTED 10

struct change {
	uint64_t	 bytes;		/* read by the accepted attempt */
	const char	*input;		/* borrowed: lives as long as the job */
	char		*what;		/* NULL: unchanged */
};

struct changes {
	struct change	*v;
	uint32_t	 n;
};

struct changes *
changes_new(uint32_t nmap)
{
	struct changes *c = xcalloc(1, sizeof *c);

	c->v = xcalloc(nmap != 0 ? nmap : 1, sizeof *c->v);
	c->n = nmap;
	return c;
}

void
changes_free(struct changes *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		free(c->v[i].what);
	free(c->v);
	free(c);
}

void
changes_record(struct changes *c, uint32_t map, const char *input,
    uint64_t bytes, const char *what)
{
	struct change *ch;

	if (map >= c->n)
		return;
	ch = &c->v[map];
	free(ch->what);
	ch->what = what != NULL && *what != '\0' ? xstrdup(what) : NULL;
	ch->input = input;
	ch->bytes = bytes;
}

void
changes_record_inputs(struct changes *c, uint32_t map,
    const struct tasks_input *in, uint32_t n, uint64_t bytes,
    const char *what)
{
	const char *input = n > 0 ? in[0].name : "";
	size_t len;

	for (uint32_t j = 0; n > 1 && what != NULL && j < n; j++) {
		len = strlen(in[j].name);
		if (strncmp(what, in[j].name, len) == 0 &&
		    strncmp(what + len, ": ", 2) == 0) {
			input = in[j].name;
			what += len + 2;
			break;
		}
	}
	changes_record(c, map, input, bytes, what);
}

uint32_t
changes_count(const struct changes *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n; i++)
		n += c->v[i].what != NULL;
	return n;
}

uint64_t
changes_bytes_read(const struct changes *c)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < c->n; i++)
		n += c->v[i].bytes;
	return n;
}

void
changes_summary(const struct changes *c, uint64_t planned)
{
	uint32_t tasks = changes_count(c), listed = 0, more = 0;
	const char *last = NULL;

	if (tasks == 0)
		return;
	log_warn("--allow-changing-inputs: %u map task%s read inputs that "
	    "changed after the job was planned: %llu bytes read, %llu "
	    "planned", tasks, tasks == 1 ? "" : "s",
	    (unsigned long long)changes_bytes_read(c),
	    (unsigned long long)planned);
	/* Splits of one input are consecutive tasks: name it once. */
	for (uint32_t i = 0; i < c->n; i++) {
		if (c->v[i].what == NULL ||
		    (last != NULL && strcmp(last, c->v[i].input) == 0))
			continue;
		last = c->v[i].input;
		if (listed++ < CHANGES_LISTED)
			log_warn("changed: %s: %s", c->v[i].input,
			    c->v[i].what);
		else
			more++;
	}
	if (more > 0)
		log_warn("changed: %u more input(s)", more);
}
