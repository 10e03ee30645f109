/*
 * allocbench: seeded, deterministic workloads that drive any ab_strategy
 * through the interface, time it, and sample its fragmentation.
 *
 *   bulk       allocate half of memory one page at a time, free it all in
 *              allocation order (LLFree's benchmark)
 *   repeat     fill to fill_pm with single pages, then alloc + free one page
 *              `ops` times (op "pair": one sample per alloc+free)
 *   rand       fill to fill_pm with single pages, then free them all in
 *              random order
 *   churn      fill to fill_pm with mixed run lengths (60 % 1 page, 25 %
 *              2..8, 10 % 9..64, 5 % 65..512), then `ops` steps: allocate
 *              when below the level, else free a random live run
 *   sizes      as churn, with heavy-tailed lengths: order k with probability
 *              2^-(k+1) (k = 0..9), length uniform in [2^k, 2^(k+1))
 *   huge       as churn, each allocation 4 KiB or 2 MiB (512 pages aligned
 *              to 512) with equal odds (ops "alloc", "free", "alloc_2m",
 *              "free_2m")
 *   adversary  allocate every page, free every other page (odd page
 *              numbers), then ask once for each run length 2..512; records
 *              how many contiguous requests succeed
 *   trace      replay an array of ab_trace_rec
 *
 * The VMM workloads, modelled on Linux's lib/test_vmalloc.c (own code).
 * Each fills to fill_pm (untimed; lengths below, a miss falls back to one
 * page) and then runs `ops` steady-state steps:
 *   fix_size          fill with 16-page areas; step: alloc 16 pages, free
 *                     them (ops "alloc", "free")
 *   full_fit          fill with 1..32-page areas; step: free a random live
 *                     area (a hole of exactly n pages between live areas),
 *                     then allocate exactly n pages
 *   long_busy_list    fill with 1..16-page areas (many live areas, default
 *                     90 %); step: alloc 1 page, free it
 *   random_size       churn (as churn) with lengths uniform in 1..64
 *   fix_align         fill with 1..16-page areas; step: alloc 16 pages at
 *                     alignment 16, free them
 *   random_size_align churn with lengths 1..64 and alignment 2^(0..6),
 *                     uniform
 *   align_shift       (default fill 0) step: alloc 1 page at alignment 2^k,
 *                     free it, k = 0, 1, ... while 2^k <= total pages, then
 *                     from 0 again; an unservable alignment is ENOMEM,
 *                     counted in failures
 * Default fills: 50 % (fix_size, fix_align), 90 % (full_fit,
 * long_busy_list, random_size, random_size_align), 0 (align_shift). All
 * need AB_CAP_CONTIG (else AB_WL_SKIPPED). random_size and
 * random_size_align have a warm-up as churn (mean length 32.5); the others
 * none. Every one samples fragmentation on the fixed steady-state schedule.
 *
 * Timing. Single-op phases (bulk's fill and free, rand's fill and free,
 * repeat's pairs) run first once with a fenced rdtsc pair around each
 * operation (per-op samples, minus the timer's overhead, into the op's
 * histogram; failed attempts are timed too; fragmentation is sampled). That
 * pass is also the pilot for what follows:
 *
 *   groups   k = the smallest power of two with k * (the pilot's mean
 *            per-op cycles over its samples up to p90) >= 20 timer quanta
 *            (k = 1 when that is already 20 quanta; 1024 when it is 0; at
 *            most 4096 and a quarter of the phase). Batches then read the
 *            TSC once every k operations of a phase: one group's cycles
 *            (minus the overhead once) go into the op's group histogram, so
 *            group_p50 / k resolves costs far below one quantum.
 *   batches  the phase is repeated (a round: bulk = fill half + free all,
 *            rand = fill + free all, repeat = `ops` pairs) until the batch
 *            has lasted at least AB_BATCH_MIN_NS (10 ms; one round without a
 *            timer), and AB_BATCHES (5) batches are kept. A batch's mean per
 *            op is its group cycles / its ops; the median over kept batches
 *            is quoted, beside the mean over all of them. Each batch is
 *            bracketed by the params' probe (wall time, thread CPU time,
 *            involuntary context switches; NULL in the kernel): a batch with
 *            a context switch or CPU/wall < 0.9 was preempted and is redone,
 *            up to AB_BATCH_REDO_MAX (10) times per workload (then kept and
 *            counted). Batches are tight loops: no sampling, the budget
 *            checked once per group. Once 3/4 of budget_cycles are spent,
 *            no batch is redone and no new one starts (fewer than 5 kept).
 *
 * Mixed phases (churn, sizes, huge, the VMM workloads' steady states,
 * adversary, trace) have per-op samples only.
 *
 * Steady state (churn, sizes, huge, random_size, random_size_align). L =
 * the live allocations the fill holds, estimated from the fill target and
 * the workload's mean request length (churn 19.925 pages, 1 without
 * AB_CAP_CONTIG; sizes 7.75; huge 256.5; random_size(_align) 32.5), never
 * from what the strategy did. After the untimed fill, a
 * warm-up of 2 L untimed steps (about L frees: one turnover, ~63 % of the
 * fill's allocations replaced) is discarded, then max(ops, 2 L) steps are
 * timed (at least one more turnover). Failures, skips and contiguous
 * counters restart after the warm-up. Fragmentation is sampled on a fixed
 * schedule relative to the start of the steady state (step 0 = end of the
 * fill, 2 L = end of the warm-up, then every max(ops, 2 L) / 64 steps), and
 * the frag rows' step counts from there, so every strategy's samples line
 * up; frag_every is ignored for them.
 *
 * Capabilities. Strategies without AB_CAP_CONTIG (stack) run bulk, repeat,
 * rand and trace as is, and churn with single pages only; sizes, huge and
 * adversary are skipped for them (result AB_WL_SKIPPED). A request longer
 * than max_npages is not issued, and a request the strategy answers with
 * ENOTSUP is not retried: both count in the op's `skipped`, never as a
 * failure. ENOMEM is legitimate only for requests of n > 1 or alignment > 1
 * (counted in `failures`); any other unexpected status, a misaligned
 * address, a leak (free_pages not back to total at the end) or a nonzero
 * check() fails the run with a message.
 *
 * Bookkeeping lives in scratch memory the caller provides, sized by
 * ab_workload_scratch_bytes(): 8 bytes per live allocation (page number
 * < 2^40 and length < 2^24 packed in one word), or per trace id, plus two
 * histograms for the batch in progress.
 *
 * Fragmentation is sampled every frag_every steps (a step is one operation)
 * and at the end of each fill and drain, outside any timed region and never
 * during a batch, through frag_fn (mixed workloads: the fixed schedule
 * above).
 *
 * Freestanding, no globals, no recursion.
 */
