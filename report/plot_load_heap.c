/*
 * allocbench plot: reading a run folder, the optional heap and threads
 * tables: programs.csv, heapscale.csv and threads.csv, each checked whole
 * (plot_csv.c) and row by row here; and memprobe.csv, checked whole. Split
 * from plot_load.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const programs_required[] = {
    "program", "allocator", "wall_median_s", "max_rss_kib", "footprint_over_live", "status",
    NULL,
};
static const char *const programs_numeric[] = {
    "runs", "wall_median_s", "wall_stddev_s", "wall_min_s", "wall_max_s", "max_rss_kib",
    "peak_live_bytes", "peak_footprint_bytes", "footprint_over_live", NULL,
};

static const ab_field programs_fields[] = {
    AB_COL_TEXT(ab_prow, program), AB_COL_TEXT(ab_prow, allocator), AB_COL_TEXT(ab_prow, status),
    AB_COL_TEXT_AS(ab_prow, fp_kind, "footprint_kind"), AB_COL_LINE(ab_prow, line),
    /* The numbers, none negative (PROGRAMS_NUM0 on). */
    AB_COL_NUM(ab_prow, runs), AB_COL_NUM_AS(ab_prow, median_s, "wall_median_s"),
    AB_COL_NUM_AS(ab_prow, stddev_s, "wall_stddev_s"),
    AB_COL_NUM_AS(ab_prow, min_s, "wall_min_s"), AB_COL_NUM_AS(ab_prow, max_s, "wall_max_s"),
    AB_COL_NUM_AS(ab_prow, rss_kib, "max_rss_kib"),
    AB_COL_NUM_AS(ab_prow, live, "peak_live_bytes"),
    AB_COL_NUM_AS(ab_prow, footprint, "peak_footprint_bytes"),
    AB_COL_NUM_AS(ab_prow, ratio, "footprint_over_live"),
};
#define PROGRAMS_NUM0 5

int pl_programs_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/programs.csv", run->dir);
    if (!ab_file_present(path)) {
        ab_run_note(run, "No programs.csv (heaps under real programs: allocbench programs) in "
                         "this run: the heap table and the footprint/live plot are not shown.");
        return 0;
    }
    ab_table *t = &run->programs;
    if (ab_table_load(t, path, programs_required, programs_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"program", "allocator", NULL};
    if (pl_duplicates_check(t, key, "the program x allocator") != 0)
        return -1;
    run->p = calloc(t->nrows, sizeof *run->p);
    if (run->p == NULL || ab_table_rows(t, programs_fields, COUNT_OF(programs_fields), run->p,
                                        sizeof *run->p) != 0)
        return -1;
    for (size_t r = 0; r < t->nrows; r++) {
        ab_prow *p = &run->p[r];
        if (p->program[0] == '\0' || p->allocator[0] == '\0' || p->status[0] == '\0')
            return pl_row_error(t, r, "program, allocator and status must not be empty%s%s", "",
                             "");
        p->ok = strncmp(p->status, "ok", 2) == 0;
        for (size_t k = PROGRAMS_NUM0; k < COUNT_OF(programs_fields); k++)
            if (*(const double *)(const void *)((const char *)p + programs_fields[k].off) < 0)
                return pl_row_error(t, r, "column '%s' is negative%s", programs_fields[k].name,
                                    "");
        if (p->ok && !(p->median_s > 0))
            return pl_row_error(t, r, "status ok, but wall_median_s is %s%s",
                             isnan(p->median_s) ? "empty" : "not positive", "");
        if (!isnan(p->min_s) && !isnan(p->max_s) &&
            !(p->min_s <= p->median_s && p->median_s <= p->max_s))
            return pl_row_error(t, r, "wall times are not in order (min <= median <= max)%s%s", "",
                             "");
        pl_strat_add(run, p->allocator);
    }
    run->np = t->nrows;
    run->have_programs = 1;
    return 0;
}

static const char *const heapscale_required[] = {
    "heap", "strategy", "live_chunks", "malloc_mean_ns", NULL,
};
static const char *const heapscale_numeric[] = {
    "live_chunks", "ops", "malloc_mean_ns", "malloc_p50_ns", "malloc_p99_ns", "free_mean_ns",
    "peak_footprint_bytes", "peak_live_bytes", NULL,
};

static const ab_field heapscale_fields[] = {
    AB_COL_TEXT(ab_hsrow, heap), AB_COL_TEXT(ab_hsrow, strategy), AB_COL_LINE(ab_hsrow, line),
    AB_COL_NUM(ab_hsrow, live_chunks), AB_COL_NUM(ab_hsrow, ops),
    AB_COL_NUM(ab_hsrow, malloc_mean_ns), AB_COL_NUM(ab_hsrow, malloc_p50_ns),
    AB_COL_NUM(ab_hsrow, malloc_p99_ns), AB_COL_NUM(ab_hsrow, free_mean_ns),
};

