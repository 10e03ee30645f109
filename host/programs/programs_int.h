/* allocbench programs: what programs.c and programs_hyperfine.c share. */
#ifndef ALLOCBENCH_PROGRAMS_INT_H
#define ALLOCBENCH_PROGRAMS_INT_H

#include <stddef.h>

#include "buffer.h"
#include "process.h"
#include "programs.h"

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

/* Appends s to b, shell-quoted when it needs it. */

/* ---- kill anywhere (programs_resume.c) ---- */

/* SIGINT and SIGTERM stop the run: the running child's group is killed. */
void pr_signals_catch(void);
/* The signal that asked the run to stop, or 0. */
int pr_stop_signal(void);
/* Spawns h in its own group that dies with this process, and waits for it
   (timeout_s 0: for ever); a stop signal meanwhile kills the group. As
   hproc_wait; HPROC_ERROR (errno EINTR) without starting it once stopped. */
hproc_end pr_child_run(hproc *h, double timeout_s);

/* programs.csv's rows (no header), keyed by their program,allocator. */
typedef struct pr_table {
    char **line;
    size_t n, cap;
} pr_table;

/* The rows of path (absent: none). 0; 1 if its header is not header (its
   rows are dropped); -1 if it cannot be read. Rows with another number of
   fields than the header are dropped. */
int pr_table_load(pr_table *t, const char *path, const char *header);
/* 1 iff t has a row for prog under alloc. */
int pr_table_has(const pr_table *t, const char *prog, const char *alloc);
/* Replaces the row with line's key, or appends line. 0 or -1. */
int pr_table_put(pr_table *t, const char *line);
/* Writes header and the rows to path (tmp + rename; NULL: none), the text
   kept in csv. 0 or -1. */
int pr_table_write(const pr_table *t, const char *path, const char *header, hbuf *csv);
/* 1 iff a row's status starts with "failed". */
int pr_table_failed(const pr_table *t);
void pr_table_free(pr_table *t);
/* "allocbench programs: <signal>: stopped after <last>; resume with: ..." */
void pr_stopped_say(const programs_opts *o, const char *dir, const char *last);

#endif
