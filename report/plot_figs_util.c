/*
 * allocbench plot: the small tools every figure file uses: growable strings
 * and gnuplot variables, the figure list (pf_fig_new, ab_run_figure) and the
 * job queue. Split from plot_figs.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_figs.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
        char *ns = realloc(b->s, cap);
        if (ns == NULL)
            return;
        b->s = ns;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* name='value'; with gnuplot's quote doubling. */
void pf_var_str(sbuf *b, const char *name, const char *value)
{
    pf_sb_add(b, "%s='", name);
    for (const char *c = value; *c != '\0'; c++)
        pf_sb_add(b, *c == '\'' ? "''" : "%c", *c);
    pf_sb_add(b, "'; ");
}

void pf_var_num(sbuf *b, const char *name, double v)
{
    pf_sb_add(b, "%s=%.17g; ", name, v);
}

int pf_fill_known(double fill) { return !isnan(fill); }

int pf_same_fill(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) < 1e-9;
}

int pf_row_ok(const ab_srow *s)
{
    return strcmp(s->status, "ok") == 0 && s->count > 0 && !isnan(s->p50_ns);
}

int pf_fill_varies(const ab_run *run, const char *env, const char *role, const char *workload,
                   double fill)
{
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *o = &run->s[r];
        if (pf_row_ok(o) && !pf_same_fill(o->fill, fill) && strcmp(o->env, env) == 0 &&
            strcmp(o->role, role) == 0 && strcmp(o->workload, workload) == 0)
            return 1;
    }
    return 0;
}

size_t pf_other_fold(int *mark, size_t n)
{
    int asked = 0;
    size_t left = 0;
    for (size_t k = 0; k < n; k++)
        asked |= mark[k] >= PF_ASKED;
    for (size_t k = 0; k < n; k++) {
        mark[k] = asked && mark[k] == PF_NOT_ASKED;
        left += (size_t)mark[k];
    }
    return left;
}

size_t pf_other_work(const ab_run *run, const pf_cellsel *c, int *other)
{
    for (size_t k = 0; k < run->nstrats; k++)
        other[k] = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (s->strat < 0 || !pf_row_ok(s) || s->threads > 1 || s->mem_bytes != c->mem ||
            strcmp(s->env, c->env) != 0 || strcmp(s->role, c->role) != 0 ||
            strcmp(s->workload, c->workload) != 0 || !pf_same_fill(s->fill, c->fill))
            continue;
        other[s->strat] |= !isnan(s->contig_success) ? PF_ASKED : PF_NOT_ASKED;
    }
    return pf_other_fold(other, run->nstrats);
}

void pf_other_note(const ab_run *run, const int *other, char *out, size_t len)
{
    sbuf b = {0};
    for (size_t k = 0; k < run->nstrats; k++)
        if (other[k])
            pf_sb_add(&b, "%s%s", b.len ? ", " : "", run->strats[k].name);
    ab_fmt(out, len, "%s%s%s", b.len ? " Left out (never asked for a run of pages where the "
                                       "others were: other work): " : "",
           b.len ? b.s : "", b.len ? "." : "");
    free(b.s);
}

ab_figure *pf_fig_new(ab_run *run, const char *kind, const char *name)
{
    if (run->nfigs == run->capfigs) {
        size_t cap = run->capfigs ? run->capfigs * 2 : 64;
        ab_figure *nf = realloc(run->figs, cap * sizeof *nf);
        if (nf == NULL)
            return NULL;
        run->figs = nf;
        run->capfigs = cap;
    }
    ab_figure *f = &run->figs[run->nfigs++];
    memset(f, 0, sizeof *f);
    ab_fmt(f->kind, sizeof f->kind, "%s", kind);
    ab_fmt(f->name, sizeof f->name, "%s", name);
    for (char *c = f->name; *c != '\0'; c++)
        if (*c == '/' || *c == ' ' || *c == ',')
            *c = '_';
    f->def = pf_figdef_of(run, kind, f->name);
    f->off = f->def < 0;
    return f;
}

const ab_figure *ab_run_figure(const ab_run *run, const char *name)
{
    for (size_t k = 0; k < run->nfigs; k++)
        if (strcmp(run->figs[k].name, name) == 0)
            return &run->figs[k];
    return NULL;
}

