/* core/mtworkload: when threads count as having run a phase together. */
#include <stdint.h>

#include "core/mtworkload.h"
#include "core/null_strategy.h"
#include "testlib.h"

/* Two threads, times in ns: [s0, e0) with c0 ns on a CPU, and [s1, e1), c1. */
static int two(uint64_t s0, uint64_t e0, uint64_t c0, uint64_t s1, uint64_t e1, uint64_t c1,
               uint32_t *pm)
{
    uint64_t s[2] = {s0, s1}, e[2] = {e0, e1}, c[2] = {c0, c1};
    return ab_mt_together(2, s, e, c, pm);
}

static void test_equal_threads_ran_together(void)
{
    uint32_t pm;
    T_EXPECT(two(0, 1000, 1000, 5, 1005, 1000, &pm) == 1);
    T_EXPECT(pm == 1000, "%u", pm);
}

/* 12 and 14 ns per op over the same ops: one ends at 86 % of the phase.
 * The old 90 %-overlap rule called this "not together". */
static void test_a_faster_thread_ending_early_still_counts(void)
{
    uint32_t pm;
    T_EXPECT(two(0, 14000, 13990, 10, 12010, 11990, &pm) == 1);
    T_EXPECT(pm >= 990, "%u", pm);
}

static void test_a_late_start_is_not_together(void)
{
    uint32_t pm;
    /* The second thread starts when the first is 20 % through. */
    T_EXPECT(two(0, 1000, 1000, 200, 1200, 1000, &pm) == 0);
    /* ... and 10 % of the whole phase is still together. */
    T_EXPECT(two(0, 1000, 1000, 110, 1100, 990, &pm) == 1);
}

static void test_a_thread_off_its_cpu_is_not_together(void)
{
    uint32_t pm;
    T_EXPECT(two(0, 1000, 850, 0, 1000, 1000, &pm) == 0);
    T_EXPECT(pm == 850, "%u", pm);
    T_EXPECT(two(0, 1000, 900, 0, 1000, 1000, &pm) == 1);
}

static void test_one_thread_and_empty_phases(void)
{
    uint64_t s = 7, e = 7, c = 0;
    uint32_t pm;
    T_EXPECT(ab_mt_together(1, &s, &e, &c, &pm) == 1 && pm == 1000);
    e = 1007;
    c = 500;
    T_EXPECT(ab_mt_together(1, &s, &e, &c, &pm) == 0 && pm == 500);
    T_EXPECT(ab_mt_together(0, &s, &e, &c, &pm) == 1);
}

/* A null instance of 4096 pages (it counts live frames). */
static void *null_instance(uint64_t meta[64])
{
    ab_span span = {0, 4096};
    T_EXPECT(ab_null_strategy.meta_bytes(&span, 1) <= 64 * sizeof(uint64_t));
    T_EXPECT(ab_null_strategy.init(meta, 64 * sizeof(uint64_t), &span, 1) == AB_OK);
    return meta;
}

static uint64_t live(const void *self)
{
    ab_stats st = {0};
    ab_null_strategy.stats(self, &st);
    return st.total_pages - st.free_pages;
}

/* No deadline: every call is made. A deadline already past: the alloc
 * phase stops at once and empties its slots (they held junk that is not a
 * frame), so the free phase frees nothing and nothing fails. */
static void test_a_deadline_stops_a_phase_and_empties_its_slots(void)
{
    _Alignas(64) uint64_t meta[64];
    uint64_t slots[100];
    ab_mt_result r;
    for (int late = 0; late < 2; late++) {
        void *self = null_instance(meta);
        ab_mt_params p = {AB_MT_BULK, 0, 1, 100, 1, late ? 1u : 0u};
        for (int i = 0; i < 100; i++)
            slots[i] = 0x1234u; /* not page-aligned: freeing it is an error */
        ab_mt_run_phase(&ab_null_strategy, self, &p, 0, 0, slots, &r);
        T_EXPECT(r.timed_out == late && r.ops == (late ? 0u : 100u), "%d %llu", r.timed_out,
                 (unsigned long long)r.ops);
        T_EXPECT(live(self) == r.ops, "%llu", (unsigned long long)live(self));
        T_EXPECT(slots[99] != 0x1234u, "slot 99 still holds junk");
        ab_mt_run_phase(&ab_null_strategy, self, &p, 0, 1, slots, &r);
        T_EXPECT(!r.error && r.timed_out == late, "%s", r.msg);
        T_EXPECT(live(self) == 0, "%llu", (unsigned long long)live(self));
    }
}

int main(void)
{
    T_RUN(test_equal_threads_ran_together);
    T_RUN(test_a_faster_thread_ending_early_still_counts);
    T_RUN(test_a_late_start_is_not_together);
    T_RUN(test_a_thread_off_its_cpu_is_not_together);
    T_RUN(test_one_thread_and_empty_phases);
    T_RUN(test_a_deadline_stops_a_phase_and_empties_its_slots);
    return t_finish();
}
