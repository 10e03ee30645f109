/*
 * allocbench: threaded workloads on one shared instance, after LLFree's
 * benchmarks (bulk, repeat, rand). This layer is freestanding: it holds the
 * per-thread loops; the environment starts the threads, pins them, holds
 * them at a barrier between phases and times each phase (host: pthreads and
 * CLOCK_MONOTONIC, host/cell/threads.c; a kernel: its CPUs and the TSC).
 *
 *   bulk    phase 1: every thread allocates `per_thread` frames of 2^order
 *           pages; phase 2: every thread frees its own, in allocation order
 *   repeat  phase 1: every thread allocates one frame and frees it, `per_thread`
 *           times (op "pair")
 *   rand    phase 1 as bulk; phase 2: thread t frees the frames of thread
 *           (t + 1) mod T in a random order: every free is a remote free
 *
 * Frames of order 9 are 2 MiB frames (512 pages aligned to 512). The frame
 * addresses live in caller memory: threads * per_thread slots of 8 bytes
 * (ab_mt_slots_bytes()). A failed allocation (ENOMEM) is counted and its
 * slot left empty; any other status is an error with a message. No globals,
 * no recursion: every thread works on its own slots and result.
 */
#ifndef ALLOCBENCH_MTWORKLOAD_H
#define ALLOCBENCH_MTWORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

typedef enum ab_mt_kind { AB_MT_BULK, AB_MT_REPEAT, AB_MT_RAND, AB_MT_COUNT } ab_mt_kind;

typedef struct ab_mt_params {
    ab_mt_kind kind;
    uint32_t order;      /* 0 (4 KiB) or 9 (2 MiB) */
    uint32_t threads;    /* T >= 1 */
    uint64_t per_thread; /* frames (bulk, rand) or pairs (repeat) per thread */
    uint64_t seed;
    uint64_t deadline; /* ab_tsc_read() value past which a thread stops its
                          phase early (every 1024 calls; 0: none) */
} ab_mt_params;

/* What one thread did in one phase. */
typedef struct ab_mt_result {
    uint64_t ops;      /* calls that succeeded */
    uint64_t failures; /* ENOMEM */
    int error;         /* nonzero: msg says what went wrong */
    int timed_out;     /* stopped at the deadline: the phase is partial */
    char msg[128];
} ab_mt_result;

/* "bulk", ...; NULL if out of range. */
const char *ab_mt_name(ab_mt_kind k);
/* AB_MT_COUNT if unknown. */
ab_mt_kind ab_mt_parse(const char *name);
/* Phases the workload has: 1 (repeat) or 2. */
unsigned ab_mt_phases(ab_mt_kind k);
/* Op name of phase (0-based): "alloc", "free" or "pair". */
const char *ab_mt_op_name(ab_mt_kind k, unsigned phase);
/* Bytes of slot memory for p (0 on overflow). */
size_t ab_mt_slots_bytes(const ab_mt_params *p);

/*
 * Runs phase `phase` of p for thread t (0..T-1) on the shared instance.
 * slots: ab_mt_slots_bytes(p) bytes, 8-byte aligned, shared by all threads
 * (thread t owns slots [t * per_thread, (t + 1) * per_thread)). Clears *r
 * first. Call every phase in order, with all threads past a barrier between
 * phases. Past p->deadline the thread stops and sets r->timed_out; an
 * allocation phase marks the slots it did not reach as empty, so a later
 * phase frees only what was allocated (frames it did not reach stay
 * allocated: the instance is the caller's to discard).
 */
void ab_mt_run_phase(const ab_strategy *st, void *self, const ab_mt_params *p, uint32_t t,
                     unsigned phase, uint64_t *slots, ab_mt_result *r);

/*
 * Did `threads` threads run one phase together? start[t], end[t]: thread t's
 * phase on one clock; cpu[t]: its CPU time in the phase, same unit. Together
 * means every thread was on a CPU for at least 90 % of its own phase, and
 * the last one started within 10 % of the phase (first start to last end)
 * after the first. A thread that ends early because it was faster still ran
 * together with the others: the throughput over the whole phase pays for
 * the imbalance. *cpu_wall_pm: the lowest cpu / wall, per mille (1000 for a
 * thread whose phase took no time). Returns 1 or 0.
 */
int ab_mt_together(uint32_t threads, const uint64_t *start, const uint64_t *end,
                   const uint64_t *cpu, uint32_t *cpu_wall_pm);

#endif
