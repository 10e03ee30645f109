/*
 * allocbench programs: see programs.h and docs/results.md (programs.csv).
 *
 * For each program and allocator: one checked run (fork, exec with the
 * allocator's LD_PRELOAD, wait4: exit status, output, max RSS, and
 * AB_HEAP_STATS for the heaps), then hyperfine times every allocator whose
 * check passed (--warmup 1 --runs N, one JSON per program). glibc and
 * jemalloc report no live bytes: the program runs once more under the
 * malloc recorder (libab_mtrace.so, on glibc) and the peak of live bytes is
 * read from its traces. A wrong output, a non-zero exit or a failed
 * hyperfine is a failed row, never a dropped one.
 */
#define _GNU_SOURCE
#include "programs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocbench/registry.h"
#include "allocbench/heap.h"
#include "heappairs.h"
#include "heaprun.h"
#include "host.h"
#include "plot_json.h"

extern char **environ;

#ifndef AB_SOURCE_DIR
#define AB_SOURCE_DIR "."
#endif

/* snprintf for text that may be cut at len (reasons, labels; paths are
   checked by the calls that use them): no compiler truncation analysis. */
static void pr_fmt(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pr_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}

#define MAX_ALLOCS 16
#define MAX_PROGS 8

typedef struct allocator {
    char name[32];
    char preload[4096];  /* "" for glibc */
    int is_heap;
    char skip[256];      /* non-empty: not run, and why */
} allocator;

typedef struct program {
    const char *name;
    const char *what;
    char *argv[12];
    char expect[128];    /* stdout, or "" */
    char obj[4200];      /* an object file to check, or "" */
    char text[1024];
    char fail[256];      /* set before anything runs: the program cannot */
} program;

typedef struct row {
    int checked_ok;
    char status[320];
    long maxrss_kib;
    double check_s;
    double median, stddev, min, max;
    int runs;
    double peak_live, peak_fp;   /* NAN when unknown */
    const char *fp_kind;
} row;

static const char help[] =
    "usage: allocbench programs [--quick] [--out DIR] [--heaps LIST] [--runs N]\n"
    "\n"
    "Runs real programs under every heap of heaps/ (LD_PRELOAD of libab_<heap>.so),\n"
    "jemalloc (LD_PRELOAD of Debian's libjemalloc.so.2; skipped with a note if absent)\n"
    "and glibc (no preload), and writes DIR/programs.csv: wall time (hyperfine: median,\n"
    "stddev, min, max), max RSS (wait4), peak live and peak footprint bytes and their\n"
    "ratio (Johnstone & Wilson), and a status per program x allocator. The hyperfine JSON\n"
    "of each program is kept as DIR/hyperfine-<program>.json. Then DIR/heapscale.csv:\n"
    "malloc time against live chunks per heap (allocbench heapscale --help).\n"
    "Programs, each with its output checked under every allocator:\n"
    "  python  python3 -c: a dict of 200000 strings, 30000 byte strings, a sort\n"
    "  gcc     gcc -O2 -c report/plot_report.c (this repository's source)\n"
    "  perl    perl -e: 200000 hash inserts, two thirds deleted again\n"
    "  --quick      smaller inputs (50000 entries), --runs 2 unless given, heapscale\n"
    "               up to 10000 chunks: about 30-60 s on 2 cores\n"
    "  --out DIR    run dir (default results/<UTC timestamp>, results/latest); an\n"
    "               existing run's folder is fine (allocbench plot shows both)\n"
    "  --heaps LIST comma-separated allocators (default: every heap, jemalloc, glibc)\n"
    "  --runs N     hyperfine runs per program x allocator (default 10)\n"
    "Columns: docs/results.md. Exit status 1 if any row failed.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench programs: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench programs --help)\n");
    return 2;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *first_exec(const char *const *cands)
{
    for (size_t i = 0; cands[i] != NULL; i++)
        if (cands[i][0] == '/' ? access(cands[i], X_OK) == 0 : 1)
            return cands[i];
    return NULL;
}

