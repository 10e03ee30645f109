/*
 * allocbench report --check RUN [--targets FILE]: the speed figures of
 * targets.csv, each a ratio of medians over reps between two cells of the
 * same run with its 95 % bootstrap interval, against its limit. A cell is
 * strategy/role/workload/op/mem/threads (mem as 64M, 16G). Metrics: mean_ns,
 * p99_ns, p999_ns, or throughput (threads * 1e9 / mean_ns per rep).
 * Prints figure, ratio, interval, limit, PASS/FAIL/NO DATA; exit 1 when a
 * figure with data falls short (judged on the median), 0 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "plot.h"

#ifndef AB_REPORT_TARGETS
#define AB_REPORT_TARGETS "targets.csv"
#endif

typedef struct sel {
    char strat[64], role[32], workload[64], op[32];
    double mem, threads;
} sel;

static int sel_parse(const char *text, sel *s)
{
    char mem[32], unit = 0;
    double n;
    if (sscanf(text, "%63[^/]/%31[^/]/%63[^/]/%31[^/]/%31[^/]/%lf", s->strat, s->role,
               s->workload, s->op, mem, &s->threads) != 6)
        return -1;
    if (sscanf(mem, "%lf%c", &n, &unit) < 1)
        return -1;
    s->mem = n * (unit == 'G' ? 1073741824.0 : unit == 'M' ? 1048576.0 : 1.0);
    return 0;
}

static const ab_cell *sel_find(const ab_run *run, const ab_cells *cs, const sel *s)
{
    for (size_t i = 0; i < cs->n; i++) {
        const ab_srow *p = cs->c[i].proto;
        if (strcmp(run->strats[cs->c[i].strat].name, s->strat) == 0 &&
            strcmp(p->role, s->role) == 0 && strcmp(p->workload, s->workload) == 0 &&
            strcmp(p->op, s->op) == 0 && p->mem_bytes == s->mem && p->threads == s->threads &&
            cs->c[i].nreps > 0)
            return &cs->c[i];
    }
    return NULL;
}

/* Per-rep values of the metric into out (cell->nreps of them). */
static int metric_values(const ab_cell *c, const char *metric, double *out)
{
    int m = strcmp(metric, "p999_ns") == 0 ? AB_M_P999
            : strcmp(metric, "p99_ns") == 0 ? AB_M_P99 : AB_M_MEAN;
    for (size_t i = 0; i < c->nreps; i++)
        out[i] = strcmp(metric, "throughput") == 0 ? c->proto->threads * 1e9 / c->v[m][i]
                                                   : c->v[m][i];
    return strcmp(metric, "throughput") == 0 || strcmp(metric, "mean_ns") == 0 ||
                   m != AB_M_MEAN ? 0 : -1;
}

static int check_row(const ab_run *run, const ab_cells *cs, const ab_table *t, size_t r,
                     size_t *fails)
{
    const char *fig = ab_table_str(t, r, ab_table_col(t, "figure"));
    const char *metric = ab_table_str(t, r, ab_table_col(t, "metric"));
    const char *cmp = ab_table_str(t, r, ab_table_col(t, "cmp"));
    double limit = NAN;
    ab_table_num(t, r, ab_table_col(t, "limit"), &limit);
    sel a, b;
    if (sel_parse(ab_table_str(t, r, ab_table_col(t, "numerator")), &a) != 0 ||
        sel_parse(ab_table_str(t, r, ab_table_col(t, "denominator")), &b) != 0 ||
        (strcmp(cmp, "<=") != 0 && strcmp(cmp, ">=") != 0)) {
        fprintf(stderr, "allocbench report: %s:%zu: bad target (cells are "
                        "strategy/role/workload/op/mem/threads; cmp <= or >=)\n",
                t->path, t->lines[r]);
        return -1;
    }
    const ab_cell *na = sel_find(run, cs, &a), *nb = sel_find(run, cs, &b);
    if (na == NULL || nb == NULL) {
        printf("%-28s %10s %22s %4s %-6g NO DATA (%s)\n", fig, "-", "-", cmp, limit,
               na == NULL ? "numerator absent" : "denominator absent");
        return 0;
    }
    double *va = calloc(na->nreps, sizeof *va), *vb = calloc(nb->nreps, sizeof *vb);
    if (va == NULL || vb == NULL || metric_values(na, metric, va) != 0 ||
        metric_values(nb, metric, vb) != 0) {
        free(va);
        free(vb);
        fprintf(stderr, "allocbench report: %s:%zu: unknown metric '%s'\n", t->path,
                t->lines[r], metric);
        return -1;
    }
    st_est q = st_ratio_ci(vb, nb->nreps, va, na->nreps, 0, 4242 + r);
    free(va);
    free(vb);
    int pass = cmp[0] == '<' ? q.median <= limit : q.median >= limit;
    *fails += !pass;
    char iv[64];
    ab_fmt(iv, sizeof iv, "[%.3g, %.3g]", q.lo, q.hi);
    printf("%-28s %10.3g %22s %4s %-6g %s\n", fig, q.median, iv, cmp, limit,
           pass ? "PASS" : "FAIL");
    return 0;
}

int ab_check_main(int argc, char **argv)
{
    const char *dir = NULL, *targets = AB_REPORT_TARGETS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--targets") == 0 && i + 1 < argc)
            targets = argv[++i];
        else if (strcmp(argv[i], "--check") == 0)
            continue;
        else if (argv[i][0] != '-' && dir == NULL)
            dir = argv[i];
        else {
            fprintf(stderr, "usage: allocbench report --check RUN [--targets FILE]\n");
            return 2;
        }
    }
    if (dir == NULL) {
        fprintf(stderr, "usage: allocbench report --check RUN [--targets FILE]\n");
        return 2;
    }
    ab_run *run = calloc(1, sizeof *run);
    ab_cells cs;
    memset(&cs, 0, sizeof cs);
    ab_table t;
    memset(&t, 0, sizeof t);
    char err[1024];
    static const char *const req[] = {"figure", "numerator", "denominator", "metric", "cmp",
                                      "limit", NULL};
    static const char *const num[] = {"limit", NULL};
    int rc = 1;
    size_t fails = 0;
    if (run == NULL)
        return 1;
    ab_fmt(run->dir, sizeof run->dir, "%s", dir);
    if (ab_table_load(&t, targets, req, num, err, sizeof err) != 0)
        fprintf(stderr, "allocbench report: %s\n", err);
    else if (ab_run_load(run) == 0 && ab_cells_build(run, &cs) == 0) {
        printf("%-28s %10s %22s %4s %-6s %s\n", "figure", "ratio", "95 % interval", "", "limit",
               "result");
        rc = 0;
        for (size_t r = 0; r < t.nrows && rc == 0; r++)
            rc = check_row(run, &cs, &t, r, &fails) != 0;
        rc = rc != 0 || fails > 0;
    }
    ab_table_free(&t);
    ab_cells_free(&cs);
    ab_run_free(run);
    free(run);
    return rc;
}
