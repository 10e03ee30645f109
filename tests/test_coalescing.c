/*
 * The coalescing tests seed 000's reviewer asked for: tests that could only
 * pass if coalescing works.
 *
 *   coalesce.<strategy>.<map>: allocate every page one at a time, free them
 *   all in random order; then the memory must be allocatable again in the
 *   largest pieces the strategy serves: each whole span as one run when
 *   max_npages is 0, else every naturally aligned max-size block.
 *
 *   coalesce2m.<strategy>: for strategies with 2 MiB frames, a churn of small
 *   runs fragments every 2 MiB block; after freeing everything, every
 *   aligned 2 MiB block must be allocatable as a 2 MiB frame again.
 */
#include <inttypes.h>
#include <stdio.h>

#include "maps.h"
#include "strategy_util.h"
#include "testlib.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const ab_strategy *cur;
static const t_map *cur_map;

/* Largest naturally aligned power-of-two block at page p, at most max. */
static uint64_t aligned_block(uint64_t p, uint64_t left, uint64_t max)
{
    uint64_t b = p == 0 ? (uint64_t)1 << 62 : p & (~p + 1);
    while (b > left || (max != 0 && b > max))
        b >>= 1;
    return b;
}

static void single_pages_then_whole(const t_map *m)
{
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, cur, m->spans, m->nspans) == AB_OK);
    ab_stats fresh = t_stats(&ti);
    uint64_t total = fresh.total_pages, got = 0, addr, seed = 0x9E3779B97F4A7C15ull;
    uint64_t *addrs = calloc(total, sizeof *addrs);
    while (got < total && t_alloc(&ti, 1, 0, &addr) == AB_OK)
        addrs[got++] = addr;
    T_EXPECT(got == total, "%s/%s: %" PRIu64 " of %" PRIu64 " pages", cur->name, m->name, got,
             total);
    for (uint64_t i = got; i > 1; i--) {
        uint64_t j = rng(&seed) % i, t = addrs[i - 1];
        addrs[i - 1] = addrs[j];
        addrs[j] = t;
    }
    for (uint64_t i = 0; i < got; i++)
        T_EXPECT(t_free(&ti, addrs[i], 1) == AB_OK);
    ab_stats back = t_stats(&ti);
    T_EXPECT(memcmp(&fresh, &back, sizeof back) == 0 && t_check(&ti) == 0,
             "%s/%s: stats after freeing in random order differ from fresh (runs %" PRIu64
             " vs %" PRIu64 ", largest %" PRIu64 " vs %" PRIu64 ")",
             cur->name, m->name, back.free_runs, fresh.free_runs, back.largest_free_run,
             fresh.largest_free_run);

    if (cur->max_npages == 0) {
        /* Largest span first: each request then fits only one span. */
        int done[8] = {0};
        for (size_t k = 0; k < m->nspans; k++) {
            size_t best = m->nspans;
            for (size_t s = 0; s < m->nspans; s++)
                if (!done[s] && (best == m->nspans || m->spans[s].npages > m->spans[best].npages))
                    best = s;
            done[best] = 1;
            ab_status s = t_alloc(&ti, m->spans[best].npages, 0, &addr);
            T_EXPECT(s == AB_OK,
                     "%s/%s: span %zu (%" PRIu64 " pages) not allocatable as one run: %s",
                     cur->name, m->name, best, m->spans[best].npages, ab_status_name(s));
        }
    } else {
        /* Every aligned block of the spans' decomposition, largest first. */
        for (uint64_t size = (uint64_t)1 << 62; size > 0; size >>= 1) {
            for (size_t s = 0; s < m->nspans; s++) {
                uint64_t p = m->spans[s].first_page, end = p + m->spans[s].npages;
                while (p < end) {
                    uint64_t b = aligned_block(p, end - p, cur->max_npages);
                    if (b == size) {
                        ab_status st = t_alloc(&ti, b, b, &addr);
                        T_EXPECT(st == AB_OK, "%s/%s: aligned block of %" PRIu64 " pages: %s",
                                 cur->name, m->name, b, ab_status_name(st));
                    }
                    p += b;
                }
            }
        }
    }
    ab_stats full = t_stats(&ti);
    T_EXPECT(full.free_pages == 0, "%s/%s: %" PRIu64 " pages left over", cur->name, m->name,
             full.free_pages);
    free(addrs);
    t_inst_close(&ti);
}

