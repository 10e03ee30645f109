/*
 * allocbench plot: report.md and report.html, written side by side from the
 * same calls (doc_*), so both say the same thing. The HTML embeds each PNG
 * as base64; the Markdown links the files under plots/.
 *
 * Every claim in "Which strategy when" is computed here from the rows the
 * figures show (same groups, same reference sizes, same seeds) and names the
 * figure it comes from.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

#include "report_doc.h"
#include "verdict.h"

void ab_report_programs(doc *d); /* report_programs.c */

/* ---- numbers ---------------------------------------------------------- */

static void fmt_ns(double v, char *out, size_t len)
{
    if (isnan(v))
        ab_fmt(out, len, "-");
    else if (v >= 100000)
        ab_fmt(out, len, "%.0f", v);
    else
        ab_fmt(out, len, "%.1f", v);
}

static int row_ok(const ab_srow *s)
{
    return strcmp(s->status, "ok") == 0 && s->count > 0 && !isnan(s->p50_ns);
}

static int same_fill(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) < 1e-9;
}

/* The figure made for a row's group and op, found by the names plot_figs.c
   gives: <kind>-<env>[-role]-<workload>[-f<fill>]-<op>. */
static const ab_figure *fig_for(const ab_run *run, const char *kind, const ab_srow *s,
                                const char *op)
{
    char role[64] = "", fill[32] = "", name[300];
    if (run->multi_role)
        ab_fmt(role, sizeof role, "-%s", s->role);
    for (int with_fill = 1; with_fill >= 0; with_fill--) {
        fill[0] = '\0';
        if (with_fill && !isnan(s->fill))
            ab_fmt(fill, sizeof fill, "-f%.0f", s->fill * 1000);
        ab_fmt(name, sizeof name, "%s-%s%s-%s%s%s%s", kind, s->env, role, s->workload, fill,
                 op != NULL ? "-" : "", op != NULL ? op : "");
        const ab_figure *f = ab_run_figure(run, name);
        if (f != NULL)
            return f;
    }
    return NULL;
}

/* A latency figure's cells: every strategy's row for the figure's group, op,
   reference size and seed, recovered from the figure's data (the bars CSV
   lists exactly the strategies drawn). */
typedef struct cellset {
    const ab_srow *row[64];
    size_t n;
} cellset;

static void cellset_of(const ab_run *run, const ab_srow *proto, cellset *cs)
{
    cs->n = 0;
    double seed, best = ab_ref_mem(run, proto->env, proto->role, proto->workload,
                                   proto->fill, &seed);
    for (size_t k = 0; k < run->nstrats && cs->n < COUNT_OF(cs->row); k++)
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (s->strat == (int)k && row_ok(s) && strcmp(s->env, proto->env) == 0 &&
                strcmp(s->role, proto->role) == 0 && strcmp(s->workload, proto->workload) == 0 &&
                same_fill(s->fill, proto->fill) && strcmp(s->op, proto->op) == 0 &&
                s->mem_bytes == best && s->seed == seed) {
                cs->row[cs->n++] = s;
                break;
            }
        }
}

static void cell_name(const ab_run *run, const ab_srow *s, char *out, size_t len)
{
    char mem[32], fill[32] = "";
    ab_mem_label(s->mem_bytes, mem, sizeof mem);
    if (!isnan(s->fill))
        ab_fmt(fill, sizeof fill, ", fill %.0f %%", s->fill * 100);
    ab_fmt(out, len, "%s %s%s, %s%s%s", s->workload, s->op, fill, mem,
             run->multi_role ? ", " : "", run->multi_role ? s->role : "");
}

/* Marks the first ok row of each (env, role, workload, fill, op), so the
   loops below visit each cell once. NULL when out of memory. */
