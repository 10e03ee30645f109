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
static void strat_add(ab_run *run, const char *name)
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
    if (access(path, F_OK) != 0)
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
        strat_add(run, ab_table_str(&t, r, c_name));
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

static double num_or_nan(const ab_table *t, size_t row, int col)
{
    double v;
    return ab_table_num(t, row, col, &v) ? v : NAN;
}

static int row_error(const ab_table *t, size_t row, const char *fmt, const char *a,
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
    "total_pages", "threads", "rep", "batch_median_ns", NULL,
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
static int duplicates_check(const ab_table *t, const char *const *cols, const char *what)
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
            rc = row_error(t, k[r].row, "%s repeats the row at line %s", what, first);
        }
    for (size_t r = 0; r < t->nrows; r++)
        free(k[r].key);
    free(k);
    return rc;
}

static int summary_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/summary.csv", run->dir);
    ab_table *t = &run->summary;
    if (ab_table_load(t, path, summary_required, summary_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"env", "strategy", "role", "workload", "mem_bytes",
                                      "fill", "threads", "seed", "rep", "op", NULL};
    if (duplicates_check(t, key, "the cell (env..op)") != 0)
        return -1;
    run->s = calloc(t->nrows, sizeof *run->s);
    if (run->s == NULL)
        return -1;
    int c_env = ab_table_col(t, "env"), c_strat = ab_table_col(t, "strategy"),
        c_role = ab_table_col(t, "role"), c_wl = ab_table_col(t, "workload"),
        c_op = ab_table_col(t, "op"), c_status = ab_table_col(t, "status"),
        c_mem = ab_table_col(t, "mem_bytes"), c_fill = ab_table_col(t, "fill"),
        c_seed = ab_table_col(t, "seed"), c_count = ab_table_col(t, "count"),
        c_mean = ab_table_col(t, "mean_ns"), c_p50 = ab_table_col(t, "p50_ns"),
        c_p90 = ab_table_col(t, "p90_ns"), c_p99 = ab_table_col(t, "p99_ns"),
        c_p999 = ab_table_col(t, "p999_ns"), c_max = ab_table_col(t, "max_ns"),
        c_meta = ab_table_col(t, "meta_bytes"), c_mpg = ab_table_col(t, "meta_bytes_per_gib"),
        c_fail = ab_table_col(t, "failures"), c_thr = ab_table_col(t, "threads"),
        c_rep = ab_table_col(t, "rep"), c_bmed = ab_table_col(t, "batch_median_ns");
    run->have_batch_median = c_bmed >= 0;
    const char *first_role = NULL;
    for (size_t r = 0; r < t->nrows; r++) {
        ab_srow *s = &run->s[r];
        s->env = ab_table_str(t, r, c_env);
        s->strategy = ab_table_str(t, r, c_strat);
        s->role = ab_table_str(t, r, c_role);
        s->workload = ab_table_str(t, r, c_wl);
        s->op = ab_table_str(t, r, c_op);
        s->status = c_status >= 0 ? ab_table_str(t, r, c_status) : "ok";
        s->line = t->lines[r];
        const char *texts[] = {s->env, s->strategy, s->workload, s->op};
        const char *names[] = {"env", "strategy", "workload", "op"};
        for (size_t k = 0; k < COUNT_OF(texts); k++)
            if (texts[k][0] == '\0')
                return row_error(t, r, "column '%s' is empty%s", names[k], "");
        s->mem_bytes = num_or_nan(t, r, c_mem);
        s->fill = num_or_nan(t, r, c_fill);
        s->seed = num_or_nan(t, r, c_seed);
        s->count = num_or_nan(t, r, c_count);
        s->threads = c_thr >= 0 ? num_or_nan(t, r, c_thr) : 1;
        s->rep = c_rep >= 0 ? num_or_nan(t, r, c_rep) : 0;
        if (isnan(s->threads))
            s->threads = 1;
        if (isnan(s->rep))
            s->rep = 0;
        if (!(s->mem_bytes > 0))
            return row_error(t, r, "column 'mem_bytes' must be a positive size%s%s", "", "");
        if (isnan(s->count))
            return row_error(t, r, "column 'count' is empty%s%s", "", "");
        double *lat[] = {&s->mean_ns, &s->p50_ns, &s->p90_ns, &s->p99_ns, &s->p999_ns,
                         &s->max_ns};
        int latc[] = {c_mean, c_p50, c_p90, c_p99, c_p999, c_max};
        for (size_t k = 0; k < COUNT_OF(lat); k++) {
            *lat[k] = num_or_nan(t, r, latc[k]);
            if (strcmp(s->status, "ok") == 0 && s->count > 0 && isnan(*lat[k]))
                return row_error(t, r, "status ok with samples, but column '%s' is empty%s",
                                 t->cols[latc[k]], "");
            if (*lat[k] < 0)
                return row_error(t, r, "column '%s' is negative%s", t->cols[latc[k]], "");
        }
        if (s->count > 0 && !(s->p50_ns <= s->p90_ns && s->p90_ns <= s->p99_ns &&
                              s->p99_ns <= s->p999_ns && s->p999_ns <= s->max_ns))
            return row_error(t, r, "percentiles are not in order (p50 <= p90 <= p99 <= "
                             "p99.9 <= max)%s%s", "", "");
        s->meta_bytes = num_or_nan(t, r, c_meta);
        s->meta_per_gib = num_or_nan(t, r, c_mpg);
        if (isnan(s->meta_per_gib) && !isnan(s->meta_bytes))
            s->meta_per_gib = s->meta_bytes * 1073741824.0 / s->mem_bytes;
        s->failures = num_or_nan(t, r, c_fail);
        s->batch_median_ns = num_or_nan(t, r, c_bmed);
        if (first_role == NULL)
            first_role = s->role;
        else if (strcmp(first_role, s->role) != 0)
            run->multi_role = 1;
        strat_add(run, s->strategy);
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
    if (run->f == NULL)
        return -1;
    int c_env = ab_table_col(t, "env"), c_strat = ab_table_col(t, "strategy"),
        c_wl = ab_table_col(t, "workload"), c_mem = ab_table_col(t, "mem_bytes"),
        c_seed = ab_table_col(t, "seed"), c_step = ab_table_col(t, "step"),
        c_fill = ab_table_col(t, "fill"), c_fp = ab_table_col(t, "free_pages"),
        c_lr = ab_table_col(t, "largest_free_run"), c_fr = ab_table_col(t, "free_runs"),
        c_ef = ab_table_col(t, "ext_frag"), c_2m = ab_table_col(t, "free_2m_blocks"),
        c_thr = ab_table_col(t, "threads"), c_rep = ab_table_col(t, "rep"),
        c_ct = ab_table_col(t, "contig_tried");
    if (c_fill < 0)
        ab_run_note(run, "frag.csv has no fill column: fragmentation is grouped without "
                         "the fill level, and the ext-frag-against-fill plot is not drawn.");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_frow *f = &run->f[r];
        f->env = ab_table_str(t, r, c_env);
        f->strategy = ab_table_str(t, r, c_strat);
        f->workload = ab_table_str(t, r, c_wl);
        f->line = t->lines[r];
        if (f->env[0] == '\0' || f->strategy[0] == '\0' || f->workload[0] == '\0')
            return row_error(t, r, "env, strategy and workload must not be empty%s%s", "", "");
        f->mem_bytes = num_or_nan(t, r, c_mem);
        f->seed = num_or_nan(t, r, c_seed);
        f->step = num_or_nan(t, r, c_step);
        f->fill = num_or_nan(t, r, c_fill);
        f->free_pages = num_or_nan(t, r, c_fp);
        f->largest_free_run = num_or_nan(t, r, c_lr);
        f->free_runs = num_or_nan(t, r, c_fr);
        f->ext_frag = num_or_nan(t, r, c_ef);
        f->free_2m = num_or_nan(t, r, c_2m);
        f->threads = c_thr >= 0 ? num_or_nan(t, r, c_thr) : 1;
        f->rep = c_rep >= 0 ? num_or_nan(t, r, c_rep) : 0;
        f->contig_tried = num_or_nan(t, r, c_ct);
        if (isnan(f->threads))
            f->threads = 1;
        if (isnan(f->rep))
            f->rep = 0;
        const char *names[] = {"mem_bytes", "step", "free_pages", "ext_frag", "free_2m_blocks"};
        double vals[] = {f->mem_bytes, f->step, f->free_pages, f->ext_frag, f->free_2m};
        for (size_t k = 0; k < COUNT_OF(vals); k++)
            if (isnan(vals[k]))
                return row_error(t, r, "column '%s' is empty%s", names[k], "");
        if (f->ext_frag < 0 || f->ext_frag > 1)
            return row_error(t, r, "column 'ext_frag' is %s, outside 0..1%s",
                             ab_table_str(t, r, c_ef), "");
        if (f->largest_free_run > f->free_pages)
            return row_error(t, r, "largest_free_run exceeds free_pages%s%s", "", "");
        strat_add(run, f->strategy);
    }
    run->nf = t->nrows;
    return 0;
}

