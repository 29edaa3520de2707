/*
 * hash.h - the partition function, identical to the reference lab's ihash.
 */
#ifndef MR_HASH_H
#define MR_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 32 bits. */
static inline uint32_t
hash_fnv1a(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u;

	while (len-- > 0) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/* Reduce partition of a key: (fnv1a(key) & 0x7fffffff) mod nreduce. */
static inline uint32_t
hash_partition(const void *key, size_t len, uint32_t nreduce)
{
	return (hash_fnv1a(key, len) & 0x7fffffffu) % nreduce;
}

#endif