#ifndef ALLOCBENCH_WORKLOAD_H
#define ALLOCBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"
#include "frag.h"
#include "hist.h"
#include "timer.h"

typedef enum ab_workload_kind {
    AB_WL_BULK,
    AB_WL_REPEAT,
    AB_WL_RAND,
    AB_WL_CHURN,
    AB_WL_SIZES,
    AB_WL_HUGE,
    AB_WL_ADVERSARY,
    AB_WL_TRACE,
    AB_WL_FIX_SIZE,          /* the VMM workloads, after Linux's */
    AB_WL_FULL_FIT,          /* lib/test_vmalloc.c; any role */
    AB_WL_LONG_BUSY_LIST,
    AB_WL_RANDOM_SIZE,
    AB_WL_FIX_ALIGN,
    AB_WL_RANDOM_SIZE_ALIGN,
    AB_WL_ALIGN_SHIFT,
    AB_WL_COUNT
} ab_workload_kind;

typedef enum ab_op {
    AB_OP_ALLOC,
    AB_OP_FREE,
    AB_OP_PAIR,
    AB_OP_ALLOC2M,
    AB_OP_FREE2M,
    AB_OP_COUNT
} ab_op;

/* "bulk", ... / "alloc", ...; NULL if out of range. */
const char *ab_workload_name(ab_workload_kind k);
const char *ab_op_name(ab_op op);
/* Parses a workload name; returns AB_WL_COUNT if unknown. */
ab_workload_kind ab_workload_parse(const char *name);
/* The fill level a workload uses when the caller passes fill_pm = 0. */
uint32_t ab_workload_default_fill(ab_workload_kind k);
/* True iff a workload ignores fill_pm (bulk: 1/2, adversary: all). */
int ab_workload_fixed_fill(ab_workload_kind k);
/* The fill level a run of k with fill_pm really uses (per-mille), as every
   result row reports it, host or kernel. */
uint32_t ab_workload_effective_fill(ab_workload_kind k, uint32_t fill_pm);

/* One trace record. ids are dense small integers, < trace_ids. */
typedef enum ab_trace_op { AB_TRACE_ALLOC = 0, AB_TRACE_FREE = 1 } ab_trace_op;
typedef struct ab_trace_rec {
    uint32_t op;     /* ab_trace_op */
    uint32_t id;
    uint64_t npages; /* ALLOC only */
    uint64_t align;  /* ALLOC only, pages; 0 or 1 = 4 KiB */
} ab_trace_rec;

