/*
 * sample.h - the split points of a total order (mr_partition_total_order,
 * mapreduce.h): sampled once per job, shared by every map task through a
 * file in the job folder.
 *
 * The coordinator chooses the sample: up to SAMPLE_PIECES pieces spread
 * evenly over the bytes of every input as planned, each at most
 * SAMPLE_PIECE_BYTES (coordinator/plan.h, plan_sample()), sent in the
 * Welcome. Before its first map task, a worker looks for the job's split
 * points in JOBDIR_SPLITS_PREFIX<job id> in the job folder; when they are
 * not there yet, it runs map over the pieces (whole lines, as splits are
 * cut; a compressed input's text from its start), keeping at most
 * SAMPLE_KEYS_MAX of the keys emitted (a reservoir sample, each cut to
 * SAMPLE_KEY_MAX bytes), sorts them, and takes as split points the keys at
 * the nparts - 1 even quantiles. It writes them as an intermediate file
 * (common/kvfile.h: one record per split point, in order, with the job id
 * and a checksum) under a temporary name, then links that under the final
 * name: the first link wins, a worker that loses reads the winner's. So
 * every map task of the job partitions with the same split points, even
 * with a map that is not deterministic, and a worker that joins later
 * only reads them.
 *
 * A split point cut to SAMPLE_KEY_MAX bytes is still a boundary between
 * ranges of whole keys: the partition of a key is the number of split
 * points at or below it, which grows with the key whatever they are, so
 * every key of partition p sorts before every key of partition p + 1.
 */
#ifndef MR_SAMPLE_H
#define MR_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mapreduce.h"
#include "stamp.h"

/* Keys kept from a sample, and the bytes kept of each. */
#define SAMPLE_KEYS_MAX 65536
#define SAMPLE_KEY_MAX 64

/* One piece of an input to sample (a split, cut at lines as splits are). */
struct sample_piece {
	const char	*name;
	uint64_t	 offset;
	uint64_t	 length;	/* > 0 */
	const struct stamp *stamp;	/* the input as planned, or NULL */
};

/* What the split points of one job are made from. */
struct sample_job {
	uint64_t	 job;		/* the job id: names the file */
	uint32_t	 nparts;	/* the job's reduce partitions */
	const struct sample_piece *pieces;
	size_t		 npieces;
	int		 allow_changes;	/* read a changed input as it is */
};

/*
 * Makes the split points of job sj->job current for
 * mr_partition_total_order() (sdk_set_splits()): those already loaded when
 * they are that job's, else the job folder's file, else sampled with
 * app's map and written there, as above. Counters and mr_error() text of
 * the sampling are discarded. Returns 0, or -1 with e set (an input that
 * cannot be read, a map that fails on the sample, a file of split points
 * that is corrupt or holds another number of them: its name is given).
 */
int	sample_ensure(const struct mr_app *app, const struct sample_job *sj,
	    struct err *e);

/* A key: its bytes and their number. */
struct sample_key {
	const char	*p;
	size_t		 len;
};

/*
 * The split points of a sample: sorts the n keys in place (bytewise) and
 * writes the nparts - 1 split points (the keys at i * n / nparts for i
 * from 1, pointing into the keys; empty keys when n is 0) to split.
 */
void	sample_choose(struct sample_key *keys, size_t n, uint32_t nparts,
	    struct sample_key *split);

/* Forgets the split points loaded (sdk_set_splits(NULL)). */
void	sample_forget(void);

#endif
