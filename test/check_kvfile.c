/*
 * check_kvfile - intermediate files (common/kvfile.h): writer/reader round
 * trips, detection of truncated, corrupted and foreign files, the writer's
 * commit/abort behaviour through safefile; files written one after
 * another into one descriptor and read back side by side, each within its
 * bounds, a damaged one caught by its name; the k-way merge over them
 * (common/merge.h); and the CRC-32C they are checksummed with (crc32c.h).
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "kvfile.h"
#include "log.h"
#include "merge.h"
#include "safefile.h"

struct rec {
	const char	*k;
	size_t		 kl;
	const char	*v;
	size_t		 vl;
};

#define R(k, v) { k, sizeof k - 1, v, sizeof v - 1 }

/* The job id files are written with, and another job's. */
#define TEST_JOB UINT64_C(0x1122334455667788)
#define OTHER_JOB UINT64_C(0xdeadbeef)

/*
 * Every tcase gets a root folder made and removed by an unchecked fixture
 * (in the parent process, so it goes even when a test fails or crashes);
 * every test gets its own folder inside it.
 */
static char rootdir[64];
static char tmpdir[128];

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void
root_setup(void)
{
	strcpy(rootdir, "/tmp/check_kvfile-XXXXXX");
	if (mkdtemp(rootdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

static void
root_teardown(void)
{
	nftw(rootdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", rootdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* dir/name in a static buffer (one of four, so a few can be live). */
static const char *
path(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *p = bufs[next++ % 4];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	return p;
}

/* Names in the temporary folder, sorted, joined by spaces. */
static void
list_dir(char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(tmpdir, &names, NULL, alphasort);
	size_t used = 0;

	ck_assert_int_ge(n, 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' ||
		    strncmp(names[i]->d_name, SAFEFILE_PREFIX,
		    strlen(SAFEFILE_PREFIX)) == 0)
			used += snprintf(out + used, size - used, "%s%s",
			    used > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void
write_records(const char *file, const struct rec *r, size_t n)
{
	struct err e = { "" };
	struct kvwriter *w = kvwriter_open(file, TEST_JOB, &e);
	uint64_t bytes = 0;
	struct stat st;

	if (w == NULL)
		ck_abort_msg("kvwriter_open: %s", e.msg);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(kvwriter_add(w, r[i].k, r[i].kl, r[i].v, r[i].vl,
		    &e), 0);
	ck_assert_uint_eq(kvwriter_count(w), n);
	if (kvwriter_commit(w, &bytes, &e) != 0)
		ck_abort_msg("kvwriter_commit: %s", e.msg);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(bytes, (uint64_t)st.st_size);
}

/* Reads file and checks it holds exactly r[0..n) and ends cleanly. */
static void
read_expect(const char *file, const struct rec *r, size_t n)
{
	struct err e = { "" };
	struct kvreader *rd = kvreader_open(file, TEST_JOB, &e);
	const char *k, *v;
	size_t kl, vl;

	if (rd == NULL)
		ck_abort_msg("kvreader_open: %s", e.msg);
	ck_assert_str_eq(kvreader_path(rd), file);
	for (size_t i = 0; i < n; i++) {
		int rc = kvreader_next(rd, &k, &kl, &v, &vl, &e);

		if (rc != 1)
			ck_abort_msg("record %zu: rc %d: %s", i, rc, e.msg);
		ck_assert_uint_eq(kl, r[i].kl);
		ck_assert_uint_eq(vl, r[i].vl);
		ck_assert_int_eq(memcmp(k, r[i].k, kl), 0);
		ck_assert_int_eq(memcmp(v, r[i].v, vl), 0);
	}
	if (kvreader_next(rd, &k, &kl, &v, &vl, &e) != 0)
		ck_abort_msg("no clean end after %zu records: %s", n, e.msg);
	/* The end is sticky. */
	ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &e), 0);
	kvreader_close(rd);
}

/*
 * Reads the whole file: -1 when open or some next() fails, else the number
 * of records read before a clean end.
 */
static long
read_status(const char *file, struct err *e)
{
	struct kvreader *rd = kvreader_open(file, TEST_JOB, e);
	const char *k, *v;
	size_t kl, vl;
	long n = 0;
	int rc;

	if (rd == NULL)
		return -1;
	while ((rc = kvreader_next(rd, &k, &kl, &v, &vl, e)) == 1)
		n++;
	if (rc == -1) {
		struct err again = { "" };

		/* Failure is sticky too. */
		ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &again), -1);
		ck_assert_str_ne(again.msg, "");
		n = -1;
	}
	kvreader_close(rd);
	return n;
}

static void
write_file(const char *file, const void *p, size_t n)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* Whole contents of file, malloc'ed. */
static uint8_t *
slurp(const char *file, size_t *n)
{
	struct stat st;
	uint8_t *p;
	int fd = open(file, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = malloc(st.st_size + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(read(fd, p, st.st_size), st.st_size);
	close(fd);
	*n = st.st_size;
	return p;
}

static const struct rec small[] = {
	R("apple", "1"),
	R("bee", "22"),
	R("c\0d", "v\0w"),
	R("", "empty key"),
	R("zebra", ""),
};
#define NSMALL (sizeof small / sizeof small[0])

START_TEST(test_empty_file)
{
	const char *f = path("empty");
	size_t n;
	uint8_t *data;

	write_records(f, NULL, 0);
	data = slurp(f, &n);
	/* Magic, job id, end marker, u64 count, u32 CRC. */
	ck_assert_uint_eq(n, KVFILE_MAGIC_LEN + 8 + 1 + 8 + 4);
	ck_assert_int_eq(memcmp(data, KVFILE_MAGIC, KVFILE_MAGIC_LEN), 0);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[KVFILE_MAGIC_LEN + i],
		    (uint8_t)(TEST_JOB >> (8 * i)));
	ck_assert_uint_eq(crc32c(0, data, n - 4),
	    (uint32_t)data[n - 4] | (uint32_t)data[n - 3] << 8 |
	    (uint32_t)data[n - 2] << 16 | (uint32_t)data[n - 1] << 24);
	free(data);
	read_expect(f, NULL, 0);
}
END_TEST

START_TEST(test_binary_and_empty)
{
	const char *f = path("bin");
	char allbytes[256];
	struct rec r[NSMALL + 2];

	for (int i = 0; i < 256; i++)
		allbytes[i] = (char)i;
	memcpy(r, small, sizeof small);
	r[NSMALL] = (struct rec){ allbytes, 256, allbytes, 256 };
	r[NSMALL + 1] = (struct rec){ "", 0, "", 0 };
	write_records(f, r, NSMALL + 2);
	read_expect(f, r, NSMALL + 2);
}
END_TEST

START_TEST(test_large_value)
{
	const char *f = path("large");
	size_t big = 1024 * 1024 + 3;
	char *v = malloc(big), *k = malloc(70000);
	struct rec r[4];

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(k);
	for (size_t i = 0; i < big; i++)
		v[i] = (char)(i * 131 + (i >> 12));
	for (size_t i = 0; i < 70000; i++)
		k[i] = (char)('a' + i % 26);
	r[0] = (struct rec){ "a", 1, "small", 5 };
	r[1] = (struct rec){ "big", 3, v, big };
	r[2] = (struct rec){ k, 70000, "longkey", 7 };
	r[3] = (struct rec){ "z", 1, v, 65536 };
	write_records(f, r, 4);
	read_expect(f, r, 4);
	free(v);
	free(k);
}
END_TEST

START_TEST(test_many_records)
{
	const char *f = path("many");
	enum { N = 100000 };
	struct err e = { "" };
	struct kvwriter *w = kvwriter_open(f, TEST_JOB, &e);
	struct kvreader *rd;
	char kb[32], vb[32];
	const char *k, *v;
	size_t kl, vl;

	ck_assert_ptr_nonnull(w);
	for (int i = 0; i < N; i++) {
		int a = snprintf(kb, sizeof kb, "key%07d", i);
		int b = snprintf(vb, sizeof vb, "%d", i * 3);

		ck_assert_int_eq(kvwriter_add(w, kb, a, vb, b, &e), 0);
	}
	ck_assert_uint_eq(kvwriter_count(w), N);
	ck_assert_int_eq(kvwriter_commit(w, NULL, &e), 0);
	rd = kvreader_open(f, TEST_JOB, &e);
	ck_assert_ptr_nonnull(rd);
	for (int i = 0; i < N; i++) {
		int a = snprintf(kb, sizeof kb, "key%07d", i);
		int b = snprintf(vb, sizeof vb, "%d", i * 3);

		ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &e), 1);
		ck_assert_uint_eq(kl, (size_t)a);
		ck_assert_uint_eq(vl, (size_t)b);
		ck_assert_int_eq(memcmp(k, kb, a), 0);
		ck_assert_int_eq(memcmp(v, vb, b), 0);
	}
	ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &e), 0);
	kvreader_close(rd);
}
END_TEST

