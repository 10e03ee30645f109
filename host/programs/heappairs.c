/*
 * allocbench host: malloc+free pairs of 16..512 bytes on every heap of
 * heap/ (over a page strategy), jemalloc and glibc, in one run, and the
 * issue's target: slab's mean pair within 2x of jemalloc's.
 *
 * Each repetition times a whole batch of pairs between two TSC reads, so
 * the timer's own cost cannot bias the mean; the median of the repetitions
 * is reported. Every allocator sees the same sizes (a seeded table built
 * before timing). jemalloc is the baseline's RTLD_LOCAL load; glibc is the
 * tool's own malloc.
 */
#define _GNU_SOURCE
#include "heappairs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "baselines.h"
#include "heaprun.h"

#define SIZES 4096u
#define SLAB_TARGET 2.0

typedef struct pair_alloc {
    const char *name;
    const ab_heap *heap;   /* a heap of heap/, or NULL */
    hr_heap hh;
    void *(*mallocx)(size_t, int);
    void (*dallocx)(void *, int);
} pair_alloc;

static void *pa_malloc(pair_alloc *a, size_t n)
{
    if (a->heap != NULL)
        return a->heap->malloc(a->hh.meta, n);
    if (a->mallocx != NULL)
        return a->mallocx(n, 0);
    return malloc(n);
}

static void pa_free(pair_alloc *a, void *p)
{
    if (a->heap != NULL)
        a->heap->free(a->hh.meta, p);
    else if (a->dallocx != NULL)
        a->dallocx(p, 0);
    else
        free(p);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Median over reps of (cycles per pair), or 0 if a malloc failed. */
static double time_pairs(pair_alloc *a, const uint32_t *sizes, uint64_t pairs, unsigned reps)
{
    uint64_t per[16];
    if (reps > 16)
        reps = 16;
    for (uint64_t i = 0; i < SIZES; i++) /* warm up: pages, caches, lazy binding */
        pa_free(a, pa_malloc(a, sizes[i]));
    for (unsigned r = 0; r < reps; r++) {
        uint64_t t0 = ab_tsc_read();
        for (uint64_t i = 0; i < pairs; i++) {
            void *p = pa_malloc(a, sizes[i & (SIZES - 1u)]);
            if (p == NULL)
                return 0;
            *(volatile unsigned char *)p = (unsigned char)i;
            pa_free(a, p);
        }
        per[r] = ab_tsc_read() - t0;
    }
    qsort(per, reps, sizeof per[0], cmp_u64);
    return (double)per[reps / 2] / (double)pairs;
}

int hr_heappairs(const ab_strategy *st, uint64_t pairs, unsigned reps, hbuf *csv, char *err,
                 size_t len)
{
    const ab_timer *tm = host_timer();
    uint32_t sizes[SIZES];
    ab_rng rng;
    ab_rng_seed(&rng, 1);
    for (unsigned i = 0; i < SIZES; i++)
        sizes[i] = 16u + (uint32_t)ab_rng_below(&rng, 497);

    size_t nheaps;
    const ab_heap *const *heaps = ab_heap_registry(&nheaps);
    pair_alloc all[8];
    size_t n = 0;
    for (size_t k = 0; k < nheaps && n < 6; k++) {
        memset(&all[n], 0, sizeof all[n]);
        all[n].name = heaps[k]->name;
        all[n].heap = heaps[k];
        if (hr_heap_open(&all[n].hh, heaps[k], st, 16384, err, len) != 0)
            return -1;
        n++;
    }
    const char *why = NULL;
    memset(&all[n], 0, sizeof all[n]);
    all[n].name = "jemalloc";
    int have_jem = host_jemalloc_fns(&all[n].mallocx, &all[n].dallocx, &why) == 0;
    if (have_jem)
        n++;
    else
        fprintf(stderr, "heappairs: %s\n", why);
    memset(&all[n], 0, sizeof all[n]);
    all[n].name = "glibc";
    n++;

    double cyc[8];
    for (size_t i = 0; i < n; i++)
        cyc[i] = time_pairs(&all[i], sizes, pairs, reps);
    double jem = have_jem ? cyc[n - 2] : 0;

    static const char head[] = "allocator,strategy,pairs,reps,pair_mean_cycles,pair_mean_ns,"
                               "ratio_to_jemalloc\n";
    hbuf_write(csv, head, sizeof head - 1);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char line[256];
        double ns = (double)ab_cycles_to_ps(tm, (uint64_t)(cyc[i] * 1000.0)) / 1e6;
        char ratio[32] = "";
        if (jem > 0)
            snprintf(ratio, sizeof ratio, "%.3f", cyc[i] / jem);
        snprintf(line, sizeof line, "%s,%s,%llu,%u,%.2f,%.2f,%s\n", all[i].name,
                 all[i].heap ? st->name : "", (unsigned long long)pairs, reps, cyc[i], ns,
                 ratio);
        hbuf_write(csv, line, strlen(line));
        if (cyc[i] == 0) {
            snprintf(err, len, "%s: malloc failed", all[i].name);
            rc = -1;
        }
        if (all[i].heap != NULL) {
            if (all[i].heap->check(all[i].hh.meta) != 0 && rc == 0) {
                snprintf(err, len, "%s: check() failed after the pairs", all[i].name);
                rc = -1;
            }
            hr_heap_close(&all[i].hh);
        }
    }
    for (size_t i = 0; i < n && jem > 0; i++) {
        if (all[i].heap == NULL || strcmp(all[i].name, "slab") != 0)
            continue;
        double r = cyc[i] / jem;
        printf("%-58s %7.2fx (<= %.0fx)  %s\n",
               "slab/jemalloc malloc+free pair 16..512 B, mean", r, SLAB_TARGET,
               r <= SLAB_TARGET ? "PASS" : "FAIL");
    }
    return rc;
}
