/*
 * The kmalloc workloads: the kernel heap (kheap.h: heap=slab|firstfit over
 * the VMM window and PMM frames) driven and timed like everything else.
 *
 *   kmalloc  1. `ops` malloc+free pairs, sizes drawn at random from 16..4096
 *               bytes (log-uniform: a power of two 2^k, k = 4..11, then
 *               uniform in [2^k, 2^(k+1)], capped at 4096), per-op samples
 *               (op "pair"), then the same sequence batch-timed;
 *            2. a random mix: `ops` steps, each a malloc (probability
 *               1 - live/(2 * target)) or a free of a random live block, so
 *               about `live=` blocks (default 1000) stay live; per-op samples
 *               (ops "malloc", "free"), then every block is freed (timed as
 *               "free").
 *            Every block gets its first and last byte written after malloc
 *            and checked before free (outside the timed region): kmalloc
 *            memory is real mapped memory, and a heap that overlaps blocks
 *            is caught.
 *   mtrace   replays a malloc trace (include/allocbench/mtrace.h, a .abt file) given
 *            as the multiboot module (QEMU -initrd): ops "malloc", "calloc",
 *            "memalign", "realloc", "free", per-op samples. A NULL is a
 *            failure (counted, not an error); records the traced program saw
 *            fail, and frees of ids it never allocated in this file, are
 *            skipped (counted). Blocks still live at the end are freed
 *            untimed.
 * Both end with the heap's check(); kmain then checks the heap again, frees
 * its cached pages (fini) and checks the PMM and VMM for leaks.
 */
#include <stdbool.h>

#include "kheap.h"
#include "klibc.h"
#include "kprintf.h"
#include "panic.h"
#include "prng.h"
#include "report.h"
#include "allocbench/mtrace.h"
#include "kworkload.h"

#define KHEAP_DEFAULT_OPS 100000u
#define KHEAP_MIN_SIZE 16u
#define KHEAP_MAX_SIZE 4096u

typedef struct kblock {
    unsigned char *p;
    uint32_t size;
} kblock;

static ab_op_stats st_pair, st_malloc, st_free, st_calloc, st_realloc, st_memalign;

static void stats_clear(ab_op_stats *s) { memset(s, 0, sizeof *s); }

static uint32_t draw_size(ab_rng *r)
{
    uint32_t lo = 1u << (4 + ab_rng_below(r, 8)); /* 16 .. 2048 */
    uint32_t n = lo + (uint32_t)ab_rng_below(r, lo + 1);
    return n > KHEAP_MAX_SIZE ? KHEAP_MAX_SIZE : n;
}

static void mark(unsigned char *p, uint32_t n, uint32_t tag)
{
    if (n >= 1)
        p[0] = (unsigned char)tag;
    if (n >= 2)
        p[n - 1] = (unsigned char)(tag >> 8 ^ 0x5a);
}

static bool marked(const unsigned char *p, uint32_t n, uint32_t tag)
{
    return (n < 1 || p[0] == (unsigned char)tag) &&
           (n < 2 || p[n - 1] == (unsigned char)(tag >> 8 ^ 0x5a));
}

static int heap_error(const char *what, uint64_t i, const char *why)
{
    kprintf("@@AB-ERROR: %s: %s at step %llu: %s\n", kheap_heap()->name, what,
            (unsigned long long)i, why);
    return -1;
}

static int heap_checked(const char *phase)
{
    size_t broken = kheap_heap()->check(kheap_instance());
    if (broken == 0)
        return 0;
    kprintf("@@AB-ERROR: %s: check() after %s: %u invariants broken\n", kheap_heap()->name,
            phase, (unsigned)broken);
    return -1;
}

/* ---- kmalloc ---- */

static uint64_t kmalloc_ops(const kconfig *cfg) { return cfg->ops ? cfg->ops : KHEAP_DEFAULT_OPS; }

static size_t kmalloc_scratch(const kconfig *cfg, uint64_t usable_pages)
{
    (void)usable_pages;
    return (size_t)(2 * cfg->live * sizeof(kblock));
}

/* Pass 1: per-op samples (timed) or pass 2: the whole phase (batch). */
static int pairs(kctx *ctx, bool timed, uint64_t *batch)
{
    ab_rng rng;
    ab_rng_seed(&rng, ctx->cfg->seed);
    uint64_t n = kmalloc_ops(ctx->cfg);
    uint64_t b0 = ab_tsc_read();
    for (uint64_t i = 0; i < n; i++) {
        uint32_t size = draw_size(&rng);
        uint64_t t0 = timed ? ab_tsc_read() : 0;
        unsigned char *p = kmalloc(size);
        uint64_t t1 = timed ? ab_tsc_read() : 0;
        if (p == NULL)
            return heap_error("pair", i, "kmalloc returned NULL");
        mark(p, size, (uint32_t)i);
        if (!marked(p, size, (uint32_t)i))
            return heap_error("pair", i, "block lost its contents");
        uint64_t t2 = timed ? ab_tsc_read() : 0;
        ab_status s = kfree(p);
        if (timed)
            ab_hist_add(&st_pair.hist, ab_timer_delta(&ctx->timer, t0, t1) +
                                           ab_timer_delta(&ctx->timer, t2, ab_tsc_read()));
        if (s != AB_OK)
            return heap_error("pair", i, ab_status_name(s));
    }
    *batch = ab_tsc_read() - b0;
    return 0;
}

