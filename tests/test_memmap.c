/*
 * The memory-map normalizer (core/memmap.c) on hand-built maps with
 * known answers: holes, unaligned, overlapping and unsorted regions,
 * sub-page regions, regions above 4 GiB, reserved-over-usable, 2^64 overflow.
 */
#include <inttypes.h>

#include "memmap.h"
#include "testlib.h"

#define K 0x400ull
#define M 0x100000ull
#define G 0x40000000ull

static void expect_spans(const ab_region *map, size_t n, const ab_span *want, size_t nwant)
{
    ab_span out[16];
    size_t got = 99;
    ab_status s = ab_memmap_to_spans(map, n, out, 16, &got);
    T_REQUIRE(s == AB_OK, "status %s", ab_status_name(s));
    T_EXPECT(got == nwant, "%zu spans, want %zu", got, nwant);
    for (size_t i = 0; i < got && i < nwant; i++)
        T_EXPECT(out[i].first_page == want[i].first_page && out[i].npages == want[i].npages,
                 "span %zu is [%" PRIu64 ", +%" PRIu64 "), want [%" PRIu64 ", +%" PRIu64 ")", i,
                 out[i].first_page, out[i].npages, want[i].first_page, want[i].npages);
    T_EXPECT(got == 0 || ab_spans_normalized(out, got), "output not normalized");
}

static void test_unaligned_rounds_inward(void)
{
    /* 0x1800..0x5800: pages 2,3,4 only (the partial first and last are out). */
    const ab_region map[] = {{0x1800, 0x4000, 1}};
    const ab_span want[] = {{2, 3}};
    expect_spans(map, 1, want, 1);
}

static void test_subpage_region_dropped(void)
{
    const ab_region map[] = {{0x1000, 0xfff, 1}, {0x10800, 0x1000, 1}};
    expect_spans(map, 2, NULL, 0);
}

static void test_unsorted_overlapping_adjacent_merge(void)
{
    const ab_region map[] = {
        {8 * M, 4 * M, 1}, {0, 640 * K, 1}, {1 * M, 4 * M, 1}, {3 * M, 2 * M, 1}, {5 * M, 3 * M, 1}};
    const ab_span want[] = {{0, 160}, {256, 11 * 256}};
    expect_spans(map, 5, want, 2);
}

static void test_reserved_wins_and_splits(void)
{
    /* A reserved byte inside usable memory takes its whole page. */
    const ab_region map[] = {{0, 16 * M, 1}, {4 * M + 10, 1, 2}, {15 * M, 2 * M, 2}};
    const ab_span want[] = {{0, 1024}, {1025, 15 * 256 - 1025}};
    expect_spans(map, 3, want, 2);
}

static void test_above_4g_and_overflow(void)
{
    const ab_region map[] = {{4 * G, 2 * G, 1}, {0xFFFFFFFFFFFFF000ull, 0x2000, 1},
                             {0x7000, UINT64_MAX, 2}, {0x1000, 0x3000, 1}};
    /* The reserved region runs past 2^64: everything from page 7 up goes. */
    const ab_span want[] = {{1, 3}};
    expect_spans(map, 4, want, 1);
    const ab_region map2[] = {{4 * G, 2 * G, 1}, {0xFFFFFFFFFFFFF000ull, 0x2000, 1}};
    /* The last page below 2^64 (page 2^52 - 1) is a valid page: kept. */
    const ab_span want2[] = {{4 * G >> 12, 2 * G >> 12}, {(1ull << 52) - 1, 1}};
    expect_spans(map2, 2, want2, 2);
}

/* A region ending exactly at 2^64 lost its top page (the end address
   wrapped to 0 and was clamped to 2^64 - 1, then rounded down). */
static void test_top_page_at_2_64(void)
{
    const ab_region map[] = {{0xFFFFFFFFFFFF0000ull, 0x10000, 1}};
    const ab_span want[] = {{(1ull << 52) - 16, 16}};
    expect_spans(map, 1, want, 1);
    /* Reserved up to 2^64 exactly takes the top page too. */
    const ab_region map2[] = {{0xFFFFFFFFFFFF0000ull, 0x10000, 1},
                              {0xFFFFFFFFFFFFF000ull, 0x1000, 2}};
    const ab_span want2[] = {{(1ull << 52) - 16, 15}};
    expect_spans(map2, 2, want2, 1);
}

static void test_zero_length_and_empty_map(void)
{
    const ab_region map[] = {{0x1000, 0, 1}, {0x2000, 0, 2}};
    expect_spans(map, 2, NULL, 0);
    expect_spans(map, 0, NULL, 0);
}

static void test_capacity_too_small(void)
{
    const ab_region map[] = {{0, M, 1}, {2 * M, M, 1}, {4 * M, M, 1}};
    ab_span out[2];
    size_t n = 7;
    T_EXPECT(ab_memmap_to_spans(map, 3, out, 2, &n) == AB_ENOMEM && n == 0);
    T_EXPECT(ab_memmap_to_spans(NULL, 3, out, 2, &n) == AB_EINVAL);
}

static void test_remove_cuts_and_splits(void)
{
    ab_span s[4] = {{0, 100}, {200, 100}};
    size_t n = 2;
    T_EXPECT(ab_spans_remove(s, &n, 4, 50, 10) == AB_OK && n == 3);
    T_EXPECT(s[0].npages == 50 && s[1].first_page == 60 && s[1].npages == 40 && s[2].first_page == 200);
    T_EXPECT(ab_spans_remove(s, &n, 4, 90, 150) == AB_OK && n == 3);
    T_EXPECT(s[1].npages == 30 && s[2].first_page == 240 && s[2].npages == 60);
    T_EXPECT(ab_spans_remove(s, &n, 4, 0, 1000) == AB_OK && n == 0);
    ab_span f[2] = {{0, 100}, {200, 10}};
    n = 2;
    T_EXPECT(ab_spans_remove(f, &n, 2, 10, 10) == AB_ENOMEM && n == 2 && f[0].npages == 100,
             "a split without room must fail and change nothing");
    T_EXPECT(ab_spans_pages(f, n) == 110);
}

int main(void)
{
    T_RUN(test_unaligned_rounds_inward);
    T_RUN(test_subpage_region_dropped);
    T_RUN(test_unsorted_overlapping_adjacent_merge);
    T_RUN(test_reserved_wins_and_splits);
    T_RUN(test_above_4g_and_overflow);
    T_RUN(test_top_page_at_2_64);
    T_RUN(test_zero_length_and_empty_map);
    T_RUN(test_capacity_too_small);
    T_RUN(test_remove_cuts_and_splits);
    return t_finish();
}
