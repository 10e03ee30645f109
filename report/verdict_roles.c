/*
 * report/verdict: the per-role verdict (PMM, VMM, kmalloc, scaling). Each
 * section opens with a short "pick X if you need Y" table; below it every
 * decision it rests on, one row per cell, with intervals, failure rates and
 * the figure. verdict.csv in the run folder holds the same decisions.
 */
#define _POSIX_C_SOURCE 200809L
#include "verdict_int.h"
#include "plot_figs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const vsection sections[] = {
    {"PMM: physical frames (4 KiB and 2 MiB)", "v-pmm", "pmm", "pmm", 0},
    {"VMM: kernel virtual ranges", "v-vmm", "vmm", "vmm", 0},
    {"kmalloc: kernel heaps", "v-heap", "heap", "heap", 0},
    {"Scaling: more than one thread", "v-scaling", "scaling", NULL, 1},
};

static int in_section(const vsection *s, const ab_srow *r)
{
    if (strcmp(r->strategy, "null") == 0)
        return 0; /* the harness floor is drawn, never judged */
    if (s->scaling)
        return r->threads > 1;
    /* kmalloc: host heap rows (role heap) and the kernel's kmalloc cells,
       whose strategy is heap@pages */
    if (strcmp(s->role, "heap") == 0)
        return r->threads <= 1 && (strcmp(r->role, "heap") == 0 || strchr(r->strategy, '@'));
    return r->threads <= 1 && strcmp(r->role, s->role) == 0;
}

/* The page roles have fragmentation samples (frag.csv); kmalloc and
   scaling do not. */
static int has_frag(const vsection *s)
{
    return strcmp(s->key, "pmm") == 0 || strcmp(s->key, "vmm") == 0;
}

void vtally_reset(vctx *v)
{
    memset(v->t.wins, 0, (v->run->nstrats + 1) * sizeof *v->t.wins);
    for (size_t k = 0; k <= v->run->nstrats; k++)
        v->t.best[k].margin = -1;
    v->t.cells = v->t.ties = v->t.decided = v->t.one_rep = 0;
    v->t.best_cell_strat = -1;
    v->t.best_margin = -1;
    v->t.evidence[0] = v->t.figure[0] = '\0';
}

void vtally_add(vctx *v, const ab_cand *c, ab_pick p, double margin, const char *evidence,
                const char *figure)
{
    v->t.cells++;
    v->t.one_rep += p.outcome == AB_ONE_REP;
    v->t.ties += p.outcome == AB_TIE || p.outcome == AB_BELOW_RES || p.outcome == AB_ONE_REP;
    if (p.outcome != AB_WIN && p.outcome != AB_ONLY_SERVER)
        return;
    v->t.decided++;
    v->t.wins[c[p.winner].strat]++;
    /* The clearest win among those with a drawn figure, if any has one:
       over all strategies, and the winner's own. */
    int drawn = ab_run_figure(v->run, figure) != NULL;
    int have = v->t.figure[0] != '\0' && ab_run_figure(v->run, v->t.figure) != NULL;
    if (v->t.best_cell_strat < 0 || (drawn && !have) ||
        (drawn == have && margin > v->t.best_margin)) {
        v->t.best_margin = margin;
        v->t.best_cell_strat = c[p.winner].strat;
        ab_fmt(v->t.evidence, sizeof v->t.evidence, "%s", evidence);
        ab_fmt(v->t.figure, sizeof v->t.figure, "%s", figure);
    }
    vbest *b = &v->t.best[c[p.winner].strat];
    int had = b->figure[0] != '\0' && ab_run_figure(v->run, b->figure) != NULL;
    if (b->margin < 0 || (drawn && !had) || (drawn == had && margin > b->margin)) {
        b->margin = margin;
        ab_fmt(b->evidence, sizeof b->evidence, "%s", evidence);
        ab_fmt(b->figure, sizeof b->figure, "%s", figure);
    }
}

