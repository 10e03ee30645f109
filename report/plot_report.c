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
#define FIG_LINK "@fig:"

typedef struct doc {
    FILE *md, *html;
    const ab_run *run;
    unsigned char *first; /* cells_first() */
} doc;

static void html_text(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

static void md_text(FILE *f, const char *s, int in_table)
{
    for (; *s != '\0'; s++) {
        if ((*s == '|' && in_table) || *s == '*' || *s == '_' || *s == '<')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void doc_h(doc *d, int level, const char *text, const char *anchor)
{
    fprintf(d->md, "\n%.*s ", level, "######");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<h%d", level);
    if (anchor != NULL) {
        fprintf(d->html, " id=\"");
        html_text(d->html, anchor);
        fprintf(d->html, "\"");
    }
    fprintf(d->html, ">");
    html_text(d->html, text);
    fprintf(d->html, "</h%d>\n", level);
}

static void doc_p(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void doc_p(doc *d, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    md_text(d->md, buf, 0);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<p>");
    html_text(d->html, buf);
    fprintf(d->html, "</p>\n");
}

static void link_write(doc *d, const char *name)
{
    fprintf(d->md, "[%s](plots/%s.png)", name, name);
    fprintf(d->html, "<a href=\"#fig-%s\">%s</a>", name, name);
}

/* A table cell: plain text, or FIG_LINK<name> for a link to a figure. */
static void cell_write(doc *d, const char *text)
{
    if (strncmp(text, FIG_LINK, strlen(FIG_LINK)) == 0) {
        link_write(d, text + strlen(FIG_LINK));
        return;
    }
    md_text(d->md, text, 1);
    html_text(d->html, text);
}

static void doc_row(doc *d, int header, size_t n, const char *const *cells)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<tr>");
    for (size_t k = 0; k < n; k++) {
        fprintf(d->md, " ");
        fprintf(d->html, header ? "<th>" : "<td>");
        cell_write(d, cells[k]);
        fprintf(d->md, " |");
        fprintf(d->html, header ? "</th>" : "</td>");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
    if (header) {
        fprintf(d->md, "|");
        for (size_t k = 0; k < n; k++)
            fprintf(d->md, "---|");
        fprintf(d->md, "\n");
    }
}

static void doc_table_begin(doc *d, size_t n, const char *const *head)
{
    fprintf(d->md, "\n");
    fprintf(d->html, "<table>\n");
    doc_row(d, 1, n, head);
}

static void doc_table_end(doc *d)
{
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

static void doc_item(doc *d, const char *text)
{
    fprintf(d->md, "- ");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n");
    fprintf(d->html, "<li>");
    html_text(d->html, text);
    fprintf(d->html, "</li>\n");
}

static void base64_file(FILE *out, const char *path)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    unsigned char in[3];
    size_t n;
    while ((n = fread(in, 1, 3, f)) > 0) {
        unsigned v = (unsigned)in[0] << 16 | (n > 1 ? (unsigned)in[1] << 8 : 0) |
                     (n > 2 ? in[2] : 0);
        fputc(tab[v >> 18 & 63], out);
        fputc(tab[v >> 12 & 63], out);
        fputc(n > 1 ? tab[v >> 6 & 63] : '=', out);
        fputc(n > 2 ? tab[v & 63] : '=', out);
    }
    fclose(f);
}

static void doc_figure(doc *d, const ab_figure *f)
{
    fprintf(d->md, "\n#### ");
    md_text(d->md, f->title, 0);
    fprintf(d->md, "\n\n![");
    md_text(d->md, f->title, 0);
    fprintf(d->md, "](plots/%s.png)\n\n", f->name);
    md_text(d->md, f->caption, 0);
    fprintf(d->md, " Files: [PNG](plots/%s.png), [SVG](plots/%s.svg), data in "
                   "plots/data/%s*.csv.\n\n", f->name, f->name, f->name);

    char path[AB_PLOT_PATH + 200];
    ab_fmt(path, sizeof path, "%s/%s.png", d->run->plots_dir, f->name);
    fprintf(d->html, "<figure id=\"fig-%s\"><figcaption><b>", f->name);
    html_text(d->html, f->title);
    fprintf(d->html, "</b> (%s)</figcaption>\n<img alt=\"", f->name);
    html_text(d->html, f->title);
    fprintf(d->html, "\" src=\"data:image/png;base64,");
    base64_file(d->html, path);
    fprintf(d->html, "\">\n<p>");
    html_text(d->html, f->caption);
    fprintf(d->html, "</p></figure>\n");
}

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

/* Picks the best of v[0..n) (lowest, or highest with highest set; NAN is
   absent): tied[i] marks every entry equal to the best, the return value is
   the best entry not tied (the runner-up), or -1. */
static int rank_pick(const double *v, size_t n, int highest, int *tied, double *best_v)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && (isnan(best) || (highest ? v[i] > best : v[i] < best)))
            best = v[i];
    int runner = -1;
    for (size_t i = 0; i < n; i++) {
        tied[i] = !isnan(v[i]) && fabs(v[i] - best) <= 1e-9 * fmax(1, fabs(best));
        if (!tied[i] && !isnan(v[i]) &&
            (runner < 0 || (highest ? v[i] > v[runner] : v[i] < v[runner])))
            runner = (int)i;
    }
    *best_v = best;
    return runner;
}

/* "bitmap", or "tie: bitmap, freelist". */
static void winners_text(const char *const *names, const int *tied, size_t n, char *out,
                         size_t len)
{
    size_t count = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        count += tied[i] != 0;
    out[0] = '\0';
    if (count > 1)
        used += (size_t)ab_fmt(out, len, "tie: ");
    for (size_t i = 0, k = 0; i < n && used < len; i++)
        if (tied[i])
            used += (size_t)ab_fmt(out + used, len - used, "%s%s", k++ ? ", " : "", names[i]);
}

/* Claim table: per (group, op) of the chosen envs, the strategy with the
   lowest value of a latency field, with the runner-up. Returns rows. */
static size_t claim_latency(doc *d, int kernel, size_t field_off, const char *field_name,
                            int *wins)
{
    const ab_run *run = d->run;
    size_t rows = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (!row_ok(s) || ab_env_is_host(s->env) == kernel || !first_of_cell(d, r))
            continue;
        cellset cs;
        cellset_of(run, s, &cs);
        if (cs.n < 2)
            continue;
        double v[64], bv;
        int tied[64];
        const char *names[64];
        for (size_t k = 0; k < cs.n; k++) {
            v[k] = *(const double *)((const char *)cs.row[k] + field_off);
            names[k] = cs.row[k]->strategy;
        }
        int second = rank_pick(v, cs.n, 0, tied, &bv);
        size_t first = 0;
        while (!tied[first])
            first++;
        const ab_srow *best = cs.row[first];
        const ab_figure *fig = fig_for(run, "bars", best, best->op);
        if (rows == 0) {
            const char *head[] = {"env", "cell", "winner", field_name, "runner-up", "figure"};
            doc_table_begin(d, COUNT_OF(head), head);
        }
        char cell[200], who[300], v1[32], v1u[48], v2[96], vs[32], link[200];
        cell_name(run, best, cell, sizeof cell);
        winners_text(names, tied, cs.n, who, sizeof who);
        fmt_ns(bv, v1, sizeof v1);
        ab_fmt(v1u, sizeof v1u, "%s ns", v1);
        if (second >= 0) {
            fmt_ns(v[second], vs, sizeof vs);
            ab_fmt(v2, sizeof v2, "%s %s ns", names[second], vs);
        } else {
            ab_fmt(v2, sizeof v2, "-");
        }
        ab_fmt(link, sizeof link, "%s%s", fig != NULL ? FIG_LINK : "",
               fig != NULL ? fig->name : "-");
        const char *cells[] = {best->env, cell, who, v1u, v2, link};
        doc_row(d, 0, COUNT_OF(cells), cells);
        for (size_t k = 0; k < cs.n; k++)
            wins[cs.row[k]->strat] += tied[k];
        rows++;
    }
    if (rows > 0)
        doc_table_end(d);
    return rows;
}

static void wins_sentence_of(doc *d, const int *wins, size_t rows, const char *what,
                             const char *unit)
{
    const ab_run *run = d->run;
    if (rows == 0)
        return;
    char text[1024] = "";
    size_t len = 0;
    int done[64] = {0};
    for (size_t round = 0; round < run->nstrats && round < COUNT_OF(done); round++) {
        int pick = -1;
        for (size_t k = 0; k < run->nstrats && k < COUNT_OF(done); k++)
            if (!done[k] && wins[k] > 0 && (pick < 0 || wins[k] > wins[pick]))
                pick = (int)k;
        if (pick < 0 || len > sizeof text - 80)
            break;
        done[pick] = 1;
        len += (size_t)ab_fmt(text + len, sizeof text - len, "%s%s %d", len ? ", " : "",
                              run->strats[pick].name, wins[pick]);
    }
    doc_p(d, "%s (%s won of %zu; a tie counts for each): %s.", what, unit, rows, text);
}

static void wins_sentence(doc *d, const int *wins, size_t rows, const char *what)
{
    wins_sentence_of(d, wins, rows, what, "cells");
}

/* ---- fragmentation and metadata claims -------------------------------- */

/* Final sample per strategy of a frag figure's data: the figure lists one
   data file per strategy; the last line of each is the final sample. */
static int frag_final_value(const ab_run *run, const ab_figure *f, size_t k, double *step,
                            double *v)
{
    char path[AB_PLOT_PATH + 400], line[256];
    ab_fmt(path, sizeof path, "%s/%s.%s.csv", run->data_dir, f->name, run->strats[k].ident);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return 0;
    int got = 0;
    while (fgets(line, sizeof line, fp) != NULL)
        if (sscanf(line, "%lf,%lf", step, v) == 2)
            got = 1;
    fclose(fp);
    return got;
}

/* For each figure of kind, the strategy with the lowest (or highest) final
   value. Returns table rows. */
/*
 * True iff strategy k serves single pages only in this run: some cell of a
 * multi-page workload (sizes, huge, adversary) was skipped for it. Its churn
 * then issues single pages only, so its fragmentation is not comparable
 * with that of strategies that took mixed run lengths.
 */
static int single_pages_only(const ab_run *run, size_t k)
{
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (s->strat == (int)k && strncmp(s->status, "skipped", 7) == 0 &&
            (strcmp(s->workload, "sizes") == 0 || strcmp(s->workload, "huge") == 0 ||
             strcmp(s->workload, "adversary") == 0))
            return 1;
    }
    return 0;
}

