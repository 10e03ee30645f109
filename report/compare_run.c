/*
 * allocbench compare, the whole run and each strategy (compare_int.h): a
 * machine's speed moves between runs and a harness change moves every
 * strategy, so each environment's drift is measured first and the cells
 * are judged against it; then a sign test over each strategy's cells.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_int.h"

/* Two-sided sign test: k of n values above the middle when above and
   below are equally likely. */
static double sign_test_p(size_t k, size_t n)
{
    if (n == 0)
        return 1;
    size_t hi = k > n - k ? k : n - k;
    double p = 0;
    for (size_t i = hi; i <= n; i++)
        p += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - (double)n * log(2.0));
    return 2 * p < 1 ? 2 * p : 1;
}

/* Each B cell's B/A of its typical speed's medians (ab_cmp_speed_metric),
   once (NaN without a twin in A or below resolution). */
static double *cell_ratios(const cmp_out *o, const side *a, const side *b)
{
    double *r = malloc((b->cs.n + 1) * sizeof *r);
    for (size_t i = 0; r != NULL && i < b->cs.n; i++) {
        const ab_cell *x = &b->cs.c[i], *y = ab_cmp_twin(a, b, x);
        int m = y != NULL ? ab_cmp_speed_metric(y, x) : AB_M_MEAN;
        int ok = y != NULL && x->nreps > 0 && y->nreps > 0 && y->e[m].median > 0 &&
                 x->e[m].median > 0 && !ab_cmp_below_res(o, y, x, m);
        r[i] = ok ? x->e[m].median / y->e[m].median : NAN;
    }
    return r;
}

/* Environment env's drift: the median over the strategies of each one's
   median ratio (one vote each: a strategy's own change is not the machine's;
   TCG drifts apart from native code); *up, *down: cells above, below 1. */
static double run_drift(const side *b, const double *ratio, const char *env, size_t *up,
                        size_t *down)
{
    size_t ns = b->run.nstrats, m = 0;
    double *r = malloc((b->cs.n + 1) * sizeof *r), *per = malloc((ns + 1) * sizeof *per), d = 1;
    *up = *down = 0;
    for (size_t k = 0; r != NULL && per != NULL && k < ns; k++) {
        size_t n = 0;
        for (size_t i = 0; i < b->cs.n; i++) {
            if (b->cs.c[i].strat != (int)k || strcmp(b->cs.c[i].proto->env, env) != 0 ||
                isnan(ratio[i]))
                continue;
            r[n] = ratio[i];
            *up += r[n] > 1;
            *down += r[n] < 1;
            n++;
        }
        if (n > 0)
            per[m++] = st_median(r, n);
    }
    if (r != NULL && per != NULL && m > 0)
        d = st_median(per, m);
    free(r);
    free(per);
    return d;
}

/* Measures every environment's drift (before anything is judged). */
void ab_cmp_drifts_measure(cmp_out *o, const side *a, const side *b, int absolute)
{
    double *ratio = cell_ratios(o, a, b);
    for (size_t i = 0; ratio != NULL && i < b->cs.n && o->nenv < CMP_ENVS; i++) {
        const char *env = b->cs.c[i].proto->env;
        size_t e = 0;
        while (e < o->nenv && strcmp(o->env[e], env) != 0)
            e++;
        if (e < o->nenv)
            continue;
        ab_fmt(o->env[e], sizeof o->env[e], "%s", env);
        o->env_d[e] = run_drift(b, ratio, env, &o->env_up[e], &o->env_down[e]);
        o->env_judge[e] = absolute ? 1 : o->env_d[e];
        o->nenv++;
    }
    free(ratio);
}

