/*
 * allocbench: workloads. See workload.h for what each does and how it is
 * timed. Cost: O(ops) calls into the strategy plus O(1) bookkeeping each
 * (live allocations in an array; random removal swaps with the last entry).
 */
#include "workload.h"

#include "allocbench/bits.h"
#include "prng.h"

#define LEN_BITS 24u
#define LEN_MASK ((1ull << LEN_BITS) - 1u)
#define PAGE_MAX (1ull << 40)
#define TRACE_FAILED (~0ull)
#define BUDGET_EVERY 4096u
#define VMM_FIX_NPAGES 16u
#define VMM_RANDOM_MAX 64u

static const char *const workload_names[AB_WL_COUNT] = {
    "bulk", "repeat", "rand", "churn", "sizes", "huge", "adversary", "trace",
    "fix_size", "full_fit", "long_busy_list", "random_size", "fix_align",
    "random_size_align", "align_shift",
};
static const char *const op_names[AB_OP_COUNT] = {
    "alloc", "free", "pair", "alloc_2m", "free_2m",
};
static const uint16_t default_fill[AB_WL_COUNT] = {
    500, 500, 1000, 900, 500, 500, 1000, 0,
    500, 900, 900, 900, 500, 900, 0,
};

const char *ab_workload_name(ab_workload_kind k)
{
    return (unsigned)k < AB_WL_COUNT ? workload_names[k] : 0;
}

const char *ab_op_name(ab_op op)
{
    return (unsigned)op < AB_OP_COUNT ? op_names[op] : 0;
}

static int str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

ab_workload_kind ab_workload_parse(const char *name)
{
    for (unsigned k = 0; k < AB_WL_COUNT; k++)
        if (str_eq(name, workload_names[k]))
            return (ab_workload_kind)k;
    return AB_WL_COUNT;
}

uint32_t ab_workload_default_fill(ab_workload_kind k)
{
    return (unsigned)k < AB_WL_COUNT ? default_fill[k] : 0;
}

int ab_workload_fixed_fill(ab_workload_kind k)
{
    return k == AB_WL_BULK || k == AB_WL_ADVERSARY || k == AB_WL_TRACE;
}

uint32_t ab_workload_effective_fill(ab_workload_kind k, uint32_t fill_pm)
{
    return ab_workload_fixed_fill(k) || fill_pm == 0 ? ab_workload_default_fill(k) : fill_pm;
}

/* Two histograms for the batch in progress, then the live list. */
#define SCRATCH_HISTS 2u

size_t ab_workload_scratch_bytes(const ab_wl_params *p, uint64_t total_pages)
{
    uint64_t entries;
    if (p->kind == AB_WL_TRACE)
        entries = p->trace_ids;
    else if (p->kind == AB_WL_BULK)
        entries = total_pages / 2u + 1u;
    else
        entries = total_pages + 1u;
    return (size_t)(entries * sizeof(uint64_t)) + SCRATCH_HISTS * sizeof(ab_hist);
}

typedef struct wl {
    const ab_strategy *st;
    void *self;
    const ab_wl_params *p;
    ab_wl_result *r;
    ab_rng rng;
    uint64_t *live; /* (page << 24) | npages */
    uint64_t nlive, cap;
    uint64_t used, total, target;
    uint64_t overhead;
    uint64_t quantum;
    uint64_t min_batch_cycles;
    ab_hist *bhist[SCRATCH_HISTS]; /* the batch in progress, per slot */
    uint64_t ops;   /* steady-state operations */
    uint64_t step_base; /* frag rows count steps from here */
    unsigned shift;     /* align_shift: the next alignment's log2 */
    uint64_t t_start;
    int stop;       /* set once the outcome is ERROR or TIMEOUT */
    int sampling;   /* 0 during batch phases */
    int enomem_ok;  /* trace: any ENOMEM is legitimate */
    int missed;     /* the last alloc failed */
} wl;

/* ---- messages, without stdio ---- */

static void msg_str(ab_wl_result *r, const char *s)
{
    size_t n = 0;
    while (n < sizeof r->msg - 1u && r->msg[n] != '\0')
        n++;
    while (n < sizeof r->msg - 1u && *s != '\0')
        r->msg[n++] = *s++;
    r->msg[n] = '\0';
}

static void msg_u64(ab_wl_result *r, uint64_t v)
{
    char buf[24];
    int i = 23;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    msg_str(r, buf + i);
}

static void fail_begin(wl *w, ab_wl_outcome o)
{
    w->stop = 1;
    w->r->outcome = o;
    w->r->msg[0] = '\0';
    msg_str(w->r, w->st->name);
    msg_str(w->r, " ");
    msg_str(w->r, ab_workload_name(w->p->kind));
    msg_str(w->r, " step ");
    msg_u64(w->r, w->r->steps);
    msg_str(w->r, ": ");
}

