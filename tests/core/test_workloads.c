/* core/workload: every workload is deterministic (same seed, same
 * operation sequence, same final stats) on stack and bitmap, and leaves the
 * instance sound (check() == 0, every page free); the VMM workloads pass on
 * every registered strategy; batches, groups and the steady-state sample
 * schedule hold what workload.h says; null is a harness floor that runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/null_strategy.h"
#include "core/workload.h"
#include "strategy_util.h"
#include "testlib.h"

/* A shim strategy that hashes every call and its answer. */
typedef struct shim {
    const ab_strategy *in;
    void *self;
    uint64_t hash, calls;
} shim;

static void mix(shim *s, uint64_t v)
{
    s->hash = (s->hash ^ v) * 0x100000001b3ull;
}

static ab_status shim_alloc(void *self, uint64_t n, uint64_t align, uint64_t *addr)
{
    shim *s = self;
    ab_status st = s->in->alloc(s->self, n, align, addr);
    mix(s, 1);
    mix(s, n);
    mix(s, align);
    mix(s, st);
    mix(s, st == AB_OK ? *addr : 0);
    s->calls++;
    return st;
}

static ab_status shim_free(void *self, uint64_t addr, uint64_t n)
{
    shim *s = self;
    ab_status st = s->in->free(s->self, addr, n);
    mix(s, 2);
    mix(s, addr);
    mix(s, n);
    mix(s, st);
    s->calls++;
    return st;
}

static void shim_stats(const void *self, ab_stats *out)
{
    const shim *s = self;
    s->in->stats(s->self, out);
}

static void shim_walk(const void *self, ab_run_fn fn, void *ctx)
{
    const shim *s = self;
    s->in->walk_free(s->self, fn, ctx);
}

static size_t shim_check(const void *self)
{
    const shim *s = self;
    return s->in->check(s->self);
}

#define MAX_SAMPLES 256

typedef struct run_out {
    uint64_t hash, calls, frag_hash, samples;
    uint64_t sample_steps[MAX_SAMPLES];
    uint64_t batches[AB_OP_COUNT], group_k[AB_OP_COUNT], group_count[AB_OP_COUNT];
    uint64_t batch_ops[AB_OP_COUNT];
    ab_wl_outcome oc;
    uint64_t steps, counts[AB_OP_COUNT], failures[AB_OP_COUNT], contig_ok;
    size_t check_after;
    ab_stats final;
} run_out;

static void on_frag(void *ctx, uint64_t step, const ab_frag *f, uint64_t tried, uint64_t ok)
{
    run_out *o = ctx;
    uint64_t v[] = {step, f->free_pages, f->largest_free_run, f->free_runs, f->free_2m_blocks,
                    f->ext_frag_ppm, tried, ok};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        o->frag_hash = (o->frag_hash ^ v[i]) * 0x100000001b3ull;
    if (o->samples < MAX_SAMPLES)
        o->sample_steps[o->samples] = step;
    o->samples++;
}

