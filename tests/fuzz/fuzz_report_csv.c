/*
 * libFuzzer harness: the report's CSV loader (report/plot_csv.c). The first
 * byte picks the required and numeric column lists (those of summary.csv,
 * strategies.csv, programs.csv, or none); the rest is the file, written to
 * one scratch file per process (ab_table_load takes a path).
 *
 * On success: the table has rows; every row has ncols fields, and the fields
 * joined by commas give back the row's line of the input (line numbers grow,
 * one row per data line); every header name is found at its index; each
 * required column is there; every field of a numeric column is empty or a
 * number that is not NaN; ab_table_num and ab_table_str never crash, also
 * for col -1 and rows past the end. On failure: one line naming the file,
 * and the table left empty.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_NAME "fuzz_report_csv"
#include "fuzz_tmpfile.h"
#include "plot_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const req_summary[] = {"env", "strategy", "op", "status", NULL};
static const char *const num_summary[] = {"mem_bytes", "fill", "seed", "count", "mean_ns",
                                          "p50_ns", "p99_ns", "max_ns", NULL};
static const char *const req_strats[] = {"name", NULL};
static const char *const num_strats[] = {"colour_slot", NULL};
static const char *const req_programs[] = {"program", "allocator", "status", NULL};
static const char *const num_programs[] = {"runs", "wall_median_s", "max_rss_kib",
                                           "footprint_over_live", NULL};

static const char *const *const required[] = {req_summary, req_strats, req_programs, NULL};
static const char *const *const numeric[] = {num_summary, num_strats, num_programs, NULL};

/* Line `line` (1-based) of text[0..len), without its '\n' and one '\r'
   before it; *n gets its length. */
static const char *line_at(const char *text, size_t len, size_t line, size_t *n)
{
    const char *p = text, *end = text + len;
    for (size_t l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        FZ_REQUIRE(nl != NULL, "row line %zu is past the end of the file", line);
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    FZ_REQUIRE(nl != NULL, "row line %zu has no newline", line);
    *n = (size_t)(nl - p);
    if (*n > 0 && p[*n - 1] == '\r')
        (*n)--;
    return p;
}

static void table_check(const ab_table *t, const char *text, size_t len,
                        const char *const *req, const char *const *num)
{
    FZ_REQUIRE(t->nrows > 0 && t->ncols > 0, "accepted a table of %zu rows, %zu columns",
               t->nrows, t->ncols);
    size_t newlines = 0;
    for (size_t i = 0; i < len; i++)
        newlines += text[i] == '\n';
    FZ_REQUIRE(t->nrows + 1 == newlines, "%zu rows from %zu lines", t->nrows, newlines);
    for (size_t k = 0; k < t->ncols; k++)
        FZ_REQUIRE(ab_table_col(t, t->cols[k]) == (int)k, "column '%s' not found at %zu",
                   t->cols[k], k);
    for (size_t r = 0; req != NULL && req[r] != NULL; r++)
        FZ_REQUIRE(ab_table_col(t, req[r]) >= 0, "required column '%s' missing", req[r]);
    for (size_t r = 0; r < t->nrows; r++) {
        FZ_REQUIRE(t->lines[r] == r + 2, "row %zu says line %zu", r, t->lines[r]);
        size_t n;
        const char *line = line_at(text, len, t->lines[r], &n);
        size_t at = 0;
        for (size_t k = 0; k < t->ncols; k++) {
            const char *f = ab_table_str(t, r, (int)k);
            size_t fl = strlen(f);
            FZ_REQUIRE(strchr(f, ',') == NULL && strchr(f, '\n') == NULL,
                       "row %zu field %zu holds a separator", r, k);
            FZ_REQUIRE(at + fl <= n && memcmp(line + at, f, fl) == 0,
                       "row %zu field %zu is not the text of its line", r, k);
            at += fl;
            if (k + 1 < t->ncols) {
                FZ_REQUIRE(at < n && line[at] == ',', "row %zu: no comma after field %zu",
                           r, k);
                at++;
            }
            double v = 0;
            int has = ab_table_num(t, r, (int)k, &v);
            FZ_REQUIRE(has == (*f != '\0'), "row %zu field %zu: ab_table_num says %d", r, k,
                       has);
        }
        FZ_REQUIRE(at == n, "row %zu: the fields cover %zu of %zu bytes", r, at, n);
        double v;
        FZ_REQUIRE(ab_table_num(t, r, -1, &v) == 0 && *ab_table_str(t, r, -1) == '\0',
                   "col -1 is not empty");
        for (size_t q = 0; num != NULL && num[q] != NULL; q++) {
            int c = ab_table_col(t, num[q]);
            if (c >= 0 && ab_table_num(t, r, c, &v))
                FZ_REQUIRE(!isnan(v), "row %zu: numeric column '%s' reads NaN", r, num[q]);
        }
    }
    FZ_REQUIRE(*ab_table_str(t, t->nrows, 0) == '\0', "a row past the end is not empty");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = fz_scratch_file(FZ_NAME);
    size_t pick = data[0] % 4u;
    const char *const *req = required[pick], *const *num = numeric[pick];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    fz_file_put(FZ_NAME, path, data + 1, len);

    ab_table t;
    char err[1024];
    err[0] = '\0';
    if (ab_table_load(&t, path, req, num, err, sizeof err) == 0) {
        table_check(&t, text, len, req, num);
        ab_table_free(&t);
        return 0;
    }
    size_t pl = strlen(path);
    FZ_REQUIRE(strncmp(err, path, pl) == 0 && err[pl] == ':', "the message does not name the "
               "file: '%s'", err);
    FZ_REQUIRE(strchr(err, '\n') == NULL, "the message is not one line: '%s'", err);
    FZ_REQUIRE(t.text == NULL && t.cells == NULL && t.nrows == 0 && t.ncols == 0,
               "a failed load left the table filled");
    return 0;
}
