/*
 * allocbench compare RUN_A RUN_B [--threshold PCT] [-o DIR]: per cell and
 * metric the ratio B/A of medians over reps with its 95 % bootstrap interval
 * and the Mann-Whitney p over the reps (mmtests compare-kernels style).
 * A change is significant when p < 0.05 and the interval excludes 1; a
 * regression when B is also slower by more than the threshold (default 5 %).
 * Writes DIR/compare.md and DIR/compare.csv (DIR defaults to
 * RUN_B/compare-<basename of RUN_A>). Exit: 0 no significant regression,
 * 1 a regression or unreadable run, 2 usage.
 */
#ifndef ALLOCBENCH_REPORT_COMPARE_H
#define ALLOCBENCH_REPORT_COMPARE_H

int ab_compare_main(int argc, char **argv);

#endif