/* A live block's tag in the mix: its address (no room to store one). */
static uint32_t block_tag(const void *p) { return (uint32_t)((uintptr_t)p >> 4); }

static int mix_malloc(kctx *ctx, ab_rng *rng, kblock *b, uint64_t step)
{
    uint32_t size = draw_size(rng);
    uint64_t t0 = ab_tsc_read();
    unsigned char *p = kmalloc(size);
    ab_hist_add(&st_malloc.hist, ab_timer_delta(&ctx->timer, t0, ab_tsc_read()));
    if (p == NULL)
        return heap_error("malloc", step, "kmalloc returned NULL");
    mark(p, size, block_tag(p));
    *b = (kblock){p, size};
    return 0;
}

static int mix_free(kctx *ctx, kblock *b, uint64_t step)
{
    if (!marked(b->p, b->size, block_tag(b->p)))
        return heap_error("free", step, "block lost its contents (overlap?)");
    uint64_t t0 = ab_tsc_read();
    ab_status s = kfree(b->p);
    ab_hist_add(&st_free.hist, ab_timer_delta(&ctx->timer, t0, ab_tsc_read()));
    if (s != AB_OK)
        return heap_error("free", step, ab_status_name(s));
    return 0;
}

static int kmalloc_run(kctx *ctx)
{
    uint64_t ignored, batch;
    stats_clear(&st_pair);
    stats_clear(&st_malloc);
    stats_clear(&st_free);
    if (pairs(ctx, true, &ignored) != 0 || pairs(ctx, false, &batch) != 0)
        return -1;
    st_pair.batch_cycles = batch;
    st_pair.batch_ops = kmalloc_ops(ctx->cfg);
    if (heap_checked("pairs") != 0)
        return -1;

    /* The mix: slots [0, nlive) of the scratch are the live blocks. */
    kblock *live = ctx->mem->scratch;
    uint32_t cap = (uint32_t)(2 * ctx->cfg->live), nlive = 0;
    ab_rng rng;
    ab_rng_seed(&rng, ctx->cfg->seed ^ 0x6b6d616c6c6f63ull);
    uint64_t n = kmalloc_ops(ctx->cfg);
    for (uint64_t step = 0; step < n; step++) {
        if (nlive == 0 || (nlive < cap && ab_rng_below(&rng, cap) >= nlive)) {
            if (mix_malloc(ctx, &rng, &live[nlive], step) != 0)
                return -1;
            nlive++;
        } else {
            uint32_t i = (uint32_t)ab_rng_below(&rng, nlive);
            if (mix_free(ctx, &live[i], step) != 0)
                return -1;
            live[i] = live[--nlive];
        }
    }
    for (uint32_t i = nlive; i-- > 0;)
        if (mix_free(ctx, &live[i], n) != 0)
            return -1;
    if (heap_checked("the mix") != 0)
        return -1;
    report_kernel_stats(ctx, "pair", &st_pair);
    report_kernel_stats(ctx, "malloc", &st_malloc);
    report_kernel_stats(ctx, "free", &st_free);
    return 0;
}

const kworkload kwl_kmalloc = {"kmalloc",
                               "kmalloc (heap=) pairs and a mix, 16..4096 B, on VMM + PMM pages",
                               kmalloc_scratch, kmalloc_run, KWL_HEAP};

/* ---- mtrace ---- */

typedef struct mt_info {
    uint32_t max_id;
    uint32_t nrec;
} mt_info;

static bool mt_is_alloc(uint8_t op)
{
    return op == AB_MT_MALLOC || op == AB_MT_CALLOC || op == AB_MT_REALLOC ||
           op == AB_MT_MEMALIGN;
}

static _Noreturn void mt_reject(const kconfig *cfg, const char *why, uint64_t rec)
{
    kprintf("@@AB-ERROR: module: malloc trace (%u bytes): record %llu: %s\n", cfg->module_len,
            (unsigned long long)rec, why);
    kexit(KEXIT_FAIL);
}

