/*
 * allocbench host: matrix.def -> the list of cells. See plan.h and the
 * comment at the top of matrix.def for the format.
 *
 * Order: rep outermost (a stopped run holds whole repetitions first), then
 * the file's lines, then sizes, strategies (registry order), workloads,
 * fills, threads. A cell that two lines both name is planned once.
 */
#define _GNU_SOURCE
#include "plan.h"

#include "mtworkload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/registry.h"
#include "baselines.h"

#ifndef AB_MATRIX_DEF
#define AB_MATRIX_DEF "host/matrix/matrix.def"
#endif

const char *plan_default_file(void)
{
    return AB_MATRIX_DEF;
}

#define LIST_MAX 64

/* Splits s (modified in place) at commas; '-' alone is an empty list. */
static size_t list_split(char *s, char **out, size_t max)
{
    size_t n = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    for (char *tok = strtok(s, ","); tok != NULL && n < max; tok = strtok(NULL, ","))
        if (*tok)
            out[n++] = tok;
    return n;
}

/* 1 if tok (a name or selector) selects st, 0 if not, -1 if tok means
 * nothing: neither a selector nor a registered name. */
static int selector_match(const ab_strategy *st, const char *tok)
{
    static const struct {
        const char *name;
        uint32_t cap;
    } caps[] = {{"contig", AB_CAP_CONTIG},
                {"huge2m", AB_CAP_HUGE2M},
                {"threadsafe", AB_CAP_THREADSAFE},
                {"hostonly", AB_CAP_HOSTONLY}};
    if (strcmp(tok, "all") == 0)
        return 1;
    /* base: the registered strategies themselves, no front end, baseline
       or floor; front: the lock+ and pcp+ combinations */
    if (strcmp(tok, "base") == 0)
        return !(st->caps & AB_CAP_HOSTONLY) && strchr(st->name, '+') == NULL &&
               strcmp(st->name, "null") != 0;
    if (strcmp(tok, "front") == 0)
        return strchr(st->name, '+') != NULL;
    if (strcmp(tok, "core") == 0)
        return !(st->caps & AB_CAP_HOSTONLY);
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (strcmp(tok, caps[i].name) == 0)
            return (st->caps & caps[i].cap) != 0;
    if (host_find(tok) == NULL)
        return -1;
    return strcmp(tok, st->name) == 0;
}

static int selector_known(const char *tok)
{
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    return n > 0 && selector_match(all[0], tok[0] == '!' ? tok + 1 : tok) >= 0;
}

/* Does the list (names, selectors, !exclusions) select st? Positive items
 * are a union; a '!' item removes what it selects. */
static int list_selects(const ab_strategy *st, char *const *toks, size_t n)
{
    int in = 0, positive = 0;
    for (size_t i = 0; i < n; i++) {
        if (toks[i][0] == '!')
            continue;
        positive = 1;
        in |= selector_match(st, toks[i]) == 1;
    }
    if (!positive)
        in = 1;
    for (size_t i = 0; i < n; i++)
        if (toks[i][0] == '!' && selector_match(st, toks[i] + 1) == 1)
            in = 0;
    return in;
}

int plan_filter_add(plan_filter *f, const char *opt, const char *value)
{
    size_t len = strlen(value);
    if (len + 1 > sizeof f->store - f->used) {
        fprintf(stderr, "allocbench: %s: the values are too long\n", opt);
        return -1;
    }
    char *copy = f->store + f->used;
    memcpy(copy, value, len + 1);
    f->used += len + 1;
    char *toks[LIST_MAX];
    size_t n = list_split(copy, toks, LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        if (f->n == PLAN_FILTER_MAX) {
            fprintf(stderr, "allocbench: %s: more than %d values\n", opt, PLAN_FILTER_MAX);
            return -1;
        }
        f->v[f->n++] = toks[i];
    }
    return 0;
}

