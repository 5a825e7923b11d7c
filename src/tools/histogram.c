// SPDX-License-Identifier: MIT
/*
 * Log-linear latency histogram.  Bucket i < 2N (N = HISTOGRAM_SUB_COUNT)
 * holds exactly the value i.  A larger value v with highest set bit m is
 * shifted right by s = m - SUB_BITS so that its top SUB_BITS + 1 bits remain;
 * those bits (N..2N-1) plus s * N give the index.  Each bucket of shift s is
 * therefore 2^s wide while holding values of at least N * 2^s.
 */
#include <string.h>

#include "tools/histogram.h"

void histogram_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned int histogram_bucket_index(uint64_t value)
{
	unsigned int msb, shift;

	if (value < 2 * (uint64_t)HISTOGRAM_SUB_COUNT)
		return (unsigned int)value;
	msb = 63u - (unsigned int)__builtin_clzll(value);
	shift = msb - HISTOGRAM_SUB_BITS;
	return shift * HISTOGRAM_SUB_COUNT + (unsigned int)(value >> shift);
}

void histogram_bucket_range(unsigned int index, uint64_t *ret_low, uint64_t *ret_high)
{
	unsigned int shift;
	uint64_t sub;

	if (index < 2 * HISTOGRAM_SUB_COUNT) {
		*ret_low = index;
		*ret_high = index;
		return;
	}
	shift = index / HISTOGRAM_SUB_COUNT - 1;
	sub = index - (uint64_t)shift * HISTOGRAM_SUB_COUNT;
	*ret_low = sub << shift;
	/* For the last bucket this is exactly UINT64_MAX, without overflow. */
	*ret_high = *ret_low + ((1ULL << shift) - 1);
}

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	uint64_t sum;

	if (__builtin_add_overflow(a, b, &sum))
		return UINT64_MAX;
	return sum;
}

void histogram_record(struct histogram *h, uint64_t value)
{
	unsigned int i = histogram_bucket_index(value);

	if (h->count == 0 || value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->count = add_saturated(h->count, 1);
	h->buckets[i] = add_saturated(h->buckets[i], 1);
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count = add_saturated(dst->count, src->count);
	for (unsigned int i = 0; i < HISTOGRAM_BUCKETS; i++)
		dst->buckets[i] = add_saturated(dst->buckets[i], src->buckets[i]);
}

uint64_t histogram_count(const struct histogram *h)
{
	return h->count;
}

uint64_t histogram_min(const struct histogram *h)
{
	return h->count ? h->min : 0;
}

uint64_t histogram_max(const struct histogram *h)
{
	return h->max;
}

uint64_t histogram_percentile(const struct histogram *h, double pct)
{
	uint64_t rank, seen = 0, low, high;
	double want;

	if (h->count == 0)
		return 0;
	if (!(pct > 0.0))
		return h->min;
	if (pct >= 100.0)
		return h->max;
	/* Nearest rank: the smallest rank r with r >= pct% of count. */
	want = pct / 100.0 * (double)h->count;
	if (want >= (double)h->count) {
		/* Also keeps the conversion below in range for counts near 2^64. */
		rank = h->count;
	} else {
		rank = (uint64_t)want;
		if ((double)rank < want)
			rank++;
		if (rank == 0)
			rank = 1;
	}

	for (unsigned int i = 0; i < HISTOGRAM_BUCKETS; i++) {
		seen = add_saturated(seen, h->buckets[i]);
		if (seen < rank)
			continue;
		histogram_bucket_range(i, &low, &high);
		return high < h->max ? high : h->max;
	}
	/* Unreachable while the buckets add up to count; be safe anyway. */
	return h->max;
}