static size_t claim_frag(doc *d, const char *kind, int highest, const char *value_name,
                         int *wins)
{
    const ab_run *run = d->run;
    size_t rows = 0;
    char left_out[256] = "";
    for (size_t k = 0; k < run->nstrats; k++)
        if (single_pages_only(run, k)) {
            size_t used = strlen(left_out);
            ab_fmt(left_out + used, sizeof left_out - used, "%s%s", used ? ", " : "",
                   run->strats[k].name);
        }
    if (left_out[0] != '\0')
        doc_p(d, "Left out of this comparison: %s, which served single pages only in this "
                 "run (its multi-page cells were skipped), so its churn never asked for runs "
                 "and its figures are not comparable.", left_out);
    for (size_t i = 0; i < run->nfigs; i++) {
        const ab_figure *f = &run->figs[i];
        if (strcmp(f->kind, kind) != 0)
            continue;
        double v[64], bv, step;
        int tied[64];
        const char *names[64];
        size_t n = 0, strat_of[64];
        for (size_t k = 0; k < run->nstrats && n < COUNT_OF(v); k++) {
            if (single_pages_only(run, k) || !frag_final_value(run, f, k, &step, &v[n]))
                continue;
            names[n] = run->strats[k].name;
            strat_of[n++] = k;
        }
        if (n < 2)
            continue;
        int second = rank_pick(v, n, highest, tied, &bv);
        if (rows == 0) {
            const char *head[] = {"figure title", "winner", value_name, "runner-up", "figure"};
            doc_table_begin(d, COUNT_OF(head), head);
        }
        char who[300], b[64], s[96], link[200];
        winners_text(names, tied, n, who, sizeof who);
        ab_fmt(b, sizeof b, highest ? "%.0f" : "%.4f", bv);
        if (second >= 0)
            ab_fmt(s, sizeof s, highest ? "%s %.0f" : "%s %.4f", names[second], v[second]);
        else
            ab_fmt(s, sizeof s, "-");
        ab_fmt(link, sizeof link, FIG_LINK "%s", f->name);
        const char *cells[] = {f->title, who, b, s, link};
        doc_row(d, 0, COUNT_OF(cells), cells);
        for (size_t k = 0; k < n; k++)
            wins[strat_of[k]] += tied[k];
        rows++;
    }
    if (rows > 0)
        doc_table_end(d);
    return rows;
}

