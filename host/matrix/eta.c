/*
 * allocbench host: the matrix's estimate of the time left (matrix_internal.h).
 *
 * A cell's cost is guessed from its operation count (cell_weight), but the
 * cost per operation differs by three orders of magnitude between a stack
 * at 64 MiB and a list allocator at 16 GiB, so a rate learnt from the cells
 * run so far swings with whatever ran last. The same cell in another
 * repetition (the same id but for -sSEED-rREP) costs about the same. So
 * every cell's wall time is appended to cells/times.csv ("id,seconds,status"),
 * and a cell's estimate is the mean of its siblings' times when one ran, in
 * this session or an earlier one. Cells without a timed sibling are
 * weight x the rate of the timed cells. Once a cell of a series (the cells
 * that differ only in size, seed and rep) times out, the matrix skips the
 * series at that size and above (unless --no-skip; matrix.c's
 * timeout_below, by cell_same_series), so those cells count 0 s. times.csv
 * is a hint: a line a kill cut short, or one of a cell not in the plan, is
 * ignored.
 * Cost: O(n^2) compares once at open, O(n) per estimate.
 */
#define _GNU_SOURCE
#include "matrix_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double cell_weight(const mcell *m)
{
    const host_cell *c = &m->hc;
    if (m->kind == MC_KERNEL)
        return 1e7; /* about 1 s under tcg */
    if (m->kind == MC_GBENCH)
        return 3e7;
    if (m->kind == MC_THREADS)
        return 2e7; /* a few tenths of a second per thread count */
    double pages = (double)(c->mem_bytes >> AB_PAGE_SHIFT);
    double fill = host_cell_fill(c) / 1000.0;
    double ops = (double)(c->ops ? c->ops : 1000000u);
    switch (c->kind) {
    case AB_WL_BULK: return 2.0 * pages + 1e5;
    case AB_WL_REPEAT: return 2.0 * pages * fill + 4.0 * ops;
    case AB_WL_RAND: return 4.0 * pages * fill;
    case AB_WL_CHURN:
    case AB_WL_SIZES:
    case AB_WL_HUGE: return 0.7 * pages * fill + 3.0 * ops;
    case AB_WL_ADVERSARY: return 2.5 * pages;
    default: return ops;
    }
}

struct eta {
    const plan *p;
    size_t *grp;   /* the first cell of each cell's sibling group */
    double *sum;   /* per group (indexed by its first cell): seconds timed */
    unsigned *cnt; /* per group: cells timed */
    size_t *ser;   /* the first cell of each cell's series (any size) */
    double *late;  /* per series: the smallest size that ran out of its budget */
    char *done;    /* per cell */
    double w_timed, s_timed; /* weight and seconds of the timed cells */
    FILE *log;     /* cells/times.csv, appended */
};

/* Length of key without its trailing -sSEED-rREP (or -rREP). */
static size_t sibling_len(const char *key)
{
    size_t n = strlen(key);
    for (int part = 0; part < 2; part++) {
        char tag = part == 0 ? 'r' : 's';
        size_t k = n;
        while (k > 0 && key[k - 1] >= '0' && key[k - 1] <= '9')
            k--;
        if (k == n || k < 2 || key[k - 1] != tag || key[k - 2] != '-')
            break;
        n = k - 2;
    }
    return n;
}

static size_t cell_index(const plan *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->c[i].key, key) == 0)
            return i;
    return p->n;
}

int cell_same_series(const mcell *a, const mcell *b)
{
    const host_cell *c = &a->hc, *d = &b->hc;
    return a->kind == b->kind && (a->kind == MC_HOST || a->kind == MC_THREADS) &&
           c->st == d->st && c->role_vmm == d->role_vmm &&
           strcmp(a->workload, b->workload) == 0 && c->fill_pm == d->fill_pm &&
           c->threads == d->threads && c->ops == d->ops;
}

static void eta_note(eta *e, size_t i, double s, int timed_out)
{
    size_t g = e->grp[i], r = e->ser[i];
    double mem = (double)e->p->c[i].hc.mem_bytes;
    e->sum[g] += s;
    e->cnt[g]++;
    if (timed_out && mem < e->late[r])
        e->late[r] = mem;
    e->w_timed += cell_weight(&e->p->c[i]);
    e->s_timed += s;
}

