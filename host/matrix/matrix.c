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
#include "matrix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocbench/registry.h"
#include "baselines.h"
#include "cmd_kernel.h"
#include "kernel_run.h"
#include "micro_run.h"
#include "threads.h"

/* The signal that asked the matrix to stop, and the cell process to pass
 * it on to: the handler's only state. */
static volatile sig_atomic_t stop_signal;
static volatile pid_t cell_pid;

static void on_stop(int sig)
{
    stop_signal = sig;
    pid_t p = cell_pid;
    if (p > 0)
        kill(p, sig);
}

static void signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void signals_default(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
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

/* Rough operation count of a cell, for the estimate and the ETA. */
static double cell_weight(const mcell *m)
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

/* Assumed cost per weighted op before anything is measured. */
#define NS_PER_OP_GUESS 100.0

static void cell_path(char *out, size_t len, const char *dir, const char *key, const char *what)
{
    snprintf(out, len, "%s/cells/%s.%s.csv", dir, key, what);
}

/* A failed cell's failures.csv line (no header). */
static void failure_line(const mcell *m, const char *status, int code, const char *reason,
                         char *out, size_t len)
{
    const host_cell *c = &m->hc;
    snprintf(out, len, "%s,%s,%s,%s,%llu,%llu,%s,%d,%s,\n", m->kind == MC_GBENCH ? "host" : "host",
             m->kind == MC_GBENCH ? "gbench" : c->st->name, c->role_vmm ? "vmm" : "pmm",
             m->workload, (unsigned long long)c->mem_bytes, (unsigned long long)c->seed, status,
             code, reason);
}

static int failure_write(const char *dir, const mcell *m, const char *status, int code,
                         const char *reason)
{
    char path[4600], line[1024];
    cell_path(path, sizeof path, dir, m->key, "failure");
    failure_line(m, status, code, reason, line, sizeof line);
    return host_write_atomic(path, line, strlen(line));
}

/* Unlinks the temporaries (name.tmp.<pid>) a kill left in dir. */
void run_temps_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[4600];
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.") != NULL) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

/* Waits for the cell process; a signal to the matrix meanwhile is passed on
 * by the handler. */
static int cell_wait(pid_t pid, int *status)
{
    cell_pid = pid;
    if (stop_signal)
        kill(pid, stop_signal);
    pid_t r;
    while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    cell_pid = 0;
    return r == pid ? 0 : -1;
}

/* In a cell process: die with the matrix, take signals by default. */
static void child_setup(pid_t parent)
{
    signals_default();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(9);
}

/* Blocks SIGINT and SIGTERM while a cell process writes its files. */
static void signals_block(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

/* Cell outcomes. */
enum { CELL_OK = 0, CELL_FAILED = 1, CELL_STOPPED = 2, CELL_IOERR = -1 };

/*
 * Runs one host cell in a child process, so that a strategy which crashes
 * (a signal, a failed assert) is recorded as a failed cell and the matrix
 * goes on. ALLOCBENCH_TEST_CRASH_CELL=<cell id> makes that cell's process
 * raise SIGSEGV: the tests use it to check this path.
 */
static int host_cell_run(const char *dir, const mcell *m)
{
    char sum_path[4600], frag_path[4600];
    cell_path(sum_path, sizeof sum_path, dir, m->key, "summary");
    cell_path(frag_path, sizeof frag_path, dir, m->key, "frag");
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent);
        const char *crash = getenv("ALLOCBENCH_TEST_CRASH_CELL");
        if (crash != NULL && strcmp(crash, m->key) == 0)
            raise(SIGSEGV);
        hbuf sum = {0}, frag = {0}, hist = {0};
        char msg[200], hist_path[4600];
        host_cell hc = m->hc;
        hc.hist = &hist;
        ab_wl_outcome oc = host_run_cell(&hc, &sum, &frag, msg, sizeof msg);
        cell_path(hist_path, sizeof hist_path, dir, m->key, "hist");
        if (oc == AB_WL_ERROR || oc == AB_WL_TIMEOUT)
            fprintf(stderr, "  %s: %s\n", ab_outcome_name(oc), msg);
        signals_block();
        /* The failure record first: a kill after it re-runs the cell,
           which rewrites the same record. */
        if (oc == AB_WL_ERROR &&
            failure_write(dir, m, "error", 3, "the workload failed (see its status row)") != 0)
            _exit(4);
        if (host_write_atomic(hist_path, hist.p ? hist.p : "", hist.len) != 0 ||
            host_write_atomic(frag_path, frag.p ? frag.p : "", frag.len) != 0 ||
            host_write_atomic(sum_path, sum.p ? sum.p : "", sum.len) != 0)
            _exit(4);
        fflush(stderr);
        _exit(oc == AB_WL_ERROR ? 3 : 0);
    }
    int st = 0;
    if (pid < 0 || cell_wait(pid, &st) != 0) {
        fprintf(stderr, "allocbench matrix: cannot start a process for %s\n", m->key);
        return CELL_IOERR;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return CELL_OK;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        return CELL_FAILED;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
        return CELL_IOERR;
    if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM)) {
        if (!stop_signal)
            stop_signal = WTERMSIG(st);
        return CELL_STOPPED;
    }
    /* Died: record the cell as failed (record first), with an error row. */
    char reason[160];
    if (WIFSIGNALED(st))
        snprintf(reason, sizeof reason, "crashed: killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(reason, sizeof reason, "crashed: exit status %d", WEXITSTATUS(st));
    fprintf(stderr, "  FAILED: %s\n", reason);
    if (failure_write(dir, m, "crash", WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st),
                      reason) != 0)
        return CELL_IOERR;
    ab_wl_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return CELL_IOERR;
    r->outcome = AB_WL_ERROR;
    const host_cell *c = &m->hc;
    ab_cell cell = {"host", c->st->name, c->role_vmm ? "vmm" : "pmm",
                    ab_workload_name(c->kind), c->mem_bytes, host_cell_fill(c), c->seed,
                    c->threads ? c->threads : 1, c->rep};
    hbuf row = {0};
    ab_out ro = {hbuf_write, &row};
    ab_csv_summary_rows(&ro, &cell, r, host_timer());
    free(r);
    int bad = host_write_atomic(frag_path, "", 0) != 0 ||
              host_write_atomic(sum_path, row.p ? row.p : "", row.len) != 0;
    hbuf_free(&row);
    return bad ? CELL_IOERR : CELL_FAILED;
}