static run_out run_ops(const ab_strategy *st, ab_workload_kind k, uint64_t seed, uint32_t fill,
                       const ab_trace_rec *trace, size_t trace_len, uint32_t ids, uint64_t ops)
{
    run_out o;
    memset(&o, 0, sizeof o);
    ab_span spans[4];
    size_t ns = ab_layout_pmm(8u << 20, spans); /* 2048 pages, with holes */
    t_inst ti;
    if (t_inst_open(&ti, st, spans, ns) != AB_OK) {
        o.oc = AB_WL_ERROR;
        return o;
    }
    shim sh = {st, ti.meta, 0xcbf29ce484222325ull, 0};
    ab_strategy ss = *st;
    ss.alloc = shim_alloc;
    ss.free = shim_free;
    ss.stats = shim_stats;
    ss.walk_free = shim_walk;
    ss.check = shim_check;
    ab_wl_params p;
    memset(&p, 0, sizeof p);
    p.kind = k;
    p.seed = seed;
    p.fill_pm = fill;
    p.ops = ops;
    p.frag_every = 997;
    p.frag_fn = on_frag;
    p.frag_ctx = &o;
    p.trace = trace;
    p.trace_len = trace_len;
    p.trace_ids = ids;
    ab_stats s0;
    st->stats(ti.meta, &s0);
    size_t sl = ab_workload_scratch_bytes(&p, s0.total_pages);
    void *scratch = malloc(sl + 8);
    static ab_wl_result r;
    o.oc = ab_workload_run(&ss, &sh, &p, scratch, sl, &r);
    if (o.oc == AB_WL_ERROR)
        fprintf(stderr, "  %s\n", r.msg);
    o.hash = sh.hash;
    o.calls = sh.calls;
    o.steps = r.steps;
    o.contig_ok = r.contig_ok;
    for (unsigned i = 0; i < AB_OP_COUNT; i++) {
        o.counts[i] = r.op[i].hist.count;
        o.failures[i] = r.op[i].failures;
        o.batches[i] = r.op[i].batches;
        o.group_k[i] = r.op[i].group_k;
        o.group_count[i] = r.op[i].group.count;
        o.batch_ops[i] = r.op[i].batch_ops;
    }
    o.check_after = t_check(&ti);
    o.final = t_stats(&ti);
    free(scratch);
    t_inst_close(&ti);
    return o;
}

static run_out run_once(const ab_strategy *st, ab_workload_kind k, uint64_t seed, uint32_t fill,
                        const ab_trace_rec *trace, size_t trace_len, uint32_t ids)
{
    return run_ops(st, k, seed, fill, trace, trace_len, ids, 20000);
}

static int same(const run_out *a, const run_out *b)
{
    return a->hash == b->hash && a->calls == b->calls && a->frag_hash == b->frag_hash &&
           a->samples == b->samples && a->oc == b->oc && a->steps == b->steps &&
           memcmp(a->counts, b->counts, sizeof a->counts) == 0 &&
           memcmp(a->failures, b->failures, sizeof a->failures) == 0 &&
           a->contig_ok == b->contig_ok && a->final.free_pages == b->final.free_pages &&
           a->final.largest_free_run == b->final.largest_free_run &&
           a->final.free_runs == b->final.free_runs;
}

static const char *wanted[] = {"stack", "bitmap"};

static void check_workload(ab_workload_kind k)
{
    for (size_t i = 0; i < 2; i++) {
        const ab_strategy *st = ab_registry_find(wanted[i]);
        if (st == NULL) {
            printf("  (skip: %s not registered)\n", wanted[i]);
            continue;
        }
        uint32_t fill = k == AB_WL_CHURN ? 990 : 0;
        run_out a = run_once(st, k, 42, fill, NULL, 0, 0);
        run_out b = run_once(st, k, 42, fill, NULL, 0, 0);
        T_EXPECT(a.oc == AB_WL_OK || a.oc == AB_WL_SKIPPED, "%s %s: outcome %d", st->name,
                 ab_workload_name(k), a.oc);
        T_EXPECT(same(&a, &b), "%s %s: two runs with seed 42 differ", st->name, ab_workload_name(k));
        T_EXPECT(a.check_after == 0, "%s %s: check() = %zu", st->name, ab_workload_name(k),
                 a.check_after);
        T_EXPECT(a.final.free_pages == a.final.total_pages, "%s: pages not all free", st->name);
        if (a.oc == AB_WL_OK)
            T_EXPECT(a.calls > 0 && a.samples > 0, "%s %s: nothing happened", st->name,
                     ab_workload_name(k));
        /* Seeded workloads change with the seed. */
        if (a.oc == AB_WL_OK && (k == AB_WL_RAND || k == AB_WL_CHURN || k == AB_WL_SIZES ||
                                 k == AB_WL_HUGE)) {
            run_out c = run_once(st, k, 43, fill, NULL, 0, 0);
            T_EXPECT(c.oc == AB_WL_OK && c.hash != a.hash, "%s %s: seed 43 gives the same run",
                     st->name, ab_workload_name(k));
        }
    }
}

