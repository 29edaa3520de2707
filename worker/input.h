/*
 * input.h - an input file mapped into memory, read-only.
 */
#ifndef MR_INPUT_H
#define MR_INPUT_H

#include <stddef.h>

#include "err.h"

/*
 * Maps the whole of `path`; an empty file gives data NULL and len 0.
 * Returns 0, or -1 with e naming the file.
 */
int	input_map(const char *path, const char **data, size_t *len,
	    struct err *e);

/* Tells the kernel that data[start..end) is about to be read in order. */
void	input_advise(const char *data, size_t len, size_t start, size_t end);

/* Releases what input_map() returned. */
void	input_unmap(const char *data, size_t len);

#endif
