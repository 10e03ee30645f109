/*
 * allocbench host: the matrix. Each cell writes cells/<key>.summary.csv and
 * cells/<key>.frag.csv (frag first, each via tmp + rename); a cell whose
 * summary file exists is done, so a stopped matrix resumes where it was.
 * At the end the cell files are joined, in plan order, into summary.csv and
 * frag.csv, and the speed figures are printed from summary.csv.
 */
#define _GNU_SOURCE
#include "matrix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocbench/registry.h"
#include "baselines.h"
#include "cmd_kernel.h"
#include "kernel_run.h"
#include "micro_run.h"

typedef struct plan {
    host_cell *c;
    size_t n, cap;
} plan;

static void plan_add(plan *p, const ab_strategy *st, ab_workload_kind k, uint64_t mem,
                     uint32_t fill, uint64_t seed, uint64_t ops, double budget)
{
    for (size_t i = 0; i < p->n; i++) {
        host_cell *c = &p->c[i];
        if (c->st == st && c->kind == k && c->mem_bytes == mem && c->fill_pm == fill)
            return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->c = realloc(p->c, p->cap * sizeof *p->c);
        if (p->c == NULL) {
            fprintf(stderr, "allocbench: out of memory\n");
            exit(1);
        }
    }
    host_cell c = {0};
    c.st = st;
    c.kind = k;
    c.mem_bytes = mem;
    c.fill_pm = fill;
    c.seed = seed;
    c.ops = ops;
    c.budget_s = budget;
    p->c[p->n++] = c;
}

/* Workload cells for one strategy and size: (kind, fill per-mille). */
static const struct {
    ab_workload_kind k;
    uint32_t fill;
} wl_set[] = {
    {AB_WL_BULK, 0},  {AB_WL_REPEAT, 500}, {AB_WL_RAND, 500},  {AB_WL_CHURN, 500},
    {AB_WL_CHURN, 900}, {AB_WL_CHURN, 990}, {AB_WL_SIZES, 500}, {AB_WL_HUGE, 500},
    {AB_WL_ADVERSARY, 0},
};

static const ab_strategy *find(const char *name)
{
    return host_find(name);
}

static void plan_build(plan *p, const matrix_opts *o)
{
    size_t ns;
    const ab_strategy *const *all = host_registry(&ns);
    const uint64_t G = 1ull << 30, M = 1ull << 20;
    uint64_t full_mems[] = {64 * M, 1 * G, 16 * G, 64 * G};
    uint64_t quick_mems[] = {64 * M};
    uint64_t *mems = o->quick ? quick_mems : full_mems;
    size_t nm = o->quick ? 1 : 4;
    uint64_t ops = o->quick ? 100000u : 400000u;
    double budget = o->quick ? 4.0 : 20.0;
    for (size_t m = 0; m < nm; m++)
        for (size_t s = 0; s < ns; s++) {
            /* Baselines allocate real memory: <= 1 GiB live at once. */
            if (all[s]->caps & AB_CAP_HOSTONLY && mems[m] > HOST_BASELINE_MATRIX_MAX_BYTES)
                continue;
            for (size_t w = 0; w < sizeof wl_set / sizeof wl_set[0]; w++)
                plan_add(p, all[s], wl_set[w].k, mems[m], wl_set[w].fill, o->seed, ops, budget);
        }
    /* The host side of the kernel's core cells (kcmd.c): the same
       workloads, fills and size, so the host-against-kernel figure has
       pairs. Core strategies only: baselines do not run in the kernel. */
    if (!o->host_only)
        for (size_t s = 0; s < ns; s++)
            if (!(all[s]->caps & AB_CAP_HOSTONLY)) {
                plan_add(p, all[s], AB_WL_BULK, 256 * M, 0, o->seed, ops, budget);
                plan_add(p, all[s], AB_WL_CHURN, 256 * M, 900, o->seed, ops, budget);
            }
    /* The cells the speed figures read, in both modes. */
    const char *bulk3[] = {"bitmap", "buddy", "hier2m"};
    const ab_strategy *st;
    if ((st = find("stack")))
        plan_add(p, st, AB_WL_BULK, 16 * G, 0, o->seed, ops, budget);
    if ((st = find("hier2m")))
        plan_add(p, st, AB_WL_BULK, 16 * G, 0, o->seed, ops, budget);
    if ((st = find("buddy")))
        plan_add(p, st, AB_WL_REPEAT, 16 * G, 500, o->seed, ops, budget);
    if ((st = find("bitmap")))
        plan_add(p, st, AB_WL_CHURN, 16 * G, 990, o->seed, ops, budget);
    for (int i = 0; i < 3; i++)
        if ((st = find(bulk3[i]))) {
            plan_add(p, st, AB_WL_BULK, 64 * M, 0, o->seed, ops, budget);
            plan_add(p, st, AB_WL_BULK, 64 * G, 0, o->seed, ops, budget);
        }
}

