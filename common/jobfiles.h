/*
 * jobfiles.h - the names of a job's files: the intermediate mr-X-Y (map
 * task X's records of partition Y) and the outputs mr-out-Y (reduce task
 * Y's, or a map-only job's map task Y's). Every program names them
 * through here, so that a name is spelled once.
 */
#ifndef MR_JOBFILES_H
#define MR_JOBFILES_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any name below: a folder of PATH_MAX and the file's name. */
#define JOBFILES_PATH_MAX (PATH_MAX + 32)

/*
 * Writes "DIR/mr-X-Y" into buf[0..size), or "mr-X-Y" when dir is NULL,
 * empty or ".". Returns 0, or -1 when it does not fit (buf then holds a
 * cut name, to be used for nothing but a message).
 */
int	jobfiles_intermediate(char *buf, size_t size, const char *dir,
	    uint32_t map, uint32_t partition);

/* The same for "DIR/mr-out-Y". */
int	jobfiles_output(char *buf, size_t size, const char *dir,
	    uint32_t partition);

#endif
