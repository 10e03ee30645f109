/*
 * report: the writer of report.md and report.html (report_doc.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"

#include <stdarg.h>
#include <string.h>

void html_text(FILE *f, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

void md_text(FILE *f, const char *s, int in_table)
{
    for (; *s != '\0'; s++) {
        if ((*s == '|' && in_table) || *s == '*' || *s == '_' || *s == '<')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void doc_h(doc *d, int level, const char *text, const char *anchor)
{
    fprintf(d->md, "\n%.*s ", level, "######");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n\n");
    fprintf(d->html, "<h%d", level);
    if (anchor != NULL) {
        fprintf(d->html, " id=\"");
        html_text(d->html, anchor);
        fprintf(d->html, "\"");
    }
    fprintf(d->html, ">");
    html_text(d->html, text);
    fprintf(d->html, "</h%d>\n", level);
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
    fprintf(d->html, "<p>");
    html_text(d->html, buf);
    fprintf(d->html, "</p>\n");
}

void link_write(doc *d, const char *name)
{
    fprintf(d->md, "[%s](plots/%s.png)", name, name);
    fprintf(d->html, "<a href=\"#fig-%s\">%s</a>", name, name);
}

/* A table cell: plain text, or FIG_LINK<name> for a link to a figure. */
static void cell_write(doc *d, const char *text)
{
    if (strncmp(text, FIG_LINK, strlen(FIG_LINK)) == 0) {
        link_write(d, text + strlen(FIG_LINK));
        return;
    }
    md_text(d->md, text, 1);
    html_text(d->html, text);
}

void doc_row(doc *d, int header, size_t n, const char *const *cells)
{
    fprintf(d->md, "|");
    fprintf(d->html, "<tr>");
    for (size_t k = 0; k < n; k++) {
        fprintf(d->md, " ");
        fprintf(d->html, header ? "<th>" : "<td>");
        cell_write(d, cells[k]);
        fprintf(d->md, " |");
        fprintf(d->html, header ? "</th>" : "</td>");
    }
    fprintf(d->md, "\n");
    fprintf(d->html, "</tr>\n");
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
    fprintf(d->html, "<table>\n");
    doc_row(d, 1, n, head);
}

void doc_table_end(doc *d)
{
    fprintf(d->md, "\n");
    fprintf(d->html, "</table>\n");
}

void doc_item(doc *d, const char *text)
{
    fprintf(d->md, "- ");
    md_text(d->md, text, 0);
    fprintf(d->md, "\n");
    fprintf(d->html, "<li>");
    html_text(d->html, text);
    fprintf(d->html, "</li>\n");
}

void doc_figure(doc *d, const ab_figure *f)
{
    fprintf(d->md, "\n#### ");
    md_text(d->md, f->title, 0);
    fprintf(d->md, "\n\n![");
    md_text(d->md, f->title, 0);
    fprintf(d->md, "](plots/%s.png)\n\n", f->name);
    md_text(d->md, f->caption, 0);
    fprintf(d->md, " Files: [PNG](plots/%s.png), [SVG](plots/%s.svg), data in "
                   "plots/data/%s*.csv.\n\n", f->name, f->name, f->name);

    fprintf(d->html, "<figure id=\"fig-%s\"><figcaption><b>", f->name);
    html_text(d->html, f->title);
    fprintf(d->html, "</b> (%s)</figcaption>\n<img alt=\"", f->name);
    html_text(d->html, f->title);
    fprintf(d->html, "\" src=\"plots/%s.png\">\n<p>", f->name);
    html_text(d->html, f->caption);
    fprintf(d->html, "</p></figure>\n");
}
