/* SPDX-License-Identifier: MIT */
/*
 * Latency histogram for mcrsink: log-linear buckets over the whole uint64_t
 * range in a fixed array, so recording never allocates and never fails.
 * Values below 2 * HISTOGRAM_SUB_COUNT are kept exactly; above that every
 * power of two is split into HISTOGRAM_SUB_COUNT equal buckets, which bounds
 * the relative error of a percentile to 1 / HISTOGRAM_SUB_COUNT (< 0.8 %).
 * Count, minimum and maximum are exact.
 */
#ifndef MCR_HISTOGRAM_H
#define MCR_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS	7
#define HISTOGRAM_SUB_COUNT	(1u << HISTOGRAM_SUB_BITS)
/* Two linear halves for the smallest values, then one half per power of two up to 2^63. */
#define HISTOGRAM_BUCKETS	((65 - HISTOGRAM_SUB_BITS) * HISTOGRAM_SUB_COUNT)

struct histogram {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t buckets[HISTOGRAM_BUCKETS];
};

/**
 * histogram_init() - empty a histogram.
 * @h: histogram to reset; about 59 KiB, so callers usually allocate it.
 */
void histogram_init(struct histogram *h);

/**
 * histogram_record() - add one value.
 * @h: histogram
 * @value: any value, typically nanoseconds
 *
 * A count that would overflow stays at UINT64_MAX.
 */
void histogram_record(struct histogram *h, uint64_t value);

/**
 * histogram_merge() - add every value of @src to @dst.
 */
void histogram_merge(struct histogram *dst, const struct histogram *src);

uint64_t histogram_count(const struct histogram *h);
/* Exact smallest and largest value recorded; 0 when empty. */
uint64_t histogram_min(const struct histogram *h);
uint64_t histogram_max(const struct histogram *h);

/**
 * histogram_percentile() - value at or below which @pct percent of values lie.
 * @h: histogram
 * @pct: 0..100; values outside are clamped
 *
 * Nearest-rank definition.  The answer is the upper bound of the bucket that
 * holds the ranked value, clamped to the exact maximum, so it is never below
 * the true value and at most one bucket width above it.
 *
 * Returns: the value, or 0 when the histogram is empty.
 */
uint64_t histogram_percentile(const struct histogram *h, double pct);

/*
 * Bucket geometry, exported for tests: the bucket a value falls in and the
 * inclusive range of values that bucket covers.
 */
unsigned int histogram_bucket_index(uint64_t value);
void histogram_bucket_range(unsigned int index, uint64_t *ret_low, uint64_t *ret_high);

#endif
