/* core/frag: the formulas on hand-built free-run states with known
 * answers (worked by hand from mm/vmstat.c's definitions). */
#include "core/frag.h"
#include "testlib.h"

static ab_frag of_runs(const uint64_t (*runs)[2], size_t n)
{
    ab_frag f;
    ab_frag_clear(&f);
    for (size_t i = 0; i < n; i++)
        ab_frag_add_run(&f, runs[i][0], runs[i][1]);
    ab_frag_finish(&f);
    return f;
}

static void test_one_aligned_block(void)
{
    const uint64_t runs[][2] = {{0, 1024}};
    ab_frag f = of_runs(runs, 1);
    T_EXPECT(f.blocks[10] == 1 && f.blocks[0] == 0);
    T_EXPECT(f.free_pages == 1024 && f.largest_free_run == 1024 && f.free_runs == 1);
    T_EXPECT(f.ext_frag_ppm == 0);
    T_EXPECT(f.free_2m_blocks == 2);
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++) {
        T_EXPECT(f.unusable_pm[o] == 0, "o%u: %d", o, f.unusable_pm[o]);
        T_EXPECT(f.extfrag_pm[o] == -1000, "o%u: %d", o, f.extfrag_pm[o]);
    }
}

/* Pages 1..7: blocks {1}, {2,3}, {4..7}: one each of order 0, 1, 2. */
static void test_unaligned_run(void)
{
    const uint64_t runs[][2] = {{1, 7}};
    ab_frag f = of_runs(runs, 1);
    T_EXPECT(f.blocks[0] == 1 && f.blocks[1] == 1 && f.blocks[2] == 1 && f.blocks[3] == 0);
    T_EXPECT(f.unusable_pm[0] == 0);
    T_EXPECT(f.unusable_pm[1] == 142, "%d", f.unusable_pm[1]); /* (7-6)*1000/7 */
    T_EXPECT(f.unusable_pm[2] == 428, "%d", f.unusable_pm[2]); /* (7-4)*1000/7 */
    T_EXPECT(f.unusable_pm[3] == 1000);
    T_EXPECT(f.extfrag_pm[2] == -1000);
    /* 1000 - (1000 + 7*1000/8) / 3 = 1000 - 1875/3 = 375 */
    T_EXPECT(f.extfrag_pm[3] == 375, "%d", f.extfrag_pm[3]);
    /* order 4: 1000 - (1000 + 7000/16)/3 = 1000 - 1437/3 = 521 */
    T_EXPECT(f.extfrag_pm[4] == 521, "%d", f.extfrag_pm[4]);
    T_EXPECT(f.free_2m_blocks == 0);
}

static void test_two_single_pages(void)
{
    const uint64_t runs[][2] = {{0, 1}, {2, 1}};
    ab_frag f = of_runs(runs, 2);
    T_EXPECT(f.blocks[0] == 2);
    T_EXPECT(f.ext_frag_ppm == 500000);
    T_EXPECT(f.unusable_pm[1] == 1000);
    T_EXPECT(f.extfrag_pm[1] == 0, "%d", f.extfrag_pm[1]); /* 1000 - 2000/2 */
    T_EXPECT(f.extfrag_pm[0] == -1000);
}

static void test_nothing_free(void)
{
    ab_frag f = of_runs(NULL, 0);
    T_EXPECT(f.free_pages == 0 && f.ext_frag_ppm == 0);
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++) {
        T_EXPECT(f.unusable_pm[o] == 1000);
        T_EXPECT(f.extfrag_pm[o] == 0);
    }
}

/* 3 runs: 100 + 300 + 600 pages, largest 600 of 1000: ext_frag 0.4. */
static void test_ext_frag(void)
{
    const uint64_t runs[][2] = {{0, 100}, {1000, 300}, {5000, 600}};
    ab_frag f = of_runs(runs, 3);
    T_EXPECT(f.free_pages == 1000 && f.largest_free_run == 600 && f.free_runs == 3);
    T_EXPECT(f.ext_frag_ppm == 400000, "%u", f.ext_frag_ppm);
    uint64_t pages = 0;
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++)
        pages += f.blocks[o] << o;
    T_EXPECT(pages == 1000);
}

static void test_2m_blocks(void)
{
    const uint64_t runs[][2] = {{511, 1025}, {2048, 511}, {4096, 512}};
    ab_frag f = of_runs(runs, 3);
    /* [512,1024) and [1024,1536) in the first; none in the second; one. */
    T_EXPECT(f.free_2m_blocks == 3, "%llu", (unsigned long long)f.free_2m_blocks);
}

static void test_large_run_top_order(void)
{
    /* 8M pages from an unaligned start: the middle is counted in bulk. */
    const uint64_t runs[][2] = {{3, 8u << 20}};
    ab_frag f = of_runs(runs, 1);
    uint64_t pages = 0;
    for (unsigned o = 0; o < AB_FRAG_ORDERS; o++)
        pages += f.blocks[o] << o;
    T_EXPECT(pages == 8u << 20);
    T_EXPECT(f.blocks[10] == (8u << 10) - 1, "%llu", (unsigned long long)f.blocks[10]);
    T_EXPECT(f.unusable_pm[10] == 0); /* (8M - 8191*1024)*1000/8M = 0.12 -> 0 */
}

int main(void)
{
    T_RUN(test_one_aligned_block);
    T_RUN(test_unaligned_run);
    T_RUN(test_two_single_pages);
    T_RUN(test_nothing_free);
    T_RUN(test_ext_frag);
    T_RUN(test_2m_blocks);
    T_RUN(test_large_run_top_order);
    return t_finish();
}
