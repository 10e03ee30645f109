/*
 * allocbench host: the matrix's plan, read from matrix.def (see that file
 * for its format). A plan is a list of cells, each with an id that is also
 * the name of its files (cells/<id>.summary.csv, ...).
 *
 *   plan_opts o = {.quick = 1, .seed = 1};
 *   plan p;
 *   if (plan_load(&p, &o, err, sizeof err) != 0) ... err names file:line
 *   for (size_t i = 0; i < p.n; i++) puts(p.c[i].key);
 *   plan_free(&p);
 */
#ifndef ALLOCBENCH_PLAN_H
#define ALLOCBENCH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

typedef enum mc_kind { MC_HOST, MC_KERNEL, MC_GBENCH, MC_THREADS } mc_kind;

typedef struct mcell {
    mc_kind kind;
    int twin;            /* a host cell that pairs a kernel cell */
    host_cell hc;        /* st (kernel: the pmm), role, mem, fill, seed,
                            threads, rep, ops, budget; kind for host cells;
                            threads cells: fill_pm holds the frame order */
    char workload[40];   /* the workload's name (kernel: map, fault, ...) */
    char key[200];       /* the cell's id */
} mcell;

#define PLAN_FILTER_MAX 64
/* Tokens of repeated, comma-separated options; n = 0 lets everything by. */
typedef struct plan_filter {
    const char *v[PLAN_FILTER_MAX]; /* point into store */
    size_t n;
    char store[2048];
    size_t used;
} plan_filter;

typedef struct plan_opts {
    const char *file;    /* NULL: plan_default_file() */
    int quick;
    int host_only;       /* leave out kernel and twin cells */
    uint64_t seed;       /* base seed: rep r runs with seed + r */
    unsigned reps;       /* 0: the mode line's */
    plan_filter strategy, workload, mem, role;
} plan_opts;

typedef struct plan {
    mcell *c;
    size_t n, cap;
    uint64_t ops;        /* the mode line's */
    double budget_s;
    unsigned reps;       /* repetitions planned */
} plan;

/* The matrix.def of the source tree this binary was built from. */
const char *plan_default_file(void);

/* Adds "a,b" to f (the option's name for errors). 0, or -1 with a message
 * on stderr (too many values, or longer than f->store). */
int plan_filter_add(plan_filter *f, const char *opt, const char *value);

/* Checks the filters' values (known strategy or selector, workload, size,
 * role). 0, or -1 with err = "--mem: 'x' is not a size". */
int plan_filters_check(const plan_opts *o, char *err, size_t err_len);

/* Reads the matrix file and expands it. 0, or -1 with err set (naming the
 * file, and the line when the line is wrong). */
int plan_load(plan *p, const plan_opts *o, char *err, size_t err_len);
void plan_free(plan *p);

/* Finds cell id in the plan of o's mode (o's filters, seed and reps are
 * ignored: the id carries seed and rep). 1 found (*out set), 0 not a cell
 * of the matrix, -1 the matrix file is wrong (err set). */
int plan_find(const plan_opts *o, const char *id, mcell *out, char *err, size_t err_len);

#endif
