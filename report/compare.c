/*
 * allocbench compare (compare.h). Reads two run folders and nothing else.
 * Cost: O(cells_A * cells_B) matching plus B bootstrap resamples per pair.
 */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AB_PLOT_SCRIPTS_DIR
#define AB_PLOT_SCRIPTS_DIR "plots"
#endif

#include "compare_int.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* reading: the value is one timer reading (a percentile of per-op reads),
   so the test sees it on the timer's grid. batch_median_ns is compared only
   where both cells time batches (elsewhere it would repeat mean_ns). */
static const struct {
    int metric;
    const char *name;
    int reading;
} cmp_metrics[] = {{AB_M_MEAN, "mean_ns", 0},
                   {AB_M_P99, "p99_ns", 1},
                   {AB_M_P999, "p999_ns", 1},
                   {AB_M_SPEED, "batch_median_ns", 0}};

static int side_load(side *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    ab_fmt(s->run.dir, sizeof s->run.dir, "%s", dir);
    if (ab_run_load(&s->run) != 0)
        return -1;
    return ab_cells_build(&s->run, &s->cs);
}

const ab_cell *ab_cmp_twin(const side *a, const side *b, const ab_cell *x)
{
    const ab_srow *q = x->proto;
    for (size_t i = 0; i < a->cs.n; i++) {
        const ab_srow *p = a->cs.c[i].proto;
        if (strcmp(p->strategy, q->strategy) == 0 && strcmp(p->env, q->env) == 0 &&
            strcmp(p->role, q->role) == 0 && strcmp(p->workload, q->workload) == 0 &&
            strcmp(p->op, q->op) == 0 && p->mem_bytes == q->mem_bytes &&
            p->threads == q->threads &&
            ((isnan(p->fill) && isnan(q->fill)) || p->fill == q->fill))
            return &a->cs.c[i];
    }
    (void)b;
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: allocbench compare RUN_A RUN_B [--threshold PCT] [--absolute] [-o DIR]\n\n"
               "Per cell and metric: B/A with its 95 %% interval and the Mann-Whitney p over\n"
               "the reps. Exits 1 when a change is significant (p under the Benjamini-Hochberg\n"
               "bound for a 5 %% false discovery rate over the strategy's comparisons, interval\n"
               "excludes 1) and slower by more than PCT percent (default 5).\n"
               "Metrics: mean_ns, p99_ns, p999_ns, and batch_median_ns where both cells time\n"
               "batches. Cells and strategies are judged against the whole run's drift: the\n"
               "median over the strategies of each one's median B/A of the typical speed\n"
               "(batch_median_ns, else mean_ns), which a machine's speed moves between runs,\n"
               "each environment (host, kernel-tcg) apart. The whole run is\n"
               "judged too (a sign test over its cells): exit 3 when it is slower by more\n"
               "than PCT and no strategy regressed against it (machine or harness); a\n"
               "kernel-tcg shift is named but not counted (TCG is relative-only).\n"
               "A pair within 2 timer quanta of zero (meta.json) is below resolution, and a\n"
               "change of one quantum or less is none: neither decides anything. Batch\n"
               "medians (>= 10 ms a batch) are never below resolution.\n\n"
               "  -t, --threshold PCT  regression threshold in percent (default 5)\n"
               "  -a, --absolute       judge raw B/A, not B/A over the run's drift\n"
               "  -o, --output DIR     where compare.md and compare.csv go\n"
               "                       (default RUN_B/compare-<basename RUN_A>)\n");
}

double ab_cmp_drift_of(const cmp_out *o, const char *env)
{
    for (size_t e = 0; e < o->nenv; e++)
        if (strcmp(o->env[e], env) == 0)
            return o->env_judge[e];
    return 1;
}

/* The smallest two-sided p Mann-Whitney can give for na and nb samples:
   2 / C(na + nb, na). With 3 reps a side it is 0.1: no test can pass at 5 %. */