void vtally_row(vctx *v, const char *need, const char *none_why)
{
    const ab_run *run = v->run;
    char pick[200] = "", ev[900], fig[220];
    int top = -1, shared = 0;
    for (size_t k = 0; k < run->nstrats; k++) {
        if (v->t.wins[k] == 0)
            continue;
        if (top < 0 || v->t.wins[k] > v->t.wins[top]) {
            top = (int)k;
            shared = 0;
        } else if (v->t.wins[k] == v->t.wins[top]) {
            shared = 1;
        }
    }
    if (v->t.cells == 0) {
        ab_fmt(pick, sizeof pick, "no data");
        ab_fmt(ev, sizeof ev, "%s", none_why);
    } else if (v->t.one_rep == v->t.cells) {
        ab_fmt(pick, sizeof pick, "not ranked: one rep");
        ab_fmt(ev, sizeof ev, "%zu cells, each with one rep: no interval, so no ranking; "
               "run more reps", v->t.cells);
    } else if (top < 0 || shared) {
        ab_fmt(pick, sizeof pick, "tie: no single pick");
        ab_fmt(ev, sizeof ev, "%zu cells: %zu decided, %zu tied; no strategy wins most",
               v->t.cells, v->t.decided, v->t.ties);
    }
    const char *figname = v->t.figure;
    if (pick[0] == '\0') { /* one pick: its own clearest win is the evidence */
        ab_fmt(pick, sizeof pick, "%s", run->strats[top].name);
        ab_fmt(ev, sizeof ev, "wins %d of %zu cells (%zu tied); clearest: %s", v->t.wins[top],
               v->t.cells, v->t.ties, v->t.best[top].evidence);
        figname = v->t.best[top].figure;
    }
    ab_fmt(fig, sizeof fig, "%s%s", figname[0] ? FIG_LINK : "", figname[0] ? figname : "-");
    char needtxt[200];
    ab_fmt(needtxt, sizeof needtxt, "pick this if you need %s", need);
    if (v->sec < DOC_ROLES) {
        char *g = v->d->glance_line[v->sec];
        size_t gl = strlen(g);
        ab_fmt(g + gl, sizeof v->d->glance_line[0] - gl, "%s%s: %s", gl ? "; " : "", need,
               pick);
        if (v->d->glance_fig[v->sec][0] == '\0' && figname[0] != '\0' &&
            ab_run_figure(run, figname) != NULL)
            ab_fmt(v->d->glance_fig[v->sec], sizeof v->d->glance_fig[0], "%s", figname);
    }
    const char *cells[] = {needtxt, pick, ev, fig};
    doc_row(v->d, 0, COUNT_OF(cells), cells);
}

void vcsv_line(vctx *v, const vsection *s, const char *need, const char *cell,
               const char *pick, const char *tied, const char *evidence, const char *figure)
{
    if (v->csv == NULL)
        return;
    const char *f[] = {s->key, need, cell, pick, tied, evidence, figure};
    for (size_t k = 0; k < COUNT_OF(f); k++) {
        fputc(k ? ',' : '\n', v->csv);
        fputc('"', v->csv);
        for (const char *p = f[k]; *p; p++)
            fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, v->csv);
        fputc('"', v->csv);
    }
}

/* Candidates of group g in the section: one per strategy. Where some
   strategies were asked for runs of pages (contig_success is set), one that
   was not (stack: churn with single frames) did other work and is left out.
   Rows that measured nothing (op "-": skipped, skipped-timeout) are none. */
static size_t group_cands(const vctx *v, const vsection *s, size_t g, int metric, ab_cand *c,
                          const ab_cell **cell)
{
    size_t n = 0;
    int runs = 0;
    for (size_t i = 0; i < v->cs.n; i++)
        runs |= v->cs.c[i].group == g && !isnan(v->cs.c[i].proto->contig_success);
    for (size_t i = 0; i < v->cs.n && n < AB_VERDICT_MAXC; i++) {
        const ab_cell *x = &v->cs.c[i];
        if (x->group != g || !in_section(s, x->proto) || strcmp(x->proto->op, "-") == 0 ||
            (runs && isnan(x->proto->contig_success)))
            continue;
        c[n] = (ab_cand){x->e[metric], x->strat, ab_cell_failed(x)};
        if (metric == AB_M_META) /* shown in KiB per GiB managed */
            c[n].e.median /= 1024, c[n].e.lo /= 1024, c[n].e.hi /= 1024;
        cell[n++] = x;
    }
    return n;
}

static int any_served(const ab_cell *const *cell, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cell[i]->nreps > 0)
            return 1;
    return 0;
}

static void fail_text(const ab_run *run, const ab_cell **cell, size_t n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < len; i++)
        if (ab_cell_failed(cell[i]))
            used += (size_t)ab_fmt(out + used, len - used, "%s%s %.1f %%", used ? ", " : "",
                                   run->strats[cell[i]->strat].name,
                                   cell[i]->fail_rate * 100);
    if (used == 0)
        ab_fmt(out, len, "none");
}

