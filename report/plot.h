/*
 * allocbench plot: `allocbench plot RUN_DIR` turns a run folder's CSV into
 * RUN_DIR/plots/<figure>.png and .svg (drawn by the gnuplot scripts in
 * plots/), RUN_DIR/report.md and RUN_DIR/report.html (the same content,
 * images embedded). It reads only the run folder, so a folder copied from
 * another machine works. docs/plots.md lists the figures.
 */
#ifndef ALLOCBENCH_PLOT_H
#define ALLOCBENCH_PLOT_H

/*
 * argv[0] is "plot"; then RUN_DIR and options (--help lists them).
 * Returns 0 when every figure and both reports were written; 1 when the
 * run's files are missing or malformed (the message names the file and
 * line) or gnuplot fails; 2 on a usage error.
 */
int ab_plot_main(int argc, char **argv);

/*
 * The report's commands: argv[0] is "report" (with --check: check.c,
 * targets.csv; else the same as "plot"), "plot" or "compare" (compare.h).
 */
int ab_report_main(int argc, char **argv);
/* check.c: allocbench report --check RUN [--targets FILE]. */
int ab_check_main(int argc, char **argv);

#endif
