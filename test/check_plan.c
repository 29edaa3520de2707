/*
 * check_plan.c - unit tests of coordinator/plan.c: which inputs each map
 * task reads, and the pieces a total order samples.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../coordinator/plan.h"
#include "codec.h"
#include "split.h"

#define MB ((uint64_t)1 << 20)

/* The plan of n inputs of the given sizes, named in-0 .. in-(n-1). */
struct fixture {
	char		**names;
	struct stamp	*stamps;
	size_t		 n;
};

static void
fixture_make(struct fixture *f, const uint64_t *sizes, size_t n,
    const char *ext)
{
	f->n = n;
	f->names = calloc(n, sizeof *f->names);
	f->stamps = calloc(n, sizeof *f->stamps);
	ck_assert_ptr_nonnull(f->names);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_ne(asprintf(&f->names[i], "in-%05zu%s", i,
		    ext), -1);
		f->stamps[i].size = sizes[i];
	}
}

static void
fixture_free(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->stamps);
}

static struct plan *
plan_of(const struct fixture *f, uint64_t split_size)
{
	struct plan_config cfg = { split_size, PLAN_OPEN_COST_DEFAULT };
	struct err e;
	struct plan *p = plan_new(f->names, f->stamps, f->n, &cfg, &e);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Every input appears once, in order, whole, across the tasks. */
static void
check_covers(const struct plan *p, const struct fixture *f)
{
	size_t k = 0;

	for (uint32_t i = 0; i < plan_nmaps(p); i++) {
		const struct tasks_map *m = &plan_maps(p)[i];
		uint64_t bytes = 0;

		ck_assert_uint_ge(m->ninputs, 1);
		for (uint32_t j = 0; j < m->ninputs; j++, k++) {
			ck_assert_ptr_eq(m->inputs[j].name, f->names[k]);
			ck_assert_uint_eq(m->inputs[j].offset, 0);
			ck_assert_uint_eq(m->inputs[j].length, 0);
			bytes += f->stamps[k].size;
		}
		ck_assert_uint_eq(m->bytes, bytes);
	}
	ck_assert_uint_eq(k, f->n);
}

/* The lab's eight books, 136 KB to 580 KB: eight map tasks. */
START_TEST(test_lab_books)
{
	/* The two smallest side by side, the worst order for packing. */
	static const uint64_t sizes[] = { 138885, 139054, 453168, 441033,
	    540174, 594262, 581863, 412665 };
	struct fixture f;
	struct plan *p;

	fixture_make(&f, sizes, 8, ".txt");
	p = plan_of(&f, SPLIT_SIZE_DEFAULT);
	ck_assert_uint_eq(plan_nmaps(p), 8);
	check_covers(p, &f);
	plan_free(p);
	fixture_free(&f);
}
END_TEST

/* 10 000 inputs of 100 bytes: a few tasks, each far below the bounds. */
START_TEST(test_tiny_inputs)
{
	size_t n = 10000;
	uint64_t *sizes = calloc(n, sizeof *sizes);
	struct fixture f;
	struct plan *p;

	for (size_t i = 0; i < n; i++)
		sizes[i] = 100;
	fixture_make(&f, sizes, n, ".txt");
	p = plan_of(&f, SPLIT_SIZE_DEFAULT);
	ck_assert_uint_ge(plan_nmaps(p), PLAN_MIN_TASKS);
	ck_assert_uint_le(plan_nmaps(p), 200);
	for (uint32_t i = 0; i < plan_nmaps(p); i++)
		ck_assert_uint_le(plan_maps(p)[i].ninputs,
		    PLAN_PACK_INPUTS_MAX);
	check_covers(p, &f);
	plan_free(p);
	fixture_free(&f);
	free(sizes);
}
END_TEST

/* 800 inputs of 400 KB: packed into tasks of about the split size. */
START_TEST(test_many_books)
{
	size_t n = 800;
	uint64_t *sizes = calloc(n, sizeof *sizes);
	struct fixture f;
	struct plan *p;

	for (size_t i = 0; i < n; i++)
		sizes[i] = 409600;
	fixture_make(&f, sizes, n, ".txt");
	p = plan_of(&f, SPLIT_SIZE_DEFAULT);
	ck_assert_uint_ge(plan_nmaps(p), 16);
	ck_assert_uint_le(plan_nmaps(p), 40);
	for (uint32_t i = 0; i < plan_nmaps(p); i++)
		ck_assert_uint_le(plan_maps(p)[i].bytes, SPLIT_SIZE_DEFAULT);
	check_covers(p, &f);
	plan_free(p);
	fixture_free(&f);
	free(sizes);
}
END_TEST

/* A large input is cut into splits, each a task; small ones around pack. */
START_TEST(test_split_between_small)
{
	size_t n = 41;
	uint64_t sizes[41];
	struct fixture f;
	struct plan *p;
	uint32_t splits = 0;

	for (size_t i = 0; i < n; i++)
		sizes[i] = 1000;
	sizes[20] = 40 * MB + 5;
	fixture_make(&f, sizes, n, ".txt");
	p = plan_of(&f, 16 * MB);
	for (uint32_t i = 0; i < plan_nmaps(p); i++) {
		const struct tasks_map *m = &plan_maps(p)[i];

		if (m->inputs[0].name != f.names[20])
			continue;
		ck_assert_uint_eq(m->ninputs, 1);
		ck_assert_uint_eq(m->inputs[0].offset, splits * 16 * MB);
		ck_assert_uint_eq(m->inputs[0].length, splits < 2 ?
		    16 * MB : 0);
		splits++;
	}
	ck_assert_uint_eq(splits, 3);
	/*
	 * 40 small inputs at least two to a task (the large one between
	 * them may cut one task short).
	 */
	ck_assert_uint_le(plan_nmaps(p), 3 + 20 + 1);
	plan_free(p);
	fixture_free(&f);
}
END_TEST

/* A compressed input is never split, however large. */
START_TEST(test_compressed_not_split)
{
	uint64_t sizes[] = { 100 * MB, 100 * MB };
	struct fixture f;
	struct plan *p;

	fixture_make(&f, sizes, 2, ".gz");
	p = plan_of(&f, 16 * MB);
	ck_assert_uint_eq(plan_nmaps(p), 2);
	check_covers(p, &f);
	plan_free(p);
	fixture_free(&f);
	ck_assert_int_eq(codec_of_name("a.txt.zst") != CODEC_NONE, 1);
	ck_assert_int_eq(codec_of_name("a.bz2") != CODEC_NONE, 1);
	ck_assert_int_eq(codec_of_name("a.xz") != CODEC_NONE, 1);
	ck_assert_int_eq(codec_of_name(".gz") != CODEC_NONE, 0);
	ck_assert_int_eq(codec_of_name("a.gzip") != CODEC_NONE, 0);
}
END_TEST

/*
 * A total order's sample: PLAN_SAMPLE_PIECES pieces spread evenly over the
 * inputs' bytes, inside their inputs, at most PLAN_SAMPLE_BYTES each.
 */
START_TEST(test_sample_spread)
{
	uint64_t sizes[] = { 1 * MB, 100, 0, 63 * MB };
	struct tasks_input out[PLAN_SAMPLE_PIECES];
	struct fixture f;
	struct plan *p;
	size_t n, in3 = 0;

	fixture_make(&f, sizes, 4, ".txt");
	p = plan_of(&f, 16 * MB);
	n = plan_sample(p, out);
	ck_assert_uint_eq(n, PLAN_SAMPLE_PIECES);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_gt(out[i].length, 0);
		ck_assert_uint_le(out[i].length, PLAN_SAMPLE_BYTES);
		ck_assert_ptr_nonnull(out[i].stamp);
		ck_assert_uint_le(out[i].offset + out[i].length,
		    out[i].stamp->size);
		if (out[i].name == f.names[3]) {
			/* About every 1 MiB of the 64 MiB, in order. */
			if (in3 > 0)
				ck_assert_uint_le(out[i].offset -
				    out[i - 1].offset - MB, 2);
			in3++;
		}
	}
	/* Piece 1 starts at byte 1 MiB + 1: in the 100-byte input, cut to it. */
	ck_assert_ptr_eq(out[0].name, f.names[0]);
	ck_assert_uint_eq(out[0].offset, 0);
	ck_assert_ptr_eq(out[1].name, f.names[1]);
	ck_assert_uint_eq(out[1].offset, 1);
	ck_assert_uint_eq(out[1].length, 99);
	ck_assert_uint_eq(in3, 62);
	plan_free(p);
	fixture_free(&f);
}
END_TEST

