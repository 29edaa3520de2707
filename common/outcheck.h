/*
 * outcheck.h - are a finished task's files still intact? For a coordinator
 * resuming a job from its journal, before it keeps a task done before the
 * restart rather than running it again.
 *
 * A map task's files are probed, not read (kvfile_probe(): the header and
 * where the trailer starts): there are nmap * nreduce of them, and the
 * reduce that reads one verifies its checksum anyway and reports a corrupt
 * one, whose map task then runs again. An output mr-out-Y is read once in
 * full and compared with the size and CRC-32C its reduce reported
 * (TaskDone.output_size and output_crc): nothing reads it after the job.
 */
#ifndef MR_OUTCHECK_H
#define MR_OUTCHECK_H

#include <stdint.h>

#include "err.h"

/*
 * Checks that every mr-<map_id>-Y (Y < nreduce) in folder dir (NULL, ""
 * or "." for the current one, whose files are then named bare) exists, is
 * a regular file and looks like a whole intermediate file of job `job`.
 * Returns 0, or -1 with e naming the first bad file and what is wrong:
 * "mr-3-7: missing", "mr-3-7: not a regular file (a folder)",
 * "mr-3-7: written by another job (...)", "mr-3-7: cut short (...)",
 * "mr-3-7: not an intermediate file" (kvfile.h), or why it could not be
 * opened or read.
 */
int	outcheck_map(const char *dir, uint32_t map_id, uint32_t nreduce,
	    uint64_t job, struct err *e);

/*
 * Checks that `path` is a regular file of exactly `size` bytes whose
 * CRC-32C (crc32c.h) is `crc`, reading it once. Returns 0, or -1 with e
 * naming the file and what differs: "mr-out-2: missing", "mr-out-2: 1200
 * bytes, expected 1234", "mr-out-2: CRC-32C 1a2b3c4d, expected 5e6f7081",
 * "mr-out-2: changed while read", or why it could not be opened or read.
 */
int	outcheck_output(const char *path, uint64_t size, uint32_t crc,
	    struct err *e);

#endif
