/*
 * allocbench plot: the figures. For each figure this file picks the rows it
 * shows, writes them to plots/data/<figure>[.<strategy>].csv with a header
 * row, and queues one gnuplot run of plots/<script>.gp that draws the PNG
 * and the SVG; every number a script needs (sizes, ranges, titles, styles)
 * arrives as a gnuplot variable. gnuplot runs in parallel, run->jobs at a
 * time; any failure is an error naming the figure and its log.
 *
 * Which cells: a figure about one workload uses the cells of one group
 * (env, role, workload, fill) at its reference memory size: the size most
 * strategies ran, the largest on a tie; with several seeds, the smallest.
 * Captions name the strategies that are missing from a figure and why.
 */
#define _POSIX_C_SOURCE 200809L
#include "hist.h"
#include "plot_figs.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Workload label: "churn at 90 % fill" for workloads run at several fills. */
typedef struct group {
    const char *env, *role, *workload;
    double fill;
    int fill_varies; /* the workload ran at more than one fill in this env */
} group;

static int group_has(const group *g, const ab_srow *s)
{
    return strcmp(g->env, s->env) == 0 && strcmp(g->role, s->role) == 0 &&
           strcmp(g->workload, s->workload) == 0 && pf_same_fill(g->fill, s->fill);
}

static void group_label(const ab_run *run, const group *g, double mem, char *out,
                        size_t outlen)
{
    char memtxt[32], filltxt[48] = "";
    ab_mem_label(mem, memtxt, sizeof memtxt);
    if (g->fill_varies && pf_fill_known(g->fill))
        ab_fmt(filltxt, sizeof filltxt, " at %.0f %% fill", g->fill * 100);
    ab_fmt(out, outlen, "%s%s, %s, %s%s%s", g->workload, filltxt, memtxt, g->env,
             run->multi_role ? ", " : "", run->multi_role ? g->role : "");
}

static void group_stem(const ab_run *run, const group *g, char *out, size_t outlen)
{
    char filltxt[32] = "";
    if (g->fill_varies && pf_fill_known(g->fill))
        ab_fmt(filltxt, sizeof filltxt, "-f%.0f", g->fill * 1000);
    ab_fmt(out, outlen, "%s%s%s-%s%s", g->env, run->multi_role ? "-" : "",
             run->multi_role ? g->role : "", g->workload, filltxt);
}

/* Caption tail naming strategies of this env that the figure lacks, with the
   status their rows give (skipped, error, timeout) when there is one. */
static void missing_note(const ab_run *run, const group *g, double mem, const int *present,
                         const int *other, char *out, size_t outlen)
{
    sbuf b = {0};
    for (size_t k = 0; k < run->nstrats; k++) {
        if (present[k] || (other != NULL && other[k]))
            continue;
        int in_env = 0;
        const char *why = NULL;
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (s->strat != (int)k || strcmp(s->env, g->env) != 0)
                continue;
            in_env = 1;
            if (group_has(g, s) && (mem <= 0 || s->mem_bytes == mem) && !pf_row_ok(s))
                why = s->status;
        }
        if (in_env)
            pf_sb_add(&b, "%s%s (%s)", b.len ? ", " : "", run->strats[k].name,
                   why != NULL ? why : "no rows for this cell");
    }
    char left[512] = "";
    if (other != NULL)
        pf_other_note(run, other, left, sizeof left);
    ab_fmt(out, outlen, "%s%s%s%s", b.len ? " Not in this figure: " : "", b.len ? b.s : "",
           b.len ? "." : "", left);
    free(b.s);
}

/* Distinct groups among rows that have samples. */
static group *groups_find(const ab_run *run, size_t *count)
{
    group *g = NULL;
    size_t n = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!pf_row_ok(s))
            continue;
        size_t k = 0;
        while (k < n && !group_has(&g[k], s))
            k++;
        if (k < n)
            continue;
        group *ng = realloc(g, (n + 1) * sizeof *ng);
        if (ng == NULL)
            break;
        g = ng;
        g[n++] = (group){s->env, s->role, s->workload, s->fill, 0};
    }
    for (size_t a = 0; a < n; a++)
        g[a].fill_varies = pf_fill_varies(run, g[a].env, g[a].role, g[a].workload, g[a].fill);
    *count = n;
    return g;
}

/* Reference memory size of a group and the seed to show (see the top).
   O(rows): strategies per size as a bit set. */