typedef struct metaval {
    int strat;
    double per_gib, bytes;
} metaval;

static int metaval_cmp(const void *a, const void *b)
{
    const metaval *x = a, *y = b;
    if (x->per_gib != y->per_gib)
        return x->per_gib < y->per_gib ? -1 : 1;
    return x->strat - y->strat;
}

static void claim_meta(doc *d)
{
    const ab_run *run = d->run;
    for (size_t i = 0; i < run->nfigs; i++) {
        const ab_figure *f = &run->figs[i];
        if (strcmp(f->kind, "meta") != 0)
            continue;
        /* The largest size that two or more strategies report. */
        double mem = 0;
        for (size_t r = 0; r < run->ns; r++) {
            const ab_srow *s = &run->s[r];
            if (!(s->meta_per_gib > 0) || s->mem_bytes <= mem)
                continue;
            size_t n = 0;
            for (size_t k = 0; k < run->nstrats; k++)
                for (size_t q = 0; q < run->ns; q++)
                    if (run->s[q].strat == (int)k && run->s[q].mem_bytes == s->mem_bytes &&
                        run->s[q].meta_per_gib > 0) {
                        n++;
                        break;
                    }
            if (n >= 2)
                mem = s->mem_bytes;
        }
        if (mem == 0)
            continue;
        char memtxt[32];
        ab_mem_label(mem, memtxt, sizeof memtxt);
        metaval v[64];
        size_t n = 0;
        for (size_t k = 0; k < run->nstrats && n < COUNT_OF(v); k++) {
            metaval m = {(int)k, NAN, NAN};
            for (size_t r = 0; r < run->ns; r++)
                if (run->s[r].strat == (int)k && run->s[r].mem_bytes == mem &&
                    run->s[r].meta_per_gib > 0 &&
                    (isnan(m.per_gib) || run->s[r].meta_per_gib > m.per_gib)) {
                    m.per_gib = run->s[r].meta_per_gib;
                    m.bytes = run->s[r].meta_bytes;
                }
            if (!isnan(m.per_gib))
                v[n++] = m;
        }
        qsort(v, n, sizeof *v, metaval_cmp);
        doc_p(d, "Smallest metadata: %s, %.1f bytes per GiB managed at %s (figure %s); "
                 "all strategies that report metadata at that size, smallest first:",
              run->strats[v[0].strat].name, v[0].per_gib, memtxt, f->name);
        const char *head[] = {"strategy", "metadata bytes per GiB", "metadata bytes", "figure"};
        doc_table_begin(d, COUNT_OF(head), head);
        for (size_t j = 0; j < n; j++) {
            char a[48], b[48], link[200];
            ab_fmt(a, sizeof a, "%.1f", v[j].per_gib);
            ab_fmt(b, sizeof b, isnan(v[j].bytes) ? "-" : "%.0f", v[j].bytes);
            ab_fmt(link, sizeof link, FIG_LINK "%s", f->name);
            const char *cells[] = {run->strats[v[j].strat].name, a, b, link};
            doc_row(d, 0, COUNT_OF(cells), cells);
        }
        doc_table_end(d);
    }
}

