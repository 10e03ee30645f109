/* Tests specific to vmem and vmem_bestfit (boundary tags, power-of-two free
 * lists, instant fit against best fit). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "allocbench/registry.h"
#include "vmem.h"
#include "strategy_util.h"
#include "testlib.h"
#include "edge_util.h"

#define PG(p) ((uint64_t)(p) << AB_PAGE_SHIFT)
/* walk_free() collectors: tests/strategy_util.h */
#define MAXRUNS T_MAXRUNS
typedef t_runs runs;
#define runs_add t_runs_add

/* RUNS_ARE, RUNS_NONE: edge_util.h */

typedef struct held {
    uint64_t addr, n;
} held;

static const ab_strategy *const both[] = {&ab_strategy_vmem, &ab_strategy_vmem_bestfit};

static ab_status open1(t_inst *ti, const ab_strategy *st, uint64_t first, uint64_t npages)
{
    ab_span sp = {first, npages};
    return t_inst_open(ti, st, &sp, 1);
}

static void test_registered(void)
{
    T_EXPECT(ab_registry_find("vmem") == &ab_strategy_vmem);
    T_EXPECT(ab_registry_find("vmem_bestfit") == &ab_strategy_vmem_bestfit);
    T_EXPECT(ab_strategy_vmem.alloc == ab_strategy_vmem_bestfit.alloc &&
                 ab_strategy_vmem.init != ab_strategy_vmem_bestfit.init,
             "one set of functions, two init wrappers");
}

/* Free merges with the left, the right, both or neither neighbour. */
static void test_coalesce_both_sides(void)
{
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(open1(&ti, both[p], 0, 16) == AB_OK);
        uint64_t a[10];
        for (int i = 0; i < 10; i++)
            T_REQUIRE(t_alloc(&ti, 1, 0, &a[i]) == AB_OK && a[i] == PG(i), "%s", both[p]->name);
        RUNS_ARE(&ti, 10, 6);
        T_EXPECT(t_free(&ti, PG(2), 1) == AB_OK); /* neither */
        RUNS_ARE(&ti, 2, 1, 10, 6);
        T_EXPECT(t_free(&ti, PG(3), 1) == AB_OK); /* left, onto a single page */
        RUNS_ARE(&ti, 2, 2, 10, 6);
        T_EXPECT(t_free(&ti, PG(5), 1) == AB_OK); /* neither, between two */
        RUNS_ARE(&ti, 2, 2, 5, 1, 10, 6);
        T_EXPECT(t_free(&ti, PG(4), 1) == AB_OK); /* both: a tail left, a single right */
        RUNS_ARE(&ti, 2, 4, 10, 6);
        T_EXPECT(t_free(&ti, PG(9), 1) == AB_OK); /* right, onto a long segment */
        RUNS_ARE(&ti, 2, 4, 9, 7);
        T_EXPECT(t_free(&ti, PG(7), 1) == AB_OK); /* neither */
        RUNS_ARE(&ti, 2, 4, 7, 1, 9, 7);
        T_EXPECT(t_free(&ti, PG(8), 1) == AB_OK); /* both: a single left, a long right */
        RUNS_ARE(&ti, 2, 4, 7, 9);
        T_EXPECT(t_free(&ti, PG(6), 1) == AB_OK); /* both, long on each side */
        RUNS_ARE(&ti, 2, 14);
        T_EXPECT(t_free(&ti, PG(0), 1) == AB_OK); /* left edge of the span */
        T_EXPECT(t_free(&ti, PG(1), 1) == AB_OK);
        RUNS_ARE(&ti, 0, 16);

        /* Multi-page segments coalesce the same way, up to the span's end. */
        uint64_t b[4];
        for (int i = 0; i < 4; i++)
            T_REQUIRE(t_alloc(&ti, 4, 0, &b[i]) == AB_OK && b[i] == PG(4 * i));
        RUNS_NONE(&ti);
        T_EXPECT(t_free(&ti, b[3], 4) == AB_OK);
        T_EXPECT(t_free(&ti, b[1], 4) == AB_OK);
        RUNS_ARE(&ti, 4, 4, 12, 4);
        T_EXPECT(t_free(&ti, b[2], 4) == AB_OK);
        RUNS_ARE(&ti, 4, 12);
        T_EXPECT(t_free(&ti, b[0], 4) == AB_OK);
        RUNS_ARE(&ti, 0, 16);
        t_inst_close(&ti);
    }
}

