/*
 * report: report.md and report.html written side by side from the same calls,
 * so both say the same thing. Tables, paragraphs, items and figures.
 */
#ifndef ALLOCBENCH_REPORT_DOC_H
#define ALLOCBENCH_REPORT_DOC_H

#include <stdio.h>

#include "plot_run.h"

/* A table cell starting with FIG_LINK names a figure: it becomes a link. */
#define FIG_LINK "@fig:"

typedef struct doc {
    FILE *md, *html;
    const ab_run *run;
    unsigned char *first; /* plot_report.c: the first row of each cell */
} doc;

void html_text(FILE *f, const char *s);
void md_text(FILE *f, const char *s, int in_table);
/* A heading; anchor (may be NULL) is the HTML id. */
void doc_h(doc *d, int level, const char *text, const char *anchor);
void doc_p(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void link_write(doc *d, const char *name);
void doc_row(doc *d, int header, size_t n, const char *const *cells);
void doc_table_begin(doc *d, size_t n, const char *const *head);
void doc_table_end(doc *d);
void doc_item(doc *d, const char *text);
/* A figure: its title, the PNG (a file under plots/, linked, not embedded)
   and the caption. */
void doc_figure(doc *d, const ab_figure *f);

#endif
