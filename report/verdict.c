/*
 * report/verdict: the rule that crowns a winner or names a tie (verdict.h).
 * Cost: O(n^2) per comparison, n strategies.
 */
#define _POSIX_C_SOURCE 200809L
#include "verdict.h"

#include <math.h>
#include <string.h>

static int better(const ab_cand *a, const ab_cand *b, int lower_better)
{
    return lower_better ? a->e.median < b->e.median : a->e.median > b->e.median;
}

/* The best and second-best served candidates (failed ones rank after). */
static void best_two(const ab_cand *c, size_t n, int lower_better, int *best, int *second)
{
    *best = *second = -1;
    for (size_t i = 0; i < n; i++) {
        if (c[i].failed || isnan(c[i].e.median))
            continue;
        if (*best < 0 || better(&c[i], &c[*best], lower_better)) {
            *second = *best;
            *best = (int)i;
        } else if (*second < 0 || better(&c[i], &c[*second], lower_better)) {
            *second = (int)i;
        }
    }
}

ab_pick ab_verdict_pick(const ab_cand *c, size_t n, int lower_better, double quantum,
                        int noisy)
{
    ab_pick p;
    memset(&p, 0, sizeof p);
    p.winner = p.runner = -1;
    size_t present = 0;
    for (size_t i = 0; i < n && i < AB_VERDICT_MAXC; i++)
        present += !isnan(c[i].e.median);
    if (n > AB_VERDICT_MAXC || present < 2) {
        p.outcome = AB_NO_CONTEST;
        return p;
    }
    for (size_t i = 0; noisy && i < n; i++)
        if (!isnan(c[i].e.median) && c[i].e.n < 2) {
            p.outcome = AB_ONE_REP;
            return p;
        }
    int best, second;
    best_two(c, n, lower_better, &best, &second);
    p.runner = second;
    if (best < 0) {
        p.outcome = AB_ALL_FAILED;
        return p;
    }
    if (quantum > 0 && c[best].e.median <= 2 * quantum) {
        p.outcome = AB_BELOW_RES;
        for (size_t i = 0; i < n; i++)
            p.tied[i] = !c[i].failed && c[i].e.median <= 2 * quantum;
        return p;
    }
    if (second < 0) {
        p.outcome = AB_ONLY_SERVER;
        p.winner = best;
        return p;
    }
    if (st_beats(c[best].e, c[second].e, lower_better, AB_VERDICT_REL, quantum)) {
        p.outcome = AB_WIN;
        p.winner = best;
        return p;
    }
    p.outcome = AB_TIE;
    for (size_t i = 0; i < n; i++)
        p.tied[i] = !c[i].failed && !isnan(c[i].e.median) &&
                    ((int)i == best ||
                     !st_beats(c[best].e, c[i].e, lower_better, AB_VERDICT_REL, quantum));
    return p;
}

void ab_cand_names(const ab_run *run, const ab_cand *c, size_t n, const unsigned char *mark,
                   char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < len; i++)
        if (mark == NULL || mark[i])
            used += (size_t)ab_fmt(out + used, len - used, "%s%s", used ? " " : "",
                                   run->strats[c[i].strat].name);
}

static void num_text(double v, char *out, size_t len)
{
    if (isnan(v))
        ab_fmt(out, len, "-");
    else if (fabs(v) >= 1000)
        ab_fmt(out, len, "%.0f", v);
    else if (fabs(v) >= 10)
        ab_fmt(out, len, "%.1f", v);
    else
        ab_fmt(out, len, "%.3g", v);
}

void ab_est_text(st_est e, char *out, size_t len)
{
    char m[32], lo[32], hi[32];
    num_text(e.median, m, sizeof m);
    num_text(e.lo, lo, sizeof lo);
    num_text(e.hi, hi, sizeof hi);
    if (e.n < 2)
        ab_fmt(out, len, "%s (1 rep, no interval)", m);
    else
        ab_fmt(out, len, "%s [%s, %s]", m, lo, hi);
}

static void cand_text(const ab_run *run, const ab_cand *c, const char *unit, char *out,
                      size_t len)
{
    char e[96];
    ab_est_text(c->e, e, sizeof e);
    ab_fmt(out, len, "%s %s%s%s", run->strats[c->strat].name, e, unit,
           c->failed ? " (failed requests)" : "");
}

void ab_pick_text(const ab_run *run, const ab_cand *c, size_t n, ab_pick p, const char *unit,
                  char *pick, size_t plen, char *evidence, size_t elen)
{
    char a[200] = "", b[200] = "", names[512];
    if (p.winner >= 0)
        cand_text(run, &c[p.winner], unit, a, sizeof a);
    if (p.runner >= 0)
        cand_text(run, &c[p.runner], unit, b, sizeof b);
    ab_cand_names(run, c, n, p.tied, names, sizeof names);
    switch (p.outcome) {
    case AB_WIN:
        ab_fmt(pick, plen, "%s", run->strats[c[p.winner].strat].name);
        ab_fmt(evidence, elen, "%s beats %s", a, b);
        break;
    case AB_ONLY_SERVER:
        ab_fmt(pick, plen, "%s", run->strats[c[p.winner].strat].name);
        ab_fmt(evidence, elen, "%s: the only one that served every request", a);
        break;
    case AB_TIE:
        ab_fmt(pick, plen, "tie: %s", names);
        ab_fmt(evidence, elen, "best and runner-up not apart (intervals overlap, or < 5 %%, "
                               "or < one timer quantum); runner-up %s", b);
        break;
    case AB_BELOW_RES:
        ab_fmt(pick, plen, "below resolution: %s", names);
        ab_fmt(evidence, elen, "values within 2 timer quanta of zero decide nothing");
        break;
    case AB_ALL_FAILED:
        ab_fmt(pick, plen, "none");
        ab_fmt(evidence, elen, "every strategy failed requests here");
        break;
    case AB_ONE_REP:
        ab_fmt(pick, plen, "not ranked: one rep");
        ab_fmt(evidence, elen, "one rep gives no interval; run with more reps (--reps)");
        break;
    default:
        ab_fmt(pick, plen, "-");
        ab_fmt(evidence, elen, "fewer than two strategies");
        break;
    }
}
