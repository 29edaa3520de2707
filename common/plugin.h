/*
 * plugin.h - loading an application shared object (see mapreduce.h).
 */
#ifndef MR_PLUGIN_H
#define MR_PLUGIN_H

#include "err.h"
#include "mapreduce.h"

struct plugin;

/*
 * Loads the plugin at `path` (a name without a slash means the current
 * folder) and checks its descriptor. Returns NULL with e naming the file
 * when it is missing, not a loadable library, not a plugin, or built for
 * another MR_ABI_VERSION.
 */
struct plugin	*plugin_load(const char *path, struct err *e);

/* The application's descriptor. */
const struct mr_app *plugin_app(const struct plugin *p);

/* Unloads; NULL is fine. */
void	plugin_close(struct plugin *p);

#endif
