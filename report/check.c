/*
 * allocbench report --check RUN [--targets FILE]: the speed figures of
 * targets.csv, each a ratio of medians over reps between two cells of the
 * same run with its 95 % bootstrap interval, against its limit.
 *
 * A cell is strategy/role/workload/op/mem/threads (mem as 64M, 16G). The
 * optional columns: source (summary, the default, or threads: threads.csv),
 * fill (summary cells: the fill level; empty or '-' matches any) and order
 * (threads cells: the frame order; empty or '-': the first order both cells
 * have). A threads cell's role field is not matched (threads.csv has none).
 * Metrics of summary cells: mean_ns, p99_ns, p999_ns, throughput
 * (threads * 1e9 / mean_ns per rep) and batch_median_ns (the column when
 * summary.csv has it, else mean_ns). Of threads cells: total_ops_per_s.
 * Prints figure, ratio, interval, limit, PASS/FAIL/NO DATA; exit 1 when a
 * figure with data falls short (judged on the median), 0 otherwise.
 *
 * For scale: when the run has memprobe.csv (host/cell/memprobe.h: one
 * random load's latency per buffer size on the machine), a latency target
 * that compares one strategy at two sizes also prints what one random load
 * costs in the numerator's metadata (the largest probed buffer not above
 * it), over the denominator's median. It judges nothing; it says how much
 * of the growth one cache-missing access would explain.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "plot.h"
#include "tcells.h"

#ifndef AB_REPORT_TARGETS
#define AB_REPORT_TARGETS "targets.csv"
#endif

typedef struct sel {
    char strat[64], role[32], workload[64], op[32];
    double mem, threads;
    double at; /* fill (summary) or order (threads); NAN: any */
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
            (isnan(s->at) || fabs(p->fill - s->at) < 1e-6) && cs->c[i].nreps > 0)
            return &cs->c[i];
    }
    return NULL;
}

/* Per-rep values of the metric of summary cell c into out (room for
   run->ns); their count, or -1 for an unknown metric. */
static long metric_values(const ab_run *run, const ab_cell *c, const char *metric, double *out)
{
    if (strcmp(metric, "batch_median_ns") == 0) {
        long n = 0;
        const ab_srow *p = c->proto;
        for (size_t i = 0; i < run->ns; i++) {
            const ab_srow *r = &run->s[i];
            double v = run->have_batch_median ? r->batch_median_ns : r->mean_ns;
            if (r->strat == c->strat && strcmp(r->env, p->env) == 0 &&
                strcmp(r->role, p->role) == 0 && strcmp(r->workload, p->workload) == 0 &&
                strcmp(r->op, p->op) == 0 && r->mem_bytes == p->mem_bytes &&
                ((isnan(r->fill) && isnan(p->fill)) || r->fill == p->fill) &&
                r->threads == p->threads && strcmp(r->status, "ok") == 0 && r->count > 0 &&
                v > 0)
                out[n++] = v;
        }
        return n;
    }
    int m = strcmp(metric, "p999_ns") == 0                ? AB_M_P999
            : strcmp(metric, "p99_ns") == 0             ? AB_M_P99
            : strcmp(metric, "meta_bytes_per_gib") == 0 ? AB_M_META
                                                        : AB_M_MEAN;
    for (size_t i = 0; i < c->nreps; i++)
        out[i] = strcmp(metric, "throughput") == 0 ? c->proto->threads * 1e9 / c->v[m][i]
                                                   : c->v[m][i];
    return strcmp(metric, "throughput") == 0 || strcmp(metric, "mean_ns") == 0 ||
                   m != AB_M_MEAN ? (long)c->nreps : -1;
}

/* The optional column col of row r as a number; NAN when empty or '-'. */
static double opt_num(const ab_table *t, size_t r, const char *col)
{
    const char *text = ab_table_str(t, r, ab_table_col(t, col));
    char *end;
    double v = strtod(text, &end);
    return end != text && *end == '\0' ? v : NAN;
}

/* The numerator's and denominator's per-rep values of one target. */
typedef struct pair_vals {
    double *va, *vb;
    long ka, kb;
    const ab_tcell *ta, *tb; /* threads targets */
    const ab_cell *na, *nb;  /* summary targets */
    char why[96];            /* when there is nothing to compare */
} pair_vals;

/* Finds cells a and b and their values of metric. 1 with values (va and vb
   to free), 0 when one is absent (why says which), -1 after printing why
   the target is bad. */