/* Everything after the first line of path, or NULL if unreadable; *hdr
 * (if not NULL) gets the first line. */
static char *read_body(const char *path, size_t *len, char *hdr, size_t hdr_len)
{
    size_t all;
    char *text = host_read_file(path, &all);
    if (text == NULL)
        return NULL;
    const char *nl = memchr(text, '\n', all);
    size_t skip = nl != NULL ? (size_t)(nl - text) + 1 : all;
    if (hdr != NULL)
        snprintf(hdr, hdr_len, "%.*s", (int)(nl ? (size_t)(nl - text) : all), text);
    *len = all - skip;
    memmove(text, text + skip, *len + 1);
    return text;
}

/* Rewrites column `col` (by the header's names) of every row to value. The
 * kernel writes rep 0: the host knows which repetition it booted. */
static void column_set(hbuf *out, const char *rows, size_t len, const char *hdr,
                       const char *col, const char *value)
{
    int idx = -1, i = 0;
    size_t cl = strlen(col);
    for (const char *s = hdr; *s; i++) {
        if (strncmp(s, col, cl) == 0 && (s[cl] == ',' || s[cl] == '\0'))
            idx = i;
        s = strchr(s, ',');
        if (s == NULL)
            break;
        s++;
    }
    for (const char *l = rows; l < rows + len;) {
        const char *e = memchr(l, '\n', (size_t)(rows + len - l));
        e = e ? e + 1 : rows + len;
        const char *f = l;
        for (int k = 0; k < idx && f < e; k++) {
            f = memchr(f, ',', (size_t)(e - f));
            f = f ? f + 1 : e;
        }
        const char *fe = f;
        while (fe < e && *fe != ',' && *fe != '\n')
            fe++;
        if (idx < 0 || f >= e) {
            hbuf_write(out, l, (size_t)(e - l));
        } else {
            hbuf_write(out, l, (size_t)(f - l));
            hbuf_write(out, value, strlen(value));
            hbuf_write(out, fe, (size_t)(e - fe));
        }
        l = e;
    }
}

/* Runs one kernel cell under QEMU tcg into cells/<id>.d, then keeps its
 * rows (rep set) as the cell's files. */
