/*
 * hier2m's own tests: the seed 002 defects, the per-CPU reservations and
 * lazy lists, the 2 MiB restoration after churn, the run classes (the probe
 * bound, a 16 GiB map near full), a multi-threaded stress test and 2-, 4-
 * and shared-slot thread runs with page ownership checks (needs pthreads:
 * link with -pthread).
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "testlib.h"
#include "strategy_util.h"

#include "../../strategies/hier2m/hier2m.h"

#define PG 4096ull
#define P2M 512ull

static const ab_strategy *H = &ab_strategy_hier2m;

static int open1(t_inst *ti, uint64_t first, uint64_t npages)
{
    ab_span sp = {first, npages};
    return t_inst_open(ti, H, &sp, 1) == AB_OK;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Seed 002: release(0) returned without freeing, so frame 0 leaked and its
 * 2 MiB entry never became whole again. */
static void test_frame0_frees_and_entry_becomes_2m_again(void)
{
    t_inst ti;
    uint64_t a, b;
    T_REQUIRE(open1(&ti, 0, 2 * P2M));
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == 0, "first page is 0, got %llx",
             (unsigned long long)a);
    T_EXPECT(t_free(&ti, 0, 1) == AB_OK);
    T_EXPECT(t_stats(&ti).free_pages == 2 * P2M);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &a) == AB_OK);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &b) == AB_OK);
    T_EXPECT((a == 0 || b == 0) && a != b, "frame 0's entry is a 2M frame again");
    T_EXPECT(t_free(&ti, 0, P2M) == AB_OK);
    /* Page 0 as part of a run, and as a 4K page after a 2M free. */
    T_EXPECT(t_alloc(&ti, 7, 1, &a) == AB_OK && a == 0);
    T_EXPECT(t_free(&ti, 0, 7) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Seed 002: releasing any 4 KiB address inside a 2 MiB frame freed all of
 * it. Here it is ESIZE and nothing changes. */
static void test_4k_free_inside_2m_is_esize(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, 4 * P2M));
    T_REQUIRE(t_alloc(&ti, P2M, P2M, &a) == AB_OK);
    ab_stats before = t_stats(&ti);
    T_EXPECT(t_free(&ti, a + PG, 1) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + 511 * PG, 1) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 1) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 511) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + PG, 511) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 513) == AB_ESIZE);
    ab_stats after = t_stats(&ti);
    T_EXPECT(after.free_pages == before.free_pages && after.free_runs == before.free_runs);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    T_EXPECT(t_stats(&ti).free_pages == 4 * P2M);
    t_inst_close(&ti);
}

/* Seed 002: a double free was detected and silently ignored. */
static void test_double_free_4k_is_edouble(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, 2 * P2M));
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK);
    T_EXPECT(t_free(&ti, a, 1) == AB_OK);
    T_EXPECT(t_free(&ti, a, 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + 5 * PG, 1) == AB_EDOUBLE, "never allocated");
    T_EXPECT(t_stats(&ti).free_pages == 2 * P2M);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_double_free_2m_is_edouble(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, 2 * P2M));
    T_REQUIRE(t_alloc(&ti, P2M, P2M, &a) == AB_OK);
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    T_EXPECT(t_free(&ti, a, P2M) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + PG, 1) == AB_EDOUBLE);
    T_EXPECT(t_stats(&ti).free_pages == 2 * P2M);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Seed 002: a fixed 64 GiB table indexed by 16-bit integers. */
static void test_table_sized_from_spans_not_fixed(void)
{
    ab_span small = {0, 64ull << 8};        /* 64 MiB */
    ab_span big = {0, 64ull << 18};         /* 64 GiB */
    ab_span high = {100ull << 18, 64ull << 8}; /* 64 MiB at 100 GiB */
    size_t ms = H->meta_bytes(&small, 1), mb = H->meta_bytes(&big, 1);
    size_t mh = H->meta_bytes(&high, 1);
    T_EXPECT(ms > 0 && ms < 16384, "64 MiB needs %zu bytes", ms);
    T_EXPECT(mb > 500 * (size_t)ms, "64 GiB %zu vs 64 MiB %zu", mb, ms);
    T_EXPECT(mh == ms, "the address does not size the table");

    t_inst ti;
    uint64_t a, b;
    T_REQUIRE(t_inst_open(&ti, H, &high, 1) == AB_OK);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &a) == AB_OK && a == 100ull << 30);
    T_EXPECT(t_alloc(&ti, 1, 0, &b) == AB_OK && b >= (100ull << 30) + (2ull << 20));
    T_EXPECT(t_free(&ti, a, 1) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    T_EXPECT(t_free(&ti, b, 1) == AB_OK);
    T_EXPECT(t_free(&ti, b, 1) == AB_EDOUBLE);
    T_EXPECT(t_stats(&ti).free_pages == high.npages);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);

    /* More than 65536 entries (seed: 16-bit indices): 160 GiB at 1 TiB. */
    ab_span huge = {1ull << 28, 160ull << 18};
    T_REQUIRE(t_inst_open(&ti, H, &huge, 1) == AB_OK);
    uint64_t n2m = 0;
    while (t_alloc(&ti, P2M, P2M, &a) == AB_OK)
        n2m++;
    T_EXPECT(n2m == 160ull * 512, "got %llu 2M frames", (unsigned long long)n2m);
    T_EXPECT(a == (1ull << 40) + (160ull << 30) - (2ull << 20), "last frame at the top");
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &b) == AB_OK && b == a);
    t_inst_close(&ti);
}

