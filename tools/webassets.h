/*
 * webassets.h - the files of the page (tools/webui/), built into mrctl so
 * that it serves them with no file beside it and no network access.
 * $(B)/gen/webassets.c, made by scripts/embed at build time, holds them.
 */
#ifndef MR_WEBASSETS_H
#define MR_WEBASSETS_H

#include <stddef.h>

struct webasset {
	const char		*path;		/* "/app.js" */
	const char		*type;		/* its Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct webasset webassets[];
extern const size_t webassets_count;

/* The asset served at `path` ("/" is /index.html), or NULL. */
const struct webasset *webassets_find(const char *path);

#endif
