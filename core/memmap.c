/* See memmap.h. Insertion sort and in-place merge: no recursion, no memory. */
#include "memmap.h"

#define PAGE_MASK (AB_PAGE_BYTES - 1u)

/*
 * The page number of a region's end, rounded down (round_up = 0) or up,
 * exact even when base + length reaches or passes 2^64: a region that ends
 * at 2^64 keeps its top page. Every term is below 2^53: no overflow.
 */
static uint64_t region_end_page(const ab_region *r, int round_up)
{
    uint64_t low = (r->base & PAGE_MASK) + (r->length & PAGE_MASK) + (round_up ? PAGE_MASK : 0u);
    return (r->base >> AB_PAGE_SHIFT) + (r->length >> AB_PAGE_SHIFT) + (low >> AB_PAGE_SHIFT);
}

static uint64_t page_clamp(uint64_t page) { return page > AB_PAGE_LIMIT ? AB_PAGE_LIMIT : page; }

static void spans_insert_sorted(ab_span *out, size_t count, ab_span s)
{
    size_t i = count;
    while (i > 0 && out[i - 1].first_page > s.first_page) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = s;
}

/* Merges overlapping or adjacent sorted spans in place; returns the count. */
static size_t spans_merge(ab_span *out, size_t count)
{
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        if (w > 0 && out[i].first_page <= out[w - 1].first_page + out[w - 1].npages) {
            uint64_t end = out[i].first_page + out[i].npages;
            uint64_t wend = out[w - 1].first_page + out[w - 1].npages;
            if (end > wend)
                out[w - 1].npages = end - out[w - 1].first_page;
        } else {
            out[w++] = out[i];
        }
    }
    return w;
}

ab_status ab_memmap_to_spans(const ab_region *map, size_t n, ab_span *out, size_t cap,
                             size_t *nout)
{
    if ((map == NULL && n > 0) || out == NULL || nout == NULL)
        return AB_EINVAL;
    *nout = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (map[i].type != AB_MEM_USABLE || map[i].length == 0)
            continue;
        /* Inward: round the start up and the end down. */
        uint64_t first = map[i].base > UINT64_MAX - PAGE_MASK
                             ? AB_PAGE_LIMIT
                             : page_clamp((map[i].base + PAGE_MASK) >> AB_PAGE_SHIFT);
        uint64_t end = page_clamp(region_end_page(&map[i], 0));
        if (end <= first)
            continue; /* smaller than a page once rounded */
        if (count == cap)
            return AB_ENOMEM;
        ab_span s = {first, end - first};
        spans_insert_sorted(out, count, s);
        count++;
    }
    count = spans_merge(out, count);
    for (size_t i = 0; i < n; i++) {
        if (map[i].type == AB_MEM_USABLE || map[i].length == 0)
            continue;
        /* Outward: a reserved byte reserves its whole page. */
        uint64_t first = map[i].base >> AB_PAGE_SHIFT;
        uint64_t end = region_end_page(&map[i], 1);
        if (first >= AB_PAGE_LIMIT)
            continue;
        ab_status st = ab_spans_remove(out, &count, cap, first, end - first);
        if (st != AB_OK)
            return st;
    }
    *nout = count;
    return AB_OK;
}

ab_status ab_spans_remove(ab_span *spans, size_t *nspans, size_t cap, uint64_t first,
                          uint64_t npages)
{
    if (spans == NULL || nspans == NULL)
        return AB_EINVAL;
    uint64_t cut_end = first + npages < first ? UINT64_MAX : first + npages;
    size_t count = *nspans;
    /* A split needs one free slot; check before changing anything. */
    for (size_t i = 0; i < count; i++) {
        uint64_t s = spans[i].first_page, e = s + spans[i].npages;
        if (first > s && cut_end < e && count == cap)
            return AB_ENOMEM;
    }
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t s = spans[i].first_page, e = s + spans[i].npages;
        if (cut_end <= s || first >= e) {
            spans[w++] = spans[i];
            continue;
        }
        if (first > s && cut_end < e) {
            /* Split: shift the tail right by one to make room. */
            for (size_t j = count; j > i + 1; j--)
                spans[j] = spans[j - 1];
            spans[w].first_page = s;
            spans[w].npages = first - s;
            w++;
            spans[i + 1].first_page = cut_end;
            spans[i + 1].npages = e - cut_end;
            count++;
            continue;
        }
        if (first > s) {
            spans[w].first_page = s;
            spans[w].npages = first - s;
            w++;
        } else if (cut_end < e) {
            spans[w].first_page = cut_end;
            spans[w].npages = e - cut_end;
            w++;
        }
    }
    *nspans = w;
    return AB_OK;
}

uint64_t ab_spans_pages(const ab_span *spans, size_t nspans)
{
    uint64_t total = 0;
    for (size_t i = 0; i < nspans; i++)
        total += spans[i].npages;
    return total;
}