/* Seed 002: start-up released every frame one at a time under locks. */
static void test_init_64gib_is_fast(void)
{
    ab_span big = {0, 64ull << 18};
    t_inst ti;
    clock_t t0 = clock();
    T_REQUIRE(t_inst_open(&ti, H, &big, 1) == AB_OK);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    T_EXPECT(s < 0.5, "64 GiB init (with memset of the metadata) took %.3f s", s);
    printf("     64 GiB: meta %zu bytes, init+fill %.1f ms\n", ti.meta_len, s * 1e3);
    ab_stats st = t_stats(&ti);
    T_EXPECT(st.free_pages == big.npages && st.largest_free_run == big.npages &&
             st.free_runs == 1);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* The 4K path serves its CPU's reserved entry; entries released from a
 * reservation, or never reserved, move between the 4K, 2M and class lists,
 * sometimes left stale on a list they no longer belong to; every state must
 * pass check(), and a reservation never hides free pages from a request. */
static void test_reservation_and_lazy_lists_stay_consistent(void)
{
    t_inst ti;
    uint64_t a, p[P2M], one, big, big2;
    T_REQUIRE(open1(&ti, 0, 4 * P2M));
    /* Entry 0 is reserved and filled; the next page reserves entry 1. */
    for (unsigned i = 0; i < P2M; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &p[i]) == AB_OK && p[i] == i * PG);
    T_REQUIRE(t_alloc(&ti, 1, 0, &one) == AB_OK);
    T_EXPECT(one == P2M * PG);
    T_EXPECT(t_check(&ti) == 0);
    /* Entry 0, released when full, becomes partly free: 4K list, class 0. */
    T_EXPECT(t_free(&ti, p[7], 1) == AB_OK);
    /* Entry 1 becomes whole while reserved: it stays reserved, on no list. */
    T_EXPECT(t_free(&ti, one, 1) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    /* The reservation comes before the 4K list's hole. */
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == P2M * PG);
    T_EXPECT(t_free(&ti, a, 1) == AB_OK);
    /* A run comes from the caller's reserved entry first. */
    T_EXPECT(t_alloc(&ti, 3, 4, &a) == AB_OK && a == P2M * PG);
    T_EXPECT(t_check(&ti) == 0);
    /* 2M: entries 2 and 3 from the list; entry 1 is reserved, not whole. */
    T_EXPECT(t_alloc(&ti, P2M, P2M, &big) == AB_OK && big == 2 * P2M * PG);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &big2) == AB_OK && big2 == 3 * P2M * PG);
    T_EXPECT(t_alloc(&ti, P2M, 0, &one) == AB_ENOMEM);
    /* Wholly free again, the reserved entry is taken as a 2M frame. */
    T_EXPECT(t_free(&ti, a, 3) == AB_OK);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &a) == AB_OK && a == P2M * PG);
    T_EXPECT(t_check(&ti) == 0);
    /* A run needing 6 pages to be sure of 3 at step 4: entry 0's single
     * hole is all there is. */
    T_EXPECT(t_alloc(&ti, 3, 4, &one) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 2, 0, &one) == AB_ENOMEM);
    /* The slot's entry is gone: the 4K path reserves the 4K list's head,
     * entry 0, for its hole; then nothing is left. */
    uint64_t q[P2M], nq = 0;
    while (nq < P2M && t_alloc(&ti, 1, 0, &q[nq]) == AB_OK)
        nq++;
    T_EXPECT(nq == 1 && q[0] == p[7], "got %llu more pages", (unsigned long long)nq);
    T_EXPECT(t_stats(&ti).free_pages == 0);
    T_EXPECT(t_check(&ti) == 0);
    for (uint64_t i = 0; i < nq; i++)
        T_REQUIRE(t_free(&ti, q[i], 1) == AB_OK);
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    T_EXPECT(t_free(&ti, big, P2M) == AB_OK);
    T_EXPECT(t_free(&ti, big2, P2M) == AB_OK);
    for (unsigned i = 0; i < P2M; i++)
        T_REQUIRE(i == 7 || t_free(&ti, p[i], 1) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_stats(&ti).free_pages == 4 * P2M);
    /* Rounds of the same moves from wherever the reservation now is. */
    for (int round = 0; round < 20; round++) {
        for (unsigned i = 0; i < P2M; i++)
            T_REQUIRE(t_alloc(&ti, 1, 0, &p[i]) == AB_OK);
        T_REQUIRE(t_alloc(&ti, 1, 0, &one) == AB_OK);
        T_EXPECT((one >> 21) != (p[0] >> 21) && (p[511] >> 21) == (p[0] >> 21));
        T_EXPECT(t_free(&ti, p[7], 1) == AB_OK);
        T_EXPECT(t_free(&ti, one, 1) == AB_OK);
        T_EXPECT(t_check(&ti) == 0);
        T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == one);
        T_EXPECT(t_free(&ti, a, 1) == AB_OK);
        T_EXPECT(t_alloc(&ti, P2M, P2M, &big) == AB_OK);
        T_EXPECT(t_alloc(&ti, 3, 4, &a) == AB_OK);
        T_EXPECT(t_check(&ti) == 0);
        T_EXPECT(t_free(&ti, a, 3) == AB_OK);
        T_EXPECT(t_free(&ti, big, P2M) == AB_OK);
        for (unsigned i = 0; i < P2M; i++)
            T_REQUIRE(i == 7 || t_free(&ti, p[i], 1) == AB_OK);
        T_EXPECT(t_check(&ti) == 0);
        T_EXPECT(t_stats(&ti).free_pages == 4 * P2M);
    }
    /* After all that, the four entries are 2M frames again, the reserved
     * one included. */
    uint64_t f[4];
    for (int i = 0; i < 4; i++)
        T_EXPECT(t_alloc(&ti, P2M, P2M, &f[i]) == AB_OK);
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