/* Rough operation count of a cell, for the estimate and the ETA. */
static double cell_weight(const host_cell *c)
{
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

static void cell_key(const host_cell *c, char *out, size_t len)
{
    char mem[32];
    host_format_size(c->mem_bytes, mem, sizeof mem);
    snprintf(out, len, "%s-%s-%s-%s-f%u-s%llu", c->st->name, c->role_vmm ? "vmm" : "pmm",
             ab_workload_name(c->kind), mem, host_cell_fill(c), (unsigned long long)c->seed);
}

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

/* Assumed cost per weighted op before anything is measured. */
#define NS_PER_OP_GUESS 100.0

/* A failed cell's line in <dir>/failures.csv (the kernel cells' format). */
static int failure_append(const char *dir, const host_cell *c, const char *status, int code,
                          const char *reason)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/failures.csv", dir);
    int fresh = !host_file_exists(path);
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return -1;
    if (fresh)
        fputs(AB_FAILURES_CSV_HEADER "\n", f);
    fprintf(f, "host,%s,%s,%s,%llu,%llu,%s,%d,%s,\n", c->st->name, c->role_vmm ? "vmm" : "pmm",
            ab_workload_name(c->kind), (unsigned long long)c->mem_bytes,
            (unsigned long long)c->seed, status, code, reason);
    return fclose(f) == 0 ? 0 : -1;
}

/*
 * Runs one cell in a child process, so that a strategy which crashes (a
 * signal, a failed assert) is recorded as a failed cell and the matrix goes
 * on: the child writes the cell's files; if it dies first, the parent
 * writes an error row for the cell and a line in failures.csv. Returns 0
 * (ok, skipped or timeout), 1 (the cell failed) or -1 (files unwritable).
 * ALLOCBENCH_TEST_CRASH_CELL=<cell key> makes that cell's child raise
 * SIGSEGV: the tests use it to check this path.
 */
