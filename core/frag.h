/*
 * allocbench: fragmentation metrics, computed from walk_free() the same way
 * for every strategy.
 *
 * Each maximal free run is decomposed into maximal naturally aligned
 * power-of-two blocks (page number a multiple of the block size), capped at
 * order AB_FRAG_MAX_ORDER (a 4 MiB block, Linux's MAX_ORDER - 1): exactly the
 * blocks a buddy allocator's free lists would hold for the same free pages.
 * From these per-order counts, Linux's indices (mm/vmstat.c):
 *
 *   unusable_free_index(o) = (free_pages - (suitable(o) << o)) * 1000
 *                            / free_pages,  1000 if free_pages = 0
 *   fragmentation_index(o) = 0 if there are no free blocks,
 *                            -1000 if a block of order >= o exists,
 *                            else 1000 - (1000 + free_pages * 1000 / 2^o)
 *                                        / free_blocks_total
 *
 * with suitable(o) = sum over k >= o of blocks[k] << (k - o).
 * Units: both indices in per-mille (Linux prints them divided by 1000);
 * ext_frag_ppm = 1 - largest_free_run / free_pages in parts per million
 * (0 when nothing is free). Integer math only.
 */
#ifndef ALLOCBENCH_FRAG_H
#define ALLOCBENCH_FRAG_H

#include <stdint.h>

#include "allocbench/strategy.h"

#define AB_FRAG_MAX_ORDER 10u
#define AB_FRAG_ORDERS (AB_FRAG_MAX_ORDER + 1u)

typedef struct ab_frag {
    uint64_t free_pages;
    uint64_t largest_free_run; /* pages */
    uint64_t free_runs;
    uint64_t free_2m_blocks;   /* 512-page blocks at 512-page-aligned page
                                  numbers lying wholly inside a free run */
    uint64_t blocks[AB_FRAG_ORDERS]; /* free blocks per order, buddy-style */
    uint32_t ext_frag_ppm;
    int32_t unusable_pm[AB_FRAG_ORDERS];
    int32_t extfrag_pm[AB_FRAG_ORDERS];
} ab_frag;

/* Zeroes f before runs are added. */
void ab_frag_clear(ab_frag *f);
/* An ab_run_fn: adds one free run to the ab_frag passed as ctx. */
int ab_frag_add_run(void *ctx, uint64_t first_page, uint64_t npages);
/* Computes ext_frag_ppm and the indices from what was added. */
void ab_frag_finish(ab_frag *f);
/* clear + walk_free + finish. */
void ab_frag_measure(const ab_strategy *st, const void *self, ab_frag *out);

/* The two Linux indices for one order from per-order block counts. */
int32_t ab_unusable_index(const uint64_t *blocks, unsigned order);
int32_t ab_fragmentation_index(const uint64_t *blocks, unsigned order);

#endif