static void fail_status(wl *w, const char *call, uint64_t a, uint64_t b, ab_status s)
{
    fail_begin(w, AB_WL_ERROR);
    msg_str(w->r, call);
    msg_str(w->r, "(");
    msg_u64(w->r, a);
    msg_str(w->r, ", ");
    msg_u64(w->r, b);
    msg_str(w->r, ") returned ");
    msg_str(w->r, ab_status_name(s));
}

static void fail_text(wl *w, const char *what)
{
    fail_begin(w, AB_WL_ERROR);
    msg_str(w->r, what);
}

/* ---- steps, sampling, budget ---- */

static void sample(wl *w)
{
    if (w->p->frag_fn == 0 || w->stop)
        return;
    ab_frag f;
    ab_frag_measure(w->st, w->self, &f);
    w->p->frag_fn(w->p->frag_ctx, w->r->steps - w->step_base, &f, w->r->contig_tried,
                  w->r->contig_ok);
}

static void budget_check(wl *w, uint64_t now)
{
    if (w->p->budget_cycles != 0 && now - w->t_start > w->p->budget_cycles && !w->stop) {
        fail_begin(w, AB_WL_TIMEOUT);
        msg_str(w->r, "time budget exhausted");
    }
}

static void step(wl *w)
{
    uint64_t s = ++w->r->steps;
    if (w->sampling && w->p->frag_every != 0 && s % w->p->frag_every == 0)
        sample(w);
    if (w->p->budget_cycles != 0 && (s & (BUDGET_EVERY - 1u)) == 0)
        budget_check(w, ab_tsc_read());
}

/* ---- the live list ---- */

static void live_push(wl *w, uint64_t page, uint64_t n)
{
    if (page >= PAGE_MAX || n > LEN_MASK) {
        fail_text(w, "allocation outside the bookkeeping range (page >= 2^40 or n >= 2^24)");
        return;
    }
    if (w->nlive >= w->cap) {
        fail_text(w, "scratch too small for the live allocations");
        return;
    }
    w->live[w->nlive++] = (page << LEN_BITS) | n;
}

/*
 * Issues one allocation. Returns 1 and writes *page on success, 0 on a
 * legitimate miss (ENOMEM where allowed, ENOTSUP, over max_npages), -1 after
 * failing the run.
 */
static int op_alloc(wl *w, uint64_t n, uint64_t align, ab_op op, int timed,
                    uint64_t *page)
{
    ab_op_stats *os = &w->r->op[op];
    if (w->st->max_npages != 0 && n > w->st->max_npages) {
        os->skipped++;
        return 0;
    }
    uint64_t addr = 0;
    ab_status s;
    if (timed) {
        uint64_t t0 = ab_tsc_read();
        s = w->st->alloc(w->self, n, align, &addr);
        uint64_t t1 = ab_tsc_read();
        uint64_t d = t1 - t0;
        /* Latency describes served requests only: a fast "no" is not a
           fast allocation. Failures are their own column (failure_rate). */
        if (s == AB_OK)
            ab_hist_add(&os->hist, d > w->overhead ? d - w->overhead : 0);
    } else {
        s = w->st->alloc(w->self, n, align, &addr);
    }
    w->missed = s != AB_OK;
    if (n > 1u) {
        w->r->contig_tried++;
        if (s == AB_OK)
            w->r->contig_ok++;
    }
    step(w);
    if (s == AB_OK) {
        uint64_t a = align > 1u ? align : 1u;
        if ((addr & ((a << AB_PAGE_SHIFT) - 1u)) != 0) {
            fail_status(w, "alloc: misaligned address from alloc", n, align, s);
            return -1;
        }
        w->used += n;
        *page = addr >> AB_PAGE_SHIFT;
        return w->stop ? -1 : 1;
    }
    if (s == AB_ENOMEM && (n > 1u || align > 1u || w->enomem_ok)) {
        os->failures++;
        return w->stop ? -1 : 0;
    }
    if (s == AB_ENOTSUP) {
        os->skipped++;
        return w->stop ? -1 : 0;
    }
    fail_status(w, "alloc", n, align, s);
    return -1;
}

/* Allocates and records in the live list; returns as op_alloc. */
static int alloc_live(wl *w, uint64_t n, uint64_t align, ab_op op, int timed)
{
    uint64_t page;
    int got = op_alloc(w, n, align, op, timed, &page);
    if (got == 1) {
        live_push(w, page, n);
        if (w->stop)
            return -1;
    }
    return got;
}

