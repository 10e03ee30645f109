/*
 * The threaded conformance test: T threads share one instance of a
 * thread-safe strategy (AB_CAP_THREADSAFE) and run random alloc/free mixes
 * on it.
 *
 *   test_threads STRATEGY [THREADS] [OPS]     (defaults: 4 threads, 100000
 *                                              operations per thread)
 *
 * Every thread keeps its own shadow of what it holds. A shared table of
 * atomic page owners catches a page handed to two threads at once: an
 * allocation claims each page with compare-and-swap from 0 to the thread's
 * id, a free gives it back (to 0) before calling free(). Threads also read
 * stats() now and then while the others work. After the join: every page is
 * free or owned by exactly the thread whose shadow holds it, stats count
 * total - held free pages, walk_free lists only unowned pages and all of
 * them, check() is 0; then everything is freed and the stats must equal a
 * fresh instance's. Threads start together on a barrier and bind to per-CPU
 * slots 0..T-1 (ab_cpu_bind), so per-CPU front ends see distinct CPUs.
 */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "maps.h"
#include "strategy_util.h"
#include "testlib.h"

void ab_cpu_bind(uint32_t slot); /* strategies/cpu_host.c */

typedef struct held {
    uint64_t addr, n;
} held;

typedef struct shared {
    t_inst inst;
    const t_map *map;
    uint64_t prefix[9];
    uint64_t total;
    _Atomic uint32_t *owner; /* per page index: 0 free, else thread id + 1 */
    pthread_barrier_t start;
    uint64_t ops;
    uint64_t hold_pages; /* each thread keeps at most about this many */
    atomic_uint_fast64_t errors;
} shared;

typedef struct worker {
    shared *sh;
    uint32_t id;
    uint64_t rng;
    held *held;
    size_t nheld, cap;
    uint64_t held_pages;
    uint64_t allocs, frees, enomem, enotsup, errors;
    char first_error[200];
} worker;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t page_index(const shared *sh, uint64_t page)
{
    size_t s = ab_span_find(sh->map->spans, sh->map->nspans, page);
    if (s == sh->map->nspans)
        return UINT64_MAX;
    return sh->prefix[s] + (page - sh->map->spans[s].first_page);
}

static void worker_error(worker *w, const char *what, uint64_t addr, uint64_t n)
{
    if (w->errors++ == 0)
        snprintf(w->first_error, sizeof w->first_error,
                 "thread %u: %s (addr 0x%" PRIx64 ", n %" PRIu64 ")", w->id, what, addr, n);
    atomic_fetch_add(&w->sh->errors, 1);
}

static void worker_alloc(worker *w)
{
    shared *sh = w->sh;
    const ab_strategy *st = sh->inst.st;
    uint64_t n = 1, align = 0, roll = rng_next(&w->rng) % 100, addr;
    if ((st->caps & AB_CAP_CONTIG) && roll < 10) {
        n = 2 + rng_next(&w->rng) % 15;
        if (roll < 3)
            align = 1ull << (rng_next(&w->rng) % 4);
    }
    if (st->max_npages != 0 && n > st->max_npages)
        n = st->max_npages;
    ab_status s = st->alloc(sh->inst.meta, n, align, &addr);
    if (s == AB_ENOMEM) {
        w->enomem++;
        return;
    }
    if (s == AB_ENOTSUP) {
        w->enotsup++;
        return;
    }
    if (s != AB_OK) {
        worker_error(w, ab_status_name(s), 0, n);
        return;
    }
    uint64_t page = addr >> AB_PAGE_SHIFT, idx = page_index(sh, page);
    uint64_t a = align == 0 ? 1 : align;
    if ((addr & (AB_PAGE_BYTES - 1)) != 0 || page % a != 0 || idx == UINT64_MAX ||
        page_index(sh, page + n - 1) != idx + n - 1) {
        worker_error(w, "allocation misaligned or outside one span", addr, n);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t expect = 0;
        if (!atomic_compare_exchange_strong(&sh->owner[idx + i], &expect, w->id + 1)) {
            worker_error(w, "page already owned by another thread (or this one)",
                         (page + i) << AB_PAGE_SHIFT, expect);
            return;
        }
    }
    w->held[w->nheld].addr = addr;
    w->held[w->nheld].n = n;
    w->nheld++;
    w->held_pages += n;
    w->allocs++;
}

