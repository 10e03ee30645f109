/*
 * allocbench plot: reading a run folder, the optional heap and threads
 * tables: programs.csv, heapscale.csv and threads.csv, each checked whole
 * (plot_csv.c) and row by row here. Split from plot_load.c.
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

int pl_programs_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/programs.csv", run->dir);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        ab_run_note(run, "No programs.csv (heaps under real programs: allocbench programs) in "
                         "this run: the heap table and the footprint/live plot are not shown.");
        return 0;
    }
    fclose(fp);
    ab_table *t = &run->programs;
    if (ab_table_load(t, path, programs_required, programs_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"program", "allocator", NULL};
    if (pl_duplicates_check(t, key, "the program x allocator") != 0)
        return -1;
    run->p = calloc(t->nrows, sizeof *run->p);
    if (run->p == NULL)
        return -1;
    int c_prog = ab_table_col(t, "program"), c_al = ab_table_col(t, "allocator"),
        c_st = ab_table_col(t, "status"), c_kind = ab_table_col(t, "footprint_kind"),
        c_runs = ab_table_col(t, "runs"), c_med = ab_table_col(t, "wall_median_s"),
        c_sd = ab_table_col(t, "wall_stddev_s"), c_min = ab_table_col(t, "wall_min_s"),
        c_max = ab_table_col(t, "wall_max_s"), c_rss = ab_table_col(t, "max_rss_kib"),
        c_live = ab_table_col(t, "peak_live_bytes"),
        c_fp = ab_table_col(t, "peak_footprint_bytes"),
        c_ratio = ab_table_col(t, "footprint_over_live");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_prow *p = &run->p[r];
        p->program = ab_table_str(t, r, c_prog);
        p->allocator = ab_table_str(t, r, c_al);
        p->status = ab_table_str(t, r, c_st);
        p->fp_kind = c_kind >= 0 ? ab_table_str(t, r, c_kind) : "";
        p->line = t->lines[r];
        if (p->program[0] == '\0' || p->allocator[0] == '\0' || p->status[0] == '\0')
            return pl_row_error(t, r, "program, allocator and status must not be empty%s%s", "",
                             "");
        p->ok = strncmp(p->status, "ok", 2) == 0;
        double *v[] = {&p->runs, &p->median_s, &p->stddev_s, &p->min_s, &p->max_s,
                       &p->rss_kib, &p->live, &p->footprint, &p->ratio};
        int c[] = {c_runs, c_med, c_sd, c_min, c_max, c_rss, c_live, c_fp, c_ratio};
        for (size_t k = 0; k < COUNT_OF(v); k++) {
            *v[k] = pl_num_or_nan(t, r, c[k]);
            if (*v[k] < 0)
                return pl_row_error(t, r, "column '%s' is negative%s", t->cols[c[k]], "");
        }
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

int pl_heapscale_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/heapscale.csv", run->dir);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        ab_run_note(run, "No heapscale.csv (malloc time against live chunks: allocbench "
                         "heapscale, or allocbench programs) in this run: its plot is not "
                         "drawn.");
        return 0;
    }
    fclose(fp);
    ab_table *t = &run->heapscale;
    if (ab_table_load(t, path, heapscale_required, heapscale_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"heap", "strategy", "live_chunks", NULL};
    if (pl_duplicates_check(t, key, "the heap x strategy x live_chunks") != 0)
        return -1;
    run->hs = calloc(t->nrows, sizeof *run->hs);
    if (run->hs == NULL)
        return -1;
    int c_heap = ab_table_col(t, "heap"), c_st = ab_table_col(t, "strategy"),
        c_n = ab_table_col(t, "live_chunks"), c_ops = ab_table_col(t, "ops"),
        c_mean = ab_table_col(t, "malloc_mean_ns"), c_p50 = ab_table_col(t, "malloc_p50_ns"),
        c_p99 = ab_table_col(t, "malloc_p99_ns"), c_free = ab_table_col(t, "free_mean_ns");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_hsrow *h = &run->hs[r];
        h->heap = ab_table_str(t, r, c_heap);
        h->strategy = ab_table_str(t, r, c_st);
        h->line = t->lines[r];
        if (h->heap[0] == '\0' || h->strategy[0] == '\0')
            return pl_row_error(t, r, "heap and strategy must not be empty%s%s", "", "");
        h->live_chunks = pl_num_or_nan(t, r, c_n);
        h->ops = pl_num_or_nan(t, r, c_ops);
        h->malloc_mean_ns = pl_num_or_nan(t, r, c_mean);
        h->malloc_p50_ns = pl_num_or_nan(t, r, c_p50);
        h->malloc_p99_ns = pl_num_or_nan(t, r, c_p99);
        h->free_mean_ns = pl_num_or_nan(t, r, c_free);
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

/* threads.csv (host/cell/threads.h), optional: absent, the scaling section
   judges summary.csv's threads column as before. */
