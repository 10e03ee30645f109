/*
 * What the strategies' own regression tests (tests/strategies/test_*.c)
 * check alike: the free runs against a list, a copy of the metadata to see
 * that a failed call changed nothing, init's refusals, and a 64 GiB init.
 * Include after testlib.h and strategy_util.h. Each helper's checks are
 * T_EXPECTs (failures report this file's line, with the reason).
 */
#ifndef ALLOCBENCH_EDGE_UTIL_H
#define ALLOCBENCH_EDGE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strategy_util.h"
#include "testlib.h"

/* Page number to address (the tests' own PG). */
#define PG_(p) ((uint64_t)(p) << AB_PAGE_SHIFT)

/* True iff the free runs walk_free() reports are exactly the n (first,
   npages) pairs given, the stats agree (runs, free pages, largest run) and
   check() finds nothing broken. */
static inline int t_runs_are(t_inst *ti, int n, const uint64_t *pairs)
{
    t_runs r = {0};
    ti->st->walk_free(ti->meta, t_runs_add, &r);
    if (r.n != n)
        return 0;
    uint64_t largest = 0, free_pages = 0;
    for (int i = 0; i < n; i++) {
        if (r.first[i] != pairs[2 * i] || r.npages[i] != pairs[2 * i + 1])
            return 0;
        free_pages += r.npages[i];
        if (r.npages[i] > largest)
            largest = r.npages[i];
    }
    ab_stats s = t_stats(ti);
    return s.free_runs == (uint64_t)n && s.free_pages == free_pages &&
           s.largest_free_run == largest && t_check(ti) == 0;
}

/* RUNS_ARE(ti, first, npages, first, npages, ...); RUNS_NONE(ti). */
#define RUNS_ARE(ti, ...)                                                       \
    do {                                                                        \
        static const uint64_t pairs_[] = {__VA_ARGS__};                         \
        T_EXPECT(t_runs_are((ti), (int)(sizeof pairs_ / sizeof pairs_[0] / 2), \
                            pairs_), "%s", (ti)->st->name);                     \
    } while (0)
#define RUNS_NONE(ti) T_EXPECT(t_runs_are((ti), 0, NULL), "%s", (ti)->st->name)

/* A malloc'd copy of the instance's metadata (free it), NULL when out of
   memory. */
static inline unsigned char *t_meta_copy(const t_inst *ti)
{
    unsigned char *copy = malloc(ti->meta_len);
    if (copy != NULL)
        memcpy(copy, ti->meta, ti->meta_len);
    return copy;
}

/* The first byte at or after from where the metadata differs from copy, or
   0 when none does. */
static inline size_t t_meta_first_diff(const t_inst *ti, const unsigned char *copy, size_t from)
{
    for (size_t i = from; i < ti->meta_len; i++)
        if (copy[i] != ((const unsigned char *)ti->meta)[i])
            return i;
    return 0;
}

/* Frees that must fail, and change nothing, on a range strategy (AB_EDOUBLE
   iff the first page is free, AB_ESIZE for every other mismatch), checked in
   ti over the one span [base, base + len): three allocations a, b, c of na,
   nb, nc pages from base up (na >= 3), c freed again. Then b and a free, the
   span is one run, and a whole-span allocation frees only whole, once. */
static inline void t_free_errors_exact(t_inst *ti, uint64_t base, uint64_t len, uint64_t na,
                                       uint64_t nb, uint64_t nc)
{
#define FREE_IS_(addr, n, want) T_EXPECT(t_free(ti, (addr), (n)) == (want), "%s", ti->st->name)
    uint64_t a, b, c;
    T_REQUIRE(t_alloc(ti, na, 0, &a) == AB_OK && a == PG_(base));
    T_REQUIRE(t_alloc(ti, nb, 0, &b) == AB_OK && b == PG_(base + na));
    T_REQUIRE(t_alloc(ti, nc, 0, &c) == AB_OK && c == PG_(base + na + nb));
    T_REQUIRE(t_free(ti, c, nc) == AB_OK); /* c.. free to the end */
    unsigned char *before = t_meta_copy(ti);
    T_REQUIRE(before != NULL);
    FREE_IS_(a, 0, AB_EINVAL);
    FREE_IS_(a + 1, na, AB_EALIGN);
    FREE_IS_(a + 8, na, AB_EALIGN);
    FREE_IS_(PG_(base - 1), 1, AB_ERANGE);
    FREE_IS_(PG_(base + len - 2), 3, AB_ERANGE);
    FREE_IS_(c, 1, AB_EDOUBLE);                   /* a free run's first page */
    FREE_IS_(c, nc, AB_EDOUBLE);                  /* double free */
    FREE_IS_(c + PG_(2), 2, AB_EDOUBLE);          /* inside a free run */
    FREE_IS_(c + PG_(4), 1, AB_EDOUBLE);          /* never allocated */
    FREE_IS_(a, na - 1, AB_ESIZE);                /* too short */
    FREE_IS_(a, na + 1, AB_ESIZE);                /* into the next allocation */
    for (uint64_t k = 1; k <= 2; k++) {
        FREE_IS_(a + PG_(k), 1, AB_ESIZE);        /* a middle page */
        FREE_IS_(a + PG_(k), na - k, AB_ESIZE);   /* middle to the end */
    }
    FREE_IS_(b, nb - 1, AB_ESIZE);
    FREE_IS_(b, nb + 1, AB_ESIZE);                /* into a free run */
    FREE_IS_(b, nb + 4, AB_ESIZE);
    FREE_IS_(a, na + nb, AB_ESIZE);               /* two allocations */
    T_EXPECT(memcmp(before, ti->meta, ti->meta_len) == 0, "%s: a failed free changed the "
             "metadata", ti->st->name);
    free(before);
    FREE_IS_(b, nb, AB_OK);
    FREE_IS_(b, nb, AB_EDOUBLE);
    FREE_IS_(a, na, AB_OK);
    const uint64_t whole[2] = {base, len};
    T_EXPECT(t_runs_are(ti, 1, whole), "%s", ti->st->name);
    /* An allocation ending at the span's end. */
    T_REQUIRE(t_alloc(ti, len, 0, &a) == AB_OK);
    FREE_IS_(a, len - 1, AB_ESIZE);
    FREE_IS_(PG_(base + len - 1), 1, AB_ESIZE);
    FREE_IS_(a, len, AB_OK);
    FREE_IS_(a, len, AB_EDOUBLE);
#undef FREE_IS_
}