#define AB_BATCHES 5u
#define AB_BATCH_MIN_NS 10000000u
#define AB_BATCH_REDO_MAX 10u
#define AB_BATCH_CPU_WALL_MIN_PM 900u /* cpu/wall below 0.9: preempted */

/* What the probe reads at a batch's start and end. */
typedef struct ab_probe_sample {
    uint64_t wall_ns;
    uint64_t cpu_ns;  /* CPU time of the running thread */
    uint64_t nivcsw;  /* involuntary context switches of the thread so far */
} ab_probe_sample;

/* The host's hook (getrusage(RUSAGE_THREAD)); NULL where there is none. */
typedef struct ab_batch_probe {
    void (*read)(void *ctx, ab_probe_sample *out);
    void *ctx;
} ab_batch_probe;

/* Called with each fragmentation sample; step counts operations so far. */
typedef void (*ab_frag_fn)(void *ctx, uint64_t step, const ab_frag *f,
                           uint64_t contig_tried, uint64_t contig_ok);

typedef struct ab_wl_params {
    ab_workload_kind kind;
    uint64_t seed;
    uint32_t fill_pm;        /* fill level, per-mille of total pages; 0 = default */
    uint64_t ops;            /* steady-state operations (repeat, churn, sizes,
                                huge); 0 = 1000000 */
    uint64_t frag_every;     /* sample every this many steps; 0 = only at
                                phase ends */
    ab_frag_fn frag_fn;      /* may be NULL */
    void *frag_ctx;
    const ab_timer *timer;   /* overhead to subtract; NULL = none */
    uint64_t budget_cycles;  /* abort with AB_WL_TIMEOUT past this; 0 = none */
    const ab_trace_rec *trace;
    size_t trace_len;
    uint32_t trace_ids;      /* ids are < trace_ids */
    const ab_batch_probe *probe; /* NULL: batches are never redone */
} ab_wl_params;

#define AB_BATCH_KEEP_MAX 8u

typedef struct ab_op_stats {
    ab_hist hist;           /* per-op samples, cycles */
    ab_hist group;          /* batches: cycles of each group of group_k ops */
    uint64_t group_k;       /* 0 = no group timing */
    uint64_t batch_cycles;  /* kept batches, summed */
    uint64_t batch_ops;
    uint32_t batches;       /* kept batches */
    uint32_t batches_redone;
    uint64_t batch_milli[AB_BATCH_KEEP_MAX]; /* each kept batch's cycles per
                                                op, in thousandths */
    uint32_t probed;        /* kept batches the probe measured */
    uint32_t cpu_wall_pm;   /* min over those of cpu / wall, per-mille */
    uint64_t failures;      /* legitimate ENOMEM */
    uint64_t skipped;       /* not issued (> max_npages) or ENOTSUP */
} ab_op_stats;

typedef enum ab_wl_outcome {
    AB_WL_OK = 0,
    AB_WL_SKIPPED = 1,  /* the strategy cannot run this workload at all */
    AB_WL_ERROR = 2,    /* msg says what went wrong */
    AB_WL_TIMEOUT = 3,  /* budget_cycles ran out */
} ab_wl_outcome;

typedef struct ab_wl_result {
    ab_op_stats op[AB_OP_COUNT];
    uint64_t steps;          /* operations issued outside the batch phases
                                (frag rows' step counts these, so it does not
                                depend on how long the batches ran) */
    uint64_t contig_tried;   /* requests of n > 1 pages issued */
    uint64_t contig_ok;      /* of which succeeded */
    uint64_t total_pages;
    uint64_t meta_bytes;
    size_t check_broken;     /* check() at the end */
    ab_wl_outcome outcome;
    char msg[160];
} ab_wl_result;

/* Scratch bytes the workload needs over total_pages pages. */
size_t ab_workload_scratch_bytes(const ab_wl_params *p, uint64_t total_pages);

/*
 * Runs the workload on an initialized instance with every page free; leaves
 * every page free again. Fills *r (cleared first) and returns r->outcome.
 * scratch needs ab_workload_scratch_bytes() bytes, 8-byte aligned.
 */
ab_wl_outcome ab_workload_run(const ab_strategy *st, void *self,
                              const ab_wl_params *p, void *scratch,
                              size_t scratch_len, ab_wl_result *r);

#endif
