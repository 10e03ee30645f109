/*
 * allocbench: fragmentation metrics. See frag.h. A run of n pages costs
 * O(log n + n / 2^AB_FRAG_MAX_ORDER) ... the middle is counted in one step,
 * so O(log n) per run.
 */
#include "frag.h"

#include "allocbench/bits.h"

void ab_frag_clear(ab_frag *f)
{
    f->free_pages = 0;
    f->largest_free_run = 0;
    f->free_runs = 0;
    f->free_2m_blocks = 0;
    f->ext_frag_ppm = 0;
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++) {
        f->blocks[o] = 0;
        f->unusable_pm[o] = 0;
        f->extfrag_pm[o] = 0;
    }
}

int ab_frag_add_run(void *ctx, uint64_t first, uint64_t n)
{
    ab_frag *f = (ab_frag *)ctx;
    if (n == 0)
        return 0;
    f->free_pages += n;
    f->free_runs++;
    if (n > f->largest_free_run)
        f->largest_free_run = n;

    uint64_t lo2m = (first + AB_PAGES_2M - 1u) & ~(uint64_t)(AB_PAGES_2M - 1u);
    uint64_t hi2m = (first + n) & ~(uint64_t)(AB_PAGES_2M - 1u);
    if (hi2m > lo2m)
        f->free_2m_blocks += (hi2m - lo2m) >> 9;

    uint64_t a = first;
    uint64_t end = first + n;
    const uint64_t maxb = 1ull << AB_FRAG_MAX_ORDER;
    while (a < end) {
        unsigned o = a == 0 ? AB_FRAG_MAX_ORDER : ab_ctz64(a);
        unsigned fit = ab_log2_floor(end - a);
        if (o > fit)
            o = fit;
        if (o >= AB_FRAG_MAX_ORDER) {
            /* Aligned to the top order: take every whole top block at once. */
            uint64_t k = (end - a) >> AB_FRAG_MAX_ORDER;
            f->blocks[AB_FRAG_MAX_ORDER] += k;
            a += k * maxb;
            continue;
        }
        f->blocks[o]++;
        a += 1ull << o;
    }
    return 0;
}

static void totals(const uint64_t *blocks, unsigned order, uint64_t *free_pages,
                   uint64_t *blocks_total, uint64_t *suitable)
{
    *free_pages = 0;
    *blocks_total = 0;
    *suitable = 0;
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++) {
        *blocks_total += blocks[o];
        *free_pages += blocks[o] << o;
        if (o >= order)
            *suitable += blocks[o] << (o - order);
    }
}

int32_t ab_unusable_index(const uint64_t *blocks, unsigned order)
{
    uint64_t fp, bt, su;
    totals(blocks, order, &fp, &bt, &su);
    if (fp == 0)
        return 1000;
    return (int32_t)((fp - (su << order)) * 1000u / fp);
}

int32_t ab_fragmentation_index(const uint64_t *blocks, unsigned order)
{
    uint64_t fp, bt, su;
    totals(blocks, order, &fp, &bt, &su);
    if (bt == 0)
        return 0;
    if (su != 0)
        return -1000;
    uint64_t requested = 1ull << order;
    return (int32_t)(1000 - (int64_t)((1000u + fp * 1000u / requested) / bt));
}

void ab_frag_finish(ab_frag *f)
{
    if (f->free_pages == 0)
        f->ext_frag_ppm = 0;
    else
        f->ext_frag_ppm = (uint32_t)(1000000u -
                                     f->largest_free_run * 1000000u / f->free_pages);
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++) {
        f->unusable_pm[o] = ab_unusable_index(f->blocks, o);
        f->extfrag_pm[o] = ab_fragmentation_index(f->blocks, o);
    }
}

void ab_frag_measure(const ab_strategy *st, const void *self, ab_frag *out)
{
    ab_frag_clear(out);
    st->walk_free(self, ab_frag_add_run, out);
    ab_frag_finish(out);
}