START_TEST(test_truncated)
{
	const char *f = path("good"), *t = path("trunc");
	struct err e;
	uint8_t *data;
	size_t n;

	write_records(f, small, NSMALL);
	data = slurp(f, &n);
	for (size_t len = 0; len < n; len++) {
		long rc;

		write_file(t, data, len);
		e.msg[0] = '\0';
		rc = read_status(t, &e);
		ck_assert_msg(rc == -1, "truncated to %zu of %zu bytes: read %ld "
		    "records and a clean end", len, n, rc);
		ck_assert_msg(e.msg[0] != '\0', "no message at %zu", len);
	}
	free(data);
	e.msg[0] = '\0';
	ck_assert_int_eq(read_status(f, &e), NSMALL);
}
END_TEST

START_TEST(test_flipped_byte)
{
	const char *f = path("good"), *t = path("flip");
	static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x20 };
	struct err e;
	uint8_t *data;
	size_t n;

	write_records(f, small, NSMALL);
	data = slurp(f, &n);
	for (size_t pos = 0; pos < n; pos++) {
		for (size_t m = 0; m < sizeof masks; m++) {
			long rc;

			data[pos] ^= masks[m];
			write_file(t, data, n);
			data[pos] ^= masks[m];
			e.msg[0] = '\0';
			rc = read_status(t, &e);
			ck_assert_msg(rc == -1, "byte %zu of %zu ^ 0x%02x: read %ld "
			    "records and a clean end", pos, n, masks[m], rc);
			ck_assert_msg(e.msg[0] != '\0', "no message at %zu", pos);
		}
	}
	free(data);
}
END_TEST