/* ---- sections --------------------------------------------------------- */

static void meta_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "The run", "run");
    if (run->meta == NULL) {
        doc_p(d, "%s", run->meta_note);
    } else {
        const char *head[] = {"meta.json field", "value"};
        doc_table_begin(d, 2, head);
        for (const ab_json *m = run->meta->child; m != NULL; m = m->next) {
            if (m->type == AB_JOBJ || m->type == AB_JARR) {
                for (const ab_json *c = m->child; c != NULL; c = c->next) {
                    char key[256];
                    ab_fmt(key, sizeof key, "%s.%s", m->key, c->key != NULL ? c->key : "[]");
                    const char *cells[] = {key, c->str != NULL ? c->str : "(nested)"};
                    doc_row(d, 0, 2, cells);
                }
                continue;
            }
            const char *cells[] = {m->key, m->str != NULL ? m->str : ""};
            doc_row(d, 0, 2, cells);
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

static void claims_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "Which strategy when", "when");
    doc_p(d, "Every line below is computed from this run: the same cells the figures show "
             "(each workload at its reference size, the size most strategies ran, smallest "
             "seed). stack is the floor every strategy is measured against: it serves single "
             "pages only, so it wins where it runs and is absent where runs are needed.");
    int *wins = calloc(run->nstrats + 1, sizeof *wins);
    if (wins == NULL)
        return;

    doc_h(d, 3, "Lowest tail latency (p99.9), host", NULL);
    /* Per-operation figures near the timer's own cost are at its resolution:
       say so with this run's numbers, so a 10 ns "win" is read as a tie. */
    const ab_json *oh = run->meta ? ab_json_get(run->meta, "timer_overhead_ns") : NULL;
    if (oh != NULL && oh->type == AB_JNUM)
        doc_p(d, "Per-operation times have the timer's own cost (%.1f ns in this run, from "
                 "meta.json) subtracted, and the TSC ticks in coarse steps on some virtual "
                 "machines: between fast strategies, differences of that order are within the "
                 "resolution. For single-page operations, the batch means in the key "
                 "numbers below and Google Benchmark are the sharper comparison.",
              oh->num);
    size_t rows = claim_latency(d, 0, offsetof(ab_srow, p999_ns), "p99.9", wins);
    if (rows == 0)
        doc_p(d, "No host cell has two or more strategies: no comparison.");
    wins_sentence(d, wins, rows, "Lowest p99.9 most often");

    doc_h(d, 3, "Lowest fragmentation after churn", NULL);
    memset(wins, 0, (run->nstrats + 1) * sizeof *wins);
    size_t n = 0;
    for (size_t i = 0; i < run->nfigs; i++)
        n += strcmp(run->figs[i].kind, "frag_ext") == 0 &&
             strstr(run->figs[i].name, "-churn") != NULL;
    if (n == 0) {
        doc_p(d, "No churn samples in frag.csv: no claim.");
    } else {
        doc_p(d, "External fragmentation at the last sample of each churn run (and of huge, "
                 "which churns too); lower is better.");
        rows = claim_frag(d, "frag_ext", 0, "final ext frag", wins);
        wins_sentence(d, wins, rows, "Least fragmented most often");
    }

    doc_h(d, 3, "Best 2 MiB availability", NULL);
    memset(wins, 0, (run->nstrats + 1) * sizeof *wins);
    doc_p(d, "Free aligned 2 MiB blocks left at the last sample; higher is better.");
    rows = claim_frag(d, "frag_2m", 1, "free 2 MiB blocks", wins);
    if (rows == 0)
        doc_p(d, "No figure with two or more strategies: no claim.");
    wins_sentence(d, wins, rows, "Most 2 MiB blocks most often");

    doc_h(d, 3, "Smallest metadata", NULL);
    claim_meta(d);

    doc_h(d, 3, "Fastest in the kernel (mean latency)", NULL);
    memset(wins, 0, (run->nstrats + 1) * sizeof *wins);
    rows = claim_latency(d, 1, offsetof(ab_srow, mean_ns), "mean", wins);
    if (rows == 0)
        doc_p(d, "This run has no kernel rows with two or more strategies in a cell: no "
                 "claim. Run the kernel cells (allocbench kernel, or the matrix) to get one.");
    wins_sentence(d, wins, rows, "Fastest in the kernel most often");
    free(wins);
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
    static const struct { const char *kind, *title; } kinds[] = {
        {"cdf", "Latency CDFs"},
        {"bars", "Percentile bars"},
        {"frag_ext", "External fragmentation over time"},
        {"frag_2m", "Free 2 MiB blocks over time"},
        {"frag_fill", "External fragmentation against fill level"},
        {"scaling", "Latency against managed memory"},
        {"meta", "Metadata overhead"},
        {"hostkernel", "Host against kernel"},
        {"gbench", "Google Benchmark"},
    };
    doc_h(d, 2, "Figures", "figures");
    doc_p(d, "Each strategy has the same colour and point type in every figure. All "
             "figures are in plots/ as PNG and SVG; the numbers behind each are in "
             "plots/data/.");
    for (size_t k = 0; k < COUNT_OF(kinds); k++) {
        size_t n = 0;
        for (size_t i = 0; i < run->nfigs; i++)
            n += strcmp(run->figs[i].kind, kinds[k].kind) == 0;
        if (n == 0)
            continue;
        doc_h(d, 3, kinds[k].title, NULL);
        for (size_t i = 0; i < run->nfigs; i++)
            if (strcmp(run->figs[i].kind, kinds[k].kind) == 0)
                doc_figure(d, &run->figs[i]);
    }
}

