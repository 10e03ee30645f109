/*
 * allocbench plot: the figures about the allocator's state and the other
 * sources: fragmentation over time (churn, huge) and against fill, metadata
 * per GiB against size, host against kernel, Google Benchmark bars. Same
 * scheme as plot_figs.c: data files, then one queued gnuplot run each.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_figs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fragmentation ---------------------------------------------------- */

typedef struct fgroup {
    const char *env, *workload;
    double fill;
} fgroup;

static int fgroup_has(const fgroup *g, const ab_frow *f, int with_fill)
{
    return strcmp(g->env, f->env) == 0 && strcmp(g->workload, f->workload) == 0 &&
           (!with_fill || pf_same_fill(g->fill, f->fill));
}

/* Reference size and seed of a frag group: the size with most (strategy,
   fill) series, the largest on a tie; then the smallest seed there.
   O(rows * series). */
static double fgroup_ref_mem(const ab_run *run, const fgroup *g, int with_fill, double *seed)
{
    typedef struct series {
        double mem, fill;
        int strat;
    } series;
    series *sv = NULL;
    size_t n = 0, cap = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (!fgroup_has(g, f, with_fill))
            continue;
        size_t k = 0;
        while (k < n && !(sv[k].mem == f->mem_bytes && sv[k].strat == f->strat &&
                          pf_same_fill(sv[k].fill, f->fill)))
            k++;
        if (k < n)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            series *ns = realloc(sv, cap * sizeof *ns);
            if (ns == NULL)
                break;
            sv = ns;
        }
        sv[n++] = (series){f->mem_bytes, f->fill, f->strat};
    }
    double best = 0;
    size_t best_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += sv[j].mem == sv[i].mem;
        if (c > best_n || (c == best_n && sv[i].mem > best)) {
            best_n = c;
            best = sv[i].mem;
        }
    }
    free(sv);
    *seed = INFINITY;
    for (size_t r = 0; r < run->nf; r++)
        if (fgroup_has(g, &run->f[r], with_fill) && run->f[r].mem_bytes == best &&
            run->f[r].seed < *seed)
            *seed = run->f[r].seed;
    return best;
}

static void fgroup_missing(const ab_run *run, const char *env, const int *present, char *out,
                           size_t outlen)
{
    sbuf b = {0};
    for (size_t k = 0; k < run->nstrats; k++) {
        if (present[k])
            continue;
        for (size_t r = 0; r < run->nf; r++)
            if (run->f[r].strat == (int)k && strcmp(run->f[r].env, env) == 0) {
                pf_sb_add(&b, "%s%s", b.len ? ", " : "", run->strats[k].name);
                break;
            }
    }
    if (b.len)
        ab_fmt(out, outlen, " Not in this figure (no samples for this cell): %s.", b.s);
    else
        out[0] = '\0';
    free(b.s);
}

static int is_frag_time_workload(const char *w)
{
    return strcmp(w, "churn") == 0 || strcmp(w, "huge") == 0;
}

