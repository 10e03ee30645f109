/*
 * allocbench host: the matrix runner (see matrix.h for the files it keeps).
 *
 * Kill anywhere: a cell is done iff cells/<id>.summary.csv exists; a failed
 * cell's record (cells/<id>.failure.csv) is written before it, so no kill
 * loses it, and a cell re-run after a kill overwrites its record instead of
 * adding one. failures.csv and the exit status are computed from the
 * records of the whole folder, not of this session. Cell processes die with
 * the matrix (PR_SET_PDEATHSIG); SIGINT and SIGTERM are forwarded to the
 * running cell, whose unfinished files are dropped, and the matrix stops
 * saying how to resume. Temporaries (*.tmp.<pid>) a kill left are removed
 * when the folder is opened again.
 */
#define _GNU_SOURCE
#include "matrix_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "cmd_kernel.h"
#include "memprobe.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fmt_dur(double s, char *out, size_t len)
{
    if (s < 0)
        s = 0;
    if (s >= 60)
        snprintf(out, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(out, len, "%.1fs", s);
}

int cell_done(const char *dir, const mcell *m)
{
    char path[4600];
    cell_path(path, sizeof path, dir, m->key, "summary");
    return host_file_exists(path);
}

/* Shell-quotes s into out when it needs it. */
static void shq(const char *s, char *out, size_t len)
{
    hbuf b = {0};
    hbuf_sh_quote(&b, s);
    snprintf(out, len, "%s", b.p != NULL ? b.p : "");
    hbuf_free(&b);
}

static void self_path(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n <= 0)
        snprintf(out, len, "allocbench");
    else
        out[n] = '\0';
}

