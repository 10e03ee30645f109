/*
 * allocbench plot: the figures about the allocator's state and the other
 * sources: metadata per GiB against size, host against kernel, Google
 * Benchmark bars (fragmentation: plot_figs_frag.c; heaps: plot_figs_heap.c).
 * Same scheme as plot_figs.c: data files, then one queued gnuplot run each.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_figs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- metadata, host against kernel, Google Benchmark ------------------- */

/* The range of a metadata figure: values (KiB per GiB) and sizes. */
typedef struct meta_box {
    double lo, hi, mlo, mhi;
} meta_box;

/* Strategy k's metadata per GiB at each size (the largest when several rows),
   ascending by size; how many (at most max). *saw_zero is set when a row
   reports 0 bytes. */
static size_t meta_points(const ab_run *run, const char *env, const char *role, size_t k,
                          double *mems, double *vals, size_t max, int *saw_zero)
{
    size_t n = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *s = &run->s[r];
        if (s->strat != (int)k || strcmp(s->env, env) != 0 ||
            strcmp(s->role, role) != 0 || isnan(s->meta_per_gib))
            continue;
        if (s->meta_per_gib <= 0) {
            *saw_zero = 1;
            continue;
        }
        size_t i = 0;
        while (i < n && mems[i] != s->mem_bytes)
            i++;
        if (i == n && n < max) {
            mems[n] = s->mem_bytes;
            vals[n++] = s->meta_per_gib;
        } else if (i < n) {
            vals[i] = fmax(vals[i], s->meta_per_gib);
        }
    }
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && mems[b - 1] > mems[b]; b--) {
            double t = mems[b];
            mems[b] = mems[b - 1];
            mems[b - 1] = t;
            t = vals[b];
            vals[b] = vals[b - 1];
            vals[b - 1] = t;
        }
    return n;
}

/* Writes strategy k's data file of metadata figure f, widening box; names
   a strategy that reports only 0 bytes in zero. 1 when drawn, 0 when not,
   -1 after printing why. */
static int meta_strategy(const ab_run *run, const ab_figure *f, const char *env,
                         const char *role, size_t k, meta_box *box, sbuf *zero)
{
    double mems[64], vals[64];
    int saw_zero = 0;
    size_t n = meta_points(run, env, role, k, mems, vals, COUNT_OF(mems), &saw_zero);
    if (n == 0) {
        if (saw_zero)
            pf_sb_add(zero, "%s%s", zero->len ? ", " : "", run->strats[k].name);
        return 0;
    }
    FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
    if (d == NULL)
        return -1;
    fprintf(d, "mem_mib,mem,kib_per_gib\n");
    for (size_t i = 0; i < n; i++) {
        char mt[32];
        ab_mem_label(mems[i], mt, sizeof mt);
        fprintf(d, "%.17g,%s,%.17g\n", mems[i] / 1048576.0, mt, vals[i] / 1024);
        box->lo = fmin(box->lo, vals[i] / 1024);
        box->hi = fmax(box->hi, vals[i] / 1024);
        box->mlo = fmin(box->mlo, mems[i]);
        box->mhi = fmax(box->mhi, mems[i]);
    }
    fclose(d);
    return 1;
}

/* Queues the gnuplot run of metadata figure f. */
static void meta_job(const ab_run *run, jobs *js, const ab_figure *f, const int *present,
                     const meta_box *box)
{
    sbuf v = {0};
    pf_axes ax = {.xlab = "managed memory (bytes, log scale; tics in MiB/GiB)",
                  .ylab = "metadata (KiB per GiB managed, log scale)",
                  .xcol = "mem_mib", .ycol = "kib_per_gib", .logx = 1, .logy = 1,
                  .xmin = box->mlo / 1048576.0 / 1.5, .xmax = box->mhi / 1048576.0 * 1.5,
                  .ymin = pf_floor_pow10(box->lo), .ymax = pf_ceil_pow10(box->hi * 1.01),
                  .xticcol = "mem"};
    pf_axes_vars(&v, run, present, &ax);
    pf_job_add(js, run, f, "lines.gp", &v);
}

/* The env the metadata figures are drawn from: the host rows (the
   kernel's are the same layouts), or the first env when there is no host
   row; NULL when no row has metadata. */
static const char *meta_env(const ab_run *run)
{
    const char *env = NULL;
    for (size_t r = 0; r < run->ns; r++)
        if (!isnan(run->s[r].meta_per_gib) && (env == NULL || ab_env_is_host(run->s[r].env)))
            env = run->s[r].env;
    return env;
}

static void meta_name(const ab_run *run, const char *env, const char *role, char *out,
                      size_t len)
{
    ab_fmt(out, len, "meta-%s%s%s", env, run->multi_role ? "-" : "",
           run->multi_role ? role : "");
}

void pf_meta_figure_name(const ab_run *run, const char *role, char *out, size_t len)
{
    const char *env = meta_env(run);
    if (env == NULL)
        out[0] = '\0';
    else
        meta_name(run, env, role, out, len);
}