START_TEST(test_flipped_byte_large)
{
	const char *f = path("good"), *t = path("flip");
	size_t big = 200000, n;
	char *v = malloc(big);
	struct rec r[3];
	struct err e;
	uint8_t *data;

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < big; i++)
		v[i] = (char)(i * 7 + (i >> 9));
	r[0] = (struct rec){ "a", 1, v, 70000 };
	r[1] = (struct rec){ "b", 1, v, big };
	r[2] = (struct rec){ "c", 1, "tail", 4 };
	write_records(f, r, 3);
	data = slurp(f, &n);
	/* Positions spread over several 64 KiB read chunks, and the tail. */
	for (size_t i = 0; i < 100; i++) {
		size_t pos = i < 60 ? 3 + i * (n / 60) : n - (100 - i);

		data[pos] ^= 0x10;
		write_file(t, data, n);
		data[pos] ^= 0x10;
		e.msg[0] = '\0';
		ck_assert_msg(read_status(t, &e) == -1,
		    "byte %zu of %zu flipped: read as valid", pos, n);
	}
	free(data);
	read_expect(f, r, 3);
	free(v);
}
END_TEST

START_TEST(test_appended)
{
	const char *f = path("good"), *t = path("appended");
	struct err e = { "" };
	uint8_t *data;
	size_t n;

	write_records(f, small, NSMALL);
	data = slurp(f, &n);
	data = xrealloc(data, n + 1);
	data[n] = 0;
	write_file(t, data, n + 1);
	ck_assert_int_eq(read_status(t, &e), -1);
	ck_assert_msg(strstr(e.msg, "after the trailer") != NULL, "message: %s",
	    e.msg);
	/* A whole second file appended is still extra data. */
	free(data);
	data = slurp(f, &n);
	data = xrealloc(data, 2 * n);
	memcpy(data + n, data, n);
	write_file(t, data, 2 * n);
	e.msg[0] = '\0';
	ck_assert_int_eq(read_status(t, &e), -1);
	ck_assert_str_ne(e.msg, "");
	free(data);
}
END_TEST

