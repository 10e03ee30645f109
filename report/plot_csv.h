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
 * left empty. A file with a header and no rows is an error.
 */
int ab_table_load(ab_table *t, const char *path, const char *const *required,
                  const char *const *numeric, char *err, size_t errlen);
void ab_table_free(ab_table *t);

/* Column index of name, or -1. */
int ab_table_col(const ab_table *t, const char *name);
/* Field text ("" when col < 0). */
const char *ab_table_str(const ab_table *t, size_t row, int col);
/* 1 and *out when the field holds a number; 0 when empty or col < 0. */
int ab_table_num(const ab_table *t, size_t row, int col, double *out);

#endif
