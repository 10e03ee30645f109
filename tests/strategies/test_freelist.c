/* Tests specific to the freelist strategy (address-ordered ranges, first
 * fit, coalescing). */
#include <stdint.h>
#include <time.h>

#include "../../strategies/freelist/freelist.h"
#include "strategy_util.h"
#include "testlib.h"
#include "edge_util.h"

#define ST (&ab_strategy_freelist)
#define PG(p) ((uint64_t)(p) << AB_PAGE_SHIFT)
/* RUNS_ARE, RUNS_NONE: edge_util.h */

static ab_status open1(t_inst *ti, uint64_t first, uint64_t npages)
{
    ab_span sp = {first, npages};
    return t_inst_open(ti, ST, &sp, 1);
}

static void alloc_each(t_inst *ti, int count)
{
    uint64_t a;
    for (int i = 0; i < count; i++)
        T_EXPECT(t_alloc(ti, 1, 0, &a) == AB_OK);
}

static void test_coalesce_left_right_both_neither(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 16) == AB_OK);
    alloc_each(&ti, 10); /* pages 0..9 */
    RUNS_ARE(&ti, 10, 6);
    T_EXPECT(t_free(&ti, PG(2), 1) == AB_OK); /* neither */
    RUNS_ARE(&ti, 2, 1, 10, 6);
    T_EXPECT(t_free(&ti, PG(3), 1) == AB_OK); /* left */
    RUNS_ARE(&ti, 2, 2, 10, 6);
    T_EXPECT(t_free(&ti, PG(5), 1) == AB_OK); /* neither, between two */
    RUNS_ARE(&ti, 2, 2, 5, 1, 10, 6);
    T_EXPECT(t_free(&ti, PG(4), 1) == AB_OK); /* both */
    RUNS_ARE(&ti, 2, 4, 10, 6);
    T_EXPECT(t_free(&ti, PG(9), 1) == AB_OK); /* right */
    RUNS_ARE(&ti, 2, 4, 9, 7);
    T_EXPECT(t_free(&ti, PG(1), 1) == AB_OK); /* right, at the head */
    RUNS_ARE(&ti, 1, 5, 9, 7);
    T_EXPECT(t_free(&ti, PG(6), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(8), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(7), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0), 1) == AB_OK);
    RUNS_ARE(&ti, 0, 16);
    t_inst_close(&ti);
}

/* Seed 000's buddy: the merge path followed NULL neighbours, and a free past
 * every free block dereferenced NULL. Merge at both ends of the list, free
 * into an empty list, before the head and past the tail. */
static void test_free_at_both_ends_of_the_list(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 100, 20) == AB_OK);
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 20, 0, &a) == AB_OK && a == PG(100));
    RUNS_NONE(&ti);
    T_EXPECT(t_free(&ti, a, 20) == AB_OK); /* into an empty list */
    RUNS_ARE(&ti, 100, 20);
    uint64_t b[5];
    T_REQUIRE(t_alloc(&ti, 4, 0, &b[0]) == AB_OK && b[0] == PG(100));
    for (int i = 1; i < 5; i++)
        T_REQUIRE(t_alloc(&ti, 4, 0, &b[i]) == AB_OK && b[i] == PG(100 + 4 * i));
    T_EXPECT(t_free(&ti, b[2], 4) == AB_OK); /* only range */
    RUNS_ARE(&ti, 108, 4);
    T_EXPECT(t_free(&ti, b[4], 4) == AB_OK); /* past every free range */
    RUNS_ARE(&ti, 108, 4, 116, 4);
    T_EXPECT(t_free(&ti, b[0], 4) == AB_OK); /* before the head */
    RUNS_ARE(&ti, 100, 4, 108, 4, 116, 4);
    T_EXPECT(t_free(&ti, b[3], 4) == AB_OK); /* merges with the tail and its left */
    RUNS_ARE(&ti, 100, 4, 108, 12);
    T_EXPECT(t_free(&ti, b[1], 4) == AB_OK); /* merges with the head and the tail */
    RUNS_ARE(&ti, 100, 20);

    /* Left merge onto the tail, right merge onto the head. */
    T_REQUIRE(t_alloc(&ti, 20, 0, &a) == AB_OK);
    T_EXPECT(t_free(&ti, a, 20) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 5, 0, &b[0]) == AB_OK);  /* 100..104 */
    T_REQUIRE(t_alloc(&ti, 10, 0, &b[1]) == AB_OK); /* 105..114 */
    T_REQUIRE(t_alloc(&ti, 5, 0, &b[2]) == AB_OK);  /* 115..119 */
    T_EXPECT(t_free(&ti, b[1], 10) == AB_OK);
    RUNS_ARE(&ti, 105, 10);
    T_EXPECT(t_free(&ti, b[2], 5) == AB_OK); /* left merge, page past it is the span end */
    RUNS_ARE(&ti, 105, 15);
    T_EXPECT(t_free(&ti, b[0], 5) == AB_OK); /* right merge into the head */
    RUNS_ARE(&ti, 100, 20);
    t_inst_close(&ti);
}

