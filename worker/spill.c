/*
 * spill.c - names of a map task's spilled runs (see spill.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"
#include "spill.h"

#define SPILL_RUN "run-"

void
spill_name(unsigned out, unsigned run, uint32_t part, char *buf, size_t len)
{
	snprintf(buf, len, SAFEFILE_PREFIX SPILL_RUN "%d-%u-%u-%u",
	    (int)getpid(), out, run, part);
}

void
spill_remove(pid_t pid)
{
	char mine[64];
	const char *name;
	struct dirent *de;
	size_t n;
	DIR *d;

	n = (size_t)snprintf(mine, sizeof mine, SAFEFILE_PREFIX SPILL_RUN
	    "%d-", (int)pid);
	if ((d = opendir(".")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		name = de->d_name;
		/* A run's temporary name is its name behind the prefix. */
		if (strncmp(name, SAFEFILE_PREFIX SAFEFILE_PREFIX,
		    2 * strlen(SAFEFILE_PREFIX)) == 0)
			name += strlen(SAFEFILE_PREFIX);
		if (strncmp(name, mine, n) == 0)
			unlink(de->d_name);
	}
	closedir(d);
}
