/*
 * Result rows in the host's schema, through core's CSV formatter
 * (core/csv.h) so kernel and host rows are the same columns:
 *   summary: one row per op (ab_csv_summary_rows)
 *   frag:    PMM fragmentation samples (ab_csv_frag_row)
 * The kernel's own ops (map_page, fault, ...) are not in core's op
 * enum; report_kernel_op formats them as op "alloc" and renames the op
 * field, so the columns stay whatever csv.c prints.
 */
#ifndef KERNEL_REPORT_H
#define KERNEL_REPORT_H

#include <stdint.h>

#include "csv.h"
#include "hist.h"
#include "kworkload.h"

/* Prints the H lines of both tables. */
void report_headers(void);

/* The row's origin for role ("pmm", "vmm" or "kernel"). */
ab_cell report_cell(const kctx *ctx, const char *role);

/* Rows for a core result. */
void report_result(const kctx *ctx, const char *role, const ab_wl_result *r);

/*
 * One summary row for a kernel op: per-op samples in h, and (if batch_ops)
 * whole-phase cycles for batch_ops operations.
 */
void report_kernel_op(const kctx *ctx, const char *op, const ab_hist *h,
                      uint64_t batch_cycles, uint64_t batch_ops);

/* The same from a whole ab_op_stats (failures and skipped columns too). */
void report_kernel_stats(const kctx *ctx, const char *op, const ab_op_stats *st);

/* A frag row for st/self at step (contiguous success columns empty). */
void report_frag(const kctx *ctx, const ab_strategy *st, const void *self, uint64_t step);

/* An ab_frag_fn for core workloads; ctx is a const kctx *. */
void report_frag_fn(void *ctx, uint64_t step, const ab_frag *f, uint64_t contig_tried,
                    uint64_t contig_ok);

#endif
