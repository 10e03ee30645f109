/*
 * The conformance suite: one randomized, model-based test for every
 * registered strategy, in the PMM or VMM role.
 *
 *   test_conformance STRATEGY pmm|vmm [OPS] [SEEDS]
 *
 * A shadow model records which allocation owns each page. Every operation
 * (alloc, free, and deliberately bad calls) is mirrored in the model, and
 * after every operation the test checks that:
 *   - an allocation lies inside one span, is aligned, and overlaps nothing;
 *   - a bad call returns its own status and changes nothing;
 *   - stats() agree with the model (free pages, largest run, runs, total);
 *   - check() finds no broken invariant.
 * Every 1024 operations, and at the end, walk_free() must list exactly the
 * model's free runs. OPS (default 500000) are split over the role's maps and
 * SEEDS (default 2) seeds; the fill level swings between 20 % and full so
 * that exhaustion and recovery are exercised on every map.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "strategy_util.h"
#include "testlib.h"

typedef struct live {
    uint64_t addr, n;
} live;

typedef struct model {
    const t_map *map;
    uint64_t prefix[9]; /* page index of each span's first page */
    uint64_t total;
    uint32_t *owner; /* per page index: 0 free, else live index + 1 */
    live *lives;
    size_t nlive, cap;
    uint64_t free_pages;
} model;

typedef struct runner {
    t_inst inst;
    model m;
    uint64_t rng;
    uint64_t ops, bad_calls, allocs_ok, enomem, enotsup;
    int broken; /* stops a run after the first failure, to keep logs short */
} runner;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return n == 0 ? 0 : rng_next(s) % n; }

/* Page index of a page number, or UINT64_MAX if unmanaged. */
static uint64_t model_index(const model *m, uint64_t page)
{
    size_t s = ab_span_find(m->map->spans, m->map->nspans, page);
    if (s == m->map->nspans)
        return UINT64_MAX;
    return m->prefix[s] + (page - m->map->spans[s].first_page);
}

static void model_init(model *m, const t_map *map)
{
    memset(m, 0, sizeof *m);
    m->map = map;
    for (size_t s = 0; s < map->nspans; s++) {
        m->prefix[s] = m->total;
        m->total += map->spans[s].npages;
    }
    m->owner = calloc(m->total, sizeof *m->owner);
    m->cap = (size_t)m->total + 1;
    m->lives = calloc(m->cap, sizeof *m->lives);
    m->free_pages = m->total;
}

static void model_fini(model *m)
{
    free(m->owner);
    free(m->lives);
}

/* Largest run and number of runs of the model, span by span. */
static void model_runs(const model *m, uint64_t *largest, uint64_t *runs)
{
    *largest = 0;
    *runs = 0;
    for (size_t s = 0; s < m->map->nspans; s++) {
        uint64_t len = 0;
        for (uint64_t i = m->prefix[s]; i < m->prefix[s] + m->map->spans[s].npages; i++) {
            if (m->owner[i] == 0) {
                if (len++ == 0)
                    (*runs)++;
                if (len > *largest)
                    *largest = len;
            } else {
                len = 0;
            }
        }
    }
}

typedef struct walk_cmp {
    const model *m;
    size_t span;
    uint64_t next_index; /* where the next expected run search starts */
    uint64_t runs_seen;
    int mismatch;
    uint64_t last_end;
} walk_cmp;

/* Each reported run must be exactly the model's next maximal free run. */
static int walk_cmp_run(void *ctx, uint64_t first, uint64_t n)
{
    walk_cmp *w = ctx;
    const model *m = w->m;
    uint64_t idx = model_index(m, first);
    if (idx == UINT64_MAX || n == 0 || first < w->last_end) {
        w->mismatch = 1;
        return 1;
    }
    size_t s = ab_span_find(m->map->spans, m->map->nspans, first);
    uint64_t span_end_idx = m->prefix[s] + m->map->spans[s].npages;
    if (n > span_end_idx - idx) {
        w->mismatch = 1;
        return 1;
    }
    /* Every page between the previous run and this one must be allocated. */
    for (uint64_t i = w->next_index; i < idx; i++)
        if (m->owner[i] == 0) {
            w->mismatch = 1;
            return 1;
        }
    for (uint64_t i = idx; i < idx + n; i++)
        if (m->owner[i] != 0) {
            w->mismatch = 1;
            return 1;
        }
    /* Maximal: the pages just outside are allocated or past the span. */
    if ((idx > m->prefix[s] && m->owner[idx - 1] == 0) ||
        (idx + n < span_end_idx && m->owner[idx + n] == 0)) {
        w->mismatch = 1;
        return 1;
    }
    w->next_index = idx + n;
    w->last_end = first + n;
    w->runs_seen++;
    return 0;
}

