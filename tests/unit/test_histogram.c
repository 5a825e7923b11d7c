// SPDX-License-Identifier: MIT
/*
 * Unit tests for the mcrsink latency histogram: bucket geometry, exactness of
 * count/min/max, percentile precision on known distributions, extreme values
 * and merging.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tools/histogram.h"

static struct histogram *hist_new(void)
{
	struct histogram *h = test_malloc(sizeof(*h));

	assert_non_null(h);
	/* Garbage first, so a test only passes if init really clears it. */
	memset(h, 0xa5, sizeof(*h));
	histogram_init(h);
	return h;
}

/* The value at nearest rank ceil(pct% * n) of the sequence 1..n. */
static uint64_t true_percentile_1_to_n(uint64_t n, double pct)
{
	uint64_t rank = (uint64_t)ceil(pct / 100.0 * (double)n);

	return rank ? rank : 1;
}

/* The answer may exceed the truth by at most one bucket width (< truth / SUB_COUNT). */
static void assert_within_precision(uint64_t got, uint64_t truth)
{
	assert_true(got >= truth);
	assert_true(got - truth <= truth / HISTOGRAM_SUB_COUNT);
}

static void t_empty(void **state)
{
	struct histogram *h = hist_new();
	const double pcts[] = { 0, 50, 90, 99, 100 };

	(void)state;
	assert_int_equal(histogram_count(h), 0);
	assert_int_equal(histogram_min(h), 0);
	assert_int_equal(histogram_max(h), 0);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_int_equal(histogram_percentile(h, pcts[i]), 0);
	test_free(h);
}

static void t_single_value(void **state)
{
	struct histogram *h = hist_new();
	const double pcts[] = { 0, 1, 50, 90, 99, 99.999, 100 };

	(void)state;
	histogram_record(h, 123457);
	assert_int_equal(histogram_count(h), 1);
	assert_int_equal(histogram_min(h), 123457);
	assert_int_equal(histogram_max(h), 123457);
	/* One value: every percentile is that value exactly, not its bucket bound. */
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_int_equal(histogram_percentile(h, pcts[i]), 123457);
	test_free(h);
}

static void t_small_values_are_exact(void **state)
{
	struct histogram *h = hist_new();

	(void)state;
	for (uint64_t v = 0; v < 2 * HISTOGRAM_SUB_COUNT; v++)
		histogram_record(h, v);
	/* 256 values 0..255: rank ceil(p * 256) holds value rank - 1. */
	assert_int_equal(histogram_percentile(h, 50), 127);
	assert_int_equal(histogram_percentile(h, 90), 230);
	assert_int_equal(histogram_percentile(h, 99), 253);
	assert_int_equal(histogram_percentile(h, 0), 0);
	assert_int_equal(histogram_percentile(h, 100), 255);
	test_free(h);
}

static void t_bucket_geometry(void **state)
{
	const uint64_t values[] = {
		0, 1, 255, 256, 257, 258, 511, 512, 513, 1000, 123456789,
		1ULL << 40, (1ULL << 40) - 1, 1ULL << 63, UINT64_MAX - 1, UINT64_MAX,
	};
	uint64_t low, high, prev_high;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		unsigned int idx = histogram_bucket_index(values[i]);

		assert_true(idx < HISTOGRAM_BUCKETS);
		histogram_bucket_range(idx, &low, &high);
		assert_true(low <= values[i]);
		assert_true(values[i] <= high);
		/* Width relative to the smallest member stays within the precision. */
		assert_true(high - low <= low / HISTOGRAM_SUB_COUNT);
	}
	/* The buckets tile 0..UINT64_MAX without gaps or overlaps. */
	histogram_bucket_range(0, &low, &prev_high);
	assert_int_equal(low, 0);
	for (unsigned int i = 1; i < HISTOGRAM_BUCKETS; i++) {
		histogram_bucket_range(i, &low, &high);
		assert_int_equal(low, prev_high + 1);
		assert_int_equal(histogram_bucket_index(low), i);
		assert_int_equal(histogram_bucket_index(high), i);
		prev_high = high;
	}
	assert_true(prev_high == UINT64_MAX);
}

