/*
 * allocbench plot: the fragmentation figures: free memory over time (churn,
 * huge) and against fill. Same scheme as plot_figs.c: data files, then one
 * queued gnuplot run each. Split from plot_figs_more.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_figs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fragmentation ---------------------------------------------------- */

typedef struct fgroup {
    const char *env, *workload, *role;
    double fill;
} fgroup;

static int fgroup_has(const fgroup *g, const ab_frow *f, int with_fill)
{
    return strcmp(g->env, f->env) == 0 && strcmp(g->workload, f->workload) == 0 &&
           strcmp(g->role, f->role) == 0 && (!with_fill || pf_same_fill(g->fill, f->fill));
}

/* Reference size and seed of a frag group: the size with most (strategy,
   fill) series, the largest on a tie; then the smallest seed there.
   O(rows * series). */
static double fgroup_ref_mem(const ab_run *run, const fgroup *g, int with_fill, double *seed)
{
    typedef struct series {
        double mem, fill;
        int strat;
    } series;
    series *sv = NULL;
    size_t n = 0, cap = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (!fgroup_has(g, f, with_fill))
            continue;
        size_t k = 0;
        while (k < n && !(sv[k].mem == f->mem_bytes && sv[k].strat == f->strat &&
                          pf_same_fill(sv[k].fill, f->fill)))
            k++;
        if (k < n)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            series *ns = realloc(sv, cap * sizeof *ns);
            if (ns == NULL)
                break;
            sv = ns;
        }
        sv[n++] = (series){f->mem_bytes, f->fill, f->strat};
    }
    double best = 0;
    size_t best_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += sv[j].mem == sv[i].mem;
        if (c > best_n || (c == best_n && sv[i].mem > best)) {
            best_n = c;
            best = sv[i].mem;
        }
    }
    free(sv);
    *seed = INFINITY;
    for (size_t r = 0; r < run->nf; r++)
        if (fgroup_has(g, &run->f[r], with_fill) && run->f[r].mem_bytes == best &&
            run->f[r].seed < *seed)
            *seed = run->f[r].seed;
    return best;
}

/* The strategies of g (at mem and seed; at every fill unless with_fill)
   that were never asked for a run of pages while another was (stack in
   churn: it gets single pages), marked in left[k]. Their samples describe
   other work, often over many more steps, so the figures leave them out
   (issue: fragmentation at equal state). Returns how many. */
static size_t fgroup_other_work(const ab_run *run, const fgroup *g, int with_fill, double mem,
                                double seed, int *left)
{
    for (size_t k = 0; k < run->nstrats; k++)
        left[k] = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat >= 0 && fgroup_has(g, f, with_fill) && f->mem_bytes == mem &&
            f->seed == seed)
            left[f->strat] |= f->contig_tried > 0 ? PF_ASKED : PF_NOT_ASKED;
    }
    return pf_other_fold(left, run->nstrats);
}

/* The caption's notes: strategies with samples in env that are not drawn,
   and those left out as other work (left). */
static void fgroup_missing(const ab_run *run, const char *env, const int *present,
                           const int *left, char *out, size_t outlen)
{
    sbuf b = {0};
    for (size_t k = 0; k < run->nstrats; k++) {
        if (present[k] || left[k])
            continue;
        for (size_t r = 0; r < run->nf; r++)
            if (run->f[r].strat == (int)k && strcmp(run->f[r].env, env) == 0) {
                pf_sb_add(&b, "%s%s", b.len ? ", " : "", run->strats[k].name);
                break;
            }
    }
    char other[512];
    pf_other_note(run, left, other, sizeof other);
    ab_fmt(out, outlen, "%s%s%s%s", b.len ? " Not in this figure (no samples for this cell): " : "",
           b.len ? b.s : "", b.len ? "." : "", other);
    free(b.s);
}

/* The (env, workload, role, fill) groups of frag.csv, first seen first:
   every one the verdict judges fragmentation in has its figures; *count
   gets how many (fewer when out of memory). */
static fgroup *ft_groups(const ab_run *run, size_t *count)
{
    fgroup *gs = NULL;
    size_t ng = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        size_t k = 0;
        while (k < ng && !fgroup_has(&gs[k], f, 1))
            k++;
        if (k < ng)
            continue;
        fgroup *n = realloc(gs, (ng + 1) * sizeof *n);
        if (n == NULL)
            break;
        gs = n;
        gs[ng++] = (fgroup){f->env, f->workload, f->role, f->fill};
    }
    *count = ng;
    return gs;
}

/* Writes strategy k's samples (ext_frag when kind is 0, else free_2m) of
   group g at mem and seed for figure f, widening *steps and *ymax. 1 when
   it has a sample, 0 when not, -1 after printing why. */