/* Frees a packed entry; returns 0, or -1 after failing the run. */
static int op_free(wl *w, uint64_t entry, ab_op op, int timed)
{
    uint64_t page = entry >> LEN_BITS, n = entry & LEN_MASK;
    ab_status s;
    if (timed) {
        uint64_t t0 = ab_tsc_read();
        s = w->st->free(w->self, page << AB_PAGE_SHIFT, n);
        uint64_t t1 = ab_tsc_read();
        uint64_t d = t1 - t0;
        ab_hist_add(&w->r->op[op].hist, d > w->overhead ? d - w->overhead : 0);
    } else {
        s = w->st->free(w->self, page << AB_PAGE_SHIFT, n);
    }
    step(w);
    if (s != AB_OK) {
        fail_status(w, "free(page, n)", page, n, s);
        return -1;
    }
    w->used -= n;
    return w->stop ? -1 : 0;
}

/* Frees live[i] and swaps the last entry into its place. */
static int free_live(wl *w, uint64_t i, ab_op op, int timed)
{
    uint64_t e = w->live[i];
    w->live[i] = w->live[--w->nlive];
    return op_free(w, e, op, timed);
}

static void drain(wl *w)
{
    while (w->nlive > 0 && !w->stop)
        free_live(w, w->nlive - 1u, AB_OP_FREE, 0);
}

/* ---- batches: tight loops, one TSC read per group of group_k ops ---- */

typedef struct batch_acc {
    uint64_t cycles[SCRATCH_HISTS], ops[SCRATCH_HISTS]; /* 0: alloc or pair, 1: free */
} batch_acc;

/* One group's cycles (the one read inside it removed) into slot's batch
   histogram when the group is whole, and into the batch totals. */
static void group_add(wl *w, batch_acc *a, unsigned slot, uint64_t d, uint64_t n, int whole)
{
    uint64_t c = d > w->overhead ? d - w->overhead : 0;
    if (whole)
        ab_hist_add(w->bhist[slot], c);
    a->cycles[slot] += c;
    a->ops[slot] += n;
}

/* Single pages until target pages are in use, timed in groups. */
static void batch_fill(wl *w, uint64_t target, batch_acc *a)
{
    uint64_t k = w->r->op[AB_OP_ALLOC].group_k, n = 0;
    uint64_t t0 = ab_tsc_read();
    while (w->used < target) {
        uint64_t addr = 0;
        ab_status s = w->st->alloc(w->self, 1, 1, &addr);
        if (s != AB_OK || (addr & (AB_PAGE_BYTES - 1u)) != 0 || w->nlive >= w->cap ||
            (addr >> AB_PAGE_SHIFT) >= PAGE_MAX) {
            fail_status(w, "alloc (batch: single page while pages are free)", 1, 1, s);
            return;
        }
        w->live[w->nlive++] = ((addr >> AB_PAGE_SHIFT) << LEN_BITS) | 1u;
        w->used++;
        if (++n == k) {
            uint64_t t1 = ab_tsc_read();
            group_add(w, a, 0, t1 - t0, n, 1);
            n = 0;
            t0 = t1;
            budget_check(w, t1);
            if (w->stop)
                return;
        }
    }
    group_add(w, a, 0, ab_tsc_read() - t0, n, 0);
}

/* Frees every live entry, in allocation order or at random, timed in groups. */
static void batch_free(wl *w, int random, batch_acc *a)
{
    uint64_t k = w->r->op[AB_OP_FREE].group_k, n = 0, i = 0;
    uint64_t t0 = ab_tsc_read();
    while (w->nlive > i) {
        uint64_t e;
        if (random) {
            uint64_t j = ab_rng_below(&w->rng, w->nlive);
            e = w->live[j];
            w->live[j] = w->live[--w->nlive];
        } else {
            e = w->live[i++];
        }
        ab_status s = w->st->free(w->self, (e >> LEN_BITS) << AB_PAGE_SHIFT, e & LEN_MASK);
        if (s != AB_OK) {
            fail_status(w, "free(page, n) (batch)", e >> LEN_BITS, e & LEN_MASK, s);
            return;
        }
        w->used -= e & LEN_MASK;
        if (++n == k) {
            uint64_t t1 = ab_tsc_read();
            group_add(w, a, 1, t1 - t0, n, 1);
            n = 0;
            t0 = t1;
            budget_check(w, t1);
            if (w->stop)
                return;
        }
    }
    w->nlive = 0;
    group_add(w, a, 1, ab_tsc_read() - t0, n, 0);
}

/* ops alloc + free pairs of one page, timed in groups. */
static void batch_pairs(wl *w, batch_acc *a)
{
    uint64_t k = w->r->op[AB_OP_PAIR].group_k, n = 0;
    uint64_t t0 = ab_tsc_read();
    for (uint64_t i = 0; i < w->ops; i++) {
        uint64_t addr = 0;
        ab_status s = w->st->alloc(w->self, 1, 1, &addr);
        ab_status f = s == AB_OK ? w->st->free(w->self, addr, 1) : AB_OK;
        if (s != AB_OK || f != AB_OK) {
            fail_status(w, s != AB_OK ? "alloc (batch pair)" : "free (batch pair)", addr, 1,
                        s != AB_OK ? s : f);
            return;
        }
        if (++n == k) {
            uint64_t t1 = ab_tsc_read();
            group_add(w, a, 0, t1 - t0, n, 1);
            n = 0;
            t0 = t1;
            budget_check(w, t1);
            if (w->stop)
                return;
        }
    }
    group_add(w, a, 0, ab_tsc_read() - t0, n, 0);
}