static void t_uniform_percentiles(void **state)
{
	struct histogram *h = hist_new();
	const uint64_t n = 1000000;
	const double pcts[] = { 1, 10, 50, 90, 99, 99.9, 99.99 };

	(void)state;
	/* Shuffled order must not matter: step by a stride coprime to n. */
	for (uint64_t i = 0; i < n; i++)
		histogram_record(h, (i * 7919) % n + 1);
	assert_int_equal(histogram_count(h), n);
	assert_int_equal(histogram_min(h), 1);
	assert_int_equal(histogram_max(h), n);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_within_precision(histogram_percentile(h, pcts[i]),
					true_percentile_1_to_n(n, pcts[i]));
	assert_int_equal(histogram_percentile(h, 100), n);
	test_free(h);
}

static void t_max_is_exact(void **state)
{
	struct histogram *h = hist_new();

	(void)state;
	for (int i = 0; i < 1000; i++)
		histogram_record(h, 50000);
	/* 1000003 is inside a bucket that spans up to 1003519. */
	histogram_record(h, 1000003);
	histogram_record(h, 7);
	assert_int_equal(histogram_max(h), 1000003);
	assert_int_equal(histogram_min(h), 7);
	assert_int_equal(histogram_percentile(h, 100), 1000003);
	/* The top rank falls in the max's bucket, and is clamped to the max. */
	assert_int_equal(histogram_percentile(h, 99.95), 1000003);
	assert_within_precision(histogram_percentile(h, 50), 50000);
	test_free(h);
}

static void t_huge_values(void **state)
{
	struct histogram *h = hist_new();

	(void)state;
	histogram_record(h, 1ULL << 63);
	histogram_record(h, UINT64_MAX - 1);
	histogram_record(h, UINT64_MAX);
	histogram_record(h, 1000);
	assert_int_equal(histogram_count(h), 4);
	assert_true(histogram_max(h) == UINT64_MAX);
	assert_int_equal(histogram_min(h), 1000);
	assert_within_precision(histogram_percentile(h, 25), 1000);
	assert_within_precision(histogram_percentile(h, 50), 1ULL << 63);
	assert_true(histogram_percentile(h, 75) >= UINT64_MAX - 1);
	assert_true(histogram_percentile(h, 100) == UINT64_MAX);
	test_free(h);
}

static void t_pct_out_of_range_is_clamped(void **state)
{
	struct histogram *h = hist_new();

	(void)state;
	for (uint64_t v = 1000; v <= 5000; v += 1000)
		histogram_record(h, v);
	assert_int_equal(histogram_percentile(h, -5), 1000);
	assert_int_equal(histogram_percentile(h, NAN), 1000);
	assert_int_equal(histogram_percentile(h, 250), 5000);
	/* Rank ceil(0.4 * 5) = 2: the second value. */
	assert_within_precision(histogram_percentile(h, 40), 2000);
	test_free(h);
}

static void t_merge(void **state)
{
	struct histogram *a = hist_new(), *b = hist_new(), *all = hist_new();
	struct histogram *empty = hist_new();
	const uint64_t n = 200000;

	(void)state;
	for (uint64_t v = 1; v <= n; v++) {
		histogram_record(v % 3 ? a : b, v * 13);
		histogram_record(all, v * 13);
	}
	histogram_merge(a, b);
	assert_int_equal(histogram_count(a), n);
	assert_int_equal(histogram_min(a), 13);
	assert_int_equal(histogram_max(a), n * 13);
	assert_memory_equal(a->buckets, all->buckets, sizeof(a->buckets));
	assert_int_equal(histogram_percentile(a, 99), histogram_percentile(all, 99));

	/* Merging an empty histogram changes nothing... */
	histogram_merge(a, empty);
	assert_int_equal(histogram_count(a), n);
	assert_int_equal(histogram_min(a), 13);
	/* ...and merging into an empty one takes min and max from the source. */
	histogram_merge(empty, b);
	assert_int_equal(histogram_count(empty), histogram_count(b));
	assert_int_equal(histogram_min(empty), 3 * 13);
	assert_int_equal(histogram_max(empty), histogram_max(b));
	test_free(a);
	test_free(b);
	test_free(all);
	test_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_single_value),
		cmocka_unit_test(t_small_values_are_exact),
		cmocka_unit_test(t_bucket_geometry),
		cmocka_unit_test(t_uniform_percentiles),
		cmocka_unit_test(t_max_is_exact),
		cmocka_unit_test(t_huge_values),
		cmocka_unit_test(t_pct_out_of_range_is_clamped),
		cmocka_unit_test(t_merge),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
