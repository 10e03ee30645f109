/*
 * allocbench: front ends, strategies that wrap another strategy.
 *
 * A front end makes any page strategy usable from several threads at once
 * (AB_CAP_THREADSAFE). Its functions are generic: meta_bytes and init take
 * the inner strategy, store it in the instance header, and build the inner
 * instance inside the same metadata area (at an AB_META_ALIGN offset); every
 * other call finds the inner strategy there. The registry
 * (strategies/registry.c, strategies/strategies.def) turns each front end and
 * each listed inner strategy into one ab_strategy named "<front>+<inner>":
 * lock+buddy, pcp+buddy, ...
 *
 *   - lock (strategies/lock/): one spinlock around every call, as Linux's
 *     zone lock.
 *   - pcp (strategies/pcp/): per-CPU caches of single pages in front of the
 *     locked inner strategy, as Linux's per-CPU page lists.
 *
 * Freestanding: the project's own headers only.
 */
#ifndef ALLOCBENCH_FRONTEND_H
#define ALLOCBENCH_FRONTEND_H

#include "allocbench/strategy.h"

typedef struct ab_frontend {
    const char *name; /* "lock", "pcp" */
    /* As ab_strategy's, for a front end over `inner`. */
    size_t (*meta_bytes)(const ab_strategy *inner, const ab_span *spans, size_t nspans);
    ab_status (*init)(const ab_strategy *inner, void *meta, size_t meta_len,
                      const ab_span *spans, size_t nspans);
    /* As ab_strategy's; the inner strategy is read from the instance. */
    ab_status (*alloc)(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr);
    ab_status (*free)(void *self, uint64_t addr, uint64_t n);
    void (*stats)(const void *self, ab_stats *out);
    void (*walk_free)(const void *self, ab_run_fn fn, void *ctx);
    size_t (*check)(const void *self);
} ab_frontend;

#endif /* ALLOCBENCH_FRONTEND_H */
