/*
 * allocbench report: throughput against threads (threads.csv), one figure
 * per (env, workload, order, op, size) that ran with more than one thread:
 * per strategy the total ops/s median over reps with its 95 % interval at
 * each thread count (plots/threads.gp). Cells whose threads did not run
 * together in some rep are named in the caption.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_figs.h"
#include "tcells.h"

static int same_fig(const ab_trow *a, const ab_trow *b)
{
    return strcmp(a->env, b->env) == 0 && strcmp(a->workload, b->workload) == 0 &&
           strcmp(a->op, b->op) == 0 && a->mem_bytes == b->mem_bytes && a->order == b->order;
}

void pf_threads_fig_name(const ab_trow *p, char *out, size_t len)
{
    char mem[32];
    ab_mem_label(p->mem_bytes, mem, sizeof mem);
    for (char *m = mem; *m != '\0'; m++)
        if (*m == ' ')
            *m = '\0';
    ab_fmt(out, len, "threads-%s-%s-o%.0f-%.0f%c-%s", p->env, p->workload, p->order,
           p->mem_bytes >= 1073741824.0 ? p->mem_bytes / 1073741824.0 : p->mem_bytes / 1048576.0,
           p->mem_bytes >= 1073741824.0 ? 'G' : 'M', p->op);
}

/* The thread counts of key's figure, ascending; how many (at most max). */
static size_t fig_counts(const ab_tcells *tc, const ab_trow *key, double *counts, size_t max)
{
    size_t nc = 0;
    for (size_t i = 0; i < tc->n; i++) {
        double t = tc->c[i].proto->threads;
        size_t at = 0;
        if (!same_fig(tc->c[i].proto, key))
            continue;
        while (at < nc && counts[at] < t)
            at++;
        if ((at < nc && counts[at] == t) || nc == max)
            continue;
        memmove(&counts[at + 1], &counts[at], (nc - at) * sizeof counts[0]);
        counts[at] = t;
        nc++;
    }
    return nc;
}

static int one_figure(ab_run *run, jobs *js, const ab_tcells *tc, const ab_trow *key)
{
    char name[160], mem[32];
    pf_threads_fig_name(key, name, sizeof name);
    ab_mem_label(key->mem_bytes, mem, sizeof mem);
    ab_figure *f = pf_fig_new(run, "threads", name);
    if (f == NULL)
        return -1;
    ab_fmt(f->title, sizeof f->title, "Throughput against threads: %s %s, order %.0f, %s (%s)",
           key->workload, key->op, key->order, mem, key->env);
    int *present = calloc(run->nstrats, sizeof *present);
    if (present == NULL)
        return -1;
    double tmax = 1, hi = 0, counts[64];
    size_t apart = 0, seen = 0, nc = 0;
    nc = fig_counts(tc, key, counts, sizeof counts / sizeof counts[0]);
    for (size_t k = 0; k < run->nstrats; k++) {
        FILE *d = NULL;
        for (size_t ci = 0; ci < nc; ci++) {
            double t = counts[ci];
            const ab_tcell *c = NULL;
            for (size_t i = 0; i < tc->n && c == NULL; i++)
                if (tc->c[i].strat == (int)k && tc->c[i].proto->threads == t &&
                    same_fig(tc->c[i].proto, key) && tc->c[i].nreps > 0)
                    c = &tc->c[i];
            if (c == NULL)
                continue;
            if (d == NULL && (d = pf_data_open(run, f->name, run->strats[k].ident)) == NULL) {
                free(present);
                return -1;
            }
            if (!present[k])
                fprintf(d, "threads,label,ops_s,lo,hi\n");
            present[k] = 1;
            fprintf(d, "%.0f,%.0f,%.17g,%.17g,%.17g\n", t, t, c->e.median, c->e.lo, c->e.hi);
            tmax = fmax(tmax, t);
            hi = fmax(hi, c->e.hi);
            if (t > 1) {
                apart += c->apart;
                seen += c->reps_seen;
            }
        }
        if (d != NULL)
            fclose(d);
    }
    char note[200] = "";
    if (apart > 0)
        ab_fmt(note, sizeof note, " Threads did not run together in %zu of %zu reps with more "
                                  "than one thread: those points are not scaling figures.",
               apart, seen);
    ab_fmt(f->caption, sizeof f->caption,
           "Total operations per second of all threads on one shared instance against the "
           "thread count (threads.csv), median over reps with its 95 %% bootstrap interval; "
           "a line that rises in proportion to the threads scales.%s", note);
    sbuf v = {0};
    pf_axes ax = {.xlab = "threads", .ylab = "total operations per second",
                  .xmin = 0.5, .xmax = tmax + 0.5, .ymin = 0, .ymax = hi > 0 ? hi * 1.15 : 1};
    pf_axes_vars(&v, run, present, &ax);
    pf_job_add(js, run, f, "threads.gp", &v);
    free(present);
    return 0;
}

int pf_threads_figures(ab_run *run, jobs *js)
{
    if (!run->have_threads)
        return 0;
    ab_tcells tc;
    if (ab_tcells_build(run, &tc) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < tc.n && rc == 0; i++) {
        const ab_trow *p = tc.c[i].proto;
        int first = 1, multi = 0;
        for (size_t j = 0; j < tc.n; j++) {
            if (!same_fig(tc.c[j].proto, p))
                continue;
            if (j < i)
                first = 0;
            multi |= tc.c[j].proto->threads > 1;
        }
        if (first && multi)
            rc = one_figure(run, js, &tc, p);
    }
    ab_tcells_free(&tc);
    return rc;
}
