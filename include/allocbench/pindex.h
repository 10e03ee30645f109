/*
 * allocbench: a dense 32-bit page index over normalized spans.
 *
 * Strategies that keep per-page arrays of 32-bit values (stack, freelist)
 * number the managed pages densely: the spans are laid end to end in an
 * index space, each starting at a multiple of AB_PINDEX_CHUNK indices and at
 * least `gap` indices after the previous span's last page. Then
 *   page -> index  is base[span] + (page - span.first_page), and
 *   index -> page  is one table load: index + delta[index >> AB_PINDEX_SHIFT].
 * With gap = 1, two index ranges that touch always lie in the same span.
 *
 * Metadata: 16 S (span copy) + 4 S rounded up to 8 (bases)
 *           + 8 ceil(I / 1024) (deltas) bytes, for S spans and I indices.
 * Freestanding and header-only; the index space must stay below 2^32.
 */
#ifndef ALLOCBENCH_PINDEX_H
#define ALLOCBENCH_PINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

#define AB_PINDEX_SHIFT 10u
#define AB_PINDEX_CHUNK ((uint64_t)1 << AB_PINDEX_SHIFT)
#define AB_PINDEX_LIMIT ((uint64_t)1 << 32)

typedef struct ab_pindex {
    ab_span *spans;       /* [nspans] copy of the caller's spans */
    uint32_t *base;       /* [nspans] index of each span's first page */
    uint64_t *delta;      /* [nchunks] page - index for that chunk */
    size_t nspans;
    uint64_t index_pages; /* one past the last span's last index */
    uint64_t total_pages; /* sum of the spans */
    uint32_t gap;         /* unused indices at least between spans */
} ab_pindex;

static inline uint64_t ab_pindex_round8(uint64_t x) { return (x + 7u) & ~(uint64_t)7u; }

/* Index of the first page of the span after one at base holding npages. */
static inline uint64_t ab_pindex_next_base(uint64_t base, uint64_t npages, uint32_t gap)
{
    return (base + npages + gap + AB_PINDEX_CHUNK - 1u) & ~(AB_PINDEX_CHUNK - 1u);
}

/*
 * Sizes the index for these spans: *index_pages and *bytes (the span copy,
 * bases and deltas, a multiple of 8). False iff the spans are not normalized
 * or the index space would reach 2^32.
 */
static inline bool ab_pindex_size(const ab_span *spans, size_t nspans, uint32_t gap,
                                  uint64_t *index_pages, uint64_t *bytes)
{
    if (!ab_spans_normalized(spans, nspans))
        return false;
    uint64_t base = 0, end = 0;
    for (size_t i = 0; i < nspans; i++) {
        if (base >= AB_PINDEX_LIMIT || spans[i].npages >= AB_PINDEX_LIMIT - base)
            return false;
        end = base + spans[i].npages;
        base = ab_pindex_next_base(base, spans[i].npages, gap);
    }
    uint64_t nchunks = (end + AB_PINDEX_CHUNK - 1u) >> AB_PINDEX_SHIFT;
    *index_pages = end;
    *bytes = (uint64_t)nspans * sizeof(ab_span) + ab_pindex_round8((uint64_t)nspans * 4u) +
             nchunks * 8u;
    return true;
}

/* Builds the index in mem (8-aligned, ab_pindex_size's bytes long). */
static inline void ab_pindex_init(ab_pindex *px, void *mem, const ab_span *spans, size_t nspans,
                                  uint32_t gap)
{
    unsigned char *m = (unsigned char *)mem;
    px->spans = (ab_span *)(void *)m;
    px->base = (uint32_t *)(void *)(m + (uint64_t)nspans * sizeof(ab_span));
    px->delta = (uint64_t *)(void *)(m + (uint64_t)nspans * sizeof(ab_span) +
                                     ab_pindex_round8((uint64_t)nspans * 4u));
    px->nspans = nspans;
    px->gap = gap;
    uint64_t base = 0, total = 0;
    for (size_t i = 0; i < nspans; i++) {
        px->spans[i] = spans[i];
        px->base[i] = (uint32_t)base;
        uint64_t delta = spans[i].first_page - base;
        uint64_t c_end = (base + spans[i].npages + AB_PINDEX_CHUNK - 1u) >> AB_PINDEX_SHIFT;
        for (uint64_t c = base >> AB_PINDEX_SHIFT; c < c_end; c++)
            px->delta[c] = delta;
        total += spans[i].npages;
        px->index_pages = base + spans[i].npages;
        base = ab_pindex_next_base(base, spans[i].npages, gap);
    }
    px->total_pages = total;
}

/* The page number of an index in use. */
static inline uint64_t ab_pindex_page(const ab_pindex *px, uint32_t idx)
{
    return (uint64_t)idx + px->delta[idx >> AB_PINDEX_SHIFT];
}

/* The index of a page inside span s. */
static inline uint32_t ab_pindex_index(const ab_pindex *px, size_t s, uint64_t page)
{
    return px->base[s] + (uint32_t)(page - px->spans[s].first_page);
}

/* The span whose indices hold idx, or nspans. O(log nspans). */
static inline size_t ab_pindex_span_of(const ab_pindex *px, uint64_t idx)
{
    size_t lo = 0, hi = px->nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx < px->base[mid])
            hi = mid;
        else if (idx - px->base[mid] >= px->spans[mid].npages)
            lo = mid + 1;
        else
            return mid;
    }
    return px->nspans;
}

/*
 * Counts broken invariants of the index: spans normalized; bases
 * chunk-aligned, ascending, `gap` apart; the index space ending at the last
 * span; total_pages the sum of the spans; every chunk's delta mapping to its
 * span. Returns 0 when sound; stops early when the bases are unusable.
 */
static inline size_t ab_pindex_check(const ab_pindex *px)
{
    size_t broken = 0;
    bool spans_ok = ab_spans_normalized(px->spans, px->nspans);
    AB_INSIST(broken, spans_ok && "spans normalized");
    if (!spans_ok)
        return broken;
    uint64_t total = 0, next_base = 0, index_end = 0;
    bool bases_ok = true;
    for (size_t s = 0; s < px->nspans; s++) {
        uint64_t b = px->base[s];
        if ((b & (AB_PINDEX_CHUNK - 1u)) != 0 || b < next_base)
            bases_ok = false;
        index_end = b + px->spans[s].npages;
        next_base = index_end + px->gap;
        total += px->spans[s].npages;
    }
    AB_INSIST(broken, bases_ok && "span bases chunk-aligned, ascending, gap apart");
    AB_INSIST(broken, index_end == px->index_pages && px->index_pages < AB_PINDEX_LIMIT &&
                          "index space ends at the last span");
    AB_INSIST(broken, total == px->total_pages && "total pages is the sum of spans");
    if (!bases_ok || index_end != px->index_pages)
        return broken;
    bool delta_ok = true;
    for (size_t s = 0; s < px->nspans; s++) {
        uint64_t b = px->base[s];
        uint64_t c_end = (b + px->spans[s].npages + AB_PINDEX_CHUNK - 1u) >> AB_PINDEX_SHIFT;
        for (uint64_t c = b >> AB_PINDEX_SHIFT; c < c_end; c++)
            if (px->delta[c] != px->spans[s].first_page - b)
                delta_ok = false;
    }
    AB_INSIST(broken, delta_ok && "every chunk maps to its span");
    return broken;
}

#endif /* ALLOCBENCH_PINDEX_H */
