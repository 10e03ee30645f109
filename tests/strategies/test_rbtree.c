/* Tests specific to the rbtree strategy (free ranges in an augmented
 * red-black tree, lowest fit, coalescing). */
#include <stdint.h>
#include <time.h>

#include "../../strategies/rbtree/rbtree.h"
#include "strategy_util.h"
#include "testlib.h"
#include "edge_util.h"

#define ST (&ab_strategy_rbtree)
#define PG(p) ((uint64_t)(p) << AB_PAGE_SHIFT)
/* walk_free() collectors: tests/strategy_util.h */
#define MAXRUNS T_MAXRUNS
typedef t_runs runs;
#define runs_add t_runs_add

static runs r_;

/* RUNS_ARE, RUNS_NONE: edge_util.h */

static ab_status open1(t_inst *ti, uint64_t first, uint64_t npages)
{
    ab_span sp = {first, npages};
    return t_inst_open(ti, ST, &sp, 1);
}

/* Allocates every page of [first, first + count) one at a time, in order. */
static void alloc_singles(t_inst *ti, uint64_t first, uint64_t count)
{
    uint64_t a;
    for (uint64_t i = 0; i < count; i++)
        T_EXPECT(t_alloc(ti, 1, 0, &a) == AB_OK && a == PG(first + i));
}

/* Frees single pages [first, first + count). */
static void free_singles(t_inst *ti, uint64_t first, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        T_EXPECT(t_free(ti, PG(first + i), 1) == AB_OK);
}

static void test_merge_left_right_both_neither(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 32) == AB_OK);
    alloc_singles(&ti, 0, 20);
    RUNS_ARE(&ti, 20, 12);
    T_EXPECT(t_free(&ti, PG(4), 1) == AB_OK); /* neither */
    RUNS_ARE(&ti, 4, 1, 20, 12);
    T_EXPECT(t_free(&ti, PG(5), 1) == AB_OK); /* left */
    RUNS_ARE(&ti, 4, 2, 20, 12);
    T_EXPECT(t_free(&ti, PG(8), 1) == AB_OK); /* neither, between two */
    T_EXPECT(t_free(&ti, PG(12), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(16), 1) == AB_OK);
    RUNS_ARE(&ti, 4, 2, 8, 1, 12, 1, 16, 1, 20, 12);
    T_EXPECT(t_free(&ti, PG(7), 1) == AB_OK); /* right */
    RUNS_ARE(&ti, 4, 2, 7, 2, 12, 1, 16, 1, 20, 12);
    T_EXPECT(t_free(&ti, PG(6), 1) == AB_OK); /* both */
    RUNS_ARE(&ti, 4, 5, 12, 1, 16, 1, 20, 12);
    T_EXPECT(t_free(&ti, PG(19), 1) == AB_OK); /* right, into the largest */
    RUNS_ARE(&ti, 4, 5, 12, 1, 16, 1, 19, 13);
    free_singles(&ti, 9, 3); /* left, left, both */
    RUNS_ARE(&ti, 4, 9, 16, 1, 19, 13);
    T_EXPECT(t_free(&ti, PG(17), 1) == AB_OK);
    T_EXPECT(t_free(&ti, PG(18), 1) == AB_OK); /* both, the last gap above */
    RUNS_ARE(&ti, 4, 9, 16, 16);
    free_singles(&ti, 13, 3);
    RUNS_ARE(&ti, 4, 28);
    free_singles(&ti, 0, 4); /* right merges at the lowest address */
    RUNS_ARE(&ti, 0, 32);
    t_inst_close(&ti);
}

/* Both-neighbour merges whose nodes sit deep in the tree: many ranges, the
 * gaps between them freed in a scrambled order. */
static void test_merge_both_in_a_deep_tree(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0x1000, 2000) == AB_OK);
    alloc_singles(&ti, 0x1000, 2000);
    for (uint64_t p = 0; p < 2000; p += 2)
        T_EXPECT(t_free(&ti, PG(0x1000 + p), 1) == AB_OK);
    T_EXPECT(t_stats(&ti).free_runs == 1000 && t_check(&ti) == 0);
    for (uint64_t i = 0, j = 0; i < 1000; i++, j = (j + 17) % 1000)
        T_EXPECT(t_free(&ti, PG(0x1000 + 2 * j + 1), 1) == AB_OK);
    RUNS_ARE(&ti, 0x1000, 2000);
    t_inst_close(&ti);
}