START_TEST(test_wrong_magic)
{
	const char *f = path("good"), *t = path("magic");
	struct err e = { "" };
	uint8_t *data;
	size_t n;

	write_records(f, small, NSMALL);
	data = slurp(f, &n);
	data[4] = 1;	/* another format version */
	write_file(t, data, n);
	ck_assert_int_eq(read_status(t, &e), -1);
	ck_assert_msg(strstr(e.msg, "format version 1, expected 2") != NULL,
	    "message: %s", e.msg);
	data[0] = 'X';	/* not even the magic */
	write_file(t, data, n);
	ck_assert_int_eq(read_status(t, &e), -1);
	ck_assert_msg(strstr(e.msg, "not an intermediate file") != NULL,
	    "message: %s", e.msg);
	/* A text file of sufficient length. */
	write_file(t, "this is just a plain text file\n", 31);
	e.msg[0] = '\0';
	ck_assert_int_eq(read_status(t, &e), -1);
	ck_assert_str_ne(e.msg, "");
	/* Missing file. */
	e.msg[0] = '\0';
	ck_assert_ptr_null(kvreader_open(path("nonexistent"), TEST_JOB, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "nonexistent"));
	free(data);
}
END_TEST

START_TEST(test_writer_abort)
{
	struct err e = { "" };
	struct kvwriter *w = kvwriter_open(path("mr-0-0"), TEST_JOB, &e);
	char names[1024];

	ck_assert_ptr_nonnull(w);
	list_dir(names, sizeof names);
	/*
	 * While writing, the final file does not exist: the file being
	 * written is unnamed, or (without O_TMPFILE) a temporary name.
	 */
	ck_assert(names[0] == '\0' ||
	    strncmp(names, ".mrtmp-mr-0-0-", 14) == 0);
	ck_assert_ptr_null(strchr(names, ' '));
	ck_assert_int_eq(kvwriter_add(w, "k", 1, "v", 1, &e), 0);
	kvwriter_abort(w);
	list_dir(names, sizeof names);
	ck_assert_str_eq(names, "");
	kvwriter_abort(NULL);
}
END_TEST

