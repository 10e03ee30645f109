/*
 * stack: a LIFO of free single pages (xv6's kalloc), the floor every
 * benchmark is measured against.
 *
 * Serves n = 1 only (max_npages = 1; n > 1 fails with AB_ENOTSUP) and no
 * alignment above one page (align_pages > 1 fails with AB_ENOTSUP). alloc is
 * O(1); free is O(log nspans) for the span lookup every free makes, then O(1).
 * The first allocations after init come out in ascending address order; from
 * then on the last page freed is the next page allocated.
 *
 * Metadata: 4 bytes per page (the stack) + 1 bit per page (allocated map)
 * + 8 bytes per 1024 pages + 20 bytes per span + a 128-byte header:
 * about 1.03 MiB per GiB managed (66 MiB for 64 GiB).
 * Limit: the page index space (spans, each rounded up to 1024 pages) must
 * stay below 2^32 pages (16 TiB); meta_bytes() returns 0 beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, and top <= total_pages.
 *   2. The page index is sound (ab_pindex_check): the copied spans are
 *      normalized, span index bases are multiples of 1024 and ascending
 *      without overlap, total_pages is the sum of the spans, the index space
 *      is below 2^32, and every chunk of 1024 indices maps to its span:
 *      index + delta[chunk] is the page that index stands for.
 *   3. Every stack entry is the index of a managed page whose allocated bit
 *      is clear.
 *   4. The stack holds every free page exactly once: the number of clear
 *      allocated bits over the spans equals top, and the sum and the sum of
 *      squares (mod 2^64) of the stack entries equal those of the indices
 *      whose bit is clear.
 */
#ifndef ALLOCBENCH_STRATEGY_STACK_H
#define ALLOCBENCH_STRATEGY_STACK_H

#include "allocbench/strategy.h"

extern const ab_strategy ab_strategy_stack;

#endif
