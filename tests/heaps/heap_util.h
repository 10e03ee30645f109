/*
 * Host test helpers for heaps: a page provider over any registered page
 * strategy, and a heap instance on top of it.
 *
 * The strategy manages a span of pages at a fake address (T_SPAN_FIRST_PAGE,
 * 1 GiB); its addresses map to a real buffer as buf + (addr - span base), so
 * heap memory is real and the translation is exercised as the kernel's VMM
 * would. Pages are filled with junk when handed out (a heap must not expect
 * zeroed pages) and when given back (to catch dangling references, as xv6's
 * kfree does). Alignments up to 2 MiB are kept (the buffer is 2 MiB
 * aligned); larger ones are AB_ENOTSUP. An optional quota makes the provider
 * run dry on purpose.
 */
#ifndef ALLOCBENCH_TESTS_HEAP_UTIL_H
#define ALLOCBENCH_TESTS_HEAP_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/heap.h"
#include "strategy_util.h"

#define T_SPAN_FIRST_PAGE 0x40000u
/* The buffer's alignment: the provider serves alignments up to it. */
#define T_BUF_ALIGN ((size_t)2 << 20)

typedef struct t_pages {
    t_inst inst;         /* the page strategy */
    unsigned char *buf;  /* the window's memory */
    uint64_t span_base;  /* byte address of the strategy's first page */
    size_t npages;
    size_t held;         /* pages handed out now */
    size_t quota;        /* 0: no limit; else alloc fails past quota held */
    uint64_t allocs, frees, bad_frees;
} t_pages;

static inline ab_status t_pages_alloc(void *ctx, size_t n, size_t align, void **addr)
{
    t_pages *tp = (t_pages *)ctx;
    if (tp->quota != 0 && tp->held + n > tp->quota)
        return AB_ENOMEM;
    if (align > (T_BUF_ALIGN >> AB_PAGE_SHIFT))
        return AB_ENOTSUP;
    uint64_t a;
    ab_status s = t_alloc(&tp->inst, n, align, &a);
    if (s != AB_OK)
        return s;
    unsigned char *p = tp->buf + (size_t)(a - tp->span_base);
    memset(p, 0xCB, n * (size_t)AB_PAGE_BYTES);
    tp->held += n;
    tp->allocs++;
    *addr = p;
    return AB_OK;
}

static inline ab_status t_pages_free(void *ctx, void *addr, size_t n)
{
    t_pages *tp = (t_pages *)ctx;
    unsigned char *p = (unsigned char *)addr;
    if (p < tp->buf || p >= tp->buf + tp->npages * (size_t)AB_PAGE_BYTES) {
        tp->bad_frees++;
        return AB_ERANGE;
    }
    memset(p, 0xDD, n * (size_t)AB_PAGE_BYTES);
    ab_status s = t_free(&tp->inst, tp->span_base + (uint64_t)(p - tp->buf), n);
    if (s != AB_OK) {
        tp->bad_frees++;
        return s;
    }
    tp->held -= n;
    tp->frees++;
    return AB_OK;
}

/* Opens a strategy over npages pages and a buffer for them. */
static inline ab_status t_pages_open(t_pages *tp, const ab_strategy *st, size_t npages)
{
    memset(tp, 0, sizeof *tp);
    ab_span span = {T_SPAN_FIRST_PAGE, npages};
    ab_status s = t_inst_open(&tp->inst, st, &span, 1);
    if (s != AB_OK)
        return s;
    /* Aligned like the span's base up to T_BUF_ALIGN, so that translated
     * addresses keep the alignment the strategy gave them. */
    size_t bytes = (npages * (size_t)AB_PAGE_BYTES + T_BUF_ALIGN - 1) & ~(T_BUF_ALIGN - 1);
    tp->buf = (unsigned char *)aligned_alloc(T_BUF_ALIGN, bytes);
    if (tp->buf == NULL) {
        t_inst_close(&tp->inst);
        return AB_ENOMEM;
    }
    tp->span_base = (uint64_t)T_SPAN_FIRST_PAGE << AB_PAGE_SHIFT;
    tp->npages = npages;
    return AB_OK;
}

static inline void t_pages_close(t_pages *tp)
{
    free(tp->buf);
    t_inst_close(&tp->inst);
}

static inline ab_page_provider t_pages_provider(t_pages *tp)
{
    ab_page_provider pp = {tp, tp->buf, tp->npages, t_pages_alloc, t_pages_free};
    return pp;
}

/* A heap over a strategy. */
typedef struct t_heap {
    const ab_heap *hp;
    t_pages pages;
    ab_page_provider pp;
    void *meta;
} t_heap;

static inline ab_status t_heap_open(t_heap *th, const ab_heap *hp, const ab_strategy *st,
                                    size_t npages)
{
    memset(th, 0, sizeof *th);
    th->hp = hp;
    ab_status s = t_pages_open(&th->pages, st, npages);
    if (s != AB_OK)
        return s;
    th->pp = t_pages_provider(&th->pages);
    size_t len = hp->meta_bytes(&th->pp);
    if (len == 0) {
        t_pages_close(&th->pages);
        return AB_EINVAL;
    }
    size_t rounded = (len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
    th->meta = aligned_alloc(AB_META_ALIGN, rounded);
    memset(th->meta, 0xA5, rounded);
    s = hp->init(th->meta, len, &th->pp);
    if (s != AB_OK) {
        free(th->meta);
        t_pages_close(&th->pages);
    }
    return s;
}

static inline void t_heap_close(t_heap *th)
{
    th->hp->fini(th->meta);
    free(th->meta);
    t_pages_close(&th->pages);
}

static inline ab_heap_stats t_heap_stats(const t_heap *th)
{
    ab_heap_stats s;
    th->hp->stats(th->meta, &s);
    return s;
}

/* The page strategies a heap can sit on: they serve contiguous runs. */
static inline const ab_strategy *t_contig_strategy(const char *name)
{
    const ab_strategy *st = ab_registry_find(name);
    return st != NULL && (st->caps & AB_CAP_CONTIG) != 0 ? st : NULL;
}

#endif /* ALLOCBENCH_TESTS_HEAP_UTIL_H */
