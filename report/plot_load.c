/*
 * allocbench plot: reading a run folder. summary.csv and frag.csv are
 * required and checked whole (plot_csv.c) and row by row here: required
 * text fields, ranges, and no two rows for the same cell. meta.json,
 * gbench*.json, programs.csv and heapscale.csv are optional; their absence
 * becomes a note in the report. A run of `allocbench programs` alone has no
 * summary.csv and frag.csv: when both are absent and programs.csv or
 * heapscale.csv is there, the run is read without them. Cost: O(rows log rows) for the duplicate check.
 */
#define _POSIX_C_SOURCE 200809L
#include "hist.h"
#include "plot_run.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

int ab_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return n;
}

void ab_run_note(ab_run *run, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nn = realloc(run->notes, (run->nnotes + 1) * sizeof *nn);
    if (nn == NULL)
        return;
    run->notes = nn;
    run->notes[run->nnotes++] = strdup(buf);
}

int ab_env_is_host(const char *env) { return strcmp(env, "host") == 0; }

void ab_mem_label(double bytes, char *out, size_t outlen)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (bytes >= 1024 && u + 1 < COUNT_OF(units)) {
        bytes /= 1024;
        u++;
    }
    if (bytes == floor(bytes))
        ab_fmt(out, outlen, "%.0f %s", bytes, units[u]);
    else
        ab_fmt(out, outlen, "%.3g %s", bytes, units[u]);
}

int ab_run_strat(const ab_run *run, const char *name)
{
    for (size_t k = 0; k < run->nstrats; k++)
        if (strcmp(run->strats[k].name, name) == 0)
            return (int)k;
    return -1;
}

/* strategies.csv (written by the measuring side): name, caps, colour slot,
   in the order figures list them. Absent: the strategies keep their order of
   appearance in the rows and slot = that order. Returns 0, or -1 after a
   message naming the file and line. */
void pl_strat_add(ab_run *run, const char *name)
{
    if (ab_run_strat(run, name) >= 0)
        return;
    ab_strat *ns = realloc(run->strats, (run->nstrats + 1) * sizeof *ns);
    if (ns == NULL)
        return;
    run->strats = ns;
    ab_strat *s = &run->strats[run->nstrats++];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    s->ident = strdup(name);
    for (char *c = s->ident; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9')))
            *c = '_';
}


static int strategies_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/strategies.csv", run->dir);
    if (!ab_file_present(path))
        return 0;
    static const char *const req[] = {"name", NULL};
    static const char *const num[] = {"colour_slot", NULL};
    ab_table t;
    if (ab_table_load(&t, path, req, num, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench report: %s\n", err);
        return -1;
    }
    int c_name = ab_table_col(&t, "name"), c_caps = ab_table_col(&t, "caps"),
        c_slot = ab_table_col(&t, "colour_slot");
    for (size_t r = 0; r < t.nrows; r++) {
        pl_strat_add(run, ab_table_str(&t, r, c_name));
        int k = ab_run_strat(run, ab_table_str(&t, r, c_name));
        double slot;
        if (k < 0)
            continue;
        run->strats[k].caps = strdup(ab_table_str(&t, r, c_caps));
        run->strats[k].slot = ab_table_num(&t, r, c_slot, &slot) ? (int)slot : k;
        run->strats[k].listed = 1;
    }
    run->have_strategies = 1;
    ab_table_free(&t);
    return 0;
}

/* Colour slots for the strategies strategies.csv did not list. */
static void strats_finish(ab_run *run)
{
    for (size_t k = 0; k < run->nstrats; k++)
        if (!run->strats[k].listed)
            run->strats[k].slot = (int)k;
}

int pl_row_error(const ab_table *t, size_t row, const char *fmt, const char *a,
                 const char *b)
{
    fprintf(stderr, "allocbench plot: %s:%zu: ", t->path, t->lines[row]);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return -1;
}

static const char *const summary_required[] = {
    "env", "strategy", "role", "workload", "mem_bytes", "fill", "seed", "op", "count",
    "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", NULL,
};
static const char *const summary_numeric[] = {
    "mem_bytes", "fill", "seed", "count", "mean_ns", "p50_ns", "p90_ns", "p99_ns",
    "p999_ns", "max_ns", "mean_cycles", "p50_cycles", "p90_cycles", "p99_cycles",
    "p999_cycles", "max_cycles", "batch_count", "batch_mean_cycles", "batch_mean_ns",
    "failures", "skipped", "contig_success", "meta_bytes", "meta_bytes_per_gib",
    "total_pages", "threads", "rep", "batch_median_ns", "batch_median_cycles", NULL,
};
static const char *const frag_required[] = {
    "env", "strategy", "workload", "mem_bytes", "seed", "step", "free_pages",
    "largest_free_run", "free_runs", "ext_frag", "free_2m_blocks", NULL,
};
static const char *const frag_numeric[] = {
    "mem_bytes", "seed", "step", "free_pages", "largest_free_run", "free_runs",
    "ext_frag", "free_2m_blocks", "fill", "contig_tried", "contig_success", "threads", "rep",
    NULL,
};

/* Key text of a row for the duplicate check. */
typedef struct keyed {
    char *key;
    size_t row;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->row < y->row ? -1 : x->row > y->row);
}

