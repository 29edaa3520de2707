/*
 * check_journal - the append-only journal (common/journal.h): its byte
 * format, round trips, a torn tail at every byte offset, a flipped bit at
 * every bit, foreign and damaged files refused, bounded lengths, failed
 * appends undone, and creation replacing a file in one step, with its
 * first records in it, byte for byte as appended ones (one too long
 * refused before anything is written).
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "journal.h"
#include "log.h"
#include "safefile.h"

#define VERSION 1

/*
 * Every tcase gets a root folder made and removed by an unchecked fixture
 * (in the parent process, so it goes even when a test fails or crashes);
 * every test gets its own folder inside it.
 */
static char rootdir[64];
static char tmpdir[128];
static char jpath[192];

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
	strcpy(rootdir, "/tmp/check_journal-XXXXXX");
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
	snprintf(jpath, sizeof jpath, "%s/.mr-journal", tmpdir);
}

/* Records read back by journal_open(). */
struct rec {
	uint8_t	 type;
	size_t	 len;
	uint8_t	*p;
};

struct recs {
	struct rec	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 stop_at;	/* fail on this record (0: never) */
};

static int
collect(void *arg, uint8_t type, const void *payload, size_t len,
    struct err *e)
{
	struct recs *r = arg;

	ck_assert_ptr_nonnull(payload);
	if (r->stop_at != 0 && r->n + 1 == r->stop_at) {
		err_set(e, "stopped at record %zu", r->stop_at);
		return -1;
	}
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 16 : 2 * r->cap;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n].type = type;
	r->v[r->n].len = len;
	r->v[r->n].p = xmalloc(len);
	memcpy(r->v[r->n].p, payload, len);
	r->n++;
	return 0;
}

static void
recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].p);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* The payload of record `seed`: len pseudo-random bytes. */
static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* Checks that record got is record `seed` of length len and type type. */
static void
expect_rec(const struct rec *got, uint8_t type, size_t len, uint32_t seed)
{
	uint8_t *want = xmalloc(len);

	fill(want, len, seed);
	ck_assert_uint_eq(got->type, type);
	ck_assert_uint_eq(got->len, len);
	ck_assert_msg(memcmp(got->p, want, len) == 0,
	    "record %u: payload differs", (unsigned)seed);
	free(want);
}

static void
append_rec(struct journal *j, uint8_t type, size_t len, uint32_t seed)
{
	struct err e = { "" };
	uint8_t *p = xmalloc(len);

	fill(p, len, seed);
	if (journal_append(j, type, p, len, &e) != 0)
		ck_abort_msg("journal_append: %s", e.msg);
	free(p);
}

