/*
 * merge.h - k-way merge of sorted intermediate files.
 *
 * Reads several kvfile streams, each sorted by key (bytewise), and returns
 * their records in key order. Records with equal keys come in stream order,
 * so the result is deterministic. Memory is one read buffer per stream.
 */
#ifndef MR_MERGE_H
#define MR_MERGE_H

#include <stddef.h>

#include "err.h"
#include "kvfile.h"

struct merge;

/* Takes ownership of the n readers (closed by merge_free()). */
struct merge	*merge_new(struct kvreader **readers, size_t n);

/*
 * The next record in key order: 1 with pointers valid until the next call,
 * 0 when every stream is exhausted (and verified), -1 with e set when a
 * stream is corrupt or out of order.
 */
int	merge_next(struct merge *m, const char **key, size_t *keylen,
	    const char **value, size_t *valuelen, struct err *e);

/* Which stream the last record, or the last error, came from (an index into the readers given). */
size_t	merge_stream(const struct merge *m);

/* Closes every reader and frees m. NULL is fine. */
void	merge_free(struct merge *m);

#endif
