/*
 * allocbench: the per-CPU index hook.
 *
 * Strategies that keep per-CPU state (the pcp+ front end, hier2m's reserved
 * entries) ask the environment which CPU runs the caller. The environment
 * that links the strategies defines ab_cpu_index():
 *   - the host: a slot per thread, handed out the first time a thread asks
 *     (core threads pinned by the threaded workloads get 0..T-1 in order);
 *   - the kernel: the index of the CPU (0 on the uniprocessor test kernel).
 * It is a link-time hook, not a global: strategies hold no state outside the
 * instance.
 *
 * Freestanding: <stdint.h> only.
 */
#ifndef ALLOCBENCH_CPU_H
#define ALLOCBENCH_CPU_H

#include <stdint.h>

/* Per-CPU arrays inside instances have this many slots. */
#define AB_MAX_CPUS 64u

/*
 * The caller's CPU (kernel) or thread slot (host), in [0, AB_MAX_CPUS).
 * Must be cheap (a thread-local read) and stable for a thread's life.
 * Two threads may share a slot only when more than AB_MAX_CPUS threads
 * exist; per-CPU structures must therefore still lock their slot.
 */
uint32_t ab_cpu_index(void);

#endif /* ALLOCBENCH_CPU_H */
