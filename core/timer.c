/*
 * allocbench: timer calibration. See timer.h.
 * Overhead: 7 rounds of 63 back-to-back deltas, insertion-sorted, median of
 * each round, minimum of the medians. O(rounds * 63^2), done once.
 */
#include "timer.h"

#define ROUNDS 7
#define SAMPLES 63

uint64_t ab_timer_measure_overhead(void)
{
    uint64_t best = ~0ull;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t s[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            uint64_t t0 = ab_tsc_read();
            uint64_t t1 = ab_tsc_read();
            s[i] = t1 - t0;
        }
        for (int i = 1; i < SAMPLES; i++) {
            uint64_t v = s[i];
            int j = i - 1;
            while (j >= 0 && s[j] > v) {
                s[j + 1] = s[j];
                j--;
            }
            s[j + 1] = v;
        }
        if (s[SAMPLES / 2] < best)
            best = s[SAMPLES / 2];
    }
    return best;
}

int ab_timer_calibrate(ab_timer *t, const ab_platform *p, uint64_t window_ns)
{
    t->overhead_cycles = ab_timer_measure_overhead();
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
