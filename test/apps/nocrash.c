/*
 * nocrash - the reference for the crash test: the crash application without
 * its crashes and stalls. For every input, "a" gets its name, "b" the length
 * of the name, "c" the length of its contents and "d" the word "xyzzy".
 * Counters: "inputs" and "bytes" (map calls and bytes they saw), "keys"
 * (reduce calls).
 */
#include <mapreduce.h>

#include <string.h>

static int
nocrash_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)data;
	mr_counter_add("inputs", 1);
	mr_counter_add("bytes", (int64_t)len);
	if (mr_emit(out, "a", 1, name, strlen(name)) == -1 ||
	    mr_emit_u64(out, "b", 1, strlen(name)) == -1 ||
	    mr_emit_u64(out, "c", 1, len) == -1 ||
	    mr_emit(out, "d", 1, "xyzzy", 5) == -1)
		return -1;
	return 0;
}

static int
nocrash_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	mr_counter_add("keys", 1);
	return mr_emit_joined(out, key, keylen, values, " ", 0);
}

MR_APP("nocrash", nocrash_map, nocrash_reduce, NULL);
