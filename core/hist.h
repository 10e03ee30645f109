/*
 * allocbench: log-linear histogram of cycle counts.
 *
 * Values below 256 have one bucket each (exact). Above, every power of two
 * [2^e, 2^(e+1)) is split into 128 equal sub-buckets, so a bucket is at most
 * 1/128 of its lower bound wide; reporting its midpoint (rounded down) errs
 * by at most half a width, 1/256 of the value (0.39 %). Values of 2^40 cycles and more share the last bucket; max
 * is kept exactly. Fixed size (about 17 KiB), owned by the caller, no
 * pointers: histograms can be copied and merged.
 *
 * Percentiles use the nearest-rank definition: the smallest value v such
 * that at least ceil(p * count) samples are <= v.
 */
#ifndef ALLOCBENCH_HIST_H
#define ALLOCBENCH_HIST_H

#include <stdint.h>

#define AB_HIST_SUB_BITS 7u
#define AB_HIST_SUB (1u << AB_HIST_SUB_BITS)
#define AB_HIST_MAX_LOG2 40u
#define AB_HIST_EXACT (2u * AB_HIST_SUB) /* 256 exact buckets */
#define AB_HIST_BUCKETS \
    (AB_HIST_EXACT + (AB_HIST_MAX_LOG2 - AB_HIST_SUB_BITS - 1u) * AB_HIST_SUB)

typedef struct ab_hist {
    uint64_t count;
    uint64_t sum;    /* of all samples, cycles */
    uint64_t min;    /* exact; ~0 when empty */
    uint64_t max;    /* exact; 0 when empty */
    uint32_t bucket[AB_HIST_BUCKETS];
} ab_hist;

/* Percentile points in parts per million. */
#define AB_P50 500000u
#define AB_P90 900000u
#define AB_P99 990000u
#define AB_P999 999000u

void ab_hist_clear(ab_hist *h);
void ab_hist_add(ab_hist *h, uint64_t v);
/* into += from. */
void ab_hist_merge(ab_hist *into, const ab_hist *from);
/* The p-th percentile (p in ppm, 0 < p <= 1000000); 0 when empty. Within
 * 0.4 % of the exact nearest-rank value, clamped to [min, max]. */
uint64_t ab_hist_percentile(const ab_hist *h, uint32_t p_ppm);
/* Mean in thousandths of a cycle; 0 when empty. */
uint64_t ab_hist_mean_milli(const ab_hist *h);

/* Bucket index of v, the smallest value of bucket b, and the smallest value
 * above it (b holds lo <= v < high; the last bucket's high is 2^40 though it
 * also holds everything larger). Exposed for tests and hist.csv. */
uint32_t ab_hist_bucket_of(uint64_t v);
uint64_t ab_hist_bucket_low(uint32_t b);
uint64_t ab_hist_bucket_high(uint32_t b);

#endif