typedef struct live {
    uint64_t addr, n;
} live;

/* Churn fragments every 2 MiB block; freeing everything must make every
 * aligned 2 MiB block inside the span a 2M frame again. */
static void test_churn_then_free_all_restores_2m_frames(void)
{
    const uint64_t first = 300, npages = 24 * P2M + 300;
    t_inst ti;
    T_REQUIRE(open1(&ti, first, npages));
    static live l[8192];
    size_t nl = 0;
    uint64_t seed = 12345;
    for (int op = 0; op < 200000; op++) {
        uint64_t r = rng_next(&seed);
        if (nl == 8192 || (nl > 0 && (r & 1) == 0)) {
            size_t i = (size_t)((r >> 8) % nl);
            T_REQUIRE(t_free(&ti, l[i].addr, l[i].n) == AB_OK);
            l[i] = l[--nl];
        } else {
            uint64_t n = (r >> 8) % 8 == 0 ? P2M : 1 + (r >> 12) % ((r >> 20) % 2 ? 1 : 40);
            uint64_t al = (r >> 30) % 3 == 0 ? 1ull << ((r >> 33) % 10) : 0;
            uint64_t a;
            ab_status s = t_alloc(&ti, n, al, &a);
            T_REQUIRE(s == AB_OK || s == AB_ENOMEM);
            if (s == AB_OK) {
                uint64_t m = al > 1 ? al : 1;
                T_REQUIRE(((a >> 12) & (m - 1)) == 0, "alignment");
                T_REQUIRE((a >> 21) == ((a >> 12) + n - 1) >> 9, "inside one block");
                l[nl].addr = a;
                l[nl++].n = n;
            }
        }
        if (op % 20000 == 0)
            T_REQUIRE(t_check(&ti) == 0);
    }
    while (nl > 0) {
        nl--;
        T_REQUIRE(t_free(&ti, l[nl].addr, l[nl].n) == AB_OK);
    }
    T_EXPECT(t_check(&ti) == 0);
    ab_stats st = t_stats(&ti);
    T_EXPECT(st.free_pages == npages && st.free_runs == 1 && st.largest_free_run == npages);
    /* Aligned blocks wholly inside [300, 300 + 24*512 + 300): blocks 1..24. */
    uint64_t a, count = 0, mask = 0;
    while (t_alloc(&ti, P2M, P2M, &a) == AB_OK) {
        count++;
        mask |= 1ull << (a >> 21);
    }
    T_EXPECT(count == 24 && mask == (((1ull << 24) - 1) << 1), "got %llu frames",
             (unsigned long long)count);
    t_inst_close(&ti);
}

/* Blocks only partly inside a span never become 2M frames; their pages are
 * served by the 4K path first. */