static int meta_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32];
    ab_fmt(path, sizeof path, "%s/meta.json", run->dir);
    if (access(path, F_OK) != 0) {
        ab_fmt(run->meta_note, sizeof run->meta_note,
                 "meta.json is absent: the machine, compiler and commit of this run "
                 "are unknown.");
        return 0;
    }
    json_error_t jerr;
    run->meta = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (run->meta == NULL) {
        fprintf(stderr, "allocbench plot: %s: line %d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_object(run->meta)) {
        fprintf(stderr, "allocbench plot: %s:1: expected a JSON object\n", path);
        return -1;
    }
    return 0;
}

/* A member's string value, NULL when absent or not a string. */
static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static double unit_to_ns(const char *unit)
{
    if (unit == NULL || strcmp(unit, "ns") == 0)
        return 1;
    if (strcmp(unit, "us") == 0)
        return 1e3;
    if (strcmp(unit, "ms") == 0)
        return 1e6;
    if (strcmp(unit, "s") == 0)
        return 1e9;
    return NAN;
}

/* The strategy a benchmark name mentions: the first token (split at '/',
   '_', ':', '<', '>', '=', ',') equal to a strategy name. With add, registry
   names not seen elsewhere in the run join the strategy list. */
static int gbench_strategy(ab_run *run, const char *name, int add)
{
    char buf[512];
    ab_fmt(buf, sizeof buf, "%s", name);
    for (char *tok = strtok(buf, "/_:<>=, "); tok != NULL; tok = strtok(NULL, "/_:<>=, ")) {
        (void)add; /* names join only through the rows or strategies.csv */
        int k = ab_run_strat(run, tok);
        if (k >= 0)
            return k;
    }
    return -1;
}

