/* allocbench host: runs allocbench-micro (Google Benchmark) for the matrix. */
#ifndef ALLOCBENCH_MICRO_RUN_H
#define ALLOCBENCH_MICRO_RUN_H

/*
 * Runs allocbench-micro ($ALLOCBENCH_MICRO, else the one this build made)
 * with its JSON written to DIR/gbench.json (via a temporary name and
 * rename). Keeps an existing DIR/gbench.json (a resumed matrix). When the
 * program is absent, prints a note and writes nothing. Returns 0 (done,
 * kept or absent) or 1 (it failed; stderr says how).
 */
int micro_run(const char *dir, int quick);

#endif
