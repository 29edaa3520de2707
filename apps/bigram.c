/*
 * bigram - counts pairs of consecutive words across all the inputs, the
 * example of doc/sdk.md on writing an application. A pair is two words (as wc
 * splits them) that follow each other in what one map call sees: one input,
 * or one piece of an input larger than --split-size. The key is the two
 * words joined by a space, so output lines read "word1 word2 count".
 */
#include <stdlib.h>
#include <string.h>

#include <mapreduce.h>

static int
bigram_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	const char	*word, *prev = NULL;
	char		*key = NULL, *bigger;
	size_t		 pos = 0, wlen, prevlen = 0, keylen, size = 0;

	(void)name;
	while (mr_next_word(data, len, &pos, &word, &wlen)) {
		if (prev != NULL) {
			/* The two words are apart in data: copy them together. */
			keylen = prevlen + 1 + wlen;
			if (keylen > size) {
				if ((bigger = realloc(key, keylen)) == NULL)
					goto fail;
				key = bigger;
				size = keylen;
			}
			memcpy(key, prev, prevlen);
			key[prevlen] = ' ';
			memcpy(key + prevlen + 1, word, wlen);
			if (mr_emit(out, key, keylen, "1", 1) == -1)
				goto fail;
		}
		prev = word;
		prevlen = wlen;
	}
	free(key);
	return 0;
fail:
	free(key);
	return -1;
}

/* Sums counts, not values, so that it reads the combiner's partial sums. */
static int
bigram_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
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
MR_APP("bigram", bigram_map, bigram_reduce, mr_combine_sum);
