/*
 * keyhash.h - a key's first word and its table hash, for the map output's
 * hash table (worker/maptable.c): inline, since they run once per record
 * and their loads are the hot path's.
 *
 * keyhash_word() is a key's first eight bytes as a little-endian word,
 * zero-padded; keyhash_prefix() makes of it the big-endian number that
 * sorts as the bytes do; keyhash_hash() is the table's hash of the whole
 * key. The partition is the lab's FNV-1a (common/hash.h), not this.
 */
#ifndef MR_KEYHASH_H
#define MR_KEYHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Four bytes at p, whatever its alignment. */
static inline uint32_t
keyhash_load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * The first min(len, 8) bytes of key as a little-endian word, zero-padded:
 * whole loads (two overlapping ones for 4 to 7 bytes) rather than a byte
 * copy, which stalls the load that follows it, and never a byte past len.
 */
static inline uint64_t
keyhash_word(const char *key, size_t len)
{
	const uint8_t *p = (const uint8_t *)key;
	uint64_t w;

	if (len >= 8) {
		memcpy(&w, key, 8);
		return w;
	}
	if (len >= 4)
		return keyhash_load32(key) |
		    (uint64_t)keyhash_load32(key + len - 4) << (8 * (len - 4));
	if (len == 0)
		return 0;
	return p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
	    (uint64_t)p[len - 1] << (8 * (len - 1));
}

/* The first 8 key bytes as a big-endian number, for sorting. */
static inline uint64_t
keyhash_prefix(uint64_t word)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(word);
#else
	return word;
#endif
}

/* The two halves of a 64 x 64 bit product folded: a strong one-step mix. */
static inline uint64_t
keyhash_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A fast table hash of a key whose first eight bytes are `word`; the
 * partition uses the lab's FNV-1a separately, once per distinct key. One
 * folded multiply per 8 key bytes (wyhash's mixing), so every bit of the
 * result depends on every bit of the key.
 */
static inline __attribute__((always_inline)) uint32_t
keyhash_hash(const char *key, size_t len, uint64_t word)
{
	uint64_t h = keyhash_mum(word ^ 0xa0761d6478bd642full,
	    len ^ 0xe7037ed1a0b428dbull), w;

	for (size_t i = 8; i < len; i += 8) {
		w = 0;
		memcpy(&w, key + i, len - i < 8 ? len - i : 8);
		h = keyhash_mum(h ^ w, 0x8ebc6af09c88c6e3ull);
	}
	return (uint32_t)(h ^ h >> 32);
}

/*
 * The first word of a key of len bytes (1 or more) at p when 8 bytes can be
 * read there: one load and a mask. Equal to keyhash_word(p, len).
 */
static inline uint64_t
keyhash_word8(const char *p, size_t len)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return len >= 8 ? w : w & ((1ull << (8 * len)) - 1);
}

#endif