/* Segments never cross spans: freeing the last page of one span and the
 * first of the next leaves two runs. */
static void test_spans_never_merge(void)
{
    const ab_span spans[] = {{100, 3}, {104, 2}, {0x100000, 1}};
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(t_inst_open(&ti, both[p], spans, 3) == AB_OK);
        RUNS_ARE(&ti, 100, 3, 104, 2, 0x100000, 1);
        uint64_t a[6];
        for (int i = 0; i < 6; i++)
            T_REQUIRE(t_alloc(&ti, 1, 0, &a[i]) == AB_OK);
        RUNS_NONE(&ti);
        uint64_t x;
        T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM);
        T_EXPECT(t_free(&ti, PG(102), 1) == AB_OK);
        T_EXPECT(t_free(&ti, PG(104), 1) == AB_OK);
        RUNS_ARE(&ti, 102, 1, 104, 1);
        T_EXPECT(t_alloc(&ti, 2, 0, &x) == AB_ENOMEM, "two free pages in two spans are no run");
        T_EXPECT(t_free(&ti, PG(0x100000), 1) == AB_OK);
        T_EXPECT(t_free(&ti, PG(105), 1) == AB_OK);
        RUNS_ARE(&ti, 102, 1, 104, 2, 0x100000, 1);
        t_inst_close(&ti);
    }
}

/*
 * A crafted state: free segments [0, 5) (list 2) and [6, 26) (list 4), the
 * rest allocated. alloc(5): instant fit looks from list ceil(log2 5) = 3 up
 * and carves the 20-page segment; best fit walks list 2 and takes the exact
 * 5-page one. Then alloc(6) with only list 2 left: instant fit's fallback
 * finds a fit there.
 */
static void test_instant_fit_against_best_fit(void)
{
    uint64_t got[2];
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(open1(&ti, both[p], 0, 64) == AB_OK);
        uint64_t a0, g1, a1, g2;
        T_REQUIRE(t_alloc(&ti, 5, 0, &a0) == AB_OK && a0 == PG(0));
        T_REQUIRE(t_alloc(&ti, 1, 0, &g1) == AB_OK && g1 == PG(5));
        T_REQUIRE(t_alloc(&ti, 20, 0, &a1) == AB_OK && a1 == PG(6));
        T_REQUIRE(t_alloc(&ti, 38, 0, &g2) == AB_OK && g2 == PG(26));
        T_REQUIRE(t_free(&ti, a0, 5) == AB_OK && t_free(&ti, a1, 20) == AB_OK);
        RUNS_ARE(&ti, 0, 5, 6, 20);
        T_REQUIRE(t_alloc(&ti, 5, 0, &got[p]) == AB_OK);
        t_inst_close(&ti);
    }
    T_EXPECT(got[0] == PG(6), "instant fit took 0x%" PRIx64 ", want the 20-page segment", got[0]);
    T_EXPECT(got[1] == PG(0), "best fit took 0x%" PRIx64 ", want the exact 5-page segment", got[1]);

    /* The fallback: lists >= ceil(log2 6) = 3 empty, list 2 holds 6 pages. */
    t_inst ti;
    T_REQUIRE(open1(&ti, &ab_strategy_vmem, 0, 16) == AB_OK);
    uint64_t a, b, c, x;
    T_REQUIRE(t_alloc(&ti, 6, 0, &a) == AB_OK && t_alloc(&ti, 1, 0, &b) == AB_OK &&
              t_alloc(&ti, 9, 0, &c) == AB_OK);
    T_REQUIRE(t_free(&ti, a, 6) == AB_OK);
    RUNS_ARE(&ti, 0, 6);
    T_EXPECT(t_alloc(&ti, 7, 0, &x) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 6, 0, &x) == AB_OK && x == 0, "fallback must find the 6-page segment");
    RUNS_NONE(&ti);
    t_inst_close(&ti);
}

/* The documented miss: the only fit for 6 pages sits behind 17 segments of
 * 4 pages on list 2, and instant fit's fallback looks at 16. */
