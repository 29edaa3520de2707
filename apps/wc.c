/*
 * wc - word count, the example application: counts how often each word (a
 * run of letters) occurs across all the inputs. Output lines "word count";
 * counter "words": the number of words read.
 */
#include <mapreduce.h>

/* Every word with the value 1 (the SDK runs the loop natively), counted. */
static int
wc_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	int64_t		 words;

	(void)name;
	words = mr_emit_words(out, data, len, "1", 1);
	if (words == -1)
		return -1;
	mr_counter_add("words", words);
	return 0;
}

/* Sums counts, not values, so that it reads the combiner's partial sums. */
static int
wc_reduce(mr_emitter *out, const char *key, size_t keylen, mr_values *values)
{
	const char	*v;
	size_t		 vlen;
	uint64_t	 n, sum = 0;
	int		 r;

	while ((r = mr_values_next(values, &v, &vlen)) == 1) {
		if (mr_parse_u64(v, vlen, &n) == -1 || n > UINT64_MAX - sum)
			return -1;
		sum += n;
	}
	if (r == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, sum);
}

/* The SDK's summing combiner, which the framework runs natively. */
MR_APP("wc", wc_map, wc_reduce, mr_combine_sum);
