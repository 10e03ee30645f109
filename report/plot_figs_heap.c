/*
 * allocbench plot: the heap figures from programs.csv (footprint and live
 * bars per program) and heapscale.csv (malloc time against live chunks).
 * Same scheme as plot_figs.c. Split from plot_figs_more.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_figs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- heaps: programs.csv and heapscale.csv ------------------------------ */

/* Programs in order of first appearance; returns how many (at most max). */
static size_t program_names(const ab_run *run, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < run->np; r++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], run->p[r].program) != 0)
            k++;
        if (k == n && n < max)
            names[n++] = run->p[r].program;
    }
    return n;
}

/* Writes allocator k's bars (bar slot at, of slots per program group) for
   figure f, widening *hi. 1 when it has a bar, 0 when not, -1 after
   printing why. */
static int prog_strategy(const ab_run *run, const ab_figure *f, size_t k, const char **progs,
                         size_t nprog, size_t slots, size_t at, double *hi)
{
    FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
    if (d == NULL)
        return -1;
    int any = 0;
    fprintf(d, "x,value,program\n");
    for (size_t g = 0; g < nprog; g++)
        for (size_t r = 0; r < run->np; r++) {
            const ab_prow *p = &run->p[r];
            if (p->strat != (int)k || strcmp(p->program, progs[g]) != 0 || !p->ok ||
                !(p->ratio > 0))
                continue;
            fprintf(d, "%zu,%.17g,%s\n", g * (slots + 1) + at, p->ratio, p->program);
            *hi = fmax(*hi, p->ratio);
            any = 1;
        }
    fclose(d);
    return any;
}

/* gnuplot xtics: each program's name (quotes dropped) at its group's middle. */
static void prog_tics(const char **progs, size_t nprog, size_t slots, sbuf *tics)
{
    for (size_t g = 0; g < nprog; g++) {
        pf_sb_add(tics, "%s\"", g ? ", " : "");
        for (const char *c = progs[g]; *c; c++)
            if (*c != '"' && *c != '\'' && *c != '\\')
                pf_sb_add(tics, "%c", *c);
        pf_sb_add(tics, "\" %.17g", (double)g * (double)(slots + 1) + (double)(slots - 1) / 2);
    }
}

int pf_programs_figures(ab_run *run, jobs *js)
{
    if (run->np == 0)
        return 0;
    const char *progs[64];
    size_t nprog = program_names(run, progs, 64);
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    /* Allocators with a ratio anywhere: their bar slots, in strategy order. */
    size_t slots = 0;
    int *slot = calloc(run->nstrats + 1, sizeof *slot);
    for (size_t k = 0; slot != NULL && k < run->nstrats; k++) {
        slot[k] = -1;
        for (size_t r = 0; r < run->np; r++)
            if (run->p[r].strat == (int)k && run->p[r].ok && run->p[r].ratio > 0) {
                slot[k] = (int)slots++;
                break;
            }
    }
    if (slot == NULL || slots == 0) {
        if (slot != NULL)
            ab_run_note(run, "programs.csv has no ok row with a footprint/live ratio: the "
                             "footprint/live plot is not drawn.");
        free(present);
        free(slot);
        return slot == NULL ? -1 : 0;
    }
    ab_figure *f = pf_fig_new(run, "programs", "programs-footprint");
    ab_fmt(f->title, sizeof f->title, "Peak footprint / peak live bytes under real programs");
    double hi = 1;
    sbuf tics = {0};
    for (size_t k = 0; k < run->nstrats; k++) {
        if (slot[k] < 0)
            continue;
        int got = prog_strategy(run, f, k, progs, nprog, slots, (size_t)slot[k], &hi);
        if (got < 0) {
            free(present);
            free(slot);
            free(tics.s);
            return -1;
        }
        if (got > 0)
            present[k] = 1;
    }
    prog_tics(progs, nprog, slots, &tics);
    int rss = 0;
    for (size_t r = 0; r < run->np; r++)
        rss |= strcmp(run->p[r].fp_kind, "rss") == 0;
    ab_fmt(f->caption, sizeof f->caption,
           "Johnstone and Wilson's fragmentation: peak footprint over peak live bytes, per "
           "program (groups) and allocator (colour); 1 (dashed) would be no overhead. For the "
           "heaps of heaps/ both come from the heap itself (pages held, bytes requested: "
           "AB_HEAP_STATS).%s Failed rows are not drawn; the table below lists them.",
           rss ? " For glibc and jemalloc the footprint is the process's max RSS (code, "
                 "stacks and libraries included, so their bars are an upper bound) over the "
                 "peak live bytes the malloc recorder saw on glibc."
               : "");
    sbuf v = {0};
    pf_axes ax = {.xlab = "program", .ylab = "peak footprint / peak live bytes",
                  .xmin = -1, .xmax = (double)(nprog * (slots + 1)) - 1,
                  .ymin = 0, .ymax = hi * 1.15};
    pf_axes_vars(&v, run, present, &ax);
    pf_var_str(&v, "xtic_spec", tics.s != NULL ? tics.s : "");
    pf_var_num(&v, "ref", 1);
    pf_var_str(&v, "ref_title", "footprint = live");
    pf_job_add(js, run, f, "programs.gp", &v);
    free(tics.s);
    free(present);
    free(slot);
    return 0;
}