static int cell_run_isolated(const char *dir, const host_cell *c, const char *key,
                             const char *sum_path, const char *frag_path)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        const char *crash = getenv("ALLOCBENCH_TEST_CRASH_CELL");
        if (crash != NULL && strcmp(crash, key) == 0)
            raise(SIGSEGV);
        hbuf sum = {0}, frag = {0};
        char msg[200];
        ab_wl_outcome oc = host_run_cell(c, &sum, &frag, msg, sizeof msg);
        if (oc == AB_WL_ERROR || oc == AB_WL_TIMEOUT)
            fprintf(stderr, "  %s: %s\n", ab_outcome_name(oc), msg);
        if (host_write_atomic(frag_path, frag.p ? frag.p : "", frag.len) != 0 ||
            host_write_atomic(sum_path, sum.p ? sum.p : "", sum.len) != 0)
            _exit(4);
        fflush(stderr);
        _exit(oc == AB_WL_ERROR ? 3 : 0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) {
        fprintf(stderr, "allocbench matrix: cannot start a process for %s\n", key);
        return -1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        return failure_append(dir, c, "error", 3, "the workload failed (see its status row)") == 0
                   ? 1 : -1;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
        return -1;
    /* Died: record the cell as failed, through the same formatter. */
    char reason[160];
    if (WIFSIGNALED(st))
        snprintf(reason, sizeof reason, "crashed: killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(reason, sizeof reason, "crashed: exit status %d", WEXITSTATUS(st));
    fprintf(stderr, "  FAILED: %s\n", reason);
    ab_wl_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    r->outcome = AB_WL_ERROR;
    ab_cell cell = {"host", c->st->name, c->role_vmm ? "vmm" : "pmm",
                    ab_workload_name(c->kind), c->mem_bytes, host_cell_fill(c), c->seed,
                    c->threads, c->rep};
    hbuf row = {0};
    ab_out ro = {hbuf_write, &row};
    ab_csv_summary_rows(&ro, &cell, r, host_timer());
    free(r);
    int bad = host_write_atomic(frag_path, "", 0) != 0 ||
              host_write_atomic(sum_path, row.p ? row.p : "", row.len) != 0 ||
              failure_append(dir, c, "crash", WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st),
                             reason) != 0;
    hbuf_free(&row);
    return bad ? -1 : 1;
}

