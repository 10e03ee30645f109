/*
 * report: hist.csv, the latency histogram of each cell (bucket bounds and
 * counts), when the run has one. A latency CDF drawn from it is the real
 * distribution, not a curve through five percentiles. Columns are read by
 * name: the key columns summary.csv has (env ... op, whichever are present),
 * an upper bound (hi_ns, bucket_hi_ns, hi_cycles or bucket_hi_cycles; cycles
 * are converted with meta.json tsc_hz) and count.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static const char *const key_text[] = {"env", "strategy", "role", "workload", "op"};
static const char *const key_num[] = {"mem_bytes", "fill", "threads", "seed", "rep"};

int ab_hist_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32], err[1024];
    ab_fmt(path, sizeof path, "%s/hist.csv", run->dir);
    if (!ab_file_present(path)) /* hist.csv or hist.csv.gz */
        return 0;
    static const char *const req[] = {"strategy", "op", "count", NULL};
    static const char *const num[] = {"count", "hi_ns", "bucket_hi_ns", "hi_cycles",
                                      "bucket_hi_cycles", "mem_bytes", "fill", "threads",
                                      "seed", "rep", NULL};
    if (ab_table_load(&run->hist, path, req, num, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench report: %s\n", err);
        return -1;
    }
    run->have_hist = 1;
    return 0;
}

/* Upper bound of the bucket in row r, in ns; NAN when unknown. */
static double bucket_hi_ns(const ab_run *run, size_t r)
{
    const ab_table *t = &run->hist;
    double v;
    if (ab_table_num(t, r, ab_table_col(t, "hi_ns"), &v) ||
        ab_table_num(t, r, ab_table_col(t, "bucket_hi_ns"), &v))
        return v;
    const json_t *hz = run->meta ? json_object_get(run->meta, "tsc_hz") : NULL;
    if (!json_is_number(hz) || json_number_value(hz) <= 0)
        return NAN;
    if (ab_table_num(t, r, ab_table_col(t, "hi_cycles"), &v) ||
        ab_table_num(t, r, ab_table_col(t, "bucket_hi_cycles"), &v))
        return v * 1e9 / json_number_value(hz);
    return NAN;
}

static int row_matches(const ab_run *run, size_t r, const ab_srow *s)
{
    const ab_table *t = &run->hist;
    const char *txt[] = {s->env, s->strategy, s->role, s->workload, s->op};
    const double num[] = {s->mem_bytes, s->fill, s->threads, s->seed, s->rep};
    for (size_t k = 0; k < 5; k++) {
        int c = ab_table_col(t, key_text[k]);
        if (c >= 0 && strcmp(ab_table_str(t, r, c), txt[k]) != 0)
            return 0;
        double v;
        c = ab_table_col(t, key_num[k]);
        if (c >= 0 && ab_table_num(t, r, c, &v) && fabs(v - num[k]) > 1e-9 * fmax(1, v))
            return 0;
    }
    return 1;
}

typedef struct bucket {
    double hi_ns, count;
} bucket;

static int bucket_cmp(const void *a, const void *b)
{
    double x = ((const bucket *)a)->hi_ns, y = ((const bucket *)b)->hi_ns;
    return (x > y) - (x < y);
}

size_t ab_hist_cdf(const ab_run *run, const ab_srow *s, FILE *d, double *lo, double *hi)
{
    fprintf(d, "ns,nines,label\n");
    if (!run->have_hist)
        return 0;
    bucket *b = calloc(run->hist.nrows + 1, sizeof *b);
    size_t n = 0;
    double total = 0;
    int c_count = ab_table_col(&run->hist, "count");
    for (size_t r = 0; b != NULL && r < run->hist.nrows; r++) {
        double cnt;
        if (!row_matches(run, r, s) || !ab_table_num(&run->hist, r, c_count, &cnt) || cnt <= 0)
            continue;
        b[n] = (bucket){bucket_hi_ns(run, r), cnt};
        if (!isnan(b[n].hi_ns))
            total += b[n++].count;
    }
    if (n > 0)
        qsort(b, n, sizeof *b, bucket_cmp);
    double seen = 0, top = log10(total > 1 ? total : 10);
    for (size_t i = 0; i < n; i++) {
        seen += b[i].count;
        double left = 1 - seen / total;
        fprintf(d, "%.17g,%.17g,\n", fmax(b[i].hi_ns, 0.1), left > 0 ? fmin(-log10(left), top) : top);
        *lo = fmin(*lo, fmax(b[i].hi_ns, 0.1));
        *hi = fmax(*hi, b[i].hi_ns);
    }
    free(b);
    return n;
}
