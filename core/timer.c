/*
 * allocbench: timer calibration. See timer.h.
 * Overhead: 31 trials of 63 back-to-back deltas, each insertion-sorted; the
 * median of the 31 trial medians. Quantum: 255 deltas sorted; the smallest
 * non-zero delta or gap between neighbouring distinct deltas. Both
 * O(n^2) on small n, done once (a few ms).
 */
#include "timer.h"

#define TRIALS 31
#define SAMPLES 63
#define QSAMPLES 255

static void sort_u64(uint64_t *s, int n)
{
    for (int i = 1; i < n; i++) {
        uint64_t v = s[i];
        int j = i - 1;
        while (j >= 0 && s[j] > v) {
            s[j + 1] = s[j];
            j--;
        }
        s[j + 1] = v;
    }
}

uint64_t ab_timer_measure_overhead(void)
{
    uint64_t med[TRIALS];
    for (int r = 0; r < TRIALS; r++) {
        uint64_t s[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            uint64_t t0 = ab_tsc_read();
            uint64_t t1 = ab_tsc_read();
            s[i] = t1 - t0;
        }
        sort_u64(s, SAMPLES);
        med[r] = s[SAMPLES / 2];
    }
    sort_u64(med, TRIALS);
    return med[TRIALS / 2];
}

uint64_t ab_timer_measure_quantum(void)
{
    uint64_t s[QSAMPLES];
    for (int i = 0; i < QSAMPLES; i++) {
        uint64_t t0 = ab_tsc_read();
        uint64_t t1 = ab_tsc_read();
        s[i] = t1 - t0;
    }
    sort_u64(s, QSAMPLES);
    uint64_t q = ~0ull;
    for (int i = 0; i < QSAMPLES; i++) {
        if (s[i] != 0 && s[i] < q)
            q = s[i];
        if (i > 0 && s[i] != s[i - 1] && s[i] - s[i - 1] < q)
            q = s[i] - s[i - 1];
    }
    return q == ~0ull || q == 0 ? 1 : q;
}

int ab_timer_calibrate(ab_timer *t, const ab_platform *p, uint64_t window_ns)
{
    t->overhead_cycles = ab_timer_measure_overhead();
    t->quantum_cycles = ab_timer_measure_quantum();
    t->tsc_hz = 0;
    if (p == 0 || p->ref_now_ns == 0)
        return -1;
    /* Align to a reference tick edge so coarse clocks (PIT) lose less. */
    uint64_t edge = p->ref_now_ns(p->ctx), n0;
    do
        n0 = p->ref_now_ns(p->ctx);
    while (n0 == edge);
    uint64_t c0 = ab_tsc_read(), n1, c1;
    do {
        n1 = p->ref_now_ns(p->ctx);
        c1 = ab_tsc_read();
    } while (n1 - n0 < window_ns);
    if (n1 <= n0)
        return -1;
    uint64_t dc = c1 - c0, dn = n1 - n0;
    /* dc * 1e9 overflows past ~18 s at 1 GHz: split into quotient and rest. */
    t->tsc_hz = dc / dn * 1000000000ull + dc % dn * 1000000000ull / dn;
    return 0;
}

uint64_t ab_cycles_to_ps(const ab_timer *t, uint64_t cycles)
{
    uint64_t hz = t->tsc_hz;
    if (hz == 0)
        return 0;
    uint64_t whole = cycles / hz, rest = cycles % hz;
    /* rest < hz < 2^40: rest * 1e6 fits; then the remainder again. */
    uint64_t a = rest * 1000000ull;
    uint64_t q1 = a / hz, r1 = a % hz;
    uint64_t q2 = r1 * 1000000ull / hz;
    return whole * 1000000000000ull + q1 * 1000000ull + q2;
}
