/*
 * check_mapout - a map task's in-memory output (worker/mapout.h): records
 * land in the partition of their key's hash, sorting and grouping by key
 * (bytewise, values in emission order), writing mr-<id>-<p> with and
 * without a combiner; and whole tasks (worker/task.h) run with the wc app
 * in a temporary job folder: maptask_run() then reducetask_run(), with
 * missing and corrupted intermediate files reported as bad_maps.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "hash.h"
#include "kvfile.h"
#include "plugin.h"
#include "safefile.h"
#include "sdk.h"
#include "../worker/mapout.h"
#include "../worker/task.h"

/*
 * The tcase's root folder is made and removed by an unchecked fixture (in
 * the parent process, so it goes even when a test fails); every test runs
 * inside its own folder below it and the working folder is put back after.
 */
static char rootdir[64];
static char tmpdir[128];
static char build[PATH_MAX];
static int oldcwd = -1;

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

/* Memory given to reduce tasks: the default groups in a hash table, 0 merges. */
static size_t reduce_memory = TASK_MEMORY_DEFAULT;

static void
root_setup(void)
{
	strcpy(rootdir, "/tmp/check_mapout-XXXXXX");
	if (mkdtemp(rootdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
root_teardown(void)
{
	if (oldcwd != -1) {
		if (fchdir(oldcwd) == -1)
			perror("fchdir");
		close(oldcwd);
		oldcwd = -1;
	}
	nftw(rootdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	const char *b = getenv("BUILD");

	if (b == NULL || *b == '\0')
		b = "build";
	if (realpath(b, build) == NULL)
		ck_abort_msg("BUILD folder %s not found", b);
	snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", rootdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(chdir(tmpdir), 0);
}

static void
teardown(void)
{
	if (oldcwd != -1 && fchdir(oldcwd) == -1)
		perror("fchdir");
}

/* Emitted records: the value of record i is always the decimal text of i. */
struct kv {
	char	 key[24];
	size_t	 keylen;
};

static const struct kv *sort_recs;

/* Reference order: bytewise key, shorter first, then emission order. */
static int
ref_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	const struct kv *ka = &sort_recs[a], *kb = &sort_recs[b];
	size_t n = ka->keylen < kb->keylen ? ka->keylen : kb->keylen;
	int c = memcmp(ka->key, kb->key, n);

	if (c != 0)
		return c;
	if (ka->keylen != kb->keylen)
		return ka->keylen < kb->keylen ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Walks the reference order of one partition as groups come. */
struct checker {
	const struct kv	*recs;
	size_t		*order;
	size_t		 n, at, groups;
};

static void
checker_init(struct checker *c, const struct kv *recs, size_t n,
    uint32_t part, uint32_t nparts)
{
	c->recs = recs;
	c->order = malloc((n != 0 ? n : 1) * sizeof *c->order);
	ck_assert_ptr_nonnull(c->order);
	c->n = 0;
	for (size_t i = 0; i < n; i++)
		if (hash_partition(recs[i].key, recs[i].keylen, nparts) == part)
			c->order[c->n++] = i;
	sort_recs = recs;
	qsort(c->order, c->n, sizeof *c->order, ref_cmp);
	c->at = c->groups = 0;
}

static int
same_key(const struct kv *a, const char *key, size_t keylen)
{
	return a->keylen == keylen && memcmp(a->key, key, keylen) == 0;
}

static int
check_group(void *arg, const char *key, size_t keylen, mr_values *values)
{
	struct checker *c = arg;
	const char *v;
	size_t vlen;
	char want[24];
	int nv = 0;

	ck_assert_msg(c->at < c->n, "group %zu is extra", c->groups);
	ck_assert_msg(same_key(&c->recs[c->order[c->at]], key, keylen),
	    "group %zu has the wrong key (length %zu, want %zu)", c->groups,
	    keylen, c->recs[c->order[c->at]].keylen);
	ck_assert_int_eq(key[keylen], '\0');
	while (mr_values_next(values, &v, &vlen) == 1) {
		ck_assert_msg(c->at < c->n && same_key(&c->recs[c->order[c->at]],
		    key, keylen), "group %zu has too many values", c->groups);
		snprintf(want, sizeof want, "%zu", c->order[c->at]);
		ck_assert_uint_eq(vlen, strlen(want));
		ck_assert_msg(memcmp(v, want, vlen) == 0,
		    "group %zu value %d: got %.*s, want %s", c->groups, nv,
		    (int)vlen, v, want);
		c->at++;
		nv++;
	}
	ck_assert_int_eq(mr_values_next(values, &v, &vlen), 0);
	ck_assert_int_gt(nv, 0);
	/* The group took every value of its key. */
	ck_assert_msg(c->at == c->n || !same_key(&c->recs[c->order[c->at]],
	    key, keylen), "group %zu is missing values", c->groups);
	c->groups++;
	return 0;
}

/* Emits recs[i] with value "i" through the SDK's mr_emit(). */
static void
emit_all(struct mapout *mo, const struct kv *recs, size_t n)
{
	mr_emitter *em = mapout_emitter(mo);
	char v[24];

	for (size_t i = 0; i < n; i++) {
		int vl = snprintf(v, sizeof v, "%zu", i);

		ck_assert_int_eq(mr_emit(em, recs[i].key, recs[i].keylen, v, vl),
		    0);
	}
	ck_assert_uint_eq(mapout_count(mo), n);
}

/* Sorts and checks every partition's groups against the reference. */
static void
check_all_groups(struct mapout *mo, const struct kv *recs, size_t n,
    uint32_t nparts)
{
	size_t total = 0;

	mapout_sort(mo);
	for (uint32_t p = 0; p < nparts; p++) {
		struct checker c;

		checker_init(&c, recs, n, p, nparts);
		ck_assert_int_eq(mapout_foreach_group(mo, p, check_group, &c), 0);
		ck_assert_msg(c.at == c.n, "partition %u: %zu of %zu records "
		    "seen", p, c.at, c.n);
		total += c.at;
		free(c.order);
	}
	ck_assert_uint_eq(total, n);
}

#define K(s) { s, sizeof s - 1 }

/* Keys chosen to stress the 8-byte prefix cache and NUL bytes. */
static const struct kv tricky[] = {
	K("abcdefgh1"), K("abcdefgh"), K("abcdefgh0"), K("abcdefghij"),
	K("abcdefg"), K(""), K("\0"), K("a\0b"), K("a"), K("a\0"),
	K("abcdefgh\0"), K("b"), K("\xff"), K("abcdefgh\xff"), K("abcdefgh1"),
	K(""), K("a"), K("abcdefgh"), K("\0\0\0\0\0\0\0\0\0"),
	K("\0\0\0\0\0\0\0\0"),
	K("abcdefgh\0\0"), K("abcdefgh\0"), K("\x80"), K("abcdefghij"),
	K("abcdefgi"), K("abcdefgh\x01"), K("a"),
};
#define NTRICKY (sizeof tricky / sizeof tricky[0])

START_TEST(test_partitioning)
{
	enum { N = 500, NP = 7 };
	struct kv recs[N];
	struct mapout *mo = mapout_new(NP);
	uint32_t per[NP] = { 0 };

	for (size_t i = 0; i < N; i++) {
		recs[i].keylen = snprintf(recs[i].key, sizeof recs[i].key,
		    "word%zu", i % 123);
		per[hash_partition(recs[i].key, recs[i].keylen, NP)]++;
	}
	emit_all(mo, recs, N);
	check_all_groups(mo, recs, N, NP);
	for (uint32_t p = 0; p < NP; p++)
		ck_assert_uint_gt(per[p], 0);
	mapout_free(mo);
}
END_TEST

START_TEST(test_group_order_one_part)
{
	struct mapout *mo = mapout_new(1);

	emit_all(mo, tricky, NTRICKY);
	check_all_groups(mo, tricky, NTRICKY, 1);
	mapout_free(mo);
}
END_TEST

START_TEST(test_group_order_parts)
{
	struct mapout *mo = mapout_new(3);

	emit_all(mo, tricky, NTRICKY);
	check_all_groups(mo, tricky, NTRICKY, 3);
	mapout_free(mo);
}
END_TEST

START_TEST(test_group_order_random)
{
	enum { N = 5000 };
	static const char alphabet[] = { 'a', 'b', '\0', '\xff', 'a', 'a' };
	static struct kv recs[N];
	struct mapout *mo = mapout_new(2);
	uint32_t seed = 7;

	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		recs[i].keylen = (seed >> 16) % 14;
		/* Mostly a shared 8-byte head so that the tails decide. */
		for (size_t j = 0; j < recs[i].keylen; j++) {
			seed = seed * 1103515245u + 12345u;
			recs[i].key[j] = j < 7 && (seed >> 20) % 4 != 0 ?
			    'a' : alphabet[(seed >> 16) % sizeof alphabet];
		}
	}
	emit_all(mo, recs, N);
	check_all_groups(mo, recs, N, 2);
	mapout_free(mo);
}
END_TEST

START_TEST(test_empty_output)
{
	struct mapout *mo = mapout_new(4);
	struct checker c;

	ck_assert_uint_eq(mapout_count(mo), 0);
	mapout_sort(mo);
	checker_init(&c, NULL, 0, 0, 4);
	for (uint32_t p = 0; p < 4; p++)
		ck_assert_int_eq(mapout_foreach_group(mo, p, check_group, &c), 0);
	ck_assert_uint_eq(c.groups, 0);
	free(c.order);
	mapout_free(mo);
}
END_TEST

static int
stop_group(void *arg, const char *key, size_t keylen, mr_values *values)
{
	int *calls = arg;

	(void)key;
	(void)keylen;
	(void)values;
	return ++*calls == 2 ? -1 : 0;
}

START_TEST(test_group_error_stops)
{
	struct mapout *mo = mapout_new(1);
	int calls = 0;

	emit_all(mo, tricky, NTRICKY);
	mapout_sort(mo);
	ck_assert_int_eq(mapout_foreach_group(mo, 0, stop_group, &calls), -1);
	ck_assert_int_eq(calls, 2);
	mapout_free(mo);
}
END_TEST

/* Names in the current folder, sorted, joined by spaces (dot files too). */
static void
list_cwd(char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(".", &names, NULL, alphasort);
	size_t used = 0;

	ck_assert_int_ge(n, 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0 && used < size)
			used += snprintf(out + used, size - used, "%s%s",
			    used > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static int
no_temp_files(void)
{
	char names[4096];

	list_cwd(names, sizeof names);
	return strstr(names, SAFEFILE_PREFIX) == NULL;
}

static off_t
file_size(const char *name)
{
	struct stat st;

	if (stat(name, &st) == -1)
		return -1;
	return st.st_size;
}

/* CRC-32C of a whole file, read here in small pieces. */
static uint32_t
file_crc(const char *name)
{
	char buf[1000];
	uint32_t crc = 0;
	ssize_t n;
	int fd = open(name, O_RDONLY);

	ck_assert_int_ne(fd, -1);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		crc = crc32c(crc, buf, (size_t)n);
	ck_assert_int_eq(n, 0);
	close(fd);
	return crc;
}

/* Checks mr-<id>-<p> against the reference records of partition p. */
static void
check_file(uint32_t id, uint32_t p, uint32_t nparts, const struct kv *recs,
    size_t n)
{
	struct checker c;
	struct err e = { "" };
	struct kvreader *r;
	char name[64];
	const char *k, *v;
	size_t kl, vl;
	int rc;

	snprintf(name, sizeof name, "mr-%u-%u", id, p);
	r = kvreader_open(name, 0, &e);
	if (r == NULL)
		ck_abort_msg("%s", e.msg);
	checker_init(&c, recs, n, p, nparts);
	while ((rc = kvreader_next(r, &k, &kl, &v, &vl, &e)) == 1) {
		char want[24];

		ck_assert_msg(c.at < c.n, "%s: extra record", name);
		ck_assert_msg(same_key(&recs[c.order[c.at]], k, kl),
		    "%s: record %zu has the wrong key", name, c.at);
		snprintf(want, sizeof want, "%zu", c.order[c.at]);
		ck_assert_uint_eq(vl, strlen(want));
		ck_assert_int_eq(memcmp(v, want, vl), 0);
		c.at++;
	}
	ck_assert_msg(rc == 0, "%s: %s", name, e.msg);
	ck_assert_uint_eq(c.at, c.n);
	free(c.order);
	kvreader_close(r);
}

START_TEST(test_write_plain)
{
	enum { NP = 8 };
	struct mapout *mo = mapout_new(NP);
	struct err e = { "" };
	uint64_t bytes = 5;
	off_t total = 0;
	char name[64], names[4096];

	emit_all(mo, tricky, NTRICKY);
	mapout_sort(mo);
	if (mapout_write(mo, 12, NULL, &bytes, &e) != 0)
		ck_abort_msg("mapout_write: %s", e.msg);
	for (uint32_t p = 0; p < NP; p++) {
		check_file(12, p, NP, tricky, NTRICKY);
		snprintf(name, sizeof name, "mr-12-%u", p);
		total += file_size(name);
	}
	/* Added to what *bytes held. */
	ck_assert_uint_eq(bytes, 5 + (uint64_t)total);
	list_cwd(names, sizeof names);
	ck_assert_str_eq(names, "mr-12-0 mr-12-1 mr-12-2 mr-12-3 mr-12-4 "
	    "mr-12-5 mr-12-6 mr-12-7");
	mapout_free(mo);
}
END_TEST

/* Sums decimal values, like wc's reduce. */
static int
sum_combine(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char *v;
	size_t vlen;
	uint64_t n, sum = 0;
	int r;

	while ((r = mr_values_next(values, &v, &vlen)) == 1) {
		if (mr_parse_u64(v, vlen, &n) == -1)
			return -1;
		sum += n;
	}
	if (r == -1)
		return -1;
	return mr_emit_u64(out, key, keylen, sum);
}

/* Emits under a key it was not given. */
static int
bad_combine(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	(void)values;
	if (keylen == 1 && key[0] == 'b')
		return mr_emit(out, "c", 1, "1", 1);
	return mr_emit(out, key, keylen, "1", 1);
}

static int
failing_combine(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	(void)out;
	(void)key;
	(void)keylen;
	(void)values;
	return -1;
}

START_TEST(test_write_combined)
{
	struct mapout *mo = mapout_new(2);
	mr_emitter *em = mapout_emitter(mo);
	struct err e = { "" };
	struct kvreader *r;
	uint64_t bytes = 0, sums[3] = { 0, 0, 0 };
	const char *keys[] = { "x", "y", "zz" }, *k, *v;
	size_t kl, vl;
	int rc, seen = 0;

	for (int i = 0; i < 30; i++) {
		char val[8];
		int n = snprintf(val, sizeof val, "%d", i);

		ck_assert_int_eq(mr_emit(em, keys[i % 3], strlen(keys[i % 3]),
		    val, n), 0);
		sums[i % 3] += i;
	}
	mapout_sort(mo);
	ck_assert_int_eq(mapout_write(mo, 0, sum_combine, &bytes, &e), 0);
	ck_assert_uint_eq(bytes, (uint64_t)(file_size("mr-0-0") +
	    file_size("mr-0-1")));
	for (uint32_t p = 0; p < 2; p++) {
		char name[16];
		const char *prev = NULL;

		snprintf(name, sizeof name, "mr-0-%u", p);
		r = kvreader_open(name, 0, &e);
		ck_assert_ptr_nonnull(r);
		while ((rc = kvreader_next(r, &k, &kl, &v, &vl, &e)) == 1) {
			char want[24];
			int i;

			for (i = 0; i < 3; i++)
				if (kl == strlen(keys[i]) &&
				    memcmp(k, keys[i], kl) == 0)
					break;
			ck_assert_int_lt(i, 3);
			if (i == 3)
				break;
			/* One record per key. */
			ck_assert_ptr_ne(prev, keys[i]);
			prev = keys[i];
			ck_assert_uint_eq(hash_partition(k, kl, 2), p);
			snprintf(want, sizeof want, "%llu",
			    (unsigned long long)sums[i]);
			ck_assert_uint_eq(vl, strlen(want));
			ck_assert_int_eq(memcmp(v, want, vl), 0);
			seen++;
		}
		ck_assert_int_eq(rc, 0);
		kvreader_close(r);
	}
	ck_assert_int_eq(seen, 3);
	mapout_free(mo);
}
END_TEST

START_TEST(test_write_bad_combine)
{
	struct mapout *mo = mapout_new(1);
	mr_emitter *em = mapout_emitter(mo);
	struct err e = { "" };
	uint64_t bytes = 0;

	ck_assert_int_eq(mr_emit(em, "a", 1, "1", 1), 0);
	ck_assert_int_eq(mr_emit(em, "b", 1, "1", 1), 0);
	ck_assert_int_eq(mr_emit(em, "d", 1, "1", 1), 0);
	mapout_sort(mo);
	ck_assert_int_eq(mapout_write(mo, 3, bad_combine, &bytes, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "combine"));
	ck_assert_int_eq(file_size("mr-3-0"), -1);
	ck_assert(no_temp_files());
	/* A combiner that fails outright fails the write too. */
	e.msg[0] = '\0';
	ck_assert_int_eq(mapout_write(mo, 4, failing_combine, &bytes, &e), -1);
	ck_assert_str_ne(e.msg, "");
	ck_assert_int_eq(file_size("mr-4-0"), -1);
	ck_assert(no_temp_files());
	mapout_free(mo);
}
END_TEST

/* ---- whole tasks with the wc app ---- */

static const char *vocab[] = {
	"the", "The", "cat", "hat", "and", "café", "über", "Über", "日本語",
	"naïve", "x", "y", "zebra", "apple", "word", "λόγος",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])
static const char *seps[] = { " ", ", ", "\n", "--", " 42 ", "_", "'", "!\t" };
#define NSEPS (sizeof seps / sizeof seps[0])

/* Writes an input of `nwords` vocabulary words; adds them to counts. */
static void
write_input(const char *name, uint32_t seed, int nwords, uint64_t *counts)
{
	FILE *f = fopen(name, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < nwords; i++) {
		size_t w;

		seed = seed * 1103515245u + 12345u;
		w = (seed >> 16) % NVOCAB;
		counts[w]++;
		fputs(seps[(seed >> 8) % NSEPS], f);
		fputs(vocab[w], f);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static struct plugin *
load_wc(void)
{
	char p[PATH_MAX + 32];
	struct err e = { "" };
	struct plugin *pl;

	snprintf(p, sizeof p, "%s/apps/wc.so", build);
	pl = plugin_load(p, &e);
	if (pl == NULL)
		ck_abort_msg("%s (build the apps first: make)", e.msg);
	return pl;
}

/* Runs maps 0..ninputs-1 over in-<i>.txt. */
static void
run_maps(const struct mr_app *app, uint32_t ninputs, uint32_t nreduce)
{
	struct task_result res = { 0 };
	struct err e = { "" };
	char in[32], name[32];

	for (uint32_t i = 0; i < ninputs; i++) {
		uint64_t sum = 0;

		snprintf(in, sizeof in, "in-%u.txt", i);
		if (maptask_run(app, &(struct task_spec){ .id = i, .input = in, .nreduce = nreduce, .memory = TASK_MEMORY_DEFAULT }, &res, &e) != 0)
			ck_abort_msg("map %u: %s", i, e.msg);
		for (uint32_t p = 0; p < nreduce; p++) {
			snprintf(name, sizeof name, "mr-%u-%u", i, p);
			ck_assert_int_ge(file_size(name), 21);
			sum += file_size(name);
		}
		ck_assert_uint_eq(res.bytes_out, sum);
		ck_assert_uint_eq(res.nbad, 0);
		task_result_clear(&res);
	}
}

/* Reads mr-out-<p> and checks its lines against the counts. */
static void
check_output(uint32_t p, uint32_t nreduce, const uint64_t *counts,
    int *seen)
{
	char name[32], line[256], prev[256] = "";
	FILE *f;
	int first = 1;

	snprintf(name, sizeof name, "mr-out-%u", p);
	f = fopen(name, "r");
	ck_assert_msg(f != NULL, "%s is missing", name);
	while (fgets(line, sizeof line, f) != NULL) {
		char *sp = strchr(line, ' ');
		size_t w;
		unsigned long long n;

		ck_assert_msg(sp != NULL, "%s: bad line %s", name, line);
		*sp = '\0';
		for (w = 0; w < NVOCAB; w++)
			if (strcmp(line, vocab[w]) == 0)
				break;
		ck_assert_msg(w < NVOCAB, "%s: unknown word %s", name, line);
		ck_assert_uint_eq(hash_partition(line, strlen(line), nreduce), p);
		ck_assert_int_eq(sscanf(sp + 1, "%llu", &n), 1);
		ck_assert_msg(n == counts[w], "%s: %s counted %llu, want %llu",
		    name, line, n, (unsigned long long)counts[w]);
		ck_assert_msg(first || strcmp(prev, line) < 0,
		    "%s: %s after %s", name, line, prev);
		first = 0;
		strcpy(prev, line);
		ck_assert_int_eq(seen[w], 0);
		seen[w] = 1;
	}
	fclose(f);
}

START_TEST(test_wc_end_to_end)
{
	struct plugin *pl = load_wc();
	const struct mr_app *app = plugin_app(pl);
	struct task_result res = { 0 };
	struct err e = { "" };
	uint64_t counts[NVOCAB] = { 0 };
	int seen[NVOCAB] = { 0 };
	char name[32];

	write_input("in-0.txt", 1, 400, counts);
	write_input("in-1.txt", 2, 300, counts);
	run_maps(app, 2, 3);
	for (uint32_t p = 0; p < 3; p++) {
		if (reducetask_run(app, &(struct task_spec){ .id = p, .nmap = 2, .memory = reduce_memory }, &res, &e) != 0)
			ck_abort_msg("reduce %u: %s", p, e.msg);
		ck_assert_uint_eq(res.nbad, 0);
		snprintf(name, sizeof name, "mr-out-%u", p);
		ck_assert_uint_eq(res.bytes_out, (uint64_t)file_size(name));
		/* What the report says the journal will check. */
		ck_assert_uint_gt(res.output_size, 0);
		ck_assert_uint_eq(res.output_size, (uint64_t)file_size(name));
		ck_assert_uint_eq(res.output_crc, file_crc(name));
		task_result_clear(&res);
		check_output(p, 3, counts, seen);
	}
	for (size_t w = 0; w < NVOCAB; w++)
		ck_assert_msg(seen[w] == (counts[w] > 0), "word %s: seen %d, "
		    "count %llu", vocab[w], seen[w],
		    (unsigned long long)counts[w]);
	ck_assert(no_temp_files());
	plugin_close(pl);
}
END_TEST

START_TEST(test_wc_empty_input)
{
	struct plugin *pl = load_wc();
	const struct mr_app *app = plugin_app(pl);
	struct task_result res = { 0 };
	struct err e = { "" };
	uint64_t counts[NVOCAB] = { 0 };
	int seen[NVOCAB] = { 0 };

	write_input("in-0.txt", 3, 0, counts);
	write_input("in-1.txt", 4, 50, counts);
	run_maps(app, 2, 2);
	for (uint32_t p = 0; p < 2; p++) {
		ck_assert_int_eq(reducetask_run(app, &(struct task_spec){ .id = p, .nmap = 2, .memory = reduce_memory }, &res, &e), 0);
		task_result_clear(&res);
		check_output(p, 2, counts, seen);
	}
	plugin_close(pl);
}
END_TEST

START_TEST(test_map_missing_input)
{
	struct plugin *pl = load_wc();
	struct task_result res = { 0 };
	struct err e = { "" };
	char names[256];

	ck_assert_int_eq(maptask_run(plugin_app(pl), &(struct task_spec){ .id = 0, .input = "nosuch.txt", .nreduce = 2, .memory = TASK_MEMORY_DEFAULT }, &res,
	    &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "nosuch.txt"));
	list_cwd(names, sizeof names);
	ck_assert_str_eq(names, "");
	/* A folder is no input either. */
	ck_assert_int_eq(mkdir("adir", 0755), 0);
	e.msg[0] = '\0';
	ck_assert_int_eq(maptask_run(plugin_app(pl), &(struct task_spec){ .id = 0, .input = "adir", .nreduce = 2, .memory = TASK_MEMORY_DEFAULT }, &res, &e),
	    -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "adir"));
	list_cwd(names, sizeof names);
	ck_assert_str_eq(names, "adir");
	task_result_clear(&res);
	plugin_close(pl);
}
END_TEST

/* Emits one record, then fails. */
static int
failing_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)name;
	(void)data;
	(void)len;
	mr_emit(out, "k", 1, "v", 1);
	return -1;
}

static int
unused_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	(void)out;
	(void)key;
	(void)keylen;
	(void)values;
	return -1;
}

START_TEST(test_map_fails)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION,
	    .name = "badmap", .map = failing_map, .reduce = unused_reduce };
	struct task_result res = { 0 };
	struct err e = { "" };
	uint64_t counts[NVOCAB] = { 0 };
	char names[256];

	write_input("in-0.txt", 9, 10, counts);
	ck_assert_int_eq(maptask_run(&app, &(struct task_spec){ .id = 0, .input = "in-0.txt", .nreduce = 2, .memory = TASK_MEMORY_DEFAULT }, &res, &e), -1);
	ck_assert_msg(strstr(e.msg, "badmap") != NULL, "message: %s", e.msg);
	ck_assert_uint_eq(res.bytes_out, 0);
	/* No intermediate file at all. */
	list_cwd(names, sizeof names);
	ck_assert_str_eq(names, "in-0.txt");
	task_result_clear(&res);
}
END_TEST