static struct journal *
create(const char *file)
{
	struct err e = { "" };
	struct journal *j = NULL;

	if (journal_create(file, VERSION, NULL, 0, &j, &e) != 0)
		ck_abort_msg("journal_create: %s", e.msg);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* Opens file, which must succeed, collecting its records into r. */
static struct journal *
open_ok(const char *file, struct recs *r, struct journal_info *info)
{
	struct err e = { "" };
	struct journal *j = NULL;

	if (journal_open(file, VERSION, collect, r, &j, info, &e) != 0)
		ck_abort_msg("journal_open: %s", e.msg);
	ck_assert_ptr_nonnull(j);
	return j;
}

static uint8_t *
slurp(const char *file, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(file, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = xmalloc((size_t)st.st_size);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void
spew(const char *file, const void *p, size_t len)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

static off_t
file_size(const char *file)
{
	struct stat st;

	ck_assert_int_eq(stat(file, &st), 0);
	return st.st_size;
}

/* Names in the test's folder other than the journal (leftovers). */
static int
count_others(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, ".mr-journal") != 0)
			n++;
	closedir(d);
	return n;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* The bytes of the format, written out by hand from journal.h. */
START_TEST(test_format)
{
	uint8_t want[JOURNAL_HEADER_LEN + JOURNAL_RECORD_HEADER_LEN + 3];
	struct journal *j = create(jpath);
	struct err e = { "" };
	uint8_t *got;
	size_t len;

	ck_assert_int_eq(journal_append(j, 5, "abc", 3, &e), 0);
	ck_assert_uint_eq(journal_size(j), sizeof want);
	ck_assert_uint_eq(journal_records(j), 1);
	ck_assert_str_eq(journal_path(j), jpath);
	journal_close(j);

	memcpy(want, "MRJOURNAL", 9);
	put32(want + 9, VERSION);
	put32(want + 13, crc32c(0, want, 13));
	put32(want + 17, 3);
	want[21] = 5;
	memcpy(want + 26, "abc", 3);
	put32(want + 22, crc32c(crc32c(0, want + 17, 5), "abc", 3));
	got = slurp(jpath, &len);
	ck_assert_uint_eq(len, sizeof want);
	ck_assert_msg(memcmp(got, want, len) == 0, "file bytes differ");
	free(got);
}
END_TEST

/* Sizes from 0 bytes to 1 MiB, around the reader's 64 KiB buffer too. */
static const size_t sizes[] = {
	0, 1, 2, 3, 7, 8, 9, 16, 17, 100, 255, 256, 1000, 4095, 4096, 4097,
	65535, 65536, 65537, 3 * 65536 + 5, 1024 * 1024, 0, 1, 65536 - 9,
};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define NROUND 300

static size_t
round_size(size_t i)
{
	return i < NSIZES ? sizes[i] : (i * 7919) % 3000;
}

START_TEST(test_round_trip)
{
	struct journal *j = create(jpath);
	struct journal_info info;
	struct recs r = { 0 };
	struct err e = { "" };
	uint64_t size;

	for (size_t i = 0; i < NROUND; i++)
		append_rec(j, (uint8_t)(i * 37), round_size(i), (uint32_t)i);
	ck_assert_int_eq(journal_sync(j, &e), 0);
	size = journal_size(j);
	ck_assert_uint_eq(journal_records(j), NROUND);
	journal_close(j);
	ck_assert_uint_eq((uint64_t)file_size(jpath), size);

	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, NROUND);
	for (size_t i = 0; i < NROUND; i++)
		expect_rec(&r.v[i], (uint8_t)(i * 37), round_size(i),
		    (uint32_t)i);
	ck_assert_uint_eq(info.records, NROUND);
	ck_assert_uint_eq(info.end, size);
	ck_assert_uint_eq(info.ignored, 0);
	ck_assert_uint_eq(journal_size(j), size);
	ck_assert_uint_eq(journal_records(j), NROUND);
	journal_close(j);
	ck_assert_uint_eq((uint64_t)file_size(jpath), size);
	recs_free(&r);
}
END_TEST

START_TEST(test_append_after_reopen)
{
	struct journal *j = create(jpath);
	struct journal_info info;
	struct recs r = { 0 };

	for (uint32_t i = 0; i < 3; i++)
		append_rec(j, 1, 10 + i, i);
	journal_close(j);

	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 3);
	for (uint32_t i = 3; i < 5; i++)
		append_rec(j, 2, 10 + i, i);
	ck_assert_uint_eq(journal_records(j), 5);
	journal_close(j);
	recs_free(&r);

	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 5);
	for (uint32_t i = 0; i < 5; i++)
		expect_rec(&r.v[i], i < 3 ? 1 : 2, 10 + i, i);
	ck_assert_uint_eq(info.ignored, 0);
	ck_assert_uint_eq(journal_size(j), (uint64_t)file_size(jpath));
	journal_close(j);
	recs_free(&r);
}
END_TEST

/* A journal of a few records; their ends into ends[0..n]. */
static const size_t few[] = { 5, 0, 12, 1, 3 };
#define NFEW (sizeof few / sizeof few[0])