static void gbench_add(ab_run *run, const char *file, const char *name, double mean,
                       double err, int reps)
{
    ab_gbench *ng = realloc(run->g, (run->ng + 1) * sizeof *ng);
    if (ng == NULL)
        return;
    run->g = ng;
    ab_gbench *g = &run->g[run->ng++];
    g->file = strdup(file);
    g->name = strdup(name);
    g->family = strdup(name);
    char *slash = strchr(g->family, '/');
    if (slash != NULL)
        *slash = '\0';
    g->mean_ns = mean;
    g->err_ns = err;
    g->reps = reps;
    g->strat = -1;
}

/* One gbench JSON file: aggregates (mean, stddev) when the run had
   repetitions, else the mean and spread of the iteration rows per name. */
static int gbench_file(ab_run *run, const char *dirpath, const char *fname)
{
    char path[AB_PLOT_PATH + 300];
    ab_fmt(path, sizeof path, "%s/%s", dirpath, fname);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL) {
        fprintf(stderr, "allocbench plot: %s: line %d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    const json_t *list = json_object_get(j, "benchmarks");
    if (!json_is_array(list)) {
        fprintf(stderr, "allocbench plot: %s:1: no \"benchmarks\" array: not Google "
                        "Benchmark JSON\n", path);
        json_decref(j);
        return -1;
    }
    size_t before = run->ng;
    /* Pass 1: aggregates. */
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *b = json_array_get(list, i), *tm = json_object_get(b, "real_time");
        const char *rt = jstr(b, "run_type"), *an = jstr(b, "aggregate_name");
        const char *rn = jstr(b, "run_name");
        if (rt == NULL || strcmp(rt, "aggregate") != 0 || an == NULL || rn == NULL ||
            !json_is_number(tm))
            continue;
        double scale = unit_to_ns(jstr(b, "time_unit"));
        if (strcmp(an, "mean") == 0) {
            /* A count out of int's range (or not a count) is unknown: 0. */
            double reps = json_number_value(json_object_get(b, "repetitions"));
            gbench_add(run, fname, rn, json_number_value(tm) * scale, 0,
                       reps >= 0 && reps <= INT_MAX ? (int)reps : 0);
        } else if (strcmp(an, "stddev") == 0) {
            for (size_t k = before; k < run->ng; k++)
                if (strcmp(run->g[k].name, rn) == 0)
                    run->g[k].err_ns = json_number_value(tm) * scale;
        }
    }
    if (run->ng == before) {
        /* Pass 2: plain iteration rows, grouped by name. */
        for (size_t i = 0; i < json_array_size(list); i++) {
            const json_t *b = json_array_get(list, i), *tm = json_object_get(b, "real_time");
            const char *nm = jstr(b, "name"), *rt = jstr(b, "run_type");
            if (nm == NULL || !json_is_number(tm) || (rt != NULL && strcmp(rt, "iteration") != 0))
                continue;
            double v = json_number_value(tm) * unit_to_ns(jstr(b, "time_unit"));
            size_t k = before;
            while (k < run->ng && strcmp(run->g[k].name, nm) != 0)
                k++;
            if (k == run->ng) {
                gbench_add(run, fname, nm, v, v * v, 1);
            } else {
                run->g[k].mean_ns += v; /* sums until the pass ends */
                run->g[k].err_ns += v * v;
                run->g[k].reps++;
            }
        }
        for (size_t k = before; k < run->ng; k++) {
            ab_gbench *g = &run->g[k];
            double n = g->reps, mean = g->mean_ns / n;
            double var = n > 1 ? (g->err_ns - n * mean * mean) / (n - 1) : 0;
            g->mean_ns = mean;
            g->err_ns = var > 0 ? sqrt(var) : 0;
        }
    }
    for (size_t k = before; k < run->ng; k++)
        if (isnan(run->g[k].mean_ns)) {
            fprintf(stderr, "allocbench plot: %s: benchmark '%s' has an unknown time_unit\n",
                    path, run->g[k].name);
            json_decref(j);
            return -1;
        }
    if (run->ng == before)
        ab_run_note(run, "%s holds no benchmark results.", fname);
    json_decref(j);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int gbench_load(ab_run *run)
{
    DIR *d = opendir(run->dir);
    if (d == NULL) {
        fprintf(stderr, "allocbench plot: %s: cannot open the folder\n", run->dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "gbench", 6) == 0 && len > 5 &&
            strcmp(e->d_name + len - 5, ".json") == 0) {
            char **nn = realloc(names, (n + 1) * sizeof *nn);
            if (nn == NULL)
                break;
            names = nn;
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, name_cmp);
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        if (rc == 0)
            rc = gbench_file(run, run->dir, names[k]);
        free(names[k]);
    }
    free(names);
    if (n == 0)
        ab_fmt(run->gbench_note, sizeof run->gbench_note,
                 "No Google Benchmark output (gbench*.json) in this run: its plot is "
                 "not drawn.");
    return rc;
}

