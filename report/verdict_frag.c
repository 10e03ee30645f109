/*
 * report/verdict: fragmentation and 2 MiB availability compared at equal
 * state. Strategies are compared only at named points (after warm-up, at
 * steady state, at the end), each at the SAME step index for all of them,
 * chosen from the steps every strategy sampled. "Steady state" is claimed
 * only when every series has flattened over its last quarter. Strategies
 * that cannot serve the workload (every summary row of theirs for it is
 * not ok), the null floor, and, where others were asked for runs of pages,
 * one that was not (stack does churn with single frames) are left out.
 */
#define _POSIX_C_SOURCE 200809L
#include "verdict_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
/* Last-quarter change in ext_frag below which a series has flattened. */
#define FLAT_EXT_FRAG 0.02

typedef struct fpoint {
    const char *name;
    double step;
} fpoint;

/* One frag group (env, workload, role, size, threads, fill): its rows, in
   file order, and the first of them. Built once per pass (fgroups_build),
   so no helper scans the whole file. */
typedef struct fgv {
    const ab_run *run;
    const ab_frow *proto;
    const size_t *row;
    size_t n;
} fgv;

#define FG_ROW(g, i) (&(g)->run->f[(g)->row[i]])

static int dbl_order(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

typedef struct fref {
    const ab_frow *f;
    size_t r;
} fref;

/* Orders rows by group, then by position in the file. */
static int fref_cmp(const void *pa, const void *pb)
{
    const fref *x = pa, *y = pb;
    const ab_frow *a = x->f, *b = y->f;
    int c = strcmp(a->env, b->env);
    if (c == 0)
        c = strcmp(a->workload, b->workload);
    if (c == 0)
        c = strcmp(a->role, b->role);
    if (c == 0)
        c = dbl_order(a->mem_bytes, b->mem_bytes);
    if (c == 0)
        c = dbl_order(a->threads, b->threads);
    if (c == 0)
        c = dbl_order(a->fill, b->fill);
    return c != 0 ? c : (x->r > y->r) - (x->r < y->r);
}

typedef struct fgroups {
    size_t *row;   /* every row index, grouped, each group in file order */
    size_t *bound; /* group i is row[bound[i] .. bound[i + 1]) */
    size_t *order; /* the groups in the order of their first row in the file */
    size_t n;
} fgroups;

static int size_cmp(const void *pa, const void *pb)
{
    const size_t *a = pa, *b = pb;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static void fgroups_free(fgroups *g)
{
    free(g->row), free(g->bound), free(g->order);
    memset(g, 0, sizeof *g);
}

/* Groups the rows of frag.csv, O(n log n). 0, or -1 out of memory. */
static int fgroups_build(const ab_run *run, fgroups *g)
{
    memset(g, 0, sizeof *g);
    fref *ref = calloc(run->nf + 1, sizeof *ref);
    g->row = calloc(run->nf + 1, sizeof *g->row);
    g->bound = calloc(run->nf + 2, sizeof *g->bound);
    g->order = calloc(run->nf + 1, sizeof *g->order);
    if (ref == NULL || g->row == NULL || g->bound == NULL || g->order == NULL) {
        free(ref);
        fgroups_free(g);
        return -1;
    }
    for (size_t r = 0; r < run->nf; r++)
        ref[r] = (fref){&run->f[r], r};
    qsort(ref, run->nf, sizeof *ref, fref_cmp);
    for (size_t r = 0; r < run->nf; r++) {
        g->row[r] = ref[r].r;
        /* a new group where the key (not the position) changes */
        if (r == 0 || fref_cmp(&(fref){ref[r - 1].f, 0}, &(fref){ref[r].f, 0}) != 0)
            g->bound[g->n++] = r;
    }
    g->bound[g->n] = run->nf;
    free(ref);
    /* (first row, group) pairs sorted by first row give the file order. */
    size_t(*pair)[2] = calloc(g->n + 1, sizeof *pair);
    if (pair == NULL) {
        fgroups_free(g);
        return -1;
    }
    for (size_t i = 0; i < g->n; i++) {
        pair[i][0] = g->row[g->bound[i]];
        pair[i][1] = i;
    }
    qsort(pair, g->n, sizeof *pair, size_cmp);
    for (size_t i = 0; i < g->n; i++)
        g->order[i] = pair[i][1];
    free(pair);
    return 0;
}

/* Can strategy k serve workload wl in env? No when strategies.csv gives its
   caps without "contig" and the workload asks for runs (an op of it names
   2m or run), or when summary.csv has rows of it there and none is ok. */
static int can_serve(const ab_run *run, int k, const ab_frow *f)
{
    if (strcmp(run->strats[k].name, "null") == 0)
        return 0;
    size_t rows = 0, ok = 0;
    int runs = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (strcmp(s->env, f->env) != 0 || strcmp(s->workload, f->workload) != 0 ||
            (f->role[0] != '\0' && strcmp(s->role, f->role) != 0))
            continue;
        runs |= strstr(s->op, "2m") != NULL || strstr(s->op, "run") != NULL;
        if (s->strat != k)
            continue;
        rows++;
        ok += strcmp(s->status, "ok") == 0;
    }
    const char *caps = run->strats[k].caps;
    if (runs && caps != NULL && strstr(caps, "contig") == NULL)
        return 0;
    return rows == 0 || ok > 0;
}

/* 1 when a sample of strategy k in group g says it was asked for a run of
   pages (contig_tried > 0). */
static int tried_runs(const fgv *g, int k)
{
    for (size_t i = 0; i < g->n; i++)
        if (FG_ROW(g, i)->strat == k && FG_ROW(g, i)->contig_tried > 0)
            return 1;
    return 0;
}

static int step_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The distinct steps strategy k sampled in g, ascending, into out; how many. */
static size_t strat_steps(const fgv *g, int k, double *out)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        if (FG_ROW(g, i)->strat == k)
            out[n++] = FG_ROW(g, i)->step;
    qsort(out, n, sizeof *out, step_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || out[u - 1] != out[i])
            out[u++] = out[i];
    return u;
}

