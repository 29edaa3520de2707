/*
 * plugin.c - find an application by name, dlopen it and validate its
 * descriptor.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "plugin.h"

/*
 * The Makefile sets this from PREFIX and rebuilds this file when PREFIX
 * changes; the default only serves builds that do not go through it.
 */
#ifndef MR_PLUGIN_DIR
#define MR_PLUGIN_DIR "/usr/local/lib/mapreduce"
#endif

/* One lookup of a bare name: where the candidate goes, where we looked. */
struct plugin_search {
	const char	*name;
	char		*out;
	size_t		 outlen;
	char		 tried[ERR_MAX];
};

/*
 * The descriptor of a version 1 plugin: the fields of struct mr_app up to
 * combine. Reading a version 2 descriptor over it would read past the
 * plugin's symbol.
 */
struct plugin_app_v1 {
	uint32_t	 abi_version;
	const char	*name;
	mr_map_fn	 map;
	mr_reduce_fn	 reduce;
	mr_reduce_fn	 combine;
};

struct plugin {
	void			*handle;
	struct mr_app		 app;	/* the plugin's, as version 2 */
};

const char *
plugin_dir(void)
{
	return MR_PLUGIN_DIR;
}

/*
 * Sets s->out to dir/NAME.so (dir is not NUL-terminated) and notes it as
 * tried. Returns 1 when it is a regular file, 0 when not, -1 when the path
 * does not fit.
 */
static int
plugin_try(struct plugin_search *s, const char *dir, size_t dirlen,
    struct err *e)
{
	struct stat st;
	const char *sep = dirlen > 0 && dir[dirlen - 1] == '/' ? "" : "/";
	size_t used;
	int n;

	if (dirlen >= s->outlen ||
	    (n = snprintf(s->out, s->outlen, "%.*s%s%s.so", (int)dirlen, dir,
	    sep, s->name)) < 0 || (size_t)n >= s->outlen) {
		err_set(e, "%s: path too long in plugin folder %.*s%s",
		    s->name, dirlen > 64 ? 64 : (int)dirlen, dir,
		    dirlen > 64 ? "..." : "");
		return -1;
	}
	/* The list may be cut short: it only feeds an error message. */
	used = strlen(s->tried);
	snprintf(s->tried + used, sizeof s->tried - used, "%s%s",
	    used > 0 ? ", " : "", s->out);
	return stat(s->out, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The apps folder next to the running program: build/apps/ for the
 * programs in build/. From /proc/self/exe rather than argv[0], which may be
 * relative to a folder we left or found through PATH.
 */
static int
plugin_exe_apps(char *dir, size_t size)
{
	ssize_t n;
	char *slash;

	if (size < sizeof "/apps")
		return -1;
	n = readlink("/proc/self/exe", dir, size - sizeof "/apps");
	if (n <= 0 || (size_t)n >= size - sizeof "/apps")
		return -1;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	strcpy(slash, "/apps");
	return 0;
}

int
plugin_find(const char *app, char *out, size_t outlen, struct err *e)
{
	struct plugin_search s;
	const char *p, *next;
	char exe[PATH_MAX];
	size_t len;
	int rc;

	len = strlen(app);
	if (len == 0) {
		err_set(e, "empty plugin name");
		return -1;
	}
	/* A path, or a file in the current folder, as plugin_load() takes. */
	if (strchr(app, '/') != NULL ||
	    (len >= 3 && strcmp(app + len - 3, ".so") == 0)) {
		if (len >= outlen) {
			err_set(e, "%.64s...: plugin path too long", app);
			return -1;
		}
		memcpy(out, app, len + 1);
		return 0;
	}

	s.name = app;
	s.out = out;
	s.outlen = outlen;
	s.tried[0] = '\0';
	/*
	 * Unlike in PATH, an empty entry is not the current folder: a stray
	 * colon must not make the plugin depend on where a worker started.
	 */
	for (p = getenv("MR_PLUGIN_PATH"); p != NULL && *p != '\0'; p = next) {
		len = strcspn(p, ":");
		next = p[len] == ':' ? p + len + 1 : p + len;
		if (len > 0 && (rc = plugin_try(&s, p, len, e)) != 0)
			return rc == 1 ? 0 : -1;
	}
	if ((rc = plugin_try(&s, MR_PLUGIN_DIR, strlen(MR_PLUGIN_DIR), e)) != 0)
		return rc == 1 ? 0 : -1;
	if (plugin_exe_apps(exe, sizeof exe) == 0 &&
	    (rc = plugin_try(&s, exe, strlen(exe), e)) != 0)
		return rc == 1 ? 0 : -1;
	err_set(e, "%s: no such plugin (tried %s); give its path or add its "
	    "folder to MR_PLUGIN_PATH", app, s.tried);
	return -1;
}

struct plugin *
plugin_load(const char *path, struct err *e)
{
	struct plugin_app_v1 v1;
	struct plugin *p;
	struct stat st;
	const void *desc;
	uint32_t version;
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
	desc = dlsym(p->handle, MR_APP_SYMBOL);
	if (desc == NULL) {
		err_set(e, "%s: not a MapReduce plugin (no %s symbol)", path,
		    MR_APP_SYMBOL);
		goto fail;
	}
	/* The version is the first field of every version's descriptor. */
	memcpy(&version, desc, sizeof version);
	if (version == 1) {
		memcpy(&v1, desc, sizeof v1);
		p->app.abi_version = v1.abi_version;
		p->app.name = v1.name;
		p->app.map = v1.map;
		p->app.reduce = v1.reduce;
		p->app.combine = v1.combine;
	} else if (version == MR_ABI_VERSION)
		memcpy(&p->app, desc, sizeof p->app);
	else {
		err_set(e, "%s: built for plugin interface version %u, "
		    "this program supports versions 1 to %u", path,
		    (unsigned)version, (unsigned)MR_ABI_VERSION);
		goto fail;
	}
	if (p->app.map == NULL || p->app.reduce == NULL) {
		err_set(e, "%s: plugin has no %s function", path,
		    p->app.map == NULL ? "map" : "reduce");
		goto fail;
	}
	if (p->app.name == NULL)
		p->app.name = "unnamed";
	return p;
fail:
	plugin_close(p);
	return NULL;
}

int
plugin_digest(const char *path, char *out, size_t outlen, struct err *e)
{
	uint8_t buf[64 * 1024];
	unsigned long long size = 0;
	uint32_t crc = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_sys(e, "%s", path);
		return -1;
	}
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_sys(e, "%s: read", path);
			goto fail;
		}
		if (n == 0)
			break;
		crc = crc32c(crc, buf, (size_t)n);
		size += (unsigned long long)n;
	}
	snprintf(out, outlen, "crc32c:%08x size:%llu", (unsigned)crc, size);
	rc = 0;
fail:
	close(fd);
	return rc;
}

const struct mr_app *
plugin_app(const struct plugin *p)
{
	return &p->app;
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
