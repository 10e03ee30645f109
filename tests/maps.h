/*
 * Memory maps the strategy tests run on, in both roles.
 * PMM maps look like firmware maps (holes, a span above 4 GiB); VMM maps are
 * windows of a virtual address space. All are small enough that a shadow
 * model can be compared page by page after every operation.
 */
#ifndef ALLOCBENCH_TEST_MAPS_H
#define ALLOCBENCH_TEST_MAPS_H

#include "allocbench/strategy.h"

typedef struct t_map {
    const char *name;
    ab_span spans[8];
    size_t nspans;
} t_map;

static const t_map t_pmm_maps[] = {
    /* A PC: low memory minus page 0, 1 MiB..~9 MiB, a span across the
     * 2 MiB grid, and one above 4 GiB. */
    {"pc-holes", {{1, 158}, {256, 2048}, {3000, 1100}, {0x100000, 1024}}, 4},
    /* One span that is neither aligned nor a power of two. */
    {"unaligned", {{3, 3001}}, 1},
    /* Many small spans, some of one page, some not a multiple of 64. */
    {"fragments", {{0, 1}, {2, 63}, {70, 65}, {200, 129}, {400, 7}, {512, 512},
                   {1100, 300}, {0x2000001, 700}}, 8},
};

static const t_map t_vmm_maps[] = {
    /* A kernel window at 3 GiB, as the i386 kernel uses. */
    {"window-3g", {{0xC0000, 4096}}, 1},
    /* A low window that starts at 4 MiB, unaligned length. */
    {"window-low", {{0x400, 3333}}, 1},
};

#define T_NMAPS(a) (sizeof(a) / sizeof((a)[0]))

#endif