int matrix_main(const matrix_opts *o)
{
    char dir[4096];
    if (o->out_dir != NULL) {
        snprintf(dir, sizeof dir, "%s", o->out_dir);
        if (!o->dry_run && host_mkdirs(dir) != 0) {
            fprintf(stderr, "allocbench matrix: --out: cannot create '%s'\n", dir);
            return 2;
        }
    } else if (!o->dry_run && host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench matrix: cannot create results/<timestamp>\n");
        return 1;
    } else if (o->dry_run) {
        snprintf(dir, sizeof dir, "(dry run)");
    }
    plan p = {0};
    plan_build(&p, o);
    char cells_dir[4200];
    snprintf(cells_dir, sizeof cells_dir, "%s/cells", dir);
    if (!o->dry_run)
        host_mkdirs(cells_dir);

    double total_w = 0, todo_w = 0;
    size_t done_before = 0;
    char key[256], path[4600];
    for (size_t i = 0; i < p.n; i++) {
        double w = cell_weight(&p.c[i]);
        total_w += w;
        cell_key(&p.c[i], key, sizeof key);
        snprintf(path, sizeof path, "%s/%s.summary.csv", cells_dir, key);
        if (!o->dry_run && host_file_exists(path))
            done_before++;
        else
            todo_w += w;
    }
    /* A cell costs its weighted ops, but never more than its budget. */
    double est_s = 0;
    for (size_t i = 0; i < p.n; i++) {
        double s = cell_weight(&p.c[i]) * NS_PER_OP_GUESS * 1e-9;
        est_s += s < p.c[i].budget_s ? s : p.c[i].budget_s;
    }
    est_s *= p.n ? todo_w / total_w : 0;
    char est[32];
    fmt_dur(est_s, est, sizeof est);
    size_t kcells = o->host_only ? 0 : kcmd_matrix_count();
    size_t total_cells = p.n + kcells;
    fprintf(stderr, "allocbench matrix%s: %zu host cells (%zu already done) in %s; estimate %s"
                    "; %zu kernel cells (tcg, about 1 s each)\n",
            o->quick ? " --quick" : "", p.n, done_before, dir, est, kcells);
    if (o->dry_run) {
        for (size_t i = 0; i < p.n; i++) {
            cell_key(&p.c[i], key, sizeof key);
            printf("%s\n", key);
        }
        free(p.c);
        return 0;
    }
    host_timer();

    double t0 = now_s(), done_w = 0;
    int errors = 0;
    for (size_t i = 0; i < p.n; i++) {
        host_cell *c = &p.c[i];
        cell_key(c, key, sizeof key);
        snprintf(path, sizeof path, "%s/%s.summary.csv", cells_dir, key);
        if (host_file_exists(path))
            continue;
        double el = now_s() - t0;
        char eta[32];
        double rate = done_w > 0 ? el / done_w : NS_PER_OP_GUESS * 1e-9;
        double left = 0;
        for (size_t j = i; j < p.n; j++) {
            char k2[256], p2[4600];
            cell_key(&p.c[j], k2, sizeof k2);
            snprintf(p2, sizeof p2, "%s/%s.summary.csv", cells_dir, k2);
            if (j == i || !host_file_exists(p2))
                left += cell_weight(&p.c[j]);
        }
        fmt_dur(left * rate, eta, sizeof eta);
        fprintf(stderr, "[%zu/%zu] %s ... ETA %s\n", i + 1, total_cells, key, eta);
        char fpath[4600];
        snprintf(fpath, sizeof fpath, "%s/%s.frag.csv", cells_dir, key);
        int rc = cell_run_isolated(dir, c, key, path, fpath);
        if (rc < 0) {
            fprintf(stderr, "allocbench matrix: cannot write %s\n", path);
            return 1;
        }
        errors += rc;
        done_w += cell_weight(c);
    }

    /* Join the cells in plan order. */
    hbuf S = {0}, F = {0};
    ab_out so = {hbuf_write, &S}, fo = {hbuf_write, &F};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    for (size_t i = 0; i < p.n; i++) {
        cell_key(&p.c[i], key, sizeof key);
        const char *ext[2] = {"summary", "frag"};
        hbuf *dst[2] = {&S, &F};
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/%s.%s.csv", cells_dir, key, ext[e]);
            size_t len;
            char *t = host_read_file(path, &len);
            if (t) {
                hbuf_write(dst[e], t, len);
                free(t);
            }
        }
    }
    errors += micro_run(dir, o->quick);
    if (!o->host_only) {
        int kfailed = kcmd_matrix_run(dir, cells_dir, p.n, total_cells, &S, &F);
        if (kfailed < 0) {
            fprintf(stderr, "allocbench matrix: cannot write the kernel cells in %s\n", cells_dir);
            return 1;
        }
        errors += kfailed;
    }
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    int bad = host_write_atomic(path, S.p, S.len);
    snprintf(path, sizeof path, "%s/frag.csv", dir);
    bad |= host_write_atomic(path, F.p, F.len);
    double wall = now_s() - t0;
    char extra[256];
    snprintf(extra, sizeof extra, "  \"matrix\": \"%s\",\n  \"cells\": %zu,\n  \"wall_seconds_this_session\": %.1f,\n",
             o->quick ? "quick" : "full", p.n, wall);
    bad |= host_write_meta(dir, extra);
    if (bad) {
        fprintf(stderr, "allocbench matrix: cannot write results in %s\n", dir);
        return 1;
    }
    char w[32];
    fmt_dur(wall, w, sizeof w);
    fprintf(stderr, "allocbench matrix: done in %s (%zu cells resumed); results in %s\n", w,
            done_before, dir);
    printf("results: %s\n", dir);
    int failed = figures_print(S.p);
    double limit = o->quick ? 60.0 : 600.0;
    printf("%-58s %10.1f s  (<= %.0f s)  %s%s\n",
           o->quick ? "matrix --quick wall time" : "matrix wall time", wall, limit,
           wall <= limit ? "PASS" : "FAIL", done_before ? " (resumed: partial)" : "");
    hbuf_free(&S);
    hbuf_free(&F);
    free(p.c);
    (void)failed;
    return errors ? 1 : 0;
}

/* ---- figures, read back from summary.csv ---- */

static int col_index(const char *header, const char *name)
{
    int i = 0;
    const char *s = header;
    size_t n = strlen(name);
    while (*s && *s != '\n') {
        if (strncmp(s, name, n) == 0 && (s[n] == ',' || s[n] == '\n' || s[n] == '\0'))
            return i;
        while (*s && *s != ',' && *s != '\n')
            s++;
        if (*s == ',')
            s++;
        i++;
    }
    return -1;
}