double ab_ref_mem(const ab_run *run, const char *env, const char *role, const char *workload,
                  double fill, double *seed)
{
    group g = {env, role, workload, fill, 0};
    double mems[64];
    unsigned long long seen[64];
    size_t nm = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!pf_row_ok(s) || !group_has(&g, s))
            continue;
        size_t k = 0;
        while (k < nm && mems[k] != s->mem_bytes)
            k++;
        if (k == nm) {
            if (nm == COUNT_OF(mems))
                continue;
            mems[nm] = s->mem_bytes;
            seen[nm++] = 0;
        }
        seen[k] |= 1ull << (s->strat & 63);
    }
    double best = 0;
    int best_n = 0;
    for (size_t k = 0; k < nm; k++) {
        int n = __builtin_popcountll(seen[k]);
        if (n > best_n || (n == best_n && mems[k] > best)) {
            best_n = n;
            best = mems[k];
        }
    }
    *seed = INFINITY;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (pf_row_ok(s) && group_has(&g, s) && s->mem_bytes == best && s->seed < *seed)
            *seed = s->seed;
    }
    return best;
}

static double group_ref_mem(const ab_run *run, const group *g, double *seed)
{
    return ab_ref_mem(run, g->env, g->role, g->workload, g->fill, seed);
}

/* The row of strategy k, op, memory, seed in group g, or NULL. */
static const ab_srow *cell_row(const ab_run *run, const group *g, size_t k, const char *op,
                               double mem, double seed)
{
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (s->strat == (int)k && pf_row_ok(s) && group_has(g, s) && strcmp(s->op, op) == 0 &&
            s->mem_bytes == mem && s->seed == seed)
            return s;
    }
    return NULL;
}

/* Distinct ops of group g at mem, in row order. */
static size_t group_ops(const ab_run *run, const group *g, double mem, const char **ops,
                        size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!pf_row_ok(s) || !group_has(g, s) || s->mem_bytes != mem)
            continue;
        size_t k = 0;
        while (k < n && strcmp(ops[k], s->op) != 0)
            k++;
        if (k == n && n < max)
            ops[n++] = s->op;
    }
    return n;
}

double pf_floor_pow10(double v) { return pow(10, floor(log10(v))); }
double pf_ceil_pow10(double v) { return pow(10, ceil(log10(v))); }

static const char *seed_note(double seed, char *buf, size_t len)
{
    ab_fmt(buf, len, "seed %.0f", seed);
    return buf;
}

/* Latency CDF and percentile bars for one group and op. */
/* The CDF's y tics: p50, p90, p99, ... up to top nines. */
static int cdf_ytics(const ab_run *run, const ab_figure *f, double top)
{
    FILE *yt = pf_data_open(run, f->name, "ytics");
    if (yt == NULL)
        return -1;
    fprintf(yt, "nines,label\n%.17g,p50\n", log10(2.0));
    static const char *const levels[] = {"p90", "p99", "p99.9", "p99.99", "p99.999"};
    for (size_t i = 0; i < COUNT_OF(levels) && (double)(i + 1) <= top; i++)
        fprintf(yt, "%zu,%s\n", i + 1, levels[i]);
    return fclose(yt) == 0 ? 0 : -1;
}