/* Seed 001: a hint that always moved made the lowest free range unreachable.
 * First fit takes the lowest address that fits, whatever came before. */
static void test_first_fit_takes_lowest_address(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 64) == AB_OK);
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 40, 0, &a) == AB_OK && a == 0);
    /* Holes: 10..12 (3), 20..24 (5), 30..31 (2); 40..63 free. */
    T_REQUIRE(t_free(&ti, 0, 40) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 10, 0, &a) == AB_OK && a == PG(0));
    T_REQUIRE(t_alloc(&ti, 3, 0, &a) == AB_OK && a == PG(10));
    T_REQUIRE(t_alloc(&ti, 7, 0, &a) == AB_OK && a == PG(13));
    T_REQUIRE(t_alloc(&ti, 5, 0, &a) == AB_OK && a == PG(20));
    T_REQUIRE(t_alloc(&ti, 5, 0, &a) == AB_OK && a == PG(25));
    T_REQUIRE(t_alloc(&ti, 2, 0, &a) == AB_OK && a == PG(30));
    T_REQUIRE(t_alloc(&ti, 8, 0, &a) == AB_OK && a == PG(32));
    T_EXPECT(t_free(&ti, PG(10), 3) == AB_OK);
    T_EXPECT(t_free(&ti, PG(20), 5) == AB_OK);
    T_EXPECT(t_free(&ti, PG(30), 2) == AB_OK);
    RUNS_ARE(&ti, 10, 3, 20, 5, 30, 2, 40, 24);
    T_EXPECT(t_alloc(&ti, 4, 0, &a) == AB_OK && a == PG(20));
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_OK && a == PG(10));
    T_EXPECT(t_alloc(&ti, 6, 0, &a) == AB_OK && a == PG(40));
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == PG(12));
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == PG(24));
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == PG(30));
    /* A free far above the cursor of the last allocation is still found. */
    T_EXPECT(t_free(&ti, PG(20), 4) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == PG(20));
    t_inst_close(&ti);
}

/* Seed 000's buddy used the last block even when it was too small. */
static void test_alloc_never_takes_a_range_too_small(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 32) == AB_OK);
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 30, 0, &a) == AB_OK);
    T_REQUIRE(t_free(&ti, a, 30) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 4, 0, &a) == AB_OK && a == 0);
    T_REQUIRE(t_alloc(&ti, 26, 0, &a) == AB_OK && a == PG(4));
    T_REQUIRE(t_free(&ti, 0, 4) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK && a == 0);
    RUNS_ARE(&ti, 1, 3, 30, 2);
    size_t len = ti.meta_len;
    unsigned char *before = t_meta_copy(&ti);
    T_REQUIRE(before != NULL);
    T_EXPECT(t_alloc(&ti, 4, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 2, 8, &a) == AB_ENOMEM); /* neither 1 nor 30 is aligned */
    T_EXPECT(t_alloc(&ti, 3, 2, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 40, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, UINT64_MAX, 0, &a) == AB_ENOMEM);
    T_EXPECT(memcmp(before, ti.meta, len) == 0, "a failed alloc changed the metadata");
    free(before);
    t_inst_close(&ti);
}

static void test_alignment_splits_range_in_three(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0x101, 100) == AB_OK); /* 0x101 .. 0x164 */
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 4, 16, &a) == AB_OK);
    T_EXPECT(a == PG(0x110), "got %llx", (unsigned long long)a);
    RUNS_ARE(&ti, 0x101, 15, 0x114, 0x51);
    /* The head is kept for later small requests: still first fit. */
    uint64_t b;
    T_EXPECT(t_alloc(&ti, 2, 0, &b) == AB_OK && b == PG(0x101));
    RUNS_ARE(&ti, 0x103, 13, 0x114, 0x51);
    /* Alignment cutting the head, no tail left. */
    uint64_t c;
    T_EXPECT(t_alloc(&ti, 0x4d, 8, &c) == AB_OK && c == PG(0x118));
    RUNS_ARE(&ti, 0x103, 13, 0x114, 4);
    T_EXPECT(t_free(&ti, a, 4) == AB_OK);
    RUNS_ARE(&ti, 0x103, 21); /* merged with both: 0x103..0x117 */
    T_EXPECT(t_free(&ti, c, 0x4d) == AB_OK);
    T_EXPECT(t_free(&ti, b, 2) == AB_OK);
    RUNS_ARE(&ti, 0x101, 100);
    t_inst_close(&ti);
}

