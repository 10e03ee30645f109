/*
 * allocbench: the cycle timer.
 *
 * rdtsc fenced with lfence on both sides, so that earlier instructions retire
 * before the read and later ones do not start before it. The timer's own cost
 * is measured once and subtracted from every per-operation sample: the
 * median over 31 trials of each trial's median of 63 back-to-back read
 * pairs, so one interrupt or one slow trial cannot move it (the earlier
 * minimum of 7 round medians flipped between neighbouring TSC steps from run
 * to run). The quantum is the TSC's resolution as seen from software: the
 * smallest non-zero difference between back-to-back deltas (and the smallest
 * non-zero delta). Bare metal: 1 cycle; some virtual machines advance the
 * TSC in steps of tens of cycles, and per-op samples within a few quanta of
 * zero cannot be told apart (summary.csv flags them below_resolution). The TSC frequency is calibrated against a
 * platform reference clock given through ab_platform: the host fills it with
 * CLOCK_MONOTONIC, the kernel with the PIT.
 *
 * x86 only (i686 and x86-64). Freestanding; integer math only.
 */
#ifndef ALLOCBENCH_TIMER_H
#define ALLOCBENCH_TIMER_H

#include <stdint.h>

#if !defined(__i386__) && !defined(__x86_64__)
#error "core/timer.h: rdtsc needs x86"
#endif

/* The platform hook: a monotonic reference clock in nanoseconds. */
typedef struct ab_platform {
    uint64_t (*ref_now_ns)(void *ctx);
    void *ctx;
} ab_platform;

typedef struct ab_timer {
    uint64_t tsc_hz;          /* TSC ticks per second, calibrated */
    uint64_t overhead_cycles; /* median cost of one fenced read pair */
    uint64_t quantum_cycles;  /* smallest step the TSC is seen to move; >= 1 */
} ab_timer;

/* Reads the TSC with lfence before and after. */
static inline uint64_t ab_tsc_read(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Cycles between two reads, minus the timer's own cost (never below 0). */
static inline uint64_t ab_timer_delta(const ab_timer *t, uint64_t t0, uint64_t t1)
{
    uint64_t d = t1 - t0;
    return d > t->overhead_cycles ? d - t->overhead_cycles : 0;
}

/* Median over 31 trials of the trial medians of 63 back-to-back pairs. */
uint64_t ab_timer_measure_overhead(void);
/* The smallest non-zero step between back-to-back reads (>= 1). */
uint64_t ab_timer_measure_quantum(void);

/*
 * Fills t: overhead, quantum, and tsc_hz from a window of window_ns (e.g. 100 ms) on
 * the platform's reference clock. Returns 0, or -1 iff the clock did not
 * advance or the platform hook is missing (tsc_hz is then left 0).
 */
int ab_timer_calibrate(ab_timer *t, const ab_platform *p, uint64_t window_ns);

/* cycles -> picoseconds at t->tsc_hz (0 if uncalibrated); no overflow for
 * cycles < 2^63. */
uint64_t ab_cycles_to_ps(const ab_timer *t, uint64_t cycles);

#endif
