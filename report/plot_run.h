/*
 * allocbench plot: the run as the plotter sees it. Shared by plot_load.c
 * (reading the run folder), plot.c (data files and gnuplot) and
 * plot_report.c (report.md and report.html). Host-only code.
 */
#ifndef ALLOCBENCH_PLOT_RUN_H
#define ALLOCBENCH_PLOT_RUN_H

#include <stddef.h>
#include <string.h>

#include "plot_csv.h"
#include <jansson.h>

#define AB_PLOT_PATH 1024

/* One summary.csv row. Latencies are NAN when the row has none. */
typedef struct ab_srow {
    const char *env, *strategy, *role, *workload, *op, *status;
    double mem_bytes, fill, seed, count;
    double threads, rep;   /* 1 and 0 when the run has no such column */
    double mean_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
    double meta_bytes, meta_per_gib, failures;
    double batch_median_ns; /* NAN when the run has no such column; host rows:
                               from batch_median_cycles and meta.json's tsc_hz */
    double batch_median_cycles;
    double contig_success; /* NAN when the cell asked for no run of pages:
                              a strategy without runs (stack) does churn with
                              single frames, another request mix */
    size_t line;
    int strat; /* index into ab_run.strats */
} ab_srow;

/* One threads.csv row (host/cell/threads.h): one thread and phase of a
   threaded cell. Numbers NAN when empty. */
typedef struct ab_trow {
    const char *env, *strategy, *workload, *op, *status;
    double mem_bytes, order, threads, seed, rep, thread, ops, failures, ns_per_op;
    double total_ops_per_s, fairness, cpu_wall, redone, together;
    size_t line;
    int strat;
} ab_trow;

/* One frag.csv row. fill is NAN when frag.csv has no fill column. */
typedef struct ab_frow {
    const char *env, *strategy, *workload;
    const char *role;  /* pmm, vmm; "" when frag.csv has no role column */
    double mem_bytes, seed, step, fill;
    double free_pages, largest_free_run, free_runs, ext_frag, free_2m;
    double threads, rep, contig_tried; /* contig_tried NAN when absent */
    size_t line;
    int strat;
} ab_frow;

/* The part of a frag figure's name that says the role: "-vmm" for VMM
   samples, "" for PMM ones and for frag.csv files without a role column,
   so PMM figure names stay as they were. */
static inline const char *ab_frag_role_stem(const char *role)
{
    return strcmp(role, "vmm") == 0 ? "-vmm" : "";
}

/* One Google Benchmark result (real time, ns). */
typedef struct ab_gbench {
    char *file, *name, *family;
    double mean_ns, err_ns;  /* err: stddev over repetitions, 0 if none */
    int reps;
    int strat;               /* -1 when the name has no known strategy */
} ab_gbench;

/* One programs.csv row (allocbench programs). Numbers NAN when empty. */
typedef struct ab_prow {
    const char *program, *allocator, *status, *fp_kind;
    double runs, median_s, stddev_s, min_s, max_s, rss_kib, live, footprint, ratio;
    int ok;      /* status starts with "ok" */
    size_t line;
    int strat;   /* the allocator's index into ab_run.strats */
} ab_prow;

/* One heapscale.csv row: malloc time of a heap against live chunks. */
typedef struct ab_hsrow {
    const char *heap, *strategy;
    double live_chunks, ops, malloc_mean_ns, malloc_p50_ns, malloc_p99_ns, free_mean_ns;
    size_t line;
    int strat;   /* the heap's index into ab_run.strats */
} ab_hsrow;

typedef struct ab_strat {
    char *name;
    char *ident;  /* name made safe for gnuplot variable and file names */
    char *caps;   /* strategies.csv caps ("single contig ..."), NULL when unknown */
    int slot;     /* colour and point slot in plots/style.gp's lists */
    int listed;   /* named by strategies.csv */
} ab_strat;

typedef struct ab_figure {
    char name[160];     /* file stem under plots/ */
    char kind[24];      /* cdf, bars, frag_ext, frag_2m, frag_fill, scaling,
                           meta, hostkernel, gbench, programs, heapscale */
    char title[256];
    char caption[1024];
    int def;            /* its line of figures.def (index into ab_run.defs) */
    int off;            /* not in figures.def, or filtered out: not drawn */
} ab_figure;

/* One line of report/figures.def: a figure family. */
typedef struct ab_figdef {
    char id[32], kind[24], filter[128], script[64], title[160];
    size_t line;
} ab_figdef;