static void test_edge_blocks_never_become_2m(void)
{
    t_inst ti;
    uint64_t a, b;
    T_REQUIRE(open1(&ti, 100, 2 * P2M));
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_OK && a == 100 * PG);
    T_EXPECT(t_alloc(&ti, P2M, P2M, &b) == AB_OK && b == P2M * PG);
    T_EXPECT(t_alloc(&ti, P2M, 0, &b) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, a, 1) == AB_OK);
    T_EXPECT(t_alloc(&ti, P2M, 1, &b) == AB_ENOMEM, "edge entry is whole in-span, not 2M");
    /* A run ending at the span end, inside an edge block, frees exactly. */
    T_EXPECT(t_alloc(&ti, 100, 1024, &a) == AB_OK && a == 1024 * PG);
    T_EXPECT(t_free(&ti, a, 101) == AB_ERANGE);
    T_EXPECT(t_free(&ti, a, 99) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 100) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Exact boundaries for runs: wrong length or a middle page is ESIZE. */
static void test_run_free_needs_exact_boundaries(void)
{
    t_inst ti;
    uint64_t a, b;
    T_REQUIRE(open1(&ti, 0, 2 * P2M));
    T_REQUIRE(t_alloc(&ti, 3, 0, &a) == AB_OK);
    T_REQUIRE(t_alloc(&ti, 3, 0, &b) == AB_OK && b == a + 3 * PG);
    T_EXPECT(t_free(&ti, a, 2) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 4) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 6) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + PG, 2) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + 6 * PG, 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a, 3) == AB_OK);
    T_EXPECT(t_free(&ti, b, 3) == AB_OK);
    T_EXPECT(t_alloc(&ti, 513, 0, &a) == AB_ENOTSUP);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* The search policy: runs never cross a 2 MiB boundary. */
static void test_runs_stay_inside_one_block(void)
{
    t_inst ti;
    uint64_t a, p[2 * P2M];
    T_REQUIRE(open1(&ti, 0, 2 * P2M));
    for (unsigned i = 0; i < 2 * P2M; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &p[i]) == AB_OK && p[i] == i * PG);
    T_EXPECT(t_free(&ti, 511 * PG, 1) == AB_OK);
    T_EXPECT(t_free(&ti, 512 * PG, 1) == AB_OK);
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, 513 * PG, 1) == AB_OK);
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_OK && a == 512 * PG);
    T_EXPECT(t_stats(&ti).largest_free_run == 1);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Alignment is absolute, also above 2 MiB. */
static void test_alignment_is_absolute(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 3, 8 * P2M));
    T_EXPECT(t_alloc(&ti, 1, 8, &a) == AB_OK && a == 8 * PG);
    T_EXPECT(t_alloc(&ti, 4, 1024, &a) == AB_OK && a == 1024 * PG);
    T_EXPECT(t_alloc(&ti, P2M, 2048, &a) == AB_OK && a == 2048 * PG);
    T_EXPECT(t_alloc(&ti, 1, 4096, &a) == AB_OK && a == 4096 * PG, "edge block 8");
    T_EXPECT(t_alloc(&ti, 1, 8192, &a) == AB_ENOMEM, "page 0 is outside the span");
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static int collect(void *ctx, uint64_t first, uint64_t n)
{
    uint64_t *v = (uint64_t *)ctx;
    if (v[0] < 8) {
        v[1 + 2 * v[0]] = first;
        v[2 + 2 * v[0]] = n;
    }
    v[0]++;
    return 0;
}