/* Searches PATH for name; 1 if found. */
static int in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    char buf[4096];
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        pr_fmt(buf, sizeof buf, "%.*s/%s", (int)n, p, name);
        if (access(buf, X_OK) == 0)
            return 1;
        p += n + (e != NULL);
    }
    return 0;
}

static const char *jemalloc_path(void)
{
    static const char *const paths[] = {
        "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/i386-linux-gnu/libjemalloc.so.2",
        "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2",
        "/usr/local/lib/libjemalloc.so.2", NULL};
    for (size_t i = 0; paths[i] != NULL; i++)
        if (access(paths[i], R_OK) == 0)
            return paths[i];
    return NULL;
}

/* ---- the programs ----------------------------------------------------- */

static void programs_make(program *p, size_t *n, int quick, const char *dir)
{
    static const char *const py[] = {"/usr/bin/python3", "python3", NULL};
    static const char *const cc[] = {"/usr/bin/gcc", "gcc", NULL};
    static const char *const pl[] = {"/usr/bin/perl", "perl", NULL};
    memset(p, 0, 3 * sizeof *p);
    *n = 3;

    unsigned dn = quick ? 50000 : 200000, bn = quick ? 10000 : 30000;
    p[0].name = "python";
    p[0].what = "python3 -c: dict of strings, byte strings, sort";
    pr_fmt(p[0].text, sizeof p[0].text,
             "d = {}\nfor i in range(%u):\n    d[i] = str(i) * (i %% 50)\n"
             "l = [bytes(i %% 3000) for i in range(%u)]\ns = sorted(d.values(), key=len)\n"
             "print(\"total\", sum(len(v) for v in d.values()), sum(len(b) for b in l), "
             "len(s[-1]))\n", dn, bn);
    pr_fmt(p[0].expect, sizeof p[0].expect, "%s",
             quick ? "total 5853005 13995000 245" : "total 26678005 44985000 294");
    p[0].argv[0] = (char *)first_exec(py);
    p[0].argv[1] = "-c";
    p[0].argv[2] = p[0].text;
    if (p[0].argv[0][0] != '/' && !in_path("python3"))
        pr_fmt(p[0].fail, sizeof p[0].fail, "python3 not found (Debian: python3)");

    p[1].name = "gcc";
    p[1].what = "gcc -O2 -c report/plot_report.c";
    pr_fmt(p[1].text, sizeof p[1].text, "%s/report/plot_report.c", AB_SOURCE_DIR);
    pr_fmt(p[1].obj, sizeof p[1].obj, "%s/programs-gcc.o", dir);
    p[1].argv[0] = (char *)first_exec(cc);
    p[1].argv[1] = "-O2";
    p[1].argv[2] = "-c";
    p[1].argv[3] = p[1].text;
    p[1].argv[4] = "-o";
    p[1].argv[5] = p[1].obj;
    if (access(p[1].text, R_OK) != 0)
        pr_fmt(p[1].fail, sizeof p[1].fail, "source %s not found", p[1].text);
    else if (p[1].argv[0][0] != '/' && !in_path("gcc"))
        pr_fmt(p[1].fail, sizeof p[1].fail, "gcc not found (Debian: gcc)");

    unsigned hn = quick ? 50000 : 200000;
    p[2].name = "perl";
    p[2].what = "perl -e: hash inserts and deletes";
    pr_fmt(p[2].text, sizeof p[2].text,
             "my %%h; for my $i (1..%u) { $h{\"k$i\"} = \"v\" x ($i %% 64); "
             "delete $h{\"k\".($i-1000)} if $i > 1000 && $i %% 3 } my $t = 0; "
             "$t += length($_) for values %%h; print scalar(keys %%h), \" $t\\n\";", hn);
    pr_fmt(p[2].expect, sizeof p[2].expect, "%s", quick ? "17333 545912" : "67333 2121296");
    p[2].argv[0] = (char *)first_exec(pl);
    p[2].argv[1] = "-e";
    p[2].argv[2] = p[2].text;
    if (p[2].argv[0][0] != '/' && !in_path("perl"))
        pr_fmt(p[2].fail, sizeof p[2].fail, "perl not found (Debian: perl-base)");
}

/* ---- one checked run -------------------------------------------------- */

