/*
 * report: hist.csv (latency histograms per cell), when the run has one.
 */
#ifndef ALLOCBENCH_REPORT_HIST_H
#define ALLOCBENCH_REPORT_HIST_H

#include <stdio.h>

#include "plot_run.h"

/* Loads RUN/hist.csv into run->hist when present. 0, or -1 after a message
   naming the file and line. */
int ab_hist_load(ab_run *run);
/* Writes the CDF of row s's histogram to d as "ns,nines,label" rows (nines
   = -log10(1 - fraction at or below the bucket's upper bound)), widening
   [*lo, *hi]; returns the bucket count, 0 when hist.csv has no rows for s
   (then nothing but the header is written). */
size_t ab_hist_cdf(const ab_run *run, const ab_srow *s, FILE *d, double *lo, double *hi);

#endif