static double mw_min_p(size_t na, size_t nb)
{
    double c = 1;
    for (size_t i = 1; i <= na; i++)
        c = c * (double)(nb + i) / (double)i;
    return 2.0 / c;
}

int ab_cmp_batched(const ab_cell *a, const ab_cell *b)
{
    return !isnan(a->proto->batch_median_ns) && !isnan(b->proto->batch_median_ns);
}

int ab_cmp_speed_metric(const ab_cell *a, const ab_cell *b)
{
    return ab_cmp_batched(a, b) ? AB_M_SPEED : AB_M_MEAN;
}

int ab_cmp_below_res(const cmp_out *o, const ab_cell *a, const ab_cell *b, int metric)
{
    const ab_cell *pair[2] = {a, b};
    double q = ab_cells_quantum(pair, 2, metric, o->quantum);
    return q > 0 && a->e[metric].median <= 2 * q && b->e[metric].median <= 2 * q;
}

/* Metric k of the pair is compared: batch medians only where both have them. */
static int pair_has(const ab_cell *a, const ab_cell *b, size_t k)
{
    return cmp_metrics[k].metric != AB_M_SPEED || ab_cmp_batched(a, b);
}

/* v to the nearest step of the timer's grid q (0: v). */
static double on_grid(double v, double q)
{
    return q > 0 ? round(v / q) * q : v;
}

int ab_cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/*
 * Mann-Whitney p of a scaled by the run's drift d against b. With grid q
 * (single timer readings), both sides are put back on the timer's grid
 * after the scaling: a drift of 0.97 must not turn two reads of the same
 * step (10 ns in A and in B) into a strict order (9.7 < 10), which would
 * take a tie for a difference.
 */
static double mw_p_drift(const double *a, size_t na, const double *b, size_t nb, double d,
                         double q)
{
    double *as = malloc((na + nb + 1) * sizeof *as);
    if (as == NULL)
        return 1;
    for (size_t i = 0; i < na; i++)
        as[i] = on_grid(a[i] * d, q);
    for (size_t i = 0; i < nb; i++)
        as[na + i] = on_grid(b[i], q);
    double p = st_mann_whitney_p(as, na, as + na, nb);
    free(as);
    return p;
}

/* The grid metric k's values are tested on: the quantum for single reads. */
static double test_grid(const cmp_out *o, size_t k)
{
    return cmp_metrics[k].reading ? o->quantum : 0;
}

/*
 * The Benjamini-Hochberg critical p over the testable comparisons of one
 * strategy of B (false discovery rate 5 %): hundreds of cells and metrics
 * tested at 5 % each would flag about one in twenty of an A/A comparison.
 * The family is a strategy because the question is "did this strategy
 * change?", and because with 5 reps a side no p is below 0.0079: over a
 * whole quick run (~900 comparisons) even a strategy-wide 20 % slowdown
 * could not pass a single family's bound. 0 when nothing passes; *m gets
 * the family's size.
 */
static double bh_threshold(const side *a, const side *b, int strat, const struct cmp_out *o,
                           size_t *family)
{
    size_t cap = b->cs.n * COUNT_OF(cmp_metrics) + 1, m = 0;
    double *p = malloc(cap * sizeof *p), crit = 0;
    *family = 0;
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < b->cs.n; i++) {
        const ab_cell *x = &b->cs.c[i], *y;
        if (x->strat != strat || (y = ab_cmp_twin(a, b, x)) == NULL || x->nreps == 0 ||
            y->nreps == 0 || mw_min_p(y->nreps, x->nreps) >= ALPHA)
            continue;
        for (size_t k = 0; k < COUNT_OF(cmp_metrics); k++) {
            int mt = cmp_metrics[k].metric;
            if (!pair_has(y, x, k) || ab_cmp_below_res(o, y, x, mt))
                continue;
            p[m++] = mw_p_drift(y->v[mt], y->nreps, x->v[mt], x->nreps,
                                ab_cmp_drift_of(o, x->proto->env), test_grid(o, k));
        }
    }
    qsort(p, m, sizeof *p, ab_cmp_double);
    for (size_t k = m; k >= 1 && crit == 0; k--)
        if (p[k - 1] <= ALPHA * (double)k / (double)m)
            crit = p[k - 1];
    free(p);
    *family = m;
    return crit;
}

