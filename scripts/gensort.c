/*
 * gensort - writes records in the layout of the sort benchmark's gensort
 * -a (sortbenchmark.org), for the sort app (apps/sort.c), its tests and
 * `make bench`.
 *
 * usage: gensort [-a] [-b FIRST] [-s SEED] RECORDS FILE
 *
 * Writes RECORDS records, numbered from FIRST (default 0), to FILE ("-":
 * the standard output). Each is one line of 100 bytes:
 *
 *	KKKKKKKKKK  NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN  FFFF...FFFF\r\n
 *
 * a 10-byte key of printable ASCII (' ' to '~', drawn at random), two
 * spaces, the record number as 32 upper-case hexadecimal digits, two
 * spaces, 52 bytes of filler (hexadecimal digits, four of each), CR LF.
 * -a is accepted and ignored: gensort's ASCII records are the only kind.
 * A record depends on its number and the seed alone, so that -b writes a
 * slice of the same sequence, and the output is the same on every machine
 * (our own PRNG). Keys may repeat, as gensort's may.
 *
 * Exit status: 0, 1 on a write error, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GENSORT_RECORD		100
#define GENSORT_KEY		10
#define GENSORT_DEFAULT_SEED	5840
#define GENSORT_BUF_RECORDS	10000

static void
gensort_usage(FILE *f)
{
	fprintf(f, "usage: gensort [-a] [-b FIRST] [-s SEED] RECORDS FILE\n");
}

/* splitmix64: a record's random bits from its number and the seed. */
static uint64_t
gensort_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int
gensort_number(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* Writes record n at p (GENSORT_RECORD bytes). */
static void
gensort_record(char *p, uint64_t n, uint64_t seed)
{
	static const char hex[] = "0123456789ABCDEF";
	uint64_t a = gensort_mix(n ^ gensort_mix(seed)), b = gensort_mix(a);

	/* 10 keys bytes of 95 values: 5 from each 64-bit draw. */
	for (int i = 0; i < 5; i++) {
		p[i] = (char)(' ' + a % 95);
		a /= 95;
		p[5 + i] = (char)(' ' + b % 95);
		b /= 95;
	}
	p[10] = p[11] = ' ';
	for (int i = 0; i < 16; i++)
		p[12 + i] = '0';
	for (int i = 0; i < 16; i++)
		p[28 + i] = hex[(n >> (60 - 4 * i)) & 0xf];
	p[44] = p[45] = ' ';
	for (int i = 0; i < 13; i++)
		memset(p + 46 + 4 * i, hex[(n + (uint64_t)i) & 0xf], 4);
	p[98] = '\r';
	p[99] = '\n';
}

int
main(int argc, char **argv)
{
	uint64_t first = 0, seed = GENSORT_DEFAULT_SEED, count, n;
	char *buf;
	FILE *f;
	int ch, rc;

	while ((ch = getopt(argc, argv, "ab:s:h")) != -1) {
		switch (ch) {
		case 'a':
			break;
		case 'b':
			if (gensort_number(optarg, &first) == -1) {
				fprintf(stderr, "gensort: -b: not a number: %s\n",
				    optarg);
				return 2;
			}
			break;
		case 's':
			if (gensort_number(optarg, &seed) == -1) {
				fprintf(stderr, "gensort: -s: not a number: %s\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			gensort_usage(stdout);
			return 0;
		default:
			gensort_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || gensort_number(argv[optind], &count) == -1) {
		gensort_usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind + 1], "-") == 0)
		f = stdout;
	else if ((f = fopen(argv[optind + 1], "w")) == NULL) {
		fprintf(stderr, "gensort: %s: %s\n", argv[optind + 1],
		    strerror(errno));
		return 1;
	}
	if ((buf = malloc((size_t)GENSORT_BUF_RECORDS * GENSORT_RECORD)) == NULL) {
		fprintf(stderr, "gensort: out of memory\n");
		return 1;
	}
	for (uint64_t done = 0; done < count; done += n) {
		n = count - done < GENSORT_BUF_RECORDS ? count - done :
		    GENSORT_BUF_RECORDS;
		for (uint64_t i = 0; i < n; i++)
			gensort_record(buf + i * GENSORT_RECORD,
			    first + done + i, seed);
		if (fwrite(buf, GENSORT_RECORD, n, f) != n)
			break;
	}
	free(buf);
	rc = ferror(f) ? EOF : 0;
	if (f != stdout) {
		if (fclose(f) != 0)
			rc = EOF;
	} else if (fflush(f) != 0)
		rc = EOF;
	if (rc != 0) {
		fprintf(stderr, "gensort: %s: write error\n", argv[optind + 1]);
		return 1;
	}
	return 0;
}