/* Alignment is absolute, not relative to the span start; above 4 GiB too. */
static void test_alignment_is_absolute(void)
{
    ab_span sp[2] = {{3, 20}, {0x100003, 0x400}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 2) == AB_OK);
    uint64_t a;
    T_EXPECT(t_alloc(&ti, 1, 8, &a) == AB_OK && a == PG(8));
    T_EXPECT(t_alloc(&ti, 8, 8, &a) == AB_OK && a == PG(0x100008)); /* 16..23 is not managed */
    T_EXPECT(t_free(&ti, a, 8) == AB_OK);
    T_EXPECT(t_alloc(&ti, 7, 8, &a) == AB_OK && a == PG(16));
    T_EXPECT(t_alloc(&ti, 1, 512, &a) == AB_OK && a == PG(0x100200));
    T_EXPECT(t_alloc(&ti, 512, 512, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 0x200, 0x200, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 0x1fc, 4, &a) == AB_OK && a == PG(0x100004));
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_exhaustion_then_recovery(void)
{
    ab_span sp[2] = {{0x100000, 300}, {0x100200, 200}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 2) == AB_OK);
    uint64_t a[500], x;
    for (int i = 0; i < 500; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a[i]) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM);
    ab_stats s = t_stats(&ti);
    T_EXPECT(s.free_pages == 0 && s.free_runs == 0 && s.largest_free_run == 0);
    RUNS_NONE(&ti);
    /* Free in a scrambled order (stride 7 is coprime with 500). */
    for (int i = 0, j = 0; i < 500; i++, j = (j + 7) % 500)
        T_EXPECT(t_free(&ti, a[j], 1) == AB_OK);
    RUNS_ARE(&ti, 0x100000, 300, 0x100200, 200);
    T_EXPECT(t_alloc(&ti, 301, 0, &x) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 300, 0, &x) == AB_OK && x == PG(0x100000));
    T_EXPECT(t_alloc(&ti, 200, 0, &x) == AB_OK && x == PG(0x100200));
    T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, PG(0x100000), 300) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0x100200), 200) == AB_OK);
    RUNS_ARE(&ti, 0x100000, 300, 0x100200, 200);
    t_inst_close(&ti);
}

/* The node bound: every other page allocated, in every span, reached both
 * by frees (new nodes) and by aligned splits in three, never runs out. */
static void test_node_bound_every_other_page(void)
{
    ab_span sp[3] = T_EOP_SPANS;
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    /* New nodes from frees (span 1) and from splits in three (span 0), to
       the bound, then merged back. */
    t_every_other_page(&ti);
    uint64_t a;
    /* And reach the bound again, from recycled nodes. */
    for (uint64_t i = 0; i < 2002; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_ENOMEM);
    for (uint64_t p = 1; p <= 1001; p += 2)
        T_EXPECT(t_free(&ti, PG(p), 1) == AB_OK);
    for (uint64_t p = 2000; p < 3000; p += 2)
        T_EXPECT(t_free(&ti, PG(p), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(4000), 1) == AB_OK);
    T_EXPECT(t_stats(&ti).free_runs == 1002);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* EDOUBLE iff the first page is free; ESIZE for every other mismatch; a
 * failed free changes nothing. */
static void test_free_errors_are_exact(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0x200, 40) == AB_OK);
    t_free_errors_exact(&ti, 0x200, 40, 4, 6, 2);
    t_inst_close(&ti);
}