START_TEST(test_writer_commit)
{
	static const struct rec one[] = { R("k", "v") };
	struct err e = { "" };
	struct kvwriter *w;
	char names[1024];
	struct stat st;

	w = kvwriter_open(path("mr-1-2"), TEST_JOB, &e);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(kvwriter_add(w, "k", 1, "v", 1, &e), 0);
	ck_assert_int_eq(kvwriter_commit(w, NULL, &e), 0);
	list_dir(names, sizeof names);
	ck_assert_str_eq(names, "mr-1-2");
	/* The mode an ordinary new file gets under main()'s umask 022. */
	ck_assert_int_eq(stat(path("mr-1-2"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	read_expect(path("mr-1-2"), one, 1);
	/* Overwriting commits replace the file whole. */
	write_records(path("mr-1-2"), small, NSMALL);
	list_dir(names, sizeof names);
	ck_assert_str_eq(names, "mr-1-2");
	read_expect(path("mr-1-2"), small, NSMALL);
	/* A folder that does not exist. */
	e.msg[0] = '\0';
	ck_assert_ptr_null(kvwriter_open(path("nodir/mr-0-0"), TEST_JOB, &e));
	ck_assert_str_ne(e.msg, "");
}
END_TEST

/* A guard that refuses every commit, counting the times it was asked. */
static int guard_calls;

static int
guard_refuse(void *arg, struct err *e)
{
	(void)arg;
	guard_calls++;
	err_set(e, "the coordinator is gone");
	return -1;
}

/*
 * The safefile guard is asked before a file gets its name: when it says
 * no, the commit fails with its reason and nothing is left, not even a
 * temporary file, and an existing file of that name stays as it was.
 */
START_TEST(test_writer_guard)
{
	struct err e = { "" };
	struct kvwriter *w;
	char names[1024];

	write_records(path("mr-0-0"), small, NSMALL);
	safefile_set_guard(guard_refuse, NULL, NULL);
	guard_calls = 0;
	w = kvwriter_open(path("mr-0-0"), TEST_JOB, &e);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(kvwriter_add(w, "k", 1, "v", 1, &e), 0);
	ck_assert_int_eq(kvwriter_commit(w, NULL, &e), -1);
	ck_assert_int_eq(guard_calls, 1);
	ck_assert_msg(strstr(e.msg, "mr-0-0: not linked: the coordinator is "
	    "gone") != NULL, "message: %s", e.msg);
	w = kvwriter_open(path("mr-0-1"), TEST_JOB, &e);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(kvwriter_commit(w, NULL, &e), -1);
	safefile_set_guard(NULL, NULL, NULL);
	list_dir(names, sizeof names);
	ck_assert_str_eq(names, "mr-0-0");
	read_expect(path("mr-0-0"), small, NSMALL);
	/* Without a guard, commits go through again. */
	write_records(path("mr-0-1"), small, NSMALL);
	ck_assert_int_eq(guard_calls, 2);
}
END_TEST

/* Merge outputs: collects every record, returns merge_next's final rc. */
struct got {
	char	 k[32][16], v[32][16];
	size_t	 n;
};

static int
merge_all(struct merge *m, struct got *g, struct err *e)
{
	const char *k, *v;
	size_t kl, vl;
	int rc;

	g->n = 0;
	while ((rc = merge_next(m, &k, &kl, &v, &vl, e)) == 1) {
		ck_assert_uint_lt(g->n, 32);
		ck_assert_uint_lt(kl, 16);
		ck_assert_uint_lt(vl, 16);
		memcpy(g->k[g->n], k, kl);
		g->k[g->n][kl] = '\0';
		memcpy(g->v[g->n], v, vl);
		g->v[g->n][vl] = '\0';
		g->n++;
	}
	return rc;
}

/* Opens readers for files named s0, s1, ... */
static struct merge *
open_merge(size_t n)
{
	struct kvreader *r[8];
	struct err e;
	char name[16];

	ck_assert_uint_le(n, 8);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "s%zu", i);
		r[i] = kvreader_open(path(name), TEST_JOB, &e);
		if (r[i] == NULL)
			ck_abort_msg("%s", e.msg);
	}
	return merge_new(r, n);
}

/*
 * A whole, valid file of another job (another run of the coordinator in
 * the same folder) is refused at its first record, naming both job ids,
 * however well its checksum holds; and so is it in a merge.
 */
START_TEST(test_other_job)
{
	static const struct rec s[] = { R("a", "1"), R("b", "2"), R("c", "3") };
	const char *f = path("mr-0-1");
	struct kvreader *rd;
	struct merge *m;
	struct got g;
	struct err e = { "" };
	const char *k, *v;
	size_t kl, vl;

	write_records(f, small, NSMALL);
	read_expect(f, small, NSMALL);
	rd = kvreader_open(f, OTHER_JOB, &e);
	ck_assert_ptr_nonnull(rd);
	ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &e), -1);
	ck_assert_msg(strstr(e.msg, "mr-0-1: written by another job (job id "
	    "1122334455667788, this job's is 00000000deadbeef)") != NULL,
	    "message: %s", e.msg);
	/* Sticky, as any failure. */
	ck_assert_int_eq(kvreader_next(rd, &k, &kl, &v, &vl, &e), -1);
	kvreader_close(rd);

	write_records(path("s0"), s, 3);
	write_records(path("s1"), s, 3);
	m = open_merge(2);
	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	ck_assert_uint_eq(g.n, 6);
	merge_free(m);
	/* The same bytes under the other job's id in s1: stream 1 fails. */
	{
		struct kvwriter *w = kvwriter_open(path("s1"), OTHER_JOB, &e);

		ck_assert_ptr_nonnull(w);
		for (size_t i = 0; i < 3; i++)
			ck_assert_int_eq(kvwriter_add(w, s[i].k, s[i].kl,
			    s[i].v, s[i].vl, &e), 0);
		ck_assert_int_eq(kvwriter_commit(w, NULL, &e), 0);
	}
	m = open_merge(2);
	ck_assert_int_eq(merge_all(m, &g, &e), -1);
	ck_assert_uint_eq(merge_stream(m), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "written by another job"));
	merge_free(m);
}
END_TEST

/*
 * Three files written one after another into one unnamed descriptor (as a
 * spilled run holds its partitions), read back by readers sharing it,
 * record by record in turn: each ends at its own end, not the next one's.
 */