static void fmt_num(double v, const char *fmt, char *out, size_t len)
{
    if (isnan(v))
        ab_fmt(out, len, "-");
    else
        ab_fmt(out, len, fmt, v);
}

/* "a 0.123 s", ties as "tie: a, b"; the runner-up into second. For one
   program: lowest value of a field over its ok rows. 0 if none. */
static int program_pick(const ab_run *run, const char *prog, size_t off, int heap_only,
                        char *who, size_t wlen, double *best, char *second, size_t slen,
                        const char *fmt)
{
    double v[64];
    const char *names[64];
    int tied[64];
    size_t n = 0;
    for (size_t r = 0; r < run->np && n < COUNT_OF(v); r++) {
        const ab_prow *p = &run->p[r];
        double x = *(const double *)((const char *)p + off);
        if (strcmp(p->program, prog) != 0 || !p->ok || isnan(x) ||
            (heap_only && strcmp(p->fp_kind, "rss") == 0))
            continue;
        v[n] = x;
        names[n++] = p->allocator;
    }
    if (n == 0)
        return 0;
    int run2 = rank_pick(v, n, 0, tied, best);
    winners_text(names, tied, n, who, wlen);
    if (run2 >= 0) {
        char num[48];
        ab_fmt(num, sizeof num, fmt, v[run2]);
        ab_fmt(second, slen, "%s %s", names[run2], num);
    } else {
        ab_fmt(second, slen, "-");
    }
    return 1;
}