int pf_meta_figures(ab_run *run, jobs *js)
{
    /* One figure per role (meta_env). */
    const char *env = meta_env(run);
    if (env == NULL) {
        ab_run_note(run, "summary.csv has no meta_bytes or meta_bytes_per_gib column: the "
                         "metadata plot is not drawn.");
        return 0;
    }
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t r0 = 0; r0 < run->ns; r0++) {
        const char *role = run->s[r0].role;
        if (!PF_FIRST(run->s, r0, role))
            continue;
        char name[200];
        meta_name(run, env, role, name, sizeof name);
        ab_figure *f = pf_fig_begin(run, present, "meta", name, "Metadata per GiB managed: %s%s%s",
                                    env, run->multi_role ? ", " : "", run->multi_role ? role : "");
        meta_box box = {INFINITY, 0, INFINITY, 0};
        sbuf zero = {0};
        for (size_t k = 0; k < run->nstrats; k++) {
            int rc = meta_strategy(run, f, env, role, k, &box, &zero);
            if (rc < 0) {
                free(present);
                free(zero.s);
                return -1;
            }
            present[k] = rc;
        }
        char zeros[400] = "";
        if (zero.len)
            ab_fmt(zeros, sizeof zeros, " Not drawn (report 0 bytes: their metadata is "
                                          "not counted by the run): %s.", zero.s);
        free(zero.s);
        if (box.hi == 0) {
            run->nfigs--;
            ab_run_note(run, "No strategy reports metadata bytes for role %s: the metadata "
                             "plot is not drawn.", role);
            continue;
        }
        ab_fmt(f->caption, sizeof f->caption,
                 "Metadata each strategy needs, in KiB per GiB of managed memory, against the "
                 "managed size (log-log); lower is better, and a flat line means the "
                 "overhead is a fixed fraction.%s", zeros);
        meta_job(run, js, f, present, &box);
    }
    free(present);
    return 0;
}

/* The host row of kernel row kr's cell (same strategy, role, workload, op,
   size, fill, seed), or NULL. */
static const ab_srow *hk_host_row(const ab_run *run, const ab_srow *kr)
{
    for (size_t q = 0; q < run->ns; q++) {
        const ab_srow *s = &run->s[q];
        if (s->strat == kr->strat && ab_env_is_host(s->env) && pf_row_ok(s) &&
            strcmp(s->role, kr->role) == 0 && strcmp(s->workload, kr->workload) == 0 &&
            strcmp(s->op, kr->op) == 0 && s->mem_bytes == kr->mem_bytes &&
            pf_same_fill(s->fill, kr->fill) && s->seed == kr->seed)
            return s;
    }
    return NULL;
}

/* Writes strategy k's points (mean when w is 0, else p99) of host-against-
   env figure f, widening *lo and *hi and counting *cells. 1 when it has a
   point, 0 when not, -1 after printing why. */
static int hk_strategy(const ab_run *run, const ab_figure *f, const char *env, size_t w,
                       size_t k, double *lo, double *hi, size_t *cells)
{
    FILE *d = NULL;
    int any = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const ab_srow *kr = &run->s[r];
        if (kr->strat != (int)k || strcmp(kr->env, env) != 0 || !pf_row_ok(kr))
            continue;
        const ab_srow *hr = hk_host_row(run, kr);
        if (hr == NULL)
            continue;
        if (pf_data_lazy(&d, run, f->name, run->strats[k].ident, "host_ns,kernel_ns,cell") == NULL)
            return -1;
        double x = fmax(w == 0 ? hr->mean_ns : hr->p99_ns, 0.1);
        double y = fmax(w == 0 ? kr->mean_ns : kr->p99_ns, 0.1);
        /* One point per rep; the label once, on rep 0 ("_": none). */
        if (kr->rep == 0)
            fprintf(d, "%.17g,%.17g,%s %s\n", x, y, kr->workload, kr->op);
        else
            fprintf(d, "%.17g,%.17g,_\n", x, y);
        *lo = fmin(*lo, fmin(x, y));
        *hi = fmax(*hi, fmax(x, y));
        any = 1;
        (*cells)++;
    }
    if (d != NULL)
        fclose(d);
    return any;
}

