/*
 * split.c - the plan of an input's splits and the cut between two of them
 * (see split.h).
 */
#include <stdlib.h>
#include <string.h>

#include "split.h"

/* An ASCII byte that is not a letter: no word of any script contains it. */
static int
split_gap(unsigned char c)
{
	return c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

size_t
split_cut(const char *data, size_t len, size_t off)
{
	const char *nl;
	size_t from, to, q;

	if (off == 0 || off >= len)
		return off == 0 ? 0 : len;
	from = off - 1;
	to = len - from > SPLIT_SEEK_MAX ? from + SPLIT_SEEK_MAX : len;
	nl = memchr(data + from, '\n', to - from);
	if (nl != NULL)
		return (size_t)(nl - data) + 1;
	/* The last line, unterminated, stays whole with the split it began in. */
	if (to == len)
		return len;
	for (q = from; q < to; q++)
		if (split_gap((unsigned char)data[q]))
			return q + 1;
	for (q = off; q <= off + 3; q++)
		if (q == len || ((unsigned char)data[q] & 0xc0) != 0x80)
			return q;
	return off;
}

uint64_t
split_count(uint64_t size, uint64_t split_size)
{
	if (size <= split_size)
		return 1;
	return size / split_size + (size % split_size != 0);
}