/* Field i of the line at s, copied into out. */
static void field(const char *s, int i, char *out, size_t len)
{
    while (i > 0 && *s && *s != '\n') {
        if (*s == ',')
            i--;
        s++;
    }
    size_t k = 0;
    while (*s && *s != ',' && *s != '\n' && k + 1 < len)
        out[k++] = *s++;
    out[k] = '\0';
}

static double lookup(const char *csv, const char *strategy, const char *workload,
                     uint64_t mem, const char *fill, const char *op, const char *col)
{
    int ci = col_index(csv, col);
    int cs = col_index(csv, "strategy"), cw = col_index(csv, "workload");
    int cm = col_index(csv, "mem_bytes"), cf = col_index(csv, "fill"), co = col_index(csv, "op");
    if (ci < 0)
        return NAN;
    char memstr[32], f[64];
    snprintf(memstr, sizeof memstr, "%llu", (unsigned long long)mem);
    for (const char *l = strchr(csv, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        const char *s = l + 1;
        field(s, cs, f, sizeof f);
        if (strcmp(f, strategy))
            continue;
        field(s, cw, f, sizeof f);
        if (strcmp(f, workload))
            continue;
        field(s, cm, f, sizeof f);
        if (strcmp(f, memstr))
            continue;
        field(s, cf, f, sizeof f);
        if (strcmp(f, fill))
            continue;
        field(s, co, f, sizeof f);
        if (strcmp(f, op))
            continue;
        field(s, ci, f, sizeof f);
        return f[0] ? strtod(f, NULL) : NAN;
    }
    return NAN;
}

static int figure(const char *what, double v, double limit, const char *unit)
{
    if (isnan(v)) {
        printf("%-58s %10s    (<= %g%s)  MISSING\n", what, "-", limit, unit);
        return 1;
    }
    int ok = v <= limit;
    printf("%-58s %10.2f%s (<= %g%s)  %s\n", what, v, unit, limit, unit, ok ? "PASS" : "FAIL");
    return !ok;
}

int figures_print(const char *csv)
{
    const uint64_t G = 1ull << 30, M = 1ull << 20;
    int failed = 0;
    printf("\nspeed figures (from this run's summary.csv):\n");
    double h_a = lookup(csv, "hier2m", "bulk", 16 * G, "0.500", "alloc", "batch_mean_cycles");
    double s_a = lookup(csv, "stack", "bulk", 16 * G, "0.500", "alloc", "batch_mean_cycles");
    double h_f = lookup(csv, "hier2m", "bulk", 16 * G, "0.500", "free", "batch_mean_cycles");
    double s_f = lookup(csv, "stack", "bulk", 16 * G, "0.500", "free", "batch_mean_cycles");
    failed += figure("hier2m/stack bulk 16G mean alloc (batch)", h_a / s_a, 8, "x");
    failed += figure("hier2m/stack bulk 16G mean free (batch)", h_f / s_f, 12, "x");
    failed += figure("buddy repeat 50% 16G median alloc+free pair, cycles",
                     lookup(csv, "buddy", "repeat", 16 * G, "0.500", "pair", "p50_cycles"), 230, "");
    failed += figure("bitmap churn 99% 16G p99.9 alloc, ns",
                     lookup(csv, "bitmap", "churn", 16 * G, "0.990", "alloc", "p999_ns"), 1000, "");
    const char *names[] = {"bitmap", "buddy", "hier2m"};
    for (int i = 0; i < 3; i++) {
        char what[128];
        snprintf(what, sizeof what, "%s bulk mean alloc 64G / 64M (batch)", names[i]);
        double a = lookup(csv, names[i], "bulk", 64 * G, "0.500", "alloc", "batch_mean_cycles");
        double b = lookup(csv, names[i], "bulk", 64 * M, "0.500", "alloc", "batch_mean_cycles");
        failed += figure(what, a / b, 2, "x");
    }
    return failed;
}
