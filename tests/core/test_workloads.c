/* core/workload: every workload is deterministic (same seed, same
 * operation sequence, same final stats) on stack and bitmap, and leaves the
 * instance sound (check() == 0, every page free). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
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

typedef struct run_out {
    uint64_t hash, calls, frag_hash, samples;
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
    o->samples++;
}

static run_out run_once(const ab_strategy *st, ab_workload_kind k, uint64_t seed, uint32_t fill,
                        const ab_trace_rec *trace, size_t trace_len, uint32_t ids)
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
    p.ops = 20000;
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
    }
    o.check_after = t_check(&ti);
    o.final = t_stats(&ti);
    free(scratch);
    t_inst_close(&ti);
    return o;
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

static void test_adversary_no_contig_success(void)
{
    const ab_strategy *st = ab_registry_find("bitmap");
    if (st == NULL)
        return;
    run_out a = run_once(st, AB_WL_ADVERSARY, 1, 0, NULL, 0, 0);
    T_EXPECT(a.oc == AB_WL_OK);
    T_EXPECT(a.counts[AB_OP_ALLOC] == 511, "%llu", (unsigned long long)a.counts[AB_OP_ALLOC]);
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
    return t_finish();
}