/* walk_free merges free pages across entries, never across spans. */
static void test_walk_merges_across_entries_not_spans(void)
{
    ab_span sp[2] = {{0, 100}, {200, 3 * P2M}};
    t_inst ti;
    uint64_t v[17] = {0}, a;
    T_REQUIRE(t_inst_open(&ti, H, sp, 2) == AB_OK);
    H->walk_free(ti.meta, collect, v);
    T_EXPECT(v[0] == 2 && v[1] == 0 && v[2] == 100 && v[3] == 200 && v[4] == 3 * P2M);
    T_REQUIRE(t_alloc(&ti, P2M, P2M, &a) == AB_OK && a == P2M * PG);
    memset(v, 0, sizeof v);
    H->walk_free(ti.meta, collect, v);
    T_EXPECT(v[0] == 3 && v[3] == 200 && v[4] == 312 && v[5] == 1024 && v[6] == 712);
    T_EXPECT(t_free(&ti, a, P2M) == AB_OK);
    memset(v, 0, sizeof v);
    H->walk_free(ti.meta, collect, v);
    T_EXPECT(v[0] == 2 && v[4] == 3 * P2M);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* ---- multi-threaded stress ---- */

#define MT_THREADS 4
#define MT_OPS 200000
#define MT_LIVE 256
#define MT_PAGES (64 * P2M) /* 128 MiB */

typedef struct mt_ctx {
    t_inst *ti;
    unsigned char *owner; /* one byte per page: 0 = free, else thread + 1 */
    int id;
    int errors;
} mt_ctx;

static int mt_claim(mt_ctx *c, uint64_t addr, uint64_t n, bool take)
{
    int bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        unsigned char expect = take ? 0 : (unsigned char)(c->id + 1);
        unsigned char want = take ? (unsigned char)(c->id + 1) : 0;
        if (!__atomic_compare_exchange_n(&c->owner[(addr >> 12) + i], &expect, want, false,
                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            bad++;
    }
    return bad;
}

static void *mt_worker(void *arg)
{
    mt_ctx *c = (mt_ctx *)arg;
    live l[MT_LIVE];
    size_t nl = 0;
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(c->id + 1);
    for (int op = 0; op < MT_OPS; op++) {
        uint64_t r = rng_next(&seed);
        if (nl > 0 && ((r & 1) || nl == MT_LIVE)) {
            size_t i = (size_t)((r >> 8) % nl);
            c->errors += mt_claim(c, l[i].addr, l[i].n, false);
            if (c->ti->st->free(c->ti->meta, l[i].addr, l[i].n) != AB_OK)
                c->errors++;
            l[i] = l[--nl];
        } else {
            unsigned kind = (unsigned)((r >> 16) % 16);
            uint64_t n = kind == 0 ? P2M : kind == 1 ? 1 + (r >> 24) % 9 : 1;
            uint64_t al = kind == 0 ? P2M : kind == 1 ? 4 : 0;
            uint64_t a;
            ab_status s = c->ti->st->alloc(c->ti->meta, n, al, &a);
            if (s == AB_OK) {
                c->errors += mt_claim(c, a, n, true);
                l[nl].addr = a;
                l[nl++].n = n;
            } else if (s != AB_ENOMEM) {
                c->errors++;
            }
        }
    }
    while (nl > 0) {
        nl--;
        c->errors += mt_claim(c, l[nl].addr, l[nl].n, false);
        if (c->ti->st->free(c->ti->meta, l[nl].addr, l[nl].n) != AB_OK)
            c->errors++;
    }
    return NULL;
}

static void test_threads_stress_keeps_structure_sound(void)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, MT_PAGES));
    unsigned char *owner = calloc(MT_PAGES, 1);
    T_REQUIRE(owner != NULL);
    pthread_t th[MT_THREADS];
    mt_ctx c[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        c[i] = (mt_ctx){&ti, owner, i, 0};
        T_REQUIRE(pthread_create(&th[i], NULL, mt_worker, &c[i]) == 0);
    }
    /* stats (a walk taking each entry lock) while the workers run. */
    for (int i = 0; i < 200; i++) {
        ab_stats st = t_stats(&ti);
        T_EXPECT(st.free_pages <= MT_PAGES && st.largest_free_run <= st.free_pages);
    }
    int errors = 0;
    for (int i = 0; i < MT_THREADS; i++) {
        pthread_join(th[i], NULL);
        errors += c[i].errors;
    }
    T_EXPECT(errors == 0, "%d overlapping or failed operations", errors);
    T_EXPECT(t_check(&ti) == 0);
    ab_stats st = t_stats(&ti);
    T_EXPECT(st.free_pages == st.total_pages && st.total_pages == MT_PAGES);
    uint64_t a, count = 0;
    while (t_alloc(&ti, P2M, P2M, &a) == AB_OK)
        count++;
    T_EXPECT(count == MT_PAGES / P2M);
    free(owner);
    t_inst_close(&ti);
}

/* ---- two and four threads on one instance: bulk, exhaust, repeat ---- */

void ab_cpu_bind(uint32_t slot); /* strategies/cpu_host.c */

#define TH_PAGES (32 * P2M) /* 64 MiB */
#define TH_REPEAT 50000

typedef struct th_ctx {
    t_inst *ti;
    unsigned char *owner; /* one byte per page: 0 = free, else thread + 1 */
    pthread_barrier_t *bar;
    int id, slot;         /* slot < 0: the thread's own */
    int errors;
    uint64_t *got;        /* pages this thread holds */
    uint64_t ngot, exhausted;
} th_ctx;