static const char *const programs_required[] = {
    "program", "allocator", "wall_median_s", "max_rss_kib", "footprint_over_live", "status",
    NULL,
};
static const char *const programs_numeric[] = {
    "runs", "wall_median_s", "wall_stddev_s", "wall_min_s", "wall_max_s", "max_rss_kib",
    "peak_live_bytes", "peak_footprint_bytes", "footprint_over_live", NULL,
};

static int programs_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/programs.csv", run->dir);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        ab_run_note(run, "No programs.csv (heaps under real programs: allocbench programs) in "
                         "this run: the heap table and the footprint/live plot are not shown.");
        return 0;
    }
    fclose(fp);
    ab_table *t = &run->programs;
    if (ab_table_load(t, path, programs_required, programs_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"program", "allocator", NULL};
    if (duplicates_check(t, key, "the program x allocator") != 0)
        return -1;
    run->p = calloc(t->nrows, sizeof *run->p);
    if (run->p == NULL)
        return -1;
    int c_prog = ab_table_col(t, "program"), c_al = ab_table_col(t, "allocator"),
        c_st = ab_table_col(t, "status"), c_kind = ab_table_col(t, "footprint_kind"),
        c_runs = ab_table_col(t, "runs"), c_med = ab_table_col(t, "wall_median_s"),
        c_sd = ab_table_col(t, "wall_stddev_s"), c_min = ab_table_col(t, "wall_min_s"),
        c_max = ab_table_col(t, "wall_max_s"), c_rss = ab_table_col(t, "max_rss_kib"),
        c_live = ab_table_col(t, "peak_live_bytes"),
        c_fp = ab_table_col(t, "peak_footprint_bytes"),
        c_ratio = ab_table_col(t, "footprint_over_live");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_prow *p = &run->p[r];
        p->program = ab_table_str(t, r, c_prog);
        p->allocator = ab_table_str(t, r, c_al);
        p->status = ab_table_str(t, r, c_st);
        p->fp_kind = c_kind >= 0 ? ab_table_str(t, r, c_kind) : "";
        p->line = t->lines[r];
        if (p->program[0] == '\0' || p->allocator[0] == '\0' || p->status[0] == '\0')
            return row_error(t, r, "program, allocator and status must not be empty%s%s", "",
                             "");
        p->ok = strncmp(p->status, "ok", 2) == 0;
        double *v[] = {&p->runs, &p->median_s, &p->stddev_s, &p->min_s, &p->max_s,
                       &p->rss_kib, &p->live, &p->footprint, &p->ratio};
        int c[] = {c_runs, c_med, c_sd, c_min, c_max, c_rss, c_live, c_fp, c_ratio};
        for (size_t k = 0; k < COUNT_OF(v); k++) {
            *v[k] = num_or_nan(t, r, c[k]);
            if (*v[k] < 0)
                return row_error(t, r, "column '%s' is negative%s", t->cols[c[k]], "");
        }
        if (p->ok && !(p->median_s > 0))
            return row_error(t, r, "status ok, but wall_median_s is %s%s",
                             isnan(p->median_s) ? "empty" : "not positive", "");
        if (!isnan(p->min_s) && !isnan(p->max_s) &&
            !(p->min_s <= p->median_s && p->median_s <= p->max_s))
            return row_error(t, r, "wall times are not in order (min <= median <= max)%s%s", "",
                             "");
        strat_add(run, p->allocator);
    }
    run->np = t->nrows;
    run->have_programs = 1;
    return 0;
}