static int kernel_cell_run(const char *dir, const mcell *m, int quick)
{
    char cell_dir[4600], src[4700], hdr[4096], rep[16];
    snprintf(cell_dir, sizeof cell_dir, "%s/cells/%s.d", dir, m->key);
    /* ab_kernel_run appends: a cell a kill interrupted starts clean. */
    const char *files[] = {"summary.csv", "frag.csv", "failures.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%s/%s", cell_dir, files[i]);
        unlink(src);
    }
    ab_kernel_opts o = {0};
    ab_kernel_result r;
    memset(&r, 0, sizeof r);
    o.kernel_elf = kcmd_kernel_elf(NULL);
    o.run_dir = cell_dir;
    o.pmm = m->hc.st->name;
    o.workload = m->workload;
    o.mem_bytes = m->hc.mem_bytes;
    o.mode = AB_KMODE_TCG;
    o.seed = m->hc.seed;
    o.fill_pm = m->hc.fill_pm;
    /* core workloads drive the PMM or, with role vmm, the VMM window (the
       kernel's VMM strategy is the PMM's when that one serves runs) */
    o.role = ab_workload_parse(m->workload) != AB_WL_COUNT ? (m->hc.role_vmm ? "vmm" : "pmm")
                                                           : NULL;
    o.timeout_s = 120;
    (void)quick;
    ab_kstatus st = ab_kernel_run(&o, &r);
    if (st != AB_KRUN_OK && stop_signal)
        return CELL_STOPPED;
    snprintf(rep, sizeof rep, "%u", m->hc.rep);
    size_t len = 0;
    char path[4600];
    if (st != AB_KRUN_OK) {
        fprintf(stderr, "  FAILED (%s): %s; serial log kept in %s\n", ab_kernel_status_name(st),
                r.reason, cell_dir);
        snprintf(src, sizeof src, "%s/failures.csv", cell_dir);
        char *body = read_body(src, &len, NULL, 0);
        cell_path(path, sizeof path, dir, m->key, "failure");
        int bad = body != NULL && len > 0 ? host_write_atomic(path, body, len)
                                           : failure_write(dir, m, ab_kernel_status_name(st), -1,
                                                           r.reason);
        free(body);
        if (bad)
            return CELL_IOERR;
    }
    const char *what[2] = {"frag", "summary"};
    for (int i = 0; i < 2; i++) {
        snprintf(src, sizeof src, "%s/%s.csv", cell_dir, what[i]);
        char *body = read_body(src, &len, hdr, sizeof hdr);
        if (i == 1 && (body == NULL || len == 0)) {
            fprintf(stderr, "allocbench matrix: %s left no summary row\n", m->key);
            free(body);
            return CELL_IOERR;
        }
        hbuf rows = {0};
        if (body != NULL)
            column_set(&rows, body, len, hdr, "rep", rep);
        free(body);
        cell_path(path, sizeof path, dir, m->key, what[i]);
        int bad = host_write_atomic(path, rows.p ? rows.p : "", rows.len);
        hbuf_free(&rows);
        if (bad)
            return CELL_IOERR;
    }
    return st == AB_KRUN_OK ? CELL_OK : CELL_FAILED;
}

/* allocbench-micro, in a process of its own so that a signal can stop it
 * (micro_run's child dies with it). */
static int gbench_cell_run(const char *dir, const mcell *m, int quick)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent);
        _exit(micro_run(dir, quick) ? 3 : 0);
    }
    int st = 0;
    if (pid < 0 || cell_wait(pid, &st) != 0)
        return CELL_IOERR;
    run_temps_remove(dir);
    if (WIFSIGNALED(st) || stop_signal)
        return CELL_STOPPED;
    char path[4600];
    int failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    if (failed && failure_write(dir, m, "error", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                                "allocbench-micro failed (see stderr): no gbench.json") != 0)
        return CELL_IOERR;
    /* No rows: an empty summary marks the cell done. */
    cell_path(path, sizeof path, dir, m->key, "frag");
    if (host_write_atomic(path, "", 0) != 0)
        return CELL_IOERR;
    cell_path(path, sizeof path, dir, m->key, "summary");
    if (host_write_atomic(path, "", 0) != 0)
        return CELL_IOERR;
    return failed ? CELL_FAILED : CELL_OK;
}

/* A threaded cell (host/cell/threads.c) in a process of its own: its rows
 * go to cells/<id>.threads.csv; empty summary and frag files mark it done. */