static void verify_walk(runner *r)
{
    walk_cmp w = {&r->m, 0, 0, 0, 0, 0};
    r->inst.st->walk_free(r->inst.meta, walk_cmp_run, &w);
    for (uint64_t i = w.next_index; i < r->m.total && !w.mismatch; i++)
        if (r->m.owner[i] == 0)
            w.mismatch = 1; /* a free page the walk never reported */
    T_EXPECT(!w.mismatch, "%s/%s: walk_free disagrees with the model after %" PRIu64 " ops",
             r->inst.st->name, r->m.map->name, r->ops);
    if (w.mismatch)
        r->broken = 1;
}

static void verify_state(runner *r, const char *after)
{
    ab_stats st = t_stats(&r->inst);
    uint64_t largest, runs;
    model_runs(&r->m, &largest, &runs);
    size_t broken = t_check(&r->inst);
    int ok = st.free_pages == r->m.free_pages && st.total_pages == r->m.total &&
             st.largest_free_run == largest && st.free_runs == runs && broken == 0;
    T_EXPECT(ok,
             "%s/%s after %s (op %" PRIu64 "): free %" PRIu64 "/%" PRIu64 " total %" PRIu64
             "/%" PRIu64 " largest %" PRIu64 "/%" PRIu64 " runs %" PRIu64 "/%" PRIu64
             " check() %zu (strategy/model)",
             r->inst.st->name, r->m.map->name, after, r->ops, st.free_pages, r->m.free_pages,
             st.total_pages, r->m.total, st.largest_free_run, largest, st.free_runs, runs,
             broken);
    if (!ok)
        r->broken = 1;
}

/* Draws a request size the strategy can serve, with its alignment. */
static void draw_request(runner *r, uint64_t *n, uint64_t *align)
{
    const ab_strategy *st = r->inst.st;
    uint64_t roll = rng_below(&r->rng, 100);
    *align = 0;
    if (!(st->caps & AB_CAP_CONTIG)) {
        *n = 1;
        return;
    }
    if (roll < 50)
        *n = 1;
    else if (roll < 80)
        *n = 2 + rng_below(&r->rng, 7);
    else if (roll < 94)
        *n = 9 + rng_below(&r->rng, 56);
    else if (roll < 97 && (st->caps & AB_CAP_HUGE2M)) {
        *n = AB_PAGES_2M;
        *align = AB_PAGES_2M;
    } else
        *n = 65 + rng_below(&r->rng, 700);
    if (st->max_npages != 0 && *n > st->max_npages)
        *n = st->max_npages;
    if (*align == 0 && rng_below(&r->rng, 4) == 0)
        *align = 1ull << rng_below(&r->rng, 5); /* 1..16 pages */
}

static void do_alloc(runner *r)
{
    model *m = &r->m;
    uint64_t n, align, addr = 0xDEADBEEFull;
    draw_request(r, &n, &align);
    ab_status s = t_alloc(&r->inst, n, align, &addr);
    if (s == AB_ENOMEM) {
        r->enomem++;
        return;
    }
    if (s == AB_ENOTSUP) {
        r->enotsup++;
        return;
    }
    T_EXPECT(s == AB_OK, "%s: alloc(%" PRIu64 ", %" PRIu64 ") returned %s",
             r->inst.st->name, n, align, ab_status_name(s));
    if (s != AB_OK) {
        r->broken = 1;
        return;
    }
    uint64_t page = addr >> AB_PAGE_SHIFT;
    uint64_t a = align == 0 ? 1 : align;
    uint64_t idx = model_index(m, page);
    size_t sp = ab_span_find(m->map->spans, m->map->nspans, page);
    int ok = (addr & (AB_PAGE_BYTES - 1)) == 0 && (page & (a - 1)) == 0 && idx != UINT64_MAX &&
             n <= m->map->spans[sp].npages - (page - m->map->spans[sp].first_page);
    T_EXPECT(ok, "%s/%s: alloc(%" PRIu64 ", align %" PRIu64 ") gave 0x%" PRIx64
                 ": misaligned or outside one span",
             r->inst.st->name, m->map->name, n, a, addr);
    if (!ok) {
        r->broken = 1;
        return;
    }
    for (uint64_t i = idx; i < idx + n; i++) {
        if (m->owner[i] != 0) {
            T_EXPECT(0, "%s/%s: alloc(%" PRIu64 ") at 0x%" PRIx64 " overlaps live allocation at 0x%" PRIx64,
                     r->inst.st->name, m->map->name, n, addr, m->lives[m->owner[i] - 1].addr);
            r->broken = 1;
            return;
        }
    }
    m->lives[m->nlive].addr = addr;
    m->lives[m->nlive].n = n;
    m->nlive++;
    for (uint64_t i = idx; i < idx + n; i++)
        m->owner[i] = (uint32_t)m->nlive;
    m->free_pages -= n;
    r->allocs_ok++;
}

