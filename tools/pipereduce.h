/*
 * pipereduce.h - mrpipe reduce and mrpipe combine: a plugin's reduce (or
 * combine) over KEY<TAB>VALUE lines sorted by key, as a Hadoop Streaming
 * reducer (or combiner).
 *
 * Consecutive lines with the same key are one group, whose values the
 * function reads one line at a time: nothing of a group is held but its
 * key and the line being read, so a key with millions of values costs no
 * memory. Keys must come in bytewise order (as Hadoop sorts them, and as
 * `LC_ALL=C sort` puts them when no key holds a byte below the tab): a key
 * before the previous line's is an error naming its line, not a second
 * group that would be reduced apart.
 */
#ifndef MR_PIPEREDUCE_H
#define MR_PIPEREDUCE_H

#include <stdio.h>

#include "err.h"
#include "linein.h"
#include "mapreduce.h"

/*
 * Reduces (combine 0) or combines (combine 1, app->combine not NULL) every
 * group of the lines of in, named `from` in messages, and writes to out:
 * reduce's records as lines "KEY VALUE", exactly as mrsequential writes
 * mr-out-0; combine's as lines KEY<TAB>VALUE (streamline.h), of the key it
 * was given only. Counters are checked after each call (sdk.h). Returns 0,
 * or -1 with e saying "FROM:LINE: ..." for an unsorted key, a function
 * that failed (naming its key), a record combine may not emit, or a
 * misused counter, or naming the read or write error.
 */
int	pipereduce_run(const struct mr_app *app, int combine,
	    struct linein *in, const char *from, FILE *out, struct err *e);

#endif