static void programs_section(doc *d)
{
    const ab_run *run = d->run;
    if (!run->have_programs)
        return;
    doc_h(d, 2, "Heaps under real programs (programs.csv)", "programs");
    doc_p(d, "Each program ran under every heap of heaps/ (LD_PRELOAD of libab_<heap>.so), "
             "jemalloc (LD_PRELOAD) and glibc, with its output checked; wall time is "
             "hyperfine's median over the runs, spread its standard deviation and min..max; "
             "max RSS is wait4's, of the whole process tree. footprint/live is peak footprint "
             "over peak live bytes (Johnstone and Wilson): for the heaps, pages held over "
             "bytes requested, from the heap itself; for glibc and jemalloc (footprint = rss), "
             "max RSS over the peak live bytes the malloc recorder saw on glibc, an upper "
             "bound that counts code and stacks too. Compare max RSS across all allocators, "
             "footprint/live among the heaps. Columns: docs/results.md.");
    const char *progs[64];
    size_t nprog = 0;
    for (size_t r = 0; r < run->np; r++) {
        size_t k = 0;
        while (k < nprog && strcmp(progs[k], run->p[r].program) != 0)
            k++;
        if (k == nprog && nprog < COUNT_OF(progs))
            progs[nprog++] = run->p[r].program;
    }

    doc_h(d, 3, "Which heap when", NULL);
    doc_p(d, "Per program, from the rows below with status ok: the fastest median wall time "
             "(every allocator), the lowest footprint/live among the heaps of heaps/ (exact for "
             "them; glibc's and jemalloc's RSS-based figure is only an upper bound, so they are "
             "compared by max RSS) and the smallest max RSS (every allocator), each with the "
             "runner-up.");
    const char *head[] = {"program", "fastest (median s)", "runner-up", "lowest heap footprint/live",
                          "runner-up", "smallest max RSS (KiB)", "runner-up"};
    doc_table_begin(d, COUNT_OF(head), head);
    int *fast = calloc(run->nstrats + 1, sizeof *fast), *lean = calloc(run->nstrats + 1, sizeof *lean);
    for (size_t g = 0; g < nprog; g++) {
        char w[3][300], sec[3][200], cells[3][360];
        double b[3];
        size_t offs[] = {offsetof(ab_prow, median_s), offsetof(ab_prow, ratio),
                         offsetof(ab_prow, rss_kib)};
        const char *fmts[] = {"%.4f", "%.3f", "%.0f"};
        for (int q = 0; q < 3; q++) {
            if (!program_pick(run, progs[g], offs[q], q == 1, w[q], sizeof w[q], &b[q], sec[q],
                              sizeof sec[q], fmts[q])) {
                ab_fmt(cells[q], sizeof cells[q], "-");
                ab_fmt(sec[q], sizeof sec[q], "-");
                continue;
            }
            char num[48];
            ab_fmt(num, sizeof num, fmts[q], b[q]);
            ab_fmt(cells[q], sizeof cells[q], "%s %s", w[q], num);
            for (size_t r = 0; r < run->np && fast != NULL && lean != NULL; r++) {
                const ab_prow *p = &run->p[r];
                double x = *(const double *)((const char *)p + offs[q]);
                if (q < 2 && strcmp(p->program, progs[g]) == 0 && p->ok && p->strat >= 0 &&
                    !(q == 1 && strcmp(p->fp_kind, "rss") == 0) &&
                    fabs(x - b[q]) <= 1e-9 * fmax(1, fabs(b[q])))
                    (q == 0 ? fast : lean)[p->strat]++;
            }
        }
        const char *row[] = {progs[g], cells[0], sec[0], cells[1], sec[1], cells[2], sec[2]};
        doc_row(d, 0, COUNT_OF(row), row);
    }
    doc_table_end(d);
    if (fast != NULL && lean != NULL) {
        wins_sentence_of(d, fast, nprog, "Fastest most often", "programs");
        wins_sentence_of(d, lean, nprog, "Lowest heap footprint/live most often", "programs");
    }
    free(fast);
    free(lean);

    for (size_t g = 0; g < nprog; g++) {
        char title[200];
        ab_fmt(title, sizeof title, "%s", progs[g]);
        doc_h(d, 3, title, NULL);
        const char *h2[] = {"allocator", "runs", "median (s)", "stddev (s)", "min..max (s)",
                            "max RSS (KiB)", "footprint/live", "footprint", "status"};
        doc_table_begin(d, COUNT_OF(h2), h2);
        for (size_t k = 0; k <= run->nstrats; k++)
            for (size_t r = 0; r < run->np; r++) {
                const ab_prow *p = &run->p[r];
                if (strcmp(p->program, progs[g]) != 0 ||
                    (k < run->nstrats ? p->strat != (int)k : p->strat >= 0))
                    continue;
                char runs[32], med[48], sd[48], mm[96], rss[48], ratio[48], a[48], b[48];
                fmt_num(p->runs, "%.0f", runs, sizeof runs);
                fmt_num(p->median_s, "%.4f", med, sizeof med);
                fmt_num(p->stddev_s, "%.4f", sd, sizeof sd);
                fmt_num(p->min_s, "%.4f", a, sizeof a);
                fmt_num(p->max_s, "%.4f", b, sizeof b);
                ab_fmt(mm, sizeof mm, "%s..%s", a, b);
                fmt_num(p->rss_kib, "%.0f", rss, sizeof rss);
                fmt_num(p->ratio, "%.3f", ratio, sizeof ratio);
                const char *row[] = {p->allocator, runs, med, sd, mm, rss, ratio,
                                     p->fp_kind[0] ? p->fp_kind : "-", p->status};
                doc_row(d, 0, COUNT_OF(row), row);
            }
        doc_table_end(d);
    }
    for (size_t i = 0; i < run->nfigs; i++)
        if (strcmp(run->figs[i].kind, "programs") == 0)
            doc_figure(d, &run->figs[i]);
}

