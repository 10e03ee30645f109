/*
 * allocbench: result rows as CSV text through a write callback (no stdio),
 * so the host's files and the kernel's serial lines are the same bytes.
 * docs/results.md describes every column and its unit.
 */
#ifndef ALLOCBENCH_CSV_H
#define ALLOCBENCH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "frag.h"
#include "timer.h"
#include "workload.h"

typedef void (*ab_write_fn)(void *ctx, const char *s, size_t len);

typedef struct ab_out {
    ab_write_fn write;
    void *ctx;
} ab_out;

/* Where a row comes from. Strings must not contain commas or quotes. */
typedef struct ab_cell {
    const char *env;      /* "host", "kvm", "tcg", "icount" */
    const char *strategy;
    const char *role;     /* "pmm" or "vmm" */
    const char *workload;
    uint64_t mem_bytes;
    uint32_t fill_pm;     /* per-mille; printed as a fraction */
    uint64_t seed;
    uint32_t threads;     /* threads on the instance; 0 prints as 1 */
    uint32_t rep;         /* repetition index (its seed differs per rep) */
} ab_cell;

void ab_csv_summary_header(const ab_out *o);
/*
 * One row per op that has samples, batch timing, failures or skips; a single
 * row with op "-" when there is none (a skipped or failed workload), so every
 * cell leaves a trace. status is the outcome: ok, skipped, error, timeout.
 */
void ab_csv_summary_rows(const ab_out *o, const ab_cell *c, const ab_wl_result *r,
                         const ab_timer *t);

/*
 * hist.csv: every non-empty bucket of every op's per-op histogram, one row
 * each (lo_cycles <= sample < hi_cycles; the last bucket reaches past max).
 */
void ab_csv_hist_header(const ab_out *o);
void ab_csv_hist_rows(const ab_out *o, const ab_cell *c, const ab_wl_result *r);

void ab_csv_frag_header(const ab_out *o);
void ab_csv_frag_row(const ab_out *o, const ab_cell *c, uint64_t step,
                     const ab_frag *f, uint64_t contig_tried, uint64_t contig_ok);

/* Formatting helpers (exposed for the kernel's own lines). */
void ab_out_str(const ab_out *o, const char *s);
void ab_out_u64(const ab_out *o, uint64_t v);
void ab_out_i64(const ab_out *o, int64_t v);
/* v / 10^decimals with exactly `decimals` digits after the point. */
void ab_out_fixed(const ab_out *o, uint64_t v, unsigned decimals);

const char *ab_outcome_name(ab_wl_outcome o);

#endif