int pf_frag_time_figures(ab_run *run, jobs *js)
{
    fgroup *gs = NULL;
    size_t ng = 0;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (!is_frag_time_workload(f->workload))
            continue;
        size_t k = 0;
        while (k < ng && !fgroup_has(&gs[k], f, 1))
            k++;
        if (k < ng)
            continue;
        fgroup *n = realloc(gs, (ng + 1) * sizeof *n);
        if (n == NULL)
            break;
        gs = n;
        gs[ng++] = (fgroup){f->env, f->workload, f->fill};
    }
    if (ng == 0)
        ab_run_note(run, "frag.csv has no churn or huge samples: the fragmentation-over-time "
                         "plots are not drawn.");
    int *present = calloc(run->nstrats + 1, sizeof *present);
    int rc = present == NULL ? -1 : 0;
    for (size_t i = 0; i < ng && rc == 0; i++) {
        const fgroup *g = &gs[i];
        double seed, mem = fgroup_ref_mem(run, g, 1, &seed);
        char memtxt[32], filltxt[48] = "", fillstem[32] = "", name[240], missing[600];
        ab_mem_label(mem, memtxt, sizeof memtxt);
        if (pf_fill_known(g->fill)) {
            ab_fmt(filltxt, sizeof filltxt, " at %.0f %% fill", g->fill * 100);
            ab_fmt(fillstem, sizeof fillstem, "-f%.0f", g->fill * 1000);
        }
        static const char *const kinds[] = {"frag_ext", "frag_2m"};
        for (size_t kind = 0; kind < COUNT_OF(kinds) && rc == 0; kind++) {
            memset(present, 0, run->nstrats * sizeof *present);
            ab_fmt(name, sizeof name, "%s-%s-%s%s", kind == 0 ? "fragext" : "free2m",
                     g->env, g->workload, fillstem);
            ab_figure *f = pf_fig_new(run, kinds[kind], name);
            ab_fmt(f->title, sizeof f->title, "%s over time: %s%s, %s, %s",
                     kind == 0 ? "External fragmentation" : "Free 2 MiB blocks",
                     g->workload, filltxt, memtxt, g->env);
            double steps = 0, ymax = 0;
            for (size_t k = 0; k < run->nstrats && rc == 0; k++) {
                FILE *d = NULL;
                for (size_t r = 0; r < run->nf; r++) {
                    const ab_frow *fr = &run->f[r];
                    if (fr->strat != (int)k || !fgroup_has(g, fr, 1) || fr->mem_bytes != mem ||
                        fr->seed != seed)
                        continue;
                    if (d == NULL) {
                        d = pf_data_open(run, f->name, run->strats[k].ident);
                        if (d == NULL) {
                            rc = -1;
                            break;
                        }
                        fprintf(d, "step,value\n");
                    }
                    double val = kind == 0 ? fr->ext_frag : fr->free_2m;
                    fprintf(d, "%.17g,%.17g\n", fr->step, val);
                    steps = fmax(steps, fr->step);
                    ymax = fmax(ymax, val);
                    present[k] = 1;
                }
                if (d != NULL)
                    fclose(d);
            }
            if (rc != 0)
                break;
            fgroup_missing(run, g->env, present, missing, sizeof missing);
            ab_fmt(f->caption, sizeof f->caption,
                     kind == 0 ? "External fragmentation, 1 - largest free run / free pages "
                                 "(0 = all free memory in one run; lower is better), sampled "
                                 "during the run; seed %.0f.%s%s"
                               : "Free naturally aligned 2 MiB blocks (512 pages) lying wholly "
                                 "in free memory, sampled during the run; higher means more "
                                 "huge pages are still available; seed %.0f.%s%s",
                     seed, missing,
                     run->multi_role ? " frag.csv has no role column: roles are mixed." : "");
            sbuf v = {0};
            pf_sb_add(&v, "strategies='");
            pf_strat_list(run, present, &v);
            pf_sb_add(&v, "'; ");
            pf_var_str(&v, "xlab", "step (operations so far)");
            pf_var_str(&v, "ylab", kind == 0 ? "external fragmentation (fraction, 0..1)"
                                          : "free aligned 2 MiB blocks (count)");
            pf_var_str(&v, "xcol", "step");
            pf_var_str(&v, "ycol", "value");
            pf_var_num(&v, "logx", 0);
            pf_var_num(&v, "logy", 0);
            pf_var_num(&v, "xmin", 0);
            pf_var_num(&v, "xmax", steps > 0 ? steps : 1);
            pf_var_num(&v, "ymin", 0);
            pf_var_num(&v, "ymax", kind == 0 ? 1 : (ymax > 0 ? ymax * 1.1 : 1));
            pf_var_str(&v, "xticcol", "");
            pf_job_add(js, run, f, "lines.gp", &v);
        }
    }
    free(present);
    free(gs);
    return rc;
}

/* Final sample of one (strategy, fill) series: the row with the highest
   step, the last in the file on a tie. NULL if none. */
