/*
 * report/stats: the statistics every verdict and comparison in the report
 * rests on. Host C (libc). Pure functions over arrays of doubles: no I/O.
 *
 * Method (docs/verdict.md):
 *   - a metric of a cell is the median over its reps;
 *   - its 95 % interval is a percentile bootstrap of the median over the reps
 *     (B resamples, a fixed-seed generator so a report is reproducible);
 *   - two strategies differ only when their intervals do not overlap, the
 *     medians differ by more than 5 % and by more than one timer quantum;
 *     anything else is a tie;
 *   - two runs (compare) differ when Mann-Whitney U over the reps rejects
 *     equality at 5 % (exact for small n, normal approximation otherwise) and
 *     the ratio's bootstrap interval excludes 1.
 */
#ifndef ALLOCBENCH_REPORT_STATS_H
#define ALLOCBENCH_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A median with its 95 % interval; n = samples it came from. */
typedef struct st_est {
    double median, lo, hi;
    size_t n;
} st_est;

/* The median of v[0..n) (v is not modified). NaN if n = 0. */
double st_median(const double *v, size_t n);

/* The q-quantile (0..1) of v[0..n), linear interpolation. NaN if n = 0. */
double st_quantile(const double *v, size_t n, double q);

/* Median and 95 % percentile-bootstrap interval of the median, with
   `resamples` resamples (0: 2000) from a generator seeded with `seed`.
   With n = 1, lo = hi = median. */
st_est st_median_ci(const double *v, size_t n, unsigned resamples, uint64_t seed);

/* Ratio b/a of medians with a 95 % bootstrap interval (independent
   resampling of a and b). */
st_est st_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                   unsigned resamples, uint64_t seed);

/* Two-sided Mann-Whitney U test p-value for samples a and b (ties get
   mid-ranks). Exact enumeration when na + nb <= 20, else the normal
   approximation with tie correction. 1.0 when either sample is empty. */
double st_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/*
 * Is x better than y (lower is better when lower_better), beyond noise?
 * True iff the intervals do not overlap, |x - y| > rel * max(|x|,|y|)
 * (rel = 0.05 in the report) and |x - y| > abs_floor (the timer quantum in
 * the metric's unit; 0 for metrics with no timer).
 */
int st_beats(st_est x, st_est y, int lower_better, double rel, double abs_floor);

#endif /* ALLOCBENCH_REPORT_STATS_H */