static const char *const heapscale_required[] = {
    "heap", "strategy", "live_chunks", "malloc_mean_ns", NULL,
};
static const char *const heapscale_numeric[] = {
    "live_chunks", "ops", "malloc_mean_ns", "malloc_p50_ns", "malloc_p99_ns", "free_mean_ns",
    "peak_footprint_bytes", "peak_live_bytes", NULL,
};

static int heapscale_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/heapscale.csv", run->dir);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        ab_run_note(run, "No heapscale.csv (malloc time against live chunks: allocbench "
                         "heapscale, or allocbench programs) in this run: its plot is not "
                         "drawn.");
        return 0;
    }
    fclose(fp);
    ab_table *t = &run->heapscale;
    if (ab_table_load(t, path, heapscale_required, heapscale_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"heap", "strategy", "live_chunks", NULL};
    if (duplicates_check(t, key, "the heap x strategy x live_chunks") != 0)
        return -1;
    run->hs = calloc(t->nrows, sizeof *run->hs);
    if (run->hs == NULL)
        return -1;
    int c_heap = ab_table_col(t, "heap"), c_st = ab_table_col(t, "strategy"),
        c_n = ab_table_col(t, "live_chunks"), c_ops = ab_table_col(t, "ops"),
        c_mean = ab_table_col(t, "malloc_mean_ns"), c_p50 = ab_table_col(t, "malloc_p50_ns"),
        c_p99 = ab_table_col(t, "malloc_p99_ns"), c_free = ab_table_col(t, "free_mean_ns");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_hsrow *h = &run->hs[r];
        h->heap = ab_table_str(t, r, c_heap);
        h->strategy = ab_table_str(t, r, c_st);
        h->line = t->lines[r];
        if (h->heap[0] == '\0' || h->strategy[0] == '\0')
            return row_error(t, r, "heap and strategy must not be empty%s%s", "", "");
        h->live_chunks = num_or_nan(t, r, c_n);
        h->ops = num_or_nan(t, r, c_ops);
        h->malloc_mean_ns = num_or_nan(t, r, c_mean);
        h->malloc_p50_ns = num_or_nan(t, r, c_p50);
        h->malloc_p99_ns = num_or_nan(t, r, c_p99);
        h->free_mean_ns = num_or_nan(t, r, c_free);
        if (!(h->live_chunks >= 1))
            return row_error(t, r, "column 'live_chunks' must be a count of 1 or more%s%s", "",
                             "");
        if (!(h->malloc_mean_ns > 0))
            return row_error(t, r, "column 'malloc_mean_ns' must be positive%s%s", "", "");
        strat_add(run, h->heap);
    }
    run->nhs = t->nrows;
    run->have_heapscale = 1;
    return 0;
}