/* Expects reduce `part` over nmap maps to fail naming exactly `bad`. */
static void
expect_bad_maps(const struct mr_app *app, uint32_t part, uint32_t nmap,
    const uint32_t *bad, size_t nbad, const char *culprit)
{
	struct task_result res = { 0 };
	struct err e = { "" };
	char out[32];

	ck_assert_int_eq(reducetask_run(app, &(struct task_spec){ .id = part, .nmap = nmap, .memory = reduce_memory }, &res, &e), -1);
	ck_assert_msg(res.nbad == nbad, "%zu bad maps, want %zu (%s)",
	    res.nbad, nbad, e.msg);
	for (size_t i = 0; i < nbad; i++)
		ck_assert_msg(res.bad_maps[i] == bad[i],
		    "bad map %zu is %u, want %u (%s)", i, res.bad_maps[i],
		    bad[i], e.msg);
	ck_assert_msg(strstr(e.msg, culprit) != NULL,
	    "message does not name %s: %s", culprit, e.msg);
	snprintf(out, sizeof out, "mr-out-%u", part);
	ck_assert_int_eq(file_size(out), -1);
	ck_assert(no_temp_files());
	task_result_clear(&res);
}

/*
 * Map outputs of another job (a killed run's orphan worker linking its
 * files late, with another number of partitions) are reported as bad maps
 * to run again, never read as this job's; a map run again with this job's
 * id mends them.
 */
