/*
 * allocbench plot: the command. Reads the run (plot_load.c), draws the
 * figures (plot_figs.c, plot_figs_more.c), writes the report
 * (plot_report.c). Nothing is written before the whole run has been read
 * and checked, so a malformed file leaves no half-made report.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "plot_run.h"

#ifndef AB_FIGURES_DEF
#define AB_FIGURES_DEF "figures.def"
#endif
#ifndef AB_PLOT_SCRIPTS_DIR
#define AB_PLOT_SCRIPTS_DIR "plots"
#endif
/* The default image size, PNG pixels and SVG units alike. */
#define AB_PLOT_WIDTH 960
#define AB_PLOT_HEIGHT 600

static void usage(FILE *f)
{
    fprintf(f,
            "usage: allocbench plot RUN_DIR [--size WxH] [--scripts DIR] [--jobs N]\n"
            "\n"
            "Draws every figure of a run folder into RUN_DIR/plots/ (PNG and SVG) and\n"
            "writes RUN_DIR/report.md and RUN_DIR/report.html. Reads only the folder:\n"
            "summary.csv and frag.csv (required), meta.json, gbench*.json and\n"
            "programs.csv (optional).\n"
            "\n"
            "  --size WxH     image size in pixels (default %dx%d)\n"
            "  --scripts DIR  the gnuplot scripts (default $ALLOCBENCH_PLOTS, else\n"
            "                 %s)\n"
            "  --jobs N       gnuplot processes at a time (default: online CPUs)\n"
            "  --figures FILE the figure list (default %s)\n"
            "  --no-figures   write the report and verdict.csv without drawing\n",
            AB_PLOT_WIDTH, AB_PLOT_HEIGHT, AB_PLOT_SCRIPTS_DIR, AB_FIGURES_DEF);
}

static int arg_error(const char *arg, const char *why)
{
    fprintf(stderr, "allocbench plot: %s: %s (see allocbench plot --help)\n", arg, why);
    return 2;
}

static int scripts_check(const ab_run *run)
{
    char probe[AB_PLOT_PATH + 32];
    ab_fmt(probe, sizeof probe, "%s/common.gp", run->scripts_dir);
    if (access(probe, R_OK) == 0)
        return 0;
    fprintf(stderr, "allocbench plot: %s: the gnuplot scripts are not there (pass "
                    "--scripts DIR or set ALLOCBENCH_PLOTS to allocbench's plots/ folder)\n",
            probe);
    return -1;
}

/* The run folder (trailing slashes dropped), its plots/ and plots/data/,
   the gnuplot scripts and figures.def. */
static void run_paths(ab_run *run, const char *dir, const char *scripts, const char *figures)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    ab_fmt(run->dir, sizeof run->dir, "%.*s", (int)dl, dir);
    ab_fmt(run->plots_dir, sizeof run->plots_dir, "%s/plots", run->dir);
    ab_fmt(run->data_dir, sizeof run->data_dir, "%s/plots/data", run->dir);
    ab_fmt(run->scripts_dir, sizeof run->scripts_dir, "%s", scripts);
    ab_fmt(run->figures_def, sizeof run->figures_def, "%s", figures);
}

int ab_plot_main(int argc, char **argv)
{
    ab_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        return 1;
    run->width = AB_PLOT_WIDTH;
    run->height = AB_PLOT_HEIGHT;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    run->jobs = cpus > 0 ? (int)cpus : 1;
    const char *scripts = getenv("ALLOCBENCH_PLOTS");
    if (scripts == NULL || *scripts == '\0')
        scripts = AB_PLOT_SCRIPTS_DIR;
    const char *dir = NULL;
    int rc = 0, no_figures = 0;
    const char *figures = AB_FIGURES_DEF;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(run);
            return 0;
        } else if (strcmp(a, "--size") == 0 && i + 1 < argc) {
            int w, h;
            char extra;
            if (sscanf(argv[++i], "%dx%d%c", &w, &h, &extra) != 2 || w < 64 || h < 64 ||
                w > 10000 || h > 10000)
                rc = arg_error("--size", "expected WxH in pixels, e.g. 960x600");
            run->width = w;
            run->height = h;
        } else if (strcmp(a, "--figures") == 0 && i + 1 < argc) {
            figures = argv[++i];
        } else if (strcmp(a, "--no-figures") == 0) {
            no_figures = 1;
        } else if (strcmp(a, "--scripts") == 0 && i + 1 < argc) {
            scripts = argv[++i];
        } else if (strcmp(a, "--jobs") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end != '\0' || n < 1 || n > 256)
                rc = arg_error("--jobs", "expected a count from 1 to 256");
            run->jobs = (int)n;
        } else if (a[0] == '-') {
            rc = arg_error(a, "unknown option, or its value is missing");
        } else if (dir != NULL) {
            rc = arg_error(a, "only one RUN_DIR");
        } else {
            dir = a;
        }
    }
    if (rc == 0 && dir == NULL) {
        usage(stderr);
        rc = 2;
    }
    if (rc != 0) {
        free(run);
        return rc;
    }
    run_paths(run, dir, scripts, figures);
    if (scripts_check(run) != 0) {
        free(run);
        return 1;
    }
    rc = ab_run_load(run);
    if (rc == 0 && !no_figures)
        rc = ab_plot_figures(run);
    if (rc == 0)
        rc = ab_report_write(run);
    if (rc == 0)
        printf("allocbench plot: %zu figures in %s/ (PNG and SVG); report: %s/report.md "
               "and %s/report.html\n", run->nfigs, run->plots_dir, run->dir, run->dir);
    ab_run_free(run);
    free(run);
    return rc == 0 ? 0 : 1;
}

int ab_report_main(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "compare") == 0)
        return ab_compare_main(argc, argv);
    for (int i = 1; i < argc && strcmp(argv[0], "report") == 0; i++)
        if (strcmp(argv[i], "--check") == 0)
            return ab_check_main(argc, argv);
    return ab_plot_main(argc, argv);
}
