/*
 * report: report.md is written through these calls; report.html is
 * rendered from it by cmark-gfm (report_html.c), so both say the same thing.
 * Headings with an anchor go into the table of contents.
 */
#ifndef ALLOCBENCH_REPORT_DOC_H
#define ALLOCBENCH_REPORT_DOC_H

#include <stdio.h>

#include "plot_run.h"

/* A table cell starting with FIG_LINK names a figure: it becomes a link. */
#define FIG_LINK "@fig:"
#define DOC_MAX_TOC 64
#define DOC_ROLES 4

typedef struct doc_toc {
    int level;
    char text[160], anchor[64];
} doc_toc;

typedef struct doc {
    FILE *md;              /* the body, buffered (open_memstream) */
    const ab_run *run;
    unsigned char *first;  /* plot_report.c: the first row of each cell */
    doc_toc toc[DOC_MAX_TOC];
    size_t ntoc;
    /* verdict_roles.c: per role, its title, one line and one figure for the
       summary at the top of the report. */
    char glance_title[DOC_ROLES][96], glance_line[DOC_ROLES][600], glance_fig[DOC_ROLES][200];
} doc;

void md_text(FILE *f, const char *s, int in_table);
/* A heading; anchor (may be NULL) is its id and puts it in the contents. */
void doc_h(doc *d, int level, const char *text, const char *anchor);
void doc_p(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void link_write(doc *d, const char *name);
void doc_row(doc *d, int header, size_t n, const char *const *cells);
void doc_table_begin(doc *d, size_t n, const char *const *head);
void doc_table_end(doc *d);
void doc_item(doc *d, const char *text);
void doc_list_end(doc *d);
/* A figure: an anchor fig-<name>, its title, the PNG under plots/ and the
   caption. */
void doc_figure(doc *d, const ab_figure *f);

/* report_html.c: path_html from the Markdown text md (GFM tables), with
   style. Returns 0, or -1 after a message. */
int ab_html_write(const char *md, size_t len, const char *title, const char *path);

#endif