static void coalesce(const ab_strategy *st)
{
    (void)st;
    single_pages_then_whole(cur_map);
}

typedef struct held {
    uint64_t addr, n;
} held;

static int count_free_2m(void *ctx, uint64_t first, uint64_t n)
{
    uint64_t start = (first + AB_PAGES_2M - 1) & ~(uint64_t)(AB_PAGES_2M - 1);
    if (start < first + n)
        *(uint64_t *)ctx += (first + n - start) / AB_PAGES_2M;
    return 0;
}

static void coalesce_2m(const ab_strategy *st)
{
    /* Sixteen whole 2 MiB blocks at 1 GiB, plus a ragged span. */
    const ab_span spans[] = {{0x40000, 16 * AB_PAGES_2M}, {0x48000 + 7, 1000}};
    t_inst ti;
    T_REQUIRE(t_inst_open(&ti, st, spans, 2) == AB_OK);
    held *h = calloc(20000, sizeof *h);
    size_t nheld = 0;
    uint64_t seed = 12345, min_free_2m = UINT64_MAX;
    for (int op = 0; op < 200000; op++) {
        if (nheld < 20000 && (nheld == 0 || rng(&seed) % 100 < 55)) {
            uint64_t n = 1 + rng(&seed) % 8, addr;
            if (t_alloc(&ti, n, 0, &addr) == AB_OK) {
                h[nheld].addr = addr;
                h[nheld].n = n;
                nheld++;
            }
        } else {
            size_t k = (size_t)(rng(&seed) % nheld);
            T_EXPECT(t_free(&ti, h[k].addr, h[k].n) == AB_OK);
            h[k] = h[--nheld];
        }
        if (op % 1000 == 0) {
            uint64_t f2m = 0;
            st->walk_free(ti.meta, count_free_2m, &f2m);
            if (f2m < min_free_2m)
                min_free_2m = f2m;
        }
    }
    T_EXPECT(min_free_2m < 4, "%s: the churn never fragmented the 2 MiB blocks (min free %" PRIu64
             ")", st->name, min_free_2m);
    while (nheld > 0) {
        nheld--;
        T_EXPECT(t_free(&ti, h[nheld].addr, h[nheld].n) == AB_OK);
    }
    T_EXPECT(t_check(&ti) == 0);
    uint64_t addr, got = 0;
    ab_status s;
    while ((s = t_alloc(&ti, AB_PAGES_2M, AB_PAGES_2M, &addr)) == AB_OK) {
        T_EXPECT((addr >> AB_PAGE_SHIFT) % AB_PAGES_2M == 0, "2 MiB frame misaligned");
        got++;
    }
    T_EXPECT(got == 16, "%s: %" PRIu64 " of 16 aligned 2 MiB blocks allocatable after churn (%s)",
             st->name, got, ab_status_name(s));
    free(h);
    t_inst_close(&ti);
}

int main(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    char name[128];
    for (size_t i = 0; i < n; i++) {
        cur = all[i];
        if (!(cur->caps & AB_CAP_CONTIG))
            continue;
        for (size_t m = 0; m < T_NMAPS(t_pmm_maps); m++) {
            cur_map = &t_pmm_maps[m];
            snprintf(name, sizeof name, "coalesce.%s.%s", cur->name, cur_map->name);
            T_RUN_NAMED(name, coalesce, cur);
        }
        for (size_t m = 0; m < T_NMAPS(t_vmm_maps); m++) {
            cur_map = &t_vmm_maps[m];
            snprintf(name, sizeof name, "coalesce.%s.%s", cur->name, cur_map->name);
            T_RUN_NAMED(name, coalesce, cur);
        }
        if (cur->caps & AB_CAP_HUGE2M) {
            snprintf(name, sizeof name, "coalesce2m.%s", cur->name);
            T_RUN_NAMED(name, coalesce_2m, cur);
        }
    }
    return t_finish();
}
