/*
 * report: report.html rendered from report.md by cmark-gfm (GitHub
 * Flavored Markdown with its table extension). Raw HTML in the Markdown is
 * kept: it is only the anchors report_doc.c writes.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "body{font-family:sans-serif;max-width:1150px;margin:auto;padding:1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
    "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#eef}img{max-width:100%}nav li{margin:0.1em 0}"
    ".glance{display:grid;grid-template-columns:1fr 1fr;gap:1em}";

static char *md_render(const char *md, size_t len)
{
    cmark_gfm_core_extensions_ensure_registered();
    int opts = CMARK_OPT_UNSAFE;
    cmark_parser *p = cmark_parser_new(opts);
    if (p == NULL)
        return NULL;
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (table != NULL)
        cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, len);
    cmark_node *root = cmark_parser_finish(p);
    char *html = root != NULL
                     ? cmark_render_html(root, opts, cmark_parser_get_syntax_extensions(p))
                     : NULL;
    if (root != NULL)
        cmark_node_free(root);
    cmark_parser_free(p);
    return html;
}

int ab_html_write(const char *md, size_t len, const char *title, const char *path)
{
    char *html = md_render(md, len);
    FILE *f = html != NULL ? fopen(path, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "allocbench report: %s: cannot write\n", path);
        free(html);
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    for (const char *c = title; *c; c++)
        fputs(*c == '<' ? "&lt;" : *c == '&' ? "&amp;" : (char[]){*c, 0}, f);
    fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n%s</body></html>\n", style, html);
    free(html);
    return fclose(f) == 0 ? 0 : -1;
}