START_TEST(test_fd_images)
{
	static const struct rec two[] = { R("x", "2"), R("y", "22") };
	const struct rec *recs[3] = { small, NULL, two };
	size_t nrec[3] = { NSMALL, 0, 2 }, got[3] = { 0, 0, 0 };
	struct kvreader *r[3];
	uint64_t size[3], off = 0;
	struct stat st;
	struct err e;
	char name[32];
	uint8_t b;
	int fd = open(tmpdir, O_RDWR | O_TMPFILE, 0600), left = 3;

	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 3; i++) {
		struct kvwriter *w;

		snprintf(name, sizeof name, "image %d", i);
		w = kvwriter_open_fd(fd, name, TEST_JOB);
		for (size_t j = 0; j < nrec[i]; j++)
			ck_assert_int_eq(kvwriter_add(w, recs[i][j].k,
			    recs[i][j].kl, recs[i][j].v, recs[i][j].vl, &e), 0);
		ck_assert_int_eq(kvwriter_commit(w, &size[i], &e), 0);
	}
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(size[0] + size[1] + size[2], (uint64_t)st.st_size);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "image %d", i);
		r[i] = kvreader_open_fd(fd, off, size[i], name, TEST_JOB, &e);
		ck_assert_msg(r[i] != NULL, "%s", e.msg);
		off += size[i];
	}
	while (left > 0)
		for (int i = 0; i < 3; i++) {
			const char *k, *v;
			size_t kl, vl;
			int rc;

			if (r[i] == NULL)
				continue;
			rc = kvreader_next(r[i], &k, &kl, &v, &vl, &e);
			ck_assert_msg(rc >= 0, "%s", e.msg);
			if (rc == 0) {
				ck_assert_uint_eq(got[i], nrec[i]);
				kvreader_close(r[i]);
				r[i] = NULL;
				left--;
				continue;
			}
			ck_assert_uint_lt(got[i], nrec[i]);
			ck_assert_uint_eq(kl, recs[i][got[i]].kl);
			ck_assert_int_eq(memcmp(k, recs[i][got[i]].k, kl), 0);
			ck_assert_uint_eq(vl, recs[i][got[i]].vl);
			ck_assert_int_eq(memcmp(v, recs[i][got[i]].v, vl), 0);
			got[i]++;
		}
	/* The descriptor stays open; a byte changed in the last file. */
	ck_assert_int_eq(pread(fd, &b, 1, st.st_size - 6), 1);
	b ^= 1;
	ck_assert_int_eq(pwrite(fd, &b, 1, st.st_size - 6), 1);
	r[0] = kvreader_open_fd(fd, size[0] + size[1], size[2], "image 2",
	    TEST_JOB, &e);
	ck_assert_ptr_nonnull(r[0]);
	{
		const char *k, *v;
		size_t kl, vl;
		int rc;

		while ((rc = kvreader_next(r[0], &k, &kl, &v, &vl, &e)) == 1)
			;
		ck_assert_int_eq(rc, -1);
	}
	ck_assert_msg(strncmp(e.msg, "image 2: ", 9) == 0, "%s", e.msg);
	kvreader_close(r[0]);
	/* Too short for a file, named too. */
	ck_assert_ptr_null(kvreader_open_fd(fd, 0, 10, "image 0", TEST_JOB,
	    &e));
	ck_assert_str_eq(e.msg, "image 0: truncated (10 bytes)");
	close(fd);
}
END_TEST

START_TEST(test_merge_none)
{
	struct merge *m = merge_new(NULL, 0);
	struct got g;
	struct err e;

	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	merge_free(m);
	merge_free(NULL);
}
END_TEST

START_TEST(test_merge_one)
{
	static const struct rec s0[] = {
		R("a", "1"), R("a", "2"), R("b", "3"), R("c", "4"),
	};
	struct merge *m;
	struct got g;
	struct err e;

	write_records(path("s0"), s0, 4);
	m = open_merge(1);
	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	ck_assert_uint_eq(g.n, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_str_eq(g.k[i], s0[i].k);
		ck_assert_str_eq(g.v[i], s0[i].v);
	}
	merge_free(m);
}
END_TEST

START_TEST(test_merge_several)
{
	/* Values name the stream and position: "<stream>.<index>". */
	static const struct rec s0[] = {
		R("b", "0.0"), R("b", "0.1"), R("d", "0.2"), R("zz", "0.3"),
	};
	static const struct rec s1[] = {
		R("", "1.0"), R("a", "1.1"), R("b", "1.2"), R("d", "1.3"),
		R("z", "1.4"),
	};
	static const struct rec s2[] = {
		R("b", "2.0"), R("ba", "2.1"), R("c", "2.2"),
	};
	static const char *want[][2] = {
		{ "", "1.0" }, { "a", "1.1" },
		{ "b", "0.0" }, { "b", "0.1" }, { "b", "1.2" }, { "b", "2.0" },
		{ "ba", "2.1" }, { "c", "2.2" },
		{ "d", "0.2" }, { "d", "1.3" },
		{ "z", "1.4" }, { "zz", "0.3" },
	};
	struct merge *m;
	struct got g;
	struct err e;

	write_records(path("s0"), s0, 4);
	write_records(path("s1"), s1, 5);
	write_records(path("s2"), s2, 3);
	/* An empty stream among them. */
	write_records(path("s3"), NULL, 0);
	m = open_merge(4);
	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	ck_assert_uint_eq(g.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < g.n; i++) {
		ck_assert_str_eq(g.k[i], want[i][0]);
		ck_assert_str_eq(g.v[i], want[i][1]);
	}
	merge_free(m);
}
END_TEST