/* Fails on two rows with the same values in cols (first reported). */
int pl_duplicates_check(const ab_table *t, const char *const *cols, const char *what)
{
    keyed *k = calloc(t->nrows, sizeof *k);
    if (k == NULL)
        return -1;
    int idx[16], n = 0;
    for (; cols[n] != NULL; n++)
        idx[n] = ab_table_col(t, cols[n]);
    for (size_t r = 0; r < t->nrows; r++) {
        size_t len = 1;
        for (int c = 0; c < n; c++)
            len += strlen(ab_table_str(t, r, idx[c])) + 1;
        k[r].key = malloc(len);
        k[r].row = r;
        if (k[r].key == NULL)
            continue;
        k[r].key[0] = '\0';
        for (int c = 0; c < n; c++) {
            strcat(k[r].key, ab_table_str(t, r, idx[c]));
            strcat(k[r].key, ",");
        }
    }
    int rc = 0;
    qsort(k, t->nrows, sizeof *k, keyed_cmp);
    for (size_t r = 1; r < t->nrows && rc == 0; r++)
        if (k[r].key != NULL && k[r - 1].key != NULL && strcmp(k[r].key, k[r - 1].key) == 0) {
            char first[32];
            ab_fmt(first, sizeof first, "%zu", t->lines[k[r - 1].row]);
            rc = pl_row_error(t, k[r].row, "%s repeats the row at line %s", what, first);
        }
    for (size_t r = 0; r < t->nrows; r++)
        free(k[r].key);
    free(k);
    return rc;
}

/* Reads run->dir/file into t and checks that no two rows share key; 0, or
   -1 after printing why. */
