/*
 * allocbench heapscale: malloc time against live chunks, per heap (see
 * heapscale.h). For each heap and count n: fill n blocks, then time ops
 * steps of a malloc and a free of a random live block; one CSV row each.
 */
#define _GNU_SOURCE
#include "heapscale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/heap.h"
#include "heaprun.h"
#include "hist.h"
#include "host.h"
#include "prng.h"

const size_t hr_heapscale_counts[5] = {10, 100, 1000, 10000, 100000};

/* One (heap, count) measurement's inputs and scratch. */
typedef struct scale_run {
    const ab_heap *h;
    const ab_strategy *st;
    const ab_timer *tm;
    size_t n;
    uint64_t ops, seed;
    void **live;
    ab_hist *hm, *hf;
    char *err;
    size_t len;
} scale_run;

static uint32_t scale_size(ab_rng *rng) { return 16u + (uint32_t)ab_rng_below(rng, 497); }

static double ns_of(const ab_timer *t, uint64_t cycles)
{
    return (double)ab_cycles_to_ps(t, cycles) / 1000.0;
}

/* The timed steps over a heap holding s->n live blocks. 0 or -1. */
static int scale_steps(scale_run *s, void *meta, ab_rng *rng)
{
    const ab_heap *h = s->h;
    for (uint64_t i = 0; i < s->ops; i++) {
        uint32_t sz = scale_size(rng);
        uint64_t t0 = ab_tsc_read();
        void *p = h->malloc(meta, sz);
        uint64_t t1 = ab_tsc_read();
        if (p == NULL) {
            snprintf(s->err, s->len, "%s: malloc failed at %zu live blocks", h->name, s->n);
            return -1;
        }
        ab_hist_add(s->hm, ab_timer_delta(s->tm, t0, t1));
        ((unsigned char *)p)[0] = 1;
        size_t victim = (size_t)ab_rng_below(rng, s->n + 1);
        void *q = victim == s->n ? p : s->live[victim];
        if (victim != s->n)
            s->live[victim] = p;
        t0 = ab_tsc_read();
        ab_status st = h->free(meta, q);
        t1 = ab_tsc_read();
        ab_hist_add(s->hf, ab_timer_delta(s->tm, t0, t1));
        if (st != AB_OK) {
            snprintf(s->err, s->len, "%s: free: %s", h->name, ab_status_name(st));
            return -1;
        }
    }
    return 0;
}

/* Fills, measures and checks one heap at one count; the stats in *hs. */
static int scale_one(scale_run *s, ab_heap_stats *hs)
{
    /* Window: 4x the blocks' bytes, at least 64 MiB. */
    size_t pages = (s->n * 600 * 4) / AB_PAGE_BYTES;
    pages = pages < 16384 ? 16384 : pages;
    hr_heap hh;
    if (hr_heap_open(&hh, s->h, s->st, pages, s->err, s->len) != 0)
        return -1;
    ab_rng rng;
    ab_rng_seed(&rng, s->seed);
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++)
        if ((s->live[i] = s->h->malloc(hh.meta, scale_size(&rng))) == NULL) {
            snprintf(s->err, s->len, "%s: malloc failed while filling to %zu blocks",
                     s->h->name, s->n);
            rc = -1;
        }
    ab_hist_clear(s->hm);
    ab_hist_clear(s->hf);
    if (rc == 0)
        rc = scale_steps(s, hh.meta, &rng);
    s->h->stats(hh.meta, hs);
    if (rc == 0 && s->h->check(hh.meta) != 0) {
        snprintf(s->err, s->len, "%s: check() failed after %zu live chunks", s->h->name, s->n);
        rc = -1;
    }
    hr_heap_close(&hh);
    return rc;
}

static void scale_row(const scale_run *s, const ab_heap_stats *hs, hbuf *out)
{
    double mean = ns_of(s->tm, ab_hist_mean_milli(s->hm)) / 1000.0;
    double fmean = ns_of(s->tm, ab_hist_mean_milli(s->hf)) / 1000.0;
    hbuf_printf(out, "%s,%s,%zu,%llu,%.1f,%.1f,%.1f,%.1f,%llu,%llu\n", s->h->name, s->st->name,
                s->n, (unsigned long long)s->ops, mean,
                ns_of(s->tm, ab_hist_percentile(s->hm, AB_P50)),
                ns_of(s->tm, ab_hist_percentile(s->hm, AB_P99)), fmean,
                (unsigned long long)hs->peak_footprint_bytes,
                (unsigned long long)hs->peak_live_bytes);
    fprintf(stderr, "heapscale: %-8s over %s, %6zu live chunks: malloc mean %.1f ns, "
            "free mean %.1f ns\n", s->h->name, s->st->name, s->n, mean, fmean);
}

int hr_heapscale(const ab_strategy *st, const size_t *counts, size_t ncounts, uint64_t ops,
                 uint64_t seed, hbuf *out, char *err, size_t len)
{
    hbuf_printf(out, "heap,strategy,live_chunks,ops,malloc_mean_ns,malloc_p50_ns,"
                     "malloc_p99_ns,free_mean_ns,peak_footprint_bytes,peak_live_bytes\n");
    size_t nheaps, maxn = 0;
    const ab_heap *const *heaps = ab_heap_registry(&nheaps);
    for (size_t i = 0; i < ncounts; i++)
        maxn = counts[i] > maxn ? counts[i] : maxn;
    scale_run s = {NULL, st, host_timer(), 0, ops, seed, malloc((maxn + 1) * sizeof(void *)),
                   malloc(sizeof(ab_hist)), malloc(sizeof(ab_hist)), err, len};
    int rc = 0;
    if (s.live == NULL || s.hm == NULL || s.hf == NULL) {
        snprintf(err, len, "out of memory");
        rc = -1;
    }
    for (size_t k = 0; k < nheaps && rc == 0; k++) {
        for (size_t c = 0; c < ncounts && rc == 0; c++) {
            ab_heap_stats hs;
            s.h = heaps[k];
            s.n = counts[c];
            if ((rc = scale_one(&s, &hs)) == 0)
                scale_row(&s, &hs, out);
        }
    }
    free(s.live);
    free(s.hm);
    free(s.hf);
    return rc;
}