static int th_take(th_ctx *c, uint64_t a)
{
    unsigned char expect = 0;
    return !__atomic_compare_exchange_n(&c->owner[a >> 12], &expect, (unsigned char)(c->id + 1),
                                        false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static int th_give(th_ctx *c, uint64_t a)
{
    unsigned char expect = (unsigned char)(c->id + 1);
    return !__atomic_compare_exchange_n(&c->owner[a >> 12], &expect, 0, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void th_free_all(th_ctx *c)
{
    for (uint64_t i = 0; i < c->ngot; i++) {
        c->errors += th_give(c, c->got[i]);
        c->errors += c->ti->st->free(c->ti->meta, c->got[i], 1) != AB_OK;
    }
    c->ngot = 0;
}

static void *th_worker(void *arg)
{
    th_ctx *c = (th_ctx *)arg;
    const ab_strategy *st = c->ti->st;
    void *meta = c->ti->meta;
    if (c->slot >= 0)
        ab_cpu_bind((uint32_t)c->slot);
    uint64_t a;
    pthread_barrier_wait(c->bar);
    /* Bulk: many pages each, then all freed, three times. */
    for (int round = 0; round < 3; round++) {
        for (uint64_t i = 0; i < TH_PAGES / 8; i++) {
            if (st->alloc(meta, 1, 0, &a) != AB_OK) {
                c->errors++;
                break;
            }
            c->errors += th_take(c, a);
            c->got[c->ngot++] = a;
        }
        th_free_all(c);
    }
    pthread_barrier_wait(c->bar);
    /* Exhaust: pages until ENOMEM; the main thread then takes what a
     * concurrent ENOMEM left (a reservation in flight), and checks. */
    while (st->alloc(meta, 1, 0, &a) == AB_OK) {
        c->errors += th_take(c, a);
        c->got[c->ngot++] = a;
    }
    c->exhausted = c->ngot;
    pthread_barrier_wait(c->bar);
    pthread_barrier_wait(c->bar);
    th_free_all(c);
    pthread_barrier_wait(c->bar);
    /* Repeat: alloc and free one page. */
    for (int i = 0; i < TH_REPEAT; i++) {
        if (st->alloc(meta, 1, 0, &a) != AB_OK) {
            c->errors++;
            continue;
        }
        c->errors += th_take(c, a);
        c->errors += th_give(c, a);
        c->errors += st->free(meta, a, 1) != AB_OK;
    }
    return NULL;
}

/* nthreads threads on one 64 MiB instance; same_slot: all bound to one
 * per-CPU slot (more threads than slots), else each its own. */
static void run_threads(int nthreads, bool same_slot)
{
    t_inst ti;
    T_REQUIRE(open1(&ti, 0, TH_PAGES));
    unsigned char *owner = calloc(TH_PAGES, 1);
    T_REQUIRE(owner != NULL);
    pthread_barrier_t bar;
    T_REQUIRE(pthread_barrier_init(&bar, NULL, (unsigned)nthreads + 1) == 0);
    pthread_t th[4];
    th_ctx c[4];
    for (int i = 0; i < nthreads; i++) {
        c[i] = (th_ctx){&ti, owner, &bar, i, same_slot ? 7 : 10 + i, 0, NULL, 0, 0};
        c[i].got = malloc(TH_PAGES * sizeof(uint64_t));
        T_REQUIRE(c[i].got != NULL);
        T_REQUIRE(pthread_create(&th[i], NULL, th_worker, &c[i]) == 0);
    }
    pthread_barrier_wait(&bar); /* start */
    pthread_barrier_wait(&bar); /* bulk done */
    pthread_barrier_wait(&bar); /* exhausted */
    /* Quiescent: every page is held by exactly one thread or still free. */
    uint64_t held = 0, extra = 0, a;
    for (int i = 0; i < nthreads; i++)
        held += c[i].exhausted;
    T_EXPECT(t_check(&ti) == 0);
    uint64_t *more = malloc(TH_PAGES * sizeof(uint64_t));
    T_REQUIRE(more != NULL);
    while (t_alloc(&ti, 1, 0, &a) == AB_OK) {
        T_EXPECT(owner[a >> 12] == 0, "page %llx handed out twice", (unsigned long long)a);
        more[extra++] = a;
    }
    T_EXPECT(held + extra == TH_PAGES, "%llu held + %llu left of %llu",
             (unsigned long long)held, (unsigned long long)extra,
             (unsigned long long)TH_PAGES);
    T_EXPECT(t_stats(&ti).free_pages == 0);
    for (uint64_t i = 0; i < extra; i++)
        T_EXPECT(t_free(&ti, more[i], 1) == AB_OK);
    free(more);
    pthread_barrier_wait(&bar); /* threads free */
    pthread_barrier_wait(&bar); /* freed; repeat */
    int errors = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        errors += c[i].errors;
        free(c[i].got);
    }
    pthread_barrier_destroy(&bar);
    T_EXPECT(errors == 0, "%d pages handed out twice or failed operations", errors);
    T_EXPECT(t_check(&ti) == 0);
    ab_stats st = t_stats(&ti);
    T_EXPECT(st.free_pages == st.total_pages && st.total_pages == TH_PAGES);
    T_EXPECT(st.free_runs == 1 && st.largest_free_run == TH_PAGES);
    /* Every entry is a 2M frame again, the reserved ones included. */
    uint64_t count = 0;
    while (t_alloc(&ti, P2M, P2M, &a) == AB_OK)
        count++;
    T_EXPECT(count == TH_PAGES / P2M, "%llu 2M frames", (unsigned long long)count);
    T_EXPECT(t_check(&ti) == 0);
    free(owner);
    t_inst_close(&ti);
}

static void test_two_threads_bulk_exhaust_repeat(void) { run_threads(2, false); }
static void test_four_threads_bulk_exhaust_repeat(void) { run_threads(4, false); }
static void test_three_threads_sharing_one_slot(void) { run_threads(3, true); }

/* ---- the run path looks at classes, not at every entry ---- */

/* The class list order decides what a "may fit" class yields: at most
 * H2_PROBE (4) entries of such classes are looked at (the documented miss).
 * Runs of 8 and 9 pages share a class. Entries that were full and got pages
 * back wait in class 0 (longest not known) until a run search files them:
 * 4 of them first, all before it fails. */
static void test_run_probe_is_bounded_and_documented(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, 8 * P2M));
    for (uint64_t i = 0; i < 8 * P2M; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK && a == i * PG);
    /* Entries 0..4: 8-page holes; entry 6: a 9-page hole. All in class 0,
     * entry 6 at its head. */
    for (uint64_t e = 0; e < 5; e++)
        for (uint64_t p = 0; p < 8; p++)
            T_REQUIRE(t_free(&ti, (e * P2M + p) * PG, 1) == AB_OK);
    for (uint64_t p = 10; p < 19; p++)
        T_REQUIRE(t_free(&ti, (6 * P2M + p) * PG, 1) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_stats(&ti).largest_free_run == 9);
    /* No 10-page run: the failing search files all of class 0, each pushed
     * in front of the ones filed before: 0, 1, 2, 3, 4, 6 on class 8..9. */
    T_EXPECT(t_alloc(&ti, 10, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_alloc(&ti, 9, 0, &a) == AB_ENOMEM, "entry 6 is sixth on its class");
    /* That class surely holds 8 pages: its head, entry 0. */
    T_EXPECT(t_alloc(&ti, 8, 0, &a) == AB_OK && a == 0);
    T_EXPECT(t_alloc(&ti, 9, 0, &a) == AB_ENOMEM, "entry 6 is fifth");
    for (uint64_t e = 1; e <= 3; e++)
        T_EXPECT(t_alloc(&ti, 8, 0, &a) == AB_OK && a == e * P2M * PG);
    /* Now entries 4 and 6 are left on the class: both looked at. */
    T_EXPECT(t_alloc(&ti, 9, 0, &a) == AB_OK && a == (6 * P2M + 10) * PG);
    T_EXPECT(t_alloc(&ti, 8, 0, &a) == AB_OK && a == 4 * P2M * PG);
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_stats(&ti).free_pages == 0);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* A run whose only fit lies in entries of class 0 (their longest not known
 * yet) is found: the search files them before it fails, whatever their
 * number. */
static void test_run_finds_fits_in_class0(void)
{
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, 16 * P2M));
    for (uint64_t i = 0; i < 16 * P2M; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK);
    /* Twelve entries get one page back each (class 0), entry 13 a 300-page
     * run page by page: its longest is never computed on the way. */
    for (uint64_t e = 0; e < 12; e++)
        T_REQUIRE(t_free(&ti, (e * P2M + 7) * PG, 1) == AB_OK);
    for (uint64_t p = 100; p < 400; p++)
        T_REQUIRE(t_free(&ti, (13 * P2M + p) * PG, 1) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_alloc(&ti, 300, 0, &a) == AB_OK && a == (13 * P2M + 100) * PG);
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_check(&ti) == 0);
    /* Freed in one call, the run puts entry 13 (212 pages still allocated)
     * back in class 0: a 300-page run is found again, a 301-page one is not. */
    T_EXPECT(t_free(&ti, (13 * P2M + 100) * PG, 300) == AB_OK);
    T_EXPECT(t_alloc(&ti, 301, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 300, 0, &a) == AB_OK && a == (13 * P2M + 100) * PG);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* 16 GiB (8192 entries) at about 90 % fill: the one entry that fits is
 * found wherever it lies, and multi-page churn stays correct. */