int pl_heapscale_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/heapscale.csv", run->dir);
    if (!ab_file_present(path)) {
        ab_run_note(run, "No heapscale.csv (malloc time against live chunks: allocbench "
                         "heapscale, or allocbench programs) in this run: its plot is not "
                         "drawn.");
        return 0;
    }
    ab_table *t = &run->heapscale;
    if (ab_table_load(t, path, heapscale_required, heapscale_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"heap", "strategy", "live_chunks", NULL};
    if (pl_duplicates_check(t, key, "the heap x strategy x live_chunks") != 0)
        return -1;
    run->hs = calloc(t->nrows, sizeof *run->hs);
    if (run->hs == NULL || ab_table_rows(t, heapscale_fields, COUNT_OF(heapscale_fields),
                                         run->hs, sizeof *run->hs) != 0)
        return -1;
    for (size_t r = 0; r < t->nrows; r++) {
        ab_hsrow *h = &run->hs[r];
        if (h->heap[0] == '\0' || h->strategy[0] == '\0')
            return pl_row_error(t, r, "heap and strategy must not be empty%s%s", "", "");
        if (!(h->live_chunks >= 1))
            return pl_row_error(t, r, "column 'live_chunks' must be a count of 1 or more%s%s", "",
                             "");
        if (!(h->malloc_mean_ns > 0))
            return pl_row_error(t, r, "column 'malloc_mean_ns' must be positive%s%s", "", "");
        pl_strat_add(run, h->heap);
    }
    run->nhs = t->nrows;
    run->have_heapscale = 1;
    return 0;
}

static const char *const threads_required[] = {
    "env", "strategy", "workload", "mem_bytes", "order", "threads", "rep", "thread", "op",
    "ops", "ns_per_op", "total_ops_per_s", NULL,
};
static const char *const threads_numeric[] = {
    "mem_bytes", "order", "threads", "seed", "rep", "thread", "ops", "failures", "ns_per_op",
    "cpu_ns", "wall_ns", "total_ops_per_s", "fairness", "cpu_wall", "redone", "together", NULL,
};

static const ab_field threads_fields[] = {
    AB_COL_TEXT(ab_trow, env), AB_COL_TEXT(ab_trow, strategy), AB_COL_TEXT(ab_trow, workload),
    AB_COL_TEXT(ab_trow, op), AB_COL_TEXT_OR(ab_trow, status, "ok"), AB_COL_LINE(ab_trow, line),
    AB_COL_NUM(ab_trow, mem_bytes), AB_COL_NUM(ab_trow, order), AB_COL_NUM(ab_trow, threads),
    AB_COL_NUM(ab_trow, seed), AB_COL_NUM(ab_trow, rep), AB_COL_NUM(ab_trow, thread),
    AB_COL_NUM(ab_trow, ops), AB_COL_NUM(ab_trow, failures), AB_COL_NUM(ab_trow, ns_per_op),
    AB_COL_NUM(ab_trow, total_ops_per_s), AB_COL_NUM(ab_trow, fairness),
    AB_COL_NUM(ab_trow, cpu_wall), AB_COL_NUM(ab_trow, redone),
    AB_COL_NUM_OR(ab_trow, together, 1),
};

/* threads.csv (host/cell/threads.h), optional: absent, the scaling section
   judges summary.csv's threads column as before. */
int pl_threads_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32];
    ab_fmt(path, sizeof path, "%s/threads.csv", run->dir);
    if (!ab_file_present(path))
        return 0;
    ab_table *t = &run->threads;
    static const char *const key[] = {"env", "strategy", "workload", "mem_bytes", "order",
                                      "threads", "rep", "thread", "op", NULL};
    if (pl_table_read(run, t, "threads.csv", threads_required, threads_numeric, key,
                      "the thread (env..op)") != 0)
        return -1;
    run->t = calloc(t->nrows, sizeof *run->t);
    if (run->t == NULL ||
        ab_table_rows(t, threads_fields, COUNT_OF(threads_fields), run->t, sizeof *run->t) != 0)
        return -1;
    for (size_t r = 0; r < t->nrows; r++) {
        ab_trow *w = &run->t[r];
        if (w->env[0] == '\0' || w->strategy[0] == '\0' || w->workload[0] == '\0' ||
            w->op[0] == '\0')
            return pl_row_error(t, r, "env, strategy, workload and op must not be empty%s%s", "",
                             "");
        if (!(w->mem_bytes > 0) || !(w->threads >= 1) || isnan(w->order) || isnan(w->rep))
            return pl_row_error(t, r, "mem_bytes, threads (>= 1), order and rep must be numbers"
                             "%s%s", "", "");
        if (w->total_ops_per_s < 0 || w->ns_per_op < 0)
            return pl_row_error(t, r, "total_ops_per_s and ns_per_op must not be negative%s%s",
                             "", "");
        pl_strat_add(run, w->strategy);
    }
    run->nt = t->nrows;
    run->have_threads = 1;
    return 0;
}

int pl_memprobe_load(ab_run *run)
{
    static const char *const cols[] = {"bytes", "ns_per_load", NULL};
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/memprobe.csv", run->dir);
    if (!ab_file_present(path))
        return 0;
    if (ab_table_load(&run->memprobe, path, cols, cols, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "allocbench plot: %s\n", err);
    return -1;
}