START_TEST(test_reduce_other_job)
{
	struct plugin *pl = load_wc();
	const struct mr_app *app = plugin_app(pl);
	struct task_result res = { 0 };
	struct err e = { "" };
	uint64_t counts[NVOCAB] = { 0 };
	uint32_t one[] = { 1 };

	write_input("in-0.txt", 5, 200, counts);
	write_input("in-1.txt", 6, 200, counts);
	run_maps(app, 2, 3);
	ck_assert_int_eq(maptask_run(app, &(struct task_spec){ .id = 1, .input = "in-1.txt", .nreduce = 3, .memory = TASK_MEMORY_DEFAULT, .job = 0x5eed }, &res, &e), 0);
	task_result_clear(&res);
	expect_bad_maps(app, 2, 2, one, 1, "mr-1-2: written by another job");
	run_maps(app, 2, 3);
	ck_assert_int_eq(reducetask_run(app, &(struct task_spec){ .id = 2, .nmap = 2, .memory = reduce_memory }, &res, &e), 0);
	task_result_clear(&res);
	plugin_close(pl);
}
END_TEST

START_TEST(test_reduce_missing)
{
	struct plugin *pl = load_wc();
	const struct mr_app *app = plugin_app(pl);
	uint64_t counts[NVOCAB] = { 0 };
	uint32_t one[] = { 1 }, both[] = { 0, 1 };

	write_input("in-0.txt", 5, 200, counts);
	write_input("in-1.txt", 6, 200, counts);
	run_maps(app, 2, 3);
	ck_assert_int_eq(unlink("mr-1-2"), 0);
	expect_bad_maps(app, 2, 2, one, 1, "mr-1-2");
	ck_assert_int_eq(unlink("mr-0-0"), 0);
	ck_assert_int_eq(unlink("mr-1-0"), 0);
	expect_bad_maps(app, 0, 2, both, 2, "mr-0-0");
	plugin_close(pl);
}
END_TEST

