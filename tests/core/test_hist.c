/* core/hist: percentiles against a sorted reference, within the 1/256 (0.39 %)
 * hist.h promises; bucket bounds as documented. */
#include <stdint.h>
#include <stdlib.h>

#include "core/hist.h"
#include "core/prng.h"
#include "testlib.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t ref_pct(const uint64_t *sorted, size_t n, uint32_t ppm)
{
    uint64_t rank = ((uint64_t)n * ppm + 999999u) / 1000000u;
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

static void check_against_reference(uint64_t seed, unsigned max_log2)
{
    static uint64_t v[N];
    static ab_hist h;
    ab_rng r;
    ab_rng_seed(&r, seed);
    ab_hist_clear(&h);
    uint64_t sum = 0;
    for (size_t i = 0; i < N; i++) {
        /* log-uniform: as spread as latencies are */
        unsigned e = (unsigned)ab_rng_below(&r, max_log2);
        v[i] = (1ull << e) + ab_rng_below(&r, 1ull << e);
        sum += v[i];
        ab_hist_add(&h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_u64);
    const uint32_t ps[] = {1, 10000, 250000, AB_P50, AB_P90, AB_P99, AB_P999, 999999, 1000000};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        uint64_t want = ref_pct(v, N, ps[k]), got = ab_hist_percentile(&h, ps[k]);
        uint64_t diff = got > want ? got - want : want - got;
        T_EXPECT(diff * 256u <= want, "p=%u ppm: got %llu, want %llu", ps[k],
                 (unsigned long long)got, (unsigned long long)want);
    }
    T_EXPECT(h.count == N);
    T_EXPECT(h.max == v[N - 1] && h.min == v[0]);
    T_EXPECT(ab_hist_mean_milli(&h) == sum / N * 1000u + sum % N * 1000u / N);
}

static void test_percentiles_small_values(void) { check_against_reference(1, 9); }
static void test_percentiles_wide_values(void) { check_against_reference(2, 36); }
static void test_percentiles_huge_values(void) { check_against_reference(3, 40); }

static void test_exact_below_256(void)
{
    static ab_hist h;
    ab_hist_clear(&h);
    for (uint64_t i = 1; i <= 100; i++)
        ab_hist_add(&h, i);
    T_EXPECT(ab_hist_percentile(&h, AB_P50) == 50);
    T_EXPECT(ab_hist_percentile(&h, AB_P99) == 99);
    T_EXPECT(ab_hist_percentile(&h, 1000000) == 100);
}

static void test_bucket_bounds(void)
{
    for (uint64_t v = 1; v < (1ull << 40); v = v * 3 + 1) {
        uint32_t b = ab_hist_bucket_of(v);
        T_REQUIRE(b < AB_HIST_BUCKETS);
        uint64_t lo = ab_hist_bucket_low(b);
        T_EXPECT(lo <= v, "v=%llu lo=%llu", (unsigned long long)v, (unsigned long long)lo);
        T_EXPECT(b + 1 >= AB_HIST_BUCKETS || ab_hist_bucket_low(b + 1) > v);
        T_EXPECT((v - lo) * 128u <= lo || v < 256);
        uint64_t hi = ab_hist_bucket_high(b);
        T_EXPECT(v < hi && (hi - lo) * 128u <= lo + 127u, "v=%llu [%llu, %llu)",
                 (unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi);
        T_EXPECT(b + 1 >= AB_HIST_BUCKETS || ab_hist_bucket_low(b + 1) == hi);
    }
}

/* Every value in a bucket is reported within 1/256 of itself: the promise
   holds at the worst points, the two ends of each bucket. */
static void test_bound_at_bucket_edges(void)
{
    static ab_hist h;
    for (uint32_t b = AB_HIST_EXACT; b + 1 < AB_HIST_BUCKETS; b += 37) {
        uint64_t ends[2] = {ab_hist_bucket_low(b), ab_hist_bucket_high(b) - 1u};
        for (int e = 0; e < 2; e++) {
            ab_hist_clear(&h);
            ab_hist_add(&h, 1); /* keeps min below, so no clamping hides an error */
            ab_hist_add(&h, ends[e]);
            ab_hist_add(&h, ends[e]);
            ab_hist_add(&h, ~0ull >> 20); /* and max above */
            uint64_t got = ab_hist_percentile(&h, AB_P50);
            uint64_t diff = got > ends[e] ? got - ends[e] : ends[e] - got;
            T_EXPECT(diff * 256u <= ends[e], "bucket %u value %llu reported %llu", b,
                     (unsigned long long)ends[e], (unsigned long long)got);
        }
    }
}

static void test_merge_equals_whole(void)
{
    static ab_hist a, b, whole;
    ab_hist_clear(&a);
    ab_hist_clear(&b);
    ab_hist_clear(&whole);
    ab_rng r;
    ab_rng_seed(&r, 9);
    for (int i = 0; i < 50000; i++) {
        uint64_t x = ab_rng_below(&r, 100000);
        ab_hist_add(i & 1 ? &a : &b, x);
        ab_hist_add(&whole, x);
    }
    ab_hist_merge(&a, &b);
    T_EXPECT(memcmp(&a, &whole, sizeof a) == 0);
}

static void test_empty(void)
{
    static ab_hist h;
    ab_hist_clear(&h);
    T_EXPECT(ab_hist_percentile(&h, AB_P50) == 0);
    T_EXPECT(ab_hist_mean_milli(&h) == 0);
}

int main(void)
{
    T_RUN(test_percentiles_small_values);
    T_RUN(test_percentiles_wide_values);
    T_RUN(test_percentiles_huge_values);
    T_RUN(test_exact_below_256);
    T_RUN(test_bucket_bounds);
    T_RUN(test_bound_at_bucket_edges);
    T_RUN(test_merge_equals_whole);
    T_RUN(test_empty);
    return t_finish();
}