static const ab_frow *frag_final(const ab_run *run, size_t k, const fgroup *g, double mem,
                                 double seed, double fill)
{
    const ab_frow *best = NULL;
    for (size_t r = 0; r < run->nf; r++) {
        const ab_frow *f = &run->f[r];
        if (f->strat == (int)k && fgroup_has(g, f, 0) && f->mem_bytes == mem &&
            f->seed == seed && pf_same_fill(f->fill, fill) && (best == NULL || f->step >= best->step))
            best = f;
    }
    return best;
}

int pf_frag_fill_figures(ab_run *run, jobs *js)
{
    if (ab_table_col(&run->frag, "fill") < 0)
        return 0;
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    int drawn = 0;
    /* Distinct (env, workload) pairs, in file order. */
    fgroup pairs[64];
    size_t npairs = 0;
    for (size_t r = 0; r < run->nf; r++) {
        fgroup g = {run->f[r].env, run->f[r].workload, NAN};
        size_t k = 0;
        while (k < npairs && !fgroup_has(&pairs[k], &run->f[r], 0))
            k++;
        if (k == npairs && npairs < COUNT_OF(pairs))
            pairs[npairs++] = g;
    }
    for (size_t pi = 0; pi < npairs; pi++) {
        fgroup g = pairs[pi];
        double seed, mem = fgroup_ref_mem(run, &g, 0, &seed);
        double fills[32];
        size_t nfl = 0;
        for (size_t q = 0; q < run->nf; q++) {
            const ab_frow *f = &run->f[q];
            if (!fgroup_has(&g, f, 0) || f->mem_bytes != mem || isnan(f->fill))
                continue;
            size_t k = 0;
            while (k < nfl && !pf_same_fill(fills[k], f->fill))
                k++;
            if (k == nfl && nfl < COUNT_OF(fills))
                fills[nfl++] = f->fill;
        }
        if (nfl < 2)
            continue;
        for (size_t a = 1; a < nfl; a++)
            for (size_t b = a; b > 0 && fills[b - 1] > fills[b]; b--) {
                double t = fills[b];
                fills[b] = fills[b - 1];
                fills[b - 1] = t;
            }
        memset(present, 0, run->nstrats * sizeof *present);
        char name[240], memtxt[32], missing[600];
        ab_mem_label(mem, memtxt, sizeof memtxt);
        ab_fmt(name, sizeof name, "fragfill-%s-%s", g.env, g.workload);
        ab_figure *f = pf_fig_new(run, "frag_fill", name);
        ab_fmt(f->title, sizeof f->title, "External fragmentation against fill: %s, %s, %s",
                 g.workload, memtxt, g.env);
        for (size_t k = 0; k < run->nstrats; k++) {
            FILE *d = NULL;
            for (size_t i = 0; i < nfl; i++) {
                const ab_frow *fin = frag_final(run, k, &g, mem, seed, fills[i]);
                if (fin == NULL)
                    continue;
                if (d == NULL) {
                    d = pf_data_open(run, f->name, run->strats[k].ident);
                    if (d == NULL) {
                        free(present);
                        return -1;
                    }
                    fprintf(d, "fill_pct,ext_frag\n");
                }
                fprintf(d, "%.17g,%.17g\n", fills[i] * 100, fin->ext_frag);
                present[k] = 1;
            }
            if (d != NULL)
                fclose(d);
        }
        fgroup_missing(run, g.env, present, missing, sizeof missing);
        ab_fmt(f->caption, sizeof f->caption,
                 "External fragmentation at the end of %s (the last sample of each run) "
                 "against the fill level it was held at; lower is better; seed %.0f.%s",
                 g.workload, seed, missing);
        sbuf v = {0};
        pf_sb_add(&v, "strategies='");
        pf_strat_list(run, present, &v);
        pf_sb_add(&v, "'; ");
        pf_var_str(&v, "xlab", "fill level (% of pages allocated)");
        pf_var_str(&v, "ylab", "external fragmentation at the end (fraction, 0..1)");
        pf_var_str(&v, "xcol", "fill_pct");
        pf_var_str(&v, "ycol", "ext_frag");
        pf_var_num(&v, "logx", 0);
        pf_var_num(&v, "logy", 0);
        pf_var_num(&v, "xmin", fills[0] * 100 - 5);
        pf_var_num(&v, "xmax", fills[nfl - 1] * 100 + 5);
        pf_var_num(&v, "ymin", 0);
        pf_var_num(&v, "ymax", 1);
        pf_var_str(&v, "xticcol", "");
        pf_job_add(js, run, f, "lines.gp", &v);
        drawn++;
    }
    if (drawn == 0)
        ab_run_note(run, "No workload in frag.csv ran at two or more fill levels: the "
                         "ext-frag-against-fill plot is not drawn.");
    free(present);
    return 0;
}

