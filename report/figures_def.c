/*
 * report: figures.def, the list of figure families (see the file's header).
 * A figure is drawn only when a line's id is its name's prefix, the kinds
 * agree and the filter glob matches its name; the line names its script
 * and the heading it goes under in the report.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_figs.h"

static int def_parse(ab_figdef *d, const char *line)
{
    int used = 0;
    if (sscanf(line, "%31s %23s %127s %63s %n", d->id, d->kind, d->filter, d->script,
               &used) != 4 || line[used] == '\0')
        return -1;
    ab_fmt(d->title, sizeof d->title, "%s", line + used);
    size_t n = strlen(d->title);
    while (n > 0 && (d->title[n - 1] == '\n' || d->title[n - 1] == ' '))
        d->title[--n] = '\0';
    return strchr(d->script, '/') != NULL ? -1 : 0;
}

int pf_figdefs_load(ab_run *run)
{
    FILE *f = fopen(run->figures_def, "r");
    if (f == NULL) {
        fprintf(stderr, "allocbench report: %s: cannot open: %s\n", run->figures_def,
                strerror(errno));
        return -1;
    }
    char line[512];
    size_t lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        const char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        ab_figdef *nd = realloc(run->defs, (run->ndefs + 1) * sizeof *nd);
        if (nd == NULL) {
            rc = -1;
            break;
        }
        run->defs = nd;
        ab_figdef *d = &run->defs[run->ndefs];
        memset(d, 0, sizeof *d);
        d->line = lineno;
        if (def_parse(d, p) != 0) {
            fprintf(stderr, "allocbench report: %s:%zu: expected 'id kind filter script "
                            "title' (script a file name in plots/)\n", run->figures_def, lineno);
            rc = -1;
        }
        run->ndefs++;
    }
    fclose(f);
    return rc;
}

int pf_figdef_of(const ab_run *run, const char *kind, const char *name)
{
    size_t idlen = strcspn(name, "-");
    for (size_t k = 0; k < run->ndefs; k++) {
        const ab_figdef *d = &run->defs[k];
        if (strlen(d->id) == idlen && strncmp(d->id, name, idlen) == 0 &&
            strcmp(d->kind, kind) == 0 && fnmatch(d->filter, name, 0) == 0)
            return (int)k;
    }
    return -1;
}