START_TEST(test_merge_many_equal)
{
	/* Equal keys across 7 streams come out in stream order. */
	struct rec r[3];
	char vals[7][3][8];
	struct merge *m;
	struct got g;
	struct err e;
	char name[8];

	for (int s = 0; s < 7; s++) {
		for (int i = 0; i < 3; i++) {
			snprintf(vals[s][i], sizeof vals[s][i], "%d.%d", s, i);
			r[i] = (struct rec){ i < 2 ? "same" : "tail", 4,
			    vals[s][i], strlen(vals[s][i]) };
		}
		snprintf(name, sizeof name, "s%d", s);
		write_records(path(name), r, 3);
	}
	m = open_merge(7);
	ck_assert_int_eq(merge_all(m, &g, &e), 0);
	ck_assert_uint_eq(g.n, 21);
	for (int s = 0; s < 7; s++) {
		char want[8];

		ck_assert_str_eq(g.k[2 * s], "same");
		snprintf(want, sizeof want, "%d.0", s);
		ck_assert_str_eq(g.v[2 * s], want);
		snprintf(want, sizeof want, "%d.1", s);
		ck_assert_str_eq(g.v[2 * s + 1], want);
		ck_assert_str_eq(g.k[14 + s], "tail");
		snprintf(want, sizeof want, "%d.2", s);
		ck_assert_str_eq(g.v[14 + s], want);
	}
	merge_free(m);
}
END_TEST

START_TEST(test_merge_out_of_order)
{
	static const struct rec s0[] = { R("a", "x"), R("m", "x"), R("y", "x") };
	static const struct rec s1[] = { R("b", "x"), R("c", "x"), R("a", "x") };
	static const struct rec s2[] = { R("c", "x"), R("d", "x") };
	struct merge *m;
	struct got g;
	struct err e = { "" };

	write_records(path("s0"), s0, 3);
	write_records(path("s1"), s1, 3);
	write_records(path("s2"), s2, 2);
	m = open_merge(3);
	ck_assert_int_eq(merge_all(m, &g, &e), -1);
	ck_assert_uint_eq(merge_stream(m), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, path("s1")));
	/* Nothing past the disorder was returned. */
	for (size_t i = 1; i < g.n; i++)
		ck_assert_str_ge(g.k[i], g.k[i - 1]);
	merge_free(m);
}
END_TEST

START_TEST(test_merge_corrupt)
{
	static const struct rec s[] = { R("a", "1"), R("b", "2"), R("c", "3") };
	struct merge *m;
	struct got g;
	struct err e = { "" };
	uint8_t *data;
	size_t n;

	write_records(path("s0"), s, 3);
	write_records(path("s1"), s, 3);
	write_records(path("s2"), s, 3);
	/* A flipped value byte in s2: only the checksum can tell. */
	data = slurp(path("s2"), &n);
	ck_assert_uint_eq(data[KVFILE_HEADER_LEN + 7], '2');
	data[KVFILE_HEADER_LEN + 7] ^= 0x04;	/* "2" -> "6" */
	write_file(path("s2"), data, n);
	free(data);
	m = open_merge(3);
	ck_assert_int_eq(merge_all(m, &g, &e), -1);
	ck_assert_uint_eq(merge_stream(m), 2);
	ck_assert_ptr_nonnull(strstr(e.msg, path("s2")));
	merge_free(m);

	/* A bad magic in s1 fails at the first record. */
	data = slurp(path("s1"), &n);
	data[0] = 'X';
	write_file(path("s1"), data, n);
	free(data);
	write_records(path("s2"), s, 3);
	m = open_merge(3);
	e.msg[0] = '\0';
	ck_assert_int_eq(merge_all(m, &g, &e), -1);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_uint_eq(merge_stream(m), 1);
	ck_assert_ptr_nonnull(strstr(e.msg, path("s1")));
	merge_free(m);
}
END_TEST