static void pair_write(cmp_out *o, const ab_run *rb, const ab_cell *a, const ab_cell *b)
{
    char label[200];
    ab_cell_label(b, label, sizeof label);
    for (size_t m = 0; m < COUNT_OF(cmp_metrics); m++) {
        int k = cmp_metrics[m].metric;
        if (a->nreps == 0 || b->nreps == 0 || !pair_has(a, b, m))
            continue;
        st_est r = st_ratio_ci(a->v[k], a->nreps, b->v[k], b->nreps, 0, 1234 + m);
        double d = ab_cmp_drift_of(o, b->proto->env);
        double p = mw_p_drift(a->v[k], a->nreps, b->v[k], b->nreps, d, test_grid(o, m));
        st_est rel = r;
        rel.median /= d;
        rel.lo /= d;
        rel.hi /= d;
        int below = ab_cmp_below_res(o, a, b, k);
        /* The typical speed: one value per cell for the strategy-wide test. */
        if (k == ab_cmp_speed_metric(a, b) && !below) {
            strat_tally *t = &o->tally[b->strat];
            t->up += rel.median > 1;
            t->down += rel.median < 1;
            t->ratio[t->n++] = rel.median;
        }
        double crit = o->p_crit[b->strat];
        int sig = crit > 0 && p <= crit && (rel.lo > 1 || rel.hi < 1);
        /* A change of one timer step or less is not one (B against A x drift);
           a batch median is many steps long. */
        int step = o->quantum > 0 && k != AB_M_SPEED &&
                   fabs(b->e[k].median - a->e[k].median * d) <= o->quantum;
        const char *verdict = "no significant change";
        if (below) {
            verdict = "below resolution";
            o->below_res++;
        } else if (mw_min_p(a->nreps, b->nreps) >= ALPHA) {
            verdict = "too few reps to test";
            o->untestable++;
        } else if (sig && step) {
            verdict = "within one timer quantum";
        } else if (sig && rel.median > 1 + o->threshold / 100) {
            verdict = "REGRESSION";
            o->regressions++;
        } else if (sig && rel.median < 1 / (1 + o->threshold / 100)) {
            verdict = "improvement";
            o->improvements++;
        } else if (sig) {
            verdict = "significant, within threshold";
        }
        char tic[300];
        ab_fmt(tic, sizeof tic, "%s %s %s", rb->strats[b->strat].name, label,
               cmp_metrics[m].name);
        for (char *c = tic; *c != '\0'; c++)
            *c = *c == ',' ? ';' : *c; /* the figure's data is CSV */
        o->lo = fmin(o->lo, r.lo);
        o->hi = fmax(o->hi, r.hi);
        if (o->fig != NULL)
            fprintf(o->fig, "%zu,%s,%.6g,%.6g,%.6g,%d\n", o->pairs, tic, r.median, r.lo, r.hi,
                    strcmp(verdict, "REGRESSION") == 0);
        o->pairs++;
        fprintf(o->csv, "%s,%s,\"%s\",%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.4g,%zu,%zu,%s,%.6g\n",
                rb->strats[b->strat].name, b->proto->role, label, cmp_metrics[m].name,
                a->e[k].median, b->e[k].median, r.median, r.lo, r.hi, p, a->nreps, b->nreps,
                verdict, rel.median);
        fprintf(o->md, "| %s | %s | %s | %.4g | %.4g | %.3f [%.3f, %.3f] | %.3f | %.3g | %s |\n",
                rb->strats[b->strat].name, label, cmp_metrics[m].name, a->e[k].median,
                b->e[k].median, r.median, r.lo, r.hi, rel.median, p, verdict);
    }
}