typedef struct runout {
    int exited, code, sig;
    long maxrss_kib;
    double wall_s;
} runout;

/* Runs argv with env additions (NAME=VALUE strings, NULL-terminated) and
   LD_PRELOAD, AB_HEAP_STATS, AB_MTRACE removed first; stdout and stderr to
   files. -1 if it could not start. */
static int run_child(char *const *argv, const char *const *add, const char *out_path,
                     const char *err_path, unsigned timeout_s, runout *ro)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 8, sizeof *env);
    if (env == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
            strncmp(environ[i], "AB_HEAP_STATS=", 14) != 0 &&
            strncmp(environ[i], "AB_MTRACE=", 10) != 0)
            env[k++] = environ[i];
    for (size_t i = 0; add[i] != NULL && i < 6; i++)
        env[k++] = (char *)add[i];
    env[k] = NULL;
    fflush(NULL);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        free(env);
        return -1;
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        alarm(timeout_s);
        environ = env;
        execvp(argv[0], argv);
        dprintf(2, "allocbench programs: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    free(env);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR)
            return -1;
    }
    ro->wall_s = now_s() - t0;
    ro->exited = WIFEXITED(status);
    ro->code = ro->exited ? WEXITSTATUS(status) : -1;
    ro->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    ro->maxrss_kib = ru.ru_maxrss;
    return 0;
}

/* A CSV-safe copy of s (commas, quotes and line breaks become ';' or ' '). */
static void csv_safe(char *s)
{
    for (; *s; s++)
        if (*s == ',')
            *s = ';';
        else if (*s == '"' || *s == '\n' || *s == '\r')
            *s = ' ';
}

/* The first line of a file, trimmed, for a status reason. */
static void first_line(const char *path, char *out, size_t len)
{
    char *t = host_read_file(path, NULL);
    out[0] = '\0';
    if (t == NULL)
        return;
    char *l = t;
    while (*l == '\n' || *l == '\r' || *l == ' ')
        l++;
    char *nl = strchr(l, '\n');
    if (nl != NULL)
        *nl = '\0';
    pr_fmt(out, len, "%s", l);
    csv_safe(out);
    free(t);
}

/* Checks one finished run: 0 ok, else a reason in why. */
static int verdict(const program *p, const runout *ro, const char *out_path,
                   const char *err_path, char *why, size_t len)
{
    char *err = host_read_file(err_path, NULL);
    int preload_failed = err != NULL && strstr(err, "cannot be preloaded") != NULL;
    free(err);
    char line[200];
    if (preload_failed) {
        first_line(err_path, line, sizeof line);
        pr_fmt(why, len, "the preload did not load: %s", line);
        return -1;
    }
    if (!ro->exited) {
        pr_fmt(why, len, "killed by signal %d%s", ro->sig,
                 ro->sig == SIGALRM ? " (timeout)" : "");
        return -1;
    }
    if (ro->code != 0) {
        first_line(err_path, line, sizeof line);
        pr_fmt(why, len, "exit status %d: %s", ro->code, line);
        return -1;
    }
    if (p->expect[0] != '\0') {
        char *out = host_read_file(out_path, NULL);
        if (out == NULL) {
            pr_fmt(why, len, "no output");
            return -1;
        }
        size_t n = strlen(out);
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
            out[--n] = '\0';
        int ok = strcmp(out, p->expect) == 0;
        if (!ok) {
            char got[100];
            pr_fmt(got, sizeof got, "%s", out);
            csv_safe(got);
            pr_fmt(why, len, "wrong output '%s' (want '%s')", got, p->expect);
        }
        free(out);
        if (!ok)
            return -1;
    }
    if (p->obj[0] != '\0') {
        size_t n = 0;
        char *o = host_read_file(p->obj, &n);
        int ok = o != NULL && n > 64 && memcmp(o, "\177ELF", 4) == 0;
        free(o);
        if (!ok) {
            pr_fmt(why, len, "no ELF object written to %s", p->obj);
            return -1;
        }
    }
    return 0;
}

/* The AB_HEAP_STATS line with the largest peak live bytes (the process that
   allocated the most: cc1 under gcc). 0, or -1 if there is none. */