/* Bitwise CRC-32C, independent of crc32c.c. */
static uint32_t
crc_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n-- > 0) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

START_TEST(test_crc32c_known)
{
	static const uint8_t zeros[32];
	uint8_t ones[32];

	memset(ones, 0xff, sizeof ones);
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(crc32c(0, "", 0), 0);
	ck_assert_uint_eq(crc32c(0x12345678u, "", 0), 0x12345678u);
	/* RFC 3720 B.4 test vectors. */
	ck_assert_uint_eq(crc32c(0, zeros, 32), 0x8a9136aau);
	ck_assert_uint_eq(crc32c(0, ones, 32), 0x62a8ab43u);
	ck_assert_uint_eq(crc_ref((const uint8_t *)"123456789", 9),
	    0xe3069283u);
}
END_TEST

START_TEST(test_crc32c_incremental)
{
	uint8_t data[1000];
	uint32_t seed = 1;

	for (size_t i = 0; i < sizeof data; i++) {
		seed = seed * 1664525u + 1013904223u;
		data[i] = seed >> 24;
	}
	for (size_t len = 0; len <= 67; len++)
		for (size_t off = 0; off < 8; off++)
			ck_assert_uint_eq(crc32c(0, data + off, len),
			    crc_ref(data + off, len));
	ck_assert_uint_eq(crc32c(0, data, sizeof data),
	    crc_ref(data, sizeof data));
	for (size_t cut = 0; cut <= sizeof data; cut += 37) {
		uint32_t c = crc32c(0, data, cut);

		c = crc32c(c, data + cut, sizeof data - cut);
		ck_assert_uint_eq(c, crc32c(0, data, sizeof data));
	}
	/* Byte at a time. */
	{
		uint32_t c = 0;

		for (size_t i = 0; i < sizeof data; i++)
			c = crc32c(c, data + i, 1);
		ck_assert_uint_eq(c, crc_ref(data, sizeof data));
	}
}
END_TEST

/* The table-driven path, which machines with SSE4.2 never take otherwise. */
START_TEST(test_crc32c_portable)
{
	uint8_t data[1000];
	uint32_t seed = 7;

	for (size_t i = 0; i < sizeof data; i++) {
		seed = seed * 1664525u + 1013904223u;
		data[i] = seed >> 24;
	}
	ck_assert_uint_eq(crc32c_portable(0, "123456789", 9), 0xe3069283u);
	for (size_t len = 0; len <= 67; len++)
		for (size_t off = 0; off < 8; off++)
			ck_assert_uint_eq(crc32c_portable(0, data + off, len),
			    crc_ref(data + off, len));
	for (size_t cut = 0; cut <= sizeof data; cut += 37) {
		uint32_t c = crc32c_portable(0, data, cut);

		c = crc32c_portable(c, data + cut, sizeof data - cut);
		ck_assert_uint_eq(c, crc_ref(data, sizeof data));
	}
}
END_TEST

static Suite *
kvfile_suite(void)
{
	Suite *s = suite_create("kvfile");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_binary_and_empty);
	tcase_add_test(tc, test_large_value);
	tcase_add_test(tc, test_many_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_flipped_byte);
	tcase_add_test(tc, test_flipped_byte_large);
	tcase_add_test(tc, test_appended);
	tcase_add_test(tc, test_wrong_magic);
	tcase_add_test(tc, test_other_job);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_writer_abort);
	tcase_add_test(tc, test_writer_commit);
	tcase_add_test(tc, test_writer_guard);
	tcase_add_test(tc, test_fd_images);
	suite_add_tcase(s, tc);

	tc = tcase_create("merge");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_merge_none);
	tcase_add_test(tc, test_merge_one);
	tcase_add_test(tc, test_merge_several);
	tcase_add_test(tc, test_merge_many_equal);
	tcase_add_test(tc, test_merge_out_of_order);
	tcase_add_test(tc, test_merge_corrupt);
	suite_add_tcase(s, tc);

	tc = tcase_create("crc32c");
	tcase_add_test(tc, test_crc32c_known);
	tcase_add_test(tc, test_crc32c_incremental);
	tcase_add_test(tc, test_crc32c_portable);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kvfile_suite());
	int failed;

	/* safefile.c remembers the umask at its first use: set it first. */
	umask(022);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