static int figs_latency(ab_run *run, jobs *js, const group *g, double mem, double seed,
                        const char *op)
{
    char stem[200], label[256], missing[600], seedtxt[48];
    group_stem(run, g, stem, sizeof stem);
    group_label(run, g, mem, label, sizeof label);
    seed_note(seed, seedtxt, sizeof seedtxt);
    int *present = calloc(run->nstrats, sizeof *present);
    if (present == NULL)
        return -1;

    char name[200];
    ab_fmt(name, sizeof name, "cdf-%s-%s", stem, op);
    ab_figure *f = pf_fig_new(run, "cdf", name);
    ab_fmt(f->title, sizeof f->title, "Latency CDF of %s: %s", op, label);
    double lo = INFINITY, hi = 0, top = 0;
    size_t from_hist = 0;
    pf_cellsel c = {g->env, g->role, g->workload, op, g->fill, mem};
    int *other = calloc(run->nstrats + 1, sizeof *other);
    if (other == NULL) {
        free(present);
        return -1;
    }
    pf_other_work(run, &c, other);
    for (size_t k = 0; k < run->nstrats; k++) {
        const ab_srow *s = other[k] ? NULL : cell_row(run, g, k, op, mem, seed);
        if (s == NULL)
            continue;
        FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
        if (d == NULL) {
            free(present);
            free(other);
            return -1;
        }
        present[k] = 1;
        double nmax = s->count > 1 ? log10(s->count) : 1;
        size_t nb = ab_hist_cdf(run, s, d, &lo, &hi);
        from_hist += nb > 0;
        if (nb > 0) {
            fclose(d);
            top = fmax(top, nmax);
            continue;
        }
        const double v[] = {s->p50_ns, s->p90_ns, s->p99_ns, s->p999_ns};
        const double nines[] = {log10(2.0), 1, 2, 3};
        const char *lab[] = {"p50", "p90", "p99", "p99.9"};
        for (size_t i = 0; i < COUNT_OF(v); i++)
            if (nines[i] < nmax)
                fprintf(d, "%.17g,%.17g,%s\n", fmax(v[i], 0.1), nines[i], lab[i]);
        fprintf(d, "%.17g,%.17g,max\n", fmax(s->max_ns, 0.1), nmax);
        fclose(d);
        lo = fmin(lo, fmax(s->p50_ns, 0.1));
        hi = fmax(hi, s->max_ns);
        top = fmax(top, nmax);
    }
    missing_note(run, g, mem, present, other, missing, sizeof missing);
    if (cdf_ytics(run, f, top) != 0) {
        free(present);
        free(other);
        return -1;
    }
    if (from_hist > 0)
        ab_fmt(f->caption, sizeof f->caption,
               "Cumulative distribution of %s latency from the run's histograms (hist.csv: "
               "each step is a bucket's upper bound) for %zu strategies, the others through "
               "their five recorded percentiles; %s.%s", op, from_hist, seedtxt, missing);
    else
        ab_fmt(f->caption, sizeof f->caption,
             "Cumulative distribution of %s latency, drawn as a step curve through the "
             "histogram percentiles the run records (p50, p90, p99, p99.9, max; the max "
             "sits at 1 - 1/count), not every sample (no hist.csv in this run); %s.%s",
             op, seedtxt, missing);
    sbuf v = {0};
    pf_axes ax = {.xlab = "latency (ns, log scale)",
                  .ylab = "fraction of operations at or below (nines scale)",
                  .xmin = pf_floor_pow10(lo), .xmax = pf_ceil_pow10(fmax(hi, lo * 10)),
                  .ymin = 0, .ymax = top * 1.08};
    pf_axes_vars(&v, run, present, &ax);
    pf_job_add(js, run, f, "latency_cdf.gp", &v);

    free(present);
    ab_fmt(name, sizeof name, "bars-%s-%s", stem, op);
    int rc = pf_dots_figure(run, js, &c, other, name, label, missing);
    free(other);
    return rc;
}

/* Mean and p99 latency against managed memory, one figure per group and op
   when the group ran at two or more sizes. */
/* The memory sizes of g's rows with samples, ascending; how many (at most max). */
static size_t scaling_mems(const ab_run *run, const group *g, double *mems, size_t max)
{
    size_t nm = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!pf_row_ok(s) || !group_has(g, s))
            continue;
        size_t k = 0;
        while (k < nm && mems[k] != s->mem_bytes)
            k++;
        if (k == nm && nm < max)
            mems[nm++] = s->mem_bytes;
    }
    for (size_t a = 1; a < nm; a++)
        for (size_t b = a; b > 0 && mems[b - 1] > mems[b]; b--) {
            double t = mems[b];
            mems[b] = mems[b - 1];
            mems[b - 1] = t;
        }
    return nm;
}

/* The ops of g at any of the nm sizes, first seen first; how many. */
static size_t scaling_ops(const ab_run *run, const group *g, const double *mems, size_t nm,
                          const char **ops, size_t max)
{
    size_t nops = 0;
    for (size_t m = 0; m < nm; m++) {
        const char *o[16];
        size_t n = group_ops(run, g, mems[m], o, COUNT_OF(o));
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < nops && strcmp(ops[k], o[i]) != 0)
                k++;
            if (k == nops && nops < max)
                ops[nops++] = o[i];
        }
    }
    return nops;
}

/* g's label with the size range lo to hi in place of the largest size. */
static void scaling_range(const ab_run *run, const group *g, double lo, double hi,
                          char *range, size_t len)
{
    char label[256], lo_txt[32], hi_txt[32];
    group_label(run, g, hi, label, sizeof label);
    ab_mem_label(lo, lo_txt, sizeof lo_txt);
    ab_mem_label(hi, hi_txt, sizeof hi_txt);
    /* The label carries the largest size; say the range instead. */
    char *comma = strstr(label, hi_txt);
    if (comma != NULL) {
        *comma = '\0';
        ab_fmt(range, len, "%s%s to %s%s", label, lo_txt, hi_txt,
                 comma + strlen(hi_txt));
    } else {
        ab_fmt(range, len, "%s", label);
    }
}

