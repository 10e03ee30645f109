/*
 * allocbench host: threaded cells (core/mtworkload.h) on one shared
 * instance, and `allocbench threads`. Each cell writes rows to threads.csv
 * (docs/results.md): one per thread and phase, with the cell's total
 * throughput, the fairness across threads and whether the threads really ran
 * together.
 */
#ifndef ALLOCBENCH_THREADS_H
#define ALLOCBENCH_THREADS_H

#include <stdint.h>

#include "allocbench/strategy.h"
#include "mtworkload.h"

#define THREADS_CSV_HEADER                                                        \
    "env,strategy,workload,mem_bytes,order,threads,seed,rep,thread,op,ops,failures," \
    "ns_per_op,cpu_ns,wall_ns,total_ops_per_s,fairness,cpu_wall,redone,together,status,faults\n"

typedef struct threads_cell {
    const ab_strategy *st;
    ab_mt_kind kind;
    uint32_t order, threads, rep;
    uint64_t mem_bytes, per_thread, seed;
    double budget_s; /* wall time for the cell, redos included (0: none) */
} threads_cell;

/* Frames (bulk, rand) or pairs (repeat) per thread when per_thread is 0. */
uint64_t threads_default_per_thread(const threads_cell *c);

/*
 * Runs the cell (redone up to 5 times while its threads did not run
 * together) and appends its rows to *csv (malloc'd text, grown). Returns 0,
 * or -1 with msg set (the rows then say status error). Past c->budget_s
 * the threads stop where they are, nothing is redone, and the rows say
 * status timeout (what was done by then, not a throughput to compare).
 */
int threads_run_cell(const threads_cell *c, char **csv, size_t *csv_len, char *msg,
                     size_t msg_len);

/* The rows of a cell that did not run (each thread and phase, no
   operations) with status, e.g. skipped-timeout. */
void threads_status_rows(const threads_cell *c, const char *status, char **csv,
                         size_t *csv_len);

/* `allocbench threads ...` (argv[1] is "threads"). Exit status. */
int threads_main(int argc, char **argv);

#endif