static uint8_t *
make_few(size_t *len, uint64_t *ends)
{
	struct journal *j = create(jpath);

	ends[0] = journal_size(j);
	for (size_t i = 0; i < NFEW; i++) {
		append_rec(j, (uint8_t)(i + 1), few[i], (uint32_t)i);
		ends[i + 1] = journal_size(j);
	}
	journal_close(j);
	return slurp(jpath, len);
}

/* Records wholly before offset cut. */
static size_t
whole_before(const uint64_t *ends, uint64_t cut)
{
	size_t k = 0;

	while (k < NFEW && ends[k + 1] <= cut)
		k++;
	return k;
}

START_TEST(test_torn_every_offset)
{
	uint64_t ends[NFEW + 1];
	size_t len;
	uint8_t *orig = make_few(&len, ends);

	ck_assert_uint_eq(ends[NFEW], len);
	for (size_t cut = JOURNAL_HEADER_LEN; cut <= len; cut++) {
		struct journal_info info;
		struct recs r = { 0 };
		struct journal *j;
		size_t k = whole_before(ends, cut);

		spew(jpath, orig, cut);
		j = open_ok(jpath, &r, &info);
		ck_assert_msg(r.n == k, "cut at %zu: %zu records read, not %zu",
		    cut, r.n, k);
		for (size_t i = 0; i < k; i++)
			expect_rec(&r.v[i], (uint8_t)(i + 1), few[i],
			    (uint32_t)i);
		ck_assert_uint_eq(info.records, k);
		ck_assert_uint_eq(info.end, ends[k]);
		ck_assert_uint_eq(info.ignored, cut - ends[k]);
		ck_assert_uint_eq((uint64_t)file_size(jpath), ends[k]);
		ck_assert_uint_eq(journal_size(j), ends[k]);
		append_rec(j, 99, 7, 1000);
		journal_close(j);
		recs_free(&r);

		j = open_ok(jpath, &r, &info);
		ck_assert_msg(r.n == k + 1, "cut at %zu: %zu records after "
		    "appending, not %zu", cut, r.n, k + 1);
		expect_rec(&r.v[k], 99, 7, 1000);
		ck_assert_uint_eq(info.ignored, 0);
		journal_close(j);
		recs_free(&r);
	}
	free(orig);
}
END_TEST