static void batch_round(wl *w, batch_acc *a)
{
    switch (w->p->kind) {
    case AB_WL_BULK:
        batch_fill(w, w->total / 2u, a);
        if (!w->stop)
            batch_free(w, 0, a);
        break;
    case AB_WL_RAND:
        batch_fill(w, w->target, a);
        if (!w->stop)
            batch_free(w, 1, a);
        break;
    default:
        batch_pairs(w, a);
        break;
    }
}

/* Mean of the samples up to the 90th percentile, thousandths of a cycle,
   from bucket midpoints: the pilot's cost without the interrupts and
   preemptions in its tail, and unbiased by the quantum (unlike p50). */
static uint64_t trimmed_mean_milli(const ab_hist *h)
{
    uint64_t rank = (h->count * AB_P90 + 999999u) / 1000000u, seen = 0, sum_milli = 0;
    for (uint32_t b = 0; b < AB_HIST_BUCKETS && seen < rank; b++) {
        uint64_t n = h->bucket[b];
        if (n > rank - seen)
            n = rank - seen;
        uint64_t lo = ab_hist_bucket_low(b), hi = ab_hist_bucket_high(b);
        sum_milli += n * ((lo + hi - 1u) * 500u);
        seen += n;
    }
    return seen == 0 ? 0 : sum_milli / seen;
}

/* The smallest power of two k with k * (pilot's trimmed mean) >= 20 quanta,
   at most phase_ops / 4 and 4096; 1024 (capped the same way) for zero. */
static uint64_t group_k_of(const wl *w, const ab_hist *pilot, uint64_t phase_ops)
{
    uint64_t mean = trimmed_mean_milli(pilot), want = 20u * w->quantum * 1000u;
    uint64_t cap = 4096;
    while (cap > 1u && cap * 4u > phase_ops)
        cap >>= 1;
    uint64_t k = 1;
    while (k < cap && (mean == 0 ? k < 1024u : k * mean < want))
        k <<= 1;
    return k;
}

/* True once 3/4 of the time budget are spent: no new batch, no redo. */
static int budget_short(const wl *w)
{
    return w->p->budget_cycles != 0 &&
           ab_tsc_read() - w->t_start > w->p->budget_cycles / 4u * 3u;
}

static uint64_t milli_div(uint64_t a, uint64_t b)
{
    return b == 0 ? 0 : a / b * 1000u + a % b * 1000u / b;
}

/*
 * AB_BATCHES kept batches of rounds of the workload's phase, each at least
 * min_batch_cycles long; a preempted batch is redone (workload.h).
 */
static void run_batches(wl *w, ab_op op0, ab_op op1, uint64_t phase_ops)
{
    const ab_op ops[SCRATCH_HISTS] = {op0, op1};
    unsigned nslots = op1 == AB_OP_COUNT ? 1u : 2u;
    for (unsigned sl = 0; sl < nslots; sl++) {
        ab_op_stats *os = &w->r->op[ops[sl]];
        os->group_k = group_k_of(w, &os->hist, phase_ops);
        ab_hist_clear(&os->group);
    }
    const ab_batch_probe *pr = w->p->probe;
    uint32_t kept = 0, redone = 0, probed = 0, cw_min = ~0u;
    while (kept < AB_BATCHES && !w->stop) {
        if (kept > 0 && budget_short(w))
            break;
        batch_acc a = {{0, 0}, {0, 0}};
        for (unsigned sl = 0; sl < nslots; sl++)
            ab_hist_clear(w->bhist[sl]);
        ab_probe_sample p0 = {0, 0, 0}, p1 = {0, 0, 0};
        if (pr != 0)
            pr->read(pr->ctx, &p0);
        uint64_t t0 = ab_tsc_read();
        do
            batch_round(w, &a);
        while (!w->stop && ab_tsc_read() - t0 < w->min_batch_cycles);
        if (pr != 0)
            pr->read(pr->ctx, &p1);
        if (w->stop)
            break;
        uint32_t cw = 0;
        int preempted = 0;
        if (pr != 0) {
            uint64_t wall = p1.wall_ns - p0.wall_ns, cpu = p1.cpu_ns - p0.cpu_ns;
            cw = wall == 0 ? 1000u : (uint32_t)(milli_div(cpu, wall) > 0xffffffffu
                                                   ? 0xffffffffu : milli_div(cpu, wall));
            preempted = p1.nivcsw != p0.nivcsw || cw < AB_BATCH_CPU_WALL_MIN_PM;
        }
        if (preempted && redone < AB_BATCH_REDO_MAX && !budget_short(w)) {
            redone++;
            continue;
        }
        for (unsigned sl = 0; sl < nslots; sl++) {
            ab_op_stats *os = &w->r->op[ops[sl]];
            os->batch_cycles += a.cycles[sl];
            os->batch_ops += a.ops[sl];
            if (kept < AB_BATCH_KEEP_MAX)
                os->batch_milli[kept] = milli_div(a.cycles[sl], a.ops[sl]);
            ab_hist_merge(&os->group, w->bhist[sl]);
        }
        if (pr != 0) {
            probed++;
            if (cw < cw_min)
                cw_min = cw;
        }
        kept++;
    }
    for (unsigned sl = 0; sl < nslots; sl++) {
        ab_op_stats *os = &w->r->op[ops[sl]];
        os->batches = kept;
        os->batches_redone = redone;
        os->probed = probed;
        os->cpu_wall_pm = probed != 0 ? cw_min : 0;
    }
}

