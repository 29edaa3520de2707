/*
 * sdk.c - the mr_* functions plugins call (exported, see sdk.syms).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sdk.h"
#include "words.h"

/* One value copied by mr_emit_joined(): where it is in the buffer. */
struct sdk_val {
	size_t	 off, len;
};

/* The buffer the values being sorted live in; qsort() has no context. */
static const uint8_t *sdk_sort_base;

static int
sdk_valcmp(const void *x, const void *y)
{
	const struct sdk_val *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n > 0 ? memcmp(sdk_sort_base + a->off, sdk_sort_base + b->off,
	    n) : 0;

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

int
mr_emit(mr_emitter *out, const void *key, size_t keylen, const void *value,
    size_t valuelen)
{
	return out->emit(out->ctx, key, keylen, value, valuelen);
}

int
mr_emit_u64(mr_emitter *out, const void *key, size_t keylen, uint64_t n)
{
	char buf[24], *p = buf + sizeof buf;

	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	return out->emit(out->ctx, key, keylen, p, (size_t)(buf + sizeof buf - p));
}

int
mr_values_next(mr_values *values, const char **value, size_t *len)
{
	int rc;

	if (values->failed)
		return -1;
	rc = values->next(values->ctx, value, len);
	if (rc == -1)
		values->failed = 1;
	return rc;
}

int
mr_parse_u64(const char *value, size_t len, uint64_t *n)
{
	uint64_t x = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)value[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*n = x;
	return 0;
}

int
mr_next_word(const char *data, size_t len, size_t *pos, const char **word,
    size_t *wordlen)
{
	return words_next(data, len, pos, word, wordlen);
}

int64_t
mr_emit_words(mr_emitter *out, const char *data, size_t len,
    const void *value, size_t valuelen)
{
	const char *word;
	size_t pos = 0, wlen;
	int64_t n = 0;

	if (out->emit_words != NULL)
		return out->emit_words(out->ctx, data, len, value, valuelen);
	while (words_next(data, len, &pos, &word, &wlen)) {
		if (out->emit(out->ctx, word, wlen, value, valuelen) == -1)
			return -1;
		n++;
	}
	return n;
}

int
mr_combine_sum(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char *v;
	size_t vlen;
	uint64_t n, sum = 0;
	int rc;

	while ((rc = mr_values_next(values, &v, &vlen)) == 1) {
		if (mr_parse_u64(v, vlen, &n) == -1 || n > UINT64_MAX - sum)
			return -1;
		sum += n;
	}
	if (rc == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, sum);
}

int
mr_emit_joined(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values, const char *sep, int flags)
{
	struct buf data = BUF_INIT, line = BUF_INIT;
	struct sdk_val *v = NULL;
	size_t n = 0, cap = 0, kept, seplen = strlen(sep);
	const char *p;
	size_t len;
	char count[24];
	int rc;

	/* Each value is valid only until the next one is read: copy them. */
	while ((rc = mr_values_next(values, &p, &len)) == 1) {
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n].off = data.len;
		v[n].len = len;
		buf_add(&data, p, len);
		n++;
	}
	if (rc == -1)
		goto out;
	sdk_sort_base = data.data;
	if (n > 1)
		qsort(v, n, sizeof *v, sdk_valcmp);
	sdk_sort_base = NULL;
	kept = n;
	if ((flags & MR_JOIN_UNIQUE) && n > 1) {
		kept = 1;
		for (size_t i = 1; i < n; i++) {
			sdk_sort_base = data.data;
			if (sdk_valcmp(&v[i], &v[kept - 1]) != 0)
				v[kept++] = v[i];
			sdk_sort_base = NULL;
		}
	}
	if (flags & MR_JOIN_COUNT) {
		snprintf(count, sizeof count, "%zu ", kept);
		buf_add(&line, count, strlen(count));
	}
	for (size_t i = 0; i < kept; i++) {
		if (i > 0)
			buf_add(&line, sep, seplen);
		if (v[i].len > 0)
			buf_add(&line, data.data + v[i].off, v[i].len);
	}
	rc = out->emit(out->ctx, key, keylen, line.len > 0 ? (const char *)
	    line.data : "", line.len);
out:
	free(v);
	buf_free(&data);
	buf_free(&line);
	return rc;
}
