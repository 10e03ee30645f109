/*
 * vmem: Bonwick & Adams' vmem ("Magazines and Vmem", USENIX 2001), as in
 * illumos and FreeBSD: segments with boundary tags, free segments on
 * power-of-two free lists, instant fit or best fit.
 *
 * Two registered strategies share this code and differ only in the policy
 * their init() stores in the instance:
 *   vmem          instant fit: alloc(n) takes the first segment of the
 *                 smallest non-empty list k with 2^k >= n (+ align - 1), a
 *                 guaranteed fit found with one find-first-set: O(1).
 *   vmem_bestfit  best fit: the smallest fitting segment, searched from the
 *                 list floor(log2 n) upwards: O(length of the lists walked).
 *
 * Search policy (when alloc may fail although a fit exists). When every
 * list guaranteed to fit is empty, instant fit falls back to a first fit
 * over the lists that may hold one (floor(log2 n) up to the first
 * guaranteed list), examining at most AB_VMEM_FALLBACK_SCAN (16) segments:
 * so instant fit returns AB_ENOMEM although a fit exists iff every list
 * from ceil(log2(n + align - 1)) up is empty and each segment that fits
 * (holds n pages at that alignment) lies past the first 16 segments the
 * fallback looks at, in list order (LIFO within a list). The bound is
 * measured, not cosmetic: random_size (1..64 pages) at 90 % fill of a
 * 16 GiB window, 10^6 steps, a refused request followed by a free: bounded,
 * p99.9 alloc 674 cycles and 46.5 % of requests refused; unbounded, p99.9
 * 542,720 cycles and 45.9 % refused. Best fit searches completely:
 * AB_ENOMEM iff no fit exists.
 * What instant fit gives up for O(1) is the choice: it carves the first
 * segment of the smallest list that surely fits, a large one, while a
 * smaller fitting segment waits on list floor(log2 n) (external
 * fragmentation). Under random_size at 90 % fill this feeds itself:
 * requests of 17..32 pages use up the segments of 32..63 that requests of
 * 33..64 need, those are refused, so the live set holds small allocations
 * whose frees leave small holes. At 1 GiB vmem refuses 49.7 % of requests,
 * where vmem_bestfit refuses none and first fit (rbtree) 0.004 %; the cells'
 * failure_rate says so, and the verdict ranks vmem after the strategies that
 * served them all. Internal fragmentation is none: segments are split
 * exactly, an allocation holds n pages.
 *
 * Time: alloc O(1) (instant fit, fallback bounded), best fit O(segments on
 * the lists walked); free O(log nspans) for the span lookup then O(1): the
 * page's tag gives the exact size, the boundary tags the free neighbours. A bad free whose address is inside a segment costs a
 * scan of the state bits to that segment's end (2 bits a page, 32 pages a
 * word). stats O(1) but largest_free_run, which walks the highest non-empty
 * list. walk_free O(segments). check O(index space).
 *
 * Metadata: 8.25 bytes per page (an 8-byte tag slot and 2 state bits), the
 * page index (8 bytes per 1024 pages, 20 per span) and a header: about
 * 2.065 MiB per GiB managed (132.1 MiB for 64 GiB), below buddy's 2.25.
 * Limit: the page index space (spans, each followed by a gap and rounded up
 * to 1024 pages) must stay below 2^32 - 1 pages; meta_bytes() returns 0
 * beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, a known policy.
 *   2. The page index is sound (ab_pindex_check), and the index just past
 *      each span holds the sentinel state ALLOC while every other index
 *      outside the spans holds state 0.
 *   3. Every span is tiled exactly, in address order, by segments: each
 *      starts with an ALLOC or FREE state, has 1..rest-of-span pages, holds
 *      state 0 on its inner pages, on its last page TAIL if it is a free
 *      segment of two pages or more and 0 if it is allocated, and that
 *      last page's tag gives the segment's length back (the back link of the
 *      address-ordered list), except for single free pages whose length is
 *      implied.
 *   4. No two free segments are adjacent (coalescing is complete).
 *   5. Each free list k is doubly linked without cycles, holds count[k]
 *      segments, each a FREE head whose length is in [2^k, 2^(k+1)); the
 *      lists hold as many segments as the tiling has free ones, so every
 *      free segment is on exactly its list.
 *   6. Bit k of the non-empty mask is set iff list k is non-empty.
 *   7. The allocation index: the ALLOC states inside the spans are exactly
 *      the first pages of allocated segments, as many as nalloc.
 *   8. Counts: nfree is the number of free segments, free_pages their total
 *      length, and free plus allocated pages are the pages managed.
 */
#ifndef ALLOCBENCH_STRATEGY_VMEM_H
#define ALLOCBENCH_STRATEGY_VMEM_H

#include "allocbench/strategy.h"

/* Free lists: list k holds free segments of [2^k, 2^(k+1)) pages. */
#define AB_VMEM_LISTS 32u
/* Segments instant fit's fallback examines at most before AB_ENOMEM. */
#define AB_VMEM_FALLBACK_SCAN 16u

extern const ab_strategy ab_strategy_vmem;
extern const ab_strategy ab_strategy_vmem_bestfit;

#endif
