/*
 * allocbench programs: real programs (python3, gcc, perl) under each heap of
 * heap/ (LD_PRELOAD of libab_<heap>.so), jemalloc (libjemalloc.so.2) and
 * glibc, timed with hyperfine; writes RUN_DIR/programs.csv (docs/results.md)
 * and heapscale.csv. Host C with libc.
 */
#ifndef ALLOCBENCH_PROGRAMS_H
#define ALLOCBENCH_PROGRAMS_H

typedef struct programs_opts {
    int quick;
    int runs;            /* hyperfine runs per program x allocator */
    const char *out;     /* NULL = results/<timestamp> */
    const char *heaps;   /* comma list of allocators, NULL = all */
    int argc;            /* the command line (argv[0] = "programs"), for */
    char **argv;         /* "resume with: ..." */
} programs_opts;

/* Runs (or resumes: DIR's finished programs are kept) every program under
   every allocator. Exit status: 0, 1 if a row of DIR/programs.csv failed,
   2 if --heaps names an unknown allocator or --out cannot be made, 130/143
   if SIGINT/SIGTERM stopped it (after the last finished program's files
   were safe). */
int programs_run(const programs_opts *o);

#endif