static int threads_cell_run(const char *dir, const mcell *m)
{
    char path[4600];
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent);
        threads_cell c = {m->hc.st, ab_mt_parse(m->workload), m->hc.fill_pm,
                          m->hc.threads ? m->hc.threads : 1, m->hc.rep, m->hc.mem_bytes, 0,
                          m->hc.seed};
        char *rows = NULL, msg[256] = "";
        size_t len = 0;
        int rc = threads_run_cell(&c, &rows, &len, msg, sizeof msg);
        if (rc != 0)
            fprintf(stderr, "  error: %s\n", msg);
        signals_block();
        if (rc != 0 && failure_write(dir, m, "error", 3, "the threaded cell failed (see stderr)") != 0)
            _exit(4);
        cell_path(path, sizeof path, dir, m->key, "threads");
        if (host_write_atomic(path, rows ? rows : "", len) != 0)
            _exit(4);
        cell_path(path, sizeof path, dir, m->key, "frag");
        if (host_write_atomic(path, "", 0) != 0)
            _exit(4);
        cell_path(path, sizeof path, dir, m->key, "summary");
        _exit(host_write_atomic(path, "", 0) != 0 ? 4 : rc != 0 ? 3 : 0);
    }
    int st = 0;
    if (pid < 0 || cell_wait(pid, &st) != 0)
        return CELL_IOERR;
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 0 ? CELL_OK : WEXITSTATUS(st) == 3 ? CELL_FAILED : CELL_IOERR;
    if (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM) {
        if (!stop_signal)
            stop_signal = WTERMSIG(st);
        return CELL_STOPPED;
    }
    char reason[160];
    snprintf(reason, sizeof reason, "crashed: killed by signal %d (%s)", WTERMSIG(st),
             strsignal(WTERMSIG(st)));
    fprintf(stderr, "  FAILED: %s\n", reason);
    if (failure_write(dir, m, "crash", -WTERMSIG(st), reason) != 0)
        return CELL_IOERR;
    cell_path(path, sizeof path, dir, m->key, "frag");
    if (host_write_atomic(path, "", 0) != 0)
        return CELL_IOERR;
    cell_path(path, sizeof path, dir, m->key, "summary");
    return host_write_atomic(path, "", 0) != 0 ? CELL_IOERR : CELL_FAILED;
}

/* strategies.csv: every strategy the host knows, in registry order: its
 * capabilities (words: contig huge2m threadsafe hostonly), its colour slot
 * (the registry index) and group (base, front, baseline, floor). The report
 * takes names, caps and colours from here, so it keeps no list of its own. */
static int strategies_write(const char *dir)
{
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    hbuf b = {0};
    const char *hdr = "name,caps,colour_slot,group,max_npages,summary\n";
    hbuf_write(&b, hdr, strlen(hdr));
    for (size_t i = 0; i < n; i++) {
        const ab_strategy *st = all[i];
        const char *group = strcmp(st->name, "null") == 0 ? "floor"
                            : st->caps & AB_CAP_HOSTONLY  ? "baseline"
                            : strchr(st->name, '+')       ? "front"
                                                          : "base";
        char line[640], summary[256], caps[64];
        size_t k = 0;
        for (const char *q = st->summary; *q && k + 1 < sizeof summary; q++)
            summary[k++] = *q == ',' || *q == '"' ? ';' : *q;
        summary[k] = '\0';
        snprintf(caps, sizeof caps, "%s%s%s%s", st->caps & AB_CAP_CONTIG ? "contig " : "",
                 st->caps & AB_CAP_HUGE2M ? "huge2m " : "",
                 st->caps & AB_CAP_THREADSAFE ? "threadsafe " : "",
                 st->caps & AB_CAP_HOSTONLY ? "hostonly " : "");
        if (caps[0] != '\0')
            caps[strlen(caps) - 1] = '\0';
        int len = snprintf(line, sizeof line, "%s,%s,%zu,%s,%llu,%s\n", st->name, caps, i, group,
                           (unsigned long long)st->max_npages, summary);
        hbuf_write(&b, line, (size_t)len);
    }
    char path[4600];
    snprintf(path, sizeof path, "%s/strategies.csv", dir);
    int rc = host_write_atomic(path, b.p, b.len);
    hbuf_free(&b);
    return rc;
}

static int cell_done(const char *dir, const mcell *m)
{
    char path[4600];
    cell_path(path, sizeof path, dir, m->key, "summary");
    return host_file_exists(path);
}

static void append_file(const char *path, hbuf *dst)
{
    size_t len;
    char *text = host_read_file(path, &len);
    if (text != NULL)
        hbuf_write(dst, text, len);
    free(text);
}

/* Joins the plan's cell files into summary.csv, frag.csv and failures.csv
 * (only if a cell failed). Returns the failed cells, or -1. */