static unsigned char *cells_first(const ab_run *run)
{
    unsigned char *first = calloc(run->ns + 1, 1);
    for (size_t i = 0; first != NULL && i < run->ns; i++) {
        const ab_srow *s = &run->s[i];
        if (!row_ok(s))
            continue;
        first[i] = 1;
        for (size_t p = 0; p < i && first[i]; p++) {
            const ab_srow *t = &run->s[p];
            if (first[p] && strcmp(t->env, s->env) == 0 && strcmp(t->role, s->role) == 0 &&
                strcmp(t->workload, s->workload) == 0 && same_fill(t->fill, s->fill) &&
                strcmp(t->op, s->op) == 0)
                first[i] = 0;
        }
    }
    return first;
}

static int first_of_cell(const doc *d, size_t r) { return d->first[r]; }

/* ---- fragmentation and metadata claims -------------------------------- */

typedef struct metaval {
    int strat;
    double per_gib, bytes;
} metaval;

/* ---- sections --------------------------------------------------------- */

/* One meta.json member: strings as they are, anything else as JSON. */
static void meta_row(doc *d, const char *key, const json_t *v)
{
    /* 10 significant digits: jansson's default (17) shows 3684.1 as
       3684.0999999999999 */
    char *dumped = json_is_string(v) ? NULL
                                     : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
                                                         JSON_REAL_PRECISION(10));
    const char *cells[] = {key, json_is_string(v) ? json_string_value(v)
                                : dumped != NULL ? dumped : ""};
    doc_row(d, 0, 2, cells);
    free(dumped);
}

/* memprobe.csv in one line: what one random load costs by buffer size. */
static void memprobe_line(doc *d)
{
    const ab_table *t = &d->run->memprobe;
    char line[2048];
    size_t len = 0;
    for (size_t r = 0; r < t->nrows && len < sizeof line - 64; r++) {
        double b, ns;
        char size[32];
        if (!ab_table_num(t, r, ab_table_col(t, "bytes"), &b) ||
            !ab_table_num(t, r, ab_table_col(t, "ns_per_load"), &ns))
            continue;
        ab_mem_label(b, size, sizeof size);
        len += (size_t)ab_fmt(line + len, sizeof line - len, "%s%s %.3g ns", len ? ", " : "", size,
                              ns);
    }
    if (len > 0)
        doc_p(d, "One random load by buffer size (memprobe.csv: a pointer chase through "
                 "64-byte lines in random order, the median of its trials): %s. report "
                 "--check reads it beside the targets that compare one strategy at two "
                 "sizes.", line);
}

static void meta_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "The run", "run");
    if (run->meta == NULL) {
        doc_p(d, "%s", run->meta_note);
    } else {
        const char *head[] = {"meta.json field", "value"};
        doc_table_begin(d, 2, head);
        const char *key;
        json_t *m;
        json_object_foreach(run->meta, key, m) {
            if (json_is_object(m)) {
                const char *k2;
                json_t *c;
                json_object_foreach(m, k2, c) {
                    char full[256];
                    ab_fmt(full, sizeof full, "%s.%s", key, k2);
                    meta_row(d, full, c);
                }
                continue;
            }
            meta_row(d, key, m);
        }
        doc_table_end(d);
    }
    char envs[512] = "";
    size_t len = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const char *e = run->s[r].env;
        int seen = 0;
        for (size_t p = 0; p < r && !seen; p++)
            seen = strcmp(run->s[p].env, e) == 0;
        if (!seen && len < sizeof envs - 64)
            len += (size_t)ab_fmt(envs + len, sizeof envs - len, "%s%s", len ? ", " : "", e);
    }
    doc_p(d, "summary.csv: %zu rows; frag.csv: %zu samples; environments: %s; %zu "
             "strategies; %zu figures.", run->ns, run->nf, envs, run->nstrats, run->nfigs);
    memprobe_line(d);
}