int plan_filters_check(const plan_opts *o, char *err, size_t err_len)
{
    for (size_t i = 0; i < o->strategy.n; i++)
        if (!selector_known(o->strategy.v[i])) {
            snprintf(err, err_len, "--strategy: unknown strategy or selector '%s' (see "
                     "allocbench list; selectors: all core base front contig huge2m threadsafe hostonly)",
                     o->strategy.v[i]);
            return -1;
        }
    for (size_t i = 0; i < o->mem.n; i++)
        if (host_parse_size(o->mem.v[i]) == 0) {
            snprintf(err, err_len, "--mem: '%s' is not a size (e.g. 64M, 16G)", o->mem.v[i]);
            return -1;
        }
    for (size_t i = 0; i < o->role.n; i++)
        if (strcmp(o->role.v[i], "pmm") && strcmp(o->role.v[i], "vmm")) {
            snprintf(err, err_len, "--role: '%s' is not pmm or vmm", o->role.v[i]);
            return -1;
        }
    return 0;
}

static int filter_has(const plan_filter *f, const char *s)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i], s) == 0)
            return 1;
    return 0;
}

static int filters_pass(const plan_opts *o, const mcell *c)
{
    if (c->kind == MC_GBENCH)
        return o->strategy.n == 0 && o->mem.n == 0 && o->role.n == 0 &&
               (o->workload.n == 0 || filter_has(&o->workload, "gbench"));
    if (o->strategy.n) {
        char *toks[PLAN_FILTER_MAX];
        for (size_t i = 0; i < o->strategy.n; i++)
            toks[i] = (char *)o->strategy.v[i];
        if (!list_selects(c->hc.st, toks, o->strategy.n))
            return 0;
    }
    if (o->workload.n && !filter_has(&o->workload, c->workload))
        return 0;
    if (o->role.n && !filter_has(&o->role, c->hc.role_vmm ? "vmm" : "pmm"))
        return 0;
    if (o->mem.n) {
        int in = 0;
        for (size_t i = 0; i < o->mem.n; i++)
            in |= host_parse_size(o->mem.v[i]) == c->hc.mem_bytes;
        if (!in)
            return 0;
    }
    return 1;
}

static void cell_key(mcell *c)
{
    char mem[32];
    if (c->kind == MC_GBENCH) {
        snprintf(c->key, sizeof c->key, "gbench");
        return;
    }
    host_format_size(c->hc.mem_bytes, mem, sizeof mem);
    if (c->kind == MC_THREADS) {
        snprintf(c->key, sizeof c->key, "%s-pmm-%s-%s-o%u-t%u-s%llu-r%u", c->hc.st->name,
                 c->workload, mem, c->hc.fill_pm, c->hc.threads, (unsigned long long)c->hc.seed,
                 c->hc.rep);
        return;
    }
    ab_workload_kind k = ab_workload_parse(c->workload);
    uint32_t fill = k == AB_WL_COUNT ? c->hc.fill_pm : ab_workload_effective_fill(k, c->hc.fill_pm);
    snprintf(c->key, sizeof c->key, "%s%s-%s-%s-%s-f%u-t%u-s%llu-r%u",
             c->kind == MC_KERNEL ? "kernel-" : "", c->hc.st->name, c->hc.role_vmm ? "vmm" : "pmm",
             c->workload, mem, fill, c->hc.threads ? c->hc.threads : 1,
             (unsigned long long)c->hc.seed, c->hc.rep);
}

static int plan_push(plan *p, const mcell *c)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->c[i].key, c->key) == 0)
            return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 128;
        mcell *nc = realloc(p->c, cap * sizeof *nc);
        if (nc == NULL)
            return -1;
        p->c = nc;
        p->cap = cap;
    }
    p->c[p->n++] = *c;
    return 0;
}

/* One parsed line of the file. */
typedef struct def_line {
    int lineno;
    mc_kind kind;
    int twin;
    char *strat[LIST_MAX];
    size_t nstrat;
    int role_vmm;
    char *wl[LIST_MAX];
    size_t nwl;
    uint32_t fill[LIST_MAX];
    size_t nfill;
    uint64_t size[2][LIST_MAX]; /* [0] quick, [1] full */
    size_t nsize[2];
    uint32_t threads[LIST_MAX];
    size_t nthreads;
} def_line;

