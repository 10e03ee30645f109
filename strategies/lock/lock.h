/*
 * lock: a front end that makes any strategy thread-safe with one spinlock
 * around every call into the inner instance, as Linux's zone->lock guards
 * the buddy free lists. Registered as "lock+<inner>" for every inner
 * strategy in strategies/strategies.def (lock+buddy, lock+stack, ...); caps
 * are the inner's | AB_CAP_THREADSAFE, max_npages the inner's.
 *
 * Semantics are exactly the inner strategy's: the same statuses, stats
 * (meta_bytes adds the front end's header) and walk. Every operation costs
 * the inner one plus an uncontended lock/unlock (two atomic operations);
 * under contention the lock word is the one shared cache line.
 *
 * Metadata: a 64-byte header (the lock, the inner strategy, the sizes),
 * then the inner instance at offset 64: 64 B + inner meta_bytes. No cost
 * per GiB beyond the inner's.
 *
 * Invariants, in the order check() walks them (check() holds the lock):
 *   1. The header is sound: magic, an inner strategy, meta_bytes = 64 + the
 *      inner's meta_bytes for these spans as init() recorded it.
 *   2. The inner instance is sound: its own check() returns 0 (every broken
 *      inner invariant counts as one here).
 */
#ifndef ALLOCBENCH_STRATEGY_LOCK_H
#define ALLOCBENCH_STRATEGY_LOCK_H

#include "allocbench/frontend.h"

/* The instance header at the start of the metadata area. */
typedef struct ab_lock {
    uint32_t lock; /* ab_spin: 0 free */
    uint32_t magic;
    const ab_strategy *inner;
    uint64_t meta_bytes; /* this header + the inner instance */
} ab_lock;

extern const ab_frontend ab_frontend_lock;

#endif
