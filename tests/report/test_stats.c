/*
 * report.stats: report/stats.c against values known by hand or from the
 * Mann-Whitney tables (two-sided exact p for fully separated samples is
 * 2 / C(na + nb, na): 0.1 for 3+3, 2/70 for 4+4, 2/252 for 5+5).
 */
#include <math.h>
#include <stdio.h>

#include "stats.h"

static int failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);   \
            failed++;                                                            \
        }                                                                        \
    } while (0)

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

static void test_quantiles(void)
{
    const double v[] = {5, 1, 4, 2, 3};
    CHECK(st_median(v, 5) == 3);
    CHECK(st_median(v, 4) == 3); /* 5 1 4 2 -> 1 2 4 5 -> 3 */
    CHECK(near(st_quantile(v, 5, 0.25), 2, 1e-12));
    CHECK(near(st_quantile(v, 5, 0.9), 4.6, 1e-12));
    CHECK(st_quantile(v, 5, 0) == 1 && st_quantile(v, 5, 1) == 5);
    CHECK(isnan(st_median(v, 0)));
    CHECK(v[0] == 5 && v[1] == 1); /* not modified */
}

static void test_median_ci(void)
{
    const double one[] = {42};
    st_est e = st_median_ci(one, 1, 0, 1);
    CHECK(e.median == 42 && e.lo == 42 && e.hi == 42 && e.n == 1);
    const double v[] = {10, 11, 9, 10.5, 9.5, 10.2, 9.8, 10.1, 9.9, 10.4};
    e = st_median_ci(v, 10, 0, 7);
    CHECK(e.lo <= e.median && e.median <= e.hi);
    CHECK(e.lo >= 9 && e.hi <= 11);
    CHECK(e.hi - e.lo > 0.05); /* spread shows in the interval */
    st_est again = st_median_ci(v, 10, 0, 7);
    CHECK(again.lo == e.lo && again.hi == e.hi); /* same seed, same interval */
    const double same[] = {3, 3, 3, 3};
    e = st_median_ci(same, 4, 500, 1);
    CHECK(e.lo == 3 && e.hi == 3);
}

static void test_ratio_ci(void)
{
    const double a[] = {100, 101, 99, 100, 102, 98};
    const double b[] = {120, 121, 119, 120, 122, 118};
    st_est r = st_ratio_ci(a, 6, b, 6, 0, 3);
    CHECK(near(r.median, 1.2, 1e-9));
    CHECK(r.lo > 1.15 && r.hi < 1.25 && r.lo <= r.median && r.median <= r.hi);
    st_est aa = st_ratio_ci(a, 6, a, 6, 0, 3);
    CHECK(aa.lo <= 1 && aa.hi >= 1);
}

static void test_mann_whitney(void)
{
    const double a3[] = {1, 2, 3}, b3[] = {4, 5, 6};
    CHECK(near(st_mann_whitney_p(a3, 3, b3, 3), 0.1, 1e-12));
    const double a4[] = {1, 2, 3, 4}, b4[] = {5, 6, 7, 8};
    CHECK(near(st_mann_whitney_p(a4, 4, b4, 4), 2.0 / 70, 1e-12));
    CHECK(near(st_mann_whitney_p(b4, 4, a4, 4), 2.0 / 70, 1e-12)); /* symmetric */
    const double a5[] = {1, 2, 3, 4, 5}, b5[] = {6, 7, 8, 9, 10};
    CHECK(near(st_mann_whitney_p(a5, 5, b5, 5), 2.0 / 252, 1e-12));
    /* 4+4, U = 1 (one swap): P(U <= 1) = 2/70 per tail, two-sided 4/70. */
    const double c4[] = {1, 2, 3, 5}, d4[] = {4, 6, 7, 8};
    CHECK(near(st_mann_whitney_p(c4, 4, d4, 4), 4.0 / 70, 1e-12));
    /* Identical samples: no evidence at all. */
    CHECK(near(st_mann_whitney_p(a4, 4, a4, 4), 1.0, 1e-12));
    const double t1[] = {1, 1, 1}, t2[] = {1, 1, 1};
    CHECK(near(st_mann_whitney_p(t1, 3, t2, 3), 1.0, 1e-12));
    CHECK(st_mann_whitney_p(a4, 0, b4, 4) == 1.0);
    /* Normal approximation (N > 20): 15 vs 15 separated is p << 0.001, and
       interleaved samples are far from significant. */
    double x[15], y[15], z[15];
    for (int i = 0; i < 15; i++) {
        x[i] = i;
        y[i] = 100 + i;
        z[i] = i + 0.5;
    }
    CHECK(st_mann_whitney_p(x, 15, y, 15) < 1e-4);
    CHECK(st_mann_whitney_p(x, 15, z, 15) > 0.5);
}

static void test_beats(void)
{
    st_est fast = {100, 98, 102, 5}, slow = {120, 118, 122, 5};
    CHECK(st_beats(fast, slow, 1, 0.05, 0));
    CHECK(!st_beats(slow, fast, 1, 0.05, 0));
    CHECK(st_beats(slow, fast, 0, 0.05, 0)); /* higher is better */
    st_est close = {104, 103, 105, 5};       /* apart, but < 5 % */
    CHECK(!st_beats(fast, close, 1, 0.05, 0));
    st_est overlap = {110, 101, 119, 5};     /* 10 % but intervals overlap */
    CHECK(!st_beats(fast, overlap, 1, 0.05, 0));
    CHECK(!st_beats(fast, slow, 1, 0.05, 25)); /* 20 ns apart, quantum 25 ns */
    st_est nan = {NAN, NAN, NAN, 0};
    CHECK(!st_beats(fast, nan, 1, 0.05, 0) && !st_beats(nan, fast, 1, 0.05, 0));
}

int main(void)
{
    test_quantiles();
    test_median_ci();
    test_ratio_ci();
    test_mann_whitney();
    test_beats();
    if (failed)
        fprintf(stderr, "report.stats: %d checks failed\n", failed);
    else
        printf("report.stats: all checks passed\n");
    return failed != 0;
}
