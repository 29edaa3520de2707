/*
 * stamp.c - file stamps and the sentence naming how two of them differ.
 */
#include <stdio.h>

#include "stamp.h"

void
stamp_of(const struct stat *st, struct stamp *s)
{
	s->size = (uint64_t)st->st_size;
	s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
	    st->st_mtim.tv_nsec;
	s->ino = (uint64_t)st->st_ino;
	s->dev = (uint64_t)st->st_dev;
}

int
stamp_same(const struct stamp *a, const struct stamp *b)
{
	return a->size == b->size && a->mtime_ns == b->mtime_ns &&
	    a->ino == b->ino && a->dev == b->dev;
}

void
stamp_diff(const struct stamp *was, const struct stamp *now, char *buf,
    size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (was->ino != now->ino || was->dev != now->dev) {
		if (was->size != now->size)
			snprintf(buf, size, "replaced by another file (inode "
			    "%llu -> %llu, size %llu -> %llu bytes)",
			    (unsigned long long)was->ino,
			    (unsigned long long)now->ino,
			    (unsigned long long)was->size,
			    (unsigned long long)now->size);
		else
			snprintf(buf, size, "replaced by another file (inode "
			    "%llu -> %llu)", (unsigned long long)was->ino,
			    (unsigned long long)now->ino);
	} else if (was->size != now->size)
		snprintf(buf, size, "size %llu -> %llu bytes",
		    (unsigned long long)was->size,
		    (unsigned long long)now->size);
	else if (was->mtime_ns != now->mtime_ns)
		snprintf(buf, size, "modified (same size, new modification "
		    "time)");
}