/* Flips one byte of a file in place. */
static void
flip(const char *name, off_t at)
{
	int fd = open(name, O_RDWR);
	uint8_t c;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x01;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

START_TEST(test_reduce_corrupt)
{
	struct plugin *pl = load_wc();
	const struct mr_app *app = plugin_app(pl);
	uint64_t counts[NVOCAB] = { 0 };
	uint32_t zero[] = { 0 }, one[] = { 1 };
	struct task_result res = { 0 };
	struct err e = { "" };
	off_t n;

	write_input("in-0.txt", 7, 300, counts);
	write_input("in-1.txt", 8, 300, counts);
	run_maps(app, 2, 2);
	/* A byte inside the records of mr-0-1, then the CRC of mr-1-0. */
	n = file_size("mr-0-1");
	ck_assert_int_gt(n, 40);
	flip("mr-0-1", n / 2);
	expect_bad_maps(app, 1, 2, zero, 1, "mr-0-1");
	n = file_size("mr-1-0");
	flip("mr-1-0", n - 1);
	expect_bad_maps(app, 0, 2, one, 1, "mr-1-0");
	/* Put the bytes back: the reduces succeed. */
	flip("mr-0-1", file_size("mr-0-1") / 2);
	flip("mr-1-0", n - 1);
	for (uint32_t p = 0; p < 2; p++) {
		if (reducetask_run(app, &(struct task_spec){ .id = p, .nmap = 2, .memory = reduce_memory }, &res, &e) != 0)
			ck_abort_msg("reduce %u: %s", p, e.msg);
		task_result_clear(&res);
	}
	plugin_close(pl);
}
END_TEST

/* ---- reduce with apps defined here, over hand-written map outputs ---- */

/* Writes mr-<id>-<part> holding records "key\tvalue" given one per string. */
static void
write_mapfile(uint32_t id, uint32_t part, const char *const *recs, size_t n)
{
	struct err e = { "" };
	struct kvwriter *w;
	char name[32];

	snprintf(name, sizeof name, "mr-%u-%u", id, part);
	w = kvwriter_open(name, 0, &e);
	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < n; i++) {
		const char *tab = strchr(recs[i], '\t');

		ck_assert_ptr_nonnull(tab);
		ck_assert_int_eq(kvwriter_add(w, recs[i], tab - recs[i], tab + 1,
		    strlen(tab + 1), &e), 0);
	}
	ck_assert_int_eq(kvwriter_commit(w, NULL, &e), 0);
}