/* Small inputs are sampled whole; a compressed one from its start. */
START_TEST(test_sample_small_and_compressed)
{
	uint64_t sizes[] = { 640 };
	uint64_t zsizes[] = { 10 * MB, 10 * MB };
	struct tasks_input out[PLAN_SAMPLE_PIECES];
	struct fixture f;
	struct plan *p;
	size_t n;

	fixture_make(&f, sizes, 1, ".txt");
	p = plan_of(&f, 16 * MB);
	n = plan_sample(p, out);
	ck_assert_uint_eq(n, PLAN_SAMPLE_PIECES);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(out[i].offset, i * 10);
		ck_assert_uint_eq(out[i].length, 10);
	}
	plan_free(p);
	fixture_free(&f);
	sizes[0] = 0;
	fixture_make(&f, sizes, 1, ".txt");
	p = plan_of(&f, 16 * MB);
	ck_assert_uint_eq(plan_sample(p, out), 0);
	plan_free(p);
	fixture_free(&f);
	fixture_make(&f, zsizes, 2, ".gz");
	p = plan_of(&f, 16 * MB);
	n = plan_sample(p, out);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].offset, 0);
	ck_assert_uint_eq(out[0].length, 32 * PLAN_SAMPLE_BYTES);
	ck_assert_ptr_eq(out[1].name, f.names[1]);
	plan_free(p);
	fixture_free(&f);
}
END_TEST