static void do_free(runner *r, size_t which)
{
    model *m = &r->m;
    live l = m->lives[which];
    ab_status s = t_free(&r->inst, l.addr, l.n);
    T_EXPECT(s == AB_OK, "%s/%s: free(0x%" PRIx64 ", %" PRIu64 ") of a live allocation returned %s",
             r->inst.st->name, m->map->name, l.addr, l.n, ab_status_name(s));
    if (s != AB_OK) {
        r->broken = 1;
        return;
    }
    uint64_t idx = model_index(m, l.addr >> AB_PAGE_SHIFT);
    for (uint64_t i = idx; i < idx + l.n; i++)
        m->owner[i] = 0;
    m->free_pages += l.n;
    /* Move the last live allocation into the hole and renumber its pages. */
    m->nlive--;
    if (which != m->nlive) {
        m->lives[which] = m->lives[m->nlive];
        live moved = m->lives[which];
        uint64_t mi = model_index(m, moved.addr >> AB_PAGE_SHIFT);
        for (uint64_t i = mi; i < mi + moved.n; i++)
            m->owner[i] = (uint32_t)which + 1;
    }
}

/* A bad call must return `want` and leave stats and check() unchanged. */
static void expect_bad(runner *r, const char *what, uint64_t addr, uint64_t n, ab_status want)
{
    ab_stats before = t_stats(&r->inst);
    ab_status s = t_free(&r->inst, addr, n);
    ab_stats after = t_stats(&r->inst);
    T_EXPECT(s == want, "%s/%s: %s free(0x%" PRIx64 ", %" PRIu64 ") returned %s, want %s",
             r->inst.st->name, r->m.map->name, what, addr, n, ab_status_name(s),
             ab_status_name(want));
    T_EXPECT(memcmp(&before, &after, sizeof before) == 0,
             "%s/%s: %s free changed the stats", r->inst.st->name, r->m.map->name, what);
    if (s != want || memcmp(&before, &after, sizeof before) != 0)
        r->broken = 1;
    r->bad_calls++;
}

static void do_bad_call(runner *r)
{
    model *m = &r->m;
    uint64_t kind = rng_below(&r->rng, 6);
    if (kind == 0) {
        /* A free page: a double free or a never-allocated page. */
        if (m->free_pages == 0)
            return;
        for (int tries = 0; tries < 64; tries++) {
            size_t s = (size_t)rng_below(&r->rng, m->map->nspans);
            uint64_t off = rng_below(&r->rng, m->map->spans[s].npages);
            if (m->owner[m->prefix[s] + off] == 0) {
                uint64_t page = m->map->spans[s].first_page + off;
                expect_bad(r, "double", page << AB_PAGE_SHIFT, 1, AB_EDOUBLE);
                return;
            }
        }
        return;
    }
    if (kind == 4) {
        expect_bad(r, "n=0", 0, 0, AB_EINVAL);
        return;
    }
    if (kind == 5) {
        /* One page past the last span, or before the first when there is room. */
        const ab_span *last = &m->map->spans[m->map->nspans - 1];
        expect_bad(r, "out-of-range", (last->first_page + last->npages) << AB_PAGE_SHIFT, 1,
                   AB_ERANGE);
        return;
    }
    if (m->nlive == 0)
        return;
    live l = m->lives[rng_below(&r->rng, m->nlive)];
    if (kind == 1) {
        expect_bad(r, "misaligned", l.addr + 1 + rng_below(&r->rng, AB_PAGE_BYTES - 1), l.n,
                   AB_EALIGN);
    } else if (kind == 2) {
        /* Wrong size: one page short, or one page long when still in range. */
        uint64_t page = l.addr >> AB_PAGE_SHIFT;
        size_t s = ab_span_find(m->map->spans, m->map->nspans, page);
        uint64_t room = m->map->spans[s].npages - (page - m->map->spans[s].first_page);
        if (l.n > 1 && rng_below(&r->rng, 2) == 0)
            expect_bad(r, "short", l.addr, l.n - 1, AB_ESIZE);
        else if (l.n < room)
            expect_bad(r, "long", l.addr, l.n + 1, AB_ESIZE);
    } else if (kind == 3 && l.n > 1) {
        uint64_t off = 1 + rng_below(&r->rng, l.n - 1);
        expect_bad(r, "interior", l.addr + (off << AB_PAGE_SHIFT), l.n - off, AB_ESIZE);
    }
}