/* Checks the module's bounds and records; exits with the fail status if bad. */
static mt_info mt_validate(const kconfig *cfg)
{
    if (cfg->module == NULL) {
        kprintf("@@AB-ERROR: module: workload=mtrace needs a malloc trace as a multiboot "
                "module (QEMU -initrd FILE.abt)\n");
        kexit(KEXIT_FAIL);
    }
    const unsigned char *m = cfg->module;
    uint32_t len = cfg->module_len;
    ab_mt_header h;
    if (len < AB_MT_HEADER_BYTES) {
        kprintf("@@AB-ERROR: module: malloc trace truncated: %u bytes, the header alone is %u\n",
                len, AB_MT_HEADER_BYTES);
        kexit(KEXIT_FAIL);
    }
    if (!ab_mt_header_decode(m, &h)) {
        kprintf("@@AB-ERROR: module: not a malloc trace (want magic ABMTRACE, version %u, "
                "record size %u)\n", AB_MT_VERSION, AB_MT_RECORD_BYTES);
        kexit(KEXIT_FAIL);
    }
    uint32_t body = len - AB_MT_HEADER_BYTES;
    if (body % AB_MT_RECORD_BYTES != 0) {
        kprintf("@@AB-ERROR: module: malloc trace truncated: %u bytes after the header is "
                "not a whole number of %u-byte records (%u left over)\n",
                body, AB_MT_RECORD_BYTES, body % AB_MT_RECORD_BYTES);
        kexit(KEXIT_FAIL);
    }
    mt_info info = {0, body / AB_MT_RECORD_BYTES};
    for (uint32_t i = 0; i < info.nrec; i++) {
        ab_mt_record r;
        ab_mt_record_decode(m + AB_MT_HEADER_BYTES + i * AB_MT_RECORD_BYTES, &r);
        if (r.op < AB_MT_MALLOC || r.op > AB_MT_MEMALIGN)
            mt_reject(cfg, "op is not 1..5", i);
        if (mt_is_alloc(r.op) && r.id != 0) {
            if (r.id <= info.max_id)
                mt_reject(cfg, "allocation id is not new (ids only grow)", i);
            info.max_id = r.id;
        }
    }
    return info;
}

static size_t mtrace_scratch(const kconfig *cfg, uint64_t usable_pages)
{
    mt_info info = mt_validate(cfg);
    uint64_t bytes = ((uint64_t)info.max_id + 1) * sizeof(kblock);
    if (bytes > (usable_pages << 12) / 4) {
        kprintf("@@AB-ERROR: module: malloc trace ids up to %u need %llu bytes of bookkeeping, "
                "more than a quarter of RAM; give QEMU more memory\n", info.max_id,
                (unsigned long long)bytes);
        kexit(KEXIT_FAIL);
    }
    return (size_t)bytes;
}

/* A served call's latency goes to the histogram; a failed one (ENOMEM,
   NULL) only counts as a failure: latency describes served requests. */
static void mt_sample(kctx *ctx, ab_op_stats *s, uint64_t t0, int served)
{
    uint64_t t1 = ab_tsc_read();
    if (served)
        ab_hist_add(&s->hist, ab_timer_delta(&ctx->timer, t0, t1));
    else
        s->failures++;
}

/* A replay in progress: the heap, and each trace id's live block. */
typedef struct mt_replay {
    kctx *ctx;
    const ab_heap *h;
    void *self;
    kblock *tab; /* [0, max_id] */
    uint32_t max_id;
} mt_replay;

/* Replays record i, a free. 0, or -1 if the heap failed. */
static int mt_free(mt_replay *m, const ab_mt_record *r, ab_op_stats *st, uint32_t i)
{
    kblock *b = r->id <= m->max_id ? &m->tab[r->id] : NULL;
    if (r->id != 0 && (b == NULL || b->p == NULL)) {
        st->skipped++; /* foreign id, or its allocation failed */
        return 0;
    }
    if (r->id != 0 && !marked(b->p, b->size, r->id))
        return heap_error("mtrace free", i, "block lost its contents");
    uint64_t t0 = ab_tsc_read();
    ab_status s = m->h->free(m->self, r->id != 0 ? b->p : NULL);
    mt_sample(m->ctx, st, t0, 1);
    if (s != AB_OK)
        return heap_error("mtrace free", i, ab_status_name(s));
    if (r->id != 0)
        b->p = NULL;
    return 0;
}

/* Replays record i, a realloc to n bytes, into *p. 0 to keep *p as the
 * record's block, 1 if there is none to keep, -1 if the heap failed. */