static const char *const threads_required[] = {
    "env", "strategy", "workload", "mem_bytes", "order", "threads", "rep", "thread", "op",
    "ops", "ns_per_op", "total_ops_per_s", NULL,
};
static const char *const threads_numeric[] = {
    "mem_bytes", "order", "threads", "seed", "rep", "thread", "ops", "failures", "ns_per_op",
    "cpu_ns", "wall_ns", "total_ops_per_s", "fairness", "cpu_wall", "redone", "together", NULL,
};

/* threads.csv (host/cell/threads.h), optional: absent, the scaling section
   judges summary.csv's threads column as before. */
static int threads_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/threads.csv", run->dir);
    if (access(path, F_OK) != 0)
        return 0;
    ab_table *t = &run->threads;
    if (ab_table_load(t, path, threads_required, threads_numeric, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench plot: %s\n", err);
        return -1;
    }
    static const char *const key[] = {"env", "strategy", "workload", "mem_bytes", "order",
                                      "threads", "rep", "thread", "op", NULL};
    if (duplicates_check(t, key, "the thread (env..op)") != 0)
        return -1;
    run->t = calloc(t->nrows, sizeof *run->t);
    if (run->t == NULL)
        return -1;
    int c_env = ab_table_col(t, "env"), c_st = ab_table_col(t, "strategy"),
        c_wl = ab_table_col(t, "workload"), c_op = ab_table_col(t, "op"),
        c_status = ab_table_col(t, "status"), c_mem = ab_table_col(t, "mem_bytes"),
        c_order = ab_table_col(t, "order"), c_thr = ab_table_col(t, "threads"),
        c_seed = ab_table_col(t, "seed"), c_rep = ab_table_col(t, "rep"),
        c_th = ab_table_col(t, "thread"), c_ops = ab_table_col(t, "ops"),
        c_fail = ab_table_col(t, "failures"), c_nsop = ab_table_col(t, "ns_per_op"),
        c_tot = ab_table_col(t, "total_ops_per_s"), c_fair = ab_table_col(t, "fairness"),
        c_cw = ab_table_col(t, "cpu_wall"), c_redone = ab_table_col(t, "redone"),
        c_tog = ab_table_col(t, "together");
    for (size_t r = 0; r < t->nrows; r++) {
        ab_trow *w = &run->t[r];
        w->env = ab_table_str(t, r, c_env);
        w->strategy = ab_table_str(t, r, c_st);
        w->workload = ab_table_str(t, r, c_wl);
        w->op = ab_table_str(t, r, c_op);
        w->status = c_status >= 0 ? ab_table_str(t, r, c_status) : "ok";
        w->line = t->lines[r];
        if (w->env[0] == '\0' || w->strategy[0] == '\0' || w->workload[0] == '\0' ||
            w->op[0] == '\0')
            return row_error(t, r, "env, strategy, workload and op must not be empty%s%s", "",
                             "");
        w->mem_bytes = num_or_nan(t, r, c_mem);
        w->order = num_or_nan(t, r, c_order);
        w->threads = num_or_nan(t, r, c_thr);
        w->seed = num_or_nan(t, r, c_seed);
        w->rep = num_or_nan(t, r, c_rep);
        w->thread = num_or_nan(t, r, c_th);
        w->ops = num_or_nan(t, r, c_ops);
        w->failures = num_or_nan(t, r, c_fail);
        w->ns_per_op = num_or_nan(t, r, c_nsop);
        w->total_ops_per_s = num_or_nan(t, r, c_tot);
        w->fairness = num_or_nan(t, r, c_fair);
        w->cpu_wall = num_or_nan(t, r, c_cw);
        w->redone = num_or_nan(t, r, c_redone);
        w->together = c_tog >= 0 ? num_or_nan(t, r, c_tog) : 1;
        if (!(w->mem_bytes > 0) || !(w->threads >= 1) || isnan(w->order) || isnan(w->rep))
            return row_error(t, r, "mem_bytes, threads (>= 1), order and rep must be numbers"
                             "%s%s", "", "");
        if (w->total_ops_per_s < 0 || w->ns_per_op < 0)
            return row_error(t, r, "total_ops_per_s and ns_per_op must not be negative%s%s",
                             "", "");
        strat_add(run, w->strategy);
    }
    run->nt = t->nrows;
    run->have_threads = 1;
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
        if (access(path, F_OK) == 0)
            return 0;
    }
    for (size_t k = 0; k < COUNT_OF(other); k++) {
        ab_fmt(path, sizeof path, "%s/%s", run->dir, other[k]);
        if (access(path, F_OK) == 0)
            return 1;
    }
    return 0;
}

