/*
 * sdk.c - the mr_* functions plugins call (exported, see sdk.syms).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "log.h"
#include "params.h"
#include "sdk.h"
#include "words.h"

/* One value copied by mr_emit_joined(): where it is in the buffer. */
struct sdk_val {
	size_t	 off, len;
};

/* One counter of mr_counter_add(). */
struct sdk_counter {
	char		 name[MR_COUNTER_NAME_MAX + 1];
	int64_t		 value;
};

#define SDK_STR_(x) #x
#define SDK_STR(x) SDK_STR_(x)

/* What a counter's name must be. */
#define SDK_COUNTER_RULE "a counter's name must be 1 to " \
	SDK_STR(MR_COUNTER_NAME_MAX) " printable ASCII characters without spaces"

/* Open addressing over the counters: twice as many slots as counters. */
#define SDK_COUNTER_SLOTS (2 * MR_COUNTERS_MAX)

/*
 * The running attempt's counters. A worker runs one callback at a time, on
 * one thread, so one table serves every task in turn.
 */
static struct {
	struct sdk_counter	 v[MR_COUNTERS_MAX];
	size_t			 n;
	uint8_t			 slot[SDK_COUNTER_SLOTS];	/* index + 1, 0 empty */
	char			 error[ERR_MAX];	/* first misuse, "" none */
} sdk_counters;

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

int
sdk_counter_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > MR_COUNTER_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' ||
		    (unsigned char)name[i] > '~')
			return 0;
	return 1;
}

/* Quotes a name that may hold anything into out, for error messages. */
static void
sdk_quote(const char *name, char *out, size_t size)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; name[i] != '\0' && o + 8 < size; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i == MR_COUNTER_NAME_MAX + 8) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= ' ' && c <= '~' && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Records the first misuse of mr_counter_add(); later ones add nothing. */
static void
sdk_counter_fail(const char *name, const char *why)
{
	char q[4 * (MR_COUNTER_NAME_MAX + 8) + 8];

	sdk_quote(name, q, sizeof q);
	snprintf(sdk_counters.error, sizeof sdk_counters.error,
	    "counter %s: %s", q, why);
}

void
mr_counter_add(const char *name, int64_t delta)
{
	struct sdk_counter *c;
	size_t len, i;
	uint32_t h;

	if (sdk_counters.error[0] != '\0')
		return;
	if (name == NULL) {
		snprintf(sdk_counters.error, sizeof sdk_counters.error,
		    "mr_counter_add: the counter's name is NULL");
		return;
	}
	len = strnlen(name, MR_COUNTER_NAME_MAX + 1);
	if (len > MR_COUNTER_NAME_MAX) {
		sdk_counter_fail(name, SDK_COUNTER_RULE);
		return;
	}
	h = hash_fnv1a(name, len);
	for (i = h % SDK_COUNTER_SLOTS; sdk_counters.slot[i] != 0;
	    i = (i + 1) % SDK_COUNTER_SLOTS) {
		c = &sdk_counters.v[sdk_counters.slot[i] - 1];
		if (memcmp(c->name, name, len) == 0 && c->name[len] == '\0') {
			if ((delta > 0 && c->value > INT64_MAX - delta) ||
			    (delta < 0 && c->value < INT64_MIN - delta)) {
				sdk_counter_fail(name, "overflows 64 bits");
				return;
			}
			c->value += delta;
			return;
		}
	}
	/* A new name: only now is it worth checking. */
	if (!sdk_counter_name_ok(name, len)) {
		sdk_counter_fail(name, SDK_COUNTER_RULE);
		return;
	}
	if (sdk_counters.n == MR_COUNTERS_MAX) {
		sdk_counter_fail(name, "more than " SDK_STR(MR_COUNTERS_MAX)
		    " counters in one task");
		return;
	}
	c = &sdk_counters.v[sdk_counters.n++];
	memcpy(c->name, name, len);
	c->name[len] = '\0';
	c->value = delta;
	sdk_counters.slot[i] = (uint8_t)sdk_counters.n;
}

void
sdk_counters_reset(void)
{
	memset(sdk_counters.slot, 0, sizeof sdk_counters.slot);
	sdk_counters.n = 0;
	sdk_counters.error[0] = '\0';
}

int
sdk_counters_check(struct err *e)
{
	if (sdk_counters.error[0] == '\0')
		return 0;
	err_set(e, "%s", sdk_counters.error);
	return -1;
}

size_t
sdk_counters_count(void)
{
	return sdk_counters.n;
}

void
sdk_counters_get(size_t i, const char **name, int64_t *value)
{
	*name = sdk_counters.v[i].name;
	*value = sdk_counters.v[i].value;
}

/* The job's parameters, mr_error()'s text, map's offset, the split points. */
static const struct params *sdk_params;
static char sdk_error_text[MR_ERROR_MAX + 1];
static int sdk_error_set;
static uint64_t sdk_input_offset;
static const struct sdk_splits *sdk_splits;

const char *
mr_param(const char *name)
{
	return params_lookup(sdk_params, name);
}

void
sdk_set_params(const struct params *ps)
{
	sdk_params = ps;
}

int
mr_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sdk_error_text, sizeof sdk_error_text, fmt, ap);
	va_end(ap);
	sdk_error_set = 1;
	return -1;
}

const char *
sdk_error(void)
{
	return sdk_error_set ? sdk_error_text : NULL;
}

void
sdk_error_clear(void)
{
	sdk_error_set = 0;
}

uint64_t
mr_input_offset(void)
{
	return sdk_input_offset;
}

void
sdk_set_input_offset(uint64_t offset)
{
	sdk_input_offset = offset;
}

void
sdk_set_splits(const struct sdk_splits *s)
{
	sdk_splits = s;
}

/* -1, 0 or 1 as a is bytewise below, equal to or above b. */
static int
sdk_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

uint32_t
mr_partition_total_order(const void *key, size_t keylen, uint32_t nparts)
{
	const struct sdk_splits *s = sdk_splits;
	size_t lo = 0, hi;

	if (s == NULL || s->n + 1 != nparts)
		return nparts;	/* out of range: the task fails, said */
	/* The number of split points at or below the key. */
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sdk_keycmp(s->key[mid], s->len[mid], key, keylen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

int
sdk_init(const struct mr_app *app, struct err *e)
{
	if (app->init == NULL)
		return 0;
	sdk_error_clear();
	if (app->init() == 0) {
		sdk_error_clear();
		return 0;
	}
	err_set(e, "init of %s failed: %s", app->name, sdk_error() != NULL ?
	    sdk_error() : "no reason given");
	sdk_error_clear();
	return -1;
}

void
sdk_fini(const struct mr_app *app)
{
	if (app->fini != NULL)
		app->fini();
}