static void test_alignment_splits_range_in_three(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0x203, 200) == AB_OK); /* 0x203 .. 0x2ca */
    uint64_t a, b, c;
    T_REQUIRE(t_alloc(&ti, 8, 32, &a) == AB_OK);
    T_EXPECT(a == PG(0x220), "got %llx", (unsigned long long)a);
    RUNS_ARE(&ti, 0x203, 0x1d, 0x228, 0xa3);
    /* The head serves a later small request. */
    T_EXPECT(t_alloc(&ti, 5, 0, &b) == AB_OK && b == PG(0x203));
    RUNS_ARE(&ti, 0x208, 0x18, 0x228, 0xa3);
    /* An alignment that keeps a head and leaves no tail. */
    T_EXPECT(t_alloc(&ti, 0x9b, 16, &c) == AB_OK && c == PG(0x230));
    RUNS_ARE(&ti, 0x208, 0x18, 0x228, 8);
    T_EXPECT(t_free(&ti, a, 8) == AB_OK); /* both neighbours */
    RUNS_ARE(&ti, 0x208, 0x28);
    T_EXPECT(t_free(&ti, c, 0x9b) == AB_OK);
    RUNS_ARE(&ti, 0x208, 0xc3);
    T_EXPECT(t_free(&ti, b, 5) == AB_OK);
    RUNS_ARE(&ti, 0x203, 200);
    t_inst_close(&ti);
}

/* The lowest-address fit: after two holes are freed, the lower one that
 * holds n pages is taken, wherever the last allocation was. */
static void test_lowest_address_fit(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 256) == AB_OK);
    uint64_t a[8], x;
    for (int i = 0; i < 8; i++)
        T_REQUIRE(t_alloc(&ti, 16, 0, &a[i]) == AB_OK && a[i] == PG(16 * i));
    T_EXPECT(t_free(&ti, a[5], 16) == AB_OK); /* hole at 80, 16 pages */
    T_EXPECT(t_free(&ti, a[2], 16) == AB_OK); /* hole at 32, 16 pages */
    T_EXPECT(t_free(&ti, a[6], 16) == AB_OK); /* 80..111 now */
    RUNS_ARE(&ti, 32, 16, 80, 32, 128, 128);
    T_EXPECT(t_alloc(&ti, 20, 0, &x) == AB_OK && x == PG(80)); /* 32 too small */
    T_EXPECT(t_alloc(&ti, 10, 0, &x) == AB_OK && x == PG(32)); /* lower hole first */
    T_EXPECT(t_alloc(&ti, 10, 0, &x) == AB_OK && x == PG(100)); /* 42 has 6 */
    T_EXPECT(t_alloc(&ti, 6, 0, &x) == AB_OK && x == PG(42));
    T_EXPECT(t_alloc(&ti, 3, 0, &x) == AB_OK && x == PG(128)); /* 110 has 2 */
    T_EXPECT(t_alloc(&ti, 2, 0, &x) == AB_OK && x == PG(110));
    T_EXPECT(t_alloc(&ti, 200, 0, &x) == AB_ENOMEM);
    t_inst_close(&ti);
}

/* The documented policy for align > 1: up to RB_ALIGN_PROBES ranges of
 * >= n pages in address order, then the lowest of >= n + align - 1. Ranges
 * of 4 pages at 16k + 1 cannot hold 4 pages aligned to 8; 512..519 can;
 * 600..639 always can. */
static void probe_setup(t_inst *ti, unsigned unfit, bool big)
{
    T_REQUIRE(open1(ti, 0, 1024) == AB_OK);
    alloc_singles(ti, 0, 1024);
    for (unsigned k = 0; k < unfit; k++)
        free_singles(ti, 16u * k + 1u, 4);
    free_singles(ti, 512, 8);
    if (big)
        free_singles(ti, 600, 40);
}

