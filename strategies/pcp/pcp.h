/*
 * pcp: per-CPU caches of single pages in front of a locked inner strategy,
 * as Linux's per-CPU page lists (mm/page_alloc.c: pcp->high, pcp->batch).
 * Registered as "pcp+<inner>" for every inner strategy in
 * strategies/strategies.def; caps are the inner's | AB_CAP_THREADSAFE,
 * max_npages the inner's.
 *
 * alloc(1, align <= 1) pops the calling CPU's cache (ab_cpu_index()); an
 * empty cache is first refilled with AB_PCP_BATCH pages from the inner
 * strategy, under the inner lock. free(addr, 1) of a live single page
 * pushes it on the caller's cache; a cache holding AB_PCP_HIGH pages first
 * gives its AB_PCP_BATCH oldest back to the inner strategy. Every other
 * request goes to the inner strategy under the inner lock. When the inner
 * strategy answers AB_ENOMEM, every cache is drained into it and the
 * request is tried once more (Linux drains the per-CPU lists before it
 * declares the zone exhausted), so a single thread sees the inner
 * strategy's own exhaustion behaviour.
 *
 * Marks: AB_PCP_BATCH = 31, AB_PCP_HIGH = 124 = 4 batches. Linux sizes
 * batch at about a 1/1024 of the zone capped at 31 (63 on newer kernels)
 * and high at a small multiple of it (6 batches in 2.6 to 5.x). We keep
 * batch = 31: one refill or drain amortizes the inner lock over 31 pages
 * while holding the inner lock for only 31 inner operations. High = 4
 * batches: after a drain a cache keeps 3 batches, so a CPU that
 * alternates allocating and freeing around the mark neither refills nor
 * drains again for at least 31 operations, and 64 CPUs x 124 pages keep at
 * most 31 MiB out of the inner strategy.
 *
 * Cached pages are allocated in the inner strategy and FREE in this front
 * end: stats() counts them free and walk_free() lists the inner free runs
 * merged with the cached pages, in address order (the cached pages are
 * sorted on a scratch area, with a heap sort). stats(), walk_free() and
 * check() hold every cache lock and the inner lock; walk_free() calls the
 * caller's function with those locks held.
 *
 * Statuses: free() checks, in order, n = 0 (AB_EINVAL), the page alignment
 * (AB_EALIGN) and the range (AB_ERANGE) on its own copy of the spans; a
 * page sitting in a cache is free, so freeing it again is AB_EDOUBLE, for
 * any n; everything else (a page free in the inner strategy, a wrong size,
 * an interior page) is the inner strategy's answer. To know that a
 * free(addr, 1) is the free of a live one-page allocation, and that a page
 * is cached, without searching the caches, the front end keeps a state
 * byte per page: SINGLE (handed out by an alloc of one page) or CACHED. A
 * double free racing with the first free on another CPU is not caught (the
 * caller broke ownership; Linux does not catch it either).
 *
 * Metadata: a byte per page + 64 KiB (caches and sort scratch) + the inner
 * strategy's: 256 KiB per GiB managed on top of the inner (pcp.c has the
 * formula).
 *
 * Limits: fewer than 2^32 pages (caches hold 32-bit page indices);
 * meta_bytes() returns 0 beyond.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, an inner strategy, batch and high as
 *      defined, the copied spans normalized, the index bases contiguous from
 *      0 and summing to total_pages.
 *   2. Every cache holds at most high pages, each a valid page index.
 *   3. Every cached page has state CACHED, and no page is in two caches
 *      (the sorted cached pages are distinct).
 *   4. The number of pages whose state is CACHED equals the number of
 *      cached pages, and every state is 0, SINGLE or CACHED.
 *   5. Every page free in the inner strategy has state 0: cached and
 *      handed-out pages are allocated in the inner strategy.
 *   6. The front end's free pages are the inner strategy's plus the cached
 *      ones.
 *   7. The inner instance is sound: its own check() returns 0 (each broken
 *      inner invariant counts one).
 */
#ifndef ALLOCBENCH_STRATEGY_PCP_H
#define ALLOCBENCH_STRATEGY_PCP_H

#include "allocbench/cpu.h"
#include "allocbench/frontend.h"

#define AB_PCP_BATCH 31u
#define AB_PCP_HIGH 124u
/* Page slots in one per-CPU cache: fills its 512-byte block. */
#define AB_PCP_SLOTS 126u

/* One CPU's cache: 512 bytes, on its own cache lines. */
typedef struct ab_pcp_cpu {
    uint32_t lock;  /* ab_spin: a slot may be shared by two threads */
    uint32_t count; /* pages cached: page[0] oldest, page[count - 1] hottest */
    uint32_t page[AB_PCP_SLOTS]; /* page indices (spans laid end to end) */
} ab_pcp_cpu;

/*
 * The instance header at the start of the metadata area; read-mostly. The
 * inner lock lives on the next cache line. Callers must not write it.
 */
typedef struct ab_pcp {
    uint32_t magic;
    uint32_t high, batch;
    const ab_strategy *inner;
    void *inner_self;      /* the inner instance, inside this area */
    uint32_t *inner_lock;  /* on its own cache line */
    ab_pcp_cpu *cpus;      /* [AB_MAX_CPUS] */
    uint32_t *scratch;     /* [AB_MAX_CPUS * high]: sorting cached pages */
    ab_span *spans;        /* [nspans] copy of the caller's spans */
    uint32_t *base;        /* [nspans] index of each span's first page */
    uint8_t *state;        /* [total_pages] 0, SINGLE (1) or CACHED (2) */
    size_t nspans;
    uint64_t total_pages;
    uint64_t meta_bytes;
} ab_pcp;

extern const ab_frontend ab_frontend_pcp;

#endif