/* For tests/fuzz/fuzz_report_json only: meta.json and the gbench*.json
   files of run->dir, read as ab_run_load reads them. */
int ab_run_load_json(ab_run *run)
{
    return meta_load(run) != 0 || gbench_load(run) != 0 ? -1 : 0;
}

int ab_run_load(ab_run *run)
{
    run->no_cells = cells_absent(run);
    if (run->no_cells)
        ab_run_note(run, "No summary.csv and no frag.csv in this run (allocbench programs "
                         "alone): only the heap sections are drawn.");
    if (strategies_load(run) != 0 || (!run->no_cells && (summary_load(run) != 0 || frag_load(run) != 0)) ||
        meta_load(run) != 0 || gbench_load(run) != 0 || programs_load(run) != 0 ||
        heapscale_load(run) != 0 || ab_hist_load(run) != 0 ||
        threads_load(run) != 0)
        return -1;
    for (size_t k = 0; k < run->ng; k++)
        gbench_strategy(run, run->g[k].name, 1);
    strats_finish(run);
    for (size_t k = 0; k < run->ns; k++)
        run->s[k].strat = ab_run_strat(run, run->s[k].strategy);
    for (size_t k = 0; k < run->nf; k++)
        run->f[k].strat = ab_run_strat(run, run->f[k].strategy);
    for (size_t k = 0; k < run->ng; k++)
        run->g[k].strat = gbench_strategy(run, run->g[k].name, 0);
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