/* Spans whose index ranges end on a chunk boundary must not merge. */
static void test_runs_never_cross_spans(void)
{
    ab_span sp[3] = {{0x0ff800, 0x800}, {0x100001, 1024}, {0x200000, 2048}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    RUNS_ARE(&ti, 0x0ff800, 0x800, 0x100001, 1024, 0x200000, 2048);
    uint64_t a[3];
    for (int i = 0; i < 3; i++)
        T_REQUIRE(t_alloc(&ti, sp[i].npages, 0, &a[i]) == AB_OK &&
                  a[i] == PG(sp[i].first_page));
    T_EXPECT(t_alloc(&ti, 1, 0, &a[0]) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, PG(0x100000), 1) == AB_ERANGE);
    T_EXPECT(t_free(&ti, PG(0x0ff800), 0x802) == AB_ERANGE);
    T_EXPECT(t_free(&ti, PG(0x200000), 2048) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0x0ff800), 0x800) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0x100001), 1024) == AB_OK);
    RUNS_ARE(&ti, 0x0ff800, 0x800, 0x100001, 1024, 0x200000, 2048);
    ab_stats s = t_stats(&ti);
    T_EXPECT(s.total_pages == 0x800 + 1024 + 2048 && s.free_pages == s.total_pages);
    T_EXPECT(s.largest_free_run == 2048 && s.meta_bytes == ST->meta_bytes(sp, 3));
    t_inst_close(&ti);
}

/* Seed 002: frame 0 could never be freed. */
static void test_page_zero_can_be_freed(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 3) == AB_OK);
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK && a == 0);
    T_EXPECT(t_free(&ti, 0, 1) == AB_OK);
    RUNS_ARE(&ti, 0, 3);
    /* Page 0 is aligned to everything. */
    T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 40, &a) == AB_OK && a == 0);
    T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 40, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 63, &a) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, 0, 1) == AB_OK);
    T_EXPECT(t_alloc(&ti, 3, (uint64_t)1 << 63, &a) == AB_OK && a == 0);
    t_inst_close(&ti);
}

static void test_init_rejects_bad_input(void)
{
    ab_span bad[2] = {{10, 5}, {15, 5}};
    ab_span good = {10, 5};
    t_init_rejects(ST, bad, 2, &good, 8);
    ab_span huge = {0, (uint64_t)1 << 32};
    T_EXPECT(ST->meta_bytes(&huge, 1) == 0);
    ab_span two[2] = {{0, (uint64_t)1 << 31}, {((uint64_t)1 << 31) + 1, (uint64_t)1 << 31}};
    T_EXPECT(ST->meta_bytes(two, 2) == 0);
}

static void test_check_counts_corruption(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 128) == AB_OK);
    uint64_t a, b;
    T_REQUIRE(t_alloc(&ti, 3, 0, &a) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 3, 0, &b) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    /* Find the start-bit word: the first byte after the header that a free
     * changes without changing the list. */
    unsigned char *copy = t_meta_copy(&ti);
    T_REQUIRE(copy != NULL);
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK); /* page 6 */
    size_t diff = t_meta_first_diff(&ti, copy, 128);
    T_REQUIRE(diff != 0);
    ((unsigned char *)ti.meta)[diff] |= 0x80; /* a start bit on free page 7 */
    T_EXPECT(t_check(&ti) > 0);
    free(copy);
    t_inst_close(&ti);
}

/* Seed 002: init was a per-frame loop. 64 GiB above 4 GiB inits fast, and
 * the node pool is not touched. */
static void test_init_64g_fast(void)
{
    ab_span sp = {0x100000, (uint64_t)16 << 20};
    unsigned char *m = t_init_timed(ST, &sp, (size_t)140 << 20, 0.1);
    T_REQUIRE(m != NULL);
    uint64_t a;
    T_EXPECT(ST->alloc(m, sp.npages, 512, &a) == AB_OK && a == PG(0x100000));
    T_EXPECT(ST->free(m, a, sp.npages - 1) == AB_ESIZE);
    T_EXPECT(ST->free(m, a, sp.npages) == AB_OK);
    T_EXPECT(ST->alloc(m, 512, 512, &a) == AB_OK && a == PG(0x100000));
    T_EXPECT(ST->check(m) == 0);
    free(m);
}

int main(void)
{
    T_RUN(test_coalesce_left_right_both_neither);
    T_RUN(test_free_at_both_ends_of_the_list);
    T_RUN(test_first_fit_takes_lowest_address);
    T_RUN(test_alloc_never_takes_a_range_too_small);
    T_RUN(test_alignment_splits_range_in_three);
    T_RUN(test_alignment_is_absolute);
    T_RUN(test_exhaustion_then_recovery);
    T_RUN(test_node_bound_every_other_page);
    T_RUN(test_free_errors_are_exact);
    T_RUN(test_runs_never_cross_spans);
    T_RUN(test_page_zero_can_be_freed);
    T_RUN(test_init_rejects_bad_input);
    T_RUN(test_check_counts_corruption);
    T_RUN(test_init_64g_fast);
    return t_finish();
}
