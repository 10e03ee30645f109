/* allocbench host: the `kernel` command and the matrix's kernel cells. */
#ifndef ALLOCBENCH_KCMD_H
#define ALLOCBENCH_KCMD_H

#include <stddef.h>

#include "host.h"

/* The kernel image: override, else $ALLOCBENCH_KERNEL, else the build's. */
const char *kcmd_kernel_elf(const char *override);

/* How many kernel cells the matrix has. */
size_t kcmd_matrix_count(void);

/*
 * Runs the matrix's kernel cells that cells_dir does not have yet (each
 * recorded, failed or not, as cells/<key>.summary.csv and .frag.csv), then
 * appends every kernel cell's rows to summary and frag. Progress numbers
 * start at first_index + 1 of total_cells. Returns how many cells failed
 * this time, or -1 if results could not be written.
 */
int kcmd_matrix_run(const char *run_dir, const char *cells_dir, size_t first_index,
                    size_t total_cells, hbuf *summary, hbuf *frag);

#endif
