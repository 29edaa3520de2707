/*
 * protocol.h - framing constants of the coordinator <-> worker protocol.
 *
 * A frame is MR_FRAME_HEADER bytes holding the payload length as a 32-bit
 * big-endian integer, then that many bytes of a packed mr.Envelope
 * (proto/mr.proto). A receiver checks the length against MR_FRAME_MAX
 * before allocating anything and drops a peer that exceeds it.
 */
#ifndef MR_PROTOCOL_H
#define MR_PROTOCOL_H

/*
 * Bumped on any incompatible change to mr.proto or to the framing. 2:
 * intermediate files carry the job id, and map tasks carry their input's
 * stamp, which a worker of version 1 would ignore, reading a changed input
 * without a word. 3: a map task lists its inputs (MapTask.inputs, several
 * when small inputs are packed into one task); a worker of version 2 would
 * read the single input field, unset since, and a packed task's other
 * inputs would be missing from the output without a word.
 */
/*
 * 4: reports carry the coordinator's incarnation (a resumed job's), done
 * reduce reports the checksum of mr-out-Y, and a coordinator may send
 * Cancel in the middle of an attempt: a worker of version 3 would do none
 * of it, and a resumed coordinator could not tell its reports apart.
 */
/*
 * Added to 4 without a bump: the TCP handshake (AuthHello, AuthChallenge,
 * AuthProof) and Welcome.peer_timeout_ms. Only TCP connections use them,
 * which no peer of an older build makes; a build of 4 that ignored
 * peer_timeout_ms would keep its own bound for a lost connection.
 */
#define MR_PROTOCOL_VERSION 4

/* Size of the length prefix. */
#define MR_FRAME_HEADER 4

/* Largest payload of any frame, in bytes. */
#define MR_FRAME_MAX (1024 * 1024)

/*
 * Largest payload the coordinator accepts from a worker: worker messages are
 * a few hundred bytes (a failure report listing every map task of a large
 * job stays well below), so a connection never holds more than this.
 */
#define MR_WORKER_FRAME_MAX (64 * 1024)

/* Seconds a new connection has to send Hello before it is dropped. */
#define MR_HELLO_TIMEOUT 5

/*
 * Largest Status frame (the answer to a StatusRequest), which a client
 * checks before allocating: one task takes about 60 bytes, so a job of
 * 10 000 tasks needs more than MR_FRAME_MAX. Over it, the coordinator
 * leaves the task list out.
 */
#define MR_STATUS_FRAME_MAX (64 * 1024 * 1024)

/*
 * Longest status line of a task (TaskProgress.status), in bytes: a worker
 * cuts a longer one (a streaming command's reporter:status: line), and the
 * coordinator drops a worker that sends one.
 */
#define MR_TASK_STATUS_MAX 256

/*
 * Least seconds between two TaskProgress of one attempt: a worker sends a
 * new status line at once, then at most one a second, the latest.
 */
#define MR_PROGRESS_INTERVAL 1.0

/* Seconds a status client may stay silent after an answer before it is closed. */
#define MR_STATUS_IDLE_TIMEOUT 5

/* Bytes of a worker's host name (Hello.host) the coordinator keeps. */
#define MR_HOST_MAX 255

/*
 * Largest History frame, which a client checks before allocating; a
 * coordinator whose changes would not fit sends the first ones with
 * History.more set.
 */
#define MR_HISTORY_FRAME_MAX (16 * 1024 * 1024)

/* Bytes of a failed attempt's error a History carries (the log has it all). */
#define MR_HISTORY_ERROR_MAX 1024

#endif
