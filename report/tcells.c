/*
 * report/tcells: threads.csv rows gathered over reps (tcells.h). A rep's
 * cell-level values (total ops/s, fairness, together) are taken from its
 * first row; a rep counts when every row of it has status ok and its total
 * ops/s is a positive number. Cost: O(cells * rows), the run is small.
 */
#define _POSIX_C_SOURCE 200809L
#include "tcells.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same_key(const ab_trow *a, const ab_trow *b)
{
    return a->strat == b->strat && strcmp(a->env, b->env) == 0 &&
           strcmp(a->workload, b->workload) == 0 && strcmp(a->op, b->op) == 0 &&
           a->mem_bytes == b->mem_bytes && a->order == b->order && a->threads == b->threads;
}

/* Adds the rep of row r (all rows of that rep) to cell c, once. */
static void rep_add(const ab_run *run, ab_tcell *c, const ab_trow *w)
{
    for (size_t i = 0; i < c->reps_seen; i++)
        if (c->rep_ids[i] == w->rep)
            return;
    c->rep_ids[c->reps_seen++] = w->rep;
    int ok = 1;
    double tog = 1;
    for (size_t k = 0; k < run->nt; k++) {
        const ab_trow *x = &run->t[k];
        if (!same_key(x, w) || x->rep != w->rep)
            continue;
        ok &= strcmp(x->status, "ok") == 0;
        if (!isnan(x->failures))
            c->failures += x->failures;
        if (!isnan(x->together))
            tog = fmin(tog, x->together);
    }
    c->apart += tog < 1; /* with one thread: it did not run undisturbed */
    if (!ok || !(w->total_ops_per_s > 0))
        return;
    c->total[c->nreps] = w->total_ops_per_s;
    c->fair[c->nreps] = w->fairness;
    c->nreps++;
    for (size_t k = 0; k < run->nt; k++) {
        const ab_trow *x = &run->t[k];
        if (same_key(x, w) && x->rep == w->rep && !isnan(x->ns_per_op))
            c->nsop[c->nnsop++] = x->ns_per_op;
    }
}

int ab_tcells_build(const ab_run *run, ab_tcells *tc)
{
    memset(tc, 0, sizeof *tc);
    if (run->nt == 0)
        return 0;
    tc->c = calloc(run->nt, sizeof *tc->c);
    if (tc->c == NULL)
        return -1;
    for (size_t r = 0; r < run->nt; r++) {
        const ab_trow *w = &run->t[r];
        size_t i = 0;
        while (i < tc->n && !same_key(tc->c[i].proto, w))
            i++;
        ab_tcell *c = &tc->c[i];
        if (i == tc->n) {
            tc->n++;
            c->proto = w;
            c->strat = w->strat;
            c->total = calloc(run->nt, sizeof(double));
            c->rep_ids = calloc(run->nt, sizeof(double));
            c->fair = calloc(run->nt, sizeof(double));
            c->nsop = calloc(run->nt, sizeof(double));
            if (c->total == NULL || c->rep_ids == NULL || c->fair == NULL || c->nsop == NULL) {
                ab_tcells_free(tc);
                return -1;
            }
        }
        rep_add(run, c, w);
    }
    for (size_t i = 0; i < tc->n; i++) {
        ab_tcell *c = &tc->c[i];
        c->e = st_median_ci(c->total, c->nreps, 0, 9100 + i);
        c->fairness = st_median(c->fair, c->nreps);
        c->ns_per_op = st_median(c->nsop, c->nnsop);
    }
    return 0;
}

void ab_tcells_free(ab_tcells *tc)
{
    for (size_t i = 0; i < tc->n; i++) {
        free(tc->c[i].total);
        free(tc->c[i].rep_ids);
        free(tc->c[i].fair);
        free(tc->c[i].nsop);
    }
    free(tc->c);
    memset(tc, 0, sizeof *tc);
}

const ab_tcell *ab_tcell_find(const ab_run *run, const ab_tcells *tc, const char *strat,
                              const char *env, const char *workload, const char *op,
                              double mem, double order, double threads)
{
    for (size_t i = 0; i < tc->n; i++) {
        const ab_trow *p = tc->c[i].proto;
        if (p->strat >= 0 && strcmp(run->strats[p->strat].name, strat) == 0 &&
            (env == NULL || strcmp(p->env, env) == 0) && strcmp(p->workload, workload) == 0 &&
            strcmp(p->op, op) == 0 && p->mem_bytes == mem && p->order == order &&
            p->threads == threads && tc->c[i].nreps > 0)
            return &tc->c[i];
    }
    return NULL;
}

const ab_tcell *ab_tcell_one(const ab_tcells *tc, const ab_tcell *x)
{
    for (size_t i = 0; i < tc->n; i++) {
        const ab_trow *a = tc->c[i].proto, *b = x->proto;
        if (a->strat == b->strat && a->threads == 1 && strcmp(a->env, b->env) == 0 &&
            strcmp(a->workload, b->workload) == 0 && strcmp(a->op, b->op) == 0 &&
            a->mem_bytes == b->mem_bytes && a->order == b->order && tc->c[i].nreps > 0)
            return &tc->c[i];
    }
    return NULL;
}

st_est ab_tcell_speedup(const ab_tcell *x, const ab_tcell *one, uint64_t seed)
{
    /* st_ratio_ci(a, b) is b / a: T-thread over 1-thread. */
    return st_ratio_ci(one->total, one->nreps, x->total, x->nreps, 0, seed);
}

void ab_tcell_label(const ab_tcell *c, char *out, size_t len)
{
    char mem[32];
    ab_mem_label(c->proto->mem_bytes, mem, sizeof mem);
    ab_fmt(out, len, "%s %s, order %.0f (%s frames), %s, %.0f thread%s", c->proto->workload,
           c->proto->op, c->proto->order, c->proto->order >= 9 ? "2 MiB" : "4 KiB", mem,
           c->proto->threads, c->proto->threads == 1 ? "" : "s");
}
