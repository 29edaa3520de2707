/*
 * gencorpus - writes the text corpus that the MapReduce tests and benchmarks
 * run on, standing in for the Project Gutenberg books of the 6.5840 lab so
 * that nothing has to be downloaded and every machine tests the same input.
 *
 * usage: gencorpus [--files N] [--bytes-per-file B] [--seed S] OUTDIR
 *
 * Writes N files (default 8) of B bytes each, give or take a word (default
 * 400 KiB), into OUTDIR, which is created when missing. The 8 default files
 * are named like the lab's books (pg-sherlock_holmes.txt, pg-tom_sawyer.txt,
 * ...), names that the early_exit app looks for; any other number of files
 * is named pg-gen-00000.txt, pg-gen-00001.txt, ...
 *
 * The output is deterministic: the same options give the same bytes on every
 * run and machine (our own PRNG, integer arithmetic only). Each file is made
 * from its own stream, so file i does not depend on how many files there are.
 *
 * The text is English-like: words drawn from a Zipf distribution over a few
 * thousand words (common English words, names and generated words), in
 * sentences with capitals, punctuation, quotes, numbers and chapter headings,
 * wrapped at about 70 columns, in paragraphs. About 5% of the tokens are not
 * ASCII: accented Latin, Greek, Cyrillic, CJK, Arabic, Hebrew, Devanagari,
 * words with combining marks, emoji, non-ASCII digits and non-ASCII spaces.
 * Every third file has a few CRLF line ends. The output is always valid
 * UTF-8 and never holds a NUL byte.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GENCORPUS_DEFAULT_FILES	8
#define GENCORPUS_DEFAULT_BYTES	(400UL * 1024)
#define GENCORPUS_DEFAULT_SEED	5840
#define GENCORPUS_MAX_FILES	1000000UL
#define GENCORPUS_MAX_BYTES	(1ULL << 40)
#define GENCORPUS_VOCAB		4000	/* words in the Zipf vocabulary */
#define GENCORPUS_WORD_MAX	32	/* longest generated word, with NUL */
#define GENCORPUS_TOKEN_MAX	256	/* longest token, with NUL */
#define GENCORPUS_LINE		70	/* wrap column */
#define GENCORPUS_BUF		(1024 * 1024)

/* The default file names, in the order of the lab's books. */
static const char *const gencorpus_books[GENCORPUS_DEFAULT_FILES] = {
	"pg-being_ernest.txt",
	"pg-dorian_gray.txt",
	"pg-frankenstein.txt",
	"pg-grimm.txt",
	"pg-huckleberry_finn.txt",
	"pg-metamorphosis.txt",
	"pg-sherlock_holmes.txt",
	"pg-tom_sawyer.txt",
};

/* The most frequent English words, roughly most frequent first. */
static const char *const gencorpus_common[] = {
	"the", "of", "and", "to", "a", "in", "that", "he", "was", "it",
	"his", "I", "with", "you", "as", "had", "for", "her", "she", "not",
	"is", "at", "on", "be", "him", "but", "my", "said", "all", "so",
	"have", "from", "me", "which", "they", "this", "by", "were", "there",
	"one", "would", "no", "what", "an", "if", "then", "out", "up", "we",
	"or", "them", "could", "been", "when", "into", "their", "do", "who",
	"little", "will", "more", "some", "are", "upon", "very", "now",
	"about", "like", "over", "went", "before", "only", "time", "came",
	"your", "down", "did", "man", "any", "see", "again", "know", "well",
	"than", "after", "made", "never", "come", "old", "should", "how",
	"back", "must", "here", "our", "get", "away", "too", "other", "through",
	"great", "can", "go", "good", "long", "much", "eyes", "day", "just",
	"think", "thought", "own", "say", "way", "house", "where", "its",
	"first", "night", "being", "has", "might", "two", "head", "half",
	"us", "life", "nothing", "face", "may", "such", "let", "seemed",
	"hand", "still", "young", "tell", "even", "asked", "take", "room",
	"father", "door", "these", "look", "once", "found", "while", "those",
	"yet", "left", "without", "mother", "every", "looked", "heard",
	"because", "why", "most", "place", "began", "against", "under",
	"done", "though", "same", "king", "things", "took", "last", "heart",
	"saw", "always", "knew", "people", "something", "round", "home",
	"quite", "boy", "give", "many", "anything", "going", "three", "until",
	"morning", "right", "light", "love", "whole", "friend", "woman",
	"better", "world", "put", "got", "another", "find", "side", "almost",
	"don't", "it's", "can't", "I'm", "I'll", "won't", "didn't", "o'clock",
	"water", "work", "voice", "mind", "both", "each", "few", "age",
	"himself", "herself", "myself", "yourself", "between", "among",
	"however", "perhaps", "indeed", "rather", "towards", "whom", "whose",
	"shall", "cannot", "ever", "moment", "poor", "matter",
	"dear", "child", "children", "words", "word", "sir", "lady", "death",
	"answered", "cried", "replied", "turned", "stood", "followed",
	"strange", "dark", "small", "large", "open", "window", "street",
	"letter", "money", "reason", "truth", "business", "question", "case",
};

