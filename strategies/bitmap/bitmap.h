/*
 * bitmap: one bit per page, one pool per span, with a run-length summary tree.
 *
 * Seeds 000, 001 and 004: a bitmap frame allocator (first fit, contiguous
 * runs, one pool per memory region with a free count) whose searches are
 * made independent of how full the low addresses are by a summary tree over
 * the bitmap's 64-bit words.
 *
 * Serves any n and any power-of-two alignment (AB_CAP_CONTIG, no limit on n).
 * Policy: first fit by address, pools in span order. alloc() fails with
 * AB_ENOMEM only when no suitably aligned free run of n pages exists.
 * A call that fails writes nothing to the metadata.
 *
 * Limits: meta_bytes() returns 0 for a span above BITMAP_MAX_SPAN_PAGES
 * pages (16 TiB) or a layout that does not fit in size_t.
 *
 * Invariants, in the order check() walks them:
 *  1. The header is sound: at least one span; the copy of the spans is
 *     normalized; each pool's first_page and npages equal its span's, npages
 *     is at most BITMAP_MAX_SPAN_PAGES, its arrays lie inside meta_bytes and
 *     its tree has at least as many leaves as the pool has words;
 *     total_pages is the sum of the pools' npages.
 *  2. Bits past npages in each pool's last word are clear in both the free
 *     map and the start map: padding is never free and never a start.
 *  3. A start bit is set only on an allocated page.
 *  4. Every allocated page belongs to an allocation: an allocated page
 *     without a start bit follows an allocated page of the same pool.
 *  5. Each pool's free_pages equals the number of set free bits (recounted),
 *     and the header's free_pages is their sum.
 *  6. Every tree leaf holds exactly (pre, suf, best) of its word (free pages
 *     at the low end, at the high end, longest free run), except the hint
 *     word while hint_stale is set, whose leaf may only overstate those
 *     values and whose word has a free page. Padding leaves are (0, 0, 0).
 *  7. Every internal tree node is the combination of its two children.
 *  8. hint_word is below the pool's word count and no word below it has a
 *     free page.
 */
#ifndef ALLOCBENCH_STRATEGY_BITMAP_H
#define ALLOCBENCH_STRATEGY_BITMAP_H

#include "allocbench/strategy.h"

/* Largest span, in pages: the tree stores run lengths in 32 bits. */
#define BITMAP_MAX_SPAN_PAGES 0xFFFFFFFFull

extern const ab_strategy ab_strategy_bitmap;

#endif /* ALLOCBENCH_STRATEGY_BITMAP_H */
