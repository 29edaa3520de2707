/*
 * plugin.c - dlopen an application and validate its descriptor.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin.h"

struct plugin {
	void			*handle;
	const struct mr_app	*app;
};

struct plugin *
plugin_load(const char *path, struct err *e)
{
	struct plugin *p;
	struct stat st;
	char *file;
	const char *why;

	/* dlopen() would search the library path for a bare name. */
	if (strchr(path, '/') == NULL) {
		file = xmalloc(strlen(path) + 3);
		sprintf(file, "./%s", path);
	} else
		file = xstrdup(path);
	if (stat(file, &st) == -1) {
		err_sys(e, "%s", path);
		free(file);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file", path);
		free(file);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (p->handle == NULL) {
		why = dlerror();
		if (why == NULL)
			why = "unknown error";
		/* dlerror() usually starts with the file name already. */
		if (strncmp(why, file, strlen(file)) == 0 &&
		    strncmp(why + strlen(file), ": ", 2) == 0)
			why += strlen(file) + 2;
		err_set(e, "%s: cannot load: %s", path, why);
		free(file);
		goto fail;
	}
	free(file);
	p->app = dlsym(p->handle, MR_APP_SYMBOL);
	if (p->app == NULL) {
		err_set(e, "%s: not a MapReduce plugin (no %s symbol)", path,
		    MR_APP_SYMBOL);
		goto fail;
	}
	if (p->app->abi_version != MR_ABI_VERSION) {
		err_set(e, "%s: built for plugin interface version %u, "
		    "this program supports version %u", path,
		    (unsigned)p->app->abi_version, (unsigned)MR_ABI_VERSION);
		goto fail;
	}
	if (p->app->map == NULL || p->app->reduce == NULL) {
		err_set(e, "%s: plugin has no %s function", path,
		    p->app->map == NULL ? "map" : "reduce");
		goto fail;
	}
	return p;
fail:
	plugin_close(p);
	return NULL;
}

const struct mr_app *
plugin_app(const struct plugin *p)
{
	return p->app;
}

void
plugin_close(struct plugin *p)
{
	if (p == NULL)
		return;
	if (p->handle != NULL)
		dlclose(p->handle);
	free(p);
}
