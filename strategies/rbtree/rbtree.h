/*
 * rbtree: address-ordered free ranges in a red-black tree augmented with the
 * largest free range of each subtree (Linux mm/vmalloc.c's free area tree).
 *
 * alloc takes the lowest-address range that fits, found by descending the
 * tree on the subtree maxima; free finds the two neighbours of the pages in
 * one descent and merges with the left, the right, both or neither.
 *   alloc: O(log R) for R free ranges: one descent and the update along
 *          its path when align <= 1; at most RB_ALIGN_PROBES + 2 descents
 *          and the update when align > 1, a constant number.
 *   free:  O(log R + n / 64) (the n / 64 checks the allocation's length on
 *          the start bits).
 *   stats: O(1). walk_free: O(R). check: O(R + pages / 64).
 *
 * Search policy, exactly:
 *   - align_pages <= 1: never a miss. alloc returns the lowest-address free
 *     range of at least n pages; AB_ENOMEM iff no free run of n pages exists.
 *   - align_pages = A > 1: alloc looks at the ranges holding at least n pages
 *     in address order, at most RB_ALIGN_PROBES (8) of them, and takes the
 *     first in which n pages fit at the alignment (then it is the
 *     lowest-address fit). If none of those 8 fits and more such ranges
 *     remain, it takes the lowest-address range beyond them holding at least
 *     n + A - 1 pages (which always fits). So alloc returns AB_ENOMEM
 *     although a fitting run exists iff more than 8 ranges of at least n
 *     pages lie below every fitting range and every fitting range holds
 *     fewer than n + A - 1 pages; and it may return a fit that is not the
 *     lowest only when it fell back past 8 probes.
 *
 * Node slots. Two free ranges are separated by at least one allocated page,
 * so their first page indices differ by at least 2 and index / 2 names a
 * range uniquely: the node of the range starting at index i lives in slot
 * i / 2 of a pool of ceil(I / 2) 16-byte slots (I = page index space, the
 * worst case of ranges, every other page free). A slot holds no key: the
 * start is 2 * slot + one stored bit. So no operation runs out of nodes and
 * no free-node stack is needed; a range whose start moves moves its node.
 *
 * Metadata: 128 (header) + 16 S + 4 S (rounded up to 8) + 8 ceil(I / 1024)
 *   + 8 ceil(I / 64) + 16 ceil(I / 2) bytes for S spans: about 8.13 bytes a
 * page, 2.03 MiB per GiB managed (130 MiB for 64 GiB), below buddy's 2.25.
 * I (spans each rounded up to 1024 indices, one unused index between spans)
 * must stay below 2^32 - 2 pages (16 TiB); meta_bytes() returns 0 beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header's magic is right.
 *   2. The page index is sound (ab_pindex_check: spans normalized, bases
 *      chunk-aligned, ascending, a gap apart, chunk deltas right), and the
 *      pool has ceil(I / 2) slots, fewer than the NIL link.
 *   3. The tree is well formed: every link is NIL or a slot of the pool, a
 *      walk from the root meets exactly nruns nodes, and no path is deeper
 *      than the fixed stacks (RB_DEPTH).
 *   4. Colours: the root is black and no red node has a red child.
 *   5. Black height: every path from the root to a NIL link meets the same
 *      number of black nodes (so the height is at most 2 log2(R + 1)).
 *   6. Augmentation: at every node, max = the largest of its npages and its
 *      children's max.
 *   7. Order: in-order, ranges ascend by start and are maximal: each starts
 *      past the end of the previous one plus at least one page.
 *   8. Every range is non-empty and lies inside one span.
 *   9. The ranges hold free_pages pages.
 *  10. Start bits mark exactly where allocations begin: none inside a free
 *      range or outside the spans, and every run of allocated pages (after a
 *      free range or at a span's start) begins with one.
 */
#ifndef ALLOCBENCH_STRATEGY_RBTREE_H
#define ALLOCBENCH_STRATEGY_RBTREE_H

#include "allocbench/strategy.h"

/* Ranges of at least n pages tried in address order when align_pages > 1. */
#define RB_ALIGN_PROBES 8u

extern const ab_strategy ab_strategy_rbtree;

#endif