/* Judges one latency-like metric over the section's groups; with write set,
   also writes the detail rows and verdict.csv. */
static void judge_metric(vctx *v, const vsection *s, int metric, const char *need, int write)
{
    const ab_run *run = v->run;
    int timed = metric != AB_M_META;
    vtally_reset(v);
    for (size_t g = 0; g < v->cs.ngroups; g++) {
        ab_cand c[AB_VERDICT_MAXC];
        const ab_cell *cell[AB_VERDICT_MAXC];
        size_t n = group_cands(v, s, g, metric, c, cell);
        if (n < 2 || (!timed && strcmp(cell[0]->proto->op, "alloc") != 0))
            continue;
        double q = ab_cells_quantum(cell, n, metric, v->cs.quantum_ns);
        ab_pick p = ab_verdict_pick(c, n, 1, q, timed);
        char label[200], pick[600], ev[900], fig[200], fails[400], tied[512];
        ab_cell_label(cell[0], label, sizeof label);
        if (ab_env_is_tcg(cell[0]->proto->env))
            ab_fmt(label + strlen(label), sizeof label - strlen(label), " (TCG: relative only)");
        ab_pick_text(run, c, n, p, timed ? " ns" : " KiB/GiB", pick, sizeof pick, ev, sizeof ev);
        if (timed)
            ab_cell_figure(run, cell[0], "bars", fig, sizeof fig);
        else
            pf_meta_figure_name(run, cell[0]->proto->role, fig, sizeof fig);
        if (timed && !any_served(cell, n))
            fig[0] = '\0'; /* nothing served: the percentile figure is not drawn */
        /* The clearest win is shown as evidence: prefer a host cell to one
           from a kernel under TCG, whose numbers are relative only. */
        double margin = p.runner >= 0 && p.winner >= 0 && !ab_env_is_tcg(cell[0]->proto->env)
                            ? c[p.runner].e.median / fmax(c[p.winner].e.median, 1e-9) : 0;
        vtally_add(v, c, p, margin, ev, fig);
        if (!write)
            continue;
        fail_text(run, cell, n, fails, sizeof fails);
        ab_cand_names(run, c, n, p.tied, tied, sizeof tied);
        char figl[220];
        ab_fmt(figl, sizeof figl, FIG_LINK "%s", fig);
        const char *row[] = {label, pick, ev, fails, figl};
        doc_row(v->d, 0, COUNT_OF(row), row);
        vcsv_line(v, s, need, label, p.winner >= 0 ? run->strats[c[p.winner].strat].name : "",
                  tied, ev, fig);
    }
}

static const struct {
    int metric;
    const char *need, *key;
} metrics[] = {
    {AB_M_P999, "the lowest tail latency (p99.9)", "tail_latency"},
    {AB_M_SPEED, "the fastest typical operation (batch median; mean without batches)", "mean_speed"},
    {AB_M_META, "the smallest metadata (KiB per GiB managed)", "metadata"},
};

/* Scaling: T-thread throughput over 1-thread throughput, per strategy. */
static void judge_scaling(vctx *v, const vsection *s, int write);
static void threads_table(vctx *v);

static void section_write(vctx *v, const vsection *s)
{
    size_t rows = 0;
    for (size_t i = 0; i < v->cs.n; i++)
        rows += in_section(s, v->cs.c[i].proto);
    for (size_t i = 0; i < v->tc.n && s->scaling; i++)
        rows += v->tc.c[i].proto->threads > 1;
    doc_h(v->d, 3, s->title, s->anchor);
    if (v->sec < DOC_ROLES)
        ab_fmt(v->d->glance_title[v->sec], sizeof v->d->glance_title[0], "%s", s->title);
    if (rows == 0 && !(strcmp(s->key, "pmm") == 0 && v->run->nf > 0)) {
        doc_p(v->d, "No rows for this role in the run: no verdict.");
        if (v->sec < DOC_ROLES)
            ab_fmt(v->d->glance_line[v->sec], sizeof v->d->glance_line[0],
                   "no rows for this role in the run");
        return;
    }
    const char *head[] = {"need", "pick", "evidence (median [95 % interval] over reps)",
                          "figure"};
    doc_table_begin(v->d, COUNT_OF(head), head);
    for (size_t m = 0; m < COUNT_OF(metrics) && !s->scaling; m++) {
        judge_metric(v, s, metrics[m].metric, metrics[m].key, 0);
        vtally_row(v, metrics[m].need, "no cell with two or more strategies");
    }
    if (has_frag(s)) {
        verdict_frag(v, s, -1);
    }
    if (s->scaling) {
        judge_scaling(v, s, 0);
        vtally_row(v, "throughput that grows with threads",
                   "no rows with threads > 1 and a 1-thread twin");
    }
    doc_table_end(v->d);
    const char *dhead[] = {"cell", "outcome", "evidence", "failure rate", "figure"};
    for (size_t m = 0; m < COUNT_OF(metrics) && !s->scaling; m++) {
        doc_p(v->d, "Every cell: %s.", metrics[m].need);
        doc_table_begin(v->d, COUNT_OF(dhead), dhead);
        judge_metric(v, s, metrics[m].metric, metrics[m].key, 1);
        doc_table_end(v->d);
    }
    if (has_frag(s)) {
        verdict_frag(v, s, 0);
        verdict_frag(v, s, 1);
    }
    if (s->scaling) {
        const char *thead[] = {"cell", "outcome", "evidence",
                               "threads apart, failures", "figure"};
        doc_table_begin(v->d, COUNT_OF(dhead), v->run->have_threads ? thead : dhead);
        judge_scaling(v, s, 1);
        doc_table_end(v->d);
        if (v->run->have_threads)
            threads_table(v);
    }
}