/* Steps sampled by every strategy in in[] (ascending) into steps; how many.
   tmp has room for the group's rows. */
static size_t common_steps(const fgv *g, const int *in, size_t nin, double *steps, double *tmp)
{
    size_t n = strat_steps(g, in[0], steps);
    for (size_t i = 1; i < nin && n > 0; i++) {
        size_t m = strat_steps(g, in[i], tmp), a = 0, b = 0, kept = 0;
        while (a < n && b < m) {
            if (steps[a] == tmp[b])
                steps[kept++] = steps[a], a++, b++;
            else if (steps[a] < tmp[b])
                a++;
            else
                b++;
        }
        n = kept;
    }
    return n;
}

/* Per-rep values of strategy k at step (field: 0 ext_frag, 1 free 2 MiB
   blocks, 2 free pages) into v; returns the count. */
static size_t values_at(const fgv *g, int k, double step, int field, double *v)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        const ab_frow *f = FG_ROW(g, i);
        if (f->strat == k && f->step == step)
            v[n++] = field == 0 ? f->ext_frag : field == 1 ? f->free_2m : f->free_pages;
    }
    return n;
}

/* Has strategy k's ext_frag flattened over the last quarter up to end?
   Least-squares slope times the quarter's length, below FLAT_EXT_FRAG. */
static int flattened(const fgv *g, int k, double end)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
    for (size_t i = 0; i < g->n; i++) {
        const ab_frow *f = FG_ROW(g, i);
        if (f->strat != k || f->step < 0.75 * end || f->step > end)
            continue;
        sx += f->step, sy += f->ext_frag, sxx += f->step * f->step, sxy += f->step * f->ext_frag;
        n++;
    }
    if (n < 2)
        return 0;
    double den = n * sxx - sx * sx;
    double slope = den > 0 ? (n * sxy - sx * sy) / den : 0;
    return fabs(slope * 0.25 * end) < FLAT_EXT_FRAG;
}

