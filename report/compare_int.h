/*
 * compare's internals, shared by compare.c (matching, the per-cell tests,
 * the output files) and compare_run.c (the whole run's drift and the
 * per-strategy test). Not an interface: nothing outside compare uses it.
 */
#ifndef ALLOCBENCH_REPORT_COMPARE_INT_H
#define ALLOCBENCH_REPORT_COMPARE_INT_H

#include <stdio.h>

#include "cells.h"

#define ALPHA 0.05
#define CMP_ENVS 8 /* environments with a drift of their own; more share 1 */

typedef struct side {
    ab_run run;
    ab_cells cs;
} side;

/* One strategy's cells, for the strategy-wide test: how many ratios B/A of
   the typical speed (ab_cmp_speed_metric) lie above and below 1, and the
   ratios. */
typedef struct strat_tally {
    size_t up, down, n;
    double *ratio;
} strat_tally;

typedef struct cmp_out {
    FILE *md, *csv, *fig; /* fig: the figure's data */
    double threshold;
    size_t pairs, regressions, improvements, untestable;
    double lo, hi; /* the figure's x range */
    double *p_crit; /* per strategy of B: Benjamini-Hochberg, p at or below it
                       is significant (0: nothing is) */
    struct strat_tally *tally; /* per strategy of B: its cells' speed ratios */
    size_t strat_regressions;
    /* Per environment of B (host, kernel-tcg): the run's drift, its cells
       above and below 1, and what cells are judged against (1: --absolute). */
    size_t nenv;
    char env[CMP_ENVS][32];
    double env_d[CMP_ENVS], env_judge[CMP_ENVS];
    size_t env_up[CMP_ENVS], env_down[CMP_ENVS];
    int run_regressed; /* an environment's whole run is slower beyond the threshold */
    double quantum; /* one timer step in ns, the larger of A's and B's (0: unknown) */
    size_t below_res; /* comparisons whose A and B are both below resolution */
} cmp_out;

/* x's cell in a (same strategy, env, role, workload, op, size, threads,
   fill), or NULL. */
const ab_cell *ab_cmp_twin(const side *a, const side *b, const ab_cell *x);
/* What env's cells are judged against: its drift, or 1 with --absolute. */
double ab_cmp_drift_of(const cmp_out *o, const char *env);
int ab_cmp_double(const void *x, const void *y); /* qsort, ascending */
/* Both cells time batches (>= 10 ms each, batch_median_ns). */
int ab_cmp_batched(const ab_cell *a, const ab_cell *b);
/* The metric a pair's typical speed is judged by: AB_M_SPEED (the batch
   median) where both cells time batches, else AB_M_MEAN. */
int ab_cmp_speed_metric(const ab_cell *a, const ab_cell *b);
/* Both medians of metric within 2 timer quanta of zero: the pair decides
   nothing. Never for a batch median: a batch is a million quanta long. */
int ab_cmp_below_res(const cmp_out *o, const ab_cell *a, const ab_cell *b, int metric);

/* compare_run.c: every environment's drift, measured before anything is
   judged; the whole run's lines (sets run_regressed); the per-strategy
   table (counts strat_regressions). */
void ab_cmp_drifts_measure(cmp_out *o, const side *a, const side *b, int absolute);
void ab_cmp_drift_write(cmp_out *o, int absolute);
void ab_cmp_strat_table(cmp_out *o, const ab_run *rb);

#endif