/* Allocates single pages until target pages are in use. */
static void fill_singles(wl *w, uint64_t target, int timed)
{
    while (w->used < target && !w->stop)
        if (alloc_live(w, 1, 1, AB_OP_ALLOC, timed) != 1) {
            if (!w->stop)
                fail_text(w, "single-page allocation not served while pages are free");
            return;
        }
}

/* ---- the workloads ---- */

static void run_bulk(wl *w)
{
    uint64_t half = w->total / 2u;
    fill_singles(w, half, 1);
    if (w->stop)
        return;
    sample(w);
    /* Allocation order (FIFO), as LLFree's bulk does. */
    uint64_t n = w->nlive;
    for (uint64_t i = 0; i < n && !w->stop; i++)
        op_free(w, w->live[i], AB_OP_FREE, 1);
    w->nlive = 0;
    if (w->stop)
        return;
    sample(w);
    run_batches(w, AB_OP_ALLOC, AB_OP_FREE, half);
}

static int pair_once(wl *w)
{
    uint64_t addr;
    ab_status s = w->st->alloc(w->self, 1, 1, &addr);
    if (s != AB_OK) {
        step(w);
        fail_status(w, "alloc", 1, 1, s);
        return -1;
    }
    ab_status f = w->st->free(w->self, addr, 1);
    if (f != AB_OK) {
        step(w);
        fail_status(w, "free(addr, n)", addr, 1, f);
        return -1;
    }
    return 0;
}

static void run_repeat(wl *w)
{
    uint64_t target = w->target < w->total ? w->target : w->total - 1u;
    fill_singles(w, target, 0);
    sample(w);
    ab_op_stats *os = &w->r->op[AB_OP_PAIR];
    for (uint64_t i = 0; i < w->ops && !w->stop; i++) {
        uint64_t t0 = ab_tsc_read();
        int bad = pair_once(w);
        uint64_t t1 = ab_tsc_read();
        if (bad)
            return;
        uint64_t d = t1 - t0;
        ab_hist_add(&os->hist, d > w->overhead ? d - w->overhead : 0);
        step(w);
        step(w);
    }
    if (w->stop)
        return;
    /* Sampled before the batches: their length depends on the machine's
       speed (>= 10 ms each), so a step counted after them would differ
       from run to run; pairs leave the state as it was. */
    sample(w);
    run_batches(w, AB_OP_PAIR, AB_OP_COUNT, w->ops);
}

static void run_rand(wl *w)
{
    fill_singles(w, w->target, 1);
    if (w->stop)
        return;
    sample(w);
    while (w->nlive > 0 && !w->stop)
        free_live(w, ab_rng_below(&w->rng, w->nlive), AB_OP_FREE, 1);
    if (w->stop)
        return;
    sample(w);
    run_batches(w, AB_OP_ALLOC, AB_OP_FREE, w->target);
}

/* Workloads that churn at the fill level (warm-up, steady state). */
static int is_churny(ab_workload_kind k)
{
    return k == AB_WL_CHURN || k == AB_WL_SIZES || k == AB_WL_HUGE ||
           k == AB_WL_RANDOM_SIZE || k == AB_WL_RANDOM_SIZE_ALIGN;
}

/* Workloads run by run_mixed: a fill, then a steady state on a fixed
   sample schedule. */
static int is_mixed(ab_workload_kind k)
{
    return is_churny(k) || k >= AB_WL_FIX_SIZE;
}