static void
write_three_maps(void)
{
	static const char *m0[] = {
		"\t0e", "a\t0a1", "a\t0a2", "b\t0b1", "d\t0d1",
	};
	static const char *m1[] = {
		"a\t1a1", "c\t1c1", "d\t1d1", "d\t1d2",
	};

	write_mapfile(0, 4, m0, 5);
	write_mapfile(1, 4, m1, 4);
	write_mapfile(2, 4, NULL, 0);
}

/* Joins every value with ','. */
static int
join_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	char buf[256];
	const char *v;
	size_t vlen, used = 0;
	int r;

	ck_assert_int_eq(key[keylen], '\0');
	while ((r = mr_values_next(values, &v, &vlen)) == 1) {
		ck_assert_uint_lt(used + vlen + 1, sizeof buf);
		if (used > 0)
			buf[used++] = ',';
		memcpy(buf + used, v, vlen);
		used += vlen;
	}
	ck_assert_int_eq(mr_values_next(values, &v, &vlen), r);
	if (r == -1)
		return -1;
	return mr_emit(out, key, keylen, buf, used);
}

/* Reads only the first value. */
static int
first_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	const char *v;
	size_t vlen;

	if (mr_values_next(values, &v, &vlen) != 1)
		return -1;
	return mr_emit(out, key, keylen, v, vlen);
}

