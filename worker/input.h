/*
 * input.h - reading a map task's input: one split of a file, checked
 * against what the file was when the job was planned.
 *
 * How the bytes are obtained stays behind this interface: a caller opens
 * an input, chooses its split, and takes its text piece by piece with
 * input_next(), running map over each with a fault guard armed, then
 * verifies the file. A plain file is mmapped and its split is one piece,
 * read in place. A file whose name ends in .gz, .bz2, .xz or .zst
 * (common/codec.h) is decompressed as it is read and is one split, whose
 * text comes in pieces of whole lines cut as split.h cuts a plain file
 * into splits of input_set_piece() bytes, so that map sees the same
 * pieces as over the same text uncompressed; at most one piece and
 * SPLIT_SEEK_MAX bytes more are held.
 *
 * An input "changed" when its size, modification time or inode differ from
 * the stamp the coordinator took (common/stamp.h). Without allow_changes a
 * change is INPUT_CHANGED, which no retry can fix; with it, the input is
 * read as it is and input_changes() says what differed.
 */
#ifndef MR_INPUT_H
#define MR_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "stamp.h"

/* Returned instead of -1 when the input is not the one planned. */
#define INPUT_CHANGED (-2)

/*
 * Returned instead of -1 when a compressed input's data is corrupt or
 * truncated: like a change, no retry can fix it.
 */
#define INPUT_CORRUPT (-3)

/* Whether a return value means that no attempt at this input can succeed. */
#define INPUT_FATAL(rc) ((rc) == INPUT_CHANGED || (rc) == INPUT_CORRUPT)

struct input;

/*
 * Opens `path` (a regular file) and compares it with `planned` (NULL: the
 * file as it is now is the plan). Returns 0 with *inp set, -1 with e naming
 * the file, or INPUT_CHANGED with e saying "PATH: changed since the job was
 * planned: WHAT" when it differs (or is gone) and allow_changes is 0.
 */
int	input_open(struct input **inp, const char *path,
	    const struct stamp *planned, int allow_changes, struct err *e);

/*
 * Chooses the split nominally [offset, offset + length) (length 0: to the
 * end), cut as split.h says, from the file as it was opened, and sets
 * *data and *len to its bytes; *data is NULL for an empty split of an
 * empty file. The bytes stay valid until input_close(); reading them may
 * fault if the file shrinks meanwhile (see input_guarded()). A compressed
 * input is read whole whatever the split (a task planned for it has offset
 * 0, length 0): *data is NULL, *len 0, and its text comes from input_next().
 * Finding the cut reads the bytes around it, under the same guard: returns
 * 0, or INPUT_CHANGED or -1 (allow_changes) with e set as input_guarded()
 * says when the file shrank under the cut.
 */
int	input_split(struct input *in, uint64_t offset, uint64_t length,
	    const char **data, size_t *len, struct err *e);

/*
 * The nominal size of the pieces of a compressed input's text (the job's
 * --split-size); 0 means SPLIT_SIZE_DEFAULT, the size until this is called.
 * Call it before the first input_next().
 */
void	input_set_piece(struct input *in, uint64_t size);

/* 1 when the input is decompressed as it is read, else 0. */
int	input_compressed(const struct input *in);

/*
 * The next piece of the split's text. Returns 1 with *data, *len set (a
 * plain file: its split, once, the whole file when input_split() was not
 * called; a compressed file: successive pieces of whole lines, at least
 * one, empty for an empty text), 0 when there are no more, or, for a
 * compressed file only, -1 with e set (a read error), INPUT_CORRUPT with
 * e saying "PATH: corrupt gzip data at byte N: WHY" or "PATH: truncated
 * xz data: the file ends at byte N inside a stream" (N an offset in the
 * compressed file), or INPUT_CHANGED when the file changed under the read,
 * as input_open() says. A compressed piece stays valid until the next
 * call; a plain one until input_close().
 */
int	input_next(struct input *in, const char **data, size_t *len,
	    struct err *e);

/*
 * Where the piece input_next() gave last starts, as a byte offset in the
 * input's text: in the file for a plain input (the split's first byte),
 * in the decompressed text for a compressed one. 0 before any piece.
 */
uint64_t input_offset(const struct input *in);

/*
 * Calls fn(arg), which reads the input's bytes, with a guard: a SIGBUS on
 * those bytes (the file was truncated under them) ends fn where it is and
 * makes this return INPUT_CHANGED with e saying "PATH: changed since the
 * job was planned: WHAT", or -1 with allow_changes (another attempt reads
 * the file as it is then), instead of killing the process. Whatever fn was
 * building may be half-done then, and must be discarded. A SIGBUS anywhere
 * else kills the process as before. Otherwise returns 0 when fn returned
 * 0, 1 when it returned anything else.
 */
int	input_guarded(struct input *in, int (*fn)(void *), void *arg,
	    struct err *e);

/*
 * After reading: compares the file (and what its name now names) with the
 * state it was opened in. Returns 0, INPUT_CHANGED with e set as above, or
 * 0 with allow_changes, adding what differed to input_changes().
 */
int	input_verify(struct input *in, struct err *e);

/* With allow_changes, how the input differed from the plan; "" if it did not. */
const char *input_changes(const struct input *in);

/* Releases the input; NULL is ignored. */
void	input_close(struct input *in);

#endif