/* Reads the times an earlier session appended. Returns 1 when the file
   ends in a line a kill cut short (no newline). */
static int times_read(eta *e, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512], status[32];
    int cut = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *c1 = strchr(line, ',');
        double s;
        cut = strchr(line, '\n') == NULL;
        if (c1 == NULL || cut)
            continue;
        *c1 = '\0';
        if (sscanf(c1 + 1, "%lf,%31[a-z-]", &s, status) != 2 || !(s >= 0) || isinf(s))
            continue;
        size_t i = cell_index(e->p, line);
        if (i < e->p->n)
            eta_note(e, i, s, strcmp(status, "timeout") == 0);
    }
    if (f != NULL)
        fclose(f);
    return cut;
}

eta *eta_open(const char *dir, const plan *p)
{
    eta *e = calloc(1, sizeof *e);
    size_t n = p->n + 1;
    if (e == NULL)
        return NULL;
    e->p = p;
    e->grp = malloc(n * sizeof *e->grp);
    e->sum = calloc(n, sizeof *e->sum);
    e->cnt = calloc(n, sizeof *e->cnt);
    e->ser = malloc(n * sizeof *e->ser);
    e->late = malloc(n * sizeof *e->late);
    e->done = calloc(n, 1);
    if (e->grp == NULL || e->sum == NULL || e->cnt == NULL || e->ser == NULL ||
        e->late == NULL || e->done == NULL) {
        eta_close(e);
        return NULL;
    }
    size_t *len = malloc(n * sizeof *len);
    for (size_t i = 0; len != NULL && i < p->n; i++)
        len[i] = sibling_len(p->c[i].key);
    for (size_t i = 0; i < p->n; i++) {
        size_t j = 0;
        while (len != NULL && j < i &&
               !(len[j] == len[i] && strncmp(p->c[j].key, p->c[i].key, len[i]) == 0))
            j++;
        e->grp[i] = len != NULL && j < i ? e->grp[j] : i; /* no lengths: each alone */
        for (j = 0; j < i && !cell_same_series(&p->c[j], &p->c[i]); j++)
            ;
        e->ser[i] = j < i ? e->ser[j] : i;
        e->late[i] = INFINITY;
        e->done[i] = (char)cell_done(dir, &p->c[i]);
    }
    free(len);
    char path[4600];
    snprintf(path, sizeof path, "%s/cells/times.csv", dir);
    int cut = times_read(e, path);
    e->log = fopen(path, "a");
    if (e->log != NULL && cut)
        fputc('\n', e->log); /* the next line starts a line of its own */
    return e;
}

void eta_record(eta *e, size_t i, double s, int ran, int timed_out)
{
    if (e == NULL)
        return;
    e->done[i] = 1;
    if (!ran)
        return;
    eta_note(e, i, s, timed_out);
    if (e->log != NULL) {
        fprintf(e->log, "%s,%.3f,%s\n", e->p->c[i].key, s, timed_out ? "timeout" : "ran");
        fflush(e->log);
    }
}

double eta_left_s(const eta *e, size_t from, int no_skip)
{
    if (e == NULL)
        return 0;
    double rate = e->w_timed > 0 ? e->s_timed / e->w_timed : NS_PER_OP_GUESS * 1e-9, left = 0;
    for (size_t j = from; j < e->p->n; j++) {
        size_t g = e->grp[j];
        if (e->done[j] || (!no_skip && (double)e->p->c[j].hc.mem_bytes >= e->late[e->ser[j]]))
            continue;
        left += e->cnt[g] > 0 ? e->sum[g] / e->cnt[g] : cell_weight(&e->p->c[j]) * rate;
    }
    return left;
}

void eta_close(eta *e)
{
    if (e == NULL)
        return;
    if (e->log != NULL)
        fclose(e->log);
    free(e->grp);
    free(e->sum);
    free(e->cnt);
    free(e->ser);
    free(e->late);
    free(e->done);
    free(e);
}