int pf_heapscale_figures(ab_run *run, jobs *js)
{
    if (run->nhs == 0)
        return 0;
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t i = 0; i < run->nhs; i++) {
        const char *st = run->hs[i].strategy;
        if (!PF_FIRST(run->hs, i, strategy))
            continue;
        char name[200];
        ab_fmt(name, sizeof name, "heapscale-%s", st);
        ab_figure *f = pf_fig_begin(run, present, "heapscale", name,
                                    "malloc time against live chunks (heaps over %s)", st);
        double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
        for (size_t k = 0; k < run->nstrats; k++) {
            FILE *d = NULL;
            for (size_t r = 0; r < run->nhs; r++) {
                const ab_hsrow *h = &run->hs[r];
                if (h->strat != (int)k || strcmp(h->strategy, st) != 0)
                    continue;
                if (pf_data_lazy(&d, run, f->name, run->strats[k].ident,
                                 "live_chunks,malloc_mean_ns") == NULL) {
                    free(present);
                    return -1;
                }
                fprintf(d, "%.17g,%.17g\n", h->live_chunks, h->malloc_mean_ns);
                xlo = fmin(xlo, h->live_chunks);
                xhi = fmax(xhi, h->live_chunks);
                ylo = fmin(ylo, h->malloc_mean_ns);
                yhi = fmax(yhi, h->malloc_mean_ns);
                present[k] = 1;
            }
            if (d != NULL)
                fclose(d);
        }
        ab_fmt(f->caption, sizeof f->caption,
               "Mean malloc time (ns, log) against the number of blocks live (log), each heap "
               "over the %s page strategy: the heap keeps that many blocks of 16..512 B live "
               "and times a malloc then a free of a random live block, step after step "
               "(heapscale.csv). A first-fit heap (firstfit) walks its chunks, so its line "
               "climbs with the live count; a size-class heap (slab) stays flat.", st);
        sbuf v = {0};
        pf_axes ax = {.xlab = "blocks live", .ylab = "mean malloc time (ns)",
                      .xcol = "live_chunks", .ycol = "malloc_mean_ns", .logx = 1, .logy = 1,
                      .xmin = xlo / 2, .xmax = xhi * 2,
                      .ymin = pf_floor_pow10(ylo), .ymax = pf_ceil_pow10(yhi * 1.05)};
        pf_axes_vars(&v, run, present, &ax);
        pf_job_add(js, run, f, "lines.gp", &v);
    }
    free(present);
    return 0;
}