/* Reads no value at all. */
static int
none_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	(void)values;
	return mr_emit(out, key, keylen, "-", 1);
}

/* Fails on key "c". */
static int
failing_reduce(mr_emitter *out, const char *key, size_t keylen,
    mr_values *values)
{
	if (keylen == 1 && key[0] == 'c')
		return -1;
	return join_reduce(out, key, keylen, values);
}

static int
noop_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	(void)out;
	(void)name;
	(void)data;
	(void)len;
	return 0;
}

/* Whole contents of a text file, in buf. */
static void
read_text(const char *name, char *buf, size_t size)
{
	FILE *f = fopen(name, "r");
	size_t n;

	ck_assert_msg(f != NULL, "%s is missing", name);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Runs reduce 4 over maps 0..2 with `fn` and compares mr-out-4. */
static void
reduce_expect(mr_reduce_fn fn, const char *want)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION,
	    .name = "test", .map = noop_map, .reduce = fn };
	struct task_result res = { 0 };
	struct err e = { "" };
	char got[1024];

	if (reducetask_run(&app, &(struct task_spec){ .id = 4, .nmap = 3, .memory = reduce_memory }, &res, &e) != 0)
		ck_abort_msg("reduce: %s", e.msg);
	ck_assert_uint_eq(res.nbad, 0);
	ck_assert_uint_eq(res.bytes_out, strlen(want));
	task_result_clear(&res);
	read_text("mr-out-4", got, sizeof got);
	ck_assert_str_eq(got, want);
	ck_assert(no_temp_files());
}

START_TEST(test_reduce_values_order)
{
	write_three_maps();
	/* Equal keys: values of map 0 first, each map's in its file order. */
	reduce_expect(join_reduce,
	    " 0e\na 0a1,0a2,1a1\nb 0b1\nc 1c1\nd 0d1,1d1,1d2\n");
}
END_TEST

START_TEST(test_reduce_partial_read)
{
	write_three_maps();
	reduce_expect(first_reduce, " 0e\na 0a1\nb 0b1\nc 1c1\nd 0d1\n");
	reduce_expect(none_reduce, " -\na -\nb -\nc -\nd -\n");
}
END_TEST

START_TEST(test_reduce_no_maps)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION,
	    .name = "test", .map = noop_map, .reduce = join_reduce };
	struct task_result res = { 0 };
	struct err e = { "" };

	/* Zero map tasks: an empty output, not an error. */
	ck_assert_int_eq(reducetask_run(&app, &(struct task_spec){ .id = 0, .nmap = 0, .memory = reduce_memory }, &res, &e), 0);
	ck_assert_uint_eq(res.nbad, 0);
	ck_assert_uint_eq(res.bytes_out, 0);
	ck_assert_int_eq(file_size("mr-out-0"), 0);
	task_result_clear(&res);
}
END_TEST

START_TEST(test_reduce_fails)
{
	struct mr_app app = { .abi_version = MR_ABI_VERSION,
	    .name = "failapp", .map = noop_map, .reduce = failing_reduce };
	struct task_result res = { 0 };
	struct err e = { "" };

	write_three_maps();
	ck_assert_int_eq(reducetask_run(&app, &(struct task_spec){ .id = 4, .nmap = 3, .memory = reduce_memory }, &res, &e), -1);
	ck_assert_uint_eq(res.nbad, 0);
	ck_assert_msg(strstr(e.msg, "failapp") != NULL, "message: %s", e.msg);
	ck_assert_int_eq(file_size("mr-out-4"), -1);
	ck_assert(no_temp_files());
	task_result_clear(&res);
}
END_TEST


static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A deterministic key of the test vocabulary: short, 8-byte and long ones. */
static size_t
vocab_key(uint32_t w, char *buf)
{
	static const char *stems[] = { "a", "ab", "abcdefgh", "abcdefghi",
	    "a-much-longer-key-than-eight-bytes", "\xce\xbb\xcf\x8c", "" };
	return (size_t)sprintf(buf, "%s%u", stems[w % 7], w / 7);
}

/* Reads every record of mr-<id>-<p> into one "key=value\n" text. */
static char *
dump_file(uint32_t id, uint32_t p)
{
	char name[32], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct kvreader *r;
	struct err e = { "" };
	const char *k, *v;
	size_t kl, vl;
	int rc;

	snprintf(name, sizeof name, "mr-%u-%u", id, p);
	r = kvreader_open(name, 0, &e);
	ck_assert_msg(r != NULL, "%s", e.msg);
	while ((rc = kvreader_next(r, &k, &kl, &v, &vl, &e)) == 1) {
		fwrite(k, 1, kl, f);
		fputc('=', f);
		fwrite(v, 1, vl, f);
		fputc('\n', f);
	}
	ck_assert_msg(rc == 0, "%s", e.msg);
	kvreader_close(r);
	fclose(f);
	return text;
}

/* A bounded output that spills many runs writes what an unbounded one does. */
START_TEST(test_bounded_spills)
{
	struct mapout *a = mapout_new(3), *b = mapout_new_bounded(3, NULL,
	    64 * 1024);
	struct err e = { "" };
	uint64_t bytes = 0;
	uint32_t seed = 42;
	char key[64], val[16];

	for (int i = 0; i < 50000; i++) {
		size_t kl;
		int vl;

		seed = seed * 1103515245u + 12345u;
		kl = vocab_key((seed >> 8) % 3000, key);
		vl = snprintf(val, sizeof val, "v%d", i);
		ck_assert_int_eq(mr_emit(mapout_emitter(a), key, kl, val, vl), 0);
		ck_assert_int_eq(mr_emit(mapout_emitter(b), key, kl, val, vl), 0);
	}
	ck_assert_uint_gt(mapout_spills(b), 5);
	ck_assert_int_eq(mapout_write(a, 1, NULL, &bytes, &e), 0);
	ck_assert_msg(mapout_write(b, 2, NULL, &bytes, &e) == 0, "%s", e.msg);
	for (uint32_t p = 0; p < 3; p++) {
		char *x = dump_file(1, p), *y = dump_file(2, p);

		ck_assert_uint_gt(strlen(x), 0);
		ck_assert_msg(strcmp(x, y) == 0, "partition %u differs", p);
		free(x);
		free(y);
	}
	mapout_free(a);
	mapout_free(b);
	ck_assert(no_temp_files());
}
END_TEST

/*
 * With a combiner, folding in blocks, values too large for a block, and
 * spills all add up to the right sums.
 */
