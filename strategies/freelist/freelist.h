/*
 * freelist: address-ordered free ranges, first-fit, coalescing (seeds 003
 * and 001; the VMM of seed 003's question).
 *
 * The free pages are a doubly linked list of ranges sorted by address. alloc
 * takes the lowest address that fits n pages at the requested alignment
 * (first fit, no hint, so never a miss: AB_ENOMEM iff no fitting run exists);
 * free merges the range with its left and right neighbours.
 *   alloc: O(free ranges).
 *   free:  O(free ranges) to find the insertion point (walked from the nearer
 *          end of the list; O(1) past the last range) + O(n / 64) to check
 *          the allocation's length.
 *
 * Node bound. A free range is a maximal run of free pages inside one span;
 * two ranges of one span are separated by at least one allocated page, so a
 * span of P pages holds at most ceil(P / 2) ranges (every other page
 * allocated), and the whole instance at most
 *   R = sum over spans of ceil(npages / 2)  (<= (total_pages + nspans) / 2).
 * The node pool has exactly R nodes and a node is returned to it as soon as
 * it leaves the list, so a free (or a split in three) can never fail for
 * lack of nodes.
 *
 * Metadata: 16 bytes per node (32-bit page index, 32-bit length, 32-bit
 * links), 1 start bit per page, 8 bytes per 1024 pages, 20 bytes per span,
 * 128-byte header: about 2.03 MiB per GiB managed (130 MiB for 64 GiB), most
 * of it the node pool sized for the worst case; init touches only the
 * header, the span tables and the start bits.
 * Limit: the page index space (spans, each followed by a gap and rounded up
 * to 1024 pages) must stay below 2^32 pages (16 TiB); meta_bytes() returns 0
 * beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header's magic is right.
 *   2. The page index is sound (ab_pindex_check): the copied spans are
 *      normalized, span index bases are multiples of 1024, ascending, with
 *      at least one unused index between spans; total_pages is the sum of
 *      the spans; every chunk of 1024 indices maps to its span. Then the
 *      pool holds sum ceil(npages / 2) nodes and bump <= pool size.
 *   3. The list is well linked: from head, each node's next's prev is that
 *      node, it ends at tail, it has nruns nodes, all below bump.
 *   4. Every range is non-empty and lies inside one span.
 *   5. Ranges are in ascending address order and maximal: between two
 *      ranges lies at least one page that is not free.
 *   6. The ranges hold free_pages pages.
 *   7. No node is lost: nruns + the recycled list's length = bump.
 *   8. Start bits mark exactly where allocations begin: none inside a free
 *      range or outside the spans, and every run of allocated pages (after a
 *      free range or at a span's start) begins with one.
 */
#ifndef ALLOCBENCH_STRATEGY_FREELIST_H
#define ALLOCBENCH_STRATEGY_FREELIST_H

#include "allocbench/strategy.h"

extern const ab_strategy ab_strategy_freelist;

#endif
