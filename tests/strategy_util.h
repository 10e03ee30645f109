/* Host test helpers: build a strategy instance in heap memory. */
#ifndef ALLOCBENCH_STRATEGY_UTIL_H
#define ALLOCBENCH_STRATEGY_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "allocbench/registry.h"
#include "allocbench/strategy.h"

typedef struct t_inst {
    const ab_strategy *st;
    void *meta;
    size_t meta_len;
} t_inst;

/* Sizes, allocates (junk-filled, so init cannot rely on zeroed memory) and
 * inits an instance. Returns the init status, or AB_EINVAL if sizing failed. */
static inline ab_status t_inst_open(t_inst *ti, const ab_strategy *st, const ab_span *spans,
                                    size_t nspans)
{
    ti->st = st;
    ti->meta = NULL;
    ti->meta_len = st->meta_bytes(spans, nspans);
    if (ti->meta_len == 0)
        return AB_EINVAL;
    size_t rounded = (ti->meta_len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
    ti->meta = aligned_alloc(AB_META_ALIGN, rounded);
    if (ti->meta == NULL)
        return AB_ENOMEM;
    memset(ti->meta, 0xA5, rounded);
    ab_status s = st->init(ti->meta, ti->meta_len, spans, nspans);
    if (s != AB_OK) {
        free(ti->meta);
        ti->meta = NULL;
    }
    return s;
}

static inline void t_inst_close(t_inst *ti)
{
    free(ti->meta);
    ti->meta = NULL;
}

static inline ab_status t_alloc(t_inst *ti, uint64_t n, uint64_t align, uint64_t *addr)
{
    return ti->st->alloc(ti->meta, n, align, addr);
}

static inline ab_status t_free(t_inst *ti, uint64_t addr, uint64_t n)
{
    return ti->st->free(ti->meta, addr, n);
}

static inline ab_stats t_stats(t_inst *ti)
{
    ab_stats s;
    memset(&s, 0, sizeof s);
    ti->st->stats(ti->meta, &s);
    return s;
}

static inline size_t t_check(t_inst *ti) { return ti->st->check(ti->meta); }


/* The free runs walk_free() reports, collected (t_runs_add is the walk
   callback); at most T_MAXRUNS are kept, n counts them all. */
#define T_MAXRUNS 4096
typedef struct t_runs {
    int n;
    uint64_t first[T_MAXRUNS], npages[T_MAXRUNS];
} t_runs;

static inline int t_runs_add(void *ctx, uint64_t first, uint64_t npages)
{
    t_runs *r = (t_runs *)ctx;
    if (r->n < T_MAXRUNS) {
        r->first[r->n] = first;
        r->npages[r->n] = npages;
    }
    r->n++;
    return 0;
}

#endif
