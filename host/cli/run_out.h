/*
 * host/cli: a cell's rows into a run folder that may already hold rows.
 * Rows are added, never truncated: each CSV keeps one header, and a file
 * whose header differs is refused unless --force (then the old file is kept
 * as FILE.old). A cell that is already in the folder (same columns before
 * rep) comes back as the next free rep.
 */
#ifndef ALLOCBENCH_RUN_OUT_H
#define ALLOCBENCH_RUN_OUT_H

#include <stdbool.h>

#include "buffer.h"

typedef struct run_file {
    const char *name;   /* "summary.csv" */
    hbuf *text;         /* header line, then rows */
    int rep_field;      /* 0-based column of rep, -1 if none */
    int key_fields;     /* columns before rep that name the cell */
} run_file;

/*
 * Sets every row's rep to the next free rep of its cells in dir (the
 * first file with a rep column decides), then appends each file's rows to
 * dir/<name>. 0; 1 with the reason printed (prefix "allocbench CMD: ")
 * if a file cannot be written or its header differs and !force.
 */
int run_out_commit(const char *cmd, const char *dir, run_file *files, int nfiles, bool force);

#endif