static void test_bulk(void) { check_workload(AB_WL_BULK); }
static void test_repeat(void) { check_workload(AB_WL_REPEAT); }
static void test_rand(void) { check_workload(AB_WL_RAND); }
static void test_churn(void) { check_workload(AB_WL_CHURN); }
static void test_sizes(void) { check_workload(AB_WL_SIZES); }
static void test_huge(void) { check_workload(AB_WL_HUGE); }
static void test_adversary(void) { check_workload(AB_WL_ADVERSARY); }

/* Every VMM workload on every registered strategy: deterministic, sound,
   ENOMEM only ever a counted failure; skipped exactly without CONTIG. */
static void test_vmm_workloads_every_strategy(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (unsigned k = AB_WL_FIX_SIZE; k < AB_WL_COUNT; k++) {
        for (size_t i = 0; i < n; i++) {
            const ab_strategy *st = all[i];
            run_out a = run_ops(st, (ab_workload_kind)k, 7, 0, NULL, 0, 0, 3000);
            const char *wn = ab_workload_name((ab_workload_kind)k);
            if (!(st->caps & AB_CAP_CONTIG)) {
                T_EXPECT(a.oc == AB_WL_SKIPPED, "%s %s: outcome %d, want skipped", st->name,
                         wn, a.oc);
                continue;
            }
            T_EXPECT(a.oc == AB_WL_OK, "%s %s: outcome %d", st->name, wn, a.oc);
            T_EXPECT(a.check_after == 0, "%s %s: check() = %zu", st->name, wn, a.check_after);
            T_EXPECT(a.final.free_pages == a.final.total_pages, "%s %s: pages not all free",
                     st->name, wn);
            T_EXPECT(a.counts[AB_OP_ALLOC] > 0, "%s %s: no timed alloc", st->name, wn);
            run_out b = run_ops(st, (ab_workload_kind)k, 7, 0, NULL, 0, 0, 3000);
            T_EXPECT(same(&a, &b), "%s %s: two runs with seed 7 differ", st->name, wn);
        }
    }
}

/* The workloads' own shape on bitmap, where the outcome is known. */
static void test_vmm_workload_shapes(void)
{
    const ab_strategy *st = ab_registry_find("bitmap");
    if (st == NULL)
        return;
    /* fix_size: every step is one alloc and one free of 16 pages. */
    run_out a = run_ops(st, AB_WL_FIX_SIZE, 1, 0, NULL, 0, 0, 1000);
    T_EXPECT(a.counts[AB_OP_ALLOC] == 1000 && a.counts[AB_OP_FREE] == 1000,
             "%llu allocs", (unsigned long long)a.counts[AB_OP_ALLOC]);
    /* full_fit: the hole just made always fits on a first-fit bitmap. */
    a = run_ops(st, AB_WL_FULL_FIT, 1, 0, NULL, 0, 0, 1000);
    T_EXPECT(a.failures[AB_OP_ALLOC] == 0 && a.counts[AB_OP_FREE] == 1000);
    /* align_shift on the empty window: every alignment up to its size
       (2^10 of < 2048 pages) has a free aligned page. */
    a = run_ops(st, AB_WL_ALIGN_SHIFT, 1, 0, NULL, 0, 0, 1200);
    T_EXPECT(a.oc == AB_WL_OK && a.counts[AB_OP_ALLOC] == 1200);
    T_EXPECT(a.failures[AB_OP_ALLOC] == 0, "%llu failures",
             (unsigned long long)a.failures[AB_OP_ALLOC]);
    /* At 90 % full, the large alignments miss: counted, not errors. */
    a = run_ops(st, AB_WL_ALIGN_SHIFT, 1, 900, NULL, 0, 0, 1200);
    T_EXPECT(a.oc == AB_WL_OK && a.failures[AB_OP_ALLOC] > 0 &&
             a.failures[AB_OP_ALLOC] < 1200, "%llu failures",
             (unsigned long long)a.failures[AB_OP_ALLOC]);
}