static void test_instant_fallback_is_bounded(void)
{
    _Static_assert(AB_VMEM_FALLBACK_SCAN == 16u, "the crafted state assumes 16");
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(open1(&ti, both[p], 0, 92) == AB_OK);
        uint64_t six, g, four[17], x;
        T_REQUIRE(t_alloc(&ti, 6, 0, &six) == AB_OK && t_alloc(&ti, 1, 0, &g) == AB_OK);
        for (int i = 0; i < 17; i++)
            T_REQUIRE(t_alloc(&ti, 4, 0, &four[i]) == AB_OK && t_alloc(&ti, 1, 0, &g) == AB_OK);
        RUNS_NONE(&ti);
        T_REQUIRE(t_free(&ti, six, 6) == AB_OK);
        for (int i = 0; i < 17; i++)
            T_REQUIRE(t_free(&ti, four[i], 4) == AB_OK);
        ab_status want = both[p] == &ab_strategy_vmem ? AB_ENOMEM : AB_OK;
        ab_status s = t_alloc(&ti, 6, 0, &x);
        T_EXPECT(s == want && (s != AB_OK || x == six), "%s: alloc(6) = %s, want %s",
                 both[p]->name, ab_status_name(s), ab_status_name(want));
        T_EXPECT(t_check(&ti) == 0);
        /* LIFO: the last freed comes first. With 16 segments ahead of it
         * the fit is still missed; with 15 it is the 16th looked at. */
        if (s != AB_OK) {
            T_EXPECT(t_alloc(&ti, 4, 0, &x) == AB_OK && x == four[16]);
            T_EXPECT(t_alloc(&ti, 6, 0, &x) == AB_ENOMEM);
            T_EXPECT(t_alloc(&ti, 4, 0, &x) == AB_OK && x == four[15]);
            T_EXPECT(t_alloc(&ti, 6, 0, &x) == AB_OK && x == six);
        }
        t_inst_close(&ti);
    }
}

/* Best fit prefers the smallest fitting segment across lists, and the lowest
 * address among equals; instant fit takes the LIFO head of its list. */
static void test_best_fit_smallest_then_lowest(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, &ab_strategy_vmem_bestfit, 0, 64) == AB_OK);
    /* Free [0,7), [8,14), [20,26), [30,33) inside allocated ground. */
    uint64_t all;
    T_REQUIRE(t_alloc(&ti, 64, 0, &all) == AB_OK && t_free(&ti, all, 64) == AB_OK);
    uint64_t pos[] = {0, 7, 8, 14, 20, 26, 30, 33}, a[8];
    uint64_t len[] = {7, 1, 6, 6, 6, 4, 3, 31};
    for (int i = 0; i < 8; i++)
        T_REQUIRE(t_alloc(&ti, len[i], 0, &a[i]) == AB_OK && a[i] == PG(pos[i]));
    T_REQUIRE(t_free(&ti, a[0], 7) == AB_OK && t_free(&ti, a[2], 6) == AB_OK &&
              t_free(&ti, a[4], 6) == AB_OK && t_free(&ti, a[6], 3) == AB_OK);
    RUNS_ARE(&ti, 0, 7, 8, 6, 20, 6, 30, 3);
    uint64_t x;
    T_EXPECT(t_alloc(&ti, 5, 0, &x) == AB_OK && x == PG(8), "smallest (6), lowest of two");
    T_EXPECT(t_alloc(&ti, 4, 0, &x) == AB_OK && x == PG(20));
    /* Left: [0,7), [13,14), [24,26), [30,33). */
    RUNS_ARE(&ti, 0, 7, 13, 1, 24, 2, 30, 3);
    T_EXPECT(t_alloc(&ti, 2, 0, &x) == AB_OK && x == PG(24), "the 2-page remainder beats 3 and 7");
    T_EXPECT(t_alloc(&ti, 3, 0, &x) == AB_OK && x == PG(30), "3 pages beat 7");
    T_EXPECT(t_alloc(&ti, 2, 0, &x) == AB_OK && x == PG(0), "only 7 is left that fits");
    T_EXPECT(t_alloc(&ti, 6, 0, &x) == AB_ENOMEM);
    RUNS_ARE(&ti, 2, 5, 13, 1);
    t_inst_close(&ti);
}