/* A request's length, alignment and op for the mixed workloads. */
static uint64_t mixed_len(wl *w, uint64_t *align, ab_op *op)
{
    *align = 1;
    *op = AB_OP_ALLOC;
    bool contig = (w->st->caps & AB_CAP_CONTIG) != 0;
    switch (w->p->kind) {
    case AB_WL_CHURN: {
        uint64_t c = ab_rng_below(&w->rng, 100);
        uint64_t n = c < 60 ? 1 : c < 85 ? 2 + ab_rng_below(&w->rng, 7)
                     : c < 95 ? 9 + ab_rng_below(&w->rng, 56)
                              : 65 + ab_rng_below(&w->rng, 448);
        return contig ? n : 1;
    }
    case AB_WL_SIZES: {
        unsigned k = ab_ctz64(ab_rng_next(&w->rng) | (1ull << 9));
        return (1ull << k) + ab_rng_below(&w->rng, 1ull << k);
    }
    case AB_WL_FIX_SIZE:
        return VMM_FIX_NPAGES;
    case AB_WL_FULL_FIT:
        return 1u + ab_rng_below(&w->rng, 32);
    case AB_WL_LONG_BUSY_LIST:
    case AB_WL_FIX_ALIGN:
        return 1u + ab_rng_below(&w->rng, 16);
    case AB_WL_RANDOM_SIZE:
        return 1u + ab_rng_below(&w->rng, VMM_RANDOM_MAX);
    case AB_WL_RANDOM_SIZE_ALIGN:
        *align = 1ull << ab_rng_below(&w->rng, 7);
        return 1u + ab_rng_below(&w->rng, VMM_RANDOM_MAX);
    case AB_WL_HUGE:
        if (ab_rng_next(&w->rng) & 1u) {
            *align = AB_PAGES_2M;
            *op = AB_OP_ALLOC2M;
            return AB_PAGES_2M;
        }
        return 1;
    default:
        return 1;
    }
}

/* Below the fill level, allocate; at it, free one at random. After a
   failed allocation the next step frees, so a strategy that cannot hold
   the fill level churns at the level it can hold instead of retrying
   failures (its failure_rate says how far below it is). */
static void mixed_step(wl *w, int timed)
{
    if (w->nlive == 0 || (w->used < w->target && !w->missed)) {
        uint64_t align;
        ab_op op;
        uint64_t n = mixed_len(w, &align, &op);
        alloc_live(w, n, align, op, timed);
    } else {
        uint64_t i = ab_rng_below(&w->rng, w->nlive);
        uint64_t n = w->live[i] & LEN_MASK;
        ab_op op = w->p->kind == AB_WL_HUGE && n == AB_PAGES_2M ? AB_OP_FREE2M : AB_OP_FREE;
        free_live(w, i, op, timed);
        w->missed = 0;
    }
}

/* Allocates n pages at align, timed, and frees them again, timed. */
static void pair_timed(wl *w, uint64_t n, uint64_t align)
{
    if (alloc_live(w, n, align, AB_OP_ALLOC, 1) == 1)
        free_live(w, w->nlive - 1u, AB_OP_FREE, 1);
}

/* One steady-state step of fix_size, full_fit, long_busy_list, fix_align,
   align_shift (workload.h). */
static void vmm_step(wl *w)
{
    switch (w->p->kind) {
    case AB_WL_FIX_SIZE:
        pair_timed(w, VMM_FIX_NPAGES, 1);
        break;
    case AB_WL_LONG_BUSY_LIST:
        pair_timed(w, 1, 1);
        break;
    case AB_WL_FIX_ALIGN:
        pair_timed(w, VMM_FIX_NPAGES, VMM_FIX_NPAGES);
        break;
    case AB_WL_ALIGN_SHIFT:
        if ((1ull << w->shift) > w->total || w->shift >= 40u)
            w->shift = 0;
        pair_timed(w, 1, 1ull << w->shift);
        w->shift++;
        break;
    default: /* full_fit: a hole of exactly n pages, then exactly n */
        if (w->nlive == 0) {
            alloc_live(w, 1u + ab_rng_below(&w->rng, 32), 1, AB_OP_ALLOC, 1);
        } else {
            uint64_t j = ab_rng_below(&w->rng, w->nlive);
            uint64_t n = w->live[j] & LEN_MASK;
            if (free_live(w, j, AB_OP_FREE, 1) == 0)
                alloc_live(w, n, 1, AB_OP_ALLOC, 1);
        }
        break;
    }
}

/* Expected live allocations at the fill level, from the fill target and
   the mean request length only (workload.h: steady state). */
static uint64_t mixed_live_estimate(const wl *w)
{
    uint64_t mean_milli = 1000;
    bool contig = (w->st->caps & AB_CAP_CONTIG) != 0;
    if (w->p->kind == AB_WL_CHURN && contig)
        mean_milli = 19925; /* (60*1 + 25*5 + 10*36.5 + 5*288.5) / 100 */
    else if (w->p->kind == AB_WL_SIZES)
        mean_milli = 7750;  /* sum 2^-(k+1) (1.5 * 2^k - 0.5), k = 9 takes the rest */
    else if (w->p->kind == AB_WL_HUGE)
        mean_milli = 256500; /* (1 + 512) / 2 */
    else if (w->p->kind == AB_WL_RANDOM_SIZE || w->p->kind == AB_WL_RANDOM_SIZE_ALIGN)
        mean_milli = 32500;  /* uniform 1..64 */
    uint64_t l = w->target * 1000u / mean_milli;
    return l != 0 ? l : 1u;
}