/* Names, always capitalised; they follow the common words in rank. */
static const char *const gencorpus_names[] = {
	"Sherlock", "Holmes", "Watson", "Tom", "Sawyer", "Huck", "Finn",
	"Dorian", "Gray", "Victor", "Frankenstein", "Gregor", "Samsa",
	"Ernest", "Gwendolen", "Algernon", "Becky", "Jim", "Polly", "Hansel",
	"Gretel", "Elizabeth", "Basil", "Henry", "London", "Baker", "Street",
	"Mississippi", "Geneva", "Mr", "Mrs", "Miss", "Lestrade", "Moriarty",
};

/* Parts of the generated words. */
static const char *const gencorpus_onsets[] = {
	"", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p",
	"r", "s", "t", "v", "w", "y", "z", "bl", "br", "ch", "cl", "cr",
	"dr", "fl", "fr", "gl", "gr", "pl", "pr", "sc", "sh", "sk", "sl",
	"sm", "sn", "sp", "st", "str", "sw", "th", "tr", "wh", "qu",
};
static const char *const gencorpus_vowels[] = {
	"a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ee", "ie",
	"oa", "oo", "ou", "y",
};
static const char *const gencorpus_codas[] = {
	"", "", "", "", "", "", "", "", "n", "r", "s", "t", "l", "m", "d",
	"ck", "ng", "nd", "nt", "st", "rd", "th", "sh", "x", "ll", "ss", "rt",
};
static const char *const gencorpus_suffixes[] = {
	"ing", "ed", "ly", "ness", "er", "s", "tion", "ful", "less", "ish",
};

/*
 * Non-ASCII tokens, about 5% of all. Some are not words at all to a
 * letter-based splitter: digits, emoji, combining marks, Devanagari signs
 * and number forms separate words or are dropped.
 */
static const char *const gencorpus_unicode[] = {
	/* French, German, Spanish, Portuguese, Nordic, Polish, Czech */
	"café", "déjà", "élève", "garçon", "naïve", "été", "château",
	"français", "œuvre", "cœur", "Noël", "crème", "façade", "où", "très",
	"über", "Straße", "Mädchen", "schön", "Größe", "Übung", "fröhlich",
	"Äpfel", "müde", "weiß", "niño", "mañana", "señor", "corazón",
	"ação", "São", "smørrebrød", "Ærø", "Ångström", "Łódź", "żółw",
	"příliš", "ﬁnance", "ǅemal", "ʰa",
	/* Greek */
	"λόγος", "Αθήνα", "ψυχή", "καλημέρα", "θάλασσα", "Ελλάδα", "ἀρετή",
	"Σωκράτης",
	/* Cyrillic */
	"Москва", "война", "мир", "книга", "Пётр", "жизнь", "счастье",
	"Україна", "їжак",
	/* CJK, kana, Hangul */
	"東京", "日本語", "中文", "漢字", "ひらがな", "カタカナ", "時々",
	"한국어", "서울", "北京",
	/* Arabic, Hebrew, Devanagari (with combining vowel signs) */
	"العربية", "كتاب", "سلام", "مرحبا", "שלום", "עברית", "नमस्ते",
	"हिन्दी",
	/* combining marks: decomposed e-acute, i-diaeresis, o-diaeresis */
	"cafe\xcc\x81", "nai\xcc\x88" "ve", "Zoe\xcc\x88", "ren\xcc\x83" "a",
	/* emoji: plain, skin tone, variation selector, flag, ZWJ family */
	"😀", "🎉", "👍🏽", "❤️", "🇫🇷", "👨‍👩‍👧",
	/* digits and numbers that are not ASCII, mixed tokens */
	"٣٤٥", "４２", "Ⅻ", "½", "x²", "H₂O", "१२३",
	/* punctuation */
	"«bonjour»", "„Hallo“", "…", "—",
};