#define DEF_MAX_LINES 256

typedef struct def_file {
    char *text;
    def_line *lines;
    size_t n;
    uint64_t ops[2];
    double budget_s[2];
    unsigned reps[2];
} def_file;

static int bad(char *err, size_t len, const char *file, int line, const char *what,
               const char *arg)
{
    snprintf(err, len, "%s:%d: %s '%s'", file, line, what, arg);
    return -1;
}

static int parse_mode(def_file *d, char **col, size_t ncol, const char *file, int ln, char *err,
                      size_t el)
{
    int m;
    if (ncol < 2 || ((m = strcmp(col[1], "quick") == 0 ? 0 : strcmp(col[1], "full") == 0 ? 1
                                                                                       : -1) < 0))
        return bad(err, el, file, ln, "mode: want 'mode quick|full key=value...', got",
                   ncol > 1 ? col[1] : "");
    for (size_t i = 2; i < ncol; i++) {
        char *eq = strchr(col[i], '=');
        char *end = NULL;
        if (eq == NULL)
            return bad(err, el, file, ln, "mode: want key=value, got", col[i]);
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(col[i], "ops") == 0)
            d->ops[m] = strtoull(v, &end, 10);
        else if (strcmp(col[i], "budget_s") == 0)
            d->budget_s[m] = strtod(v, &end);
        else if (strcmp(col[i], "reps") == 0)
            d->reps[m] = (unsigned)strtoul(v, &end, 10);
        else
            return bad(err, el, file, ln, "mode: unknown key (ops, budget_s, reps)", col[i]);
        if (end == v || *end != '\0')
            return bad(err, el, file, ln, "mode: not a number:", v);
    }
    return 0;
}

static int parse_line(def_line *l, char **col, size_t ncol, const char *file, int ln, char *err,
                      size_t el)
{
    char *t[LIST_MAX];
    size_t n;
    memset(l, 0, sizeof *l);
    l->lineno = ln;
    if (ncol != 8) {
        char got[24];
        snprintf(got, sizeof got, "%zu", ncol);
        return bad(err, el, file, ln, "want 8 columns (kind strategies role workloads fills "
                   "quick full threads), got", got);
    }
    if (strcmp(col[0], "host") == 0 || strcmp(col[0], "twin") == 0) {
        l->kind = MC_HOST;
        l->twin = col[0][0] == 't';
    } else if (strcmp(col[0], "kernel") == 0) {
        l->kind = MC_KERNEL;
    } else if (strcmp(col[0], "gbench") == 0) {
        l->kind = MC_GBENCH;
    } else if (strcmp(col[0], "threads") == 0) {
        l->kind = MC_THREADS;
    } else {
        return bad(err, el, file, ln, "kind: not host, twin, kernel, threads or gbench:", col[0]);
    }
    for (int m = 0; m < 2; m++) {
        n = list_split(col[5 + m], t, LIST_MAX);
        for (size_t i = 0; i < n; i++) {
            uint64_t b = l->kind == MC_GBENCH ? (strcmp(t[i], "on") == 0) : host_parse_size(t[i]);
            if (b == 0)
                return bad(err, el, file, ln, l->kind == MC_GBENCH ? "gbench: want on or -, got"
                                                                   : "not a size:", t[i]);
            l->size[m][l->nsize[m]++] = b;
        }
    }
    if (l->kind == MC_GBENCH)
        return 0;
    l->nstrat = list_split(col[1], l->strat, LIST_MAX);
    for (size_t i = 0; i < l->nstrat; i++)
        if (!selector_known(l->strat[i]))
            return bad(err, el, file, ln, "unknown strategy or selector", l->strat[i]);
    if (strcmp(col[2], "pmm") == 0 || strcmp(col[2], "vmm") == 0)
        l->role_vmm = col[2][0] == 'v';
    else
        return bad(err, el, file, ln, "role: not pmm or vmm:", col[2]);
    l->nwl = list_split(col[3], l->wl, LIST_MAX);
    for (size_t i = 0; i < l->nwl; i++)
        if ((l->kind == MC_HOST && ab_workload_parse(l->wl[i]) == AB_WL_COUNT) ||
            (l->kind == MC_THREADS && ab_mt_parse(l->wl[i]) == AB_MT_COUNT))
            return bad(err, el, file, ln, "unknown workload (see allocbench list)", l->wl[i]);
    n = list_split(col[4], t, LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        if (l->kind == MC_THREADS) { /* the fills column holds frame orders */
            if (strcmp(t[i], "0") != 0 && strcmp(t[i], "9") != 0)
                return bad(err, el, file, ln, "threads lines: an order is 0 or 9, not", t[i]);
            l->fill[l->nfill++] = t[i][0] == '9' ? 9u : 0u;
            continue;
        }
        if ((l->fill[l->nfill++] = host_parse_fill(t[i])) == 0)
            return bad(err, el, file, ln, "not a fill level:", t[i]);
    }
    if (l->nfill == 0)
        l->fill[l->nfill++] = 0;
    n = list_split(col[7], t, LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        char *end;
        unsigned long v = strtoul(t[i], &end, 10);
        if (*end != '\0' || v == 0 || v > 1024)
            return bad(err, el, file, ln, "not a thread count (1..1024):", t[i]);
        l->threads[l->nthreads++] = (uint32_t)v;
    }
    if (l->nthreads == 0)
        l->threads[l->nthreads++] = 1;
    return 0;
}