/* Long names bound a task before its count does: a task fits a frame. */
START_TEST(test_name_bound)
{
	size_t n = 2000;
	struct plan_config cfg = { SPLIT_SIZE_DEFAULT, 0 };
	char **names = calloc(n, sizeof *names);
	struct stamp *stamps = calloc(n, sizeof *stamps);
	struct plan *p;
	struct err e;

	for (size_t i = 0; i < n; i++) {
		names[i] = malloc(1001);
		memset(names[i], 'a', 1000);
		snprintf(names[i] + 990, 11, "%010zu", i);
		stamps[i].size = 10;
	}
	p = plan_new(names, stamps, n, &cfg, &e);
	ck_assert_ptr_nonnull(p);
	for (uint32_t i = 0; i < plan_nmaps(p); i++)
		ck_assert_uint_le(plan_maps(p)[i].ninputs * 1001,
		    PLAN_PACK_NAMES_MAX);
	ck_assert_uint_ge(plan_nmaps(p), n * 1001 / PLAN_PACK_NAMES_MAX);
	plan_free(p);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(stamps);
}
END_TEST

static Suite *
plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_lab_books);
	tcase_add_test(tc, test_tiny_inputs);
	tcase_add_test(tc, test_many_books);
	tcase_add_test(tc, test_split_between_small);
	tcase_add_test(tc, test_compressed_not_split);
	tcase_add_test(tc, test_name_bound);
	tcase_add_test(tc, test_sample_spread);
	tcase_add_test(tc, test_sample_small_and_compressed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(plan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