static void strategy_table(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "Strategies at a glance", "strategies");
    doc_p(d, "One row per strategy in the run. Cells are rows of summary.csv; the other "
             "columns come from the figures named in the next section.");
    const char *head[] = {"strategy", "cells ok", "cells not ok", "envs",
                          "metadata bytes/GiB (max)", "best p99.9 (ns), cell"};
    doc_table_begin(d, COUNT_OF(head), head);
    for (size_t k = 0; k < run->nstrats; k++) {
        int in_cells = 0; /* allocators of programs.csv and heaps of heapscale.csv only
                             have their own sections */
        for (size_t r = 0; r < run->ns && !in_cells; r++)
            in_cells = run->s[r].strat == (int)k;
        for (size_t r = 0; r < run->nf && !in_cells; r++)
            in_cells = run->f[r].strat == (int)k;
        if (!in_cells)
            continue;
        size_t ok = 0, bad = 0;
        double meta = NAN, best = INFINITY;
        const ab_srow *bestrow = NULL;
        char envs[256] = "", notok[256] = "";
        size_t el = 0, nl = 0;
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (s->strat != (int)k)
                continue;
            if (row_ok(s)) {
                ok++;
                if (s->p999_ns < best) {
                    best = s->p999_ns;
                    bestrow = s;
                }
            } else {
                bad++;
                if (strstr(notok, s->status) == NULL && nl < sizeof notok - 32)
                    nl += (size_t)ab_fmt(notok + nl, sizeof notok - nl, "%s%s", nl ? " " : "",
                                           s->status);
            }
            if (!isnan(s->meta_per_gib))
                meta = isnan(meta) ? s->meta_per_gib : fmax(meta, s->meta_per_gib);
            if (strstr(envs, s->env) == NULL && el < sizeof envs - 32)
                el += (size_t)ab_fmt(envs + el, sizeof envs - el, "%s%s", el ? " " : "", s->env);
        }
        char a[32], b[300], c[48], e[300];
        ab_fmt(a, sizeof a, "%zu", ok);
        ab_fmt(b, sizeof b, bad ? "%zu (%s)" : "%zu", bad, notok);
        if (isnan(meta))
            ab_fmt(c, sizeof c, "-");
        else
            ab_fmt(c, sizeof c, "%.1f", meta);
        if (bestrow != NULL) {
            char cell[200], v[32];
            cell_name(run, bestrow, cell, sizeof cell);
            fmt_ns(best, v, sizeof v);
            ab_fmt(e, sizeof e, "%s, %s (%s)", v, cell, bestrow->env);
        } else {
            ab_fmt(e, sizeof e, "-");
        }
        const char *cells[] = {run->strats[k].name, a, b, envs[0] ? envs : "frag.csv only",
                               c, e};
        doc_row(d, 0, COUNT_OF(cells), cells);
    }
    doc_table_end(d);
}

