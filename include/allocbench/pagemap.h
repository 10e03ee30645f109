/*
 * allocbench: the heaps' page map, a two-level table page -> owner.
 *
 * One 64-bit entry per page of the provider's window, 0 for a page the heap
 * does not hold; what a nonzero entry means is the heap's business (a slab
 * header pointer with a tag, a large block's length, an arena pointer). The
 * top level (one leaf pointer per 512 pages) lives in the heap's instance;
 * a leaf (512 entries: exactly one 4 KiB page) is taken from the provider the
 * first time a page it covers is used and kept until fini. Like jemalloc's
 * rtree, it lets free() validate any pointer in O(1) without reading the
 * memory the pointer points to.
 *
 * Cost: 8 bytes of leaf per window page actually used (0.2 %), plus a
 * pointer per 2 MiB of window in the instance. Lookup: two loads.
 */
#ifndef ALLOCBENCH_HEAP_PAGEMAP_H
#define ALLOCBENCH_HEAP_PAGEMAP_H

#include "allocbench/heap.h"

#define AB_PM_LEAF_SHIFT 9u
#define AB_PM_LEAF_ENTRIES (1u << AB_PM_LEAF_SHIFT)

_Static_assert(AB_PM_LEAF_ENTRIES * sizeof(uint64_t) == AB_PAGE_BYTES,
               "a leaf is exactly one page");

typedef struct ab_pagemap {
    uintptr_t base;  /* window start */
    size_t npages;   /* window pages */
    size_t ntop;     /* top-level slots */
    size_t nleaves;  /* leaves allocated */
    uint64_t **top;  /* ntop slots, in the heap's instance */
} ab_pagemap;

/* True iff the provider's window can be mapped (see ab_heap.meta_bytes). */
static inline bool ab_pagemap_provider_ok(const ab_page_provider *pp)
{
    if (pp == NULL || pp->alloc_pages == NULL || pp->free_pages == NULL || pp->npages == 0)
        return false;
    uintptr_t base = (uintptr_t)pp->base;
    if (base & (uintptr_t)(AB_PAGE_BYTES - 1u))
        return false;
    /* The window's last byte must not wrap the address space. */
    uintptr_t room = (UINTPTR_MAX - base) >> AB_PAGE_SHIFT; /* full pages after base, minus 1 */
    return pp->npages - 1u <= room;
}

/* Top-level bytes for a window of npages pages. */
static inline size_t ab_pagemap_top_bytes(size_t npages)
{
    size_t ntop = (npages >> AB_PM_LEAF_SHIFT) + ((npages & (AB_PM_LEAF_ENTRIES - 1u)) != 0);
    return ntop * sizeof(uint64_t *);
}

static inline void ab_pagemap_init(ab_pagemap *pm, const ab_page_provider *pp, uint64_t **top)
{
    pm->base = (uintptr_t)pp->base;
    pm->npages = pp->npages;
    pm->ntop = ab_pagemap_top_bytes(pp->npages) / sizeof(uint64_t *);
    pm->nleaves = 0;
    pm->top = top;
    for (size_t i = 0; i < pm->ntop; i++)
        top[i] = NULL;
}

/* Page index of p in the window; >= npages iff p is outside it. */
static inline size_t ab_pagemap_index(const ab_pagemap *pm, const void *p)
{
    /* p below base wraps to a huge index. */
    return (size_t)(((uintptr_t)p - pm->base) >> AB_PAGE_SHIFT);
}

/* Entry of page index i, 0 if outside the window or never set. */
static inline uint64_t ab_pagemap_at(const ab_pagemap *pm, size_t i)
{
    if (i >= pm->npages)
        return 0;
    const uint64_t *leaf = pm->top[i >> AB_PM_LEAF_SHIFT];
    return leaf != NULL ? leaf[i & (AB_PM_LEAF_ENTRIES - 1u)] : 0;
}

/* Entry of the page holding p, 0 if the heap does not hold it. */
static inline uint64_t ab_pagemap_get(const ab_pagemap *pm, const void *p)
{
    return ab_pagemap_at(pm, ab_pagemap_index(pm, p));
}

/*
 * Makes sure leaves exist for the npages pages at p (inside the window).
 * Returns AB_ENOMEM if the provider has no page for a leaf; leaves taken
 * before the failure stay (they are counted and reused).
 */
static inline ab_status ab_pagemap_reserve(ab_pagemap *pm, const ab_page_provider *pp,
                                           const void *p, size_t npages)
{
    size_t first = ab_pagemap_index(pm, p);
    size_t last = first + npages - 1u;
    for (size_t t = first >> AB_PM_LEAF_SHIFT; t <= last >> AB_PM_LEAF_SHIFT; t++) {
        if (pm->top[t] != NULL)
            continue;
        void *leaf;
        ab_status s = pp->alloc_pages(pp->ctx, 1, 1, &leaf);
        if (s != AB_OK)
            return AB_ENOMEM;
        ab_heap_zero(leaf, AB_PAGE_BYTES);
        pm->top[t] = (uint64_t *)leaf;
        pm->nleaves++;
    }
    return AB_OK;
}

/*
 * Sets the entries of the npages pages at p: first gets head, the others
 * body. The leaves must exist (ab_pagemap_reserve).
 */
static inline void ab_pagemap_set(ab_pagemap *pm, const void *p, size_t npages, uint64_t head,
                                  uint64_t body)
{
    size_t i = ab_pagemap_index(pm, p);
    for (size_t k = 0; k < npages; k++, i++)
        pm->top[i >> AB_PM_LEAF_SHIFT][i & (AB_PM_LEAF_ENTRIES - 1u)] = k == 0 ? head : body;
}

/* Gives every leaf back to the provider. */
static inline void ab_pagemap_fini(ab_pagemap *pm, const ab_page_provider *pp)
{
    for (size_t t = 0; t < pm->ntop; t++) {
        if (pm->top[t] != NULL) {
            pp->free_pages(pp->ctx, pm->top[t], 1);
            pm->top[t] = NULL;
        }
    }
    pm->nleaves = 0;
}

/* Leaves actually present (for check()). */
static inline size_t ab_pagemap_count_leaves(const ab_pagemap *pm)
{
    size_t n = 0;
    for (size_t t = 0; t < pm->ntop; t++)
        n += pm->top[t] != NULL;
    return n;
}

#endif /* ALLOCBENCH_HEAP_PAGEMAP_H */
