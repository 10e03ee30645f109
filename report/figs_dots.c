/*
 * report: the percentile figure of a cell group ("bars-<group>-<op>", kept
 * for its name): p50, p90, p99, p99.9 and max of each strategy as the
 * median over reps with its 95 % bootstrap interval as whiskers, dodged
 * side by side on a log axis; the key carries each strategy's failure rate;
 * the null strategy is drawn as the harness floor. plots/dots.gp draws it.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_figs.h"
#include "stats.h"

#define NPCT 5
static const char *const pct_name[NPCT] = {"p50", "p90", "p99", "p99.9", "max"};

static double pct_of(const ab_srow *s, int i)
{
    const double v[NPCT] = {s->p50_ns, s->p90_ns, s->p99_ns, s->p999_ns, s->max_ns};
    return v[i];
}

static int row_in(const ab_srow *s, const pf_cellsel *c, int k)
{
    return s->strat == k && strcmp(s->env, c->env) == 0 && strcmp(s->role, c->role) == 0 &&
           strcmp(s->workload, c->workload) == 0 && pf_same_fill(s->fill, c->fill) &&
           strcmp(s->op, c->op) == 0 && s->mem_bytes == c->mem && s->threads <= 1;
}

/* Strategy k's percentiles over reps into e[NPCT]; its failure rate. */
static size_t strat_pcts(const ab_run *run, const pf_cellsel *c, int k, st_est *e,
                         double *fail_rate)
{
    double *v = calloc(run->ns + 1, sizeof *v), failed = 0, served = 0;
    size_t n = 0;
    for (int i = 0; v != NULL && i < NPCT; i++) {
        n = 0;
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (!row_in(s, c, k))
                continue;
            if (i == 0 && !isnan(s->failures))
                failed += s->failures;
            if (!pf_row_ok(s))
                continue;
            served += i == 0 ? s->count : 0;
            v[n++] = fmax(pct_of(s, i), 0.1);
        }
        e[i] = st_median_ci(v, n, 0, 17 + (uint64_t)i);
    }
    free(v);
    *fail_rate = failed + served > 0 ? failed / (failed + served) : 0;
    return n;
}

static int strat_write(ab_run *run, const ab_figure *f, int k, double x0, const st_est *e)
{
    FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
    if (d == NULL)
        return -1;
    fprintf(d, "x,median,lo,hi\n");
    for (int i = 0; i < NPCT; i++)
        if (!isnan(e[i].median))
            fprintf(d, "%.6f,%.17g,%.17g,%.17g\n", i + x0, e[i].median, e[i].lo, e[i].hi);
    return fclose(d) == 0 ? 0 : -1;
}

static int tics_write(ab_run *run, const ab_figure *f)
{
    FILE *d = pf_data_open(run, f->name, "tics");
    if (d == NULL)
        return -1;
    fprintf(d, "x,label\n");
    for (int i = 0; i < NPCT; i++)
        fprintf(d, "%d,%s\n", i, pct_name[i]);
    return fclose(d) == 0 ? 0 : -1;
}

int pf_dots_figure(ab_run *run, jobs *js, const pf_cellsel *c, const int *other,
                   const char *name, const char *label, const char *note)
{
    ab_figure *f = pf_fig_new(run, "bars", name);
    int *present = calloc(run->nstrats + 1, sizeof *present), floor_k = -1, rc = 0;
    st_est *e = calloc((run->nstrats + 1) * NPCT, sizeof *e);
    double *fails = calloc(run->nstrats + 1, sizeof *fails), lo = INFINITY, hi = 0;
    size_t n = 0, reps = 0;
    for (size_t k = 0; present != NULL && e != NULL && fails && k < run->nstrats; k++) {
        if (other[k])
            continue;
        size_t got = strat_pcts(run, c, (int)k, e + k * NPCT, &fails[k]);
        reps = got > reps ? got : reps;
        if (got == 0)
            continue;
        if (strcmp(run->strats[k].name, "null") == 0)
            floor_k = (int)k;
        else
            present[k] = 1, n++;
        for (int i = 0; i < NPCT; i++)
            lo = fmin(lo, e[k * NPCT + i].lo), hi = fmax(hi, e[k * NPCT + i].hi);
    }
    if (f == NULL || present == NULL || e == NULL || fails == NULL || n == 0) {
        free(present), free(e), free(fails);
        return f == NULL || present == NULL || e == NULL || fails == NULL ? -1 : 0;
    }
    ab_fmt(f->title, sizeof f->title, "Percentiles of %s: %s", c->op, label);
    sbuf v = {0};
    size_t j = 0;
    for (size_t k = 0; k < run->nstrats && rc == 0; k++) {
        if (!present[k] && (int)k != floor_k)
            continue;
        double x0 = present[k] ? ((double)j++ - (double)(n - 1) / 2) * 0.7 / (double)n : 0;
        rc = strat_write(run, f, (int)k, x0, e + k * NPCT);
        char t[160], var[96];
        if ((int)k == floor_k)
            ab_fmt(t, sizeof t, "%s (harness floor)", run->strats[k].name);
        else
            ab_fmt(t, sizeof t, "%s (failed %.1f %%)", run->strats[k].name, fails[k] * 100);
        ab_fmt(var, sizeof var, "ttl_%s", run->strats[k].ident);
        pf_var_str(&v, var, t);
    }
    rc = rc != 0 || tics_write(run, f) != 0;
    ab_fmt(f->caption, sizeof f->caption,
           "p50, p90, p99, p99.9 and max latency of %s per strategy: the dot is the median "
           "over %zu rep(s), the whiskers its 95 %% bootstrap interval (none with one rep); "
           "log scale, lower is better. The key gives each strategy's failure rate%s.%s",
           c->op, reps, floor_k >= 0 ? "; the dashed line is the null strategy, the "
           "harness's own cost" : "", note);
    pf_sb_add(&v, "strategies='");
    pf_strat_list(run, present, &v);
    pf_sb_add(&v, "'; ");
    pf_var_str(&v, "floor", floor_k >= 0 ? run->strats[floor_k].ident : "");
    pf_var_str(&v, "xlab", "percentile");
    pf_var_str(&v, "ylab", "latency (ns, log scale)");
    pf_var_num(&v, "xmin", -0.5);
    pf_var_num(&v, "xmax", NPCT - 0.5);
    pf_var_num(&v, "ymin", pf_floor_pow10(lo) / 2);
    pf_var_num(&v, "ymax", pf_ceil_pow10(fmax(hi, lo * 10)) * 2);
    pf_job_add(js, run, f, "dots.gp", &v);
    free(present), free(e), free(fails);
    return rc ? -1 : 0;
}
