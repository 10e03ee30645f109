/*
 * report/verdict: who wins a comparison, and when nobody does.
 *
 * A winner must beat the runner-up by st_beats (intervals apart, > 5 %,
 * > one timer quantum). A candidate that failed requests ranks after every
 * candidate that served them all and never wins; a value within two quanta
 * of zero is below the timer's resolution and decides nothing. Anything else
 * is a tie, and the tied group is named.
 */
#ifndef ALLOCBENCH_REPORT_VERDICT_H
#define ALLOCBENCH_REPORT_VERDICT_H

#include <stddef.h>

#include "report_doc.h"
#include "stats.h"

#define AB_VERDICT_REL 0.05
#define AB_VERDICT_MAXC 64

typedef struct ab_cand {
    st_est e;
    int strat;
    int failed;   /* some requests were not served */
} ab_cand;

typedef enum ab_outcome {
    AB_WIN,        /* winner beats the runner-up */
    AB_ONLY_SERVER,/* the only candidate that served every request */
    AB_TIE,        /* tied[] names the group */
    AB_BELOW_RES,  /* the best values are below the timer's resolution */
    AB_ALL_FAILED, /* no candidate served every request */
    AB_NO_CONTEST, /* fewer than two candidates */
    AB_ONE_REP     /* a noisy metric with one rep: no interval, no ranking */
} ab_outcome;

typedef struct ab_pick {
    ab_outcome outcome;
    int winner;            /* index into the candidates, -1 when none */
    int runner;            /* the best other served candidate, -1 when none */
    unsigned char tied[AB_VERDICT_MAXC];
} ab_pick;

/*
 * Judges c[0..n) (n <= AB_VERDICT_MAXC). quantum: one timer step in the
 * metric's unit (0 for metrics with no timer: no resolution limit).
 * noisy: the metric varies between reps, so a candidate with fewer than two
 * reps has no interval and nothing is ranked (AB_ONE_REP).
 */
ab_pick ab_verdict_pick(const ab_cand *c, size_t n, int lower_better, double quantum,
                        int noisy);

/* "buddy, bitmap" from the candidates marked in mark (or every one when
   mark is NULL). */
void ab_cand_names(const ab_run *run, const ab_cand *c, size_t n, const unsigned char *mark,
                   char *out, size_t len);
/* "123.4 [120.1, 125.0]" */
void ab_est_text(st_est e, char *out, size_t len);
/* The outcome in words, with evidence: "buddy: 1.2 [1.1, 1.3] vs bitmap ..."  */
void ab_pick_text(const ab_run *run, const ab_cand *c, size_t n, ab_pick p, const char *unit,
                  char *pick, size_t plen, char *evidence, size_t elen);

/* verdict_roles.c: the per-role verdict sections of the report, and
   verdict.csv (one line per decision) in the run folder. */
int ab_verdict_write(doc *d);

#endif