static void numbers_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "Key numbers per workload", "numbers");
    doc_p(d, "Per-operation latency in ns at each workload's reference size (the figures' "
             "cells). mean is the histogram mean; failures are requests the strategy could "
             "not satisfy (no contiguous run).");
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!row_ok(s) || !first_of_cell(d, r))
            continue;
        /* One table per group: only at the group's first op. */
        int first_op = 1;
        for (size_t p = 0; p < r && first_op; p++) {
            const ab_srow *t = &run->s[p];
            first_op = !(row_ok(t) && strcmp(t->env, s->env) == 0 &&
                         strcmp(t->role, s->role) == 0 &&
                         strcmp(t->workload, s->workload) == 0 && same_fill(t->fill, s->fill));
        }
        if (!first_op)
            continue;
        char title[256], mem[32];
        cellset cs;
        cellset_of(run, s, &cs);
        ab_mem_label(cs.n ? cs.row[0]->mem_bytes : s->mem_bytes, mem, sizeof mem);
        ab_fmt(title, sizeof title, "%s%s%s, %s, %s%s%s", s->workload,
                 isnan(s->fill) ? "" : " at fill ", "", mem, s->env,
                 run->multi_role ? ", " : "", run->multi_role ? s->role : "");
        if (!isnan(s->fill)) {
            ab_fmt(title, sizeof title, "%s at %.0f %% fill, %s, %s%s%s", s->workload,
                     s->fill * 100, mem, s->env, run->multi_role ? ", " : "",
                     run->multi_role ? s->role : "");
        }
        doc_h(d, 3, title, NULL);
        const char *head[] = {"strategy", "op", "count", "mean", "p50", "p90", "p99", "p99.9",
                              "max", "failures", "figure"};
        doc_table_begin(d, COUNT_OF(head), head);
        for (size_t q = r; q < run->ns; q++) {
            const ab_srow *o = &run->s[q];
            if (!row_ok(o) || !first_of_cell(d, q) || strcmp(o->env, s->env) != 0 ||
                strcmp(o->role, s->role) != 0 || strcmp(o->workload, s->workload) != 0 ||
                !same_fill(o->fill, s->fill))
                continue;
            cellset ops;
            cellset_of(run, o, &ops);
            const ab_figure *fig = fig_for(run, "bars", o, o->op);
            for (size_t k = 0; k < ops.n; k++) {
                const ab_srow *c = ops.row[k];
                char v[7][32], cnt[32], fail[32], link[200];
                double vals[] = {c->mean_ns, c->p50_ns, c->p90_ns, c->p99_ns, c->p999_ns,
                                 c->max_ns};
                for (size_t i = 0; i < COUNT_OF(vals); i++)
                    fmt_ns(vals[i], v[i], sizeof v[i]);
                ab_fmt(cnt, sizeof cnt, "%.0f", c->count);
                ab_fmt(fail, sizeof fail, isnan(c->failures) ? "-" : "%.0f", c->failures);
                ab_fmt(link, sizeof link, "%s%s", fig ? FIG_LINK : "", fig ? fig->name : "-");
                const char *cells[] = {c->strategy, c->op, cnt, v[0], v[1], v[2], v[3], v[4],
                                       v[5], fail, link};
                doc_row(d, 0, COUNT_OF(cells), cells);
            }
        }
        doc_table_end(d);
    }
}

static void figures_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "Figures", "figures");
    doc_p(d, "Each strategy has the same colour and point type in every figure. All "
             "figures are in plots/ as PNG and SVG; the numbers behind each are in "
             "plots/data/.");
    /* In figures.def's order, under its headings; programs and heapscale
       figures sit in their own sections. */
    for (size_t k = 0; k < run->ndefs; k++) {
        const ab_figdef *def = &run->defs[k];
        size_t n = 0;
        for (size_t i = 0; i < run->nfigs; i++)
            n += run->figs[i].def == (int)k;
        if (n == 0 || strcmp(def->kind, "programs") == 0 || strcmp(def->kind, "heapscale") == 0)
            continue;
        doc_h(d, 3, def->title, NULL);
        for (size_t i = 0; i < run->nfigs; i++)
            if (run->figs[i].def == (int)k)
                doc_figure(d, &run->figs[i]);
    }
}

static void notes_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "What is not drawn, and why", "notes");
    size_t bad = 0;
    for (size_t r = 0; r < run->ns; r++)
        bad += !row_ok(&run->s[r]);
    if (bad > 0) {
        char buf[256];
        ab_fmt(buf, sizeof buf, "%zu rows of summary.csv have no samples or a status other "
                                  "than ok; they are in no figure. Each figure's caption "
                                  "names the strategies it lacks:", bad);
        doc_item(d, buf);
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (row_ok(s))
                continue;
            char cell[200];
            cell_name(run, s, cell, sizeof cell);
            ab_fmt(buf, sizeof buf, "%s %s: %s (summary.csv line %zu)", s->strategy, cell,
                     s->status, s->line);
            doc_item(d, buf);
        }
    }
    if (run->meta == NULL)
        doc_item(d, run->meta_note);
    if (run->gbench_note[0] != '\0')
        doc_item(d, run->gbench_note);
    for (size_t k = 0; k < run->nnotes; k++)
        doc_item(d, run->notes[k]);
    doc_list_end(d);
}