/* Batches: AB_BATCHES kept, group_k set, groups counted; none for churn. */
static void test_batches_and_groups(void)
{
    const ab_strategy *st = ab_registry_find("bitmap");
    if (st == NULL)
        return;
    run_out a = run_once(st, AB_WL_BULK, 1, 0, NULL, 0, 0);
    for (unsigned op = AB_OP_ALLOC; op <= AB_OP_FREE; op++) {
        T_EXPECT(a.batches[op] == AB_BATCHES, "op %u: %llu batches", op,
                 (unsigned long long)a.batches[op]);
        T_EXPECT(a.group_k[op] >= 1 && (a.group_k[op] & (a.group_k[op] - 1)) == 0);
        /* bulk over 2048 pages: 1024 ops per phase, one round per batch
           without a timer. */
        T_EXPECT(a.batch_ops[op] == AB_BATCHES * 1024u, "%llu",
                 (unsigned long long)a.batch_ops[op]);
        T_EXPECT(a.group_count[op] == AB_BATCHES * (1024u / a.group_k[op]));
    }
    a = run_once(st, AB_WL_REPEAT, 1, 0, NULL, 0, 0);
    T_EXPECT(a.batches[AB_OP_PAIR] == AB_BATCHES && a.batch_ops[AB_OP_PAIR] == AB_BATCHES * 20000u);
    a = run_once(st, AB_WL_CHURN, 1, 0, NULL, 0, 0);
    T_EXPECT(a.batches[AB_OP_ALLOC] == 0 && a.group_k[AB_OP_ALLOC] == 0);
}

/* Steady state: the frag samples fall on the same steps for two
   strategies, and the schedule is the documented one. */
static void test_steady_state_schedule(void)
{
    const ab_strategy *x = ab_registry_find("bitmap"), *y = ab_registry_find("buddy");
    if (x == NULL || y == NULL)
        return;
    run_out a = run_ops(x, AB_WL_CHURN, 3, 990, NULL, 0, 0, 6400);
    run_out b = run_ops(y, AB_WL_CHURN, 3, 990, NULL, 0, 0, 6400);
    T_REQUIRE(a.samples == b.samples && a.samples <= MAX_SAMPLES, "%llu vs %llu samples",
              (unsigned long long)a.samples, (unsigned long long)b.samples);
    T_EXPECT(memcmp(a.sample_steps, b.sample_steps, a.samples * sizeof a.sample_steps[0]) == 0,
             "samples at different steps");
    /* The pmm layout of 8 MiB holds fewer than 2048 pages; 99 % of them in
       runs of 19.925 pages on average: L ~ 100, warm-up 2 L. */
    T_EXPECT(a.sample_steps[0] == 0);
    uint64_t warm = a.sample_steps[1];
    T_EXPECT(warm > 150 && warm < 250, "warm-up %llu steps", (unsigned long long)warm);
    T_EXPECT(a.sample_steps[2] == warm + 100, "first timed sample at %llu",
             (unsigned long long)a.sample_steps[2]);
    T_EXPECT(a.samples == 2 + 64, "%llu samples",
             (unsigned long long)a.samples);
    /* Timed ops: max(ops, 2 L) steps, none of the warm-up; a step is a
       served alloc, a refused one, or a free. */
    T_EXPECT(a.counts[AB_OP_ALLOC] + a.failures[AB_OP_ALLOC] + a.counts[AB_OP_FREE] == 6400);
    /* At 99 % some runs do not fit; a refusal is followed by a free, never
       by another attempt. */
    T_EXPECT(a.failures[AB_OP_ALLOC] > 0 && a.failures[AB_OP_ALLOC] <= a.counts[AB_OP_FREE],
             "%llu refusals, %llu frees", (unsigned long long)a.failures[AB_OP_ALLOC],
             (unsigned long long)a.counts[AB_OP_FREE]);
    /* Few ops: the steady state still covers 2 L timed steps. */
    run_out c = run_ops(x, AB_WL_CHURN, 3, 990, NULL, 0, 0, 10);
    uint64_t csteps = c.counts[AB_OP_ALLOC] + c.failures[AB_OP_ALLOC] + c.counts[AB_OP_FREE];
    T_EXPECT(csteps == warm, "%llu timed steps, want 2 L = %llu", (unsigned long long)csteps,
             (unsigned long long)warm);
}

