/*
 * stamp.h - what an input file is at one moment (size, modification time,
 * inode), so that a change between two moments can be named.
 *
 * The coordinator stamps every input when it plans the job; a map attempt
 * compares the file with that stamp before it reads and again after, so an
 * input truncated, grown, rewritten or replaced under a job is noticed
 * rather than silently read in part.
 */
#ifndef MR_STAMP_H
#define MR_STAMP_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

struct stamp {
	uint64_t	 size;		/* bytes */
	int64_t		 mtime_ns;	/* modification time, ns since the epoch */
	uint64_t	 ino;
	uint64_t	 dev;
};

/* The stamp of a file as fstat() or stat() gave it. */
void	stamp_of(const struct stat *st, struct stamp *s);

/* 1 when a and b describe the same file in the same state, else 0. */
int	stamp_same(const struct stamp *a, const struct stamp *b);

/*
 * Writes into buf (always NUL-terminated) what differs from `was` to `now`,
 * the most telling first: "replaced by another file (inode 12 -> 34)",
 * "size 1000 -> 500 bytes" or "modified (same size, new modification
 * time)". Writes "" when nothing does.
 */
void	stamp_diff(const struct stamp *was, const struct stamp *now, char *buf,
	    size_t size);

#endif
