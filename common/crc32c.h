/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of intermediate files.
 *
 * Uses the SSE4.2 crc32 instruction when the processor has it and a
 * slicing-by-8 table otherwise; both give the same result.
 */
#ifndef MR_CRC32C_H
#define MR_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over p[0..n). */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* The same with the table-driven code only, whatever the processor (tests). */
uint32_t crc32c_portable(uint32_t crc, const void *p, size_t n);

#endif
