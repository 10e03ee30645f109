/*
 * report/verdict: what verdict_roles.c and verdict_frag.c share. Private.
 */
#ifndef ALLOCBENCH_REPORT_VERDICT_INT_H
#define ALLOCBENCH_REPORT_VERDICT_INT_H

#include <stdio.h>

#include "cells.h"
#include "tcells.h"
#include "verdict.h"

/* One role section of the verdict: which rows it judges. */
typedef struct vsection {
    const char *title, *anchor, *key; /* key: the section column of verdict.csv */
    const char *role;                 /* rows with this role (NULL: any) */
    int scaling;                      /* rows with threads > 1 */
} vsection;

/* A strategy's clearest win in a tally: its evidence and figure. */
typedef struct vbest {
    double margin;        /* < 0: no win yet */
    char evidence[600], figure[200];
} vbest;

/* The tally of one need ("tail latency") over the cells of a section. */
typedef struct vtally {
    int *wins;            /* per strategy */
    vbest *best;          /* per strategy: the pick's evidence is its own win */
    size_t cells, ties, decided, one_rep;
    int best_cell_strat;  /* the strategy whose win had the largest margin */
    double best_margin;
    char evidence[600], figure[200];
} vtally;

typedef struct vctx {
    doc *d;
    const ab_run *run;
    FILE *csv;
    ab_cells cs;
    ab_tcells tc;         /* threads.csv cells (empty without threads.csv) */
    vtally t;
    size_t sec;           /* index of the section being written */
} vctx;

void vtally_reset(vctx *v);
/* Counts one decision; margin: how far the winner is ahead (relative). */
void vtally_add(vctx *v, const ab_cand *c, ab_pick p, double margin, const char *evidence,
                const char *figure);
/* One row of the section's "pick X if you need Y" table from the tally. */
void vtally_row(vctx *v, const char *need, const char *none_why);
/* One line of verdict.csv. */
void vcsv_line(vctx *v, const vsection *s, const char *need, const char *cell,
               const char *pick, const char *tied, const char *evidence, const char *figure);

/* verdict_frag.c: fragmentation and 2 MiB availability at equal state;
   detail tables go under the section's summary table. */
void verdict_frag(vctx *v, const vsection *s, int two_mib);

#endif