static void heapscale_section(doc *d)
{
    const ab_run *run = d->run;
    if (!run->have_heapscale)
        return;
    doc_h(d, 2, "Heap malloc time against live chunks (heapscale.csv)", "heapscale");
    doc_p(d, "The first-fit cost: each heap keeps N blocks of 16..512 B live and times a "
             "malloc, then a free of a random live block, step after step. This curve is the "
             "reason to pick a size-class heap (slab) over a first-fit one (firstfit) once "
             "many blocks are live.");
    const char *head[] = {"heap", "pages from", "live chunks", "malloc mean (ns)",
                          "malloc p50 (ns)", "malloc p99 (ns)", "free mean (ns)"};
    doc_table_begin(d, COUNT_OF(head), head);
    for (size_t k = 0; k < run->nstrats; k++)
        for (size_t r = 0; r < run->nhs; r++) {
            const ab_hsrow *h = &run->hs[r];
            if (h->strat != (int)k)
                continue;
            char n[32], a[32], b[32], c[32], e[32];
            ab_fmt(n, sizeof n, "%.0f", h->live_chunks);
            fmt_ns(h->malloc_mean_ns, a, sizeof a);
            fmt_ns(h->malloc_p50_ns, b, sizeof b);
            fmt_ns(h->malloc_p99_ns, c, sizeof c);
            fmt_ns(h->free_mean_ns, e, sizeof e);
            const char *row[] = {h->heap, h->strategy, n, a, b, c, e};
            doc_row(d, 0, COUNT_OF(row), row);
        }
    doc_table_end(d);
    /* Growth per heap: mean at the most chunks over the mean at the fewest. */
    for (size_t k = 0; k < run->nstrats; k++) {
        const ab_hsrow *lo = NULL, *hi = NULL;
        for (size_t r = 0; r < run->nhs; r++) {
            const ab_hsrow *h = &run->hs[r];
            if (h->strat != (int)k)
                continue;
            if (lo == NULL || h->live_chunks < lo->live_chunks)
                lo = h;
            if (hi == NULL || h->live_chunks > hi->live_chunks)
                hi = h;
        }
        if (lo == NULL || hi == lo)
            continue;
        doc_p(d, "%s over %s: malloc mean %.1f ns at %.0f live chunks, %.1f ns at %.0f: "
                 "%.1fx for %.0fx the chunks.", hi->heap, hi->strategy, lo->malloc_mean_ns,
              lo->live_chunks, hi->malloc_mean_ns, hi->live_chunks,
              hi->malloc_mean_ns / lo->malloc_mean_ns, hi->live_chunks / lo->live_chunks);
    }
    for (size_t i = 0; i < run->nfigs; i++)
        if (strcmp(run->figs[i].kind, "heapscale") == 0)
            doc_figure(d, &run->figs[i]);
}

