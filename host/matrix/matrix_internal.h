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

/* Joins the plan's cell files into summary.csv, frag.csv and failures.csv
 * (only if a cell failed). Returns the failed cells, or -1. */
int run_join(const char *dir, const plan *p);

/* Opens (creates) the run folder, locks it against a second runner and
 * removes what a kill left. 0, or -1 with a message. */
int run_open(char *dir, size_t len, const char *out, const char *cmd);

#endif
