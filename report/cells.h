/*
 * report/cells: summary.csv rows gathered over reps. A cell is one
 * (env, role, workload, mem_bytes, fill, threads, op, strategy); its metrics
 * are the medians over the reps with a 95 % bootstrap interval (stats.h),
 * its failures the sum over reps. A group is the same key without the
 * strategy: the strategies a verdict compares.
 */
#ifndef ALLOCBENCH_REPORT_CELLS_H
#define ALLOCBENCH_REPORT_CELLS_H

#include "plot_run.h"
#include "stats.h"

/* AB_M_SPEED: the batch median per op where the workload has batches (bulk,
   repeat, rand: >= 5 batches of >= 10 ms, preempted ones redone), else the
   mean of the per-op samples. */
enum { AB_M_MEAN, AB_M_P50, AB_M_P99, AB_M_P999, AB_M_META, AB_M_SPEED, AB_M_COUNT };

typedef struct ab_cell {
    const ab_srow *proto; /* the first row: env, role, workload, op, ... */
    int strat;
    size_t nreps;         /* reps with status ok and samples */
    size_t nrows;         /* rows of any status */
    double *v[AB_M_COUNT];/* per-rep values, nreps each */
    st_est e[AB_M_COUNT];
    double failures, count, fail_rate;
    size_t group;         /* index of its group */
} ab_cell;

typedef struct ab_cells {
    ab_cell *c;
    size_t n, ngroups;
    double tsc_hz;        /* 0 when unknown */
    double quantum_ns;    /* one timer step in ns; 0 when unknown */
    char quantum_from[160];
} ab_cells;

/* Gathers run's rows. Returns 0, or -1 when out of memory. */
int ab_cells_build(const ab_run *run, ab_cells *cs);
void ab_cells_free(ab_cells *cs);
/* True when the cell has requests that were not served. */
int ab_cell_failed(const ab_cell *c);
/* "churn alloc, fill 50 %, 64 MiB, 2 threads" */
void ab_cell_label(const ab_cell *c, char *out, size_t len);
/* True for a kernel run under QEMU's TCG (env kernel-tcg): its figures are
   relative only. */
int ab_env_is_tcg(const char *env);
/* The metric's value of row s (ns, or bytes per GiB for AB_M_META). */
double ab_metric_of(const ab_srow *s, int metric);
/* The timer's resolution that applies to these cells' values of metric,
   given one quantum q: none for metadata; none for speed when every cell's
   value is a batch median (a batch lasts >= 10 ms, a million quanta: the
   timer's share of its per-op time is below 1e-5 of it); else q, as for
   per-op samples. The verdict and compare both judge by it. */
double ab_cells_quantum(const ab_cell *const *cell, size_t n, int metric, double q);
/* The figure stem plot_figs.c gives the cell's group (kind: bars, scaling):
   the fill is in it when the workload ran at more than one fill. */
void ab_cell_figure(const ab_run *run, const ab_cell *c, const char *kind, char *out,
                    size_t len);

#endif
