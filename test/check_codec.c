/*
 * check_codec - decompressing inputs (common/codec.h): the codec chosen by
 * extension; each format read back whole through small and large reads,
 * concatenated streams (two gzip members, bzip2 streams, xz streams, zstd
 * frames) as one text; an empty text; a changed byte and a cut file named
 * with a byte offset within the file, and the failure repeated. (A zstd
 * frame written without its optional checksum cannot show every changed
 * byte: the test writes one, as the zstd command does by default.)
 */
#include <bzlib.h>
#include <check.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "codec.h"

/* Compresses src[0..len) as `kind` into a new buffer; sets *outlen. */
static unsigned char *
compress_as(enum codec_kind kind, const char *src, size_t len, size_t *outlen)
{
	size_t cap = len + len / 2 + 4096;
	unsigned char *out = malloc(cap);
	z_stream z;
	unsigned int bl = (unsigned int)cap;

	ck_assert_ptr_nonnull(out);
	switch (kind) {
	case CODEC_GZIP:
		memset(&z, 0, sizeof z);
		ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)src;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		*outlen = z.total_out;
		deflateEnd(&z);
		break;
	case CODEC_BZIP2:
		ck_assert_int_eq(BZ2_bzBuffToBuffCompress((char *)out, &bl,
		    (char *)src, (unsigned int)len, 9, 0, 0), BZ_OK);
		*outlen = bl;
		break;
	case CODEC_XZ:
		*outlen = 0;
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64,
		    NULL, (const uint8_t *)src, len, out, outlen, cap),
		    LZMA_OK);
		break;
	case CODEC_ZSTD: {
		/* With the checksum, as the zstd command writes by default. */
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		ck_assert_ptr_nonnull(cc);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		*outlen = ZSTD_compress2(cc, out, cap, src, len);
		ck_assert(!ZSTD_isError(*outlen));
		ZSTD_freeCCtx(cc);
		break;
	}
	default:
		ck_abort();
	}
	return out;
}

/* A text of numbered lines, `len` bytes. */
static char *
text_new(size_t len)
{
	char *t = malloc(len + 32);
	size_t n = 0;

	ck_assert_ptr_nonnull(t);
	for (unsigned i = 0; n < len; i++)
		n += (size_t)sprintf(t + n, "line %u of some text\n", i);
	return t;
}

/* Writes buf to a temporary file, open for reading at its start. */
static int
file_of(const unsigned char *buf, size_t len)
{
	char path[] = "/tmp/check_codec-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	unlink(path);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Reads all of fd as kind, `chunk` bytes at a time; returns the length. */
static ssize_t
read_all(enum codec_kind kind, int fd, char *out, size_t cap, size_t chunk,
    struct err *e)
{
	struct codec *c = codec_new(kind, fd);
	size_t n = 0;
	ssize_t r;

	while ((r = codec_read(c, out + n, chunk < cap - n ? chunk : cap - n,
	    e)) > 0)
		n += (size_t)r;
	if (r == -1) {
		/* The failure stays. */
		ck_assert_int_eq(codec_read(c, out, 1, e), -1);
		codec_free(c);
		return -1;
	}
	codec_free(c);
	return (ssize_t)n;
}

static const enum codec_kind kinds[] = {
	CODEC_GZIP, CODEC_BZIP2, CODEC_XZ, CODEC_ZSTD
};

START_TEST(test_of_name)
{
	ck_assert_int_eq(codec_of_name("a.txt.gz"), CODEC_GZIP);
	ck_assert_int_eq(codec_of_name("dir.gz/a.bz2"), CODEC_BZIP2);
	ck_assert_int_eq(codec_of_name("a.xz"), CODEC_XZ);
	ck_assert_int_eq(codec_of_name("a.zst"), CODEC_ZSTD);
	ck_assert_int_eq(codec_of_name("a.txt"), CODEC_NONE);
	ck_assert_int_eq(codec_of_name(".gz"), CODEC_NONE);
	ck_assert_int_eq(codec_of_name("a.gzip"), CODEC_NONE);
	ck_assert_int_eq(codec_of_name("a.GZ"), CODEC_NONE);
	ck_assert_str_eq(codec_name(CODEC_ZSTD), "zstd");
}
END_TEST

/* Each format, in reads of 1, 7, 4096 and 1 MB bytes. */
START_TEST(test_roundtrip)
{
	enum codec_kind kind = kinds[_i];
	size_t len = 300000, zlen, chunks[] = { 1, 7, 4096, 1 << 20 };
	char *text = text_new(len), *out = malloc(len + 1);
	unsigned char *z = compress_as(kind, text, len, &zlen);
	struct err e;

	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		int fd = file_of(z, zlen);

		ck_assert_int_eq(read_all(kind, fd, out, len + 1, chunks[i],
		    &e), (ssize_t)len);
		ck_assert(memcmp(out, text, len) == 0);
		close(fd);
	}
	free(z);
	free(out);
	free(text);
}
END_TEST