static int pair_values(const ab_run *run, const ab_cells *cs, const ab_tcells *tc,
                       const ab_table *t, size_t r, const sel *a, const sel *b, int threads,
                       const char *metric, pair_vals *pv)
{
    memset(pv, 0, sizeof *pv);
    if (threads) {
        /* Both cells at one order: the given one, else the first both have. */
        for (size_t i = 0; i < tc->n && (pv->ta == NULL || pv->tb == NULL); i++) {
            double o = tc->c[i].proto->order;
            if (!isnan(a->at) && o != a->at)
                continue;
            pv->ta = ab_tcell_find(run, tc, a->strat, NULL, a->workload, a->op, a->mem, o,
                                   a->threads);
            pv->tb = ab_tcell_find(run, tc, b->strat, NULL, b->workload, b->op, b->mem, o,
                                   b->threads);
        }
    } else {
        pv->na = sel_find(run, cs, a);
        pv->nb = sel_find(run, cs, b);
    }
    int absent_a = threads ? pv->ta == NULL : pv->na == NULL;
    int absent_b = threads ? pv->tb == NULL : pv->nb == NULL;
    if (absent_a || absent_b) {
        ab_fmt(pv->why, sizeof pv->why, "%s", absent_a ? "numerator absent" : "denominator absent");
        return 0;
    }
    size_t cap = threads ? run->nt + 1 : run->ns + 1;
    pv->va = calloc(cap, sizeof *pv->va);
    pv->vb = calloc(cap, sizeof *pv->vb);
    pv->ka = pv->kb = -1;
    if (pv->va != NULL && pv->vb != NULL && threads) {
        memcpy(pv->va, pv->ta->total, pv->ta->nreps * sizeof *pv->va);
        memcpy(pv->vb, pv->tb->total, pv->tb->nreps * sizeof *pv->vb);
        pv->ka = (long)pv->ta->nreps;
        pv->kb = (long)pv->tb->nreps;
    } else if (pv->va != NULL && pv->vb != NULL) {
        pv->ka = metric_values(run, pv->na, metric, pv->va);
        pv->kb = metric_values(run, pv->nb, metric, pv->vb);
    }
    if (pv->ka > 0 && pv->kb > 0)
        return 1;
    free(pv->va);
    free(pv->vb);
    if (pv->ka < 0 || pv->kb < 0) {
        fprintf(stderr, "allocbench report: %s:%zu: unknown metric '%s'\n", t->path,
                t->lines[r], metric);
        return -1;
    }
    ab_fmt(pv->why, sizeof pv->why, "no values of %s", metric);
    return 0;
}

/* The ns of one random load in the largest buffer of memprobe table p not
   above bytes (*at: that buffer's size); NAN when there is none. */
static double probe_ns(const ab_table *p, double bytes, double *at)
{
    double best = NAN;
    *at = 0;
    for (size_t r = 0; r < p->nrows; r++) {
        double b, ns;
        if (ab_table_num(p, r, ab_table_col(p, "bytes"), &b) &&
            ab_table_num(p, r, ab_table_col(p, "ns_per_load"), &ns) && b <= bytes && b > *at) {
            *at = b;
            best = ns;
        }
    }
    return best;
}

/* The scale note of a latency target over one strategy at two sizes (see
   the head of this file) into note; "" when it does not apply. Returns
   the note's ratio (NAN when none). */
static double scale_note(const ab_table *probe, const sel *a, const sel *b, const char *metric,
                         const pair_vals *pv, char *note, size_t len)
{
    note[0] = '\0';
    const ab_cell *na = pv->na;
    if (probe == NULL || na == NULL || strcmp(a->strat, b->strat) != 0 || a->mem <= b->mem ||
        (strcmp(metric, "mean_ns") != 0 && strcmp(metric, "p99_ns") != 0 &&
         strcmp(metric, "p999_ns") != 0 && strcmp(metric, "batch_median_ns") != 0))
        return NAN;
    double meta = st_median(na->v[AB_M_META], na->nreps) * a->mem / 1073741824.0, at;
    double ns = probe_ns(probe, meta, &at), den = st_median(pv->vb, (size_t)pv->kb);
    if (isnan(ns) || !(den > 0))
        return NAN;
    char at_txt[32], meta_txt[32];
    ab_mem_label(at, at_txt, sizeof at_txt);
    ab_mem_label(meta, meta_txt, sizeof meta_txt);
    ab_fmt(note, len, " (for scale: one random load in %s (its metadata: %s) takes %.0f ns, "
                      "%.3gx the denominator)", at_txt, meta_txt, ns, ns / den);
    return ns / den;
}