/* Strategy k's row of g for op at mem with the smallest seed, or NULL. */
static const ab_srow *scaling_row(const ab_run *run, const group *g, size_t k, const char *op,
                                  double mem)
{
    double seed = INFINITY;
    const ab_srow *best = NULL;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (s->strat == (int)k && pf_row_ok(s) && group_has(g, s) && strcmp(s->op, op) == 0 &&
            s->mem_bytes == mem && s->seed < seed) {
            seed = s->seed;
            best = s;
        }
    }
    return best;
}

/* Writes strategy k's points of figure f (op over the nm sizes), widening
   *lo and *hi; *points gets how many. 0, or -1 after printing why. */
static int scaling_data(const ab_run *run, const ab_figure *f, const group *g, size_t k,
                        const char *op, const double *mems, size_t nm, double *lo, double *hi,
                        size_t *points)
{
    FILE *d = NULL;
    *points = 0;
    for (size_t m = 0; m < nm; m++) {
        const ab_srow *best = scaling_row(run, g, k, op, mems[m]);
        if (best == NULL)
            continue;
        if (pf_data_lazy(&d, run, f->name, run->strats[k].ident,
                         "mem_mib,mem,mean_ns,p99_ns") == NULL)
            return -1;
        char mt[32];
        ab_mem_label(mems[m], mt, sizeof mt);
        fprintf(d, "%.17g,%s,%.17g,%.17g\n", mems[m] / 1048576.0, mt,
                fmax(best->mean_ns, 0.1), fmax(best->p99_ns, 0.1));
        *lo = fmin(*lo, fmax(fmin(best->mean_ns, best->p99_ns), 0.1));
        *hi = fmax(*hi, best->p99_ns);
        (*points)++;
    }
    if (d != NULL)
        fclose(d);
    return 0;
}

static int figs_scaling(ab_run *run, jobs *js, const group *g)
{
    double mems[64];
    size_t nm = scaling_mems(run, g, mems, COUNT_OF(mems));
    if (nm < 2)
        return 0;
    const char *ops[16];
    size_t nops = scaling_ops(run, g, mems, nm, ops, COUNT_OF(ops));
    char stem[200], range[300];
    group_stem(run, g, stem, sizeof stem);
    scaling_range(run, g, mems[0], mems[nm - 1], range, sizeof range);
    int *present = calloc(run->nstrats, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t o = 0; o < nops; o++) {
        char name[240];
        ab_fmt(name, sizeof name, "scaling-%s-%s", stem, ops[o]);
        ab_figure *f = pf_fig_begin(run, present, "scaling", name, "Scaling of %s: %s", ops[o],
                                    range);
        double lo = INFINITY, hi = 0;
        for (size_t k = 0; k < run->nstrats; k++) {
            size_t points;
            if (scaling_data(run, f, g, k, ops[o], mems, nm, &lo, &hi, &points) != 0) {
                free(present);
                return -1;
            }
            present[k] = points > 0;
        }
        char missing[600];
        missing_note(run, g, 0, present, NULL, missing, sizeof missing);
        ab_fmt(f->caption, sizeof f->caption,
                 "Mean (solid) and p99 (dashed) latency of %s against managed memory, "
                 "log-log; a flat line means the cost does not grow with memory. Smallest "
                 "seed at each size.%s", ops[o], missing);
        sbuf v = {0};
        pf_axes ax = {.xlab = "managed memory (bytes, log scale; tics in MiB/GiB)",
                      .ylab = "latency (ns, log scale)",
                      .xmin = mems[0] / 1048576.0 / 1.5,
                      .xmax = mems[nm - 1] / 1048576.0 * 1.5,
                      .ymin = pf_floor_pow10(lo), .ymax = pf_ceil_pow10(fmax(hi, lo * 10))};
        pf_axes_vars(&v, run, present, &ax);
        pf_job_add(js, run, f, "scaling.gp", &v);
    }
    free(present);
    return 0;
}

int pf_latency_figures(ab_run *run, jobs *js)
{
    size_t ng;
    if (run->no_cells)
        return 0; /* a programs-only run: no summary.csv */
    group *g = groups_find(run, &ng);
    if (ng == 0) {
        fprintf(stderr, "allocbench plot: %s/summary.csv: no row has status ok and samples: "
                        "nothing to plot\n", run->dir);
        free(g);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < ng && rc == 0; i++) {
        double seed, mem = group_ref_mem(run, &g[i], &seed);
        const char *ops[16];
        size_t nops = group_ops(run, &g[i], mem, ops, COUNT_OF(ops));
        for (size_t o = 0; o < nops && rc == 0; o++)
            rc = figs_latency(run, js, &g[i], mem, seed, ops[o]);
        if (rc == 0)
            rc = figs_scaling(run, js, &g[i]);
    }
    free(g);
    return rc;
}