/* The 1-thread twin of cell x: same group key but threads = 1. */
static const ab_cell *one_thread_twin(const vctx *v, const ab_cell *x)
{
    for (size_t i = 0; i < v->cs.n; i++) {
        const ab_cell *y = &v->cs.c[i];
        const ab_srow *a = y->proto, *b = x->proto;
        if (y->strat == x->strat && a->threads == 1 && strcmp(a->env, b->env) == 0 &&
            strcmp(a->role, b->role) == 0 && strcmp(a->workload, b->workload) == 0 &&
            strcmp(a->op, b->op) == 0 && a->mem_bytes == b->mem_bytes && y->nreps > 0)
            return y;
    }
    return NULL;
}

static int same_tgroup(const ab_trow *a, const ab_trow *b)
{
    return strcmp(a->env, b->env) == 0 && strcmp(a->workload, b->workload) == 0 &&
           strcmp(a->op, b->op) == 0 && a->mem_bytes == b->mem_bytes &&
           a->order == b->order && a->threads == b->threads;
}

/* "threads did not run together in N of M reps: ..." for cell x, or "". */
static void apart_text(const ab_tcell *x, char *out, size_t len)
{
    out[0] = '\0';
    if (x->apart > 0 && x->proto->threads <= 1)
        ab_fmt(out, len, "one thread: together = 0 in %zu of %zu reps", x->apart,
               x->reps_seen);
    else if (x->apart > 0)
        ab_fmt(out, len, "threads did not run together in %zu of %zu reps: the %.0f-thread "
                         "figure is not a scaling figure", x->apart, x->reps_seen,
               x->proto->threads);
}

/* Scaling from threads.csv: per (env, workload, op, size, order, T > 1),
   each strategy's total ops/s with T threads over its 1-thread twin; the
   same pick rules as every other cell (higher is better). */