static int run_join(const char *dir, const plan *p)
{
    hbuf S = {0}, F = {0}, X = {0}, H = {0}, T = {0};
    ab_out so = {hbuf_write, &S}, fo = {hbuf_write, &F}, ho = {hbuf_write, &H};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    ab_csv_hist_header(&ho);
    hbuf_write(&T, THREADS_CSV_HEADER, strlen(THREADS_CSV_HEADER));
    int threads_rows = 0;
    hbuf_write(&X, AB_FAILURES_CSV_HEADER "\n", strlen(AB_FAILURES_CSV_HEADER) + 1);
    int failed = 0;
    char path[4600];
    for (size_t i = 0; i < p->n; i++) {
        const char *key = p->c[i].key;
        cell_path(path, sizeof path, dir, key, "summary");
        if (!host_file_exists(path))
            continue;
        append_file(path, &S);
        cell_path(path, sizeof path, dir, key, "frag");
        append_file(path, &F);
        cell_path(path, sizeof path, dir, key, "hist");
        append_file(path, &H);
        cell_path(path, sizeof path, dir, key, "threads");
        if (host_file_exists(path)) {
            append_file(path, &T);
            threads_rows = 1;
        }
        cell_path(path, sizeof path, dir, key, "failure");
        if (host_file_exists(path)) {
            append_file(path, &X);
            failed++;
        }
    }
    int bad = 0;
    snprintf(path, sizeof path, "%s/frag.csv", dir);
    bad |= host_write_atomic(path, F.p, F.len);
    snprintf(path, sizeof path, "%s/hist.csv", dir);
    bad |= host_write_atomic(path, H.p, H.len);
    if (threads_rows) {
        snprintf(path, sizeof path, "%s/threads.csv", dir);
        bad |= host_write_atomic(path, T.p, T.len);
    }
    bad |= strategies_write(dir);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    bad |= host_write_atomic(path, S.p, S.len);
    snprintf(path, sizeof path, "%s/failures.csv", dir);
    if (failed)
        bad |= host_write_atomic(path, X.p, X.len);
    else
        unlink(path);
    hbuf_free(&S);
    hbuf_free(&F);
    hbuf_free(&X);
    hbuf_free(&H);
    hbuf_free(&T);
    return bad ? -1 : failed;
}

/* Opens (creates) the run folder, locks it against a second runner and
 * removes what a kill left. 0, or -1 with a message. */
static int run_open(char *dir, size_t len, const char *out, const char *cmd)
{
    if (out != NULL) {
        snprintf(dir, len, "%s", out);
        if (host_mkdirs(dir) != 0) {
            fprintf(stderr, "allocbench %s: --out: cannot create '%s'\n", cmd, dir);
            return -1;
        }
    } else if (host_default_run_dir(dir, len) != 0) {
        fprintf(stderr, "allocbench %s: cannot create results/<timestamp>\n", cmd);
        return -1;
    }
    char cells[4600];
    snprintf(cells, sizeof cells, "%s/cells", dir);
    if (host_mkdirs(cells) != 0) {
        fprintf(stderr, "allocbench %s: cannot create '%s'\n", cmd, cells);
        return -1;
    }
    /* The lock lives as long as the process: its descriptor is kept. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "allocbench %s: '%s' is in use by another allocbench process\n", cmd,
                dir);
        return -1;
    }
    run_temps_remove(dir);
    run_temps_remove(cells);
    return 0;
}

/* Shell-quotes s into out when it needs it. */
static void shq(const char *s, char *out, size_t len)
{
    if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_./+-=:,@%") == strlen(s)) {
        snprintf(out, len, "%s", s);
        return;
    }
    size_t k = 0;
    if (k + 1 < len)
        out[k++] = '\'';
    for (; *s && k + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *s;
        }
    }
    if (k + 1 < len)
        out[k++] = '\'';
    out[k] = '\0';
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

/* Runs every cell of p that dir does not have yet; joins; writes meta.json.
 * Returns the exit status. */