static int heap_stats(const char *path, double *live, double *fp)
{
    char *t = host_read_file(path, NULL);
    if (t == NULL)
        return -1;
    int found = 0;
    char *save = NULL;
    for (char *l = strtok_r(t, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        char heap[64];
        unsigned long long pid, pl, pf;
        if (sscanf(l, "%63[^,],%llu,%llu,%llu", heap, &pid, &pl, &pf) != 4)
            continue;
        if (!found || (double)pl > *live) {
            *live = (double)pl;
            *fp = (double)pf;
        }
        found = 1;
    }
    free(t);
    return found ? 0 : -1;
}

/* Peak live bytes of a program on glibc: one run under the recorder; the
   largest peak over its processes' traces. NAN with a reason on failure. */
static double mtrace_peak(const program *p, const char *dir, char *why, size_t len)
{
    const char *lib = hr_mtrace_lib();
    if (lib == NULL) {
        pr_fmt(why, len, "libab_mtrace.so not found");
        return NAN;
    }
    char tdir[4200], prefix[4400], pre[4400], env_t[4500], out[4400], err[4400];
    pr_fmt(tdir, sizeof tdir, "%s/mtrace-tmp", dir);
    host_mkdirs(tdir);
    pr_fmt(prefix, sizeof prefix, "%s/%s", tdir, p->name);
    pr_fmt(pre, sizeof pre, "LD_PRELOAD=%s", lib);
    pr_fmt(env_t, sizeof env_t, "AB_MTRACE=%s", prefix);
    pr_fmt(out, sizeof out, "%s/%s.out", tdir, p->name);
    pr_fmt(err, sizeof err, "%s/%s.err", tdir, p->name);
    const char *add[] = {pre, env_t, NULL};
    runout ro;
    double peak = NAN;
    if (run_child(p->argv, add, out, err, 900, &ro) != 0) {
        pr_fmt(why, len, "cannot start %s", p->argv[0]);
    } else if (verdict(p, &ro, out, err, why, len) != 0) {
        char w[300];
        pr_fmt(w, sizeof w, "%s", why);
        pr_fmt(why, len, "under the recorder: %s", w);
    } else {
        DIR *d = opendir(tdir);
        size_t plen = strlen(p->name);
        peak = 0;
        int files = 0;
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
            size_t l = strlen(e->d_name);
            if (strncmp(e->d_name, p->name, plen) != 0 || e->d_name[plen] != '.' || l < 4 ||
                strcmp(e->d_name + l - 4, ".abt") != 0)
                continue;
            char path[4700], lerr[512];
            pr_fmt(path, sizeof path, "%s/%s", tdir, e->d_name);
            hr_mtrace t;
            if (hr_mtrace_load(path, &t, lerr, sizeof lerr) == 0) {
                double v = (double)hr_mtrace_peak_live(&t);
                peak = v > peak ? v : peak;
                files++;
                hr_mtrace_free(&t);
            } else {
                fprintf(stderr, "allocbench programs: %s\n", lerr);
            }
            unlink(path);
        }
        if (d != NULL)
            closedir(d);
        if (files == 0) {
            pr_fmt(why, len, "the recorder wrote no trace");
            peak = NAN;
        }
    }
    unlink(out);
    unlink(err);
    rmdir(tdir);
    return peak;
}

/* ---- hyperfine -------------------------------------------------------- */

static void sh_quote(hbuf *b, const char *s)
{
    hbuf_write(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'')
            hbuf_write(b, "'\\''", 4);
        else
            hbuf_write(b, s, 1);
    }
    hbuf_write(b, "'", 1);
}

/* Runs hyperfine over the allocators flagged in want; fills their rows.
   0, or -1 with a reason in why. */