/* The contents: every heading written with an anchor. */
static void toc_write(FILE *f, const doc *d)
{
    fprintf(f, "\n## Contents\n\n");
    for (size_t k = 0; k < d->ntoc; k++) {
        fprintf(f, "%s- [", d->toc[k].level > 2 ? "    " : "");
        md_text(f, d->toc[k].text, 0);
        fprintf(f, "](#%s)\n", d->toc[k].anchor);
    }
    fprintf(f, "\n");
}

/* One figure and one line per role, from the verdict. */
static void glance_write(FILE *f, const doc *d)
{
    fprintf(f, "\n## At a glance\n\nOne figure per role, the one behind the verdict's "
               "clearest decision; the sections below give every decision with its interval."
               "\n\n");
    for (size_t k = 0; k < DOC_ROLES; k++) {
        if (d->glance_title[k][0] == '\0')
            continue;
        fprintf(f, "**");
        md_text(f, d->glance_title[k], 0);
        fprintf(f, "**: ");
        md_text(f, d->glance_line[k], 0);
        fprintf(f, "\n\n");
        if (d->glance_fig[k][0] != '\0')
            fprintf(f, "![%s](plots/%s.png)\n\n", d->glance_fig[k], d->glance_fig[k]);
    }
}

/* report.md: title, contents, at a glance, then the body. */
static int md_assemble(const doc *d, const char *title, const char *body, size_t blen,
                       char **out, size_t *olen)
{
    FILE *f = open_memstream(out, olen);
    if (f == NULL)
        return -1;
    fprintf(f, "# ");
    md_text(f, title, 0);
    fprintf(f, "\n\nGenerated by `allocbench report` from the files in this folder and "
               "nothing else; run it again to regenerate every figure and this report.\n");
    toc_write(f, d);
    glance_write(f, d);
    fwrite(body, 1, blen, f);
    return fclose(f) == 0 ? 0 : -1;
}

static int file_write(const char *path, const char *text, size_t len)
{
    char tmp[AB_PLOT_PATH + 40];
    ab_fmt(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int bad = f == NULL || fwrite(text, 1, len, f) != len;
    bad |= f != NULL && fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "allocbench report: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int ab_report_write(ab_run *run)
{
    char *body = NULL, *md = NULL;
    size_t blen = 0, mlen = 0;
    doc *d = calloc(1, sizeof *d);
    if (d == NULL || (d->md = open_memstream(&body, &blen)) == NULL ||
        (d->first = cells_first(run)) == NULL) {
        if (d != NULL && d->md != NULL)
            fclose(d->md);
        free(body);
        free(d);
        return -1;
    }
    d->run = run;
    const char *base = strrchr(run->dir, '/');
    base = base != NULL ? base + 1 : run->dir;
    char title[300], path[AB_PLOT_PATH + 32];
    ab_fmt(title, sizeof title, "allocbench report: %s", base);
    meta_section(d);
    int bad = ab_verdict_write(d) != 0;
    strategy_table(d);
    numbers_section(d);
    figures_section(d);
    ab_report_programs(d);
    notes_section(d);
    bad |= fclose(d->md) != 0;
    bad = bad || md_assemble(d, title, body, blen, &md, &mlen) != 0;
    ab_fmt(path, sizeof path, "%s/report.md", run->dir);
    bad = bad || file_write(path, md, mlen) != 0;
    ab_fmt(path, sizeof path, "%s/report.html", run->dir);
    bad = bad || ab_html_write(md, mlen, title, path) != 0;
    free(d->first);
    free(d);
    free(body);
    free(md);
    if (bad)
        fprintf(stderr, "allocbench report: %s: cannot write the report\n", run->dir);
    return bad ? -1 : 0;
}