static int plan_run(const char *dir, const plan *p, const matrix_opts *o, const char *cmd)
{
    int quick = o->plan.quick;
    double total_w = 0, todo_w = 0, est_s = 0;
    size_t done_before = 0;
    for (size_t i = 0; i < p->n; i++) {
        double w = cell_weight(&p->c[i]), s = w * NS_PER_OP_GUESS * 1e-9;
        total_w += w;
        if (cell_done(dir, &p->c[i]))
            done_before++;
        else
            todo_w += w;
        est_s += p->c[i].kind == MC_HOST && s > p->budget_s ? p->budget_s : s;
    }
    est_s *= total_w > 0 ? todo_w / total_w : 0;
    char est[32];
    fmt_dur(est_s, est, sizeof est);
    fprintf(stderr, "allocbench %s%s: %zu cells (%u rep%s; %zu already done) in %s; estimate %s\n",
            cmd, quick ? " --quick" : "", p->n, p->reps, p->reps == 1 ? "" : "s", done_before,
            dir, est);
    host_timer();
    signals_catch();
    double t0 = now_s(), done_w = 0;
    size_t ran = 0;
    const char *last = NULL;
    int io_error = 0;
    for (size_t i = 0; i < p->n && !stop_signal; i++) {
        const mcell *m = &p->c[i];
        if (cell_done(dir, m))
            continue;
        double el = now_s() - t0, left = 0;
        double rate = done_w > 0 ? el / done_w : NS_PER_OP_GUESS * 1e-9;
        for (size_t j = i; j < p->n; j++)
            if (j == i || !cell_done(dir, &p->c[j]))
                left += cell_weight(&p->c[j]);
        char eta[32], path[4600];
        fmt_dur(left * rate, eta, sizeof eta);
        fprintf(stderr, "[%zu/%zu] %s ... ETA %s\n", i + 1, p->n, m->key, eta);
        /* A record an interrupted attempt left is not this attempt's. */
        cell_path(path, sizeof path, dir, m->key, "failure");
        unlink(path);
        int rc = m->kind == MC_HOST      ? host_cell_run(dir, m)
                 : m->kind == MC_KERNEL  ? kernel_cell_run(dir, m, quick)
                 : m->kind == MC_THREADS ? threads_cell_run(dir, m)
                                         : gbench_cell_run(dir, m, quick);
        if (rc == CELL_IOERR) {
            fprintf(stderr, "allocbench %s: cannot write the files of %s in %s\n", cmd, m->key,
                    dir);
            io_error = 1;
            break;
        }
        if (rc == CELL_STOPPED)
            break;
        last = m->key;
        ran++;
        done_w += cell_weight(m);
    }
    char cells[4600];
    snprintf(cells, sizeof cells, "%s/cells", dir);
    run_temps_remove(cells);
    run_temps_remove(dir);
    int failed = run_join(dir, p);
    double wall = now_s() - t0;
    char extra[1024], w[32];
    snprintf(extra, sizeof extra,
             "  \"matrix\": \"%s\",\n  \"matrix_file\": \"%s\",\n  \"cells\": %zu,\n"
             "  \"reps\": %u,\n  \"seed\": %llu,\n  \"wall_seconds_this_session\": %.1f,\n",
             quick ? "quick" : "full", o->plan.file ? o->plan.file : plan_default_file(), p->n,
             p->reps, (unsigned long long)o->plan.seed, wall);
    /* A session that ran nothing keeps the meta.json of the one that did
       (a retried cell on another machine must not take its name). */
    char meta[4600];
    snprintf(meta, sizeof meta, "%s/meta.json", dir);
    int keep_meta = ran == 0 && host_file_exists(meta);
    if (failed < 0 || (!keep_meta && host_write_meta(dir, extra) != 0)) {
        fprintf(stderr, "allocbench %s: cannot write results in %s\n", cmd, dir);
        return 1;
    }
    fmt_dur(wall, w, sizeof w);
    if (stop_signal) {
        char again[8192];
        resume_cmd(o, dir, again, sizeof again);
        fprintf(stderr, "allocbench %s: %s: stopped after cell %s; resume with: %s\n", cmd,
                strsignal(stop_signal), last ? last : "(none)", again);
        return 128 + stop_signal;
    }
    fprintf(stderr, "allocbench %s: %zu cells run, %zu resumed, %d failed (in this folder), "
                    "%s; results in %s\n",
            cmd, ran, done_before, failed, w, dir);
    printf("results: %s\n", dir);
    return io_error || failed ? 1 : 0;
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
        double est_s = 0;
        for (size_t i = 0; i < p.n; i++) {
            double s = cell_weight(&p.c[i]) * NS_PER_OP_GUESS * 1e-9;
            est_s += p.c[i].kind == MC_HOST && s > p.budget_s ? p.budget_s : s;
        }
        char est[32];
        fmt_dur(est_s, est, sizeof est);
        fprintf(stderr, "allocbench matrix%s: %zu cells (%u reps); estimate %s\n",
                o->plan.quick ? " --quick" : "", p.n, p.reps, est);
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