/* ---- metadata, host against kernel, Google Benchmark ------------------- */

int pf_meta_figures(ab_run *run, jobs *js)
{
    /* One figure per role, from the host rows (the kernel's are the same
       layouts) or from the first env when there is no host row. */
    const char *env = NULL;
    for (size_t r = 0; r < run->ns; r++)
        if (!isnan(run->s[r].meta_per_gib) && (env == NULL || ab_env_is_host(run->s[r].env)))
            env = run->s[r].env;
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
        size_t p = 0;
        while (p < r0 && strcmp(run->s[p].role, role) != 0)
            p++;
        if (p < r0)
            continue;
        memset(present, 0, run->nstrats * sizeof *present);
        char name[200];
        ab_fmt(name, sizeof name, "meta-%s%s%s", env, run->multi_role ? "-" : "",
                 run->multi_role ? role : "");
        ab_figure *f = pf_fig_new(run, "meta", name);
        ab_fmt(f->title, sizeof f->title, "Metadata per GiB managed: %s%s%s", env,
                 run->multi_role ? ", " : "", run->multi_role ? role : "");
        double lo = INFINITY, hi = 0, mlo = INFINITY, mhi = 0;
        sbuf zero = {0};
        for (size_t k = 0; k < run->nstrats; k++) {
            double mems[64], vals[64];
            size_t n = 0;
            int saw_zero = 0;
            for (size_t r = 0; r < run->ns; r++) {
                const ab_srow *s = &run->s[r];
                if (s->strat != (int)k || strcmp(s->env, env) != 0 ||
                    strcmp(s->role, role) != 0 || isnan(s->meta_per_gib))
                    continue;
                if (s->meta_per_gib <= 0) {
                    saw_zero = 1;
                    continue;
                }
                size_t i = 0;
                while (i < n && mems[i] != s->mem_bytes)
                    i++;
                if (i == n && n < COUNT_OF(mems)) {
                    mems[n] = s->mem_bytes;
                    vals[n++] = s->meta_per_gib;
                } else if (i < n) {
                    vals[i] = fmax(vals[i], s->meta_per_gib);
                }
            }
            if (n == 0) {
                if (saw_zero)
                    pf_sb_add(&zero, "%s%s", zero.len ? ", " : "", run->strats[k].name);
                continue;
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
            FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
            if (d == NULL) {
                free(present);
                free(zero.s);
                return -1;
            }
            fprintf(d, "mem_mib,mem,kib_per_gib\n");
            for (size_t i = 0; i < n; i++) {
                char mt[32];
                ab_mem_label(mems[i], mt, sizeof mt);
                fprintf(d, "%.17g,%s,%.17g\n", mems[i] / 1048576.0, mt, vals[i] / 1024);
                lo = fmin(lo, vals[i] / 1024);
                hi = fmax(hi, vals[i] / 1024);
                mlo = fmin(mlo, mems[i]);
                mhi = fmax(mhi, mems[i]);
            }
            fclose(d);
            present[k] = 1;
        }
        char zeros[400] = "";
        if (zero.len)
            ab_fmt(zeros, sizeof zeros, " Not drawn (report 0 bytes: their metadata is "
                                          "not counted by the run): %s.", zero.s);
        free(zero.s);
        if (hi == 0) {
            run->nfigs--;
            ab_run_note(run, "No strategy reports metadata bytes for role %s: the metadata "
                             "plot is not drawn.", role);
            continue;
        }
        ab_fmt(f->caption, sizeof f->caption,
                 "Metadata each strategy needs, in KiB per GiB of managed memory, against the "
                 "managed size (log-log); lower is better, and a flat line means the "
                 "overhead is a fixed fraction.%s", zeros);
        sbuf v = {0};
        pf_sb_add(&v, "strategies='");
        pf_strat_list(run, present, &v);
        pf_sb_add(&v, "'; ");
        pf_var_str(&v, "xlab", "managed memory (bytes, log scale; tics in MiB/GiB)");
        pf_var_str(&v, "ylab", "metadata (KiB per GiB managed, log scale)");
        pf_var_str(&v, "xcol", "mem_mib");
        pf_var_str(&v, "ycol", "kib_per_gib");
        pf_var_num(&v, "logx", 1);
        pf_var_num(&v, "logy", 1);
        pf_var_num(&v, "xmin", mlo / 1048576.0 / 1.5);
        pf_var_num(&v, "xmax", mhi / 1048576.0 * 1.5);
        pf_var_num(&v, "ymin", pf_floor_pow10(lo));
        pf_var_num(&v, "ymax", pf_ceil_pow10(hi * 1.01));
        pf_var_str(&v, "xticcol", "mem");
        pf_job_add(js, run, f, "lines.gp", &v);
    }
    free(present);
    return 0;
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
            memset(present, 0, run->nstrats * sizeof *present);
            char name[200];
            ab_fmt(name, sizeof name, "hostkernel-%s-%s", envs[e], what[w]);
            ab_figure *f = pf_fig_new(run, "hostkernel", name);
            ab_fmt(f->title, sizeof f->title, "%s latency, host against %s",
                     w == 0 ? "Mean" : "p99", envs[e]);
            double lo = INFINITY, hi = 0;
            size_t cells = 0;
            for (size_t k = 0; k < run->nstrats; k++) {
                FILE *d = NULL;
                for (size_t r = 0; r < run->ns; r++) {
                    const ab_srow *kr = &run->s[r];
                    if (kr->strat != (int)k || strcmp(kr->env, envs[e]) != 0 || !pf_row_ok(kr))
                        continue;
                    const ab_srow *hr = NULL;
                    for (size_t q = 0; q < run->ns && hr == NULL; q++) {
                        const ab_srow *s = &run->s[q];
                        if (s->strat == kr->strat && ab_env_is_host(s->env) && pf_row_ok(s) &&
                            strcmp(s->role, kr->role) == 0 &&
                            strcmp(s->workload, kr->workload) == 0 &&
                            strcmp(s->op, kr->op) == 0 && s->mem_bytes == kr->mem_bytes &&
                            pf_same_fill(s->fill, kr->fill) && s->seed == kr->seed)
                            hr = s;
                    }
                    if (hr == NULL)
                        continue;
                    if (d == NULL) {
                        d = pf_data_open(run, f->name, run->strats[k].ident);
                        if (d == NULL) {
                            free(present);
                            return -1;
                        }
                        fprintf(d, "host_ns,kernel_ns,cell\n");
                    }
                    double x = fmax(w == 0 ? hr->mean_ns : hr->p99_ns, 0.1);
                    double y = fmax(w == 0 ? kr->mean_ns : kr->p99_ns, 0.1);
                    /* One point per rep; the label once, on rep 0 ("_": none). */
                    if (kr->rep == 0)
                        fprintf(d, "%.17g,%.17g,%s %s\n", x, y, kr->workload, kr->op);
                    else
                        fprintf(d, "%.17g,%.17g,_\n", x, y);
                    lo = fmin(lo, fmin(x, y));
                    hi = fmax(hi, fmax(x, y));
                    present[k] = 1;
                    cells++;
                }
                if (d != NULL)
                    fclose(d);
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
        memset(present, 0, (run->nstrats + 1) * sizeof *present);
        char name[300], stem[200];
        ab_fmt(stem, sizeof stem, "%s", file);
        char *dot = strrchr(stem, '.');
        if (dot != NULL)
            *dot = '\0';
        ab_fmt(name, sizeof name, "gbench-%s-%s", stem, fam);
        ab_figure *f = pf_fig_new(run, "gbench", name);
        ab_fmt(f->title, sizeof f->title, "Google Benchmark %s (%s)", fam, file);
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
                if (d == NULL) {
                    d = pf_data_open(run, f->name, want >= 0 ? run->strats[k].ident : "other");
                    if (d == NULL) {
                        free(present);
                        return -1;
                    }
                    fprintf(d, "x,ns,err,label\n");
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


/* ---- heaps: programs.csv and heapscale.csv ------------------------------ */

/* Programs in order of first appearance; returns how many (at most max). */
static size_t program_names(const ab_run *run, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < run->np; r++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], run->p[r].program) != 0)
            k++;
        if (k == n && n < max)
            names[n++] = run->p[r].program;
    }
    return n;
}