static size_t points_pick(const double *steps, size_t n, fpoint *pt)
{
    if (n == 0)
        return 0;
    double end = steps[n - 1], want[] = {0.25 * end, 0.75 * end};
    const char *names[] = {"after warm-up", "steady state"};
    size_t np = 0;
    for (size_t w = 0; w < 2; w++)
        for (size_t i = 0; i < n; i++)
            if (steps[i] >= want[w] && steps[i] > 0 && steps[i] < end &&
                (np == 0 || pt[np - 1].step != steps[i])) {
                pt[np++] = (fpoint){names[w], steps[i]};
                break;
            }
    pt[np++] = (fpoint){"end", end};
    return np;
}

/* Judges one group at one point; writes the detail row when write. */
static void judge_point(vctx *v, const vsection *s, const fgv *g, const int *in, size_t nin,
                        fpoint pt, int steady, int two_mib, int write)
{
    const ab_run *run = v->run;
    const ab_frow *proto = g->proto;
    ab_cand c[AB_VERDICT_MAXC];
    double *vals = calloc(g->n + 1, sizeof *vals);
    char pages[600] = "";
    size_t used = 0;
    for (size_t i = 0; vals != NULL && i < nin; i++) {
        size_t n = values_at(g, in[i], pt.step, two_mib ? 1 : 0, vals);
        c[i] = (ab_cand){st_median_ci(vals, n, 0, 91 + i), in[i], 0};
        n = values_at(g, in[i], pt.step, 2, vals);
        used += (size_t)ab_fmt(pages + used, sizeof pages - used, "%s%s %.0f", used ? ", " : "",
                               run->strats[in[i]].name, st_median(vals, n));
    }
    free(vals);
    ab_pick p = ab_verdict_pick(c, nin, !two_mib, 0, 1);
    char mem[32], label[300], pick[600], ev[1400], fig[200], tied[512];
    ab_mem_label(proto->mem_bytes, mem, sizeof mem);
    ab_fmt(label, sizeof label, "%s %s%s, %s, step %.0f (%s%s)", proto->env, proto->workload,
           isnan(proto->fill) ? "" : " fill", mem, pt.step, pt.name,
           strcmp(pt.name, "steady state") == 0 && !steady ? ": not at steady state" : "");
    if (!isnan(proto->fill))
        ab_fmt(label, sizeof label, "%s %s fill %.0f %%, %s, step %.0f (%s%s)", proto->env,
               proto->workload, proto->fill * 100, mem, pt.step, pt.name,
               strcmp(pt.name, "steady state") == 0 && !steady ? ": not at steady state" : "");
    ab_pick_text(run, c, nin, p, two_mib ? " blocks" : "", pick, sizeof pick, ev, sizeof ev);
    ab_fmt(ev + strlen(ev), sizeof ev - strlen(ev), "; free pages there: %s", pages);
    char fill[32] = "";
    if (!isnan(proto->fill))
        ab_fmt(fill, sizeof fill, "-f%.0f", proto->fill * 1000);
    ab_fmt(fig, sizeof fig, "%s-%s%s-%s%s", two_mib ? "free2m" : "fragext", proto->env,
           ab_frag_role_stem(proto->role), proto->workload, fill);
    /* How clear the win is, for the section's "clearest" evidence: the
       runner-up over the winner (fragmentation, lower is better) or the
       winner over the runner-up (free 2 MiB blocks). */
    double margin = 0;
    if (p.winner >= 0 && p.runner >= 0) {
        double w = c[p.winner].e.median, r = c[p.runner].e.median;
        margin = two_mib ? w / fmax(r, 1e-9) : r / fmax(w, 1e-9);
    }
    vtally_add(v, c, p, margin, ev, fig);
    if (!write)
        return;
    ab_cand_names(run, c, nin, p.tied, tied, sizeof tied);
    char figl[220];
    ab_fmt(figl, sizeof figl, FIG_LINK "%s", fig);
    const char *row[] = {label, pick, ev, "-", figl};
    doc_row(v->d, 0, COUNT_OF(row), row);
    vcsv_line(v, s, two_mib ? "free_2m" : "fragmentation", label,
              p.winner >= 0 ? run->strats[c[p.winner].strat].name : "", tied, ev, fig);
}