static int hyperfine_program(const program *p, const allocator *al, size_t nal, const int *want,
                             row *rows, int runs, const char *dir, char *why, size_t len)
{
    char json[4300];
    pr_fmt(json, sizeof json, "%s/hyperfine-%s.json", dir, p->name);
    char runs_s[32];
    pr_fmt(runs_s, sizeof runs_s, "%d", runs);
    char *argv[8 + 4 * MAX_ALLOCS];
    hbuf cmds[MAX_ALLOCS];
    memset(cmds, 0, sizeof cmds);
    size_t a = 0;
    argv[a++] = "hyperfine";
    argv[a++] = "-N";
    argv[a++] = "--style";
    argv[a++] = "basic";
    argv[a++] = "--warmup";
    argv[a++] = "1";
    argv[a++] = "--runs";
    argv[a++] = runs_s;
    argv[a++] = "--export-json";
    argv[a++] = json;
    for (size_t k = 0; k < nal; k++) {
        if (!want[k])
            continue;
        hbuf_write(&cmds[k], "env", 3);
        if (al[k].preload[0] != '\0') {
            hbuf_write(&cmds[k], " ", 1);
            char pre[4200];
            pr_fmt(pre, sizeof pre, "LD_PRELOAD=%s", al[k].preload);
            sh_quote(&cmds[k], pre);
        }
        for (size_t i = 0; p->argv[i] != NULL; i++) {
            hbuf_write(&cmds[k], " ", 1);
            sh_quote(&cmds[k], p->argv[i]);
        }
        argv[a++] = "--command-name";
        argv[a++] = (char *)al[k].name;
        argv[a++] = cmds[k].p;
    }
    argv[a] = NULL;
    unlink(json);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(2, 1); /* hyperfine's report goes with the progress, on stderr */
        execvp(argv[0], argv);
        fprintf(stderr, "allocbench programs: cannot run hyperfine: %s (Debian: hyperfine)\n",
                strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    for (size_t k = 0; k < nal; k++)
        hbuf_free(&cmds[k]);
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        pr_fmt(why, len, "hyperfine %s (exit %d)",
                 pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "not found"
                                                                             : "failed",
                 pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    char *text = host_read_file(json, NULL);
    char err[256];
    ab_json *j = text != NULL ? ab_json_parse(text, err, sizeof err) : NULL;
    free(text);
    const ab_json *res = j != NULL ? ab_json_get(j, "results") : NULL;
    if (res == NULL || res->type != AB_JARR) {
        pr_fmt(why, len, "%s: not hyperfine JSON", json);
        ab_json_free(j);
        return -1;
    }
    for (const ab_json *r = res->child; r != NULL; r = r->next) {
        const ab_json *c = ab_json_get(r, "command");
        if (c == NULL || c->str == NULL)
            continue;
        for (size_t k = 0; k < nal; k++) {
            if (!want[k] || strcmp(al[k].name, c->str) != 0)
                continue;
            const char *keys[] = {"median", "stddev", "min", "max"};
            double *dst[] = {&rows[k].median, &rows[k].stddev, &rows[k].min, &rows[k].max};
            for (size_t q = 0; q < 4; q++) {
                const ab_json *v = ab_json_get(r, keys[q]);
                *dst[q] = v != NULL && v->type == AB_JNUM ? v->num : NAN;
            }
            const ab_json *times = ab_json_get(r, "times");
            int n = 0;
            for (const ab_json *t = times != NULL ? times->child : NULL; t != NULL; t = t->next)
                n++;
            rows[k].runs = n;
        }
    }
    ab_json_free(j);
    return 0;
}

/* ---- the command ------------------------------------------------------ */

static void num_field(hbuf *b, const char *fmt, double v)
{
    char s[64] = "";
    if (!isnan(v))
        pr_fmt(s, sizeof s, fmt, v);
    hbuf_write(b, ",", 1);
    hbuf_write(b, s, strlen(s));
}

int programs_main(int argc, char **argv)
{
    int quick = 0, runs = 0;
    const char *out = NULL, *list = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            quick = 1;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--heaps") || !strcmp(a, "--runs")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--out")) {
                out = v;
            } else if (!strcmp(a, "--heaps")) {
                list = v;
            } else {
                char *end;
                long n = strtol(v, &end, 10);
                if (*v < '0' || *v > '9' || *end != '\0' || n < 1 || n > 1000)
                    return usage_error("--runs: '%s' is not a count from 1 to 1000", v);
                runs = (int)n;
            }
        } else {
            return usage_error("unknown argument '%s'", a);
        }
    }
    if (runs == 0)
        runs = quick ? 2 : 10;

    /* The allocators: every heap, jemalloc, glibc. */
    allocator al[MAX_ALLOCS];
    size_t nal = 0;
    memset(al, 0, sizeof al);
    size_t nheaps;
    const ab_heap *const *heaps = ab_heap_registry(&nheaps);
    for (size_t k = 0; k < nheaps && nal < MAX_ALLOCS - 2; k++, nal++) {
        pr_fmt(al[nal].name, sizeof al[nal].name, "%s", heaps[k]->name);
        al[nal].is_heap = 1;
        const char *lib = hr_heap_lib(heaps[k]->name);
        if (lib == NULL)
            pr_fmt(al[nal].skip, sizeof al[nal].skip,
                     "libab_%s.so not found (build it; or set ALLOCBENCH_LIBDIR)", al[nal].name);
        else
            pr_fmt(al[nal].preload, sizeof al[nal].preload, "%s", lib);
    }
    pr_fmt(al[nal].name, sizeof al[nal].name, "jemalloc");
    const char *jem = jemalloc_path();
    if (jem == NULL)
        pr_fmt(al[nal].skip, sizeof al[nal].skip,
                 "libjemalloc.so.2 not found (Debian: libjemalloc2)");
    else
        pr_fmt(al[nal].preload, sizeof al[nal].preload, "%s", jem);
    nal++;
    pr_fmt(al[nal++].name, sizeof al[0].name, "glibc");
    if (list != NULL) {
        int keep[MAX_ALLOCS] = {0};
        char buf[1024];
        pr_fmt(buf, sizeof buf, "%s", list);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
            size_t k = 0;
            while (k < nal && strcmp(al[k].name, t) != 0)
                k++;
            if (k == nal)
                return usage_error("--heaps: unknown allocator '%s' (heaps of heaps/heaps.def, "
                                   "jemalloc, glibc)", t);
            keep[k] = 1;
        }
        size_t m = 0;
        for (size_t k = 0; k < nal; k++)
            if (keep[k])
                al[m++] = al[k];
        nal = m;
        if (nal == 0)
            return usage_error("--heaps: '%s' names no allocator", list);
    }

    char dir[4096];
    if (out != NULL) {
        pr_fmt(dir, sizeof dir, "%s", out);
        if (host_mkdirs(dir) != 0)
            return usage_error("--out: cannot create '%s'", out);
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench programs: cannot create results/<timestamp>\n");
        return 1;
    }
    char meta[4200];
    pr_fmt(meta, sizeof meta, "%s/meta.json", dir);
    if (access(meta, F_OK) != 0)
        host_write_meta(dir, NULL);

    program progs[MAX_PROGS];
    size_t np;
    programs_make(progs, &np, quick, dir);
    static row rows[MAX_PROGS][MAX_ALLOCS];
    memset(rows, 0, sizeof rows);
    double t_start = now_s();
    size_t cells = np * nal, done = 0;
    fprintf(stderr, "allocbench programs: %zu programs x %zu allocators, hyperfine --runs %d%s; "
            "results in %s\n", np, nal, runs, quick ? " (quick)" : "", dir);
    for (size_t i = 0; i < np; i++) {
        program *p = &progs[i];
        int want[MAX_ALLOCS] = {0};
        double mt_peak = NAN;
        char mt_why[300] = "";
        int need_mt = 0;
        for (size_t k = 0; k < nal; k++)
            need_mt |= !al[k].is_heap && al[k].skip[0] == '\0';
        if (need_mt && p->fail[0] == '\0') {
            fprintf(stderr, "allocbench programs: %s: peak live bytes on glibc (malloc "
                    "recorder) ...\n", p->name);
            mt_peak = mtrace_peak(p, dir, mt_why, sizeof mt_why);
        }
        for (size_t k = 0; k < nal; k++) {
            row *r = &rows[i][k];
            r->peak_live = r->peak_fp = NAN;
            r->median = r->stddev = r->min = r->max = NAN;
            r->maxrss_kib = -1;
            r->fp_kind = al[k].is_heap ? "heap" : "rss";
            done++;
            if (p->fail[0] != '\0') {
                pr_fmt(r->status, sizeof r->status, "failed: %s", p->fail);
                continue;
            }
            if (al[k].skip[0] != '\0') {
                pr_fmt(r->status, sizeof r->status, "skipped: %s", al[k].skip);
                fprintf(stderr, "[%zu/%zu] %s under %s: skipped: %s\n", done, cells, p->name,
                        al[k].name, al[k].skip);
                continue;
            }
            char o[4300], e[4300], st[4300], pre[4200], sv[4400];
            pr_fmt(o, sizeof o, "%s/programs-%s-%s.out", dir, p->name, al[k].name);
            pr_fmt(e, sizeof e, "%s/programs-%s-%s.err", dir, p->name, al[k].name);
            pr_fmt(st, sizeof st, "%s/programs-%s-%s.stats", dir, p->name, al[k].name);
            pr_fmt(pre, sizeof pre, "LD_PRELOAD=%s", al[k].preload);
            pr_fmt(sv, sizeof sv, "AB_HEAP_STATS=%s", st);
            unlink(st);
            const char *add[3] = {NULL, NULL, NULL};
            size_t na = 0;
            if (al[k].preload[0] != '\0')
                add[na++] = pre;
            if (al[k].is_heap)
                add[na++] = sv;
            runout ro;
            char why[300] = "";
            if (run_child(p->argv, add, o, e, quick ? 300 : 1800, &ro) != 0) {
                pr_fmt(why, sizeof why, "cannot start %s", p->argv[0]);
            } else if (verdict(p, &ro, o, e, why, sizeof why) == 0) {
                r->checked_ok = 1;
                r->maxrss_kib = ro.maxrss_kib;
                r->check_s = ro.wall_s;
                if (al[k].is_heap) {
                    if (heap_stats(st, &r->peak_live, &r->peak_fp) != 0) {
                        r->checked_ok = 0;
                        pr_fmt(why, sizeof why, "no AB_HEAP_STATS line in %s", st);
                    }
                } else {
                    r->peak_live = mt_peak;
                    r->peak_fp = (double)ro.maxrss_kib * 1024.0;
                }
            }
            if (r->checked_ok) {
                want[k] = 1;
                unlink(o);
                unlink(e);
                unlink(st);
                fprintf(stderr, "[%zu/%zu] %s under %s: output ok, %.2f s, max RSS %ld KiB, "
                        "footprint/live %.3f%s\n", done, cells, p->name, al[k].name, r->check_s,
                        r->maxrss_kib, r->peak_fp / r->peak_live,
                        al[k].is_heap ? "" : " (RSS over recorded live)");
            } else {
                csv_safe(why);
                pr_fmt(r->status, sizeof r->status, "failed: %s", why);
                fprintf(stderr, "[%zu/%zu] %s under %s: FAILED: %s (output kept in %s, %s)\n",
                        done, cells, p->name, al[k].name, why, o, e);
            }
        }
        int any = 0;
        for (size_t k = 0; k < nal; k++)
            any |= want[k];
        if (any) {
            fprintf(stderr, "allocbench programs: %s: hyperfine ...\n", p->name);
            char why[300];
            if (hyperfine_program(p, al, nal, want, rows[i], runs, dir, why, sizeof why) != 0) {
                csv_safe(why);
                for (size_t k = 0; k < nal; k++)
                    if (want[k])
                        pr_fmt(rows[i][k].status, sizeof rows[i][k].status, "failed: %s", why);
            } else {
                for (size_t k = 0; k < nal; k++) {
                    row *r = &rows[i][k];
                    if (!want[k])
                        continue;
                    if (isnan(r->median) || r->runs == 0)
                        pr_fmt(r->status, sizeof r->status,
                                 "failed: hyperfine reported no time");
                    else if (!al[k].is_heap && isnan(r->peak_live))
                        pr_fmt(r->status, sizeof r->status, "ok (peak live unknown: %s)",
                                 mt_why);
                    else
                        pr_fmt(r->status, sizeof r->status, "ok");
                    csv_safe(r->status);
                }
            }
        }
        double el = now_s() - t_start;
        fprintf(stderr, "allocbench programs: %zu/%zu cells after %.0f s, about %.0f s left\n",
                done, cells, el, el / (double)done * (double)(cells - done));
    }
    if (progs[1].obj[0] != '\0')
        unlink(progs[1].obj);

    hbuf csv = {0};
    static const char head[] =
        "program,allocator,runs,wall_median_s,wall_stddev_s,wall_min_s,wall_max_s,"
        "max_rss_kib,peak_live_bytes,peak_footprint_bytes,footprint_over_live,footprint_kind,"
        "status\n";
    hbuf_write(&csv, head, sizeof head - 1);
    int failed = 0;
    for (size_t i = 0; i < np; i++)
        for (size_t k = 0; k < nal; k++) {
            const row *r = &rows[i][k];
            char pre[128];
            pr_fmt(pre, sizeof pre, "%s,%s,%d", progs[i].name, al[k].name, r->runs);
            hbuf_write(&csv, pre, strlen(pre));
            num_field(&csv, "%.6f", r->median);
            num_field(&csv, "%.6f", r->stddev);
            num_field(&csv, "%.6f", r->min);
            num_field(&csv, "%.6f", r->max);
            num_field(&csv, "%.0f", r->maxrss_kib >= 0 ? (double)r->maxrss_kib : NAN);
            num_field(&csv, "%.0f", r->peak_live);
            num_field(&csv, "%.0f", r->peak_fp);
            num_field(&csv, "%.4f", r->peak_live > 0 ? r->peak_fp / r->peak_live : NAN);
            hbuf_write(&csv, ",", 1);
            hbuf_write(&csv, r->fp_kind, strlen(r->fp_kind));
            hbuf_write(&csv, ",", 1);
            hbuf_write(&csv, r->status, strlen(r->status));
            hbuf_write(&csv, "\n", 1);
            failed |= strncmp(r->status, "failed", 6) == 0;
        }
    char path[4300];
    pr_fmt(path, sizeof path, "%s/programs.csv", dir);
    if (host_write_atomic(path, csv.p, csv.len) != 0) {
        fprintf(stderr, "allocbench programs: cannot write %s\n", path);
        hbuf_free(&csv);
        return 1;
    }
    fputs(csv.p, stdout);
    hbuf_free(&csv);

    /* The firstfit heap's first-fit curve, next to the programs. */
    static const size_t counts[] = {10, 100, 1000, 10000, 100000};
    hbuf hs = {0};
    char err[512];
    const ab_strategy *buddy = ab_registry_find("buddy");
    if (buddy != NULL &&
        hr_heapscale(buddy, counts, quick ? 4 : 5, quick ? 5000 : 20000, 1, &hs, err,
                     sizeof err) == 0) {
        pr_fmt(path, sizeof path, "%s/heapscale.csv", dir);
        if (host_write_atomic(path, hs.p, hs.len) != 0)
            fprintf(stderr, "allocbench programs: cannot write %s\n", path);
    } else {
        fprintf(stderr, "allocbench programs: heapscale: %s\n", buddy ? err : "no buddy");
        failed = 1;
    }
    hbuf_free(&hs);

    /* The slab target: malloc+free pairs against jemalloc, in this run. */
    hbuf hp = {0};
    if (buddy != NULL && hr_heappairs(buddy, quick ? 200000 : 2000000, 5, &hp, err,
                                      sizeof err) == 0) {
        pr_fmt(path, sizeof path, "%s/heappairs.csv", dir);
        if (host_write_atomic(path, hp.p, hp.len) != 0)
            fprintf(stderr, "allocbench programs: cannot write %s\n", path);
    } else {
        fprintf(stderr, "allocbench programs: heappairs: %s\n", buddy ? err : "no buddy");
        failed = 1;
    }
    hbuf_free(&hp);
    fprintf(stderr, "allocbench programs: %s in %.0f s; results in %s/programs.csv\n",
            failed ? "some rows FAILED" : "ok", now_s() - t_start, dir);
    return failed ? 1 : 0;
}