int pf_programs_figures(ab_run *run, jobs *js)
{
    if (run->np == 0)
        return 0;
    const char *progs[64];
    size_t nprog = program_names(run, progs, 64);
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    /* Allocators with a ratio anywhere: their bar slots, in strategy order. */
    size_t slots = 0;
    int *slot = calloc(run->nstrats + 1, sizeof *slot);
    for (size_t k = 0; slot != NULL && k < run->nstrats; k++) {
        slot[k] = -1;
        for (size_t r = 0; r < run->np; r++)
            if (run->p[r].strat == (int)k && run->p[r].ok && run->p[r].ratio > 0) {
                slot[k] = (int)slots++;
                break;
            }
    }
    if (slot == NULL || slots == 0) {
        if (slot != NULL)
            ab_run_note(run, "programs.csv has no ok row with a footprint/live ratio: the "
                             "footprint/live plot is not drawn.");
        free(present);
        free(slot);
        return slot == NULL ? -1 : 0;
    }
    ab_figure *f = pf_fig_new(run, "programs", "programs-footprint");
    ab_fmt(f->title, sizeof f->title, "Peak footprint / peak live bytes under real programs");
    double hi = 1;
    sbuf tics = {0};
    for (size_t k = 0; k < run->nstrats; k++) {
        if (slot[k] < 0)
            continue;
        FILE *d = pf_data_open(run, f->name, run->strats[k].ident);
        if (d == NULL) {
            free(present);
            free(slot);
            free(tics.s);
            return -1;
        }
        fprintf(d, "x,value,program\n");
        for (size_t g = 0; g < nprog; g++)
            for (size_t r = 0; r < run->np; r++) {
                const ab_prow *p = &run->p[r];
                if (p->strat != (int)k || strcmp(p->program, progs[g]) != 0 || !p->ok ||
                    !(p->ratio > 0))
                    continue;
                fprintf(d, "%zu,%.17g,%s\n", g * (slots + 1) + (size_t)slot[k], p->ratio,
                        p->program);
                hi = fmax(hi, p->ratio);
                present[k] = 1;
            }
        fclose(d);
    }
    for (size_t g = 0; g < nprog; g++) {
        pf_sb_add(&tics, "%s\"", g ? ", " : "");
        for (const char *c = progs[g]; *c; c++)
            if (*c != '"' && *c != '\'' && *c != '\\')
                pf_sb_add(&tics, "%c", *c);
        pf_sb_add(&tics, "\" %.17g", (double)g * (double)(slots + 1) + (double)(slots - 1) / 2);
    }
    int rss = 0;
    for (size_t r = 0; r < run->np; r++)
        rss |= strcmp(run->p[r].fp_kind, "rss") == 0;
    ab_fmt(f->caption, sizeof f->caption,
           "Johnstone and Wilson's fragmentation: peak footprint over peak live bytes, per "
           "program (groups) and allocator (colour); 1 (dashed) would be no overhead. For the "
           "heaps of heaps/ both come from the heap itself (pages held, bytes requested: "
           "AB_HEAP_STATS).%s Failed rows are not drawn; the table below lists them.",
           rss ? " For glibc and jemalloc the footprint is the process's max RSS (code, "
                 "stacks and libraries included, so their bars are an upper bound) over the "
                 "peak live bytes the malloc recorder saw on glibc."
               : "");
    sbuf v = {0};
    pf_sb_add(&v, "strategies='");
    pf_strat_list(run, present, &v);
    pf_sb_add(&v, "'; ");
    pf_var_str(&v, "xlab", "program");
    pf_var_str(&v, "ylab", "peak footprint / peak live bytes");
    pf_var_num(&v, "xmin", -1);
    pf_var_num(&v, "xmax", (double)(nprog * (slots + 1)) - 1);
    pf_var_num(&v, "ymin", 0);
    pf_var_num(&v, "ymax", hi * 1.15);
    pf_var_str(&v, "xtic_spec", tics.s != NULL ? tics.s : "");
    pf_var_num(&v, "ref", 1);
    pf_var_str(&v, "ref_title", "footprint = live");
    pf_job_add(js, run, f, "programs.gp", &v);
    free(tics.s);
    free(present);
    free(slot);
    return 0;
}