static void counters_restart(wl *w)
{
    for (unsigned o = 0; o < AB_OP_COUNT; o++) {
        w->r->op[o].failures = 0;
        w->r->op[o].skipped = 0;
    }
    w->r->contig_tried = 0;
    w->r->contig_ok = 0;
    w->missed = 0;
}

static void run_mixed(wl *w)
{
    /* Fill, untimed; give up on a strategy that makes no progress. */
    uint64_t misses = 0;
    w->sampling = 0;
    while (w->used < w->target && !w->stop) {
        uint64_t align;
        ab_op op;
        uint64_t n = mixed_len(w, &align, &op);
        int got = alloc_live(w, n, align, op, 0);
        if (got == 0) {
            got = alloc_live(w, 1, 1, AB_OP_ALLOC, 0);
            if (got == 0 && ++misses > 1000000u)
                fail_text(w, "fill makes no progress");
        }
    }
    /* Steady state: a fixed schedule from here, the same for every strategy. */
    int churny = is_churny(w->p->kind);
    uint64_t live = mixed_live_estimate(w), warm = churny ? 2u * live : 0;
    uint64_t timed = !churny || w->ops > 2u * live ? w->ops : 2u * live;
    uint64_t every = timed / 64u != 0 ? timed / 64u : 1u;
    w->step_base = w->r->steps;
    counters_restart(w); /* the fill's misses are not steady-state behaviour */
    sample(w);
    for (uint64_t i = 0; i < warm && !w->stop; i++)
        mixed_step(w, 0);
    counters_restart(w);
    sample(w);
    uint64_t i;
    for (i = 1; i <= timed && !w->stop; i++) {
        if (churny)
            mixed_step(w, 1);
        else
            vmm_step(w);
        if (i % every == 0)
            sample(w);
    }
    if (timed % every != 0)
        sample(w);
}

static void run_adversary(wl *w)
{
    fill_singles(w, w->total, 0);
    sample(w);
    for (uint64_t i = w->nlive; i-- > 0 && !w->stop;)
        if ((w->live[i] >> LEN_BITS) & 1u)
            free_live(w, i, AB_OP_FREE, 0);
    sample(w);
    for (uint64_t n = 2; n <= AB_PAGES_2M && !w->stop; n++)
        alloc_live(w, n, 1, AB_OP_ALLOC, 1);
    sample(w);
}

static void run_trace(wl *w)
{
    const ab_wl_params *p = w->p;
    uint64_t *table = w->live;
    w->enomem_ok = 1;
    for (uint64_t i = 0; i < p->trace_ids; i++)
        table[i] = 0;
    for (size_t k = 0; k < p->trace_len && !w->stop; k++) {
        const ab_trace_rec *t = &p->trace[k];
        if (t->id >= p->trace_ids) {
            fail_text(w, "trace id out of range");
            break;
        }
        uint64_t *slot = &table[t->id];
        if (t->op == AB_TRACE_ALLOC) {
            if (*slot != 0 && *slot != TRACE_FAILED) {
                fail_text(w, "trace allocates an id that is still live");
                break;
            }
            uint64_t page;
            int got = op_alloc(w, t->npages, t->align, AB_OP_ALLOC, 1, &page);
            if (got == 1) {
                if (page >= PAGE_MAX || t->npages > LEN_MASK) {
                    fail_text(w, "trace allocation outside the bookkeeping range");
                    break;
                }
                *slot = (page << LEN_BITS) | t->npages;
            } else if (got == 0) {
                *slot = TRACE_FAILED;
            }
        } else if (t->op == AB_TRACE_FREE) {
            if (*slot == 0) {
                fail_text(w, "trace frees an id that is not live");
                break;
            }
            if (*slot == TRACE_FAILED) {
                w->r->op[AB_OP_FREE].skipped++;
            } else if (op_free(w, *slot, AB_OP_FREE, 1) != 0) {
                break;
            }
            *slot = 0;
        } else {
            fail_text(w, "trace record with an unknown op");
            break;
        }
    }
    sample(w);
    for (uint64_t i = 0; i < p->trace_ids && !w->stop; i++) {
        if (table[i] != 0 && table[i] != TRACE_FAILED)
            op_free(w, table[i], AB_OP_FREE, 0);
        table[i] = 0;
    }
}