/* Two streams one after the other read as one text. */
START_TEST(test_concatenated)
{
	enum codec_kind kind = kinds[_i];
	char *text = text_new(50000), *out = malloc(200000);
	size_t la, lb, n1 = 20000;
	unsigned char *a = compress_as(kind, text, n1, &la);
	unsigned char *b = compress_as(kind, text + n1, 50000 - n1, &lb);
	unsigned char *both = malloc(la + lb);
	struct err e;
	int fd;

	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	fd = file_of(both, la + lb);
	ck_assert_int_eq(read_all(kind, fd, out, 200000, 4096, &e), 50000);
	ck_assert(memcmp(out, text, 50000) == 0);
	close(fd);
	free(a);
	free(b);
	free(both);
	free(out);
	free(text);
}
END_TEST

/* An empty text compresses to a stream; an empty file holds none. */
START_TEST(test_empty)
{
	enum codec_kind kind = kinds[_i];
	size_t zlen;
	unsigned char *z = compress_as(kind, "", 0, &zlen);
	char out[16];
	struct err e;
	int fd = file_of(z, zlen);

	ck_assert_int_eq(read_all(kind, fd, out, sizeof out, 16, &e), 0);
	close(fd);
	fd = file_of(z, 0);
	ck_assert_int_eq(read_all(kind, fd, out, sizeof out, 16, &e), -1);
	ck_assert_msg(strstr(e.msg, "truncated") != NULL &&
	    strstr(e.msg, "at byte 0") != NULL, "%s", e.msg);
	close(fd);
	free(z);
}
END_TEST

/* A changed byte and a cut: errors, each with an offset within the file. */
START_TEST(test_damaged)
{
	enum codec_kind kind = kinds[_i];
	size_t len = 300000, zlen;
	char *text = text_new(len), *out = malloc(4 * len);
	unsigned char *z = compress_as(kind, text, len, &zlen);
	unsigned long long at;
	const char *p;
	struct err e;
	int fd;

	z[zlen / 2] ^= 0x55;
	fd = file_of(z, zlen);
	ck_assert_int_eq(read_all(kind, fd, out, 4 * len, 65536, &e), -1);
	ck_assert_msg(strncmp(e.msg, "corrupt ", 8) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, codec_name(kind)));
	p = strstr(e.msg, "at byte ");
	ck_assert_msg(p != NULL, "%s", e.msg);
	at = strtoull(p + 8, NULL, 10);
	ck_assert_msg(at <= zlen, "%s (of %zu)", e.msg, zlen);
	close(fd);
	z[zlen / 2] ^= 0x55;
	fd = file_of(z, zlen / 2);
	ck_assert_int_eq(read_all(kind, fd, out, 4 * len, 65536, &e), -1);
	ck_assert_msg(strstr(e.msg, "truncated") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "inside a stream") != NULL, "%s", e.msg);
	close(fd);
	free(z);
	free(out);
	free(text);
}
END_TEST

static Suite *
codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof kinds / sizeof kinds[0]);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_of_name);
	tcase_add_loop_test(tc, test_roundtrip, 0, n);
	tcase_add_loop_test(tc, test_concatenated, 0, n);
	tcase_add_loop_test(tc, test_empty, 0, n);
	tcase_add_loop_test(tc, test_damaged, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
