/*
 * allocbench host: what the matrix runner's files share (matrix.c runs the
 * plan, matrix_cells.c runs one cell in a process of its own, matrix_join.c
 * opens the run folder and joins the cells' files). Not for other callers.
 */
#ifndef ALLOCBENCH_MATRIX_INTERNAL_H
#define ALLOCBENCH_MATRIX_INTERNAL_H

#include <stddef.h>

#include "matrix.h"

/* Cell outcomes. */
enum { CELL_OK = 0, CELL_FAILED = 1, CELL_STOPPED = 2, CELL_IOERR = -1 };

/* dir/cells/<key>.<what>.csv */
void cell_path(char *out, size_t len, const char *dir, const char *key, const char *what);

/* SIGINT and SIGTERM stop the matrix and are passed on to the running cell. */
void signals_catch(void);

/* The signal that asked the matrix to stop, or 0. */
int matrix_stop_signal(void);

/* Run one cell into dir/cells; each returns a cell outcome. */
int host_cell_run(const char *dir, const mcell *m);
int kernel_cell_run(const char *dir, const mcell *m, int quick);
int gbench_cell_run(const char *dir, const mcell *m, int quick);
int threads_cell_run(const char *dir, const mcell *m);
/* True if m's rows in dir say its time budget ran out (status timeout). */
int cell_timed_out(const char *dir, const mcell *m);
/* Records host cell m as not run because a cell of its series timed out:
   one summary row with op '-' and status skipped-timeout. A cell outcome. */
int skipped_cell_write(const char *dir, const mcell *m);

/* 1 iff cell m is done in dir (cells/<id>.summary.csv exists). */
int cell_done(const char *dir, const mcell *m);

/* 1 when host or threaded cells a and b are of one series: the same kind,
   strategy, role, workload, fill (or frame order), threads and ops, any
   size, seed or rep. A timeout skips the rest of a series (eta.c). */
int cell_same_series(const mcell *a, const mcell *b);

/* Rough operation count of a cell, for the estimate and the ETA. */
double cell_weight(const mcell *m);
/* Assumed cost per weighted op before anything is measured. */
#define NS_PER_OP_GUESS 100.0

/* The time left (eta.c): each cell's wall time goes to cells/times.csv, and
 * a cell not run yet is estimated by the same cell's time in other reps, or
 * by its weight at the timed cells' rate. */
typedef struct eta eta;
/* NULL when out of memory (then the ETA reads 0 s). */
eta *eta_open(const char *dir, const plan *p);
/* Cell i ended after s seconds; ran: it was run (not skipped); timed_out:
   it ran out of its time budget (its series is skipped from now on). */
void eta_record(eta *e, size_t i, double s, int ran, int timed_out);
/* Seconds the cells from index from on that are not done yet will take. */
double eta_left_s(const eta *e, size_t from, int no_skip);
void eta_close(eta *e);

/* Joins the plan's cell files into summary.csv, frag.csv and failures.csv
 * (only if a cell failed). Returns the failed cells, or -1. */
int run_join(const char *dir, const plan *p);

/* Opens (creates) the run folder, locks it against a second runner and
 * removes what a kill left. 0, or -1 with a message. */
int run_open(char *dir, size_t len, const char *out, const char *cmd);

#endif