/* A header cut short is refused, and the file left as it is. */
START_TEST(test_torn_header)
{
	uint64_t ends[NFEW + 1];
	size_t len;
	uint8_t *orig = make_few(&len, ends);

	for (size_t cut = 0; cut < JOURNAL_HEADER_LEN; cut++) {
		struct journal *j = NULL;
		struct err e = { "" };
		char want[512];

		spew(jpath, orig, cut);
		errno = 0;
		ck_assert_int_eq(journal_open(jpath, VERSION, NULL, NULL, &j,
		    NULL, &e), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_ptr_null(j);
		snprintf(want, sizeof want, "%s: damaged journal: header cut "
		    "short (%zu of 17 bytes)", jpath, cut);
		ck_assert_str_eq(e.msg, want);
		ck_assert_int_eq(file_size(jpath), (off_t)cut);
	}
	free(orig);
}
END_TEST

START_TEST(test_flip_every_bit)
{
	uint64_t ends[NFEW + 1];
	size_t len;
	uint8_t *orig = make_few(&len, ends);
	uint8_t *bad = xmalloc(len);

	for (size_t bit = 0; bit < 8 * len; bit++) {
		size_t byte = bit / 8;
		struct journal *j = NULL;
		struct err e = { "" };

		memcpy(bad, orig, len);
		bad[byte] ^= (uint8_t)(1u << (bit % 8));
		spew(jpath, bad, len);
		if (byte < JOURNAL_HEADER_LEN) {
			uint8_t *now;
			size_t nowlen;
			char want[512];

			ck_assert_msg(journal_open(jpath, VERSION, NULL, NULL,
			    &j, NULL, &e) == -1, "bit %zu: header accepted",
			    bit);
			ck_assert_int_eq(errno, EINVAL);
			snprintf(want, sizeof want, byte < JOURNAL_MAGIC_LEN ?
			    "%s: not a job journal" :
			    "%s: damaged journal: header checksum mismatch",
			    jpath);
			ck_assert_str_eq(e.msg, want);
			now = slurp(jpath, &nowlen);
			ck_assert_uint_eq(nowlen, len);
			ck_assert(memcmp(now, bad, len) == 0);
			free(now);
		} else {
			struct journal_info info;
			struct recs r = { 0 };
			size_t k = whole_before(ends, byte);

			j = open_ok(jpath, &r, &info);
			ck_assert_msg(r.n == k, "bit %zu: %zu records read, "
			    "not %zu", bit, r.n, k);
			for (size_t i = 0; i < k; i++)
				expect_rec(&r.v[i], (uint8_t)(i + 1), few[i],
				    (uint32_t)i);
			ck_assert_uint_eq(info.end, ends[k]);
			ck_assert_uint_eq(info.ignored, len - ends[k]);
			ck_assert_uint_eq((uint64_t)file_size(jpath), ends[k]);
			journal_close(j);
			recs_free(&r);
		}
	}
	free(bad);
	free(orig);
}
END_TEST

START_TEST(test_foreign_version)
{
	struct journal *j = NULL;
	struct err e = { "" };
	char want[512];

	ck_assert_int_eq(journal_create(jpath, 7, NULL, 0, &j, &e), 0);
	append_rec(j, 1, 10, 1);
	journal_close(j);
	j = NULL;
	errno = 0;
	ck_assert_int_eq(journal_open(jpath, 1, NULL, NULL, &j, NULL, &e), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(j);
	snprintf(want, sizeof want, "%s: journal format version 7; this build "
	    "reads version 1", jpath);
	ck_assert_str_eq(e.msg, want);
	ck_assert_int_eq(file_size(jpath),
	    JOURNAL_HEADER_LEN + JOURNAL_RECORD_HEADER_LEN + 10);

	/* Its own version still reads it. */
	ck_assert_int_eq(journal_open(jpath, 7, NULL, NULL, &j, NULL, &e), 0);
	ck_assert_uint_eq(journal_records(j), 1);
	journal_close(j);
}
END_TEST

#define T(s) { s, sizeof s - 1 }

START_TEST(test_bad_magic)
{
	static const struct {
		const char	*p;
		size_t		 n;
	} texts[] = {
		T("hello, world\nthis is not a journal at all\n"),
		T("MRJOURNAX\1\0\0\0\0\0\0\0"),
		T("x"),
		T("MRKV\2\0\0\0"),
	};
	char want[512];

	snprintf(want, sizeof want, "%s: not a job journal", jpath);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct journal *j = NULL;
		struct err e = { "" };

		spew(jpath, texts[i].p, texts[i].n);
		errno = 0;
		ck_assert_int_eq(journal_open(jpath, VERSION, NULL, NULL, &j,
		    NULL, &e), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_ptr_null(j);
		ck_assert_str_eq(e.msg, want);
		ck_assert_int_eq(file_size(jpath), (off_t)texts[i].n);
	}
}
END_TEST

START_TEST(test_missing)
{
	struct journal *j = NULL;
	struct err e = { "" };
	char want[512];

	errno = 0;
	ck_assert_int_eq(journal_open(jpath, VERSION, NULL, NULL, &j, NULL,
	    &e), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(j);
	snprintf(want, sizeof want, "%s: cannot open journal: %s", jpath,
	    strerror(ENOENT));
	ck_assert_str_eq(e.msg, want);

	/* A folder is not a journal. */
	ck_assert_int_eq(journal_open(tmpdir, VERSION, NULL, NULL, &j, NULL,
	    &e), -1);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(e.msg, tmpdir));
}
END_TEST

/* Peak virtual memory of this process, in KiB (/proc/self/status). */
static long
vm_peak(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmPeak: %ld kB", &kb) == 1)
			break;
	fclose(f);
	ck_assert_int_gt(kb, 0);
	return kb;
}

/*
 * A record whose length claims 4 GiB or just above the bound, or 48 MiB
 * (under the bound but past the end of the file), in a small file is a
 * torn tail, read without allocating anything of that size; so is one
 * just above the bound in a (sparse) file long enough to hold it.
 */
START_TEST(test_huge_length)
{
	static const struct {
		uint32_t	len;
		int		sparse;
	} claims[] = {
		{ 0xffffffffu, 0 },
		{ 48u << 20, 0 },
		{ JOURNAL_RECORD_MAX + 1, 0 },
		{ JOURNAL_RECORD_MAX + 1, 1 },
	};

	for (size_t c = 0; c < sizeof claims / sizeof claims[0]; c++) {
		struct journal *j = create(jpath);
		struct journal_info info;
		struct recs r = { 0 };
		uint8_t rec[JOURNAL_RECORD_HEADER_LEN + 100];
		uint64_t good, size;
		long before, grew;
		int fd;

		append_rec(j, 1, 20, 1);
		good = journal_size(j);
		journal_close(j);
		/* A valid checksum, so only the bound can stop it. */
		memset(rec, 'x', sizeof rec);
		put32(rec, claims[c].len);
		rec[4] = 2;
		put32(rec + 5, crc32c(crc32c(0, rec, 5),
		    rec + JOURNAL_RECORD_HEADER_LEN, 100));
		fd = open(jpath, O_WRONLY | O_APPEND);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, rec, sizeof rec), sizeof rec);
		size = good + sizeof rec;
		if (claims[c].sparse) {
			size = good + JOURNAL_RECORD_HEADER_LEN +
			    claims[c].len + 10;
			ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
		}
		close(fd);

		before = vm_peak();
		j = open_ok(jpath, &r, &info);
		grew = vm_peak() - before;
		ck_assert_msg(grew < 16 * 1024, "length %u: VmPeak grew by "
		    "%ld KiB", claims[c].len, grew);
		ck_assert_uint_eq(r.n, 1);
		ck_assert_uint_eq(info.end, good);
		ck_assert_uint_eq(info.ignored, size - good);
		ck_assert_uint_eq((uint64_t)file_size(jpath), good);
		journal_close(j);
		recs_free(&r);
	}
}
END_TEST

