/*
 * allocbench: a test-and-test-and-set spinlock for the front ends.
 *
 * One 32-bit word, 0 = free. lock() tries an atomic exchange and, while the
 * lock is held, spins on plain (relaxed atomic) loads with a pause hint so
 * that waiters share the cache line instead of bouncing it. Acquire on
 * lock, release on unlock: what the holder wrote is seen by the next one.
 * Not fair, not recursive. GCC/clang __atomic builtins only, so it builds
 * freestanding for i686 and x86-64 (32-bit atomics need no library).
 */
#ifndef ALLOCBENCH_SPIN_H
#define ALLOCBENCH_SPIN_H

#include <stdint.h>

static inline void ab_spin_pause(void)
{
#if defined(__i386__) || defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static inline void ab_spin_init(uint32_t *lock) { __atomic_store_n(lock, 0u, __ATOMIC_RELEASE); }

static inline void ab_spin_lock(uint32_t *lock)
{
    while (__atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE) != 0u)
        while (__atomic_load_n(lock, __ATOMIC_RELAXED) != 0u)
            ab_spin_pause();
}

static inline void ab_spin_unlock(uint32_t *lock) { __atomic_store_n(lock, 0u, __ATOMIC_RELEASE); }

#endif /* ALLOCBENCH_SPIN_H */