/* Calls free, expects want, and that the state did not change. */
static void bad_free(t_inst *ti, uint64_t addr, uint64_t n, ab_status want, const char *what)
{
    ab_stats before = t_stats(ti);
    runs rb = {0}, ra = {0};
    ti->st->walk_free(ti->meta, runs_add, &rb);
    ab_status s = t_free(ti, addr, n);
    ti->st->walk_free(ti->meta, runs_add, &ra);
    ab_stats after = t_stats(ti);
    T_EXPECT(s == want, "%s: %s: free(0x%" PRIx64 ", %" PRIu64 ") = %s, want %s", ti->st->name,
             what, addr, n, ab_status_name(s), ab_status_name(want));
    T_EXPECT(memcmp(&before, &after, sizeof before) == 0 && memcmp(&rb, &ra, sizeof rb) == 0 &&
                 t_check(ti) == 0,
             "%s: %s: a failed free changed the state", ti->st->name, what);
}

static void test_bad_frees(void)
{
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(open1(&ti, both[p], 0x400, 100) == AB_OK);
        uint64_t a, b, c;
        T_REQUIRE(t_alloc(&ti, 10, 0, &a) == AB_OK && a == PG(0x400));
        T_REQUIRE(t_alloc(&ti, 1, 0, &b) == AB_OK && b == PG(0x40A));
        T_REQUIRE(t_alloc(&ti, 5, 0, &c) == AB_OK && c == PG(0x40B));
        T_REQUIRE(t_free(&ti, b, 1) == AB_OK);
        /* Free: [0x40A, 0x40B) single, [0x410, 0x464) long. */
        bad_free(&ti, b, 1, AB_EDOUBLE, "double free of a single page");
        T_REQUIRE(t_free(&ti, c, 5) == AB_OK);
        bad_free(&ti, c, 5, AB_EDOUBLE, "double free merged into a run");
        bad_free(&ti, PG(0x420), 1, AB_EDOUBLE, "never-allocated page inside a run");
        bad_free(&ti, PG(0x463), 1, AB_EDOUBLE, "the last page of a run");
        bad_free(&ti, PG(0x40A), 3, AB_EDOUBLE, "the head of a run");
        bad_free(&ti, a, 9, AB_ESIZE, "one page short");
        bad_free(&ti, a, 11, AB_ESIZE, "one page long");
        bad_free(&ti, a, 1, AB_ESIZE, "one page of ten");
        bad_free(&ti, PG(0x405), 5, AB_ESIZE, "middle page");
        bad_free(&ti, PG(0x409), 1, AB_ESIZE, "last page of an allocation");
        bad_free(&ti, PG(0x401), 9, AB_ESIZE, "second page, to the end");
        bad_free(&ti, a + 8, 10, AB_EALIGN, "misaligned");
        bad_free(&ti, a, 0, AB_EINVAL, "n = 0");
        bad_free(&ti, PG(0x3FF), 1, AB_ERANGE, "below the span");
        bad_free(&ti, PG(0x460), 5, AB_ERANGE, "past the span's end");
        T_EXPECT(t_free(&ti, a, 10) == AB_OK);
        RUNS_ARE(&ti, 0x400, 100);
        t_inst_close(&ti);
    }
}

/* Absolute alignment on a span that starts unaligned, and aligned requests
 * served by the fallback (no list guarantees a fit at that alignment). */
