/*
 * jobfiles.c - the names of a job's files (see jobfiles.h).
 */
#include <stdio.h>

#include "jobfiles.h"

/* Whether dir names the current folder, where bare names are enough. */
static int
jobfiles_here(const char *dir)
{
	return dir == NULL || *dir == '\0' || (dir[0] == '.' && dir[1] == '\0');
}

/* rc of snprintf into size bytes: 0 when it fitted, else -1. */
static int
jobfiles_fits(int rc, size_t size)
{
	return rc >= 0 && (size_t)rc < size ? 0 : -1;
}

int
jobfiles_intermediate(char *buf, size_t size, const char *dir, uint32_t map,
    uint32_t partition)
{
	if (jobfiles_here(dir))
		return jobfiles_fits(snprintf(buf, size, "mr-%u-%u", map,
		    partition), size);
	return jobfiles_fits(snprintf(buf, size, "%s/mr-%u-%u", dir, map,
	    partition), size);
}

int
jobfiles_output(char *buf, size_t size, const char *dir, uint32_t partition)
{
	if (jobfiles_here(dir))
		return jobfiles_fits(snprintf(buf, size, "mr-out-%u", partition),
		    size);
	return jobfiles_fits(snprintf(buf, size, "%s/mr-out-%u", dir,
	    partition), size);
}