static void judge_threads(vctx *v, const vsection *s, int write)
{
    const ab_run *run = v->run;
    const ab_tcells *tc = &v->tc;
    vtally_reset(v);
    for (size_t i = 0; i < tc->n; i++) {
        const ab_trow *key = tc->c[i].proto;
        if (key->threads <= 1)
            continue;
        size_t j = 0;
        while (j < i && !same_tgroup(tc->c[j].proto, key))
            j++;
        if (j < i)
            continue; /* the group was judged at its first cell */
        ab_cand c[AB_VERDICT_MAXC];
        const ab_tcell *cell[AB_VERDICT_MAXC];
        size_t k = 0;
        for (j = i; j < tc->n && k < AB_VERDICT_MAXC; j++) {
            const ab_tcell *x = &tc->c[j];
            const ab_tcell *one = same_tgroup(x->proto, key) ? ab_tcell_one(tc, x) : NULL;
            if (one == NULL || x->nreps == 0 || x->strat < 0 ||
                strcmp(run->strats[x->strat].name, "null") == 0)
                continue;
            st_est r = ab_tcell_speedup(x, one, 77 + j);
            c[k] = (ab_cand){r, x->strat, x->failures > 0 || x->nreps < x->reps_seen};
            cell[k++] = x;
        }
        if (k < 2)
            continue;
        ab_pick p = ab_verdict_pick(c, k, 0, 0, 1);
        char label[200], pick[600], ev[900], fig[200], notes[600] = "";
        ab_tcell_label(cell[0], label, sizeof label);
        ab_pick_text(run, c, k, p, "x", pick, sizeof pick, ev, sizeof ev);
        pf_threads_fig_name(key, fig, sizeof fig);
        vtally_add(v, c, p, p.runner >= 0 && p.winner >= 0
                                ? c[p.winner].e.median / c[p.runner].e.median : 0, ev, fig);
        if (!write)
            continue;
        for (size_t q = 0; q < k; q++) {
            char a[300];
            apart_text(cell[q], a, sizeof a);
            if (a[0] != '\0')
                ab_fmt(notes + strlen(notes), sizeof notes - strlen(notes), "%s%s: %s",
                       notes[0] ? "; " : "", run->strats[cell[q]->strat].name, a);
            else if (cell[q]->failures > 0)
                ab_fmt(notes + strlen(notes), sizeof notes - strlen(notes), "%s%s: %.0f "
                       "failures", notes[0] ? "; " : "", run->strats[cell[q]->strat].name,
                       cell[q]->failures);
        }
        char tied[512];
        ab_cand_names(run, c, k, p.tied, tied, sizeof tied);
        char figl[220];
        ab_fmt(figl, sizeof figl, FIG_LINK "%s", fig);
        const char *row[] = {label, pick, ev, notes[0] ? notes : "-", figl};
        doc_row(v->d, 0, COUNT_OF(row), row);
        vcsv_line(v, s, "scaling", label,
                  p.winner >= 0 ? run->strats[c[p.winner].strat].name : "", tied, ev, fig);
    }
}

/* Every threads cell: total ops/s against threads per strategy, workload
   and order, with ns per op per thread, fairness and whether the threads
   ran together. */
static void threads_table(vctx *v)
{
    const ab_run *run = v->run;
    doc_p(v->d, "Every threaded cell (threads.csv): total operations per second of all "
                "threads, median over reps [95 %% interval]; the speedup over the same "
                "strategy's 1-thread cell; each thread's ns per operation (median over "
                "threads and reps); fairness (max/min operations over threads, median over "
                "reps); whether the threads ran together.");
    const char *head[] = {"strategy", "cell", "total ops/s", "speedup over 1 thread",
                          "ns per op per thread", "fairness", "threads together", "figure"};
    doc_table_begin(v->d, COUNT_OF(head), head);
    for (size_t k = 0; k < run->nstrats; k++)
        for (size_t i = 0; i < v->tc.n; i++) {
            const ab_tcell *x = &v->tc.c[i];
            if (x->strat != (int)k)
                continue;
            char label[200], tot[96], sp[96] = "-", ns[48], fair[48], tog[300], fig[200],
                figl[220];
            ab_tcell_label(x, label, sizeof label);
            if (x->nreps > 0)
                ab_est_text(x->e, tot, sizeof tot);
            else
                ab_fmt(tot, sizeof tot, "no rep served (%zu reps)", x->reps_seen);
            const ab_tcell *one = x->proto->threads > 1 ? ab_tcell_one(&v->tc, x) : NULL;
            if (one != NULL && x->nreps > 0) {
                st_est r = ab_tcell_speedup(x, one, 91 + i);
                ab_est_text(r, sp, sizeof sp);
                ab_fmt(sp + strlen(sp), sizeof sp - strlen(sp), "x");
            }
            ab_fmt(ns, sizeof ns, isnan(x->ns_per_op) ? "-" : "%.1f", x->ns_per_op);
            ab_fmt(fair, sizeof fair, isnan(x->fairness) ? "-" : "%.2f", x->fairness);
            apart_text(x, tog, sizeof tog);
            if (tog[0] == '\0')
                ab_fmt(tog, sizeof tog, "yes (%zu of %zu reps)", x->reps_seen, x->reps_seen);
            pf_threads_fig_name(x->proto, fig, sizeof fig);
            if (ab_run_figure(run, fig) != NULL)
                ab_fmt(figl, sizeof figl, FIG_LINK "%s", fig);
            else
                ab_fmt(figl, sizeof figl, "-");
            const char *row[] = {run->strats[k].name, label, tot, sp, ns, fair, tog, figl};
            doc_row(v->d, 0, COUNT_OF(row), row);
        }
    doc_table_end(v->d);
}

