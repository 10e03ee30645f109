/*
 * The registry: a const table built from strategies.def. No mutable state.
 * Order: the base strategies, then lock+<each> and pcp+<each>, all in
 * strategies.def order.
 *
 * A front-end combination is an ab_strategy whose meta_bytes and init pass
 * the inner strategy to the front end's generic functions
 * (allocbench/frontend.h); its other calls find the inner strategy in the
 * instance header. The combinations are exported as ab_strategy_lock_<inner>
 * and ab_strategy_pcp_<inner>, so a registry of its own (the host's, with
 * its baselines) can list them by including strategies.def the same way.
 */
#include "allocbench/frontend.h"
#include "allocbench/registry.h"

#define AB_STRATEGY(name, caps, max) extern const ab_strategy ab_strategy_##name;
#include "strategies.def"
#undef AB_STRATEGY

extern const ab_frontend ab_frontend_lock;
extern const ab_frontend ab_frontend_pcp;

/* The calls that do not depend on the inner strategy, once per front end. */
#define FRONT_CALLS(fe)                                                                    \
    static ab_status fe##_alloc(void *self, uint64_t n, uint64_t align, uint64_t *addr)    \
    {                                                                                      \
        return ab_frontend_##fe.alloc(self, n, align, addr);                               \
    }                                                                                      \
    static ab_status fe##_free(void *self, uint64_t addr, uint64_t n)                      \
    {                                                                                      \
        return ab_frontend_##fe.free(self, addr, n);                                       \
    }                                                                                      \
    static void fe##_stats(const void *self, ab_stats *out) { ab_frontend_##fe.stats(self, out); } \
    static void fe##_walk_free(const void *self, ab_run_fn fn, void *ctx)                  \
    {                                                                                      \
        ab_frontend_##fe.walk_free(self, fn, ctx);                                         \
    }                                                                                      \
    static size_t fe##_check(const void *self) { return ab_frontend_##fe.check(self); }
FRONT_CALLS(lock)
FRONT_CALLS(pcp)
#undef FRONT_CALLS

/* One combination: its sizing and init, and its const object. */
#define COMBO(fe, inner, caps_, max_, summary_)                                            \
    static size_t fe##_##inner##_meta_bytes(const ab_span *spans, size_t nspans)           \
    {                                                                                      \
        return ab_frontend_##fe.meta_bytes(&ab_strategy_##inner, spans, nspans);           \
    }                                                                                      \
    static ab_status fe##_##inner##_init(void *meta, size_t meta_len, const ab_span *spans, \
                                         size_t nspans)                                    \
    {                                                                                      \
        return ab_frontend_##fe.init(&ab_strategy_##inner, meta, meta_len, spans, nspans); \
    }                                                                                      \
    extern const ab_strategy ab_strategy_##fe##_##inner;                                   \
    const ab_strategy ab_strategy_##fe##_##inner = {                                       \
        .name = #fe "+" #inner,                                                            \
        .summary = summary_ #inner,                                                        \
        .caps = (caps_) | AB_CAP_THREADSAFE,                                               \
        .max_npages = (max_),                                                              \
        .meta_bytes = fe##_##inner##_meta_bytes,                                           \
        .init = fe##_##inner##_init,                                                       \
        .alloc = fe##_alloc,                                                               \
        .free = fe##_free,                                                                 \
        .stats = fe##_stats,                                                               \
        .walk_free = fe##_walk_free,                                                       \
        .check = fe##_check,                                                               \
    };

#define AB_STRATEGY(inner, caps_, max_) \
    COMBO(lock, inner, caps_, max_, "one spinlock (Linux zone lock) around ")
#include "strategies.def"
#undef AB_STRATEGY
#define AB_STRATEGY(inner, caps_, max_) \
    COMBO(pcp, inner, caps_, max_, "per-CPU single-page caches (high 124, batch 31) over ")
#include "strategies.def"
#undef AB_STRATEGY
#undef COMBO

static const ab_strategy *const registry[] = {
#define AB_STRATEGY(name, caps, max) &ab_strategy_##name,
#include "strategies.def"
#undef AB_STRATEGY
#define AB_STRATEGY(inner, caps_, max_) &ab_strategy_lock_##inner,
#include "strategies.def"
#undef AB_STRATEGY
#define AB_STRATEGY(inner, caps_, max_) &ab_strategy_pcp_##inner,
#include "strategies.def"
#undef AB_STRATEGY
};

const ab_strategy *const *ab_registry(size_t *count)
{
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const ab_strategy *ab_registry_find(const char *name)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (ab_name_equal(all[i]->name, name))
            return all[i];
    return NULL;
}
