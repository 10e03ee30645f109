/*
 * report/tcells: threads.csv (the threaded cells, host/cell/threads.h)
 * gathered over reps. A threads cell is one (env, strategy, workload,
 * mem_bytes, order, threads, op); per rep it has the cell's total ops/s,
 * its fairness (max/min ops over threads), whether its threads ran together,
 * and each thread's ns per op. Its throughput is the median over reps with
 * a 95 % bootstrap interval (stats.h).
 */
#ifndef ALLOCBENCH_REPORT_TCELLS_H
#define ALLOCBENCH_REPORT_TCELLS_H

#include "plot_run.h"
#include "stats.h"

typedef struct ab_tcell {
    const ab_trow *proto;  /* the first row: env, workload, op, ... */
    int strat;
    size_t nreps;          /* reps with status ok and a throughput */
    size_t reps_seen;      /* reps of any status */
    size_t apart;          /* reps with together = 0 (for 1 thread: the
                              measuring side's own flag, not a scaling
                              statement; callers say so) */
    double *total;         /* per rep: total ops/s (nreps of them) */
    double *rep_ids;       /* per rep seen: its rep number (reps_seen) */
    double *fair;          /* per rep: fairness (nreps) */
    double *nsop;          /* per thread row of the ok reps: ns per op */
    size_t nnsop;
    double failures;
    st_est e;              /* total ops/s over reps */
    double fairness;       /* median over reps */
    double ns_per_op;      /* median over threads and reps */
} ab_tcell;

typedef struct ab_tcells {
    ab_tcell *c;
    size_t n;
} ab_tcells;

/* Gathers run->t. Returns 0, or -1 when out of memory. */
int ab_tcells_build(const ab_run *run, ab_tcells *tc);
void ab_tcells_free(ab_tcells *tc);
/* The cell of strategy strat (name) with the key; env NULL matches any. */
const ab_tcell *ab_tcell_find(const ab_run *run, const ab_tcells *tc, const char *strat,
                              const char *env, const char *workload, const char *op,
                              double mem, double order, double threads);
/* The 1-thread twin of x (same key, threads 1), or NULL. */
const ab_tcell *ab_tcell_one(const ab_tcells *tc, const ab_tcell *x);
/* T-thread over 1-thread total ops/s, with its interval (ratio of medians). */
st_est ab_tcell_speedup(const ab_tcell *x, const ab_tcell *one, uint64_t seed);
/* "bulk alloc, order 0, 16 GiB, 2 threads" */
void ab_tcell_label(const ab_tcell *c, char *out, size_t len);

#endif