/* null: runs the single-page workloads cleanly, skips the rest. */
static void test_null_floor(void)
{
    const ab_workload_kind runs[] = {AB_WL_BULK, AB_WL_REPEAT, AB_WL_RAND, AB_WL_CHURN};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        run_out a = run_once(&ab_null_strategy, runs[i], 5, 0, NULL, 0, 0);
        T_EXPECT(a.oc == AB_WL_OK, "null %s: outcome %d", ab_workload_name(runs[i]), a.oc);
        T_EXPECT(a.check_after == 0 && a.final.free_pages == a.final.total_pages);
    }
    run_out s = run_once(&ab_null_strategy, AB_WL_SIZES, 5, 0, NULL, 0, 0);
    T_EXPECT(s.oc == AB_WL_SKIPPED);
    T_EXPECT(ab_registry_find("null") == NULL, "null is not a registered strategy");
}

static void test_adversary_no_contig_success(void)
{
    const ab_strategy *st = ab_registry_find("bitmap");
    if (st == NULL)
        return;
    run_out a = run_once(st, AB_WL_ADVERSARY, 1, 0, NULL, 0, 0);
    T_EXPECT(a.oc == AB_WL_OK);
    /* Every request refused: no latency sample (a fast "no" is not a fast
       allocation), 511 failures. */
    T_EXPECT(a.counts[AB_OP_ALLOC] == 0, "%llu", (unsigned long long)a.counts[AB_OP_ALLOC]);
    T_EXPECT(a.contig_ok == 0, "every other page free: no run of 2 exists");
    T_EXPECT(a.failures[AB_OP_ALLOC] == 511);
}

static void test_trace(void)
{
    const ab_trace_rec tr[] = {
        {AB_TRACE_ALLOC, 0, 1, 0}, {AB_TRACE_ALLOC, 1, 1, 0}, {AB_TRACE_FREE, 0, 0, 0},
        {AB_TRACE_ALLOC, 2, 1, 1}, {AB_TRACE_ALLOC, 0, 1, 0}, {AB_TRACE_FREE, 1, 0, 0},
    };
    for (size_t i = 0; i < 2; i++) {
        const ab_strategy *st = ab_registry_find(wanted[i]);
        if (st == NULL)
            continue;
        run_out a = run_once(st, AB_WL_TRACE, 0, 0, tr, 6, 3);
        run_out b = run_once(st, AB_WL_TRACE, 0, 0, tr, 6, 3);
        T_EXPECT(a.oc == AB_WL_OK, "%s", st->name);
        T_EXPECT(same(&a, &b));
        T_EXPECT(a.counts[AB_OP_ALLOC] == 4 && a.counts[AB_OP_FREE] == 2);
        T_EXPECT(a.check_after == 0);
    }
    const ab_strategy *st = ab_registry_find("stack");
    if (st != NULL) {
        const ab_trace_rec bad[] = {{AB_TRACE_FREE, 1, 0, 0}};
        run_out c = run_once(st, AB_WL_TRACE, 0, 0, bad, 1, 2);
        T_EXPECT(c.oc == AB_WL_ERROR, "a free of an id never allocated fails the run");
    }
}

int main(void)
{
    T_RUN(test_bulk);
    T_RUN(test_repeat);
    T_RUN(test_rand);
    T_RUN(test_churn);
    T_RUN(test_sizes);
    T_RUN(test_huge);
    T_RUN(test_adversary);
    T_RUN(test_adversary_no_contig_success);
    T_RUN(test_trace);
    T_RUN(test_vmm_workloads_every_strategy);
    T_RUN(test_vmm_workload_shapes);
    T_RUN(test_batches_and_groups);
    T_RUN(test_steady_state_schedule);
    T_RUN(test_null_floor);
    return t_finish();
}