static void test_alignment(void)
{
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(open1(&ti, both[p], 3, 3001) == AB_OK);
        uint64_t a, b, x;
        T_EXPECT(t_alloc(&ti, 1, 8, &a) == AB_OK && a == PG(8), "%s", both[p]->name);
        T_EXPECT(t_alloc(&ti, 512, 512, &b) == AB_OK && b == PG(512));
        T_EXPECT(t_alloc(&ti, 3000, 0, &x) == AB_ENOMEM);
        T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 62, &x) == AB_ENOMEM, "no page is 2^62-aligned");
        RUNS_ARE(&ti, 3, 5, 9, 503, 1024, 1980);
        T_EXPECT(t_free(&ti, a, 1) == AB_OK && t_free(&ti, b, 512) == AB_OK);
        RUNS_ARE(&ti, 3, 3001);
        t_inst_close(&ti);

        /* Page 0 is aligned to everything. */
        T_REQUIRE(open1(&ti, both[p], 0, 40) == AB_OK);
        T_EXPECT(t_alloc(&ti, 1, (uint64_t)1 << 62, &x) == AB_OK && x == 0);
        T_EXPECT(t_free(&ti, x, 1) == AB_OK);

        /* One free segment [16, 24): alloc(8, 8) needs 15 pages to be sure
         * (list 3 holds 8..15): the fallback scan finds it. */
        uint64_t lo, mid, hi;
        T_REQUIRE(t_alloc(&ti, 16, 0, &lo) == AB_OK && t_alloc(&ti, 8, 0, &mid) == AB_OK &&
                  t_alloc(&ti, 16, 0, &hi) == AB_OK && mid == PG(16));
        T_REQUIRE(t_free(&ti, mid, 8) == AB_OK);
        T_EXPECT(t_alloc(&ti, 8, 8, &x) == AB_OK && x == PG(16), "fallback with alignment");
        T_EXPECT(t_free(&ti, x, 8) == AB_OK);
        T_EXPECT(t_alloc(&ti, 8, 16, &x) == AB_OK && x == PG(16));
        T_EXPECT(t_free(&ti, x, 8) == AB_OK);
        /* Shift the hole to [17, 25): no 8-aligned 8 pages, but one 8-aligned page. */
        T_REQUIRE(t_free(&ti, lo, 16) == AB_OK && t_free(&ti, hi, 16) == AB_OK);
        T_REQUIRE(t_alloc(&ti, 17, 0, &lo) == AB_OK && t_alloc(&ti, 8, 0, &mid) == AB_OK &&
                  t_alloc(&ti, 15, 0, &hi) == AB_OK && mid == PG(17));
        T_REQUIRE(t_free(&ti, mid, 8) == AB_OK);
        T_EXPECT(t_alloc(&ti, 8, 8, &x) == AB_ENOMEM);
        T_EXPECT(t_alloc(&ti, 2, 8, &x) == AB_ENOMEM);
        T_EXPECT(t_alloc(&ti, 1, 8, &x) == AB_OK && x == PG(24));
        RUNS_ARE(&ti, 17, 7);
        t_inst_close(&ti);
    }
}

/* One- and two-page allocations to exhaustion over holes, then back (every
 * other one first, so that frees merge both ways), three times. */
static void test_exhaustion_recovers(void)
{
    const ab_span spans[] = {{1, 158}, {256, 2048}, {3000, 1100}, {0x100000, 1}};
    for (size_t p = 0; p < 2; p++) {
        t_inst ti;
        T_REQUIRE(t_inst_open(&ti, both[p], spans, 4) == AB_OK);
        ab_stats fresh = t_stats(&ti);
        held *h = calloc(fresh.total_pages, sizeof *h);
        uint64_t x;
        for (int round = 0; round < 3; round++) {
            uint64_t got = 0;
            for (uint64_t n = 2; n > 0; n--)
                while (got < fresh.total_pages && t_alloc(&ti, n, 0, &h[got].addr) == AB_OK)
                    h[got++].n = n;
            T_EXPECT(t_alloc(&ti, 1, 0, &x) == AB_ENOMEM && t_stats(&ti).free_pages == 0 &&
                         t_check(&ti) == 0,
                     "%s round %d: not exhausted", both[p]->name, round);
            for (uint64_t first = 0; first < 2; first++)
                for (uint64_t i = first; i < got; i += 2)
                    T_EXPECT(t_free(&ti, h[i].addr, h[i].n) == AB_OK);
            ab_stats back = t_stats(&ti);
            T_EXPECT(memcmp(&fresh, &back, sizeof back) == 0 && t_check(&ti) == 0,
                     "%s round %d: not whole again", both[p]->name, round);
        }
        free(h);
        t_inst_close(&ti);
    }
}

