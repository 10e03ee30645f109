/*
 * buddy: a binary buddy allocator over spans with holes (seed 000's virtual
 * space allocator, with its defects fixed).
 *
 * Free memory is a set of naturally aligned power-of-two blocks: a block of
 * order k is 2^k pages whose first page number is a multiple of 2^k (absolute,
 * not relative to the span). init() carves every span into its maximal such
 * blocks, so spans of any start and length work, and a block never crosses a
 * span boundary. alloc(n, align) takes the smallest free block of order
 * k = ceil(log2(max(n, align))), splits it down to order k, and gives the
 * unused tail pages (2^k - n) back to the free lists at once, as Linux's
 * alloc_pages_exact does, so that exactly n pages are allocated. free(addr, n)
 * releases those n pages as the maximal aligned blocks they decompose into,
 * each coalescing with its buddy as long as the buddy is free, of the same
 * order and inside the same span.
 *
 * Search policy: alloc() fails with AB_ENOMEM when no single free block of
 * order k exists, even if a free run of n suitably aligned pages made of
 * several smaller blocks does (for instance 3 free pages made of an order-1
 * and an order-0 block do not serve n = 3, which needs an order-2 block).
 * Orders go from 0 to AB_BUDDY_MAX_ORDER (31): max_npages = 2^31 pages
 * (8 TiB); align_pages above 2^31 fails with AB_ENOTSUP.
 *
 * Time: alloc O(MAX_ORDER) for the splits (finding the order is one ctz
 * over a non-empty mask); free O(log nspans + MAX_ORDER * log2(n)), that is
 * O(MAX_ORDER) for n = 1. Lists are LIFO: the block freed last is reused
 * first. A block alone on its list keeps its links implicit: splitting
 * writes no links, so allocating page after page touches metadata in
 * address order (the cost per page does not grow with memory). init:
 * O(spans * MAX_ORDER) list pushes plus one word-sized clear of the
 * per-page state bytes (64 GiB: about a millisecond). walk_free, stats:
 * O(free blocks + allocations).
 *
 * Metadata: 9 bytes per page (8 of list links, 1 of state) + 20 bytes per
 * span + the header: 2.25 MiB per GiB managed, 144 MiB for 64 GiB.
 * Limit: fewer than 2^32 - 1 pages in all; meta_bytes() returns 0 beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, nspans >= 1, the copied spans are
 *      normalized, span index bases are contiguous from 0, total_pages is
 *      their sum and the array pointers sit where init() put them.
 *   2. Each free list k is a doubly linked list without cycles whose count
 *      is count[k], every node's state is FREE | k, and bit k of nonempty
 *      is set iff the list is non-empty. A list of one block does not use
 *      that block's links (they may hold anything).
 *   3. Every span is tiled exactly, in address order, by free blocks (a
 *      FREE | k head, 2^k pages) and allocations (an ALLOC head whose
 *      length 1..2^31 is kept in links[head].next); every other page's
 *      state is 0.
 *   4. A free block of order k starts at an absolute page that is a multiple
 *      of 2^k.
 *   5. The tiling holds count[k] free blocks of order k: every free block
 *      is on its list.
 *   6. Coalesced: no free block of order k < MAX_ORDER has its buddy (inside
 *      the same span) free with the same order.
 *   7. free_pages is the sum of count[k] * 2^k, and total_pages -
 *      free_pages is the sum of the allocation lengths.
 */
#ifndef ALLOCBENCH_STRATEGY_BUDDY_H
#define ALLOCBENCH_STRATEGY_BUDDY_H

#include "allocbench/strategy.h"

#define AB_BUDDY_MAX_ORDER 31u
#define AB_BUDDY_ORDERS 32u

/* Per-page list links (indices of pages within the instance). */
typedef struct ab_buddy_link {
    uint32_t next, prev;
} ab_buddy_link;

/*
 * The instance header at the start of the metadata area. Exposed so that
 * tests and debuggers can read the per-order counts; callers must not
 * write it.
 */
typedef struct ab_buddy {
    uint32_t nonempty;                 /* bit k set iff head[k] is a block */
    uint32_t magic;
    uint32_t head[AB_BUDDY_ORDERS];    /* first block of each order, or NIL */
    uint32_t count[AB_BUDDY_ORDERS];   /* free blocks of each order */
    ab_buddy_link *links;              /* [total_pages] */
    uint8_t *state;                    /* [total_pages] FREE | order, ALLOC, 0 */
    ab_span *spans;                    /* [nspans] copy of the caller's spans */
    uint32_t *base;                    /* [nspans] index of each first page */
    size_t nspans;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t meta_bytes;
} ab_buddy;

extern const ab_strategy ab_strategy_buddy;

#endif