static void test_aligned_search_policy(void)
{
    t_inst ti;
    uint64_t x;
    /* Fewer misfits than probes: the lowest fit. */
    probe_setup(&ti, RB_ALIGN_PROBES - 1u, true);
    T_EXPECT(t_alloc(&ti, 4, 8, &x) == AB_OK && x == PG(512));
    t_inst_close(&ti);
    /* As many misfits as probes: past them, the lowest range of >= 11. */
    probe_setup(&ti, RB_ALIGN_PROBES, true);
    T_EXPECT(t_alloc(&ti, 4, 8, &x) == AB_OK && x == PG(600));
    T_EXPECT(t_alloc(&ti, 4, 0, &x) == AB_OK && x == PG(1)); /* align 1: never a miss */
    t_inst_close(&ti);
    /* The documented miss: only a range of fewer than n + align - 1 fits. */
    probe_setup(&ti, RB_ALIGN_PROBES, false);
    T_EXPECT(t_alloc(&ti, 4, 8, &x) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 8, 8, &x) == AB_OK && x == PG(512)); /* the only 8 */
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_alignment_is_absolute(void)
{
    ab_span sp[2] = {{5, 30}, {0x200005, 0x800}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 2) == AB_OK);
    uint64_t a;
    T_EXPECT(t_alloc(&ti, 1, 16, &a) == AB_OK && a == PG(16));
    T_EXPECT(t_alloc(&ti, 16, 16, &a) == AB_OK && a == PG(0x200010)); /* 32..47 unmanaged */
    T_EXPECT(t_alloc(&ti, 1024, 1024, &a) == AB_OK && a == PG(0x200400));
    T_EXPECT(t_alloc(&ti, 1024, 1024, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 512, 512, &a) == AB_OK && a == PG(0x200200));
    T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 62, &a) == AB_ENOMEM);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_free_errors_are_exact(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0x300, 50) == AB_OK);
    t_free_errors_exact(&ti, 0x300, 50, 5, 7, 3);
    t_inst_close(&ti);
}

static void test_exhaustion_then_recovery(void)
{
    ab_span sp[3] = {{0x10, 300}, {0x400, 257}, {0x100000, 1}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    uint64_t a[558], x;
    for (int i = 0; i < 558; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a[i]) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM);
    ab_stats s = t_stats(&ti);
    T_EXPECT(s.free_pages == 0 && s.free_runs == 0 && s.largest_free_run == 0);
    RUNS_NONE(&ti);
    for (int i = 0, j = 0; i < 558; i++, j = (j + 13) % 558) /* 13 coprime with 558 */
        T_EXPECT(t_free(&ti, a[j], 1) == AB_OK);
    RUNS_ARE(&ti, 0x10, 300, 0x400, 257, 0x100000, 1);
    T_EXPECT(t_alloc(&ti, 301, 0, &x) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 257, 0, &x) == AB_OK && x == PG(0x10));
    T_EXPECT(t_alloc(&ti, 257, 0, &x) == AB_OK && x == PG(0x400));
    T_EXPECT(t_alloc(&ti, 43, 0, &x) == AB_OK && x == PG(0x111));
    T_EXPECT(t_alloc(&ti, 2, 0, &x) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_OK && x == PG(0x100000));
    T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM);
    RUNS_NONE(&ti);
    t_inst_close(&ti);
}

/* The slot pool: every other page free in every span (the most ranges),
 * reached by frees and by aligned splits in three, then merged back. */
static void test_every_other_page_free(void)
{
    ab_span sp[3] = T_EOP_SPANS;
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    t_every_other_page(&ti);
    t_inst_close(&ti);
}

static void test_runs_never_cross_spans(void)
{
    ab_span sp[3] = {{0x7fc00, 0x400}, {0x80001, 1023}, {0x90000, 4096}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    RUNS_ARE(&ti, 0x7fc00, 0x400, 0x80001, 1023, 0x90000, 4096);
    uint64_t a[3];
    for (int i = 0; i < 3; i++)
        T_REQUIRE(t_alloc(&ti, sp[i].npages, 0, &a[i]) == AB_OK &&
                  a[i] == PG(sp[i].first_page));
    T_EXPECT(t_free(&ti, PG(0x80000), 1) == AB_ERANGE);
    T_EXPECT(t_free(&ti, PG(0x7fc00), 0x402) == AB_ERANGE);
    T_EXPECT(t_free(&ti, PG(0x80001), 1023) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0x7fc00), 0x400) == AB_OK);
    T_EXPECT(t_free(&ti, PG(0x90000), 4096) == AB_OK);
    RUNS_ARE(&ti, 0x7fc00, 0x400, 0x80001, 1023, 0x90000, 4096);
    ab_stats s = t_stats(&ti);
    T_EXPECT(s.largest_free_run == 4096 && s.meta_bytes == ST->meta_bytes(sp, 3));
    t_inst_close(&ti);
}

static void test_init_rejects_bad_input(void)
{
    ab_span bad[2] = {{10, 5}, {14, 5}};
    ab_span good = {10, 5};
    t_init_rejects(ST, bad, 2, &good, 16);
    ab_span huge = {0, (uint64_t)1 << 32};
    T_EXPECT(ST->meta_bytes(&huge, 1) == 0);
}