static void worker_free(worker *w, size_t which)
{
    shared *sh = w->sh;
    held h = w->held[which];
    uint64_t idx = page_index(sh, h.addr >> AB_PAGE_SHIFT);
    /* Give the pages up before free(): afterwards another thread may get them. */
    for (uint64_t i = 0; i < h.n; i++) {
        uint32_t expect = w->id + 1;
        if (!atomic_compare_exchange_strong(&sh->owner[idx + i], &expect, 0))
            worker_error(w, "a held page changed owner", h.addr + (i << AB_PAGE_SHIFT), expect);
    }
    ab_status s = sh->inst.st->free(sh->inst.meta, h.addr, h.n);
    if (s != AB_OK)
        worker_error(w, "free of a held allocation failed", h.addr, h.n);
    w->held[which] = w->held[--w->nheld];
    w->held_pages -= h.n;
    w->frees++;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    ab_cpu_bind(w->id);
    pthread_barrier_wait(&sh->start);
    for (uint64_t op = 0; op < sh->ops; op++) {
        uint64_t roll = rng_next(&w->rng) % 100;
        /* Hold between 0 and hold_pages, swinging with the op count. */
        uint64_t phase = op % 4096, target = phase < 2048 ? phase : 4096 - phase;
        target = target * sh->hold_pages / 2048;
        bool want_more = w->held_pages < target;
        if (w->nheld < w->cap && (w->nheld == 0 || (want_more ? roll < 70 : roll < 30)))
            worker_alloc(w);
        else if (w->nheld > 0)
            worker_free(w, (size_t)(rng_next(&w->rng) % w->nheld));
        if ((op & 4095) == 4095) {
            ab_stats s;
            sh->inst.st->stats(sh->inst.meta, &s);
            if (s.total_pages != sh->total || s.free_pages > sh->total ||
                s.free_pages > sh->total - w->held_pages)
                worker_error(w, "concurrent stats out of bounds", s.free_pages, s.total_pages);
        }
    }
    return NULL;
}

typedef struct walk_ctx {
    const shared *sh;
    uint64_t free_pages, owned_in_runs, last_end;
    int bad;
} walk_ctx;

static int walk_run(void *ctx, uint64_t first, uint64_t n)
{
    walk_ctx *c = ctx;
    if (first < c->last_end)
        c->bad = 1;
    c->last_end = first + n;
    c->free_pages += n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t idx = page_index(c->sh, first + i);
        if (idx == UINT64_MAX || atomic_load(&c->sh->owner[idx]) != 0)
            c->owned_in_runs++;
    }
    return 0;
}

static const ab_strategy *g_st;
static uint32_t g_threads = 4;
static uint64_t g_ops = 100000;