/* The spans of t_every_other_page, for t_inst_open. */
#define T_EOP_SPANS {{1, 1001}, {2000, 1000}, {4000, 1}}
/* On a range strategy opened over T_EOP_SPANS: every other page free in
   every span (1002 free runs, the most there can be), reached by frees (span
   1, by single pages) and by aligned splits in three (span 0), then merged
   back into one run per span. */
static inline void t_every_other_page(t_inst *ti)
{
    uint64_t a;
    T_REQUIRE(t_alloc(ti, 1001, 0, &a) == AB_OK && a == PG_(1));
    for (uint64_t i = 0; i < 1000; i++)
        T_REQUIRE(t_alloc(ti, 1, 0, &a) == AB_OK && a == PG_(2000 + i));
    for (uint64_t p = 2000; p < 3000; p += 2)
        T_EXPECT(t_free(ti, PG_(p), 1) == AB_OK);
    T_EXPECT(t_free(ti, PG_(1), 1001) == AB_OK);
    for (uint64_t i = 0; i < 500; i++) /* splits in three: pages 2, 4, ..., 1000 */
        T_REQUIRE(t_alloc(ti, 1, 2, &a) == AB_OK && a == PG_(2 + 2 * i));
    ab_stats s = t_stats(ti);
    /* ceil(1001/2) + ceil(1000/2) + ceil(1/2) = 501 + 500 + 1. */
    T_EXPECT(s.free_runs == 1002, "%s: runs %llu", ti->st->name,
             (unsigned long long)s.free_runs);
    T_EXPECT(s.free_pages == 1002 && s.largest_free_run == 1, "%s", ti->st->name);
    T_EXPECT(t_check(ti) == 0, "%s", ti->st->name);
    for (uint64_t p = 2; p <= 1000; p += 2)
        T_EXPECT(t_free(ti, PG_(p), 1) == AB_OK);
    for (uint64_t p = 2001; p < 3000; p += 2)
        T_EXPECT(t_free(ti, PG_(p), 1) == AB_OK);
    RUNS_ARE(ti, 1, 1001, 2000, 1000, 4000, 1);
}

/* init's refusals that strategy.h asks of every strategy: meta_bytes is 0
   for the spans bad (not normalized), for no spans and for NULL; init is
   AB_EINVAL for a length one byte short, for memory misalign bytes off
   AB_META_ALIGN and for bad; then init on good succeeds and check() is 0. */
static inline void t_init_rejects(const ab_strategy *st, const ab_span *bad, size_t nbad,
                                  const ab_span *good, size_t misalign)
{
    T_EXPECT(st->meta_bytes(bad, nbad) == 0, "%s", st->name);
    T_EXPECT(st->meta_bytes(good, 0) == 0, "%s", st->name);
    T_EXPECT(st->meta_bytes(NULL, 1) == 0, "%s", st->name);
    size_t need = st->meta_bytes(good, 1);
    T_REQUIRE(need > 0, "%s", st->name);
    unsigned char *m = aligned_alloc(64, ((need + 63) & ~(size_t)63) + 128);
    T_REQUIRE(m != NULL);
    T_EXPECT(st->init(m, need - 1, good, 1) == AB_EINVAL, "%s", st->name);
    T_EXPECT(st->init(m + misalign, need, good, 1) == AB_EINVAL, "%s", st->name);
    T_EXPECT(st->init(m, need + 64, bad, nbad) == AB_EINVAL, "%s", st->name);
    T_EXPECT(st->init(m, need, good, 1) == AB_OK, "%s", st->name);
    T_EXPECT(st->check(m) == 0, "%s", st->name);
    free(m);
}

/* Metadata for the one span sp, junk-filled, and init timed on it: expects
   fewer than max_meta bytes and init under max_sec seconds, and prints both.
   The metadata (free it), or NULL after a failure report. */
static inline unsigned char *t_init_timed(const ab_strategy *st, const ab_span *sp,
                                          size_t max_meta, double max_sec)
{
    size_t need = st->meta_bytes(sp, 1);
    T_EXPECT(need > 0, "%s: meta_bytes 0", st->name);
    T_EXPECT(need < max_meta, "meta %zu bytes", need);
    size_t rounded = (need + 63) & ~(size_t)63;
    unsigned char *m = need > 0 ? aligned_alloc(64, rounded) : NULL;
    if (m == NULL)
        return NULL;
    memset(m, 0xA5, rounded);
    clock_t t0 = clock();
    ab_status s = st->init(m, need, sp, 1);
    double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
    T_EXPECT(s == AB_OK, "%s: init %d", st->name, (int)s);
    if (s != AB_OK) {
        free(m);
        return NULL;
    }
    T_EXPECT(sec < max_sec, "init took %.3f s", sec);
    double gib = (double)sp->npages * AB_PAGE_BYTES / 1073741824.0;
    printf("     %.0f GiB: meta %zu bytes (%.2f MiB/GiB), init %.4f s\n", gib, need,
           (double)need / gib / 1048576.0, sec);
    return m;
}

#endif