START_TEST(test_bounded_combine)
{
	static const size_t budgets[] = { 16 * 1024, 256 * 1024, SIZE_MAX,
	    16 * 1024, 256 * 1024, SIZE_MAX };
	uint64_t sums[600];

	for (size_t t = 0; t < sizeof budgets / sizeof budgets[0]; t++) {
		/* The plugin's own combiner, then the SDK's native sum. */
		mr_reduce_fn fn = t < 3 ? sum_combine : mr_combine_sum;
		struct mapout *mo = mapout_new_bounded(2, fn, budgets[t]);
		struct err e = { "" };
		uint64_t bytes = 0;
		uint32_t seed = 7;
		char key[64], val[64];
		size_t found = 0;

		memset(sums, 0, sizeof sums);
		for (int i = 0; i < 40000; i++) {
			uint32_t w;
			size_t kl;
			int vl;

			seed = seed * 1103515245u + 12345u;
			w = (seed >> 8) % 600;
			kl = vocab_key(w, key);
			/* Every 50th value is 40 digits: too large for a block. */
			vl = snprintf(val, sizeof val, i % 50 == 0 ?
			    "%040u" : "%u", (seed >> 20) % 5);
			sums[w] += (seed >> 20) % 5;
			ck_assert_int_eq(mr_emit(mapout_emitter(mo), key, kl,
			    val, vl), 0);
		}
		ck_assert_msg(mapout_write(mo, (uint32_t)t, fn, &bytes, &e) == 0,
		    "%s", e.msg);
		if (budgets[t] == 16 * 1024)
			ck_assert_uint_gt(mapout_spills(mo), 0);
		for (uint32_t p = 0; p < 2; p++) {
			char *text = dump_file((uint32_t)t, p), *line, *save;

			for (line = strtok_r(text, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save)) {
				char *eq = strrchr(line, '=');
				uint32_t w;

				ck_assert_ptr_nonnull(eq);
				*eq = '\0';
				for (w = 0; w < 600; w++) {
					vocab_key(w, key);
					if (strcmp(key, line) == 0)
						break;
				}
				ck_assert_uint_lt(w, 600);
				if (w == 600)
					break;
				/* One record per key, holding the whole sum. */
				ck_assert_uint_eq(strtoull(eq + 1, NULL, 10),
				    sums[w]);
				found++;
			}
			free(text);
		}
		ck_assert_uint_eq(found, 600);
		mapout_free(mo);
	}
	ck_assert(no_temp_files());
}
END_TEST

/* The native sum refuses a value that is not a decimal number. */
START_TEST(test_sum_rejects_text)
{
	struct mapout *mo = mapout_new_bounded(1, mr_combine_sum, SIZE_MAX);
	struct err e = { "" };

	ck_assert_int_eq(mr_emit(mapout_emitter(mo), "k", 1, "12", 2), 0);
	ck_assert_int_eq(mr_emit(mapout_emitter(mo), "k", 1, "x", 1), -1);
	ck_assert_int_eq(mapout_error(mo, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "decimal"));
	mapout_free(mo);
	mo = mapout_new_bounded(1, mr_combine_sum, SIZE_MAX);
	ck_assert_int_eq(mr_emit(mapout_emitter(mo), "k", 1,
	    "18446744073709551615", 20), 0);
	ck_assert_int_eq(mr_emit(mapout_emitter(mo), "k", 1, "1", 1), -1);
	ck_assert_int_eq(mapout_error(mo, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "overflow"));
	mapout_free(mo);
}
END_TEST

/*
 * Text of vocabulary words between separators (some words stop at the
 * buffer's last byte); counts[] gets each word's occurrences.
 */
static size_t
words_text(char *buf, size_t size, uint32_t seed, uint64_t *counts)
{
	size_t used = 0;

	memset(counts, 0, NVOCAB * sizeof *counts);
	for (;;) {
		size_t w, sl, wl;
		const char *sep;

		seed = seed * 1103515245u + 12345u;
		w = (seed >> 16) % NVOCAB;
		sep = seps[(seed >> 8) % NSEPS];
		sl = strlen(sep);
		wl = strlen(vocab[w]);
		if (used + sl + wl > size)
			return used;
		memcpy(buf + used, sep, sl);
		memcpy(buf + used + sl, vocab[w], wl);
		used += sl + wl;
		counts[w]++;
	}
}

/* Adds up the values of mr-<id>-<p> for every p per vocabulary word. */
static void
sum_files(uint32_t id, uint32_t nparts, uint64_t *got)
{
	struct err e = { "" };
	const char *k, *v;
	size_t kl, vl;
	char name[64];
	int rc;

	memset(got, 0, NVOCAB * sizeof *got);
	for (uint32_t p = 0; p < nparts; p++) {
		struct kvreader *r;

		snprintf(name, sizeof name, "mr-%u-%u", id, p);
		r = kvreader_open(name, 0, &e);
		if (r == NULL)
			ck_abort_msg("%s", e.msg);
		while ((rc = kvreader_next(r, &k, &kl, &v, &vl, &e)) == 1) {
			uint64_t n;
			size_t w;

			for (w = 0; w < NVOCAB; w++)
				if (kl == strlen(vocab[w]) &&
				    memcmp(k, vocab[w], kl) == 0)
					break;
			ck_assert_msg(w < NVOCAB, "%s: unknown key %.*s",
			    name, (int)kl, k);
			ck_assert_uint_eq(hash_partition(k, kl, nparts), p);
			ck_assert_int_eq(mr_parse_u64(v, vl, &n), 0);
			got[w] += n;
		}
		ck_assert_msg(rc == 0, "%s: %s", name, e.msg);
		kvreader_close(r);
	}
}

/*
 * mr_emit_words() stores what a loop over mr_next_word() and mr_emit()
 * would, with the native summing loop (mr_combine_sum, with and without
 * spills), with another combiner and with none; it returns the word count.
 */
