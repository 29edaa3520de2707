/*
 * jobfind.c - finding the coordinator's socket for mrctl (see jobfind.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobfind.h"
#include "log.h"
#include "peercred.h"
#include "sockpath.h"

int
jobfind_answers(const struct sockaddr_un *addr)
{
	int fd, ok, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	ok = connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0;
	saved = errno;
	close(fd);
	errno = saved;	/* why not, for the caller's message */
	return ok;
}

/* Whether `path` is a socket a coordinator answers on, in a folder of ours. */
static int
jobfind_live(const char *dir, const char *name, char *path, size_t size,
    struct sockaddr_un *addr)
{
	struct stat st;
	struct err e;
	int n;

	n = snprintf(path, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return 0;
	/*
	 * Only our own private folders, as mrrun makes them: another user's,
	 * or one others may write in, could hold anything.
	 */
	if (sockpath_check_dir(path, &e) == -1)
		return 0;
	n = snprintf(path, size, "%s/%s/mr.sock", dir, name);
	if (n < 0 || (size_t)n >= size)
		return 0;
	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    !peercred_trusted(st.st_uid))
		return 0;
	if (sockpath_resolve(path, SOCKPATH_CHECK, addr, &e) != 0)
		return 0;
	return jobfind_answers(addr);
}

/* Collects the live mrrun sockets of this user; sorted, for a stable list. */
static void
jobfind_mrrun(struct jobfind *f)
{
	const char *dir = sockpath_run_tmpdir();
	struct sockaddr_un addr;
	struct dirent *de;
	char path[sizeof addr.sun_path + 64];
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "mrrun-", 6) != 0)
			continue;
		if (!jobfind_live(dir, de->d_name, path, sizeof path, &addr))
			continue;
		f->jobs = xrealloc(f->jobs, (f->njobs + 1) * sizeof *f->jobs);
		f->jobs[f->njobs++] = xstrdup(path);
		f->addr = addr;
	}
	closedir(d);
	for (size_t i = 1; i < f->njobs; i++)
		for (size_t j = i; j > 0 && strcmp(f->jobs[j - 1],
		    f->jobs[j]) > 0; j--) {
			char *tmp = f->jobs[j];

			f->jobs[j] = f->jobs[j - 1];
			f->jobs[j - 1] = tmp;
		}
}

enum jobfind_result
jobfind_socket(const char *option, struct jobfind *f, struct err *e)
{
	const char *env = getenv("MR_SOCKET");
	int saved;

	memset(f, 0, sizeof *f);
	if (sockpath_resolve(option, SOCKPATH_CHECK, &f->addr, e) != 0)
		return JOBFIND_ERROR;
	/* A socket named by the user is the one to use, answering or not. */
	if (option != NULL || (env != NULL && *env != '\0'))
		return JOBFIND_FOUND;
	if (jobfind_answers(&f->addr))
		return JOBFIND_FOUND;
	saved = errno;
	jobfind_mrrun(f);
	if (f->njobs == 1)
		return JOBFIND_FOUND;
	if (f->njobs > 1)
		return JOBFIND_SEVERAL;
	err_set(e, "no coordinator at %s (%s), and no mrrun job of yours in "
	    "%s; give --socket PATH", f->addr.sun_path, strerror(saved),
	    sockpath_run_tmpdir());
	return JOBFIND_ERROR;
}

void
jobfind_free(struct jobfind *f)
{
	for (size_t i = 0; i < f->njobs; i++)
		free(f->jobs[i]);
	free(f->jobs);
	f->jobs = NULL;
	f->njobs = 0;
}
