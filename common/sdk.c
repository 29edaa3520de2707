/*
 * sdk.c - the mr_* functions plugins call (exported, see sdk.syms).
 */
#include "sdk.h"
#include "words.h"

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