static void judge_scaling(vctx *v, const vsection *s, int write)
{
    const ab_run *run = v->run;
    if (run->have_threads) {
        judge_threads(v, s, write);
        return;
    }
    vtally_reset(v);
    for (size_t g = 0; g < v->cs.ngroups; g++) {
        ab_cand c[AB_VERDICT_MAXC];
        const ab_cell *cell[AB_VERDICT_MAXC];
        size_t n = group_cands(v, s, g, AB_M_MEAN, c, cell), k = 0;
        for (size_t i = 0; i < n; i++) {
            const ab_cell *one = one_thread_twin(v, cell[i]);
            if (one == NULL || cell[i]->nreps == 0)
                continue;
            double t = cell[i]->proto->threads;
            st_est r = st_ratio_ci(cell[i]->v[AB_M_MEAN], cell[i]->nreps, one->v[AB_M_MEAN],
                                   one->nreps, 0, 77 + g);
            r.median *= t, r.lo *= t, r.hi *= t;
            c[k] = (ab_cand){r, c[i].strat, c[i].failed};
            cell[k++] = cell[i];
        }
        if (k < 2)
            continue;
        ab_pick p = ab_verdict_pick(c, k, 0, 0, 1);
        char label[200], pick[600], ev[900], fig[200], fails[400];
        ab_cell_label(cell[0], label, sizeof label);
        ab_pick_text(run, c, k, p, "x", pick, sizeof pick, ev, sizeof ev);
        ab_cell_figure(run, cell[0], "scaling", fig, sizeof fig);
        vtally_add(v, c, p, p.runner >= 0 && p.winner >= 0
                                ? c[p.winner].e.median / c[p.runner].e.median : 0, ev, fig);
        if (!write)
            continue;
        fail_text(run, cell, k, fails, sizeof fails);
        char figl[220];
        ab_fmt(figl, sizeof figl, FIG_LINK "%s", fig);
        const char *row[] = {label, pick, ev, fails, figl};
        doc_row(v->d, 0, COUNT_OF(row), row);
        vcsv_line(v, s, "scaling", label,
                  p.winner >= 0 ? run->strats[c[p.winner].strat].name : "", "", ev, fig);
    }
}

static void intro(vctx *v)
{
    doc_h(v->d, 2, "Verdict: which strategy when", "verdict");
    doc_p(v->d, "Each metric of a cell is the median over its reps with a 95 %% bootstrap "
                "interval. A strategy wins only when its interval does not overlap the "
                "runner-up's and it is ahead by more than 5 %% and by more than one timer "
                "quantum; otherwise the cell is a tie and the tied group is named. A strategy "
                "that failed requests in a cell ranks after those that served them all and "
                "never wins it. Per-op values within two quanta of zero are below the "
                "timer's resolution and decide nothing; batch medians (batches of 10 ms or "
                "more) are not limited by it. Timer quantum: %.2f ns, from %s. Cells from "
                "kernels under TCG (software emulation) are relative only.",
          v->cs.quantum_ns, v->cs.quantum_from);
}

int ab_verdict_write(doc *d)
{
    vctx v;
    memset(&v, 0, sizeof v);
    v.d = d;
    v.run = d->run;
    v.t.wins = calloc(d->run->nstrats + 1, sizeof *v.t.wins);
    v.t.best = calloc(d->run->nstrats + 1, sizeof *v.t.best);
    char path[AB_PLOT_PATH + 32];
    ab_fmt(path, sizeof path, "%s/verdict.csv", d->run->dir);
    v.csv = fopen(path, "w");
    if (v.t.wins == NULL || v.t.best == NULL || v.csv == NULL ||
        ab_cells_build(d->run, &v.cs) != 0 || ab_tcells_build(d->run, &v.tc) != 0) {
        fprintf(stderr, "allocbench report: %s: cannot write the verdict\n", path);
        free(v.t.wins);
        free(v.t.best);
        if (v.csv != NULL)
            fclose(v.csv);
        ab_cells_free(&v.cs);
        ab_tcells_free(&v.tc);
        return -1;
    }
    fprintf(v.csv, "section,need,cell,pick,tied,evidence,figure");
    intro(&v);
    for (v.sec = 0; v.sec < COUNT_OF(sections); v.sec++)
        section_write(&v, &sections[v.sec]);
    fputc('\n', v.csv);
    int bad = fclose(v.csv) != 0;
    ab_cells_free(&v.cs);
    ab_tcells_free(&v.tc);
    free(v.t.wins);
    free(v.t.best);
    return bad ? -1 : 0;
}
