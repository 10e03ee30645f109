/*
 * allocbench plot: what plot_figs.c (latency figures), plot_figs_run.c
 * (gnuplot runs), plot_figs_frag.c (fragmentation), plot_figs_more.c
 * (metadata, host against kernel, Google Benchmark) and plot_figs_heap.c
 * (programs, heapscale) share. Internal to report/plot_*.c.
 */
#ifndef ALLOCBENCH_PLOT_FIGS_H
#define ALLOCBENCH_PLOT_FIGS_H

#include <stdio.h>

#include "plot_run.h"

typedef struct job {
    char fig[160];
    char script[64];
    char *vars;
} job;

typedef struct jobs {
    job *v;
    size_t n;
} jobs;

/* A growable string. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

void pf_sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends name='value'; (gnuplot quoting) or name=value; to b. */
void pf_var_str(sbuf *b, const char *name, const char *value);
void pf_var_num(sbuf *b, const char *name, double v);
/* Appends "strategies='a b c'; " for the strategies flagged in present. */
void pf_strat_list(const ab_run *run, const int *present, sbuf *b);
/* A new figure in run->figs (kind, file stem); NULL when out of memory. */
ab_figure *pf_fig_new(ab_run *run, const char *kind, const char *name);
/* The start of one figure of a family: clears present (run->nstrats flags),
   adds the figure (kind, file stem name) with its title from fmt. NULL when
   out of memory. */
ab_figure *pf_fig_begin(ab_run *run, int *present, const char *kind, const char *name,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* 1 when the text member at off of row i (rows of row_bytes each) is in no
   row before it: the first row of a figure family's group. PF_FIRST names
   the member. */
int pf_text_first(const void *rows, size_t row_bytes, size_t off, size_t i);
#define PF_FIRST(rows, i, member)                                                        \
    pf_text_first((rows), sizeof *(rows),                                                \
                  (size_t)((const char *)&(rows)[0].member - (const char *)(rows)), (i))
/* A figure's axes as gnuplot variables. xcol non-NULL (lines.gp) also sets
   xcol, ycol, logx, logy and xticcol ("" when NULL). */
typedef struct pf_axes {
    const char *xlab, *ylab;
    double xmin, xmax, ymin, ymax;
    const char *xcol, *ycol;
    int logx, logy;
    const char *xticcol;
} pf_axes;
/* Appends "strategies='a b c'; " (pf_strat_list) and a's variables to v. */
void pf_axes_vars(sbuf *v, const ab_run *run, const int *present, const pf_axes *a);
/* plots/data/<fig>[.<ident>].csv for writing; NULL after printing why. */
FILE *pf_data_open(const ab_run *run, const char *fig, const char *ident);
/* *d when it is open; else opens it as pf_data_open does and writes the
 * header line (a series' file is made when its first point comes). NULL
 * after printing why. */
FILE *pf_data_lazy(FILE **d, const ab_run *run, const char *fig, const char *ident,
                   const char *header);
/* Queues gnuplot on script for fig with vars (taken over, cleared). */
void pf_job_add(jobs *js, const ab_run *run, const ab_figure *fig, const char *script,
                sbuf *vars);
int pf_fill_known(double fill);
int pf_same_fill(double a, double b);
/* A summary row with status ok and samples. */
int pf_row_ok(const ab_srow *s);
/* 1 when the run has a served row of env, role and workload at a fill other
   than fill: the group's figure names and titles then carry the fill
   (plot_figs.c, and ab_cell_figure for the verdict). */
int pf_fill_varies(const ab_run *run, const char *env, const char *role, const char *workload,
                   double fill);
double pf_floor_pow10(double v);
double pf_ceil_pow10(double v);

/* The figures of each group of cells: latency CDFs, percentiles, scaling
   (plot_figs.c); plot_figs_run.c runs them. 0, or -1 after printing why. */
int pf_latency_figures(ab_run *run, jobs *js);
/* plot_figs_frag.c, plot_figs_more.c, plot_figs_heap.c: each returns 0, or
   -1 after printing why. */
/* figs_dots.c: the percentile dot plot of one cell group and op, over all
   its reps (name "bars-..."), leaving out the strategies other[] marks
   (pf_other_work). note is appended to the caption. */
typedef struct pf_cellsel {
    const char *env, *role, *workload, *op;
    double fill, mem;
} pf_cellsel;
int pf_dots_figure(ab_run *run, jobs *js, const pf_cellsel *c, const int *other,
                   const char *name, const char *label, const char *note);
/* Marks in other[k] (room for run->nstrats) the strategies whose served
   rows in cell c (any op, one thread) were never asked for a run of pages
   (contig_success empty) while another strategy's were: stack in churn,
   given single pages. Their latencies describe other work, so the latency
   figures leave them out, as the verdict does. Returns how many. */
size_t pf_other_work(const ab_run *run, const pf_cellsel *c, int *other);
/* The step both "other work" markers share (summary rows above, frag rows
   in plot_figs_frag.c): mark[k] holds PF_NOT_ASKED and/or PF_ASKED for the
   rows of strategy k seen; it becomes 1 for a strategy only ever not asked
   where another was asked, else 0. Returns how many are 1. */
#define PF_NOT_ASKED 1
#define PF_ASKED 2
size_t pf_other_fold(int *mark, size_t n);
/* The name pf_meta_figures gives role's metadata figure ("" when it draws
   none). */
void pf_meta_figure_name(const ab_run *run, const char *role, char *out, size_t len);
/* The caption words for them: " Left out (...): stack." or "". */
void pf_other_note(const ab_run *run, const int *other, char *out, size_t len);
int pf_frag_time_figures(ab_run *run, jobs *js);
/* figures_def.c: reads run->figures_def into run->defs (0, or -1 after a
   message naming the file and line); the line of figures.def a figure of
   kind and name belongs to, or -1 when none (the figure is not drawn). */
int pf_figdefs_load(ab_run *run);
int pf_figdef_of(const ab_run *run, const char *kind, const char *name);
int pf_frag_fill_figures(ab_run *run, jobs *js);
int pf_meta_figures(ab_run *run, jobs *js);
int pf_host_kernel_figures(ab_run *run, jobs *js);
int pf_gbench_figures(ab_run *run, jobs *js);
/* programs.csv (footprint/live bars) and heapscale.csv (malloc time against
   live chunks). */
int pf_programs_figures(ab_run *run, jobs *js);
int pf_heapscale_figures(ab_run *run, jobs *js);
/* threads_figs.c: total ops/s against threads from threads.csv; the stem of
   the figure a threads row belongs to ("threads-host-bulk-o0-16G-alloc"). */
int pf_threads_figures(ab_run *run, jobs *js);
void pf_threads_fig_name(const ab_trow *p, char *out, size_t len);

#endif
