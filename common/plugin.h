/*
 * plugin.h - loading an application shared object (see mapreduce.h).
 */
#ifndef MR_PLUGIN_H
#define MR_PLUGIN_H

#include "err.h"
#include "mapreduce.h"

struct plugin;

/*
 * Finds the plugin named by a command line's PLUGIN argument and puts the path
 * to give plugin_load() in out. An argument holding a '/' or ending in
 * ".so" is a path used as is (so a bare "wc.so" is the file in the current
 * folder). A bare name such as "wc" is looked for as wc.so in each folder
 * of $MR_PLUGIN_PATH (colon-separated, empty entries ignored), then in the
 * installed plugin folder (plugin_dir()), then in the apps folder next to
 * the running program (build/apps/ for build/mrworker); the first regular
 * file wins. Returns -1 with e listing every place tried when none has it,
 * or when a path does not fit in outlen bytes.
 */
int	plugin_find(const char *app, char *out, size_t outlen, struct err *e);

/* The installed plugin folder, PREFIX/lib/mapreduce as built. */
const char *plugin_dir(void);

/*
 * Loads the plugin at `path` (a name without a slash means the current
 * folder) and checks its descriptor. Returns NULL with e naming the file
 * when it is missing, not a loadable library, not a plugin, or built for
 * a version of the interface other than 1 to MR_ABI_VERSION.
 */
struct plugin	*plugin_load(const char *path, struct err *e);

/*
 * The application's descriptor as this version of mapreduce.h lays it
 * out, whatever version the plugin was built for: a version 1 plugin's
 * has init, fini and partition NULL (abi_version still says 1). Its name
 * is never NULL. Owned by p.
 */
const struct mr_app *plugin_app(const struct plugin *p);

/* Room for plugin_digest()'s text, its NUL included. */
#define PLUGIN_DIGEST_MAX 48

/*
 * What the file at `path` is, as workers tell their coordinator (Hello):
 * "crc32c:%08x size:%llu", the CRC-32C and the count of all its bytes,
 * into out (PLUGIN_DIGEST_MAX bytes). Two workers whose digests match run
 * the same plugin, wherever their copies live. Returns 0, or -1 with e
 * naming the file when it cannot be read.
 */
int	plugin_digest(const char *path, char *out, size_t outlen,
	    struct err *e);

/* Unloads; NULL is fine. */
void	plugin_close(struct plugin *p);

#endif