/* The whole run's lines (md, stdout), one per environment; sets run_regressed. */
void ab_cmp_drift_write(cmp_out *o, int absolute)
{
    double t = 1 + o->threshold / 100;
    fprintf(o->md, "## The whole run\n\nPer environment: B/A of each cell's typical speed "
                   "(batch_median_ns where both time batches, else mean_ns), the median over "
                   "the strategies of each one's median, with a sign test over the cells. A "
                   "machine's speed moves between runs (clock, the host's other tenants), and a "
                   "change to the harness moves every strategy. %s\n\n",
            absolute ? "Cells and strategies are judged on raw B/A (--absolute)."
                     : "Cells and strategies below are judged on B/A over their environment's "
                       "drift (the \"÷ run\" column): what moved against the rest of the run.");
    for (size_t e = 0; e < o->nenv; e++) {
        size_t up = o->env_up[e], down = o->env_down[e];
        double d = o->env_d[e], p = sign_test_p(up, up + down);
        int sig = up + down >= 6 && p < ALPHA;
        const char *v = !sig ? "no significant change"
                        : d > t       ? "SLOWER beyond the threshold"
                        : d < 1 / t   ? "faster beyond the threshold"
                                      : "shifted, within threshold";
        /* TCG's figures are relative-only: the emulator's speed follows the
           host's load and its translation cache, so its whole run is named
           but does not set the exit status. Its cells are still judged
           against it, as every environment's are. */
        int rel_only = ab_env_is_tcg(o->env[e]), slower = sig && d > t;
        const char *why = !slower  ? ""
                          : rel_only ? " (TCG, relative-only: not counted in the exit status)"
                                     : " (machine or harness: every strategy moved)";
        o->run_regressed |= slower && !rel_only;
        fprintf(o->md, "- %s: %.3f over %zu cells (%zu above 1, %zu below; sign test p %.2g): "
                       "%s%s\n", o->env[e], d, up + down, up, down, p, v, why);
        printf("allocbench compare: the whole run, %s: B/A %.3f (median of the strategies' "
               "medians) over %zu cells (sign test p %.2g): %s%s\n", o->env[e], d, up + down, p,
               v, why);
    }
    fprintf(o->md, "\n");
}

/*
 * The strategy-wide test: did most of a strategy's cells move the same
 * way? A sign test over its cells' ratios of the typical speed
 * (ab_cmp_speed_metric; one per cell, so the values are independent),
 * Benjamini-Hochberg over the strategies, and the median ratio against the
 * threshold. It sees a slowdown that every cell
 * shows a little, which per-cell tests with 5 reps cannot: a noisy cell
 * rarely reaches p 0.0079 on its own.
 */
void ab_cmp_strat_table(cmp_out *o, const ab_run *rb)
{
    size_t ns = rb->nstrats, m = 0;
    double *p = calloc(ns + 1, sizeof *p), *sorted = calloc(ns + 1, sizeof *sorted), crit = 0;
    if (p == NULL || sorted == NULL) {
        free(p);
        free(sorted);
        return;
    }
    for (size_t k = 0; k < ns; k++) {
        const strat_tally *t = &o->tally[k];
        p[k] = t->up + t->down >= 6 ? sign_test_p(t->up, t->up + t->down) : NAN;
        if (!isnan(p[k]))
            sorted[m++] = p[k];
    }
    qsort(sorted, m, sizeof *sorted, ab_cmp_double);
    for (size_t k = m; k >= 1 && crit == 0; k--)
        if (sorted[k - 1] <= ALPHA * (double)k / (double)m)
            crit = sorted[k - 1];
    fprintf(o->md, "\n## Per strategy\n\nA sign test over each strategy's cells (ratios B/A "
                   "of the typical speed above against below 1; tested when 6 or more cells "
                   "moved), Benjamini-Hochberg over the strategies, and the median ratio "
                   "against the threshold.\n\n| strategy | cells | above 1 | below 1 | "
                   "median B/A ÷ run | p | verdict |\n|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < ns; k++) {
        strat_tally *t = &o->tally[k];
        if (t->n == 0)
            continue;
        double med = st_median(t->ratio, t->n);
        int sig = !isnan(p[k]) && crit > 0 && p[k] <= crit;
        const char *v = !sig ? "no significant change"
                        : med > 1 + o->threshold / 100       ? "REGRESSION"
                        : med < 1 / (1 + o->threshold / 100) ? "improvement"
                                                             : "shifted, within threshold";
        if (strcmp(v, "REGRESSION") == 0) {
            o->strat_regressions++;
            printf("allocbench compare: %s: REGRESSION over its cells (median B/A %.3f, %zu "
                   "of %zu cells slower, sign test p %.2g)\n", rb->strats[k].name, med, t->up,
                   t->up + t->down, p[k]);
        }
        char ptxt[32] = "-";
        if (!isnan(p[k]))
            ab_fmt(ptxt, sizeof ptxt, "%.2g", p[k]);
        fprintf(o->md, "| %s | %zu | %zu | %zu | %.3f | %s | %s |\n", rb->strats[k].name,
                t->n, t->up, t->down, med, ptxt, v);
    }
    free(p);
    free(sorted);
}