START_TEST(test_emit_words)
{
	static const struct {
		mr_reduce_fn	 combine;
		size_t		 budget;
	} modes[] = {
		{ mr_combine_sum, SIZE_MAX },
		{ mr_combine_sum, 9000 },
		{ sum_combine, SIZE_MAX },
		{ NULL, SIZE_MAX },
	};
	enum { NP = 3 };
	static char text[20000];
	uint64_t want[NVOCAB], got[NVOCAB], total = 0;
	size_t len = words_text(text, sizeof text, 7, want);
	struct err e = { "" };

	for (size_t w = 0; w < NVOCAB; w++)
		total += want[w];
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		struct mapout *mo = mapout_new_bounded(NP, modes[i].combine,
		    modes[i].budget);
		uint64_t bytes = 0;

		/* In two pieces: the first ends inside a word. */
		ck_assert_int_eq(mr_emit_words(mapout_emitter(mo), text, len,
		    "2", 1) + mr_emit_words(mapout_emitter(mo), "the", 3,
		    "2", 1), (int64_t)total + 1);
		ck_assert_uint_eq(mapout_count(mo), total + 1);
		mapout_sort(mo);
		if (mapout_write(mo, (uint32_t)i, modes[i].combine, &bytes,
		    &e) != 0)
			ck_abort_msg("mode %zu: %s", i, e.msg);
		if (modes[i].budget != SIZE_MAX)
			ck_assert_uint_gt(mapout_spills(mo), 0);
		sum_files((uint32_t)i, NP, got);
		want[0]++;		/* "the" */
		for (size_t w = 0; w < NVOCAB; w++)
			ck_assert_msg(got[w] == 2 * want[w], "mode %zu: %s: "
			    "%llu, want %llu", i, vocab[w],
			    (unsigned long long)got[w],
			    (unsigned long long)(2 * want[w]));
		want[0]--;
		mapout_free(mo);
	}
	/* mr_combine_sum needs decimal values. */
	{
		struct mapout *mo = mapout_new_bounded(NP, mr_combine_sum,
		    SIZE_MAX);

		ck_assert_int_eq(mr_emit_words(mapout_emitter(mo), "a b", 3,
		    "x", 1), -1);
		ck_assert_int_eq(mapout_error(mo, &e), 1);
		ck_assert_ptr_nonnull(strstr(e.msg, "decimal"));
		mapout_free(mo);
	}
}
END_TEST

/* Emits every line (without its newline) as a key. */
static int
lines_map(mr_emitter *out, const char *name, const char *data, size_t len)
{
	size_t start = 0;

	(void)name;
	for (size_t i = 0; i <= len; i++)
		if (i == len || data[i] == '\n') {
			if (i > start || i < len)
				if (mr_emit(out, data + start, i - start, "1",
				    1) == -1)
					return -1;
			start = i + 1;
		}
	return 0;
}

/* Splits of any size see every line of the input exactly once. */
START_TEST(test_split_lines)
{
	static const char text[] = "first line\nsecond\n\nfourth, longer line"
	    "\nx\nlast line without newline";
	static const size_t sizes[] = { 1, 2, 3, 5, 8, 13, 40, 1000 };
	const struct mr_app app = { .abi_version = MR_ABI_VERSION,
	    .name = "lines", .map = lines_map, .reduce = sum_combine };
	FILE *f = fopen("in.txt", "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		char *all = NULL, *want = NULL;
		size_t alllen = 0, wantlen = 0;
		FILE *m = open_memstream(&all, &alllen);
		FILE *w = open_memstream(&want, &wantlen);
		uint32_t id = 0;

		for (uint64_t off = 0; off < sizeof text - 1; off += sizes[t]) {
			struct task_result res = { 0 };
			struct err e = { "" };
			struct task_spec spec = { .id = id, .input = "in.txt",
			    .offset = off, .length = sizes[t], .nreduce = 1,
			    .memory = TASK_MEMORY_DEFAULT };
			char *d;

			ck_assert_msg(maptask_run(&app, &spec, &res, &e) == 0,
			    "%s", e.msg);
			d = dump_file(id, 0);
			fputs(d, m);
			free(d);
			id++;
		}
		fclose(m);
		/* Every line once, whichever split read it. */
		for (const char *p = text; *p != '\0';) {
			const char *nl = strchr(p, '\n');
			size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

			fprintf(w, "%.*s=1\n", (int)n, p);
			p += n + (nl != NULL);
		}
		fclose(w);
		{
			/* Order differs (splits), so compare sorted lines. */
			char *a[64] = { NULL }, *b[64] = { NULL }, *sa, *sb;
			size_t na = 0, nb = 0;

			for (char *l = strtok_r(all, "\n", &sa); l != NULL && na < 64;
			    l = strtok_r(NULL, "\n", &sa))
				a[na++] = l;
			for (char *l = strtok_r(want, "\n", &sb); l != NULL && nb < 64;
			    l = strtok_r(NULL, "\n", &sb))
				b[nb++] = l;
			ck_assert_msg(na == nb, "split size %zu: %zu lines, "
			    "want %zu", sizes[t], na, nb);
			qsort(a, na, sizeof *a, str_cmp);
			qsort(b, nb, sizeof *b, str_cmp);
			for (size_t i = 0; i < na; i++)
				ck_assert_str_eq(a[i], b[i]);
		}
		free(all);
		free(want);
	}
}
END_TEST

static void
merge_setup(void)
{
	reduce_memory = 0;
	setup();
}

static void
merge_teardown(void)
{
	teardown();
	reduce_memory = TASK_MEMORY_DEFAULT;
}

static Suite *
mapout_suite(void)
{
	Suite *s = suite_create("mapout");
	TCase *tc;

	tc = tcase_create("groups");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_partitioning);
	tcase_add_test(tc, test_group_order_one_part);
	tcase_add_test(tc, test_group_order_parts);
	tcase_add_test(tc, test_group_order_random);
	tcase_add_test(tc, test_empty_output);
	tcase_add_test(tc, test_group_error_stops);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_plain);
	tcase_add_test(tc, test_write_combined);
	tcase_add_test(tc, test_write_bad_combine);
	tcase_add_test(tc, test_bounded_spills);
	tcase_add_test(tc, test_bounded_combine);
	tcase_add_test(tc, test_sum_rejects_text);
	tcase_add_test(tc, test_emit_words);
	suite_add_tcase(s, tc);

	tc = tcase_create("task");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_wc_end_to_end);
	tcase_add_test(tc, test_wc_empty_input);
	tcase_add_test(tc, test_map_missing_input);
	tcase_add_test(tc, test_reduce_missing);
	tcase_add_test(tc, test_reduce_other_job);
	tcase_add_test(tc, test_reduce_corrupt);
	tcase_add_test(tc, test_reduce_values_order);
	tcase_add_test(tc, test_reduce_partial_read);
	tcase_add_test(tc, test_reduce_fails);
	tcase_add_test(tc, test_reduce_no_maps);
	tcase_add_test(tc, test_map_fails);
	tcase_add_test(tc, test_split_lines);
	suite_add_tcase(s, tc);

	/* The reduce tests again on the streaming merge path. */
	tc = tcase_create("task-merge");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, merge_setup, merge_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_wc_end_to_end);
	tcase_add_test(tc, test_reduce_missing);
	tcase_add_test(tc, test_reduce_other_job);
	tcase_add_test(tc, test_reduce_corrupt);
	tcase_add_test(tc, test_reduce_values_order);
	tcase_add_test(tc, test_reduce_partial_read);
	tcase_add_test(tc, test_reduce_fails);
	tcase_add_test(tc, test_reduce_no_maps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mapout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