static void test_runs_at_16gib_near_full(void)
{
    const uint64_t total = 16ull << 18;
    t_inst ti;
    uint64_t a;
    T_REQUIRE(open1(&ti, 0, total));
    unsigned char *state = calloc(total, 1); /* 0 single, 1 free, 2 run */
    T_REQUIRE(state != NULL);
    for (uint64_t i = 0; i < total; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK && a == i * PG);
    for (uint64_t e = 0; e < total / P2M; e++)
        for (uint64_t p = 0; p < 3; p += 2) {
            T_REQUIRE(t_free(&ti, (e * P2M + p) * PG, 1) == AB_OK);
            state[e * P2M + p] = 1;
        }
    for (uint64_t p = 100; p < 164; p++) {
        T_REQUIRE(t_free(&ti, (5000 * P2M + p) * PG, 1) == AB_OK);
        state[5000 * P2M + p] = 1;
    }
    for (uint64_t p = 300; p < 332; p++) {
        T_REQUIRE(t_free(&ti, (7000 * P2M + p) * PG, 1) == AB_OK);
        state[7000 * P2M + p] = 1;
    }
    T_EXPECT(t_check(&ti) == 0);
    uint64_t r64, r32, r1;
    T_EXPECT(t_alloc(&ti, 64, 0, &r64) == AB_OK && r64 == (5000 * P2M + 100) * PG);
    T_EXPECT(t_alloc(&ti, 33, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 32, 0, &r32) == AB_OK && r32 == (7000 * P2M + 300) * PG);
    T_EXPECT(t_alloc(&ti, 2, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 1, 2, &r1) == AB_OK && (r1 >> 12) % 2 == 0);
    T_EXPECT(t_free(&ti, r64, 64) == AB_OK && t_free(&ti, r32, 32) == AB_OK);
    T_EXPECT(t_free(&ti, r1, 1) == AB_OK);
    /* Free about a tenth of the singles. */
    uint64_t seed = 777, nfree = 0;
    for (uint64_t i = 0; i < total; i++)
        if (state[i] == 0 && rng_next(&seed) % 10 == 0) {
            T_REQUIRE(t_free(&ti, i * PG, 1) == AB_OK);
            state[i] = 1;
        }
    for (uint64_t i = 0; i < total; i++)
        nfree += state[i] == 1;
    T_EXPECT(t_stats(&ti).free_pages == nfree);
    T_EXPECT(t_check(&ti) == 0);
    /* Churn: runs of 2..64 pages, some aligned. */
    static live l[4096];
    size_t nl = 0;
    uint64_t ok = 0;
    for (int op = 0; op < 40000; op++) {
        uint64_t r = rng_next(&seed);
        if (nl == 4096 || (nl > 0 && (r & 1) == 0)) {
            size_t i = (size_t)((r >> 8) % nl);
            T_REQUIRE(t_free(&ti, l[i].addr, l[i].n) == AB_OK);
            for (uint64_t k = 0; k < l[i].n; k++)
                state[(l[i].addr >> 12) + k] = 1;
            l[i] = l[--nl];
            continue;
        }
        uint64_t n = 2 + (r >> 8) % 63, al = (r >> 20) % 4 == 0 ? 1ull << ((r >> 24) % 7) : 0;
        ab_status s = t_alloc(&ti, n, al, &a);
        T_REQUIRE(s == AB_OK || s == AB_ENOMEM);
        if (s != AB_OK)
            continue;
        ok++;
        uint64_t pg = a >> 12;
        T_REQUIRE(al <= 1 || pg % al == 0, "alignment");
        T_REQUIRE((pg >> 9) == ((pg + n - 1) >> 9), "inside one block");
        for (uint64_t k = 0; k < n; k++) {
            T_REQUIRE(state[pg + k] == 1, "page %llx was not free", (unsigned long long)(pg + k));
            state[pg + k] = 2;
        }
        l[nl].addr = a;
        l[nl++].n = n;
    }
    T_EXPECT(ok > 10000, "only %llu runs served", (unsigned long long)ok);
    T_EXPECT(t_check(&ti) == 0);
    while (nl > 0) {
        nl--;
        T_REQUIRE(t_free(&ti, l[nl].addr, l[nl].n) == AB_OK);
    }
    T_EXPECT(t_stats(&ti).free_pages == nfree);
    T_EXPECT(t_check(&ti) == 0);
    free(state);
    t_inst_close(&ti);
}

