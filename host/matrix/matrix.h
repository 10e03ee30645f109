/* allocbench host: the matrix of cells, resumable, and its speed figures. */
#ifndef ALLOCBENCH_MATRIX_H
#define ALLOCBENCH_MATRIX_H

#include "host.h"

typedef struct matrix_opts {
    int quick;
    const char *out_dir; /* NULL = results/<timestamp> */
    uint64_t seed;
    int dry_run;         /* print the plan and the estimate, run nothing */
    int host_only;       /* leave out the kernel cells */
} matrix_opts;

/* Runs (or resumes) the matrix. Returns the process exit status. */
int matrix_main(const matrix_opts *o);

/* Prints the speed figures from a summary.csv's text to stdout.
 * Returns how many figures FAILed. */
int figures_print(const char *summary_csv);

#endif
