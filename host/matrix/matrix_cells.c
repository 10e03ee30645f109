/*
 * allocbench host: one matrix cell, run in a process of its own so that a
 * strategy which crashes is recorded as a failed cell and the matrix goes on.
 * A failed cell's record (cells/<id>.failure.csv) is written before its
 * summary, so no kill loses it. Also the signal state: SIGINT and SIGTERM
 * are passed on to the running cell.
 */
#define _GNU_SOURCE
#include "matrix_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_kernel.h"
#include "kernel_run.h"
#include "process.h"
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

void signals_catch(void)
{
    hproc_on_stop(on_stop, 0);
}

static void signals_default(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

int matrix_stop_signal(void)
{
    return stop_signal;
}

void cell_path(char *out, size_t len, const char *dir, const char *key, const char *what)
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
/* Forks a cell process (stdio flushed first, so the child does not write
 * the parent's buffered lines again). The child gets the default signal
 * actions and dies with the matrix: PR_SET_PDEATHSIG, and an exit if the
 * matrix was already gone. Returns as fork(). */
static pid_t cell_fork(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        signals_default();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(9);
    }
    return pid;
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

/* The cell's files when it left no rows of its own (it crashed, or the
 * matrix did not run it): no frag rows and one summary row with op '-'
 * for outcome oc; status (if not NULL) replaces the row's status, its last
 * field. 0, or -1 if a file cannot be written. */
static int status_row_write(const char *dir, const mcell *m, ab_wl_outcome oc, const char *status)
{
    char sum_path[4600], frag_path[4600];
    cell_path(sum_path, sizeof sum_path, dir, m->key, "summary");
    cell_path(frag_path, sizeof frag_path, dir, m->key, "frag");
    ab_wl_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    r->outcome = oc;
    const host_cell *c = &m->hc;
    ab_cell cell = {"host", c->st->name, c->role_vmm ? "vmm" : "pmm",
                    ab_workload_name(c->kind), c->mem_bytes, host_cell_fill(c), c->seed,
                    c->threads ? c->threads : 1, c->rep};
    hbuf row = {0}, out = {0};
    ab_out ro = {hbuf_write, &row};
    ab_csv_summary_rows(&ro, &cell, r, host_timer());
    free(r);
    const char *last = row.p != NULL ? strrchr(row.p, ',') : NULL;
    if (status != NULL && last != NULL) {
        hbuf_write(&out, row.p, (size_t)(last + 1 - row.p));
        hbuf_write(&out, status, strlen(status));
        hbuf_write(&out, "\n", 1);
    }
    const hbuf *w = status != NULL && last != NULL ? &out : &row;
    int bad = host_write_atomic(frag_path, "", 0) != 0 ||
              host_write_atomic(sum_path, w->p ? w->p : "", w->len) != 0;
    hbuf_free(&row);
    hbuf_free(&out);
    return bad ? -1 : 0;
}

/*
 * Runs one host cell in a child process, so that a strategy which crashes
 * (a signal, a failed assert) is recorded as a failed cell and the matrix
 * goes on. ALLOCBENCH_TEST_CRASH_CELL=<cell id> makes that cell's process
 * raise SIGSEGV: the tests use it to check this path.
 */
int host_cell_run(const char *dir, const mcell *m)
{
    char sum_path[4600], frag_path[4600];
    cell_path(sum_path, sizeof sum_path, dir, m->key, "summary");
    cell_path(frag_path, sizeof frag_path, dir, m->key, "frag");
    pid_t pid = cell_fork();
    if (pid == 0) {
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
    return status_row_write(dir, m, AB_WL_ERROR, NULL) != 0 ? CELL_IOERR : CELL_FAILED;
}

/* m as a threaded cell (its fill column holds the frame order). */
static threads_cell threads_cell_of(const mcell *m)
{
    return (threads_cell){m->hc.st,      ab_mt_parse(m->workload),
                          m->hc.fill_pm, m->hc.threads ? m->hc.threads : 1,
                          m->hc.rep,     m->hc.mem_bytes,
                          0,             m->hc.seed,
                          m->hc.budget_s};
}

int cell_timed_out(const char *dir, const mcell *m)
{
    char path[4600];
    int th = m->kind == MC_THREADS;
    cell_path(path, sizeof path, dir, m->key, th ? "threads" : "summary");
    char *body = host_read_file(path, NULL);
    /* status is a summary row's last field; a threads row has one after it */
    int t = body != NULL && (th ? strstr(body, ",timeout,") != NULL
                                : strncmp(body, "timeout\n", 8) == 0 ||
                                      strstr(body, ",timeout\n") != NULL);
    free(body);
    return t;
}

/* A threaded cell the matrix does not run: its rows say why, and the
   summary and frag files are empty, as the cell's own are. */
static int threads_skipped_write(const char *dir, const mcell *m)
{
    threads_cell c = threads_cell_of(m);
    char *rows = NULL, path[4600];
    size_t len = 0;
    threads_status_rows(&c, "skipped-timeout", &rows, &len);
    cell_path(path, sizeof path, dir, m->key, "threads");
    int bad = host_write_atomic(path, rows ? rows : "", len) != 0;
    free(rows);
    cell_path(path, sizeof path, dir, m->key, "frag");
    bad = bad || host_write_atomic(path, "", 0) != 0;
    cell_path(path, sizeof path, dir, m->key, "summary");
    return bad || host_write_atomic(path, "", 0) != 0 ? -1 : 0;
}

int skipped_cell_write(const char *dir, const mcell *m)
{
    int bad = m->kind == MC_THREADS ? threads_skipped_write(dir, m)
                                    : status_row_write(dir, m, AB_WL_SKIPPED, "skipped-timeout");
    return bad != 0 ? CELL_IOERR : CELL_OK;
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
int kernel_cell_run(const char *dir, const mcell *m, int quick)
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
        char *body = host_read_body(src, &len, NULL, 0);
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
        char *body = host_read_body(src, &len, hdr, sizeof hdr);
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
int gbench_cell_run(const char *dir, const mcell *m, int quick)
{
    pid_t pid = cell_fork();
    if (pid == 0) {
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
int threads_cell_run(const char *dir, const mcell *m)
{
    char path[4600];
    pid_t pid = cell_fork();
    if (pid == 0) {
        threads_cell c = threads_cell_of(m);
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
