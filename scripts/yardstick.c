/*
 * yardstick - the benchmark's bar: a minimal single-threaded word count in
 * plain C, with no framework, that the MapReduce jobs are measured against
 * (scripts/bench prints every job time as a ratio to this program's time).
 *
 * usage: yardstick [-o OUTFILE] FILE...
 *
 * Counts the words of all the FILEs together and writes one line
 * "word count" per distinct word (in no particular order) to OUTFILE or to
 * standard output. A word is exactly what apps/wc.c counts (common/words.c):
 * a maximal run of Unicode letters (general categories Lu, Ll, Lt, Lm, Lo)
 * in UTF-8. ASCII goes through a 256-entry table; a byte >= 0x80 starts a
 * strictly decoded character (no overlong forms, no surrogates, nothing past
 * U+10FFFF) whose class comes from utf8proc, and a byte that does not start
 * a valid character is a separator on its own.
 *
 * It is meant to be as fast as an honest plain C program: each file is
 * memory-mapped, words are counted in one open-addressing hash table
 * (power-of-two size, linear probing, 64-bit hash stored per slot, grown
 * at half load) whose keys live in one arena, so nothing is allocated per
 * word.
 *
 * Exit status: 0 on success, 1 on an error (named on stderr), 2 on a usage
 * error.
 */
#define _GNU_SOURCE

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#define YARDSTICK_TABLE_MIN	(1u << 14)	/* initial slots */
#define YARDSTICK_ARENA_MIN	(1u << 20)	/* initial key bytes */
#define YARDSTICK_OUTBUF	(1u << 16)

/* 1 for ASCII letters, 0 for other ASCII, 2 for bytes >= 0x80. */
static const uint8_t yardstick_class[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
	[0x80] = R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2)
#undef R16
};

/*
 * One slot of the table; len 0 marks an empty slot (words are never empty).
 * The key's first 8 bytes (0-padded) are kept in the slot, so that a word
 * of up to 8 bytes, most words, is compared without touching the arena.
 */
struct yardstick_slot {
	uint64_t	hash;
	uint64_t	head;		/* first 8 key bytes, little-endian */
	uint64_t	count;
	uint64_t	off;		/* of the key in the arena */
	uint64_t	len;
};

struct yardstick_table {
	struct yardstick_slot	*slot;
	size_t			 mask;	/* slots - 1 */
	size_t			 used;
	char			*arena;
	size_t			 alen, acap;
};

static void
yardstick_die(const char *fmt, ...)
{
	va_list	ap;

	fputs("yardstick: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
yardstick_alloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		yardstick_die("out of memory (%zu bytes)", n);
	return p;
}

static inline uint64_t
yardstick_load64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof v);
	return v;
}

/*
 * The up to 8 bytes at k[0..len) as a 0-padded little-endian word: one
 * load and a mask when 8 bytes stay inside the buffer (which ends at end),
 * byte by byte otherwise.
 */
static inline uint64_t
yardstick_word(const uint8_t *k, size_t len, const uint8_t *end)
{
	uint64_t	v;
	size_t		r;

	if (len >= 8)
		return yardstick_load64(k);
	if ((size_t)(end - k) >= 8)
		return yardstick_load64(k) & (~0ULL >> (64 - 8 * len));
	for (v = 0, r = 0; r < len; r++)
		v |= (uint64_t)k[r] << (8 * r);
	return v;
}

/*
 * A 64-bit hash of k[0..len) (len > 0), a multiply-xorshift over 8-byte
 * words, finished with murmur3's mixer; *head gets the first word.
 */
static inline uint64_t
yardstick_hash(const uint8_t *k, size_t len, const uint8_t *end,
    uint64_t *head)
{
	uint64_t	h = 0x243f6a8885a308d3ULL ^ (len * 0x9e3779b97f4a7c15ULL);

	*head = yardstick_word(k, len, end);
	h = (h ^ *head) * 0x9e3779b97f4a7c15ULL;
	while (len > 8) {
		h ^= h >> 32;
		k += 8;
		len -= 8;
		h = (h ^ yardstick_word(k, len, end)) * 0x9e3779b97f4a7c15ULL;
	}
	/* murmur3's finalizer */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void
yardstick_table_init(struct yardstick_table *t)
{
	memset(t, 0, sizeof *t);
	t->slot = calloc(YARDSTICK_TABLE_MIN, sizeof *t->slot);
	t->arena = malloc(YARDSTICK_ARENA_MIN);
	if (t->slot == NULL || t->arena == NULL)
		yardstick_die("out of memory");
	t->mask = YARDSTICK_TABLE_MIN - 1;
	t->acap = YARDSTICK_ARENA_MIN;
}

/* Doubles the table, placing each slot again by its stored hash. */
static void
yardstick_table_grow(struct yardstick_table *t)
{
	struct yardstick_slot	*old = t->slot, *s;
	size_t			 oldn = t->mask + 1, n = oldn * 2, i, j;

	t->slot = calloc(n, sizeof *t->slot);
	if (t->slot == NULL)
		yardstick_die("out of memory (%zu slots)", n);
	t->mask = n - 1;
	for (i = 0; i < oldn; i++) {
		s = &old[i];
		if (s->len == 0)
			continue;
		for (j = s->hash & t->mask; t->slot[j].len != 0;
		    j = (j + 1) & t->mask)
			;
		t->slot[j] = *s;
	}
	free(old);
}

/* Counts one occurrence of the word k[0..len); end is the buffer's end. */
static inline void
yardstick_count(struct yardstick_table *t, const uint8_t *k, size_t len,
    const uint8_t *end)
{
	struct yardstick_slot	*s;
	uint64_t		 h, head;
	size_t			 i;

	h = yardstick_hash(k, len, end, &head);
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		s = &t->slot[i];
		if (s->len == 0)
			break;
		if (s->hash == h && s->len == len && s->head == head &&
		    (len <= 8 || memcmp(t->arena + s->off + 8, k + 8,
		    len - 8) == 0)) {
			s->count++;
			return;
		}
	}
	/* a new word */
	if (t->acap - t->alen < len) {
		while (t->acap - t->alen < len)
			t->acap *= 2;
		t->arena = yardstick_alloc(t->arena, t->acap);
	}
	memcpy(t->arena + t->alen, k, len);
	s->hash = h;
	s->head = head;
	s->count = 1;
	s->off = t->alen;
	s->len = len;
	t->alen += len;
	if (++t->used * 2 > t->mask + 1)
		yardstick_table_grow(t);
}