int pl_table_read(const ab_run *run, ab_table *t, const char *file,
                  const char *const *required, const char *const *numeric,
                  const char *const *key, const char *what)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/%s", run->dir, file);
    if (ab_table_load(t, path, required, numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    return pl_duplicates_check(t, key, what);
}

/* The columns of a summary.csv row, of a frag.csv row. */
static const ab_field summary_fields[] = {
    AB_COL_TEXT(ab_srow, env), AB_COL_TEXT(ab_srow, strategy), AB_COL_TEXT(ab_srow, role),
    AB_COL_TEXT(ab_srow, workload), AB_COL_TEXT(ab_srow, op),
    AB_COL_TEXT_OR(ab_srow, status, "ok"), AB_COL_LINE(ab_srow, line),
    AB_COL_NUM(ab_srow, mem_bytes), AB_COL_NUM(ab_srow, fill), AB_COL_NUM(ab_srow, seed),
    AB_COL_NUM(ab_srow, count), AB_COL_NUM_OR(ab_srow, threads, 1),
    AB_COL_NUM_OR(ab_srow, rep, 0), AB_COL_NUM(ab_srow, mean_ns), AB_COL_NUM(ab_srow, p50_ns),
    AB_COL_NUM(ab_srow, p90_ns), AB_COL_NUM(ab_srow, p99_ns), AB_COL_NUM(ab_srow, p999_ns),
    AB_COL_NUM(ab_srow, max_ns), AB_COL_NUM(ab_srow, meta_bytes),
    AB_COL_NUM_AS(ab_srow, meta_per_gib, "meta_bytes_per_gib"),
    AB_COL_NUM(ab_srow, failures), AB_COL_NUM(ab_srow, batch_median_ns),
    AB_COL_NUM(ab_srow, batch_median_cycles), AB_COL_NUM(ab_srow, contig_success),
};
static const ab_field frag_fields[] = {
    AB_COL_TEXT(ab_frow, env), AB_COL_TEXT(ab_frow, strategy), AB_COL_TEXT(ab_frow, workload),
    AB_COL_TEXT(ab_frow, role), AB_COL_LINE(ab_frow, line), AB_COL_NUM(ab_frow, mem_bytes), AB_COL_NUM(ab_frow, seed),
    AB_COL_NUM(ab_frow, step), AB_COL_NUM(ab_frow, fill), AB_COL_NUM(ab_frow, free_pages),
    AB_COL_NUM(ab_frow, largest_free_run), AB_COL_NUM(ab_frow, free_runs),
    AB_COL_NUM(ab_frow, ext_frag), AB_COL_NUM_AS(ab_frow, free_2m, "free_2m_blocks"),
    AB_COL_NUM_OR(ab_frow, threads, 1), AB_COL_NUM_OR(ab_frow, rep, 0),
    AB_COL_NUM(ab_frow, contig_tried),
};

/* Row r's latencies (mean, p50, p90, p99, p999, max), checked: present when
   status ok with samples, not negative, percentiles in order. 0, or -1
   after printing why. */
static int summary_latencies(const ab_table *t, size_t r, const ab_srow *s)
{
    const double lat[] = {s->mean_ns, s->p50_ns, s->p90_ns, s->p99_ns, s->p999_ns, s->max_ns};
    static const char *const names[] = {"mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
                                        "max_ns"};
    for (size_t k = 0; k < COUNT_OF(lat); k++) {
        if (strcmp(s->status, "ok") == 0 && s->count > 0 && isnan(lat[k]))
            return pl_row_error(t, r, "status ok with samples, but column '%s' is empty%s",
                                names[k], "");
        if (lat[k] < 0)
            return pl_row_error(t, r, "column '%s' is negative%s", names[k], "");
    }
    if (s->count > 0 && !(s->p50_ns <= s->p90_ns && s->p90_ns <= s->p99_ns &&
                          s->p99_ns <= s->p999_ns && s->p999_ns <= s->max_ns))
        return pl_row_error(t, r, "percentiles are not in order (p50 <= p90 <= p99 <= "
                                  "p99.9 <= max)%s%s", "", "");
    return 0;
}

static int summary_load(ab_run *run)
{
    ab_table *t = &run->summary;
    static const char *const key[] = {"env", "strategy", "role", "workload", "mem_bytes",
                                      "fill", "threads", "seed", "rep", "op", NULL};
    if (pl_table_read(run, t, "summary.csv", summary_required, summary_numeric, key,
                      "the cell (env..op)") != 0)
        return -1;
    run->s = calloc(t->nrows, sizeof *run->s);
    if (run->s == NULL ||
        ab_table_rows(t, summary_fields, COUNT_OF(summary_fields), run->s, sizeof *run->s) != 0)
        return -1;
    run->have_batch_median = ab_table_col(t, "batch_median_ns") >= 0;
    const char *first_role = NULL;
    for (size_t r = 0; r < t->nrows; r++) {
        ab_srow *s = &run->s[r];
        const char *texts[] = {s->env, s->strategy, s->workload, s->op};
        const char *names[] = {"env", "strategy", "workload", "op"};
        for (size_t k = 0; k < COUNT_OF(texts); k++)
            if (texts[k][0] == '\0')
                return pl_row_error(t, r, "column '%s' is empty%s", names[k], "");
        if (isnan(s->threads))
            s->threads = 1;
        if (isnan(s->rep))
            s->rep = 0;
        if (!(s->mem_bytes > 0))
            return pl_row_error(t, r, "column 'mem_bytes' must be a positive size%s%s", "", "");
        if (isnan(s->count))
            return pl_row_error(t, r, "column 'count' is empty%s%s", "", "");
        if (summary_latencies(t, r, s) != 0)
            return -1;
        if (isnan(s->meta_per_gib) && !isnan(s->meta_bytes))
            s->meta_per_gib = s->meta_bytes * 1073741824.0 / s->mem_bytes;
        if (first_role == NULL)
            first_role = s->role;
        else if (strcmp(first_role, s->role) != 0)
            run->multi_role = 1;
        pl_strat_add(run, s->strategy);
    }
    run->ns = t->nrows;
    return 0;
}

static int frag_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/frag.csv", run->dir);
    ab_table *t = &run->frag;
    if (ab_table_load(t, path, frag_required, frag_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    run->f = calloc(t->nrows, sizeof *run->f);
    if (run->f == NULL ||
        ab_table_rows(t, frag_fields, COUNT_OF(frag_fields), run->f, sizeof *run->f) != 0)
        return -1;
    if (ab_table_col(t, "role") < 0 && t->nrows > 0)
        ab_run_note(run, "frag.csv has no role column: PMM and VMM samples of the same "
                         "workload, size and fill are drawn and judged together.");
    if (ab_table_col(t, "fill") < 0)
        ab_run_note(run, "frag.csv has no fill column: fragmentation is grouped without "
                         "the fill level, and the ext-frag-against-fill plot is not drawn.");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_frow *f = &run->f[r];
        if (f->env[0] == '\0' || f->strategy[0] == '\0' || f->workload[0] == '\0')
            return pl_row_error(t, r, "env, strategy and workload must not be empty%s%s", "", "");
        if (isnan(f->threads))
            f->threads = 1;
        if (isnan(f->rep))
            f->rep = 0;
        const char *names[] = {"mem_bytes", "step", "free_pages", "ext_frag", "free_2m_blocks"};
        double vals[] = {f->mem_bytes, f->step, f->free_pages, f->ext_frag, f->free_2m};
        for (size_t k = 0; k < COUNT_OF(vals); k++)
            if (isnan(vals[k]))
                return pl_row_error(t, r, "column '%s' is empty%s", names[k], "");
        if (f->ext_frag < 0 || f->ext_frag > 1)
            return pl_row_error(t, r, "column 'ext_frag' is %s, outside 0..1%s",
                                ab_table_str(t, r, ab_table_col(t, "ext_frag")), "");
        if (f->largest_free_run > f->free_pages)
            return pl_row_error(t, r, "largest_free_run exceeds free_pages%s%s", "", "");
        pl_strat_add(run, f->strategy);
    }
    run->nf = t->nrows;
    return 0;
}

/* A programs-only run: no summary.csv and no frag.csv, but programs.csv or
   heapscale.csv. */
static int cells_absent(ab_run *run)
{
    const char *const need[] = {"summary.csv", "frag.csv"};
    const char *const other[] = {"programs.csv", "heapscale.csv"};
    char path[AB_PLOT_PATH + 32];
    for (size_t k = 0; k < COUNT_OF(need); k++) {
        ab_fmt(path, sizeof path, "%s/%s", run->dir, need[k]);
        if (ab_file_present(path))
            return 0;
    }
    for (size_t k = 0; k < COUNT_OF(other); k++) {
        ab_fmt(path, sizeof path, "%s/%s", run->dir, other[k]);
        if (ab_file_present(path))
            return 1;
    }
    return 0;
}

/* For tests/fuzz/fuzz_report_json only: meta.json and the gbench*.json
   files of run->dir, read as ab_run_load reads them. */
int ab_run_load_json(ab_run *run)
{
    return pl_meta_load(run) != 0 || pl_gbench_load(run) != 0 ? -1 : 0;
}

/* Host rows' batch medians in ns from their cycles (3 decimals) and
   meta.json's tsc_hz: runs before the summary kept 3 decimals in ns wrote
   one, which cuts a 3 ns operation into 3 % steps. Kernel rows keep theirs:
   their TSC is the guest's. So does a row whose ns the derived value does
   not truncate to (a cell merged from a machine with another clock). */
static void batch_ns_from_cycles(ab_run *run)
{
    const json_t *hz = run->meta != NULL ? json_object_get(run->meta, "tsc_hz") : NULL;
    double f = json_is_number(hz) ? json_number_value(hz) : 0;
    for (size_t r = 0; f > 0 && r < run->summary.nrows; r++) {
        ab_srow *s = &run->s[r];
        double ns = s->batch_median_cycles * 1e9 / f, w = s->batch_median_ns;
        /* the writer truncates: ns lies in [w, w + 0.1), give or take the
           cell's own calibration of the clock (0.5 %) */
        if (strcmp(s->env, "host") == 0 && !isnan(ns) && ns >= w * 0.995 &&
            ns < w * 1.005 + 0.1)
            s->batch_median_ns = ns;
    }
}

int ab_run_load(ab_run *run)
{
    run->no_cells = cells_absent(run);
    if (run->no_cells)
        ab_run_note(run, "No summary.csv and no frag.csv in this run (allocbench programs "
                         "alone): only the heap sections are drawn.");
    if (strategies_load(run) != 0 || (!run->no_cells && (summary_load(run) != 0 || frag_load(run) != 0)) ||
        pl_meta_load(run) != 0 || pl_gbench_load(run) != 0 || pl_programs_load(run) != 0 ||
        pl_heapscale_load(run) != 0 || ab_hist_load(run) != 0 ||
        pl_threads_load(run) != 0 || pl_memprobe_load(run) != 0)
        return -1;
    if (!run->no_cells)
        batch_ns_from_cycles(run);
    for (size_t k = 0; k < run->ng; k++)
        pl_gbench_strategy(run, run->g[k].name, 1);
    strats_finish(run);
    for (size_t k = 0; k < run->ns; k++)
        run->s[k].strat = ab_run_strat(run, run->s[k].strategy);
    for (size_t k = 0; k < run->nf; k++)
        run->f[k].strat = ab_run_strat(run, run->f[k].strategy);
    for (size_t k = 0; k < run->ng; k++)
        run->g[k].strat = pl_gbench_strategy(run, run->g[k].name, 0);
    for (size_t k = 0; k < run->np; k++)
        run->p[k].strat = ab_run_strat(run, run->p[k].allocator);
    for (size_t k = 0; k < run->nhs; k++)
        run->hs[k].strat = ab_run_strat(run, run->hs[k].heap);
    for (size_t k = 0; k < run->nt; k++)
        run->t[k].strat = ab_run_strat(run, run->t[k].strategy);
    return 0;
}

void ab_run_free(ab_run *run)
{
    ab_table_free(&run->summary);
    ab_table_free(&run->hist);
    ab_table_free(&run->frag);
    ab_table_free(&run->programs);
    ab_table_free(&run->heapscale);
    ab_table_free(&run->threads);
    ab_table_free(&run->memprobe);
    free(run->t);
    free(run->p);
    free(run->hs);
    json_decref(run->meta);
    free(run->s);
    free(run->f);
    for (size_t k = 0; k < run->ng; k++) {
        free(run->g[k].file);
        free(run->g[k].name);
        free(run->g[k].family);
    }
    free(run->g);
    for (size_t k = 0; k < run->nstrats; k++) {
        free(run->strats[k].name);
        free(run->strats[k].ident);
        free(run->strats[k].caps);
    }
    free(run->strats);
    free(run->defs);
    free(run->figs);
    for (size_t k = 0; k < run->nnotes; k++)
        free(run->notes[k]);
    free(run->notes);
    memset(run, 0, sizeof *run);
}
