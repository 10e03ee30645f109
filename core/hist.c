/*
 * allocbench: log-linear histogram. See hist.h. add is O(1) (one clz);
 * percentile is O(buckets).
 */
#include "hist.h"

#include "allocbench/bits.h"

void ab_hist_clear(ab_hist *h)
{
    h->count = 0;
    h->sum = 0;
    h->min = ~0ull;
    h->max = 0;
    for (uint32_t i = 0; i < AB_HIST_BUCKETS; i++)
        h->bucket[i] = 0;
}

uint32_t ab_hist_bucket_of(uint64_t v)
{
    if (v < AB_HIST_EXACT)
        return (uint32_t)v;
    unsigned e = ab_log2_floor(v);
    if (e >= AB_HIST_MAX_LOG2)
        return AB_HIST_BUCKETS - 1u;
    unsigned shift = e - AB_HIST_SUB_BITS;
    uint32_t sub = (uint32_t)(v >> shift) - AB_HIST_SUB;
    return AB_HIST_EXACT + (e - AB_HIST_SUB_BITS - 1u) * AB_HIST_SUB + sub;
}

uint64_t ab_hist_bucket_low(uint32_t b)
{
    if (b < AB_HIST_EXACT)
        return b;
    uint32_t k = b - AB_HIST_EXACT;
    unsigned e = k / AB_HIST_SUB + AB_HIST_SUB_BITS + 1u;
    uint64_t sub = k % AB_HIST_SUB;
    return (AB_HIST_SUB + sub) << (e - AB_HIST_SUB_BITS);
}

static uint64_t bucket_width(uint32_t b)
{
    if (b < AB_HIST_EXACT)
        return 1;
    unsigned e = (b - AB_HIST_EXACT) / AB_HIST_SUB + AB_HIST_SUB_BITS + 1u;
    return 1ull << (e - AB_HIST_SUB_BITS);
}

uint64_t ab_hist_bucket_high(uint32_t b)
{
    return ab_hist_bucket_low(b) + bucket_width(b);
}

void ab_hist_add(ab_hist *h, uint64_t v)
{
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    uint32_t b = ab_hist_bucket_of(v);
    if (h->bucket[b] != 0xffffffffu)
        h->bucket[b]++;
}

void ab_hist_merge(ab_hist *into, const ab_hist *from)
{
    if (from->count == 0)
        return;
    into->count += from->count;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    for (uint32_t i = 0; i < AB_HIST_BUCKETS; i++) {
        uint64_t s = (uint64_t)into->bucket[i] + from->bucket[i];
        into->bucket[i] = s > 0xffffffffu ? 0xffffffffu : (uint32_t)s;
    }
}

uint64_t ab_hist_percentile(const ab_hist *h, uint32_t p_ppm)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (h->count * p_ppm + 999999u) / 1000000u;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < AB_HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            uint64_t v = ab_hist_bucket_low(b) + bucket_width(b) / 2u;
            if (b == AB_HIST_BUCKETS - 1u || v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

uint64_t ab_hist_mean_milli(const ab_hist *h)
{
    if (h->count == 0)
        return 0;
    /* sum * 1000 may overflow for huge sums: split. */
    return h->sum / h->count * 1000u + h->sum % h->count * 1000u / h->count;
}