/*
 * The length of the character at p[0..n) (p[0] >= 0x80) if it is a valid
 * UTF-8 encoding of a letter, else 0 (an invalid byte or another
 * character: either way the word stops here, and skipping one byte at a
 * time over a non-letter is the same as skipping the character, as its
 * continuation bytes are invalid on their own).
 */
static size_t
yardstick_letter(const uint8_t *p, size_t n)
{
	uint8_t		b0 = p[0], lo = 0x80, hi = 0xbf;
	size_t		len, i;
	int32_t		c;

	if (b0 < 0xc2 || b0 > 0xf4)
		return 0;
	if (b0 < 0xe0) {
		len = 2;
		c = b0 & 0x1f;
	} else if (b0 < 0xf0) {
		len = 3;
		c = b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (b0 == 0xed)
			hi = 0x9f;	/* surrogates */
	} else {
		len = 4;
		c = b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90;	/* overlong */
		else if (b0 == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	}
	if (len > n || p[1] < lo || p[1] > hi)
		return 0;
	c = c << 6 | (p[1] & 0x3f);
	for (i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return len;
	default:
		return 0;
	}
}

/*
 * Counts every word of p[0..n): a plain loop over the bytes, one table
 * look-up each, decoding only at bytes >= 0x80.
 */
static void
yardstick_words(struct yardstick_table *t, const uint8_t *p, size_t n)
{
	const uint8_t	*end = p + n;
	size_t		 i = 0, start, l;
	uint8_t		 c;

	while (i < n) {
		/* separators: other ASCII, invalid bytes, non-letters */
		c = yardstick_class[p[i]];
		if (c == 0) {
			i++;
			continue;
		}
		if (c == 2) {
			if ((l = yardstick_letter(p + i, n - i)) == 0) {
				i++;
				continue;
			}
		} else
			l = 1;
		/* a word: letters up to the first non-letter */
		start = i;
		i += l;
		while (i < n) {
			c = yardstick_class[p[i]];
			if (c == 1)
				i++;
			else if (c == 0)
				break;
			else if ((l = yardstick_letter(p + i, n - i)) != 0)
				i += l;
			else
				break;
		}
		yardstick_count(t, p + start, i - start, end);
	}
}

static void
yardstick_file(struct yardstick_table *t, const char *path)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		yardstick_die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		yardstick_die("%s: stat: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		yardstick_die("%s: not a regular file", path);
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
		    0);
		if (p == MAP_FAILED)
			yardstick_die("%s: mmap: %s", path, strerror(errno));
		(void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
		yardstick_words(t, p, (size_t)st.st_size);
		(void)munmap(p, (size_t)st.st_size);
	}
	(void)close(fd);
}

/* Writes "word count" lines, buffered, with a hand-made decimal. */
static void
yardstick_write(const struct yardstick_table *t, FILE *f, const char *name)
{
	const struct yardstick_slot	*s;
	char				 num[24];
	size_t				 i, k;
	uint64_t			 v;

	for (i = 0; i <= t->mask; i++) {
		s = &t->slot[i];
		if (s->len == 0)
			continue;
		k = sizeof num;
		num[--k] = '\n';
		v = s->count;
		do {
			num[--k] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		num[--k] = ' ';
		if (fwrite(t->arena + s->off, 1, s->len, f) != s->len ||
		    fwrite(num + k, 1, sizeof num - k, f) != sizeof num - k)
			yardstick_die("%s: write: %s", name, strerror(errno));
	}
}

static void
yardstick_usage(FILE *f)
{
	fprintf(f, "usage: yardstick [-o OUTFILE] FILE...\n");
}

int
main(int argc, char **argv)
{
	struct yardstick_table	 t;
	const char		*outpath = NULL, *name = "standard output";
	FILE			*out = stdout;
	static char		 outbuf[YARDSTICK_OUTBUF];
	int			 ch;

	while ((ch = getopt(argc, argv, "ho:")) != -1) {
		switch (ch) {
		case 'h':
			yardstick_usage(stdout);
			return 0;
		case 'o':
			outpath = optarg;
			break;
		default:
			yardstick_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		yardstick_usage(stderr);
		return 2;
	}
	yardstick_table_init(&t);
	for (; optind < argc; optind++)
		yardstick_file(&t, argv[optind]);

	if (outpath != NULL) {
		name = outpath;
		if ((out = fopen(outpath, "w")) == NULL)
			yardstick_die("%s: %s", outpath, strerror(errno));
	}
	setvbuf(out, outbuf, _IOFBF, sizeof outbuf);
	yardstick_write(&t, out, name);
	if (fflush(out) != 0 || ferror(out))
		yardstick_die("%s: write: %s", name, strerror(errno));
	if (outpath != NULL && fclose(out) != 0)
		yardstick_die("%s: close: %s", name, strerror(errno));
	free(t.slot);
	free(t.arena);
	return 0;
}