int pl_threads_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32];
    ab_fmt(path, sizeof path, "%s/threads.csv", run->dir);
    if (access(path, F_OK) != 0)
        return 0;
    ab_table *t = &run->threads;
    static const char *const key[] = {"env", "strategy", "workload", "mem_bytes", "order",
                                      "threads", "rep", "thread", "op", NULL};
    if (pl_table_read(run, t, "threads.csv", threads_required, threads_numeric, key,
                      "the thread (env..op)") != 0)
        return -1;
    run->t = calloc(t->nrows, sizeof *run->t);
    if (run->t == NULL)
        return -1;
    int c_env = ab_table_col(t, "env"), c_st = ab_table_col(t, "strategy"),
        c_wl = ab_table_col(t, "workload"), c_op = ab_table_col(t, "op"),
        c_status = ab_table_col(t, "status"), c_mem = ab_table_col(t, "mem_bytes"),
        c_order = ab_table_col(t, "order"), c_thr = ab_table_col(t, "threads"),
        c_seed = ab_table_col(t, "seed"), c_rep = ab_table_col(t, "rep"),
        c_th = ab_table_col(t, "thread"), c_ops = ab_table_col(t, "ops"),
        c_fail = ab_table_col(t, "failures"), c_nsop = ab_table_col(t, "ns_per_op"),
        c_tot = ab_table_col(t, "total_ops_per_s"), c_fair = ab_table_col(t, "fairness"),
        c_cw = ab_table_col(t, "cpu_wall"), c_redone = ab_table_col(t, "redone"),
        c_tog = ab_table_col(t, "together");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_trow *w = &run->t[r];
        w->env = ab_table_str(t, r, c_env);
        w->strategy = ab_table_str(t, r, c_st);
        w->workload = ab_table_str(t, r, c_wl);
        w->op = ab_table_str(t, r, c_op);
        w->status = c_status >= 0 ? ab_table_str(t, r, c_status) : "ok";
        w->line = t->lines[r];
        if (w->env[0] == '\0' || w->strategy[0] == '\0' || w->workload[0] == '\0' ||
            w->op[0] == '\0')
            return pl_row_error(t, r, "env, strategy, workload and op must not be empty%s%s", "",
                             "");
        w->mem_bytes = pl_num_or_nan(t, r, c_mem);
        w->order = pl_num_or_nan(t, r, c_order);
        w->threads = pl_num_or_nan(t, r, c_thr);
        w->seed = pl_num_or_nan(t, r, c_seed);
        w->rep = pl_num_or_nan(t, r, c_rep);
        w->thread = pl_num_or_nan(t, r, c_th);
        w->ops = pl_num_or_nan(t, r, c_ops);
        w->failures = pl_num_or_nan(t, r, c_fail);
        w->ns_per_op = pl_num_or_nan(t, r, c_nsop);
        w->total_ops_per_s = pl_num_or_nan(t, r, c_tot);
        w->fairness = pl_num_or_nan(t, r, c_fair);
        w->cpu_wall = pl_num_or_nan(t, r, c_cw);
        w->redone = pl_num_or_nan(t, r, c_redone);
        w->together = c_tog >= 0 ? pl_num_or_nan(t, r, c_tog) : 1;
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
