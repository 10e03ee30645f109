/*
 * allocbench plot: CSV tables. The file is read once; fields are split in
 * place (no quoting: the writers never emit commas or quotes in a field).
 * Cost: O(file bytes + rows * columns).
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Reads all of f (a plain file or a gzip stream: zlib passes plain files
   through) into a NUL-terminated buffer. */
static char *gz_read_all(gzFile f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        unsigned want = cap - n < (1u << 30) ? (unsigned)(cap - n) : 1u << 30;
        int got = gzread(f, buf + n, want);
        if (got < 0) {
            free(buf);
            return NULL;
        }
        n += (size_t)got;
        if ((unsigned)got < want) /* gzread reads less only at the end */
            break;
        if (n < cap)
            continue;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (nb == NULL)
            free(buf);
        buf = nb;
    }
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* The file ab_table_load reads for path into out: path, or path.gz when
   path is absent and it is there. Returns 1 when that file exists. */
static int file_pick(const char *path, char *out, size_t len)
{
    if (access(path, F_OK) != 0) {
        int n = snprintf(out, len, "%s.gz", path);
        if (n > 0 && (size_t)n < len && access(out, F_OK) == 0)
            return 1;
    }
    snprintf(out, len, "%s", path);
    return access(path, F_OK) == 0;
}

int ab_file_present(const char *path)
{
    char used[4096 + 8];
    return file_pick(path, used, sizeof used);
}

/* Reads path, or path.gz when path is absent (file_pick). */
static char *file_read(const char *path, char *used, size_t usedlen, size_t *len, char *err,
                       size_t errlen)
{
    file_pick(path, used, usedlen);
    errno = 0;
    gzFile f = gzopen(used, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", used, strerror(errno ? errno : ENOMEM));
        return NULL;
    }
    gzbuffer(f, 1 << 18);
    char *buf = gz_read_all(f, len);
    int zerr = 0;
    const char *why = gzerror(f, &zerr);
    if (buf == NULL || zerr != Z_OK) {
        snprintf(err, errlen, "%s: cannot read: %s", used,
                 buf == NULL && zerr == Z_OK ? "out of memory" : why);
        free(buf);
        buf = NULL;
    }
    gzclose(f);
    return buf;
}

/* Splits line (NUL-terminated, no newline) at commas into out[max]; returns
   the field count (may exceed max: the rest is not stored). */
