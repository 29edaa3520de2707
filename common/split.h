/*
 * split.h - how an input is cut into map tasks: the plan (nominal offsets,
 * the same in mrcoordinator and mrsequential) and where a cut really falls.
 *
 * The coordinator cuts an input larger than --split-size at nominal offsets
 * (multiples of the split size) knowing nothing of its bytes; the worker
 * moves each cut forward to a place that splits no line, or failing that
 * no word, with split_cut(). A split nominally [a, b) is read as
 * [split_cut(a), split_cut(b)): the same function at a split's start and at
 * the end of the split before it, so every byte is read by exactly one map
 * task. The search looks at most SPLIT_SEEK_MAX bytes past a cut, so a
 * split costs O(split size + SPLIT_SEEK_MAX) whatever the input holds, and
 * an input without a single newline is cut as evenly as one with many.
 */
#ifndef MR_SPLIT_H
#define MR_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* Inputs larger than this are cut into several map tasks (--split-size). */
#define SPLIT_SIZE_DEFAULT ((uint64_t)16 << 20)

/* How far past a nominal cut a line start or word gap is looked for. */
#define SPLIT_SEEK_MAX ((size_t)64 << 10)

/*
 * The real position of a cut nominally at `off` in data[0..len): 0 for 0,
 * len for off >= len, else the first that applies of
 *   1. just after the first newline in data[off-1 .. off-1+SPLIT_SEEK_MAX)
 *      (off itself when data[off-1] is one: the line starts there), or
 *      len when that window reaches the end without one (the last line
 *      needs no newline to stay whole);
 *   2. just after the first ASCII byte that is not a letter (a space, a
 *      digit, punctuation, a control byte) in that same window, so that a
 *      line longer than SPLIT_SEEK_MAX is cut between words;
 *   3. at the first of off .. off+3 that starts a UTF-8 character (is not
 *      a continuation byte 10xxxxxx), or len: inside a run of letters
 *      longer than SPLIT_SEEK_MAX, a cut splits a word but no character;
 *   4. off (a run of continuation bytes, which is not UTF-8).
 * The result lies in [off, off + SPLIT_SEEK_MAX] and never decreases as
 * off grows, so consecutive splits neither overlap nor leave a gap.
 */
size_t	split_cut(const char *data, size_t len, size_t off);

/*
 * The map tasks of an input of `size` bytes: 1 when it is at most
 * split_size, else one per split_size bytes. Split k is nominally
 * [k * split_size, (k + 1) * split_size), the last one to the end of the
 * file whatever its size then (length 0).
 */
uint64_t split_count(uint64_t size, uint64_t split_size);

#endif