int main(void)
{
    T_RUN(test_frame0_frees_and_entry_becomes_2m_again);
    T_RUN(test_4k_free_inside_2m_is_esize);
    T_RUN(test_double_free_4k_is_edouble);
    T_RUN(test_double_free_2m_is_edouble);
    T_RUN(test_table_sized_from_spans_not_fixed);
    T_RUN(test_init_64gib_is_fast);
    T_RUN(test_reservation_and_lazy_lists_stay_consistent);
    T_RUN(test_churn_then_free_all_restores_2m_frames);
    T_RUN(test_edge_blocks_never_become_2m);
    T_RUN(test_run_free_needs_exact_boundaries);
    T_RUN(test_runs_stay_inside_one_block);
    T_RUN(test_alignment_is_absolute);
    T_RUN(test_walk_merges_across_entries_not_spans);
    T_RUN(test_threads_stress_keeps_structure_sound);
    T_RUN(test_two_threads_bulk_exhaust_repeat);
    T_RUN(test_four_threads_bulk_exhaust_repeat);
    T_RUN(test_three_threads_sharing_one_slot);
    T_RUN(test_run_probe_is_bounded_and_documented);
    T_RUN(test_run_finds_fits_in_class0);
    T_RUN(test_runs_at_16gib_near_full);
    return t_finish();
}