static size_t line_split(char *line, char **out, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < max)
            out[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int field_is_number(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(v); /* no NaN, no inf */
}

void ab_table_free(ab_table *t)
{
    free(t->path);
    free(t->text);
    free(t->cols);
    free(t->cells);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

int ab_table_col(const ab_table *t, const char *name)
{
    for (size_t k = 0; k < t->ncols; k++)
        if (strcmp(t->cols[k], name) == 0)
            return (int)k;
    return -1;
}

const char *ab_table_str(const ab_table *t, size_t row, int col)
{
    if (col < 0 || row >= t->nrows)
        return "";
    return t->cells[row * t->ncols + (size_t)col];
}

int ab_table_num(const ab_table *t, size_t row, int col, double *out)
{
    const char *s = ab_table_str(t, row, col);
    if (*s == '\0')
        return 0;
    *out = strtod(s, NULL);
    return 1;
}

int ab_table_rows(const ab_table *t, const ab_field *fields, size_t n, void *rows,
                  size_t row_bytes)
{
    int *cols = malloc((n + 1) * sizeof *cols);
    if (cols == NULL)
        return -1;
    for (size_t k = 0; k < n; k++)
        cols[k] = fields[k].kind == AB_FIELD_KIND_LINE ? -1 : ab_table_col(t, fields[k].name);
    for (size_t r = 0; r < t->nrows; r++) {
        char *row = (char *)rows + r * row_bytes;
        for (size_t k = 0; k < n; k++) {
            const ab_field *f = &fields[k];
            double v;
            switch (f->kind) {
            case AB_FIELD_KIND_TEXT:
                *(const char **)(void *)(row + f->off) =
                    cols[k] >= 0 ? ab_table_str(t, r, cols[k]) : f->absent_text;
                break;
            case AB_FIELD_KIND_NUM:
                *(double *)(void *)(row + f->off) =
                    cols[k] < 0 ? f->absent : ab_table_num(t, r, cols[k], &v) ? v : NAN;
                break;
            case AB_FIELD_KIND_LINE:
                *(size_t *)(void *)(row + f->off) = t->lines[r];
                break;
            }
        }
    }
    free(cols);
    return 0;
}

/* The 1-based line of the first NUL byte in text[0..len), 0 if none: a NUL
   would end a line early (strchr finds no newline) or hide every row after
   it, so the file is refused instead. */
static size_t line_of_nul(const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    size_t at = 1;
    for (const char *c = text; nul != NULL && c < nul; c++)
        at += *c == '\n';
    return nul != NULL ? at : 0;
}

static int fail(ab_table *t, char *err, size_t errlen, const char *path, size_t line,
                const char *what)
{
    snprintf(err, errlen, "%s:%zu: %s", path, line, what);
    ab_table_free(t);
    return -1;
}

/* What is wrong with t's header (an empty or repeated name, a required
   column missing), in msg or a constant; NULL when nothing is. */
static const char *header_problem(const ab_table *t, const char *const *required, char *msg,
                                  size_t msglen)
{
    for (size_t k = 0; k < t->ncols; k++) {
        if (t->cols[k][0] == '\0')
            return "header has an empty column name";
        for (size_t j = 0; j < k; j++)
            if (strcmp(t->cols[j], t->cols[k]) == 0) {
                snprintf(msg, msglen, "column '%s' appears twice in the header", t->cols[k]);
                return msg;
            }
    }
    for (size_t r = 0; required != NULL && required[r] != NULL; r++)
        if (ab_table_col(t, required[r]) < 0) {
            snprintf(msg, msglen, "header lacks column '%s' (is this the right file?)",
                     required[r]);
            return msg;
        }
    return NULL;
}

/* Splits the data lines from p on (the header is line 1) into t's rows,
   checking field counts and the numeric columns. 0, or -1 after fail(). */
static int rows_read(ab_table *t, char *p, const char *const *numeric, char *err,
                     size_t errlen)
{
    int numcols[256];
    size_t nnum = 0;
    for (size_t r = 0; numeric != NULL && numeric[r] != NULL && nnum < 256; r++) {
        int c = ab_table_col(t, numeric[r]);
        if (c >= 0)
            numcols[nnum++] = c;
    }
    char msg[512];
    size_t line = 1;
    for (char *nl; *p != '\0'; p = nl + 1) {
        line++;
        nl = strchr(p, '\n');
        *nl = '\0';
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*p == '\0')
            return fail(t, err, errlen, t->path, line, "empty line inside the data");
        char **row = t->cells + t->nrows * t->ncols;
        size_t n = line_split(p, row, t->ncols);
        if (n != t->ncols) {
            snprintf(msg, sizeof msg, "%zu fields, the header has %zu", n, t->ncols);
            return fail(t, err, errlen, t->path, line, msg);
        }
        for (size_t k = 0; k < nnum; k++) {
            const char *s = row[numcols[k]];
            if (*s != '\0' && !field_is_number(s)) {
                snprintf(msg, sizeof msg, "column '%s': '%.40s' is not a number",
                         t->cols[numcols[k]], s);
                return fail(t, err, errlen, t->path, line, msg);
            }
        }
        t->lines[t->nrows++] = line;
    }
    return 0;
}

int ab_table_load(ab_table *t, const char *path, const char *const *required,
                  const char *const *numeric, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t len;
    char used[4096 + 8];
    t->text = file_read(path, used, sizeof used, &len, err, errlen);
    if (t->text == NULL)
        return -1;
    t->path = strdup(used);
    path = t->path != NULL ? t->path : used;
    char msg[512];
    size_t nul_line = line_of_nul(t->text, len);
    if (nul_line > 0)
        return fail(t, err, errlen, path, nul_line,
                    "NUL byte in the text (a damaged or binary file)");
    if (len == 0)
        return fail(t, err, errlen, path, 1, "empty file: no header row");
    if (t->text[len - 1] != '\n') {
        size_t nl = 1;
        for (size_t i = 0; i < len; i++)
            nl += t->text[i] == '\n';
        return fail(t, err, errlen, path, nl,
                    "last line has no newline: the file was cut short");
    }

    /* Lines: count, then split. */
    size_t nlines = 0;
    for (size_t i = 0; i < len; i++)
        nlines += t->text[i] == '\n';
    char *p = t->text;
    char *nl = strchr(p, '\n');
    *nl = '\0';
    if (nl > p && nl[-1] == '\r')
        nl[-1] = '\0';
    t->ncols = 1;
    for (const char *c = p; *c != '\0'; c++)
        t->ncols += *c == ',';
    t->cols = calloc(t->ncols, sizeof *t->cols);
    t->cells = calloc((nlines ? nlines : 1) * t->ncols, sizeof *t->cells);
    t->lines = calloc(nlines ? nlines : 1, sizeof *t->lines);
    if (t->cols == NULL || t->cells == NULL || t->lines == NULL)
        return fail(t, err, errlen, path, 1, "out of memory");
    line_split(p, t->cols, t->ncols);
    const char *why = header_problem(t, required, msg, sizeof msg);
    if (why != NULL)
        return fail(t, err, errlen, path, 1, why);
    if (rows_read(t, nl + 1, numeric, err, errlen) != 0)
        return -1;
    if (t->nrows == 0)
        return fail(t, err, errlen, path, 2, "no data rows after the header");
    return 0;
}