START_TEST(test_record_too_big)
{
	struct journal *j = create(jpath);
	struct err e = { "" };
	/* Never touched: the length is refused before the bytes are read. */
	uint8_t *big = malloc((size_t)JOURNAL_RECORD_MAX + 1);

	ck_assert_ptr_nonnull(big);
	append_rec(j, 1, 3, 1);
	errno = 0;
	ck_assert_int_eq(journal_append(j, 1, big, (size_t)JOURNAL_RECORD_MAX +
	    1, &e), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than the 67108864"));
	ck_assert_uint_eq(journal_records(j), 1);
	ck_assert_uint_eq((uint64_t)file_size(jpath), journal_size(j));
	free(big);
	append_rec(j, 1, 4, 2);
	journal_close(j);
}
END_TEST

/*
 * A write that fails half way (the file size limit stops it after a few
 * bytes) is undone: the file ends where it did, and later appends read.
 */
START_TEST(test_append_fails)
{
	struct journal *j = create(jpath);
	struct journal_info info;
	struct rlimit old, lim;
	struct recs r = { 0 };
	struct err e = { "" };
	uint8_t p[1000];
	uint64_t before;
	void (*oldsig)(int);
	int limited, unlimited, rc, err;

	append_rec(j, 1, 30, 1);
	before = journal_size(j);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = before + 100;
	fill(p, sizeof p, 2);
	/*
	 * No check until the limit is lifted: the test framework writes a
	 * file of its own at every one.
	 */
	limited = setrlimit(RLIMIT_FSIZE, &lim);
	rc = journal_append(j, 2, p, sizeof p, &e);
	err = errno;
	unlimited = setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	ck_assert_int_eq(limited, 0);
	ck_assert_int_eq(unlimited, 0);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, EFBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, ": write: "));
	ck_assert_uint_eq((uint64_t)file_size(jpath), before);
	ck_assert_uint_eq(journal_size(j), before);
	ck_assert_uint_eq(journal_records(j), 1);

	append_rec(j, 3, 5, 3);
	journal_close(j);
	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 2);
	expect_rec(&r.v[0], 1, 30, 1);
	expect_rec(&r.v[1], 3, 5, 3);
	ck_assert_uint_eq(info.ignored, 0);
	journal_close(j);
	recs_free(&r);
}
END_TEST