/* The strategies group g compares into in[] (how many): those with samples
   that can serve the workload; where some were asked for runs of pages,
   only those (stack's churn is single frames: it ends in another state). */
static size_t group_in(const ab_run *run, const fgv *g, int *in)
{
    size_t nin = 0, ntried = 0;
    int tried[AB_VERDICT_MAXC];
    for (size_t k = 0; k < run->nstrats && nin < AB_VERDICT_MAXC; k++) {
        int present = 0;
        for (size_t i = 0; i < g->n && !present; i++)
            present = FG_ROW(g, i)->strat == (int)k;
        if (present && can_serve(run, (int)k, g->proto)) {
            tried[nin] = tried_runs(g, (int)k);
            ntried += (size_t)tried[nin];
            in[nin++] = (int)k;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < nin; i++)
        if (ntried == 0 || tried[i])
            in[kept++] = in[i];
    return kept;
}

/* Judges every frag group; the tally goes into v->t. */
static void judge_all(vctx *v, const vsection *s, int two_mib, int write)
{
    const ab_run *run = v->run;
    fgroups gs;
    double *steps = calloc(run->nf + 1, sizeof *steps), *tmp = calloc(run->nf + 1, sizeof *tmp);
    vtally_reset(v);
    if (steps == NULL || tmp == NULL || fgroups_build(run, &gs) != 0) {
        free(steps), free(tmp);
        return;
    }
    for (size_t o = 0; o < gs.n; o++) {
        size_t gi = gs.order[o];
        fgv g = {run, &run->f[gs.row[gs.bound[gi]]], gs.row + gs.bound[gi],
                 gs.bound[gi + 1] - gs.bound[gi]};
        /* a section judges its role's samples (all, without a role column) */
        if (s->role != NULL && g.proto->role[0] != '\0' && strcmp(g.proto->role, s->role) != 0)
            continue;
        int in[AB_VERDICT_MAXC];
        size_t nin = group_in(run, &g, in);
        if (nin < 2)
            continue;
        fpoint pt[3];
        size_t np = points_pick(steps, common_steps(&g, in, nin, steps, tmp), pt);
        int steady = 1;
        for (size_t i = 0; np > 0 && i < nin; i++)
            steady &= flattened(&g, in[i], pt[np - 1].step);
        for (size_t i = 0; i < np; i++)
            judge_point(v, s, &g, in, nin, pt[i], steady, two_mib, write);
    }
    fgroups_free(&gs);
    free(steps), free(tmp);
}

void verdict_frag(vctx *v, const vsection *s, int mode)
{
    const char *dhead[] = {"cell, point (same step for all)", "outcome", "evidence", "-",
                           "figure"};
    if (mode < 0) {
        judge_all(v, s, 0, 0);
        vtally_row(v, "the least external fragmentation at equal state",
                   "no frag.csv group with two or more strategies");
        judge_all(v, s, 1, 0);
        vtally_row(v, "the most free 2 MiB blocks at equal state",
                   "no frag.csv group with two or more strategies");
        return;
    }
    doc_p(v->d, mode ? "Every cell: free aligned 2 MiB blocks (higher is better), at the same "
                       "step for every strategy. Each row's figure draws its group over time "
                       "at one size, which its caption names."
                     : "Every cell: external fragmentation (lower is better), at the same "
                       "step for every strategy; strategies that cannot serve the workload "
                       "are left out. Each row's figure draws its group over time at one "
                       "size, which its caption names.");
    doc_table_begin(v->d, COUNT_OF(dhead), dhead);
    judge_all(v, s, mode, 1);
    doc_table_end(v->d);
}