/* Runs `ops` operations on one map with one seed. */
static void run_one(const ab_strategy *st, const t_map *map, uint64_t seed, uint64_t ops,
                    uint64_t *total_ops)
{
    runner r;
    memset(&r, 0, sizeof r);
    r.rng = seed;
    ab_status s = t_inst_open(&r.inst, st, map->spans, map->nspans);
    T_REQUIRE(s == AB_OK, "%s/%s: init failed: %s", st->name, map->name, ab_status_name(s));
    model_init(&r.m, map);
    verify_state(&r, "init");
    verify_walk(&r);

    /* The fill target swings 20 % -> 100 % -> 20 % every 20000 ops. */
    for (r.ops = 1; r.ops <= ops && !r.broken; r.ops++) {
        uint64_t phase = r.ops % 20000;
        uint64_t target = phase < 10000 ? 20 + phase * 80 / 10000 : 100 - (phase - 10000) * 80 / 10000;
        uint64_t fill = (r.m.total - r.m.free_pages) * 100 / r.m.total;
        uint64_t roll = rng_below(&r.rng, 100);
        const char *what;
        if (roll < 2) {
            do_bad_call(&r);
            what = "bad call";
        } else if (r.m.nlive == 0 || (fill < target ? roll < 70 : roll < 30)) {
            do_alloc(&r);
            what = "alloc";
        } else {
            do_free(&r, (size_t)rng_below(&r.rng, r.m.nlive));
            what = "free";
        }
        if (!r.broken)
            verify_state(&r, what);
        if (!r.broken && (r.ops & 1023) == 0)
            verify_walk(&r);
    }
    /* Drain: everything comes back, as one run per span. */
    while (r.m.nlive > 0 && !r.broken)
        do_free(&r, r.m.nlive - 1);
    if (!r.broken) {
        verify_state(&r, "drain");
        verify_walk(&r);
        ab_stats fin = t_stats(&r.inst);
        T_EXPECT(fin.free_runs == map->nspans && fin.free_pages == r.m.total,
                 "%s/%s: after freeing everything %" PRIu64 " runs, %" PRIu64 " free pages",
                 st->name, map->name, fin.free_runs, fin.free_pages);
    }
    T_EXPECT(r.allocs_ok > ops / 4, "%s/%s: only %" PRIu64 " allocations succeeded",
             st->name, map->name, r.allocs_ok);
    printf("     %-9s %-11s seed %-3" PRIu64 " ops %-7" PRIu64 " allocs %-7" PRIu64
           " enomem %-6" PRIu64 " bad calls %" PRIu64 "\n",
           st->name, map->name, seed, r.ops - 1, r.allocs_ok, r.enomem, r.bad_calls);
    *total_ops += r.ops - 1;
    model_fini(&r.m);
    t_inst_close(&r.inst);
}

static const ab_strategy *g_strategy;
static const t_map *g_maps;
static size_t g_nmaps;
static uint64_t g_ops = 500000, g_seeds = 2;

static void conformance(void)
{
    /* Round up: every role runs at least OPS operations in all. */
    uint64_t runs = g_nmaps * g_seeds, per = (g_ops + runs - 1) / runs, total = 0;
    for (size_t i = 0; i < g_nmaps; i++)
        for (uint64_t seed = 1; seed <= g_seeds; seed++)
            run_one(g_strategy, &g_maps[i], seed * 7919 + i, per, &total);
    printf("     %s: %" PRIu64 " operations checked\n", g_strategy->name, total);
    T_EXPECT(total >= g_ops, "%s: only %" PRIu64 " of %" PRIu64 " operations ran", g_strategy->name,
             total, g_ops);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s STRATEGY pmm|vmm [OPS] [SEEDS]\n", argv[0]);
        return 2;
    }
    g_strategy = ab_registry_find(argv[1]);
    if (g_strategy == NULL) {
        fprintf(stderr, "%s: unknown strategy '%s'\n", argv[0], argv[1]);
        return 2;
    }
    if (strcmp(argv[2], "pmm") == 0) {
        g_maps = t_pmm_maps;
        g_nmaps = T_NMAPS(t_pmm_maps);
    } else if (strcmp(argv[2], "vmm") == 0) {
        g_maps = t_vmm_maps;
        g_nmaps = T_NMAPS(t_vmm_maps);
    } else {
        fprintf(stderr, "%s: role must be pmm or vmm, not '%s'\n", argv[0], argv[2]);
        return 2;
    }
    if (argc > 3)
        g_ops = strtoull(argv[3], NULL, 10);
    if (argc > 4)
        g_seeds = strtoull(argv[4], NULL, 10);
    if (g_ops == 0 || g_seeds == 0) {
        fprintf(stderr, "%s: OPS and SEEDS must be positive\n", argv[0]);
        return 2;
    }
    T_RUN(conformance);
    return t_finish();
}