static int check_row(const ab_run *run, const ab_cells *cs, const ab_tcells *tc,
                     const ab_table *t, const ab_table *probe, size_t r, size_t *fails,
                     size_t *bound)
{
    const char *fig = ab_table_str(t, r, ab_table_col(t, "figure"));
    const char *metric = ab_table_str(t, r, ab_table_col(t, "metric"));
    const char *cmp = ab_table_str(t, r, ab_table_col(t, "cmp"));
    const char *source = ab_table_str(t, r, ab_table_col(t, "source"));
    int threads = strcmp(source, "threads") == 0;
    double limit = NAN;
    ab_table_num(t, r, ab_table_col(t, "limit"), &limit);
    sel a, b;
    if (sel_parse(ab_table_str(t, r, ab_table_col(t, "numerator")), &a) != 0 ||
        sel_parse(ab_table_str(t, r, ab_table_col(t, "denominator")), &b) != 0 ||
        (strcmp(cmp, "<=") != 0 && strcmp(cmp, ">=") != 0) ||
        (!threads && source[0] != '\0' && strcmp(source, "summary") != 0)) {
        fprintf(stderr, "allocbench report: %s:%zu: bad target (cells are "
                        "strategy/role/workload/op/mem/threads; cmp <= or >=; source "
                        "summary or threads)\n",
                t->path, t->lines[r]);
        return -1;
    }
    a.at = b.at = opt_num(t, r, threads ? "order" : "fill");
    if (threads && strcmp(metric, "total_ops_per_s") != 0) {
        fprintf(stderr, "allocbench report: %s:%zu: threads targets take metric "
                        "total_ops_per_s, not '%s'\n", t->path, t->lines[r], metric);
        return -1;
    }
    pair_vals pv;
    int got = pair_values(run, cs, tc, t, r, &a, &b, threads, metric, &pv);
    if (got < 0)
        return -1;
    if (got == 0) {
        printf("%-28s %10s %22s %4s %-6g NO DATA (%s)\n", fig, "-", "-", cmp, limit, pv.why);
        return 0;
    }
    st_est q = st_ratio_ci(pv.vb, (size_t)pv.kb, pv.va, (size_t)pv.ka, 0, 4242 + r);
    char note[256] = "";
    double scale = threads ? NAN : scale_note(probe, &a, &b, metric, &pv, note, sizeof note);
    free(pv.va);
    free(pv.vb);
    int pass = cmp[0] == '<' ? q.median <= limit : q.median >= limit;
    *fails += !pass;
    *bound += !pass && cmp[0] == '<' && scale > limit;
    char iv[64];
    ab_fmt(iv, sizeof iv, "[%.3g, %.3g]", q.lo, q.hi);
    const char *warn = "";
    if (threads && ((pv.ta->apart > 0 && pv.ta->proto->threads > 1) ||
                    (pv.tb->apart > 0 && pv.tb->proto->threads > 1)))
        warn = " (threads did not run together in some reps: not a scaling figure)";
    printf("%-28s %10.3g %22s %4s %-6g %s%s%s\n", fig, q.median, iv, cmp, limit,
           pass ? "PASS" : "FAIL", warn, threads ? "" : note);
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
    ab_tcells tc;
    memset(&tc, 0, sizeof tc);
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
    else if (ab_run_load(run) == 0 && ab_cells_build(run, &cs) == 0 &&
             ab_tcells_build(run, &tc) == 0) {
        printf("%-28s %10s %22s %4s %-6s %s\n", "figure", "ratio", "95 % interval", "", "limit",
               "result");
        rc = 0;
        size_t bound = 0;
        const ab_table *probe = run->memprobe.nrows ? &run->memprobe : NULL;
        for (size_t r = 0; r < t.nrows && rc == 0; r++)
            rc = check_row(run, &cs, &tc, &t, probe, r, &fails, &bound) != 0;
        if (rc == 0 && bound > 0)
            printf("%zu of the %zu figures that fall short cannot be met on this machine "
                   "by an operation that makes one random access to metadata that large: "
                   "that load alone costs more than the limit allows (memprobe.csv)\n",
                   bound, fails);
        rc = rc != 0 || fails > 0;
    }
    ab_table_free(&t);
    ab_cells_free(&cs);
    ab_tcells_free(&tc);
    ab_run_free(run);
    free(run);
    return rc;
}