int pf_heapscale_figures(ab_run *run, jobs *js)
{
    if (run->nhs == 0)
        return 0;
    int *present = calloc(run->nstrats + 1, sizeof *present);
    if (present == NULL)
        return -1;
    for (size_t i = 0; i < run->nhs; i++) {
        const char *st = run->hs[i].strategy;
        size_t p = 0;
        while (p < i && strcmp(run->hs[p].strategy, st) != 0)
            p++;
        if (p < i)
            continue;
        memset(present, 0, (run->nstrats + 1) * sizeof *present);
        char name[200];
        ab_fmt(name, sizeof name, "heapscale-%s", st);
        ab_figure *f = pf_fig_new(run, "heapscale", name);
        ab_fmt(f->title, sizeof f->title, "malloc time against live chunks (heaps over %s)", st);
        double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
        for (size_t k = 0; k < run->nstrats; k++) {
            FILE *d = NULL;
            for (size_t r = 0; r < run->nhs; r++) {
                const ab_hsrow *h = &run->hs[r];
                if (h->strat != (int)k || strcmp(h->strategy, st) != 0)
                    continue;
                if (d == NULL) {
                    d = pf_data_open(run, f->name, run->strats[k].ident);
                    if (d == NULL) {
                        free(present);
                        return -1;
                    }
                    fprintf(d, "live_chunks,malloc_mean_ns\n");
                }
                fprintf(d, "%.17g,%.17g\n", h->live_chunks, h->malloc_mean_ns);
                xlo = fmin(xlo, h->live_chunks);
                xhi = fmax(xhi, h->live_chunks);
                ylo = fmin(ylo, h->malloc_mean_ns);
                yhi = fmax(yhi, h->malloc_mean_ns);
                present[k] = 1;
            }
            if (d != NULL)
                fclose(d);
        }
        ab_fmt(f->caption, sizeof f->caption,
               "Mean malloc time (ns, log) against the number of blocks live (log), each heap "
               "over the %s page strategy: the heap keeps that many blocks of 16..512 B live "
               "and times a malloc then a free of a random live block, step after step "
               "(heapscale.csv). A first-fit heap (firstfit) walks its chunks, so its line "
               "climbs with the live count; a size-class heap (slab) stays flat.", st);
        sbuf v = {0};
        pf_sb_add(&v, "strategies='");
        pf_strat_list(run, present, &v);
        pf_sb_add(&v, "'; ");
        pf_var_str(&v, "xlab", "blocks live");
        pf_var_str(&v, "ylab", "mean malloc time (ns)");
        pf_var_str(&v, "xcol", "live_chunks");
        pf_var_str(&v, "ycol", "malloc_mean_ns");
        pf_var_str(&v, "xticcol", "");
        pf_var_num(&v, "logx", 1);
        pf_var_num(&v, "logy", 1);
        pf_var_num(&v, "xmin", xlo / 2);
        pf_var_num(&v, "xmax", xhi * 2);
        pf_var_num(&v, "ymin", pf_floor_pow10(ylo));
        pf_var_num(&v, "ymax", pf_ceil_pow10(yhi * 1.05));
        pf_job_add(js, run, f, "lines.gp", &v);
    }
    free(present);
    return 0;
}
