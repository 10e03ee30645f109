/*
 * allocbench plot: a CSV table read whole into memory, columns found by
 * header name (never by position, so new columns break nothing).
 *
 * A file is accepted only whole: every row has as many fields as the header,
 * every non-empty field of a numeric column parses completely as a number.
 * Otherwise loading fails with "FILE:LINE: reason" in err. Empty numeric
 * fields are allowed (rows of skipped cells leave them empty) and read as
 * "no value".
 */
#ifndef ALLOCBENCH_PLOT_CSV_H
#define ALLOCBENCH_PLOT_CSV_H

#include <math.h>
#include <stddef.h>

typedef struct ab_table {
    char *path;
    char *text;       /* the file, fields NUL-terminated in place */
    size_t ncols;
    char **cols;      /* header names */
    size_t nrows;
    char **cells;     /* nrows * ncols pointers into text */
    size_t *lines;    /* 1-based line number of each row */
} ab_table;

/*
 * Loads path. required: column names that must be in the header; numeric:
 * names whose fields must be numbers when present (absent names are fine).
 * Both lists end with NULL. Returns 0, or -1 with a message in err and t
 * left empty. A file with a header and no rows is an error. When path is
 * absent and path.gz is there, that is read (gzip; messages name it).
 */
int ab_table_load(ab_table *t, const char *path, const char *const *required,
                  const char *const *numeric, char *err, size_t errlen);
/* 1 when path or path.gz is there (what ab_table_load reads). */
int ab_file_present(const char *path);
void ab_table_free(ab_table *t);

/* Column index of name, or -1. */
int ab_table_col(const ab_table *t, const char *name);
/* Field text ("" when col < 0). */
const char *ab_table_str(const ab_table *t, size_t row, int col);
/* 1 and *out when the field holds a number; 0 when empty or col < 0. */
int ab_table_num(const ab_table *t, size_t row, int col, double *out);

/*
 * A column read into a member of a row struct, by name and offset: text (a
 * const char * into the table, absent_text when the table has no such
 * column), a number (a double, NAN when empty; absent when the table has no
 * such column) or the row's line number (a size_t; name unused). One table
 * of fields per file replaces a column lookup per member; the column is
 * named as the member unless _AS names it:
 *     static const ab_field f[] = {AB_COL_TEXT(ab_srow, env), ...};
 *     ab_table_rows(t, f, n, rows, sizeof *rows);
 */
typedef enum { AB_FIELD_KIND_TEXT, AB_FIELD_KIND_NUM, AB_FIELD_KIND_LINE } ab_field_kind;
typedef struct ab_field {
    const char *name;
    size_t off;
    ab_field_kind kind;
    double absent;
    const char *absent_text;
} ab_field;

#define AB_COL_(type, m, col, kind, absent, text)                                            \
    { (col), offsetof(type, m), (kind), (absent), (text) }
#define AB_COL_TEXT_AS(type, m, col) AB_COL_(type, m, col, AB_FIELD_KIND_TEXT, 0, "")
#define AB_COL_TEXT(type, m) AB_COL_TEXT_AS(type, m, #m)
#define AB_COL_TEXT_OR(type, m, dflt) AB_COL_(type, m, #m, AB_FIELD_KIND_TEXT, 0, (dflt))
#define AB_COL_NUM_AS(type, m, col) AB_COL_(type, m, col, AB_FIELD_KIND_NUM, NAN, NULL)
#define AB_COL_NUM(type, m) AB_COL_NUM_AS(type, m, #m)
#define AB_COL_NUM_OR(type, m, dflt) AB_COL_(type, m, #m, AB_FIELD_KIND_NUM, (dflt), NULL)
#define AB_COL_LINE(type, m) AB_COL_(type, m, NULL, AB_FIELD_KIND_LINE, 0, NULL)

/* Fills rows (t->nrows structs of row_bytes each, from the caller) with the n
   fields of every row; each column is looked up once. 0, or -1 when out of
   memory. */
int ab_table_rows(const ab_table *t, const ab_field *fields, size_t n, void *rows,
                  size_t row_bytes);

#endif