/* check() counts a wrong subtree max, a red root and a lost page. The nodes
 * are the last 16 ceil(I / 2) bytes; a fresh one-span instance at page 0
 * has its one node in slot 0: {npages, max, red | left, low | right}. */
static void test_check_counts_corruption(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, 128) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    uint32_t *node = (uint32_t *)(void *)((unsigned char *)ti.meta + ti.meta_len - 64 * 16);
    T_REQUIRE(node[0] == 128 && node[1] == 128);
    node[1] = 127;
    T_EXPECT(t_check(&ti) > 0, "wrong max not seen");
    node[1] = 128;
    node[2] |= 0x80000000u;
    T_EXPECT(t_check(&ti) > 0, "red root not seen");
    node[2] &= 0x7fffffffu;
    node[0] = 127;
    node[1] = 127;
    T_EXPECT(t_check(&ti) > 0, "free pages not matching not seen");
    node[0] = 128;
    node[1] = 128;
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* A byte per page of a small window as the oracle: align <= 1 takes the
 * lowest fitting run, align > 1 fails only when no run of n + align - 1
 * pages exists, and the free runs match after random churn. */
#define ORACLE_PAGES 3000u
static unsigned char oracle_free[ORACLE_PAGES];

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Lowest page starting need free pages at align inside one span, or -1:
 * the first maximal free run, in address order, that holds them. */
static int64_t oracle_fit(const ab_span *sp, int nsp, uint64_t need, uint64_t align)
{
    for (int s = 0; s < nsp; s++) {
        uint64_t p = sp[s].first_page, e = p + sp[s].npages;
        while (p < e) {
            if (!oracle_free[p]) {
                p++;
                continue;
            }
            uint64_t rs = p;
            while (p < e && oracle_free[p])
                p++;
            uint64_t aligned = (rs + align - 1) & ~(align - 1);
            if (aligned + need <= p)
                return (int64_t)aligned;
        }
    }
    return -1;
}

static void test_random_against_oracle(void)
{
    ab_span sp[3] = {{3, 1200}, {1300, 700}, {2048, 952}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, ST, sp, 3) == AB_OK);
    memset(oracle_free, 0, sizeof oracle_free);
    for (int s = 0; s < 3; s++)
        memset(oracle_free + sp[s].first_page, 1, sp[s].npages);
    static uint64_t live_addr[4096], live_n[4096];
    int live = 0, bad = 0;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int op = 0; op < 60000 && bad < 5; op++) {
        uint64_t roll = rng_next(&rng) % 100;
        if (live > 0 && (roll < 45 || live == 4096)) {
            int i = (int)(rng_next(&rng) % (uint64_t)live);
            if (t_free(&ti, live_addr[i], live_n[i]) != AB_OK)
                bad++;
            memset(oracle_free + (live_addr[i] >> AB_PAGE_SHIFT), 1, live_n[i]);
            live_addr[i] = live_addr[live - 1];
            live_n[i] = live_n[--live];
            continue;
        }
        uint64_t n = 1 + rng_next(&rng) % (roll < 80 ? 4 : 60);
        uint64_t align = roll % 4 == 0 ? 1ull << (rng_next(&rng) % 6) : 0;
        uint64_t a = align > 1 ? align : 1, x;
        ab_status st = t_alloc(&ti, n, align, &x);
        int64_t lowest = oracle_fit(sp, 3, n, a);
        if (a == 1) {
            if (lowest < 0 ? st != AB_ENOMEM : (st != AB_OK || x != PG(lowest))) {
                T_EXPECT(0, "op %d alloc(%llu): %s, oracle %lld", op, (unsigned long long)n,
                         ab_status_name(st), (long long)lowest);
                bad++;
            }
        } else if (st == AB_ENOMEM) {
            T_EXPECT(oracle_fit(sp, 3, n + a - 1, 1) < 0, "op %d: ENOMEM with a run of n+a-1", op);
        } else if (st == AB_OK) {
            uint64_t p = x >> AB_PAGE_SHIFT;
            bool ok = (p & (a - 1)) == 0 && p + n <= ORACLE_PAGES;
            for (uint64_t i = 0; ok && i < n; i++)
                ok = oracle_free[p + i] == 1;
            T_EXPECT(ok, "op %d: aligned alloc gave a page that is not free", op);
            if (!ok)
                bad++;
        } else {
            bad++;
        }
        if (st == AB_OK) {
            memset(oracle_free + (x >> AB_PAGE_SHIFT), 0, n);
            live_addr[live] = x;
            live_n[live++] = n;
        }
        if (op % 997 == 0)
            T_EXPECT(t_check(&ti) == 0, "op %d", op);
    }
    T_EXPECT(bad == 0);
    /* The free runs are the oracle's. */
    r_.n = 0;
    ST->walk_free(ti.meta, runs_add, &r_);
    int k = 0, mismatch = 0;
    for (int s = 0; s < 3; s++) {
        uint64_t e = sp[s].first_page + sp[s].npages;
        for (uint64_t p = sp[s].first_page; p < e; p++) {
            if (!oracle_free[p] || (p > sp[s].first_page && oracle_free[p - 1]))
                continue;
            uint64_t q = p;
            while (q < e && oracle_free[q])
                q++;
            if (k >= r_.n || r_.first[k] != p || r_.npages[k] != q - p)
                mismatch++;
            k++;
        }
    }
    T_EXPECT(mismatch == 0 && k == r_.n, "%d mismatched runs, %d vs %d", mismatch, k, r_.n);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* A 64 GiB window (16 M pages) under 10^5 random allocs and frees stays
 * sound; the time is printed, not judged. */
