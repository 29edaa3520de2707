/*
 * maptable_internal.h - the layout of the map output's hash table, shared
 * by the files that make it (maptable.c: records, values, emitting and
 * folding; maptable_sum.c: sums for mr_combine_sum; maptable_sort.c:
 * sorting). Nothing else includes it: users of the table see maptable.h.
 *
 * Keys and values live in one arena. A key is a record at an 8-byte
 * boundary: its index in the keys array, its length, its bytes and a NUL;
 * with a combiner, a state byte and a block of MAPTABLE_BLOCK bytes follow,
 * where the key's small values go (varint length, bytes, ...) and are
 * folded by the combiner in place when the block fills. Other values are
 * nodes of a chain (offset of the next node, varint length, bytes).
 *
 * With the SDK's own summing combiner (mr_combine_sum), a key's record ends
 * in a 64-bit sum instead, at the next 8-byte boundary, and emitting a
 * decimal value just adds it: no call into the plugin at all.
 *
 * The hash table holds, per key, its hash and where its record is, in 8
 * bytes: a lookup reads one slot and the record, whose key bytes,
 * state and block share a cache line or two for a word, so the common emit
 * (one more small value for a known key) touches little memory. Each
 * distinct key also has an entry in the keys array (partition, chain, ...)
 * for the slow paths and for sorting; only distinct keys are ever sorted,
 * which for text is a small fraction of the records.
 */
#ifndef MR_MAPTABLE_INTERNAL_H
#define MR_MAPTABLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "maptable.h"
#include "sdk.h"

/* Values of one chained key folded by the combiner at a time. */
#define MAPTABLE_BATCH 32

/* Bytes of a key's block of small values (with a combiner). */
#define MAPTABLE_BLOCK 56

/* The block's state byte: bytes used, and whether values also chain. */
#define MAPTABLE_CHAINED 0x80
#define MAPTABLE_USED 0x7f

struct maptable_key {
	uint64_t	 prefix;	/* first 8 key bytes, big-endian, 0-padded */
	uint64_t	 rec;		/* arena offset of the key's record */
	uint64_t	 head, tail;	/* value chain, arena offsets (0: none) */
	uint32_t	 keylen;
	uint32_t	 part;
	uint32_t	 nvalues;	/* in the chain */
};

struct maptable_slot {
	uint32_t	 hash;		/* kept, so that growing never rehashes */
	uint32_t	 rec8;		/* record offset / 8; 0: empty slot */
};

struct maptable {
	uint32_t	 nparts;
	mr_partition_fn	 partition;	/* the application's, or NULL: the hash */
	mr_reduce_fn	 combine;	/* folds values as they come, or NULL */
	int		 blocks;	/* records have a state byte and a block */
	int		 sum;		/* records end in a sum (mr_combine_sum) */
	size_t		 budget;	/* SIZE_MAX when unbounded */
	maptable_full_fn full;		/* writes the table out when full */
	void		*full_arg;

	char		*arena;		/* offset 0 unused: 0 means "none" */
	size_t		 used, cap;

	struct maptable_key *keys;
	size_t		 nkeys, capkeys;
	struct maptable_slot *table;
	size_t		 tablesize;	/* power of two */
	int		 sorted;	/* keys sorted: the table is stale */
	size_t		*partstart;	/* once sorted: partition p's keys are
					   keys[partstart[p] .. partstart[p+1]) */

	uint64_t	 count;
	int		 failed;
	struct err	 err;
	mr_emitter	 emitter;

	const struct maptable_key *folding;	/* key being folded */
	struct buf	 scratch;	/* combiner output while folding */
	size_t		*scratchlen;
	size_t		 nscratch, capscratch;
};

/* Key bytes of a record. */
static inline char *
maptable_key_bytes(const struct maptable *mt, uint64_t rec)
{
	return mt->arena + rec + 8;
}

/* The block's state byte of a record (with a combiner only). */
static inline uint8_t *
maptable_block_state(const struct maptable *mt, uint64_t rec, size_t keylen)
{
	return (uint8_t *)mt->arena + rec + 8 + keylen + 1;
}

/* The running sum of a record (mr_combine_sum only). */
static inline char *
maptable_sum_at(const struct maptable *mt, uint64_t rec, size_t keylen)
{
	return mt->arena + ((rec + 8 + keylen + 1 + 7) & ~(uint64_t)7);
}

/* Bytes of memory in use, as counted against the budget. */
static inline size_t
maptable_memory(const struct maptable *mt)
{
	return mt->used + mt->nkeys * sizeof *mt->keys +
	    mt->tablesize * sizeof *mt->table;
}

/* Arena bytes a new key takes, besides its first value. */
static inline size_t
maptable_key_size(const struct maptable *mt, size_t keylen)
{
	return 7 + 8 + keylen + 1 + (mt->blocks ? 1 + MAPTABLE_BLOCK : 0) +
	    (mt->sum ? 7 + 8 : 0);
}

/* maptable.c */

/* Doubles the hash table (1024 slots to start), keeping every slot. */
void	maptable_grow(struct maptable *mt);

/* Makes room for n more arena bytes (the budget is checked by the caller). */
void	maptable_reserve(struct maptable *mt, size_t n);

/*
 * Adds a key at its empty slot sl: its record in the arena (the caller
 * reserved maptable_key_size() bytes), its entry in the keys array.
 */
struct maptable_key *maptable_add_key(struct maptable *mt,
	    struct maptable_slot *sl, const char *key, size_t keylen,
	    uint32_t h, uint64_t word);

/* maptable_sum.c */

/* The emitter's functions for a table of sums. */
int	maptable_sum_emit(void *ctx, const void *key, size_t keylen,
	    const void *value, size_t valuelen);
int64_t	maptable_sum_emit_words(void *ctx, const char *data, size_t len,
	    const void *value, size_t valuelen);

/* Room for a sum as decimal text: 2^64 - 1 has 20 digits. */
#define MAPTABLE_SUM_TEXT 20

/*
 * Writes a key's sum (record rec) as decimal text at buf, which has room
 * for MAPTABLE_SUM_TEXT bytes (no NUL); returns its length.
 */
size_t	maptable_sum_text(const struct maptable *mt, uint64_t rec,
	    size_t keylen, char *buf);

#endif