int pf_host_kernel_figures(ab_run *run, jobs *js)
{
    const char *envs[16];
    size_t ne = 0;
    for (size_t r = 0; r < run->ns; r++) {
        const char *e = run->s[r].env;
        if (ab_env_is_host(e))
            continue;
        size_t k = 0;
        while (k < ne && strcmp(envs[k], e) != 0)
            k++;
        if (k == ne && ne < COUNT_OF(envs))
            envs[ne++] = e;
    }
    if (ne == 0) {
        ab_run_note(run, "No kernel rows in this run: the host-against-kernel plots are "
                         "not drawn.");
        return 0;
    }
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t e = 0; e < ne; e++) {
        static const char *const what[] = {"mean", "p99"};
        for (size_t w = 0; w < COUNT_OF(what); w++) {
            char name[200];
            ab_fmt(name, sizeof name, "hostkernel-%s-%s", envs[e], what[w]);
            ab_figure *f = pf_fig_begin(run, present, "hostkernel", name,
                                        "%s latency, host against %s", w == 0 ? "Mean" : "p99",
                                        envs[e]);
            double lo = INFINITY, hi = 0;
            size_t cells = 0;
            for (size_t k = 0; k < run->nstrats; k++) {
                int rc = hk_strategy(run, f, envs[e], w, k, &lo, &hi, &cells);
                if (rc < 0) {
                    free(present);
                    return -1;
                }
                present[k] = rc;
            }
            if (cells == 0) {
                run->nfigs--;
                if (w == 0)
                    ab_run_note(run, "%s has rows but no cell that the host also ran (same "
                                     "strategy, role, workload, size, fill, seed, op): the "
                                     "host-against-kernel plot is not drawn.", envs[e]);
                continue;
            }
            ab_fmt(f->caption, sizeof f->caption,
                     "Each point is one cell (strategy, workload, size, fill, seed, op) run "
                     "both on the host and in the kernel under %s; %s latency, log-log. Points "
                     "above the diagonal are slower in the kernel.%s", envs[e], what[w],
                     strstr(envs[e], "tcg") != NULL || strstr(envs[e], "icount") != NULL
                         ? " Under tcg and icount QEMU emulates the CPU: compare strategies "
                           "with each other, not with the host's nanoseconds."
                         : "");
            sbuf v = {0};
            pf_sb_add(&v, "strategies='");
            pf_strat_list(run, present, &v);
            pf_sb_add(&v, "'; ");
            pf_var_str(&v, "xlab", "host latency (ns, log scale)");
            char yl[128];
            ab_fmt(yl, sizeof yl, "%s latency (ns, log scale)", envs[e]);
            pf_var_str(&v, "ylab", yl);
            pf_var_num(&v, "xmin", pf_floor_pow10(lo));
            pf_var_num(&v, "xmax", pf_ceil_pow10(hi * 1.01));
            pf_job_add(js, run, f, "host_kernel.gp", &v);
        }
    }
    free(present);
    return 0;
}

int pf_gbench_figures(ab_run *run, jobs *js)
{
    if (run->ng == 0)
        return 0;
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t i = 0; i < run->ng; i++) {
        size_t p = 0;
        while (p < i && !(strcmp(run->g[p].family, run->g[i].family) == 0 &&
                          strcmp(run->g[p].file, run->g[i].file) == 0))
            p++;
        if (p < i)
            continue;
        const char *fam = run->g[i].family, *file = run->g[i].file;
        char name[300], stem[200];
        ab_fmt(stem, sizeof stem, "%s", file);
        char *dot = strrchr(stem, '.');
        if (dot != NULL)
            *dot = '\0';
        ab_fmt(name, sizeof name, "gbench-%s-%s", stem, fam);
        ab_figure *f = pf_fig_begin(run, present, "gbench", name, "Google Benchmark %s (%s)", fam,
                                    file);
        present[run->nstrats] = 0; /* "other": the benchmarks that name no strategy */
        /* Bars in strategy order, then the benchmarks that name none. */
        size_t x = 0;
        int reps = 0;
        double hi = 0;
        for (size_t k = 0; k <= run->nstrats; k++) {
            int want = k < run->nstrats ? (int)k : -1;
            FILE *d = NULL;
            for (size_t q = 0; q < run->ng; q++) {
                const ab_gbench *g = &run->g[q];
                if (g->strat != want || strcmp(g->family, fam) != 0 || strcmp(g->file, file) != 0)
                    continue;
                const char *ident = want >= 0 ? run->strats[k].ident : "other";
                if (pf_data_lazy(&d, run, f->name, ident, "x,ns,err,label") == NULL) {
                    free(present);
                    return -1;
                }
                const char *label = strchr(g->name, '/');
                fprintf(d, "%zu,%.17g,%.17g,%s\n", x++, g->mean_ns, g->err_ns,
                        label != NULL ? label + 1 : g->name);
                hi = fmax(hi, g->mean_ns + g->err_ns);
                reps = reps > g->reps ? reps : g->reps;
                present[k] = 1;
            }
            if (d != NULL)
                fclose(d);
        }
        ab_fmt(f->caption, sizeof f->caption,
                 "Google Benchmark real time per operation, one bar per benchmark, coloured "
                 "by strategy; %s",
                 reps > 1 ? "error bars are the standard deviation over repetitions."
                          : "the run had no repetitions, so there is no error to draw.");
        sbuf v = {0};
        pf_sb_add(&v, "strategies='");
        pf_strat_list(run, present, &v);
        if (present[run->nstrats])
            pf_sb_add(&v, "%sother", v.len > strlen("strategies='") ? " " : "");
        pf_sb_add(&v, "'; ");
        pf_var_str(&v, "xlab", "benchmark (arguments after the family name)");
        pf_var_str(&v, "ylab", "real time per iteration (ns)");
        pf_var_num(&v, "xmin", -1);
        pf_var_num(&v, "xmax", (double)x);
        pf_var_num(&v, "ymin", 0);
        pf_var_num(&v, "ymax", hi > 0 ? hi * 1.15 : 1);
        pf_job_add(js, run, f, "gbench.gp", &v);
    }
    free(present);
    return 0;
}