static void test_large_window_random(void)
{
    ab_span sp = {0x100000, (uint64_t)16 << 20};
    size_t need = ST->meta_bytes(&sp, 1);
    T_REQUIRE(need > 0);
    T_EXPECT(need <= ((size_t)144 << 20), "meta %zu bytes, more than buddy", need);
    t_inst ti;
    clock_t t0 = clock();
    T_REQUIRE(t_inst_open(&ti, ST, &sp, 1) == AB_OK);
    double open_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    enum { LIVE = 20000 };
    static uint64_t addr[LIVE], npg[LIVE];
    int live = 0, bad = 0;
    uint64_t rng = 0x123456789abcdefull;
    t0 = clock();
    for (int op = 0; op < 100000; op++) {
        uint64_t roll = rng_next(&rng) % 100;
        if (live > 0 && (roll < 48 || live == LIVE)) {
            int i = (int)(rng_next(&rng) % (uint64_t)live);
            if (t_free(&ti, addr[i], npg[i]) != AB_OK)
                bad++;
            addr[i] = addr[live - 1];
            npg[i] = npg[--live];
            continue;
        }
        uint64_t n = 1 + rng_next(&rng) % (roll < 90 ? 8 : 4096);
        uint64_t align = roll % 8 == 0 ? 1ull << (rng_next(&rng) % 10) : 0;
        uint64_t x;
        if (t_alloc(&ti, n, align, &x) != AB_OK) {
            bad++;
            continue;
        }
        addr[live] = x;
        npg[live++] = n;
    }
    double ops_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    T_EXPECT(bad == 0, "%d failed operations", bad);
    ab_stats s = t_stats(&ti);
    T_EXPECT(t_check(&ti) == 0);
    printf("     64 GiB: meta %zu bytes (%.3f MiB/GiB), open (with junk fill) %.4f s, 1e5 ops %.3f s, "
           "%llu free runs\n",
           need, (double)need / 64.0 / 1048576.0, open_s, ops_s, (unsigned long long)s.free_runs);
    for (int i = 0; i < live; i++)
        if (t_free(&ti, addr[i], npg[i]) != AB_OK)
            bad++;
    T_EXPECT(bad == 0);
    RUNS_ARE(&ti, 0x100000, (uint64_t)16 << 20);
    t_inst_close(&ti);
}

int main(void)
{
    T_RUN(test_merge_left_right_both_neither);
    T_RUN(test_merge_both_in_a_deep_tree);
    T_RUN(test_alignment_splits_range_in_three);
    T_RUN(test_lowest_address_fit);
    T_RUN(test_aligned_search_policy);
    T_RUN(test_alignment_is_absolute);
    T_RUN(test_free_errors_are_exact);
    T_RUN(test_exhaustion_then_recovery);
    T_RUN(test_every_other_page_free);
    T_RUN(test_runs_never_cross_spans);
    T_RUN(test_init_rejects_bad_input);
    T_RUN(test_check_counts_corruption);
    T_RUN(test_random_against_oracle);
    T_RUN(test_large_window_random);
    return t_finish();
}
