/*
 * grep - counts the matches of a regular expression, as Hadoop's Grep
 * example does: -D grep.pattern=REGEX (POSIX extended, matched against
 * each line), optionally -D grep.icase=1. The key is the text matched,
 * the value how many times it was, over every input. The pattern is
 * compiled once per worker by init, freed by fini; a missing or bad one
 * fails init with the reason.
 */
#include <regex.h>
#include <string.h>

#include <mapreduce.h>

static regex_t grep_re;

static int
grep_init(void)
{
	const char *pat = mr_param("grep.pattern"), *icase;
	char why[200];
	int rc;

	if (pat == NULL || *pat == '\0')
		return mr_error("no pattern: give it with -D grep.pattern=REGEX");
	icase = mr_param("grep.icase");
	rc = regcomp(&grep_re, pat, REG_EXTENDED | (icase != NULL &&
	    strcmp(icase, "1") == 0 ? REG_ICASE : 0));
	if (rc != 0) {
		regerror(rc, &grep_re, why, sizeof why);
		return mr_error("-D grep.pattern=%s: %s", pat, why);
	}
	return 0;
}

static void
grep_fini(void)
{
	regfree(&grep_re);
}

static int
grep_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	regmatch_t m;
	size_t at = 0, end;

	(void)name;
	while (at < len) {
		const char *nl = memchr(data + at, '\n', len - at);

		end = nl != NULL ? (size_t)(nl - data) : len;
		/* REG_STARTEND: the line in place, no NUL needed. */
		m.rm_so = (regoff_t)at;
		m.rm_eo = (regoff_t)end;
		while (m.rm_so < m.rm_eo && regexec(&grep_re, data, 1, &m,
		    REG_STARTEND | (m.rm_so > (regoff_t)at ? REG_NOTBOL : 0)) == 0) {
			if (m.rm_eo > m.rm_so && mr_emit(out, data + m.rm_so,
			    (size_t)(m.rm_eo - m.rm_so), "1", 1) == -1)
				return -1;
			m.rm_so = m.rm_eo > m.rm_so ? m.rm_eo : m.rm_so + 1;
			m.rm_eo = (regoff_t)end;
		}
		at = end + 1;
	}
	return 0;
}

static int
grep_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char *v;
	size_t vlen;
	uint64_t n, sum = 0;
	int r;

	while ((r = mr_values_next(values, &v, &vlen)) == 1) {
		if (mr_parse_u64(v, vlen, &n) == -1 || n > UINT64_MAX - sum)
			return mr_error("key %s: a count that is not one", key);
		sum += n;
	}
	if (r == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, sum);
}

MR_APP_DESC(.name = "grep", .map = grep_map, .reduce = grep_reduce,
    .combine = mr_combine_sum, .init = grep_init, .fini = grep_fini);
