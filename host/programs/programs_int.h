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

typedef struct runout {
    int exited, code, sig, timed_out;
    long maxrss_kib;
    double wall_s;
} runout;

/* Runs argv with env additions (NAME=VALUE strings, NULL-terminated) and
   LD_PRELOAD, AB_HEAP_STATS, AB_MTRACE removed first; stdout and stderr to
   files; killed after timeout_s. -1 if it could not start. */
int run_child(char *const *argv, const char *const *add, const char *out_path,
              const char *err_path, unsigned timeout_s, runout *ro);
/* A CSV-safe copy of s (commas, quotes and line breaks become ';' or ' '). */
void csv_safe(char *s);
/* Checks one finished run: 0 ok, else a reason in why. */
int verdict(const program *p, const runout *ro, const char *out_path, const char *err_path,
            char *why, size_t len);
/* The AB_HEAP_STATS line with the largest peak live bytes. 0, or -1. */
int heap_stats(const char *path, double *live, double *fp);
/* Peak live bytes of p on glibc (the recorder's traces); NAN with why. */
double mtrace_peak(const program *p, const char *dir, char *why, size_t len);

/* Runs hyperfine over the allocators flagged in want; fills their rows.
   0, or -1 with a reason in why. */
int hyperfine_program(const program *p, const allocator *al, size_t nal, const int *want,
                      row *rows, int runs, const char *dir, char *why, size_t len);

#endif