FILE *pf_data_open(const ab_run *run, const char *fig, const char *ident)
{
    char path[AB_PLOT_PATH + 400];
    if (ident != NULL)
        ab_fmt(path, sizeof path, "%s/%s.%s.csv", run->data_dir, fig, ident);
    else
        ab_fmt(path, sizeof path, "%s/%s.csv", run->data_dir, fig);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "allocbench plot: %s: cannot write: %s\n", path, strerror(errno));
    return f;
}

FILE *pf_data_lazy(FILE **d, const ab_run *run, const char *fig, const char *ident,
                   const char *header)
{
    if (*d == NULL && (*d = pf_data_open(run, fig, ident)) != NULL)
        fprintf(*d, "%s\n", header);
    return *d;
}

void pf_job_add(jobs *js, const ab_run *run, const ab_figure *fig, const char *script,
                    sbuf *vars)
{
    job *nv = fig->off ? NULL : realloc(js->v, (js->n + 1) * sizeof *nv);
    if (nv == NULL) {
        free(vars->s); /* not in figures.def: nothing to draw */
        vars->s = NULL;
        vars->len = vars->cap = 0;
        return;
    }
    js->v = nv;
    job *j = &js->v[js->n++];
    ab_fmt(j->fig, sizeof j->fig, "%s", fig->name);
    /* figures.def names the script; the generator's is its default. */
    ab_fmt(j->script, sizeof j->script, "%s", run->defs[fig->def].script[0] != '\0'
                                                  ? run->defs[fig->def].script : script);
    char path[AB_PLOT_PATH + 200];
    ab_fmt(path, sizeof path, "%s/%s", run->plots_dir, fig->name);
    pf_var_str(vars, "out", path);
    pf_var_str(vars, "ttl", fig->title);
    ab_fmt(path, sizeof path, "%s/%s", run->data_dir, fig->name);
    pf_var_str(vars, "data", path);
    ab_fmt(path, sizeof path, "%s/strategies.gp", run->data_dir);
    pf_var_str(vars, "style", path);
    pf_var_num(vars, "width", run->width);
    pf_var_num(vars, "height", run->height);
    j->vars = vars->s;
    vars->s = NULL;
    vars->len = vars->cap = 0;
}

/* Space-separated idents of the strategies flagged in present. */
void pf_strat_list(const ab_run *run, const int *present, sbuf *b)
{
    int first = 1;
    for (size_t k = 0; k < run->nstrats; k++)
        if (present[k]) {
            pf_sb_add(b, "%s%s", first ? "" : " ", run->strats[k].ident);
            first = 0;
        }
}

ab_figure *pf_fig_begin(ab_run *run, int *present, const char *kind, const char *name,
                        const char *fmt, ...)
{
    memset(present, 0, run->nstrats * sizeof *present);
    ab_figure *f = pf_fig_new(run, kind, name);
    if (f == NULL)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->title, sizeof f->title, fmt, ap);
    va_end(ap);
    return f;
}

void pf_axes_vars(sbuf *v, const ab_run *run, const int *present, const pf_axes *a)
{
    pf_sb_add(v, "strategies='");
    pf_strat_list(run, present, v);
    pf_sb_add(v, "'; ");
    pf_var_str(v, "xlab", a->xlab);
    pf_var_str(v, "ylab", a->ylab);
    if (a->xcol != NULL) {
        pf_var_str(v, "xcol", a->xcol);
        pf_var_str(v, "ycol", a->ycol);
        pf_var_num(v, "logx", a->logx);
        pf_var_num(v, "logy", a->logy);
    }
    pf_var_num(v, "xmin", a->xmin);
    pf_var_num(v, "xmax", a->xmax);
    pf_var_num(v, "ymin", a->ymin);
    pf_var_num(v, "ymax", a->ymax);
    if (a->xcol != NULL)
        pf_var_str(v, "xticcol", a->xticcol != NULL ? a->xticcol : "");
}

int pf_text_first(const void *rows, size_t row_bytes, size_t off, size_t i)
{
    const char *base = rows;
    const char *text = *(const char *const *)(const void *)(base + i * row_bytes + off);
    for (size_t p = 0; p < i; p++)
        if (strcmp(*(const char *const *)(const void *)(base + p * row_bytes + off), text) == 0)
            return 0;
    return 1;
}
