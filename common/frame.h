/*
 * frame.h - framing of protocol messages (see proto/protocol.h).
 *
 * The event-driven coordinator uses frame_needed() / frame_parse() on its
 * read buffers and frame_pack() to fill its write queues; the worker, which
 * has nothing else to do while it waits, uses the blocking frame_send() and
 * frame_recv(). Parsed envelopes are freed with frame_free().
 */
#ifndef MR_FRAME_H
#define MR_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "mr.pb-c.h"
#include "protocol.h"

#include "buf.h"
#include "err.h"

/*
 * How many bytes the first frame in data[0..len) occupies, header included,
 * as far as can be told: MR_FRAME_HEADER while the header is incomplete.
 * Returns -1 (and sets e) when the header announces more than MR_FRAME_MAX,
 * so that a caller never allocates for it.
 */
long	frame_needed(const uint8_t *data, size_t len, struct err *e);

/*
 * Parses the first frame of data[0..len). Returns 1 and sets *env and *used
 * when a whole frame was there, 0 when more bytes are needed, -1 (and sets
 * e) when the frame is oversized, is not a valid Envelope, or holds no
 * message type this version knows.
 */
int	frame_parse(const uint8_t *data, size_t len, Mr__Envelope **env,
	    size_t *used, struct err *e);

/* Appends the frame of env to out. Returns -1 if it would exceed MR_FRAME_MAX. */
int	frame_pack(struct buf *out, const Mr__Envelope *env, struct err *e);

/* Writes the whole frame of env to a blocking fd. Returns 0 or -1. */
int	frame_send(int fd, const Mr__Envelope *env, struct err *e);

/*
 * Writes all of out (frames appended by frame_pack) to a blocking fd and
 * empties it: several frames in one write, one wake-up of the peer.
 * Returns 0 or -1.
 */
int	frame_flush(int fd, struct buf *out, struct err *e);

/*
 * Reads one whole frame from a blocking fd. Returns 1 with *env set, 0 on a
 * clean end of stream before any byte of a frame, -1 on an error or a
 * malformed frame: errno is then EPROTO for a frame that is oversized or
 * not an Envelope (the peer misbehaves), ECONNRESET for a stream that ends
 * in the middle of a frame, and read(2)'s own otherwise (the connection is
 * lost), so that a caller can tell the two apart.
 */
int	frame_recv(int fd, Mr__Envelope **env, struct err *e);

/* frame_pack() with another bound than MR_FRAME_MAX (for a Status). */
int	frame_pack_max(struct buf *out, const Mr__Envelope *env, size_t max,
	    struct err *e);

/* frame_recv() refusing a frame over `max` bytes before allocating it. */
int	frame_recv_max(int fd, Mr__Envelope **env, size_t max, struct err *e);

/* Frees an envelope returned by frame_parse() or frame_recv(); NULL is fine. */
void	frame_free(Mr__Envelope *env);

#endif