static int def_read(def_file *d, const char *file, char *err, size_t el)
{
    memset(d, 0, sizeof *d);
    d->text = host_read_file(file, NULL);
    if (d->text == NULL) {
        snprintf(err, el, "%s: cannot read the matrix file (--matrix FILE)", file);
        return -1;
    }
    d->lines = calloc(DEF_MAX_LINES, sizeof *d->lines);
    if (d->lines == NULL) {
        snprintf(err, el, "out of memory");
        return -1;
    }
    int ln = 0;
    for (char *line = d->text, *next; line != NULL; line = next) {
        ln++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *col[16];
        size_t ncol = 0;
        for (char *tok = strtok(line, " \t\r"); tok != NULL; tok = strtok(NULL, " \t\r"))
            if (ncol < 16)
                col[ncol++] = tok;
        if (ncol == 0)
            continue;
        if (strcmp(col[0], "mode") == 0) {
            if (parse_mode(d, col, ncol, file, ln, err, el) != 0)
                return -1;
            continue;
        }
        if (d->n == DEF_MAX_LINES)
            return bad(err, el, file, ln, "more lines than", "256");
        if (parse_line(&d->lines[d->n], col, ncol, file, ln, err, el) != 0)
            return -1;
        d->n++;
    }
    for (int m = 0; m < 2; m++)
        if (d->ops[m] == 0 || d->reps[m] == 0) {
            snprintf(err, el, "%s: no 'mode %s ops=N budget_s=S reps=R' line", file,
                     m ? "full" : "quick");
            return -1;
        }
    return 0;
}

static void def_free(def_file *d)
{
    free(d->text);
    free(d->lines);
}

