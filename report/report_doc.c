/*
 * report: the Markdown writer of report.md (report_doc.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"

#include <stdarg.h>
#include <string.h>

void md_text(FILE *f, const char *s, int in_table)
{
    for (; *s != '\0'; s++) {
        if ((*s == '|' && in_table) || *s == '*' || *s == '_' || *s == '<' || *s == '[' ||
            *s == ']')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void doc_h(doc *d, int level, const char *text, const char *anchor)
{
    if (anchor != NULL) {
        fprintf(d->md, "\n<a id=\"%s\"></a>\n", anchor);
        if (d->ntoc < DOC_MAX_TOC) {
            doc_toc *t = &d->toc[d->ntoc++];
            t->level = level;
            ab_fmt(t->text, sizeof t->text, "%s", text);
            ab_fmt(t->anchor, sizeof t->anchor, "%s", anchor);
        }
    }
    fprintf(d->md, "\n%.*s ", level, "######");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n\n");
}

void doc_p(doc *d, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    md_text(d->md, buf, 0);
    fprintf(d->md, "\n\n");
}

void link_write(doc *d, const char *name)
{
    if (name[0] == '\0')
        md_text(d->md, "-", 1);
    else if (ab_run_figure(d->run, name) != NULL)
        fprintf(d->md, "[%s](#fig-%s)", name, name);
    else
        md_text(d->md, name, 1);
}

/* A table cell: plain text, or FIG_LINK<name> for a link to a figure. */
static void cell_write(doc *d, const char *text)
{
    if (strncmp(text, FIG_LINK, strlen(FIG_LINK)) == 0) {
        link_write(d, text + strlen(FIG_LINK));
        return;
    }
    md_text(d->md, text, 1);
}

void doc_row(doc *d, int header, size_t n, const char *const *cells)
{
    fprintf(d->md, "|");
    for (size_t k = 0; k < n; k++) {
        fprintf(d->md, " ");
        cell_write(d, cells[k]);
        fprintf(d->md, " |");
    }
    fprintf(d->md, "\n");
    if (header) {
        fprintf(d->md, "|");
        for (size_t k = 0; k < n; k++)
            fprintf(d->md, "---|");
        fprintf(d->md, "\n");
    }
}

void doc_table_begin(doc *d, size_t n, const char *const *head)
{
    fprintf(d->md, "\n");
    doc_row(d, 1, n, head);
}

void doc_table_end(doc *d) { fprintf(d->md, "\n"); }

void doc_item(doc *d, const char *text)
{
    fprintf(d->md, "- ");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n");
}

void doc_list_end(doc *d) { fprintf(d->md, "\n"); }

void doc_figure(doc *d, const ab_figure *f)
{
    fprintf(d->md, "\n<a id=\"fig-%s\"></a>\n\n#### ", f->name);
    md_text(d->md, f->title, 0);
    fprintf(d->md, "\n\n![");
    md_text(d->md, f->title, 0);
    fprintf(d->md, "](plots/%s.png)\n\n", f->name);
    md_text(d->md, f->caption, 0);
    fprintf(d->md, " Files: [PNG](plots/%s.png), [SVG](plots/%s.svg), data in "
                   "plots/data/%s\\*.csv.\n\n", f->name, f->name, f->name);
}
