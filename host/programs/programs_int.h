/* allocbench programs: what programs.c and programs_hyperfine.c share. */
#ifndef ALLOCBENCH_PROGRAMS_INT_H
#define ALLOCBENCH_PROGRAMS_INT_H

#include <stddef.h>

/* snprintf for text that may be cut at len (reasons, labels; paths are
   checked by the calls that use them): no compiler truncation analysis. */
void pr_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define MAX_ALLOCS 16
#define MAX_PROGS 8

typedef struct allocator {
    char name[32];
    char preload[4096];  /* "" for glibc */
    int is_heap;
    char skip[256];      /* non-empty: not run, and why */
} allocator;

typedef struct program {
    const char *name;
    const char *what;
    char *argv[12];
    char expect[128];    /* stdout, or "" */
    char obj[4200];      /* an object file to check, or "" */
    char text[1024];
    char fail[256];      /* set before anything runs: the program cannot */
} program;

typedef struct row {
    int checked_ok;
    char status[320];
    long maxrss_kib;
    double check_s;
    double median, stddev, min, max;
    int runs;
    double peak_live, peak_fp;   /* NAN when unknown */
    const char *fp_kind;
    char mt_why[300];            /* why peak live is unknown (glibc, jemalloc) */
} row;

/* Runs hyperfine over the allocators flagged in want; fills their rows.
   0, or -1 with a reason in why. */
int hyperfine_program(const program *p, const allocator *al, size_t nal, const int *want,
                      row *rows, int runs, const char *dir, char *why, size_t len);

#endif