ab_wl_outcome ab_workload_run(const ab_strategy *st, void *self,
                              const ab_wl_params *p, void *scratch,
                              size_t scratch_len, ab_wl_result *r)
{
    for (unsigned o = 0; o < AB_OP_COUNT; o++) {
        ab_op_stats *os = &r->op[o];
        ab_hist_clear(&os->hist);
        ab_hist_clear(&os->group);
        os->group_k = 0;
        os->batch_cycles = 0;
        os->batch_ops = 0;
        os->batches = 0;
        os->batches_redone = 0;
        for (unsigned b = 0; b < AB_BATCH_KEEP_MAX; b++)
            os->batch_milli[b] = 0;
        os->probed = 0;
        os->cpu_wall_pm = 0;
        os->failures = 0;
        os->skipped = 0;
    }
    r->steps = 0;
    r->contig_tried = 0;
    r->contig_ok = 0;
    r->check_broken = 0;
    r->outcome = AB_WL_OK;
    r->msg[0] = '\0';

    ab_stats s0 = {0, 0, 0, 0, 0};
    st->stats(self, &s0);
    r->total_pages = s0.total_pages;
    r->meta_bytes = s0.meta_bytes;

    wl w;
    w.st = st;
    w.self = self;
    w.p = p;
    w.r = r;
    ab_rng_seed(&w.rng, p->seed);
    w.bhist[0] = w.bhist[1] = 0;
    w.live = 0;
    w.cap = 0;
    w.nlive = 0;
    w.used = s0.total_pages - s0.free_pages;
    w.total = s0.total_pages;
    uint32_t fill = p->fill_pm != 0 ? p->fill_pm : ab_workload_default_fill(p->kind);
    if (fill > 1000u)
        fill = 1000u;
    w.target = w.total * fill / 1000u;
    w.overhead = p->timer != 0 ? p->timer->overhead_cycles : 0;
    w.quantum = p->timer != 0 && p->timer->quantum_cycles != 0 ? p->timer->quantum_cycles : 1u;
    w.min_batch_cycles = p->timer != 0 ? p->timer->tsc_hz / (1000000000u / AB_BATCH_MIN_NS) : 0;
    w.step_base = 0;
    w.shift = 0;
    w.ops = p->ops != 0 ? p->ops : 1000000u;
    w.stop = 0;
    w.sampling = 1;
    w.enomem_ok = 0;
    w.missed = 0;

    bool contig = (st->caps & AB_CAP_CONTIG) != 0;
    if ((unsigned)p->kind >= AB_WL_COUNT) {
        fail_text(&w, "unknown workload");
        return r->outcome;
    }
    if (w.used != 0 || w.total == 0) {
        fail_text(&w, "the instance must start empty and manage at least one page");
        return r->outcome;
    }
    if (!contig && (p->kind == AB_WL_SIZES || p->kind == AB_WL_HUGE ||
                    p->kind == AB_WL_ADVERSARY || p->kind >= AB_WL_FIX_SIZE)) {
        r->outcome = AB_WL_SKIPPED;
        msg_str(r, "needs AB_CAP_CONTIG");
        return r->outcome;
    }
    if (scratch_len < ab_workload_scratch_bytes(p, w.total) ||
        ((uintptr_t)scratch & 7u) != 0) {
        fail_text(&w, "scratch missing, misaligned or smaller than ab_workload_scratch_bytes()");
        return r->outcome;
    }
    w.bhist[0] = (ab_hist *)scratch;
    w.bhist[1] = w.bhist[0] + 1;
    w.live = (uint64_t *)(w.bhist[0] + SCRATCH_HISTS);
    w.cap = (scratch_len - SCRATCH_HISTS * sizeof(ab_hist)) / sizeof(uint64_t);
    w.t_start = ab_tsc_read();
    if (!is_mixed(p->kind))
        sample(&w);
    switch (p->kind) {
    case AB_WL_BULK: run_bulk(&w); break;
    case AB_WL_REPEAT: run_repeat(&w); break;
    case AB_WL_RAND: run_rand(&w); break;
    case AB_WL_CHURN:
    case AB_WL_SIZES:
    case AB_WL_HUGE:
    case AB_WL_FIX_SIZE:
    case AB_WL_FULL_FIT:
    case AB_WL_LONG_BUSY_LIST:
    case AB_WL_RANDOM_SIZE:
    case AB_WL_FIX_ALIGN:
    case AB_WL_RANDOM_SIZE_ALIGN:
    case AB_WL_ALIGN_SHIFT: run_mixed(&w); break;
    case AB_WL_ADVERSARY: run_adversary(&w); break;
    case AB_WL_TRACE: run_trace(&w); break;
    default: break;
    }
    if (w.stop)
        return r->outcome;
    drain(&w);
    if (w.stop)
        return r->outcome;

    ab_stats s1 = {0, 0, 0, 0, 0};
    st->stats(self, &s1);
    if (s1.free_pages != s1.total_pages) {
        fail_text(&w, "pages leaked: free_pages != total_pages after freeing everything");
        return r->outcome;
    }
    r->check_broken = st->check(self);
    if (r->check_broken != 0) {
        fail_text(&w, "check() reports broken invariants after the run");
        msg_u64(r, r->check_broken);
    }
    return r->outcome;
}