typedef struct ab_run {
    char dir[AB_PLOT_PATH];
    char plots_dir[AB_PLOT_PATH];
    char data_dir[AB_PLOT_PATH];
    char scripts_dir[AB_PLOT_PATH];
    int width, height;
    int jobs;

    ab_table summary, frag, programs, heapscale, hist, threads;
    ab_table memprobe; /* memprobe.csv (bytes, ns_per_load); nrows 0 when absent */
    ab_trow *t;       /* threads.csv rows (have_threads) */
    size_t nt;
    int have_threads;
    int have_batch_median; /* summary.csv has batch_median_ns */
    int have_hist;    /* hist.csv was read: CDFs from real histograms */
    int have_programs, have_heapscale;
    int no_cells;     /* neither summary.csv nor frag.csv: a programs-only run */
    ab_prow *p;
    size_t np;
    ab_hsrow *hs;
    size_t nhs;
    json_t *meta;      /* meta.json, or NULL */
    char meta_note[512];

    ab_srow *s;
    size_t ns;
    ab_frow *f;
    size_t nf;
    ab_gbench *g;
    size_t ng;
    char gbench_note[512];

    ab_strat *strats;
    size_t nstrats;
    int have_strategies; /* strategies.csv was read */
    int multi_role;   /* more than one role in the run: titles say the role */

    ab_figure *figs;
    size_t nfigs, capfigs;
    char figures_def[AB_PLOT_PATH]; /* path of figures.def */
    ab_figdef *defs;
    size_t ndefs;

    char **notes;     /* what was skipped or partial, for the report */
    size_t nnotes;
} ab_run;

/* plot_load.c. Each returns 0, or -1 after printing "FILE:LINE: reason". */
int ab_run_load(ab_run *run);
void ab_run_free(ab_run *run);
/* meta.json and gbench*.json alone (tests/fuzz/fuzz_report_json). */
int ab_run_load_json(ab_run *run);
void ab_run_note(ab_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* snprintf that callers use for text that may be cut at len (labels, paths
   checked elsewhere): the compiler's truncation analysis stops here. */
int ab_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Strategy index by name, or -1. */
int ab_run_strat(const ab_run *run, const char *name);
/* "64 MiB", "16 GiB". */
void ab_mem_label(double bytes, char *out, size_t outlen);
/* True for env "host". */
int ab_env_is_host(const char *env);

/* Internal to plot_load*.c. Row checks (plot_load.c): prints "FILE:LINE: "
   and fmt with a and b, returns -1; fails on two rows with the same values in
   cols; adds a strategy name. Rows are read with ab_table_rows (plot_csv.h). */
int pl_row_error(const ab_table *t, size_t row, const char *fmt, const char *a,
                 const char *b);
int pl_duplicates_check(const ab_table *t, const char *const *cols, const char *what);
void pl_strat_add(ab_run *run, const char *name);
/* Reads run->dir/file into t (plot_csv.c) and fails on two rows with the
   same key; 0, or -1 after printing why. */
int pl_table_read(const ab_run *run, ab_table *t, const char *file,
                  const char *const *required, const char *const *numeric,
                  const char *const *key, const char *what);
/* plot_load_json.c: meta.json and gbench*.json; the strategy slot of a
   Google Benchmark name (added to run->strats when add). */
int pl_meta_load(ab_run *run);
int pl_gbench_load(ab_run *run);
int pl_gbench_strategy(ab_run *run, const char *name, int add);
/* plot_load_heap.c: programs.csv, heapscale.csv, threads.csv, memprobe.csv. */
int pl_programs_load(ab_run *run);
int pl_heapscale_load(ab_run *run);
int pl_threads_load(ab_run *run);
/* memprobe.csv (host/cell/memprobe.h) when the run has it; silent when
   absent, -1 after naming the file and line when malformed. */
int pl_memprobe_load(ab_run *run);

/* plot.c: the figures (data files, gnuplot) and the report. */
int ab_plot_figures(ab_run *run);
/* The reference memory size of (env, role, workload, fill): the size the
   most strategies ran with samples, the largest on a tie; *seed gets the
   smallest seed there. Every figure and claim about one workload uses it. */
double ab_ref_mem(const ab_run *run, const char *env, const char *role, const char *workload,
                  double fill, double *seed);
/* Figure by name, or NULL. */
const ab_figure *ab_run_figure(const ab_run *run, const char *name);

/* plot_report.c: report.md and report.html. */
int ab_report_write(ab_run *run);

#endif