static int mt_realloc(mt_replay *m, const ab_mt_record *r, ab_op_stats *st, uint32_t i,
                      size_t n, void **p)
{
    kblock *old = r->arg != 0 && r->arg <= m->max_id && m->tab[r->arg].p ? &m->tab[r->arg]
                                                                          : NULL;
    if (old != NULL && !marked(old->p, old->size, r->arg))
        return heap_error("mtrace realloc", i, "block lost its contents");
    uint64_t t0 = ab_tsc_read();
    ab_status s = m->h->realloc(m->self, old ? old->p : NULL, n, p);
    mt_sample(m->ctx, st, t0, s != AB_ENOMEM);
    if (s == AB_ENOMEM)
        return 1;
    if (s != AB_OK)
        return heap_error("mtrace realloc", i, ab_status_name(s));
    if (old != NULL)
        old->p = NULL;
    if (*p == NULL)
        return 1; /* realloc(p, 0): p is gone */
    if (r->id == 0 || r->id > m->max_id) { /* not in the file's ids */
        m->h->free(m->self, *p);
        st->skipped++;
        return 1;
    }
    return 0;
}

/* Replays record i. 0, or -1 if the heap failed. */
static int mt_record(mt_replay *m, const ab_mt_record *r, uint32_t i)
{
    bool failed = (r->flags & AB_MT_FLAG_FAILED) != 0;
    size_t n = r->size > SIZE_MAX ? SIZE_MAX : (size_t)r->size;
    uint32_t n32 = r->size > UINT32_MAX ? UINT32_MAX : (uint32_t)r->size;
    ab_op_stats *st = r->op == AB_MT_MALLOC   ? &st_malloc
                      : r->op == AB_MT_CALLOC ? &st_calloc
                      : r->op == AB_MT_MEMALIGN ? &st_memalign
                      : r->op == AB_MT_REALLOC ? &st_realloc
                                               : &st_free;
    if (r->op == AB_MT_FREE)
        return mt_free(m, r, st, i);
    if (failed || (r->id == 0 && r->op != AB_MT_REALLOC)) {
        st->skipped++; /* the traced call failed: nothing to replay */
        return 0;
    }
    void *p = NULL;
    if (r->op == AB_MT_REALLOC) {
        int rc = mt_realloc(m, r, st, i, n, &p);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    } else {
        uint64_t t0 = ab_tsc_read();
        if (r->op == AB_MT_MALLOC)
            p = m->h->malloc(m->self, n);
        else if (r->op == AB_MT_CALLOC)
            p = m->h->calloc(m->self, 1, n);
        else
            p = m->h->memalign(m->self, r->arg < 32 ? (size_t)1 << r->arg : 0, n);
        mt_sample(m->ctx, st, t0, p != NULL);
        if (p == NULL)
            return 0;
    }
    m->tab[r->id] = (kblock){p, n32};
    mark(p, n32, r->id);
    return 0;
}

/* Frees the blocks the trace left live. 0, or -1 if the heap failed. */
static int mt_drain(mt_replay *m)
{
    for (uint32_t id = 1; id <= m->max_id; id++)
        if (m->tab[id].p != NULL) {
            if (!marked(m->tab[id].p, m->tab[id].size, id))
                return heap_error("mtrace end", id, "block lost its contents");
            ab_status s = m->h->free(m->self, m->tab[id].p);
            if (s != AB_OK)
                return heap_error("mtrace end", id, ab_status_name(s));
            m->tab[id].p = NULL;
        }
    return 0;
}

static int mtrace_run(kctx *ctx)
{
    mt_info info = mt_validate(ctx->cfg);
    mt_replay m = {ctx, kheap_heap(), kheap_instance(), ctx->mem->scratch, info.max_id};
    memset(m.tab, 0, ((size_t)info.max_id + 1) * sizeof *m.tab);
    stats_clear(&st_malloc);
    stats_clear(&st_calloc);
    stats_clear(&st_memalign);
    stats_clear(&st_realloc);
    stats_clear(&st_free);
    const unsigned char *base = ctx->cfg->module + AB_MT_HEADER_BYTES;
    for (uint32_t i = 0; i < info.nrec; i++) {
        ab_mt_record r;
        ab_mt_record_decode(base + i * AB_MT_RECORD_BYTES, &r);
        if (mt_record(&m, &r, i) != 0)
            return -1;
    }
    if (mt_drain(&m) != 0)
        return -1;
    if (heap_checked("the trace") != 0)
        return -1;
    /* A row per op the trace has (malloc and free always). */
    report_kernel_stats(ctx, "malloc", &st_malloc);
    const char *names[] = {"calloc", "memalign", "realloc"};
    const ab_op_stats *more[] = {&st_calloc, &st_memalign, &st_realloc};
    for (unsigned k = 0; k < 3; k++)
        if (more[k]->hist.count != 0 || more[k]->failures != 0 || more[k]->skipped != 0)
            report_kernel_stats(ctx, names[k], more[k]);
    report_kernel_stats(ctx, "free", &st_free);
    return 0;
}

const kworkload kwl_mtrace = {"mtrace", "replays a malloc trace (.abt module) on kmalloc",
                              mtrace_scratch, mtrace_run, KWL_HEAP};