/* fn stopping the reading fails the open, which then changes nothing. */
START_TEST(test_callback_stops)
{
	uint64_t ends[NFEW + 1];
	size_t len;
	uint8_t *orig = make_few(&len, ends);
	struct journal *j = NULL;
	struct recs r = { 0 };
	struct err e = { "" };

	/* With a torn tail, which must stay as it is. */
	spew(jpath, orig, len - 1);
	r.stop_at = 2;
	errno = 0;
	ck_assert_int_eq(journal_open(jpath, VERSION, collect, &r, &j, NULL,
	    &e), -1);
	ck_assert_int_eq(errno, ECANCELED);
	ck_assert_ptr_null(j);
	ck_assert_str_eq(e.msg, "stopped at record 2");
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(file_size(jpath), (off_t)(len - 1));
	recs_free(&r);
	free(orig);
}
END_TEST

START_TEST(test_create_replaces)
{
	struct journal_info info;
	struct recs r = { 0 };
	struct journal *j = create(jpath);
	struct stat st1, st2;
	uint8_t old[64];
	int fd;

	for (uint32_t i = 0; i < 4; i++)
		append_rec(j, 1, 40, i);
	journal_close(j);
	ck_assert_int_eq(stat(jpath, &st1), 0);
	fd = open(jpath, O_RDONLY);
	ck_assert_int_ge(fd, 0);

	j = create(jpath);
	ck_assert_uint_eq(journal_records(j), 0);
	ck_assert_uint_eq(journal_size(j), JOURNAL_HEADER_LEN);
	append_rec(j, 2, 8, 9);
	journal_close(j);

	/* A new file took the name; the old one was never rewritten. */
	ck_assert_int_eq(stat(jpath, &st2), 0);
	ck_assert_uint_ne(st1.st_ino, st2.st_ino);
	ck_assert_int_eq(pread(fd, old, sizeof old, JOURNAL_HEADER_LEN),
	    (ssize_t)sizeof old);
	ck_assert_uint_eq(old[0], 40);
	close(fd);
	ck_assert_int_eq(count_others(), 0);

	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 1);
	expect_rec(&r.v[0], 2, 8, 9);
	journal_close(j);
	recs_free(&r);

	/* Over a file that is not a journal too. */
	spew(jpath, "not a journal\n", 14);
	j = create(jpath);
	journal_close(j);
	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(info.end, JOURNAL_HEADER_LEN);
	journal_close(j);
	ck_assert_int_eq(count_others(), 0);
}
END_TEST

/*
 * A journal created with its first records holds them as if they had been
 * appended, byte for byte, and takes more after them.
 */
