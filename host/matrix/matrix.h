/*
 * allocbench host: the matrix runner. It runs a plan's cells (plan.h), each
 * in its own process, into a run folder, resumably:
 *
 *   cells/<id>.failure.csv   a failed cell's failures.csv line (written first)
 *   cells/<id>.frag.csv      its frag rows (no header)
 *   cells/<id>.summary.csv   its summary rows, written last: the cell is done
 *
 * then joins them, in plan order, into summary.csv, frag.csv, failures.csv,
 * and writes meta.json. Every file goes through a temporary name and a
 * rename, so a kill anywhere leaves either the old file or the new one.
 * The measurer judges nothing: report/ does (`allocbench report --check`).
 */
#ifndef ALLOCBENCH_MATRIX_H
#define ALLOCBENCH_MATRIX_H

#include "host.h"
#include "plan.h"

typedef struct matrix_opts {
    plan_opts plan;
    const char *out_dir;  /* NULL = results/<timestamp> */
    int dry_run;          /* print the plan and the estimate, run nothing */
    int list;             /* print "<id>\t<command>" per cell, run nothing */
    int no_skip;          /* run cells whose series timed out at a size <= theirs */
    int argc;             /* the command line, for "resume with: ..." */
    char **argv;
} matrix_opts;

/* `allocbench matrix`: runs (or resumes) the plan. Returns the exit status:
 * 0, 1 (a cell of the folder failed, counted from its failure records, or
 * files unwritable), 2 (bad matrix file), 130/143 (stopped by SIGINT or
 * SIGTERM after the current cell's files were safe). */
int matrix_main(const matrix_opts *o);

/* `allocbench cell ID --out DIR`: one cell, as the matrix runs it, into its
 * own folder. 2 if id is not a cell of the matrix. */
int matrix_cell_main(const plan_opts *po, const char *id, const char *out_dir);

/* Unlinks the temporaries (name.tmp.<pid>) a kill left in dir. */
void run_temps_remove(const char *dir);

/* `allocbench merge DIR... -o RUN` (merge.c). */
int merge_main(int argc, char **argv);

#endif
