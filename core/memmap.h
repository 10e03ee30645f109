/*
 * allocbench: firmware memory map -> normalized spans.
 *
 * A raw map (multiboot, e820, or a test's made-up one) may have regions that
 * are unaligned, overlapping, unsorted, smaller than a page, above 4 GiB, or
 * usable and reserved at once. ab_memmap_to_spans() turns it into the form
 * every strategy takes (see ab_span in allocbench/strategy.h):
 *   - usable regions are rounded inward to whole pages (a partial first or
 *     last page is never handed out: seed 000 rounded only the start);
 *   - sorted, overlapping or adjacent usable regions merged;
 *   - every other region, rounded outward, is cut out: reserved wins;
 *   - pages at or above AB_PAGE_LIMIT are dropped.
 * Freestanding; O(n^2) in the number of regions (maps are short).
 */
#ifndef ALLOCBENCH_MEMMAP_H
#define ALLOCBENCH_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

#define AB_MEM_USABLE 1u /* multiboot type 1: available RAM */

typedef struct ab_region {
    uint64_t base;   /* bytes */
    uint64_t length; /* bytes; base + length may exceed 2^64: clamped */
    uint32_t type;   /* AB_MEM_USABLE or anything else (= reserved) */
} ab_region;

/*
 * Writes the normalized spans of map[0..n) to out and their count to *nout.
 * Fails with AB_EINVAL iff a pointer is NULL, and with AB_ENOMEM iff out has
 * fewer than the needed cap entries (usable regions, plus one per reserved
 * region that splits a span); *nout is then 0.
 * Returns AB_OK with *nout = 0 when the map has no whole usable page.
 */
ab_status ab_memmap_to_spans(const ab_region *map, size_t n, ab_span *out, size_t cap,
                             size_t *nout);

/*
 * Removes pages [first, first + npages) from the normalized spans in place
 * (the kernel cuts out its image and the metadata this way).
 * Fails with AB_ENOMEM iff the removal splits a span and *nspans == cap.
 */
ab_status ab_spans_remove(ab_span *spans, size_t *nspans, size_t cap, uint64_t first,
                          uint64_t npages);

/* Sum of npages over the spans. */
uint64_t ab_spans_pages(const ab_span *spans, size_t nspans);

#endif