/* Metadata at most buddy's on the same spans (buddy: 9 bytes a page). */
static void test_metadata_below_buddy(void)
{
    const ab_span big[] = {{0x100000, (uint64_t)1 << 24}};          /* 64 GiB */
    const ab_span gib[] = {{0x40000, (uint64_t)1 << 18}};            /* 1 GiB */
    const ab_span pc[] = {{1, 158}, {256, 2048}, {3000, 1100}, {0x100000, 1024}};
    const ab_strategy *buddy = ab_registry_find("buddy");
    T_REQUIRE(buddy != NULL);
    size_t v = ab_strategy_vmem.meta_bytes(big, 1), bd = buddy->meta_bytes(big, 1);
    T_EXPECT(v != 0 && v <= bd, "64 GiB: vmem %zu bytes, buddy %zu", v, bd);
    T_EXPECT(v < (size_t)133 << 20, "64 GiB: %zu bytes, the header says 132.1 MiB", v);
    v = ab_strategy_vmem.meta_bytes(gib, 1);
    T_EXPECT(v <= buddy->meta_bytes(gib, 1) && v < 2166000,
             "1 GiB: %zu bytes, the header says 2,164,736 + O(S)", v);
    T_EXPECT(ab_strategy_vmem.meta_bytes(pc, 4) <= buddy->meta_bytes(pc, 4) + 40000,
             "small maps: only the per-span index rounding on top");
    T_EXPECT(ab_strategy_vmem_bestfit.meta_bytes(big, 1) == ab_strategy_vmem.meta_bytes(big, 1));
}

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A 64 GiB window at 3 GiB: 10^5 random ops (sizes 1..1024 pages, some
 * aligned): every allocation served, check() clean, time printed. */
static void window_64g(const ab_strategy *st, uint64_t ops)
{
    const ab_span win = {0xC0000, (uint64_t)1 << 24};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, st, &win, 1) == AB_OK);
    held *h = calloc(ops, sizeof *h);
    size_t nheld = 0;
    uint64_t seed = 42, fails = 0, allocs = 0;
    clock_t t0 = clock();
    for (uint64_t op = 0; op < ops; op++) {
        if (nheld == 0 || rng(&seed) % 100 < 60) {
            uint64_t r = rng(&seed), n = 1 + (r & 1023), align = (r >> 10) % 4 == 0 ? 1u << ((r >> 12) % 10) : 0;
            uint64_t addr;
            ab_status s = t_alloc(&ti, n, align, &addr);
            if (s == AB_OK) {
                uint64_t pg = addr >> AB_PAGE_SHIFT;
                T_EXPECT(pg >= win.first_page && pg + n <= win.first_page + win.npages &&
                         (align == 0 || (pg & (align - 1)) == 0));
                h[nheld].addr = addr;
                h[nheld].n = n;
                nheld++;
                allocs++;
            } else {
                fails++;
            }
        } else {
            size_t k = (size_t)(rng(&seed) % nheld);
            T_EXPECT(t_free(&ti, h[k].addr, h[k].n) == AB_OK);
            h[k] = h[--nheld];
        }
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    T_EXPECT(fails == 0, "%s: %" PRIu64 " failed allocations in 64 GiB", st->name, fails);
    T_EXPECT(t_check(&ti) == 0, "%s: check() after the churn", st->name);
    ab_stats s = t_stats(&ti);
    printf("     %s: %" PRIu64 " ops (%" PRIu64 " allocs, %zu live, %" PRIu64
           " free runs) on 64 GiB in %.3f s (informational)\n",
           st->name, ops, allocs, nheld, s.free_runs, secs);
    /* Speed is the benchmarks' to judge: the time above is informational. */
    while (nheld > 0) {
        nheld--;
        T_EXPECT(t_free(&ti, h[nheld].addr, h[nheld].n) == AB_OK);
    }
    s = t_stats(&ti);
    T_EXPECT(s.free_runs == 1 && s.free_pages == win.npages && t_check(&ti) == 0);
    free(h);
    t_inst_close(&ti);
}

static void test_window_64g_instant(void) { window_64g(&ab_strategy_vmem, 100000); }
static void test_window_64g_bestfit(void) { window_64g(&ab_strategy_vmem_bestfit, 100000); }

int main(void)
{
    T_RUN(test_registered);
    T_RUN(test_coalesce_both_sides);
    T_RUN(test_spans_never_merge);
    T_RUN(test_instant_fit_against_best_fit);
    T_RUN(test_instant_fallback_is_bounded);
    T_RUN(test_best_fit_smallest_then_lowest);
    T_RUN(test_bad_frees);
    T_RUN(test_alignment);
    T_RUN(test_exhaustion_recovers);
    T_RUN(test_metadata_below_buddy);
    T_RUN(test_window_64g_instant);
    T_RUN(test_window_64g_bestfit);
    return t_finish();
}
