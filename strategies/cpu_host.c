/*
 * The host's definition of the per-CPU hook (include/allocbench/cpu.h).
 * Not freestanding: host builds only. Each thread gets the next slot the first
 * time it asks; a threaded workload may bind its threads to slots 0..T-1 in
 * order with ab_cpu_bind() so that slot = thread index.
 */
#include <stdatomic.h>

#include "allocbench/cpu.h"

static _Atomic uint32_t cpu_next_slot;
static _Thread_local uint32_t cpu_slot_plus1; /* 0 = not yet assigned */

uint32_t ab_cpu_index(void)
{
    if (cpu_slot_plus1 == 0) {
        uint32_t s = atomic_fetch_add_explicit(&cpu_next_slot, 1, memory_order_relaxed);
        cpu_slot_plus1 = s % AB_MAX_CPUS + 1;
    }
    return cpu_slot_plus1 - 1;
}

/* Host only: bind the calling thread to slot (taken modulo AB_MAX_CPUS). */
void ab_cpu_bind(uint32_t slot);
void ab_cpu_bind(uint32_t slot)
{
    cpu_slot_plus1 = slot % AB_MAX_CPUS + 1;
}
