/*
 * report/cells: rows gathered over reps (cells.h), and the timer quantum the
 * verdict needs: meta.json "timer_quantum_cycles" when present, else the
 * smallest nonzero step between cycle values seen in summary.csv.
 */
#define _POSIX_C_SOURCE 200809L
#include "cells.h"
#include "plot_figs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same_num(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static int same_group(const ab_srow *a, const ab_srow *b)
{
    return strcmp(a->env, b->env) == 0 && strcmp(a->role, b->role) == 0 &&
           strcmp(a->workload, b->workload) == 0 && strcmp(a->op, b->op) == 0 &&
           a->mem_bytes == b->mem_bytes && same_num(a->fill, b->fill) &&
           a->threads == b->threads;
}

static int row_served(const ab_srow *s)
{
    return strcmp(s->status, "ok") == 0 && s->count > 0 && !isnan(s->p50_ns);
}

double ab_metric_of(const ab_srow *s, int metric)
{
    switch (metric) {
    case AB_M_MEAN: return s->mean_ns;
    case AB_M_P50: return s->p50_ns;
    case AB_M_P99: return s->p99_ns;
    case AB_M_P999: return s->p999_ns;
    case AB_M_SPEED: return !isnan(s->batch_median_ns) ? s->batch_median_ns : s->mean_ns;
    default: return s->meta_per_gib;
    }
}

double ab_cells_quantum(const ab_cell *const *cell, size_t n, int metric, double q)
{
    if (metric == AB_M_META)
        return 0;
    for (size_t i = 0; metric == AB_M_SPEED && i < n; i++)
        if (isnan(cell[i]->proto->batch_median_ns))
            return q;
    return metric == AB_M_SPEED ? 0 : q;
}

int ab_env_is_tcg(const char *env) { return strstr(env, "tcg") != NULL; }

int ab_cell_failed(const ab_cell *c) { return c->failures > 0 || c->nreps < c->nrows; }

/* Adds row s to cell c (allocating its value arrays on the first row). */
static int cell_add(ab_cell *c, const ab_srow *s, size_t cap)
{
    if (c->v[0] == NULL)
        for (int m = 0; m < AB_M_COUNT; m++)
            if ((c->v[m] = calloc(cap, sizeof(double))) == NULL)
                return -1;
    c->nrows++;
    if (!isnan(s->failures))
        c->failures += s->failures;
    if (!row_served(s))
        return 0;
    c->count += s->count;
    for (int m = 0; m < AB_M_COUNT; m++)
        c->v[m][c->nreps] = ab_metric_of(s, m);
    c->nreps++;
    return 0;
}

static void cell_finish(ab_cell *c, uint64_t seed)
{
    for (int m = 0; m < AB_M_COUNT; m++)
        c->e[m] = st_median_ci(c->v[m], c->nreps, 0, seed + (uint64_t)m);
    double asked = c->count + c->failures;
    c->fail_rate = asked > 0 ? c->failures / asked : (c->nrows > c->nreps ? 1 : 0);
}