/* Non-ASCII spaces and dashes that sometimes separate two words. */
static const char *const gencorpus_spaces[] = {
	"\xc2\xa0",		/* U+00A0 no-break space */
	"\xe2\x80\x89",		/* U+2009 thin space */
	"\xe3\x80\x80",		/* U+3000 ideographic space */
	"\xe2\x80\x94",		/* U+2014 em dash */
};

#define GENCORPUS_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A splitmix64 stream. */
struct gencorpus_rng {
	uint64_t	s;
};

/* The vocabulary and its cumulative Zipf weights. */
struct gencorpus_vocab {
	const char	*word[GENCORPUS_VOCAB];
	size_t		 len[GENCORPUS_VOCAB];
	uint64_t	 cum[GENCORPUS_VOCAB];
	char		 arena[GENCORPUS_VOCAB][GENCORPUS_WORD_MAX];
};

/* One output file being written. */
struct gencorpus_out {
	FILE		*f;
	const char	*path;
	char		*buf;
	size_t		 len;		/* bytes in buf */
	uint64_t	 total;		/* bytes produced, buffered included */
	size_t		 col;		/* bytes since the last line break */
	int		 crlf;		/* this file gets a few CRLFs */
};

static void
gencorpus_die(const char *fmt, ...)
{
	va_list	ap;

	fputs("gencorpus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
gencorpus_usage(FILE *f)
{
	fprintf(f, "usage: gencorpus [--files N] [--bytes-per-file B] "
	    "[--seed S] OUTDIR\n");
}

static uint64_t
gencorpus_next(struct gencorpus_rng *r)
{
	uint64_t	z;

	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number below n (n > 0), by multiply-shift: no division, no floats. */
static uint32_t
gencorpus_below(struct gencorpus_rng *r, uint32_t n)
{
	return (uint32_t)(((gencorpus_next(r) >> 32) * n) >> 32);
}

/* True with probability num / den. */
static int
gencorpus_chance(struct gencorpus_rng *r, uint32_t num, uint32_t den)
{
	return gencorpus_below(r, den) < num;
}

static const char *
gencorpus_pick(struct gencorpus_rng *r, const char *const *list, size_t n)
{
	return list[gencorpus_below(r, (uint32_t)n)];
}

/* Appends s to word (of size GENCORPUS_WORD_MAX) if it fits. */
static void
gencorpus_wordcat(char *word, size_t *len, const char *s)
{
	size_t	n = strlen(s);

	if (*len + n < GENCORPUS_WORD_MAX) {
		memcpy(word + *len, s, n + 1);
		*len += n;
	}
}

/*
 * Fills the vocabulary: common words, names, then pronounceable generated
 * words, with Zipf weights 2^32 / (rank + 1). It depends on no option.
 */
static void
gencorpus_vocab_init(struct gencorpus_vocab *v)
{
	struct gencorpus_rng	 r = { 0x6d61707265647563ULL };
	uint64_t		 sum = 0;
	size_t			 i, n = 0, len, k, syl;
	char			*w;

	for (i = 0; i < GENCORPUS_NELEM(gencorpus_common); i++)
		v->word[n++] = gencorpus_common[i];
	for (i = 0; i < GENCORPUS_NELEM(gencorpus_names); i++)
		v->word[n++] = gencorpus_names[i];
	while (n < GENCORPUS_VOCAB) {
		w = v->arena[n];
		w[0] = '\0';
		len = 0;
		k = gencorpus_below(&r, 20);	/* 1, 2 or 3 syllables */
		syl = k < 7 ? 1 : k < 17 ? 2 : 3;
		for (k = 0; k < syl; k++) {
			gencorpus_wordcat(w, &len, gencorpus_pick(&r,
			    gencorpus_onsets, GENCORPUS_NELEM(gencorpus_onsets)));
			gencorpus_wordcat(w, &len, gencorpus_pick(&r,
			    gencorpus_vowels, GENCORPUS_NELEM(gencorpus_vowels)));
			gencorpus_wordcat(w, &len, gencorpus_pick(&r,
			    gencorpus_codas, GENCORPUS_NELEM(gencorpus_codas)));
		}
		if (gencorpus_chance(&r, 3, 10))
			gencorpus_wordcat(w, &len, gencorpus_pick(&r,
			    gencorpus_suffixes,
			    GENCORPUS_NELEM(gencorpus_suffixes)));
		if (len < 2)	/* too short to pass for a word */
			continue;
		v->word[n++] = w;
	}
	for (i = 0; i < GENCORPUS_VOCAB; i++) {
		v->len[i] = strlen(v->word[i]);
		sum += (UINT64_C(1) << 32) / (i + 1);
		v->cum[i] = sum;
	}
}

/* A word index drawn from the Zipf distribution. */
static size_t
gencorpus_zipf(const struct gencorpus_vocab *v, struct gencorpus_rng *r)
{
	uint64_t	u = gencorpus_next(r) % v->cum[GENCORPUS_VOCAB - 1];
	size_t		lo = 0, hi = GENCORPUS_VOCAB - 1, mid;

	while (lo < hi) {	/* the first index with cum > u */
		mid = lo + (hi - lo) / 2;
		if (v->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void
gencorpus_flush(struct gencorpus_out *o)
{
	if (o->len == 0)
		return;
	if (fwrite(o->buf, 1, o->len, o->f) != o->len)
		gencorpus_die("%s: write: %s", o->path, strerror(errno));
	o->len = 0;
}

static void
gencorpus_put(struct gencorpus_out *o, const char *s, size_t n)
{
	if (o->len + n > GENCORPUS_BUF)
		gencorpus_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->total += n;
}

static void
gencorpus_newline(struct gencorpus_out *o, struct gencorpus_rng *r)
{
	if (o->crlf && gencorpus_chance(r, 1, 256))
		gencorpus_put(o, "\r\n", 2);
	else
		gencorpus_put(o, "\n", 1);
	o->col = 0;
}

/*
 * Writes a token, breaking the line before it when it would pass the wrap
 * column; otherwise separates it with a space, or rarely a non-ASCII one.
 */
static void
gencorpus_token(struct gencorpus_out *o, struct gencorpus_rng *r,
    const char *tok, size_t n)
{
	const char	*sp;

	if (o->col > 0) {
		if (o->col + 1 + n > GENCORPUS_LINE)
			gencorpus_newline(o, r);
		else if (gencorpus_chance(r, 1, 400)) {
			sp = gencorpus_pick(r, gencorpus_spaces,
			    GENCORPUS_NELEM(gencorpus_spaces));
			gencorpus_put(o, sp, strlen(sp));
			o->col += strlen(sp);
		} else {
			gencorpus_put(o, " ", 1);
			o->col++;
		}
	}
	gencorpus_put(o, tok, n);
	o->col += n;
}

/* Appends s to tok (of size GENCORPUS_TOKEN_MAX) if it fits. */
static void
gencorpus_tokcat(char *tok, size_t *len, const char *s, size_t n)
{
	if (*len + n < GENCORPUS_TOKEN_MAX) {
		memcpy(tok + *len, s, n);
		*len += n;
		tok[*len] = '\0';
	}
}

/* Appends one word: from the vocabulary, a number, or a non-ASCII token. */
static void
gencorpus_word(char *tok, size_t *len, const struct gencorpus_vocab *v,
    struct gencorpus_rng *r, int capital)
{
	char		 num[32];
	const char	*s;
	size_t		 start = *len, i, k;
	uint32_t	 p = gencorpus_below(r, 1000);

	if (p < 50) {		/* 5% */
		s = gencorpus_pick(r, gencorpus_unicode,
		    GENCORPUS_NELEM(gencorpus_unicode));
		gencorpus_tokcat(tok, len, s, strlen(s));
		return;
	}
	if (p < 57) {		/* 0.7% */
		switch (gencorpus_below(r, 4)) {
		case 0:
			snprintf(num, sizeof num, "%u",
			    1500 + gencorpus_below(r, 450));
			break;
		case 1:
			/* one draw per statement: argument order is unspecified */
			k = 1 + gencorpus_below(r, 99);
			snprintf(num, sizeof num, "%zu,%03u", k,
			    gencorpus_below(r, 1000));
			break;
		case 2:
			k = 4 + gencorpus_below(r, 16);
			snprintf(num, sizeof num, "%zuth", k);
			break;
		default:
			snprintf(num, sizeof num, "%u",
			    gencorpus_below(r, 100));
			break;
		}
		gencorpus_tokcat(tok, len, num, strlen(num));
		return;
	}
	i = gencorpus_zipf(v, r);
	gencorpus_tokcat(tok, len, v->word[i], v->len[i]);
	if (p < 60) {		/* 0.3% shouted */
		for (k = start; k < *len; k++)
			if (tok[k] >= 'a' && tok[k] <= 'z')
				tok[k] = (char)(tok[k] - 'a' + 'A');
	} else if ((capital || p < 80) && tok[start] >= 'a' &&
	    tok[start] <= 'z')
		tok[start] = (char)(tok[start] - 'a' + 'A');
	if (p >= 990) {		/* 1% hyphenated */
		gencorpus_tokcat(tok, len, "-", 1);
		i = gencorpus_zipf(v, r);
		gencorpus_tokcat(tok, len, v->word[i], v->len[i]);
	} else if (p >= 975)	/* 1.5% possessive */
		gencorpus_tokcat(tok, len, "'s", 2);
}

/* Writes "CHAPTER n." as a paragraph of its own, in Roman numerals to 3999. */
static void
gencorpus_chapter(struct gencorpus_out *o, struct gencorpus_rng *r,
    unsigned long n)
{
	static const unsigned long	 val[] = { 1000, 900, 500, 400, 100,
	    90, 50, 40, 10, 9, 5, 4, 1 };
	static const char *const	 sym[] = { "M", "CM", "D", "CD", "C",
	    "XC", "L", "XL", "X", "IX", "V", "IV", "I" };
	char				 tok[64];
	size_t				 i, len;

	if (n < 4000) {
		strcpy(tok, "CHAPTER ");
		len = strlen(tok);
		for (i = 0; i < GENCORPUS_NELEM(val); i++)
			while (n >= val[i]) {
				gencorpus_tokcat(tok, &len, sym[i],
				    strlen(sym[i]));
				n -= val[i];
			}
		gencorpus_tokcat(tok, &len, ".", 1);
	} else
		len = (size_t)snprintf(tok, sizeof tok, "CHAPTER %lu.", n);
	gencorpus_put(o, tok, len);
	o->col = len;
	gencorpus_newline(o, r);
	gencorpus_newline(o, r);
}

/* Writes one file of about `bytes` bytes. */
static void
gencorpus_file(const struct gencorpus_vocab *v, const char *path,
    uint64_t bytes, uint64_t seed, unsigned long index, char *buf)
{
	static const char *const	 ends[] = { ".", ".", ".", ".", ".",
	    ".", ".", ".", "?", "!", ";", "..." };
	struct gencorpus_out		 o;
	struct gencorpus_rng		 r;
	char				 tok[GENCORPUS_TOKEN_MAX];
	const char			*end;
	size_t				 len, i, words;
	unsigned long			 chapter = 0;
	int				 quoted, paren;

	/* One stream per file, from the seed and the index only. */
	r.s = seed ^ (0xa0761d6478bd642fULL * (index + 1));
	(void)gencorpus_next(&r);

	memset(&o, 0, sizeof o);
	o.path = path;
	o.buf = buf;
	o.crlf = index % 3 == 1;
	if ((o.f = fopen(path, "wb")) == NULL)
		gencorpus_die("%s: %s", path, strerror(errno));

	while (o.total < bytes) {
		/* a paragraph: sometimes a chapter heading first */
		if (o.total == 0 || gencorpus_chance(&r, 1, 40))
			gencorpus_chapter(&o, &r, ++chapter);
		do {
			/* a sentence */
			words = 3 + gencorpus_below(&r, 22);
			quoted = gencorpus_chance(&r, 1, 8);
			paren = 0;
			for (i = 0; i < words && o.total < bytes; i++) {
				tok[0] = '\0';
				len = 0;
				if (i == 0 && quoted)
					gencorpus_tokcat(tok, &len, "\"", 1);
				else if (i > 0 && i + 3 < words && !paren &&
				    gencorpus_chance(&r, 1, 60)) {
					gencorpus_tokcat(tok, &len, "(", 1);
					paren = 1;
				}
				gencorpus_word(tok, &len, v, &r, i == 0);
				if (paren && (i + 1 == words ||
				    gencorpus_chance(&r, 1, 4))) {
					gencorpus_tokcat(tok, &len, ")", 1);
					paren = 0;
				}
				if (i + 1 < words && o.total + len + 1 < bytes) {
					if (gencorpus_chance(&r, 1, 12))
						gencorpus_tokcat(tok, &len,
						    ",", 1);
					else if (gencorpus_chance(&r, 1, 150))
						gencorpus_tokcat(tok, &len,
						    ";", 1);
					else if (gencorpus_chance(&r, 1, 200))
						gencorpus_tokcat(tok, &len,
						    "--", 2);
				} else {
					end = gencorpus_pick(&r, ends,
					    GENCORPUS_NELEM(ends));
					gencorpus_tokcat(tok, &len, end,
					    strlen(end));
					if (quoted)
						gencorpus_tokcat(tok, &len,
						    "\"", 1);
				}
				gencorpus_token(&o, &r, tok, len);
			}
		} while (o.total < bytes && !gencorpus_chance(&r, 1, 6));
		gencorpus_newline(&o, &r);
		if (o.total < bytes)
			gencorpus_newline(&o, &r);
	}

	gencorpus_flush(&o);
	if (fclose(o.f) != 0)
		gencorpus_die("%s: close: %s", path, strerror(errno));
}

/* Parses a decimal number in [min, max]. */
static uint64_t
gencorpus_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long	 n;
	char			*end;

	if (s == NULL)
		gencorpus_die("%s needs a value", opt);
	if (*s < '0' || *s > '9')
		gencorpus_die("%s: not a number: %s", opt, s);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (*end != '\0')
		gencorpus_die("%s: not a number: %s", opt, s);
	if (errno == ERANGE || n < min || n > max)
		gencorpus_die("%s: %s is out of range (%llu to %llu)", opt, s,
		    (unsigned long long)min, (unsigned long long)max);
	return n;
}

/* If arg is --name or --name=VALUE, returns the value (NULL if missing). */
static int
gencorpus_option(char **argv, int *i, const char *name, const char **value)
{
	size_t	n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	*value = argv[*i + 1];
	if (*value != NULL)
		(*i)++;
	return 1;
}

int
main(int argc, char **argv)
{
	struct gencorpus_vocab	*vocab;
	const char		*outdir = NULL, *value;
	char			*path, *buf;
	uint64_t		 files = GENCORPUS_DEFAULT_FILES;
	uint64_t		 bytes = GENCORPUS_DEFAULT_BYTES;
	uint64_t		 seed = GENCORPUS_DEFAULT_SEED;
	size_t			 pathsize;
	unsigned long		 i;
	int			 a, n;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-h") == 0 ||
		    strcmp(argv[a], "--help") == 0) {
			gencorpus_usage(stdout);
			return 0;
		} else if (gencorpus_option(argv, &a, "--files", &value))
			files = gencorpus_number("--files", value, 1,
			    GENCORPUS_MAX_FILES);
		else if (gencorpus_option(argv, &a, "--bytes-per-file",
		    &value))
			bytes = gencorpus_number("--bytes-per-file", value, 0,
			    GENCORPUS_MAX_BYTES);
		else if (gencorpus_option(argv, &a, "--seed", &value))
			seed = gencorpus_number("--seed", value, 0, UINT64_MAX);
		else if (strcmp(argv[a], "--") == 0 && a + 2 == argc &&
		    outdir == NULL)
			outdir = argv[++a];	/* OUTDIR starting with '-' */
		else if (argv[a][0] == '-' && argv[a][1] != '\0') {
			fprintf(stderr, "gencorpus: unknown option %s\n",
			    argv[a]);
			gencorpus_usage(stderr);
			return 2;
		} else if (outdir == NULL)
			outdir = argv[a];
		else {
			gencorpus_usage(stderr);
			return 2;
		}
	}
	if (outdir == NULL || *outdir == '\0') {
		gencorpus_usage(stderr);
		return 2;
	}

	if (mkdir(outdir, 0777) == -1 && errno != EEXIST)
		gencorpus_die("%s: %s", outdir, strerror(errno));

	pathsize = strlen(outdir) + 64;
	path = malloc(pathsize);
	buf = malloc(GENCORPUS_BUF);
	vocab = malloc(sizeof *vocab);
	if (path == NULL || buf == NULL || vocab == NULL)
		gencorpus_die("out of memory");
	gencorpus_vocab_init(vocab);

	for (i = 0; i < files; i++) {
		if (files == GENCORPUS_DEFAULT_FILES)
			n = snprintf(path, pathsize, "%s/%s", outdir,
			    gencorpus_books[i]);
		else
			n = snprintf(path, pathsize, "%s/pg-gen-%05lu.txt",
			    outdir, i);
		if (n < 0 || (size_t)n >= pathsize)
			gencorpus_die("%s: path too long", outdir);
		gencorpus_file(vocab, path, bytes, seed, i, buf);
	}

	free(vocab);
	free(buf);
	free(path);
	return 0;
}