START_TEST(test_create_records)
{
	static const size_t lens[] = { 0, 70000, 5 };
	struct journal_record first[3];
	char other[256];
	uint8_t *p[3], *a, *b;
	struct journal *j = NULL;
	struct journal_info info;
	struct recs r = { 0 };
	struct err e = { "" };
	size_t alen, blen;

	for (size_t i = 0; i < 3; i++) {
		p[i] = xmalloc(lens[i] + 1);
		fill(p[i], lens[i], (uint32_t)i);
		first[i].type = (uint8_t)(i + 1);
		first[i].payload = p[i];
		first[i].len = lens[i];
	}
	ck_assert_int_eq(journal_create(jpath, VERSION, first, 3, &j, &e), 0);
	ck_assert_uint_eq(journal_records(j), 3);
	ck_assert_uint_eq(journal_size(j), JOURNAL_HEADER_LEN +
	    3 * JOURNAL_RECORD_HEADER_LEN + 70005);
	ck_assert_uint_eq((uint64_t)file_size(jpath), journal_size(j));
	append_rec(j, 9, 12, 3);
	journal_close(j);

	snprintf(other, sizeof other, "%s/appended", tmpdir);
	j = create(other);
	for (size_t i = 0; i < 3; i++)
		append_rec(j, (uint8_t)(i + 1), lens[i], (uint32_t)i);
	append_rec(j, 9, 12, 3);
	journal_close(j);
	a = slurp(jpath, &alen);
	b = slurp(other, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_msg(memcmp(a, b, alen) == 0, "file bytes differ");
	free(a);
	free(b);
	ck_assert_int_eq(unlink(other), 0);

	j = open_ok(jpath, &r, &info);
	ck_assert_uint_eq(r.n, 4);
	for (size_t i = 0; i < 3; i++)
		expect_rec(&r.v[i], (uint8_t)(i + 1), lens[i], (uint32_t)i);
	expect_rec(&r.v[3], 9, 12, 3);
	journal_close(j);
	recs_free(&r);
	for (size_t i = 0; i < 3; i++)
		free(p[i]);
	ck_assert_int_eq(count_others(), 0);
}
END_TEST

/* A first record too long: refused, nothing written, the old file kept. */
START_TEST(test_create_too_big)
{
	struct journal_record first[2] = { { 1, "ab", 2 },
	    { 1, NULL, (size_t)JOURNAL_RECORD_MAX + 1 } };
	struct journal *j = create(jpath);
	struct err e = { "" };
	uint64_t size;

	append_rec(j, 1, 3, 1);
	size = journal_size(j);
	journal_close(j);
	j = NULL;
	errno = 0;
	/* The payload is never read: the length is refused first. */
	ck_assert_int_eq(journal_create(jpath, VERSION, first, 2, &j, &e), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than the 67108864"));
	ck_assert_uint_eq((uint64_t)file_size(jpath), size);
	ck_assert_int_eq(count_others(), 0);
}
END_TEST

START_TEST(test_create_fails)
{
	struct journal *j = NULL;
	struct err e = { "" };
	char bad[256];

	snprintf(bad, sizeof bad, "%s/no/such/folder/j", tmpdir);
	ck_assert_int_eq(journal_create(bad, VERSION, NULL, 0, &j, &e), -1);
	ck_assert_ptr_null(j);
	ck_assert_ptr_nonnull(strstr(e.msg, bad));
	ck_assert_int_eq(count_others(), 0);
}
END_TEST

START_TEST(test_remove)
{
	struct journal *j = create(jpath);
	struct err e = { "" };

	journal_close(j);
	ck_assert_int_eq(journal_remove(jpath, &e), 0);
	ck_assert_int_eq(access(jpath, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* Already gone: nothing to do. */
	ck_assert_int_eq(journal_remove(jpath, &e), 0);
	ck_assert_int_eq(count_others(), 0);
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc;

	tc = tcase_create("records");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_append_after_reopen);
	tcase_add_test(tc, test_record_too_big);
	tcase_add_test(tc, test_append_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_torn_every_offset);
	tcase_add_test(tc, test_torn_header);
	tcase_add_test(tc, test_flip_every_bit);
	tcase_add_test(tc, test_huge_length);
	tcase_add_test(tc, test_callback_stops);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_foreign_version);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_create_replaces);
	tcase_add_test(tc, test_create_records);
	tcase_add_test(tc, test_create_too_big);
	tcase_add_test(tc, test_create_fails);
	tcase_add_test(tc, test_remove);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(journal_suite());
	int failed;

	/* safefile.c remembers the umask at its first use: set it first. */
	umask(022);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