static int ft_strategy(const ab_run *run, const ab_figure *f, const fgroup *g, size_t kind,
                       double mem, double seed, size_t k, double *steps, double *ymax)
{
    FILE *d = NULL;
    int any = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *fr = &run->f[r];
        if (fr->strat != (int)k || !fgroup_has(g, fr, 1) || fr->mem_bytes != mem ||
            fr->seed != seed)
            continue;
        if (pf_data_lazy(&d, run, f->name, run->strats[k].ident, "step,value") == NULL)
            return -1;
        double val = kind == 0 ? fr->ext_frag : fr->free_2m;
        fprintf(d, "%.17g,%.17g\n", fr->step, val);
        *steps = fmax(*steps, fr->step);
        *ymax = fmax(*ymax, val);
        any = 1;
    }
    if (d != NULL)
        fclose(d);
    return any;
}

int pf_frag_time_figures(ab_run *run, jobs *js)
{
    size_t ng;
    fgroup *gs = ft_groups(run, &ng);
    if (ng == 0)
        ab_run_note(run, "frag.csv has no samples: the fragmentation-over-time "
                         "plots are not drawn.");
    int *present = calloc(run->nstrats + 1, sizeof *present);
    int *left = calloc(run->nstrats + 1, sizeof *left);
    int rc = present == NULL || left == NULL ? -1 : 0;
    for (size_t i = 0; i < ng && rc == 0; i++) {
        const fgroup *g = &gs[i];
        double seed, mem = fgroup_ref_mem(run, g, 1, &seed);
        char memtxt[32], filltxt[48] = "", fillstem[32] = "", name[240], missing[600];
        ab_mem_label(mem, memtxt, sizeof memtxt);
        if (pf_fill_known(g->fill)) {
            ab_fmt(filltxt, sizeof filltxt, " at %.0f %% fill", g->fill * 100);
            ab_fmt(fillstem, sizeof fillstem, "-f%.0f", g->fill * 1000);
        }
        static const char *const kinds[] = {"frag_ext", "frag_2m"};
        for (size_t kind = 0; kind < COUNT_OF(kinds) && rc == 0; kind++) {
            ab_fmt(name, sizeof name, "%s-%s%s-%s%s", kind == 0 ? "fragext" : "free2m",
                     g->env, ab_frag_role_stem(g->role), g->workload, fillstem);
            ab_figure *f = pf_fig_begin(run, present, kinds[kind], name,
                                        "%s over time: %s%s%s, %s, %s",
                                        kind == 0 ? "External fragmentation" : "Free 2 MiB blocks",
                                        *ab_frag_role_stem(g->role) ? "VMM " : "", g->workload,
                                        filltxt, memtxt, g->env);
            double steps = 0, ymax = 0;
            fgroup_other_work(run, g, 1, mem, seed, left);
            for (size_t k = 0; k < run->nstrats && rc == 0; k++) {
                if (left[k])
                    continue;
                int got = ft_strategy(run, f, g, kind, mem, seed, k, &steps, &ymax);
                if (got < 0)
                    rc = -1;
                else if (got > 0)
                    present[k] = 1;
            }
            if (rc != 0)
                break;
            fgroup_missing(run, g->env, present, left, missing, sizeof missing);
            ab_fmt(f->caption, sizeof f->caption,
                     kind == 0 ? "External fragmentation, 1 - largest free run / free pages "
                                 "(0 = all free memory in one run; lower is better), sampled "
                                 "during the run; seed %.0f.%s%s"
                               : "Free naturally aligned 2 MiB blocks (512 pages) lying wholly "
                                 "in free memory, sampled during the run; higher means more "
                                 "huge pages are still available; seed %.0f.%s%s",
                     seed, missing,
                     run->multi_role ? " frag.csv has no role column: roles are mixed." : "");
            sbuf v = {0};
            pf_axes ax = {.xlab = "step (operations so far)",
                          .ylab = kind == 0 ? "external fragmentation (fraction, 0..1)"
                                            : "free aligned 2 MiB blocks (count)",
                          .xcol = "step", .ycol = "value",
                          .xmin = 0, .xmax = steps > 0 ? steps : 1,
                          .ymin = 0, .ymax = kind == 0 ? 1 : (ymax > 0 ? ymax * 1.1 : 1)};
            pf_axes_vars(&v, run, present, &ax);
            pf_job_add(js, run, f, "lines.gp", &v);
        }
    }
    free(present);
    free(left);
    free(gs);
    return rc;
}

/* Final sample of one (strategy, fill) series: the row with the highest
   step, the last in the file on a tie. NULL if none. */
static const ab_frow *frag_final(const ab_run *run, size_t k, const fgroup *g, double mem,
                                 double seed, double fill)
{
    const ab_frow *best = NULL;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat == (int)k && fgroup_has(g, f, 0) && f->mem_bytes == mem &&
            f->seed == seed && pf_same_fill(f->fill, fill) && (best == NULL || f->step >= best->step))
            best = f;
    }
    return best;
}