static int list_print(const matrix_opts *o, const plan *p)
{
    char self[4096], exe[8192], q[8192], root[8192], mfile[8300] = "";
    self_path(self, sizeof self);
    shq(self, exe, sizeof exe);
    const char *out = o->out_dir ? o->out_dir : "results/cells";
    if (o->plan.file != NULL) {
        char *abs = realpath(o->plan.file, NULL);
        shq(abs ? abs : o->plan.file, q, sizeof q);
        free(abs);
        snprintf(mfile, sizeof mfile, " --matrix %s", q);
    }
    for (size_t i = 0; i < p->n; i++) {
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", out, p->c[i].key);
        shq(path, root, sizeof root);
        printf("%s\t%s cell %s%s%s --out %s\n", p->c[i].key, exe, p->c[i].key,
               o->plan.quick ? " --quick" : "", mfile, root);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

/* "allocbench matrix <the same options> --out DIR", to resume. */
static void resume_cmd(const matrix_opts *o, const char *dir, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "allocbench");
    int has_out = 0;
    char q[4200];
    for (int i = 1; i < o->argc && k < len; i++) {
        has_out |= !strcmp(o->argv[i], "--out") || !strncmp(o->argv[i], "--out=", 6);
        shq(o->argv[i], q, sizeof q);
        k += (size_t)snprintf(out + k, len - k, " %s", q);
    }
    if (!has_out && k < len) {
        shq(dir, q, sizeof q);
        snprintf(out + k, len - k, " --out %s", q);
    }
}

/* What one session did, for the closing line and the exit status. */
typedef struct run_tally {
    size_t done_before; /* cells the folder had already */
    size_t ran;         /* cells this session ran */
    size_t skipped;     /* cells this session did not run after a timeout */
    const char *last;   /* the last cell run, or NULL */
    int io_error;
    double t0;          /* when the first cell started */
} run_tally;

/* Seconds p's cells take at NS_PER_OP_GUESS, a host cell at most its
   budget: a lower bound (see the dry run's message). */
static double plan_estimate_s(const plan *p)
{
    double est_s = 0;
    for (size_t i = 0; i < p->n; i++) {
        double s = cell_weight(&p->c[i]) * NS_PER_OP_GUESS * 1e-9;
        est_s += p->c[i].kind == MC_HOST && s > p->budget_s ? p->budget_s : s;
    }
    return est_s;
}

/* Counts the cells dir has already and prints the plan with its estimate. */
static size_t plan_announce(const char *dir, const plan *p, int quick, const char *cmd)
{
    double total_w = 0, todo_w = 0;
    size_t done_before = 0;
    for (size_t i = 0; i < p->n; i++) {
        double w = cell_weight(&p->c[i]);
        total_w += w;
        if (cell_done(dir, &p->c[i]))
            done_before++;
        else
            todo_w += w;
    }
    double est_s = plan_estimate_s(p) * (total_w > 0 ? todo_w / total_w : 0);
    char est[32];
    fmt_dur(est_s, est, sizeof est);
    fprintf(stderr,
            "allocbench %s%s: %zu cells (%u rep%s; %zu already done) in %s; estimate %s or more\n",
            cmd, quick ? " --quick" : "", p->n, p->reps, p->reps == 1 ? "" : "s", done_before,
            dir, est);
    return done_before;
}

/* A done host or threaded cell of m's series (kind, strategy, role,
 * workload, fill or frame order, threads, ops) at m's size or a smaller
 * one, any rep, whose time budget ran out; or NULL. Its larger cells would
 * run into their budget too: the full matrix spent about 12 of its 14 hours
 * so. */
static const mcell *timeout_below(const char *dir, const plan *p, const mcell *m)
{
    for (size_t j = 0; j < p->n; j++) {
        const mcell *x = &p->c[j];
        if (x != m && cell_same_series(x, m) && x->hc.mem_bytes <= m->hc.mem_bytes &&
            cell_timed_out(dir, x)) /* a cell not done has no rows: not timed out */
            return x;
    }
    return NULL;
}

/* Runs the cells of p that dir does not have yet, until one cannot write
 * its files or a signal stops the matrix. */
static void cells_run(const char *dir, const plan *p, const matrix_opts *o, const char *cmd,
                      run_tally *t)
{
    int quick = o->plan.quick;
    eta *e = eta_open(dir, p);
    for (size_t i = 0; i < p->n && !matrix_stop_signal(); i++) {
        const mcell *m = &p->c[i];
        if (cell_done(dir, m))
            continue;
        char left[32], path[4600];
        fmt_dur(eta_left_s(e, i, o->no_skip), left, sizeof left);
        const mcell *cause = o->no_skip ? NULL : timeout_below(dir, p, m);
        if (cause != NULL)
            fprintf(stderr, "[%zu/%zu] %s ... not run: %s ran out of its time budget "
                            "(skipped-timeout; --no-skip runs it)\n", i + 1, p->n, m->key,
                    cause->key);
        else
            fprintf(stderr, "[%zu/%zu] %s ... ETA %s\n", i + 1, p->n, m->key, left);
        /* A record an interrupted attempt left is not this attempt's. */
        cell_path(path, sizeof path, dir, m->key, "failure");
        unlink(path);
        double t_cell = now_s();
        int rc = cause != NULL           ? skipped_cell_write(dir, m)
                 : m->kind == MC_HOST    ? host_cell_run(dir, m)
                 : m->kind == MC_KERNEL  ? kernel_cell_run(dir, m, quick)
                 : m->kind == MC_THREADS ? threads_cell_run(dir, m)
                                         : gbench_cell_run(dir, m, quick);
        if (rc == CELL_IOERR) {
            fprintf(stderr, "allocbench %s: cannot write the files of %s in %s\n", cmd, m->key,
                    dir);
            t->io_error = 1;
            break;
        }
        if (rc == CELL_STOPPED)
            break;
        t->last = m->key;
        t->ran += cause == NULL;
        t->skipped += cause != NULL;
        eta_record(e, i, now_s() - t_cell, cause == NULL,
                   cause == NULL && (m->kind == MC_HOST || m->kind == MC_THREADS) &&
                       cell_timed_out(dir, m));
    }
    eta_close(e);
}

/* Joins, writes meta.json and says how the session ended. Returns the exit
 * status. */
static int plan_finish(const char *dir, const plan *p, const matrix_opts *o, const char *cmd,
                       const run_tally *t)
{
    char cells[4600];
    snprintf(cells, sizeof cells, "%s/cells", dir);
    run_temps_remove(cells);
    run_temps_remove(dir);
    int failed = run_join(dir, p);
    double wall = now_s() - t->t0;
    char extra[1024], w[32];
    snprintf(extra, sizeof extra,
             "  \"matrix\": \"%s\",\n  \"matrix_file\": \"%s\",\n  \"cells\": %zu,\n"
             "  \"reps\": %u,\n  \"seed\": %llu,\n  \"wall_seconds_this_session\": %.1f,\n",
             o->plan.quick ? "quick" : "full", o->plan.file ? o->plan.file : plan_default_file(),
             p->n, p->reps, (unsigned long long)o->plan.seed, wall);
    /* A session that ran nothing keeps the meta.json of the one that did
       (a retried cell on another machine must not take its name). */
    char meta[4600];
    snprintf(meta, sizeof meta, "%s/meta.json", dir);
    int keep_meta = t->ran == 0 && host_file_exists(meta);
    if (failed < 0 || (!keep_meta && host_write_meta(dir, extra) != 0)) {
        fprintf(stderr, "allocbench %s: cannot write results in %s\n", cmd, dir);
        return 1;
    }
    fmt_dur(wall, w, sizeof w);
    int sig = matrix_stop_signal();
    if (sig) {
        char again[8192];
        resume_cmd(o, dir, again, sizeof again);
        fprintf(stderr, "allocbench %s: %s: stopped after cell %s; resume with: %s\n", cmd,
                strsignal(sig), t->last ? t->last : "(none)", again);
        return 128 + sig;
    }
    fprintf(stderr, "allocbench %s: %zu cells run, %zu resumed, %d failed (in this folder), "
                    "%zu not run after a timeout, %s; results in %s\n",
            cmd, t->ran, t->done_before, failed, t->skipped, w, dir);
    printf("results: %s\n", dir);
    return t->io_error || failed ? 1 : 0;
}

/* The largest buffer memprobe needs for p: the smallest power of two that
 * holds the largest metadata of its host cells (one span of the cell's
 * size), at least 64 KiB and at most HOST_MEMPROBE_MAX. */
static uint64_t probe_max(const plan *p)
{
    uint64_t need = 0, max = (uint64_t)64 << 10;
    for (size_t i = 0; i < p->n; i++) {
        const host_cell *c = &p->c[i].hc;
        if (c->st == NULL || c->st->meta_bytes == NULL)
            continue;
        ab_span span = {1, c->mem_bytes >> AB_PAGE_SHIFT};
        size_t m = c->st->meta_bytes(&span, 1);
        need = m > need ? m : need;
    }
    while (max < need && max < HOST_MEMPROBE_MAX)
        max *= 2u;
    return max;
}

/* Runs every cell of p that dir does not have yet; joins; writes meta.json.
 * Returns the exit status. */
static int plan_run(const char *dir, const plan *p, const matrix_opts *o, const char *cmd)
{
    run_tally t = {0, 0, 0, NULL, 0, 0};
    t.done_before = plan_announce(dir, p, o->plan.quick, cmd);
    /* The machine's price of a random load, once per run (memprobe.h). */
    char err[512];
    if (host_memprobe_write(dir, probe_max(p), err, sizeof err) < 0)
        fprintf(stderr, "allocbench %s: %s (report --check goes on without it)\n", cmd, err);
    host_timer();
    signals_catch();
    t.t0 = now_s();
    cells_run(dir, p, o, cmd, &t);
    return plan_finish(dir, p, o, cmd, &t);
}
int matrix_main(const matrix_opts *o)
{
    char err[1024], dir[4096];
    plan p;
    if (plan_load(&p, &o->plan, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench matrix: %s\n", err);
        return 2;
    }
    if (o->list) {
        int rc = list_print(o, &p);
        plan_free(&p);
        return rc;
    }
    if (o->dry_run) {
        char est[32];
        fmt_dur(plan_estimate_s(&p), est, sizeof est);
        fprintf(stderr,
                "allocbench matrix%s: %zu cells (%u reps); estimate %s or more (at %.0f ns per "
                "operation; a strategy whose operations grow with the map, such as freelist or "
                "vmem_bestfit, runs its large cells up to their budget of %.0f s each, until one "
                "times out: the same series' larger sizes and other reps are then not run)\n",
                o->plan.quick ? " --quick" : "", p.n, p.reps, est, NS_PER_OP_GUESS, p.budget_s);
        for (size_t i = 0; i < p.n; i++)
            printf("%s\n", p.c[i].key);
        plan_free(&p);
        return 0;
    }
    if (run_open(dir, sizeof dir, o->out_dir, "matrix") != 0) {
        plan_free(&p);
        return 1;
    }
    int rc = plan_run(dir, &p, o, "matrix");
    plan_free(&p);
    return rc;
}

int matrix_cell_main(const plan_opts *po, const char *id, const char *out_dir)
{
    char err[1024], dir[4096];
    mcell c;
    int found = plan_find(po, id, &c, err, sizeof err);
    if (found < 0) {
        fprintf(stderr, "allocbench cell: %s\n", err);
        return 2;
    }
    if (found == 0) {
        fprintf(stderr, "allocbench cell: '%s' is not a cell of the %s matrix (see allocbench "
                        "matrix%s --list)\n", id, po->quick ? "quick" : "full",
                po->quick ? " --quick" : "");
        return 2;
    }
    if (c.kind == MC_KERNEL && !host_file_exists(kcmd_kernel_elf(NULL))) {
        fprintf(stderr, "allocbench cell: no kernel image at '%s'\n", kcmd_kernel_elf(NULL));
        return 1;
    }
    if (run_open(dir, sizeof dir, out_dir, "cell") != 0)
        return 1;
    plan p = {&c, 1, 1, c.hc.ops, c.hc.budget_s, 1};
    matrix_opts o;
    memset(&o, 0, sizeof o);
    o.plan = *po;
    o.plan.seed = c.hc.seed - c.hc.rep;
    char *argv[] = {"allocbench", "cell", (char *)id, po->quick ? "--quick" : NULL, NULL};
    o.argc = po->quick ? 4 : 3;
    o.argv = argv;
    return plan_run(dir, &p, &o, "cell");
}