static int expand_line(plan *p, const plan_opts *o, const def_line *l, int m, uint32_t rep)
{
    size_t ns;
    const ab_strategy *const *all = host_registry(&ns);
    mcell c;
    memset(&c, 0, sizeof c);
    c.kind = l->kind;
    c.twin = l->twin;
    if (l->kind == MC_GBENCH) {
        if (rep > 0 || l->nsize[m] == 0)
            return 0;
        cell_key(&c);
        snprintf(c.workload, sizeof c.workload, "gbench");
        return filters_pass(o, &c) ? plan_push(p, &c) : 0;
    }
    for (size_t z = 0; z < l->nsize[m]; z++)
        for (size_t s = 0; s < ns; s++) {
            if (!list_selects(all[s], l->strat, l->nstrat))
                continue;
            /* The kernel has no baselines and no null floor; threads
               cells of more than one thread need a thread-safe strategy. */
            if (l->kind == MC_KERNEL &&
                ((all[s]->caps & AB_CAP_HOSTONLY) || strcmp(all[s]->name, "null") == 0))
                continue;
            for (size_t w = 0; w < l->nwl; w++)
                for (size_t f = 0; f < l->nfill; f++)
                    for (size_t t = 0; t < l->nthreads; t++) {
                        if (l->kind == MC_THREADS && l->threads[t] > 1 &&
                            !(all[s]->caps & AB_CAP_THREADSAFE))
                            continue;
                        c.hc.st = all[s];
                        c.hc.kind = ab_workload_parse(l->wl[w]);
                        c.hc.role_vmm = l->role_vmm;
                        c.hc.mem_bytes = l->size[m][z];
                        /* Fixed-fill workloads run at their own level
                           (the workload reads a non-zero fill as is). */
                        c.hc.fill_pm = l->kind == MC_THREADS ? l->fill[f]
                                       : c.hc.kind != AB_WL_COUNT &&
                                               ab_workload_fixed_fill(c.hc.kind)
                                           ? 0
                                           : l->fill[f];
                        c.hc.seed = o->seed + rep;
                        c.hc.threads = l->threads[t];
                        c.hc.rep = rep;
                        c.hc.ops = p->ops;
                        c.hc.budget_s = p->budget_s;
                        snprintf(c.workload, sizeof c.workload, "%s", l->wl[w]);
                        cell_key(&c);
                        if (filters_pass(o, &c) && plan_push(p, &c) != 0)
                            return -1;
                    }
        }
    return 0;
}

int plan_load(plan *p, const plan_opts *o, char *err, size_t err_len)
{
    const char *file = o->file ? o->file : plan_default_file();
    def_file d;
    memset(p, 0, sizeof *p);
    if (def_read(&d, file, err, err_len) != 0) {
        def_free(&d);
        return -1;
    }
    int m = o->quick ? 0 : 1;
    p->ops = d.ops[m];
    p->budget_s = d.budget_s[m];
    p->reps = o->reps ? o->reps : d.reps[m];
    for (uint32_t r = 0; r < p->reps; r++)
        for (size_t i = 0; i < d.n; i++) {
            const def_line *l = &d.lines[i];
            if (o->host_only && (l->kind == MC_KERNEL || l->twin))
                continue;
            if (expand_line(p, o, l, m, r) != 0) {
                snprintf(err, err_len, "out of memory");
                def_free(&d);
                return -1;
            }
        }
    def_free(&d);
    return 0;
}

void plan_free(plan *p)
{
    free(p->c);
    memset(p, 0, sizeof *p);
}

int plan_find(const plan_opts *o, const char *id, mcell *out, char *err, size_t err_len)
{
    plan_opts q;
    memset(&q, 0, sizeof q);
    q.file = o->file;
    q.quick = o->quick;
    q.seed = 1;
    q.reps = 1;
    if (strcmp(id, "gbench") != 0) {
        /* ...-s<seed>-r<rep>: the base seed is seed - rep. */
        const char *s = strrchr(id, 's');
        unsigned long long seed;
        unsigned rep;
        char tail[8];
        while (s != NULL && s > id && s[-1] != '-')
            s = memrchr(id, 's', (size_t)(s - id));
        if (s == NULL || sscanf(s, "s%llu-r%u%1s", &seed, &rep, tail) != 2 || seed < rep)
            return 0;
        q.seed = seed - rep;
        q.reps = rep + 1;
    }
    plan p;
    if (plan_load(&p, &q, err, err_len) != 0)
        return -1;
    int found = 0;
    for (size_t i = 0; i < p.n && !found; i++)
        if (strcmp(p.c[i].key, id) == 0) {
            *out = p.c[i];
            found = 1;
        }
    plan_free(&p);
    return found;
}