static void notes_section(doc *d)
{
    const ab_run *run = d->run;
    doc_h(d, 2, "What is not drawn, and why", "notes");
    size_t bad = 0;
    for (size_t r = 0; r < run->ns; r++)
        bad += !row_ok(&run->s[r]);
    fprintf(d->html, "<ul>\n");
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
            ab_fmt(buf, sizeof buf, "    %s %s: %s (summary.csv line %zu)", s->strategy, cell,
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
    fprintf(d->html, "</ul>\n");
    fprintf(d->md, "\n");
}

int ab_report_write(ab_run *run)
{
    char md_path[AB_PLOT_PATH + 32], html_path[AB_PLOT_PATH + 32];
    char md_tmp[AB_PLOT_PATH + 40], html_tmp[AB_PLOT_PATH + 40];
    ab_fmt(md_path, sizeof md_path, "%s/report.md", run->dir);
    ab_fmt(html_path, sizeof html_path, "%s/report.html", run->dir);
    ab_fmt(md_tmp, sizeof md_tmp, "%s.tmp", md_path);
    ab_fmt(html_tmp, sizeof html_tmp, "%s.tmp", html_path);
    doc d = {fopen(md_tmp, "w"), fopen(html_tmp, "w"), run, cells_first(run)};
    if (d.md == NULL || d.html == NULL || d.first == NULL) {
        free(d.first);
        fprintf(stderr, "allocbench plot: %s: cannot write: %s\n",
                d.md == NULL ? md_tmp : html_tmp, strerror(errno));
        if (d.md != NULL)
            fclose(d.md);
        if (d.html != NULL)
            fclose(d.html);
        return -1;
    }
    const char *base = strrchr(run->dir, '/');
    base = base != NULL ? base + 1 : run->dir;
    char title[300];
    ab_fmt(title, sizeof title, "allocbench report: %s", base);
    fprintf(d.html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_text(d.html, title);
    fprintf(d.html, "</title>\n<style>body{font-family:sans-serif;max-width:1100px;"
                    "margin:auto;padding:1em}table{border-collapse:collapse;margin:1em 0}"
                    "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left}"
                    "img{max-width:100%%}figure{margin:2em 0}</style>\n</head><body>\n");
    fprintf(d.md, "# ");
    md_text(d.md, title, 0);
    fprintf(d.md, "\n");
    fprintf(d.html, "<h1>");
    html_text(d.html, title);
    fprintf(d.html, "</h1>\n");
    doc_p(&d, "Generated by `allocbench plot` from the CSV files in this folder and nothing "
              "else; run it again to regenerate every figure and this report.");
    meta_section(&d);
    strategy_table(&d);
    claims_section(&d);
    numbers_section(&d);
    figures_section(&d);
    programs_section(&d);
    heapscale_section(&d);
    notes_section(&d);
    fprintf(d.html, "</body></html>\n");
    free(d.first);
    int bad = ferror(d.md) || ferror(d.html);
    bad |= fclose(d.md) != 0;
    bad |= fclose(d.html) != 0;
    if (bad || rename(md_tmp, md_path) != 0 || rename(html_tmp, html_path) != 0) {
        fprintf(stderr, "allocbench plot: %s: cannot write the report\n", run->dir);
        return -1;
    }
    return 0;
}