/* Rows per figure: 18 px a row keeps a page under Cairo's 32767 px. */
#define FIG_PAGE 1000

/* Figure page k (0-based) of the ratios: compare-ratios.png, then
   compare-ratios-2.png, ... */
static void page_stem(char *out, size_t len, size_t k)
{
    if (k == 0)
        ab_fmt(out, len, "compare-ratios");
    else
        ab_fmt(out, len, "compare-ratios-%zu", k + 1);
}

/* Page k of the ratios (rows k * FIG_PAGE on, of pairs) by plots/compare.gp;
   0, or -1 when gnuplot failed. */
static int figure_draw(const char *outdir, size_t k, size_t pairs, double xmin, double xmax)
{
    char vars[4 * AB_PLOT_PATH], common[AB_PLOT_PATH + 32], script[AB_PLOT_PATH + 32],
        log[AB_PLOT_PATH + 32], stem[64];
    size_t first = k * FIG_PAGE, rows = pairs - first < FIG_PAGE ? pairs - first : FIG_PAGE;
    page_stem(stem, sizeof stem, k);
    ab_fmt(vars, sizeof vars,
           "out='%s/%s'; data='%s/compare-ratios'; style='%s/style.gp'; "
           "width=960; height=%zu; ttl='allocbench compare: B/A per cell and metric%s'; "
           "xlab='B / A (log scale; 1 = no change)'; ref=1; ymin=%zu-1; ymax=%zu; "
           "kind_regression=1; slot_change=2; slot_regression=4; fmt='png'; xmin=%g; xmax=%g",
           outdir, stem, outdir, AB_PLOT_SCRIPTS_DIR, 200 + 18 * rows,
           pairs > FIG_PAGE ? " (a page)" : "", first, first + rows, xmin, xmax);
    ab_fmt(common, sizeof common, "%s/common.gp", AB_PLOT_SCRIPTS_DIR);
    ab_fmt(script, sizeof script, "%s/compare.gp", AB_PLOT_SCRIPTS_DIR);
    ab_fmt(log, sizeof log, "%s/%s.log", outdir, stem);
    fflush(NULL); /* else the child's freopen writes our buffered output again */
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen(log, "w", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execlp("gnuplot", "gnuplot", "-e", vars, common, script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0
               ? 0 : -1;
}

/* What the test can see: with few reps no p is small, so a change in one
   cell alone cannot pass a large family's bound. */
static void power_note(const cmp_out *o, const side *a, const side *b, size_t family)
{
    size_t ra = SIZE_MAX, rb = SIZE_MAX;
    for (size_t i = 0; i < b->cs.n; i++) {
        const ab_cell *x = &b->cs.c[i], *y = ab_cmp_twin(a, b, x);
        if (y != NULL && x->nreps > 0 && y->nreps > 0) {
            ra = y->nreps < ra ? y->nreps : ra;
            rb = x->nreps < rb ? x->nreps : rb;
        }
    }
    if (family == 0 || ra == SIZE_MAX)
        return;
    double pmin = mw_min_p(ra, rb);
    size_t cells = (size_t)ceil(pmin * (double)family / ALPHA);
    fprintf(o->md, "Power: with %zu and %zu reps the smallest Mann-Whitney p is %.2g, so in a "
                   "strategy with %zu comparisons a change shows only when it moves at least "
                   "%zu of them%s.\n\n", ra, rb, pmin, family, cells ? cells : 1,
            cells > 1 ? " (one cell alone cannot); more reps lower that" : "");
}

static void tallies_free(cmp_out *o, size_t ns)
{
    for (size_t k = 0; o->tally != NULL && k < ns; k++)
        free(o->tally[k].ratio);
    free(o->tally);
    free(o->p_crit);
}

/* The per-cell totals, in compare.md (path pm) and on stdout. */
static void totals_write(const cmp_out *o, const char *pm, size_t unmatched)
{
    fprintf(o->md, "\n%zu comparisons: %zu regressions, %zu improvements; %zu cells of B have "
                   "no twin in A.\n", o->pairs, o->regressions, o->improvements, unmatched);
    if (o->untestable != 0)
        fprintf(o->md, "\n%zu comparisons had too few reps for Mann-Whitney at 5 %% (3 a side "
                       "can never reach it): run both with --reps 4 or more.\n", o->untestable);
    if (o->below_res != 0)
        fprintf(o->md, "\n%zu comparisons are below the timer's resolution (A and B within 2 "
                       "quanta of %.3g ns) and decide nothing.\n", o->below_res, o->quantum);
    printf("allocbench compare: %zu comparisons, %zu regressions, %zu improvements "
           "(threshold %.1f %%), %zu below resolution: %s\n", o->pairs, o->regressions,
           o->improvements, o->threshold, o->below_res, pm);
    if (o->untestable != 0)
        printf("allocbench compare: %zu of them had too few reps to test (3 a side cannot "
               "reach p < 0.05): run both with --reps 4 or more\n", o->untestable);
}

static int compare_write(const char *outdir, const char *ra, const char *rb, side *a, side *b,
                         double threshold, int absolute)
{
    char pm[AB_PLOT_PATH + 32], pc[AB_PLOT_PATH + 32];
    mkdir(outdir, 0777);
    ab_fmt(pm, sizeof pm, "%s/compare.md", outdir);
    ab_fmt(pc, sizeof pc, "%s/compare.csv", outdir);
    char pf[AB_PLOT_PATH + 40];
    ab_fmt(pf, sizeof pf, "%s/compare-ratios.csv", outdir);
    cmp_out o = {.md = fopen(pm, "w"), .csv = fopen(pc, "w"), .fig = fopen(pf, "w"),
                 .threshold = threshold, .lo = 1, .hi = 1,
                 .quantum = fmax(a->cs.quantum_ns, b->cs.quantum_ns),
                 .p_crit = calloc(b->run.nstrats + 1, sizeof(double)),
                 .tally = calloc(b->run.nstrats + 1, sizeof(strat_tally))};
    ab_cmp_drifts_measure(&o, a, b, absolute);
    int oom = o.p_crit == NULL || o.tally == NULL;
    for (size_t k = 0; !oom && k < b->run.nstrats; k++)
        oom = (o.tally[k].ratio = calloc(b->cs.n + 1, sizeof(double))) == NULL;
    size_t most = 0; /* the largest family */
    for (size_t k = 0; o.p_crit != NULL && k < b->run.nstrats; k++) {
        size_t fam;
        o.p_crit[k] = bh_threshold(a, b, (int)k, &o, &fam);
        most = fam > most ? fam : most;
    }
    if (o.fig != NULL)
        fprintf(o.fig, "idx,label,ratio,lo,hi,kind\n");
    if (o.md == NULL || o.csv == NULL || oom) {
        if (oom)
            fprintf(stderr, "allocbench compare: out of memory\n");
        else
            fprintf(stderr, "allocbench compare: %s: cannot write\n", o.md ? pc : pm);
        if (o.md)
            fclose(o.md);
        if (o.csv)
            fclose(o.csv);
        if (o.fig)
            fclose(o.fig);
        tallies_free(&o, b->run.nstrats);
        return -1;
    }
    fprintf(o.md, "# allocbench compare\n\nA: %s\n\nB: %s\n\nRatio B/A of medians over reps, "
                  "95 %% bootstrap interval, Mann-Whitney p, significant at or below the "
                  "Benjamini-Hochberg bound for a 5 %% false discovery rate over the "
                  "comparisons of the same strategy, with an interval that excludes 1 and "
                  "a change of more than one timer quantum (%.3g ns); regression threshold "
                  "%.1f %%. Where A and B are both within 2 quanta of zero, the comparison is "
                  "below resolution and decides nothing. Percentiles are single timer reads: "
                  "Mann-Whitney ranks them on the timer's grid, after the drift. "
                  "batch_median_ns (cells that time batches of 10 ms or more) is not limited "
                  "by the quantum.\n\n", ra, rb, o.quantum, threshold);
    power_note(&o, a, b, most);
    ab_cmp_drift_write(&o, absolute);
    fprintf(o.md, "## Per cell and metric\n\n"
                  "| strategy | cell | metric | A | B | B/A [95 %%] | ÷ run | p | verdict |\n"
                  "|---|---|---|---|---|---|---|---|---|\n");
    fprintf(o.csv, "strategy,role,cell,metric,a_median,b_median,ratio,ratio_lo,ratio_hi,p,"
                   "a_reps,b_reps,verdict,vs_run\n");
    size_t unmatched = 0;
    for (size_t i = 0; i < b->cs.n; i++) {
        const ab_cell *x = &b->cs.c[i], *y = ab_cmp_twin(a, b, x);
        if (y == NULL)
            unmatched++;
        else
            pair_write(&o, &b->run, y, x);
    }
    totals_write(&o, pm, unmatched);
    ab_cmp_strat_table(&o, &b->run);
    printf("allocbench compare: per strategy (a sign test over its cells): %zu regressed\n",
           o.strat_regressions);
    size_t pages = o.pairs > FIG_PAGE ? (o.pairs + FIG_PAGE - 1) / FIG_PAGE : 1;
    char stem[64];
    fprintf(o.md, "\n");
    for (size_t k = 0; k < pages; k++) {
        page_stem(stem, sizeof stem, k);
        fprintf(o.md, "![B/A per cell and metric, rows %zu to %zu](%s.png)\n", k * FIG_PAGE + 1,
                k + 1 < pages ? (k + 1) * FIG_PAGE : o.pairs, stem);
    }
    int bad = fclose(o.md) != 0;
    bad |= fclose(o.csv) != 0;
    bad |= o.fig == NULL || fclose(o.fig) != 0;
    for (size_t k = 0; !bad && k < pages; k++) {
        page_stem(stem, sizeof stem, k);
        if (figure_draw(outdir, k, o.pairs, o.lo / 1.05, o.hi * 1.05) != 0)
            fprintf(stderr, "allocbench compare: %s/%s.png: gnuplot failed (see %s.log); the "
                            "tables are written\n", outdir, stem, stem);
    }
    tallies_free(&o, b->run.nstrats);
    if (bad)
        return -1;
    return o.regressions > 0 || o.strat_regressions > 0 ? 1 : o.run_regressed ? 3 : 0;
}

int ab_compare_main(int argc, char **argv)
{
    static const struct option opts[] = {{"threshold", required_argument, NULL, 't'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"absolute", no_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double threshold = 5;
    const char *out = NULL;
    int absolute = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "t:o:ah", opts, NULL)) != -1;) {
        char *end;
        if (c == 't') {
            threshold = strtod(optarg, &end);
            if (*end != '\0' || !(threshold >= 0)) {
                fprintf(stderr, "allocbench compare: --threshold: '%s' is not a percent\n",
                        optarg);
                return 2;
            }
        } else if (c == 'o') {
            out = optarg;
        } else if (c == 'a') {
            absolute = 1;
        } else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    const char *ra = argv[optind], *rb = argv[optind + 1];
    char outdir[AB_PLOT_PATH];
    const char *base = strrchr(ra, '/');
    base = base != NULL && base[1] != '\0' ? base + 1 : ra;
    ab_fmt(outdir, sizeof outdir, "%s/compare-%s", rb, base);
    side *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    int rc = 1;
    if (a != NULL && b != NULL && side_load(a, ra) == 0 && side_load(b, rb) == 0)
        rc = compare_write(out != NULL ? out : outdir, ra, rb, a, b, threshold, absolute);
    rc = rc < 0 ? 1 : rc;
    for (side *s = a; s != NULL; s = s == a ? b : NULL) {
        ab_cells_free(&s->cs);
        ab_run_free(&s->run);
    }
    free(a);
    free(b);
    return rc;
}
