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
