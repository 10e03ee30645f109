/*
 * allocbench compare RUN_A RUN_B [--threshold PCT] [-o DIR]: per cell and
 * metric (mean_ns, p99_ns, p999_ns, and batch_median_ns where both cells
 * time batches) the ratio B/A of medians over reps with its 95 % bootstrap
 * interval and the Mann-Whitney p over the reps (mmtests compare-kernels
 * style); percentiles, single timer reads, are tested on the timer's grid.
 * Each environment's drift (host, kernel-tcg) is measured first, and cells
 * and strategies are judged on B/A over it (--absolute: raw B/A). A change
 * is significant when p is under the Benjamini-Hochberg bound of its
 * strategy, the interval excludes 1 and it exceeds one timer quantum; a
 * regression when B is also slower by more than the threshold (default
 * 5 %). Pairs within 2 quanta of zero are below resolution and decide
 * nothing. Writes DIR/compare.md, compare.csv and compare-ratios.png (DIR
 * defaults to RUN_B/compare-<basename of RUN_A>). Exit: 0 no significant
 * regression, 1 a regression or unreadable run, 2 usage, 3 the whole run
 * slower beyond the threshold with no strategy regressed against it.
 */
#ifndef ALLOCBENCH_REPORT_COMPARE_H
#define ALLOCBENCH_REPORT_COMPARE_H

int ab_compare_main(int argc, char **argv);

#endif
