/*
 * allocbench programs: real programs (python3, gcc, perl) under each heap of
 * heap/ (LD_PRELOAD of libab_<heap>.so), jemalloc (libjemalloc.so.2) and
 * glibc, timed with hyperfine; writes RUN_DIR/programs.csv (docs/results.md)
 * and heapscale.csv. Host C with libc.
 */
#ifndef ALLOCBENCH_PROGRAMS_H
#define ALLOCBENCH_PROGRAMS_H

/* `allocbench programs ...` (argv[1] is "programs"). Exit status. */
int programs_main(int argc, char **argv);

#endif
