/*
 * report/stats: medians, bootstrap intervals and Mann-Whitney U (stats.h).
 *
 * The bootstrap draws from splitmix64 seeded by the caller, so the same
 * run gives the same report. The exact Mann-Whitney distribution is built
 * by counting, for every k <= na, how many k-subsets of the pooled doubled
 * (mid-)ranks reach each rank sum: O(N * na * N^2) with N = na + nb <= 20.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ST_EXACT_MAX 20
#define ST_RESAMPLES 2000

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile of sorted s[0..n): linear interpolation between order stats. */
static double sorted_quantile(const double *s, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        return s[n - 1];
    double f = pos - (double)i;
    return s[i] + f * (s[i + 1] - s[i]);
}

double st_quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (s == NULL)
        return NAN;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, dbl_cmp);
    double r = sorted_quantile(s, n, q < 0 ? 0 : q > 1 ? 1 : q);
    free(s);
    return r;
}

double st_median(const double *v, size_t n) { return st_quantile(v, n, 0.5); }

static uint64_t splitmix_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Median of a resample of v[0..n) drawn with replacement; tmp holds n. */
static double resample_median(const double *v, size_t n, double *tmp, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = v[splitmix_next(rng) % n];
    qsort(tmp, n, sizeof *tmp, dbl_cmp);
    return sorted_quantile(tmp, n, 0.5);
}

st_est st_median_ci(const double *v, size_t n, unsigned resamples, uint64_t seed)
{
    st_est e = {st_median(v, n), NAN, NAN, n};
    e.lo = e.hi = e.median;
    if (n < 2)
        return e;
    unsigned b = resamples ? resamples : ST_RESAMPLES;
    double *tmp = malloc(n * sizeof *tmp), *meds = malloc(b * sizeof *meds);
    if (tmp != NULL && meds != NULL) {
        uint64_t rng = seed;
        for (unsigned i = 0; i < b; i++)
            meds[i] = resample_median(v, n, tmp, &rng);
        qsort(meds, b, sizeof *meds, dbl_cmp);
        e.lo = sorted_quantile(meds, b, 0.025);
        e.hi = sorted_quantile(meds, b, 0.975);
    }
    free(tmp);
    free(meds);
    return e;
}

st_est st_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                   unsigned resamples, uint64_t seed)
{
    st_est e = {st_median(b, nb) / st_median(a, na), NAN, NAN, na < nb ? na : nb};
    e.lo = e.hi = e.median;
    if (na == 0 || nb == 0 || (na < 2 && nb < 2))
        return e;
    unsigned nr = resamples ? resamples : ST_RESAMPLES;
    double *ta = malloc(na * sizeof *ta), *tb = malloc(nb * sizeof *tb);
    double *r = malloc(nr * sizeof *r);
    if (ta != NULL && tb != NULL && r != NULL) {
        uint64_t rng = seed;
        for (unsigned i = 0; i < nr; i++) {
            double ma = resample_median(a, na, ta, &rng);
            r[i] = resample_median(b, nb, tb, &rng) / ma;
        }
        qsort(r, nr, sizeof *r, dbl_cmp);
        e.lo = sorted_quantile(r, nr, 0.025);
        e.hi = sorted_quantile(r, nr, 0.975);
    }
    free(ta);
    free(tb);
    free(r);
    return e;
}

typedef struct ranked {
    double v;
    int from_a;
} ranked;

static int ranked_cmp(const void *x, const void *y)
{
    return dbl_cmp(&((const ranked *)x)->v, &((const ranked *)y)->v);
}

/* Doubled mid-ranks (integers) of the pooled sample into r2[0..n); returns
   the sum over ties of t^3 - t for the normal approximation. */
static double pooled_ranks(const ranked *p, size_t n, unsigned *r2)
{
    double ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && p[j + 1].v == p[i].v)
            j++;
        for (size_t k = i; k <= j; k++)
            r2[k] = (unsigned)(i + j + 2); /* 2 * mean of 1-based ranks i+1..j+1 */
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    return ties;
}

/* Exact two-sided p of the doubled rank sum s2 of na values among r2[0..n). */
static double exact_p(const unsigned *r2, size_t n, size_t na, unsigned s2)
{
    unsigned smax = 0;
    for (size_t i = 0; i < n; i++)
        smax += r2[i];
    size_t w = (size_t)smax + 1;
    double *cnt = calloc((na + 1) * w, sizeof *cnt);
    if (cnt == NULL)
        return 1.0;
    cnt[0] = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = (i + 1 < na ? i + 1 : na); k >= 1; k--)
            for (size_t s = r2[i]; s < w; s++)
                cnt[k * w + s] += cnt[(k - 1) * w + s - r2[i]];
    double total = 0, extreme = 0, mean = (double)smax * (double)na / (double)n;
    double dev = fabs((double)s2 - mean);
    for (size_t s = 0; s < w; s++) {
        double c = cnt[na * w + s];
        total += c;
        if (fabs((double)s - mean) >= dev - 1e-9)
            extreme += c;
    }
    free(cnt);
    return total > 0 ? fmin(1.0, extreme / total) : 1.0;
}

double st_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
    if (na == 0 || nb == 0)
        return 1.0;
    size_t n = na + nb;
    ranked *p = malloc(n * sizeof *p);
    unsigned *r2 = malloc(n * sizeof *r2);
    double pv = 1.0;
    if (p == NULL || r2 == NULL)
        goto out;
    for (size_t i = 0; i < na; i++)
        p[i] = (ranked){a[i], 1};
    for (size_t i = 0; i < nb; i++)
        p[na + i] = (ranked){b[i], 0};
    qsort(p, n, sizeof *p, ranked_cmp);
    double ties = pooled_ranks(p, n, r2);
    unsigned s2 = 0;
    for (size_t i = 0; i < n; i++)
        s2 += p[i].from_a ? r2[i] : 0;
    if (n <= ST_EXACT_MAX) {
        pv = exact_p(r2, n, na, s2);
    } else {
        double dn = (double)n, u = s2 / 2.0 - (double)na * ((double)na + 1) / 2;
        double mu = (double)na * (double)nb / 2;
        double var = (double)na * (double)nb / 12 * ((dn + 1) - ties / (dn * (dn - 1)));
        double d = fabs(u - mu) - 0.5;
        pv = var > 0 ? erfc(fmax(d, 0) / sqrt(2 * var)) : 1.0;
    }
out:
    free(p);
    free(r2);
    return pv;
}

int st_beats(st_est x, st_est y, int lower_better, double rel, double abs_floor)
{
    if (isnan(x.median) || isnan(y.median))
        return 0;
    double d = lower_better ? y.median - x.median : x.median - y.median;
    int apart = lower_better ? x.hi < y.lo : x.lo > y.hi;
    double big = fmax(fabs(x.median), fabs(y.median));
    return apart && d > rel * big && d > abs_floor;
}