/* The fills g's rows at mem ran at, ascending; how many (at most max). */
static size_t ff_fills(const ab_run *run, const fgroup *g, double mem, double *fills,
                       size_t max)
{
    size_t nfl = 0;
    for (size_t q = 0; q < run->nf; q++) {
        const ab_frow *f = &run->f[q];
        if (!fgroup_has(g, f, 0) || f->mem_bytes != mem || isnan(f->fill))
            continue;
        size_t k = 0;
        while (k < nfl && !pf_same_fill(fills[k], f->fill))
            k++;
        if (k == nfl && nfl < max)
            fills[nfl++] = f->fill;
    }
    for (size_t a = 1; a < nfl; a++)
        for (size_t b = a; b > 0 && fills[b - 1] > fills[b]; b--) {
            double t = fills[b];
            fills[b] = fills[b - 1];
            fills[b - 1] = t;
        }
    return nfl;
}

/* Writes strategy k's final ext_frag at each of the nfl fills for figure f.
   1 when it has a point, 0 when not, -1 after printing why. */
static int ff_strategy(const ab_run *run, const ab_figure *f, const fgroup *g, double mem,
                       double seed, const double *fills, size_t nfl, size_t k)
{
    FILE *d = NULL;
    int any = 0;
    for (size_t i = 0; i < nfl; i++) {
        const ab_frow *fin = frag_final(run, k, g, mem, seed, fills[i]);
        if (fin == NULL)
            continue;
        if (pf_data_lazy(&d, run, f->name, run->strats[k].ident, "fill_pct,ext_frag") == NULL)
            return -1;
        fprintf(d, "%.17g,%.17g\n", fills[i] * 100, fin->ext_frag);
        any = 1;
    }
    if (d != NULL)
        fclose(d);
    return any;
}

int pf_frag_fill_figures(ab_run *run, jobs *js)
{
    if (ab_table_col(&run->frag, "fill") < 0)
        return 0;
    int *present = calloc(run->nstrats + 1, sizeof *present);
    int *left = calloc(run->nstrats + 1, sizeof *left);
    if (present == NULL || left == NULL) {
        free(present);
        free(left);
        return -1;
    }
    int drawn = 0;
    /* Distinct (env, workload) pairs, in file order. */
    fgroup pairs[64];
    size_t npairs = 0;
    for (size_t r = 0; r < run->nf; r++) {
        fgroup g = {run->f[r].env, run->f[r].workload, run->f[r].role, NAN};
        size_t k = 0;
        while (k < npairs && !fgroup_has(&pairs[k], &run->f[r], 0))
            k++;
        if (k == npairs && npairs < COUNT_OF(pairs))
            pairs[npairs++] = g;
    }
    for (size_t pi = 0; pi < npairs; pi++) {
        fgroup g = pairs[pi];
        double seed, mem = fgroup_ref_mem(run, &g, 0, &seed);
        double fills[32];
        size_t nfl = ff_fills(run, &g, mem, fills, COUNT_OF(fills));
        if (nfl < 2)
            continue;
        char name[240], memtxt[32], missing[600];
        ab_mem_label(mem, memtxt, sizeof memtxt);
        ab_fmt(name, sizeof name, "fragfill-%s%s-%s", g.env, ab_frag_role_stem(g.role),
               g.workload);
        ab_figure *f = pf_fig_begin(run, present, "frag_fill", name,
                                    "External fragmentation against fill: %s%s, %s, %s",
                                    *ab_frag_role_stem(g.role) ? "VMM " : "", g.workload, memtxt,
                                    g.env);
        fgroup_other_work(run, &g, 0, mem, seed, left);
        for (size_t k = 0; k < run->nstrats; k++) {
            int got = left[k] ? 0 : ff_strategy(run, f, &g, mem, seed, fills, nfl, k);
            if (got < 0) {
                free(present);
                free(left);
                return -1;
            }
            if (got > 0)
                present[k] = 1;
        }
        fgroup_missing(run, g.env, present, left, missing, sizeof missing);
        ab_fmt(f->caption, sizeof f->caption,
                 "External fragmentation at the end of %s (the last sample of each run) "
                 "against the fill level it was held at; lower is better; seed %.0f.%s",
                 g.workload, seed, missing);
        sbuf v = {0};
        pf_axes ax = {.xlab = "fill level (% of pages allocated)",
                      .ylab = "external fragmentation at the end (fraction, 0..1)",
                      .xcol = "fill_pct", .ycol = "ext_frag",
                      .xmin = fills[0] * 100 - 5, .xmax = fills[nfl - 1] * 100 + 5,
                      .ymin = 0, .ymax = 1};
        pf_axes_vars(&v, run, present, &ax);
        pf_job_add(js, run, f, "lines.gp", &v);
        drawn++;
    }
    if (drawn == 0)
        ab_run_note(run, "No workload in frag.csv ran at two or more fill levels: the "
                         "ext-frag-against-fill plot is not drawn.");
    free(present);
    free(left);
    return 0;
}
