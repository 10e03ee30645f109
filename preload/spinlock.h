/*
 * A host spinlock for the LD_PRELOAD libraries (libab_<heap>.so and the
 * malloc trace recorder): an int, taken with an atomic exchange, spinning
 * with pause and yielding the CPU after a while. Host only (sched_yield);
 * it uses no malloc, so it is safe inside malloc itself.
 */
#ifndef ALLOCBENCH_PRELOAD_SPINLOCK_H
#define ALLOCBENCH_PRELOAD_SPINLOCK_H

#include <sched.h>

static inline void ab_spin_take(volatile int *lock)
{
    for (unsigned spins = 0;; spins++) {
        if (!__atomic_load_n(lock, __ATOMIC_RELAXED) &&
            !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
            return;
        if (spins > 64)
            sched_yield();
        else
            __builtin_ia32_pause();
    }
}

static inline void ab_spin_give(volatile int *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

#endif