static void run_on(const t_map *map)
{
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.map = map;
    for (size_t s = 0; s < map->nspans; s++) {
        sh.prefix[s] = sh.total;
        sh.total += map->spans[s].npages;
    }
    T_REQUIRE(t_inst_open(&sh.inst, g_st, map->spans, map->nspans) == AB_OK, "%s/%s: init",
              g_st->name, map->name);
    ab_stats fresh = t_stats(&sh.inst);
    sh.owner = calloc(sh.total, sizeof *sh.owner);
    sh.ops = g_ops;
    /* Together the threads want up to about 90 % of memory. */
    sh.hold_pages = sh.total * 9 / 10 / g_threads;
    atomic_init(&sh.errors, 0);
    pthread_barrier_init(&sh.start, NULL, g_threads);

    worker *ws = calloc(g_threads, sizeof *ws);
    pthread_t *tids = calloc(g_threads, sizeof *tids);
    for (uint32_t i = 0; i < g_threads; i++) {
        ws[i].sh = &sh;
        ws[i].id = i;
        ws[i].rng = 0x1234567ull * (i + 1) + map->nspans;
        ws[i].cap = (size_t)sh.total;
        ws[i].held = calloc(ws[i].cap, sizeof *ws[i].held);
        T_REQUIRE(pthread_create(&tids[i], NULL, worker_main, &ws[i]) == 0);
    }
    for (uint32_t i = 0; i < g_threads; i++)
        pthread_join(tids[i], NULL);

    uint64_t held_pages = 0, allocs = 0, enomem = 0;
    for (uint32_t i = 0; i < g_threads; i++) {
        T_EXPECT(ws[i].errors == 0, "%s/%s: %" PRIu64 " errors, first: %s", g_st->name, map->name,
                 ws[i].errors, ws[i].first_error);
        held_pages += ws[i].held_pages;
        allocs += ws[i].allocs;
        enomem += ws[i].enomem;
        /* The shadow and the owner table agree. */
        uint64_t mismatches = 0;
        for (size_t j = 0; j < ws[i].nheld; j++) {
            uint64_t idx = page_index(&sh, ws[i].held[j].addr >> AB_PAGE_SHIFT);
            for (uint64_t k = 0; k < ws[i].held[j].n; k++)
                mismatches += atomic_load(&sh.owner[idx + k]) != i + 1;
        }
        T_EXPECT(mismatches == 0, "%s/%s: thread %u: %" PRIu64 " held pages not owned by it",
                 g_st->name, map->name, i, mismatches);
    }
    uint64_t owned = 0;
    for (uint64_t i = 0; i < sh.total; i++)
        owned += atomic_load(&sh.owner[i]) != 0;
    T_EXPECT(owned == held_pages, "%s/%s: %" PRIu64 " pages owned, threads hold %" PRIu64,
             g_st->name, map->name, owned, held_pages);
    ab_stats mid = t_stats(&sh.inst);
    T_EXPECT(mid.free_pages == sh.total - held_pages && mid.total_pages == sh.total,
             "%s/%s: stats free %" PRIu64 ", want total %" PRIu64 " - held %" PRIu64, g_st->name,
             map->name, mid.free_pages, sh.total, held_pages);
    walk_ctx wc = {&sh, 0, 0, 0, 0};
    g_st->walk_free(sh.inst.meta, walk_run, &wc);
    T_EXPECT(!wc.bad && wc.owned_in_runs == 0 && wc.free_pages == sh.total - held_pages,
             "%s/%s: walk lists %" PRIu64 " free pages (%" PRIu64 " of them owned), want %" PRIu64,
             g_st->name, map->name, wc.free_pages, wc.owned_in_runs, sh.total - held_pages);
    T_EXPECT(t_check(&sh.inst) == 0, "%s/%s: check() after the threads", g_st->name, map->name);
    T_EXPECT(allocs > g_ops * g_threads / 4, "%s/%s: only %" PRIu64 " allocations succeeded",
             g_st->name, map->name, allocs);

    /* Free everything from this thread; the instance must be as new. */
    for (uint32_t i = 0; i < g_threads; i++)
        while (ws[i].nheld > 0) {
            held h = ws[i].held[--ws[i].nheld];
            ab_status s = t_free(&sh.inst, h.addr, h.n);
            T_EXPECT(s == AB_OK, "%s/%s: final free(0x%" PRIx64 ", %" PRIu64 "): %s", g_st->name,
                     map->name, h.addr, h.n, ab_status_name(s));
        }
    ab_stats end = t_stats(&sh.inst);
    T_EXPECT(memcmp(&fresh, &end, sizeof end) == 0 && t_check(&sh.inst) == 0,
             "%s/%s: after freeing everything: free %" PRIu64 "/%" PRIu64 " runs %" PRIu64
             "/%" PRIu64 " largest %" PRIu64 "/%" PRIu64 " (now/fresh)",
             g_st->name, map->name, end.free_pages, fresh.free_pages, end.free_runs,
             fresh.free_runs, end.largest_free_run, fresh.largest_free_run);
    printf("     %-16s %-10s %u threads x %" PRIu64 " ops: %" PRIu64 " allocs, %" PRIu64
           " enomem, %" PRIu64 " pages held at the join\n",
           g_st->name, map->name, g_threads, g_ops, allocs, enomem, held_pages);

    for (uint32_t i = 0; i < g_threads; i++)
        free(ws[i].held);
    free(ws);
    free(tids);
    pthread_barrier_destroy(&sh.start);
    free(sh.owner);
    t_inst_close(&sh.inst);
}

static void threads_pmm(void) { run_on(&t_pmm_maps[0]); }
static void threads_vmm(void) { run_on(&t_vmm_maps[1]); }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s STRATEGY [THREADS] [OPS]\n", argv[0]);
        return 2;
    }
    g_st = ab_registry_find(argv[1]);
    if (g_st == NULL) {
        fprintf(stderr, "%s: unknown strategy '%s'\n", argv[0], argv[1]);
        return 2;
    }
    if (!(g_st->caps & AB_CAP_THREADSAFE)) {
        fprintf(stderr, "%s: '%s' is not thread-safe (AB_CAP_THREADSAFE)\n", argv[0], argv[1]);
        return 2;
    }
    if (argc > 2)
        g_threads = (uint32_t)strtoul(argv[2], NULL, 10);
    if (argc > 3)
        g_ops = strtoull(argv[3], NULL, 10);
    if (g_threads == 0 || g_threads > 256 || g_ops == 0) {
        fprintf(stderr, "%s: THREADS must be 1..256 and OPS positive\n", argv[0]);
        return 2;
    }
    T_RUN(threads_pmm);
    T_RUN(threads_vmm);
    return t_finish();
}
