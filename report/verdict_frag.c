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

static int same_fgroup(const ab_frow *a, const ab_frow *b)
{
    return strcmp(a->env, b->env) == 0 && strcmp(a->workload, b->workload) == 0 &&
           strcmp(a->role, b->role) == 0 && a->mem_bytes == b->mem_bytes &&
           a->threads == b->threads &&
           ((isnan(a->fill) && isnan(b->fill)) || a->fill == b->fill);
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

/* 1 when a sample of strategy k in proto's group says it was asked for a
   run of pages (contig_tried > 0). */
static int tried_runs(const ab_run *run, const ab_frow *proto, int k)
{
    for (size_t q = 0; q < run->nf; q++)
        if (run->f[q].strat == k && run->f[q].contig_tried > 0 && same_fgroup(&run->f[q], proto))
            return 1;
    return 0;
}

static int has_step(const ab_run *run, const ab_frow *proto, int k, double step)
{
    for (size_t r = 0; r < run->nf; r++)
        if (run->f[r].strat == k && run->f[r].step == step && same_fgroup(&run->f[r], proto))
            return 1;
    return 0;
}

/* Steps sampled by every strategy in in[] (sorted ascending). */
static size_t common_steps(const ab_run *run, const ab_frow *proto, const int *in, size_t nin,
                           double *steps)
{
    size_t n = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat != in[0] || !same_fgroup(f, proto))
            continue;
        int all = 1, dup = 0;
        for (size_t i = 1; i < nin && all; i++)
            all = has_step(run, proto, in[i], f->step);
        for (size_t i = 0; i < n && !dup; i++)
            dup = steps[i] == f->step;
        if (all && !dup)
            steps[n++] = f->step;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && steps[j - 1] > steps[j]; j--) {
            double t = steps[j];
            steps[j] = steps[j - 1];
            steps[j - 1] = t;
        }
    return n;
}

/* Per-rep values of strategy k at step (field: 0 ext_frag, 1 free 2 MiB
   blocks, 2 free pages) into v; returns the count. */
static size_t values_at(const ab_run *run, const ab_frow *proto, int k, double step, int field,
                        double *v)
{
    size_t n = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat == k && f->step == step && same_fgroup(f, proto))
            v[n++] = field == 0 ? f->ext_frag : field == 1 ? f->free_2m : f->free_pages;
    }
    return n;
}

/* Has strategy k's ext_frag flattened over the last quarter up to end?
   Least-squares slope times the quarter's length, below FLAT_EXT_FRAG. */
static int flattened(const ab_run *run, const ab_frow *proto, int k, double end)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat != k || !same_fgroup(f, proto) || f->step < 0.75 * end || f->step > end)
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
static void judge_point(vctx *v, const vsection *s, const ab_frow *proto, const int *in,
                        size_t nin, fpoint pt, int steady, int two_mib, int write)
{
    const ab_run *run = v->run;
    ab_cand c[AB_VERDICT_MAXC];
    double *vals = calloc(run->nf + 1, sizeof *vals);
    char pages[600] = "";
    size_t used = 0;
    for (size_t i = 0; vals != NULL && i < nin; i++) {
        size_t n = values_at(run, proto, in[i], pt.step, two_mib ? 1 : 0, vals);
        c[i] = (ab_cand){st_median_ci(vals, n, 0, 91 + i), in[i], 0};
        n = values_at(run, proto, in[i], pt.step, 2, vals);
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

/* Judges every frag group; the tally goes into v->t. */
static void judge_all(vctx *v, const vsection *s, int two_mib, int write)
{
    const ab_run *run = v->run;
    double *steps = calloc(run->nf + 1, sizeof *steps);
    vtally_reset(v);
    for (size_t r = 0; steps != NULL && r < run->nf; r++) {
        const ab_frow *proto = &run->f[r];
        /* a section judges its role's samples (all, without a role column) */
        if (s->role != NULL && proto->role[0] != '\0' && strcmp(proto->role, s->role) != 0)
            continue;
        int first = 1, in[AB_VERDICT_MAXC];
        for (size_t q = 0; q < r && first; q++)
            first = !same_fgroup(&run->f[q], proto);
        size_t nin = 0, ntried = 0;
        int tried[AB_VERDICT_MAXC];
        for (size_t k = 0; first && k < run->nstrats && nin < AB_VERDICT_MAXC; k++) {
            int present = 0;
            for (size_t q = 0; q < run->nf && !present; q++)
                present = run->f[q].strat == (int)k && same_fgroup(&run->f[q], proto);
            if (present && can_serve(run, (int)k, proto)) {
                tried[nin] = tried_runs(run, proto, (int)k);
                ntried += (size_t)tried[nin];
                in[nin++] = (int)k;
            }
        }
        /* Some were asked for runs of pages: one that was not (stack's
           churn is single frames) ends in another state; leave it out. */
        size_t kept = 0;
        for (size_t i = 0; i < nin; i++)
            if (ntried == 0 || tried[i])
                in[kept++] = in[i];
        nin = kept;
        if (nin < 2)
            continue;
        fpoint pt[3];
        size_t np = points_pick(steps, common_steps(run, proto, in, nin, steps), pt);
        int steady = 1;
        for (size_t i = 0; np > 0 && i < nin; i++)
            steady &= flattened(run, proto, in[i], pt[np - 1].step);
        for (size_t i = 0; i < np; i++)
            judge_point(v, s, proto, in, nin, pt[i], steady, two_mib, write);
    }
    free(steps);
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
                       "step for every strategy."
                     : "Every cell: external fragmentation (lower is better), at the same "
                       "step for every strategy; strategies that cannot serve the workload "
                       "are left out.");
    doc_table_begin(v->d, COUNT_OF(dhead), dhead);
    judge_all(v, s, mode, 1);
    doc_table_end(v->d);
}