static double meta_num(const ab_run *run, const char *key)
{
    const json_t *j = run->meta ? json_object_get(run->meta, key) : NULL;
    return json_is_number(j) ? json_number_value(j) : NAN;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Smallest nonzero difference between the cycle values of summary.csv. */
static double cycle_step(const ab_run *run)
{
    static const char *const cols[] = {"p50_cycles", "p90_cycles", "p99_cycles",
                                       "p999_cycles", "max_cycles"};
    const ab_table *t = &run->summary;
    double *v = calloc(t->nrows * 5 + 1, sizeof *v), step = NAN;
    size_t n = 0;
    for (size_t k = 0; v != NULL && k < 5; k++) {
        int col = ab_table_col(t, cols[k]);
        for (size_t r = 0; col >= 0 && r < t->nrows; r++)
            if (ab_table_num(t, r, col, &v[n]) && v[n] > 0)
                n++;
    }
    if (n > 1) {
        qsort(v, n, sizeof *v, dbl_cmp);
        for (size_t i = 1; i < n; i++)
            if (v[i] > v[i - 1] && (isnan(step) || v[i] - v[i - 1] < step))
                step = v[i] - v[i - 1];
    }
    free(v);
    return step;
}

static void quantum_find(const ab_run *run, ab_cells *cs)
{
    double hz = meta_num(run, "tsc_hz");
    cs->tsc_hz = hz > 0 ? hz : 0;
    double q = meta_num(run, "timer_quantum_cycles");
    const char *from = "meta.json timer_quantum_cycles";
    if (!(q > 0)) {
        q = cycle_step(run);
        from = "the smallest step between cycle values in summary.csv";
    }
    if (q > 0 && cs->tsc_hz > 0) {
        cs->quantum_ns = q * 1e9 / cs->tsc_hz;
        ab_fmt(cs->quantum_from, sizeof cs->quantum_from, "%.0f cycles (%s) at %.3f GHz", q,
               from, cs->tsc_hz / 1e9);
    } else {
        cs->quantum_ns = 0;
        ab_fmt(cs->quantum_from, sizeof cs->quantum_from,
               "unknown (no tsc_hz in meta.json or no cycle columns)");
    }
}

/* Index of the cell of row s, creating it; (size_t)-1 when out of memory. */
static size_t cell_of(ab_cells *cs, const ab_srow *s, size_t *groups)
{
    size_t g = *groups;
    for (size_t i = 0; i < cs->n; i++) {
        if (!same_group(cs->c[i].proto, s))
            continue;
        g = cs->c[i].group;
        if (cs->c[i].strat == s->strat)
            return i;
    }
    if (g == *groups)
        (*groups)++;
    ab_cell *c = &cs->c[cs->n];
    memset(c, 0, sizeof *c);
    c->proto = s;
    c->strat = s->strat;
    c->group = g;
    return cs->n++;
}

int ab_cells_build(const ab_run *run, ab_cells *cs)
{
    memset(cs, 0, sizeof *cs);
    quantum_find(run, cs);
    cs->c = calloc(run->ns + 1, sizeof *cs->c);
    if (cs->c == NULL)
        return -1;
    for (size_t r = 0; r < run->ns; r++) {
        size_t i = cell_of(cs, &run->s[r], &cs->ngroups);
        if (cell_add(&cs->c[i], &run->s[r], run->ns) != 0)
            return -1;
    }
    for (size_t i = 0; i < cs->n; i++)
        cell_finish(&cs->c[i], 0x5eed0000u + i);
    return 0;
}

void ab_cells_free(ab_cells *cs)
{
    for (size_t i = 0; cs->c != NULL && i < cs->n; i++)
        for (int m = 0; m < AB_M_COUNT; m++)
            free(cs->c[i].v[m]);
    free(cs->c);
    memset(cs, 0, sizeof *cs);
}

void ab_cell_label(const ab_cell *c, char *out, size_t len)
{
    const ab_srow *s = c->proto;
    char mem[32], fill[32] = "", thr[32] = "";
    ab_mem_label(s->mem_bytes, mem, sizeof mem);
    if (!isnan(s->fill))
        ab_fmt(fill, sizeof fill, ", fill %.0f %%", s->fill * 100);
    if (s->threads > 1)
        ab_fmt(thr, sizeof thr, ", %.0f threads", s->threads);
    ab_fmt(out, len, "%s %s %s%s, %s%s", s->env, s->workload, s->op, fill, mem, thr);
}

void ab_cell_figure(const ab_run *run, const ab_cell *c, const char *kind, char *out,
                    size_t len)
{
    const ab_srow *s = c->proto;
    char role[64] = "", fill[32] = "";
    if (run->multi_role)
        ab_fmt(role, sizeof role, "-%s", s->role);
    if (!isnan(s->fill) && pf_fill_varies(run, s->env, s->role, s->workload, s->fill))
        ab_fmt(fill, sizeof fill, "-f%.0f", s->fill * 1000);
    ab_fmt(out, len, "%s-%s%s-%s%s-%s", kind, s->env, role, s->workload, fill, s->op);
}
