/*
 * sort - sorts records in the layout of the sort benchmark (gensort -a,
 * scripts/gensort.c): lines of 100 bytes, a 10-byte key, a space after it.
 * The partitions hold consecutive ranges of keys (the SDK's total-order
 * partitioner), so `cat mr-out-0 ... mr-out-N` is the input sorted, byte
 * for byte what `LC_ALL=C sort` gives.
 *
 * The key is a record's first 10 bytes, the value its bytes 11 to 98 (the
 * rest of the line without the space after the key and the newline), so
 * that the output line "key value" is the record again. Records of equal
 * keys are written in the order of their whole lines, as sort writes them.
 * A line that is not such a record fails the task, naming its number and
 * its byte offset in the input.
 */
#include <stdlib.h>
#include <string.h>

#include <mapreduce.h>

#define SORT_RECORD	100	/* bytes of a record, its newline included */
#define SORT_KEY	10	/* bytes of its key */

static int
sort_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	uint64_t at = mr_input_offset();
	const char *p = data, *end = data + len;

	(void)name;
	for (; p < end; p += SORT_RECORD) {
		if ((size_t)(end - p) < SORT_RECORD || p[SORT_RECORD - 1] != '\n' ||
		    p[SORT_KEY] != ' ' || memchr(p, '\n', SORT_RECORD - 1) != NULL) {
			uint64_t off = at + (uint64_t)(p - data);

			return mr_error("record %llu (byte %llu): not a line of "
			    "%d bytes with a space after its %d-byte key",
			    (unsigned long long)(off / SORT_RECORD + 1),
			    (unsigned long long)off, SORT_RECORD, SORT_KEY);
		}
		if (mr_emit(out, p, SORT_KEY, p + SORT_KEY + 1,
		    SORT_RECORD - SORT_KEY - 2) == -1)
			return -1;
	}
	mr_counter_add("records", (int64_t)(len / SORT_RECORD));
	return 0;
}

static int
sort_cmp(const void *a, const void *b)
{
	return memcmp(*(char *const *)a, *(char *const *)b,
	    SORT_RECORD - SORT_KEY - 2);
}

/* Each record of the key; those of a repeated key in order. */
static int
sort_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	/* A value lasts until the next is read: the first is kept here. */
	char first[SORT_RECORD];
	const char *v;
	char *copy = NULL, **order = NULL, *bigger, **more;
	size_t vlen, n = 0, cap = 0;
	int r, rc = -1;

	if ((r = mr_values_next(values, &v, &vlen)) != 1)
		return r;
	memcpy(first, v, vlen);
	if ((r = mr_values_next(values, &v, &vlen)) == 0)
		return mr_emit(out, key, keylen, first, vlen);
	if (r == -1)
		return -1;
	/* A key seen more than once, which is rare: copy, sort, write. */
	if ((copy = malloc(2 * vlen)) == NULL)
		return mr_error("out of memory");
	cap = 2;
	memcpy(copy, first, vlen);
	memcpy(copy + vlen, v, vlen);
	n = 2;
	while ((r = mr_values_next(values, &v, &vlen)) == 1) {
		if (n == cap) {
			if ((bigger = realloc(copy, 2 * cap * vlen)) == NULL) {
				mr_error("out of memory");
				goto out;
			}
			copy = bigger;
			cap *= 2;
		}
		memcpy(copy + n * vlen, v, vlen);
		n++;
	}
	if (r == -1)
		goto out;
	if ((more = malloc(n * sizeof *more)) == NULL) {
		mr_error("out of memory");
		goto out;
	}
	order = more;
	for (size_t i = 0; i < n; i++)
		order[i] = copy + i * vlen;
	qsort(order, n, sizeof *order, sort_cmp);
	for (size_t i = 0; i < n; i++)
		if (mr_emit(out, key, keylen, order[i], vlen) == -1)
			goto out;
	rc = 0;
out:
	free(order);
	free(copy);
	return rc;
}

MR_APP_DESC(.name = "sort", .map = sort_map, .reduce = sort_reduce,
    .partition = mr_partition_total_order);
