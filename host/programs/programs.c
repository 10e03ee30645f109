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
#include "clock.h"
#include "heappairs.h"
#include "heaprun.h"
#include "heapscale.h"
#include "host.h"
#include "process.h"
#include "programs_int.h"
#include "matrix.h"
#include "record.h"

#ifndef AB_SOURCE_DIR
#define AB_SOURCE_DIR "."
#endif

void pr_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
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

/* ---- the command ------------------------------------------------------ */

static void num_field(hbuf *b, const char *fmt, double v)
{
    char s[64] = "";
    if (!isnan(v))
        pr_fmt(s, sizeof s, fmt, v);
    hbuf_write(b, ",", 1);
    hbuf_write(b, s, strlen(s));
}

/* The allocators: every heap, jemalloc, glibc. */
static size_t allocators_make(allocator *al)
{
    size_t nal = 0, nheaps;
    memset(al, 0, MAX_ALLOCS * sizeof *al);
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
    return nal;
}

/* Keeps the allocators the comma list names. 0, or 2 (usage error printed). */
static int allocators_filter(allocator *al, size_t *nal, const char *list)
{
    char buf[1024], *items[MAX_ALLOCS * 2];
    size_t n;
    pr_fmt(buf, sizeof buf, "%s", list);
    const char *why = args_list(buf, items, MAX_ALLOCS * 2, &n);
    if (why != NULL) {
        fprintf(stderr, "allocbench programs: --heaps: '%s' %s\n(see: allocbench programs "
                "--help)\n", list, why);
        return 2;
    }
    int keep[MAX_ALLOCS] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < *nal && strcmp(al[k].name, items[i]) != 0)
            k++;
        if (k == *nal) {
            fprintf(stderr, "allocbench programs: --heaps: unknown allocator '%s' (heaps of "
                    "heaps/heaps.def, jemalloc, glibc)\n(see: allocbench programs --help)\n",
                    items[i]);
            return 2;
        }
        keep[k] = 1;
    }
    size_t m = 0;
    for (size_t k = 0; k < *nal; k++)
        if (keep[k])
            al[m++] = al[k];
    *nal = m;
    return 0;
}

typedef struct progress {
    size_t done, cells;
    double t_start;
} progress;

/* One program and allocator's checked run; r->checked_ok when it passed. */
static void program_check(const program *p, const allocator *a, row *r, double mt_peak,
                          const char *dir, int quick, const progress *pg, char *why,
                          size_t why_len)
{
    char o[4300], e[4300], st[4300], pre[4200], sv[4400];
    pr_fmt(o, sizeof o, "%s/programs-%s-%s.out", dir, p->name, a->name);
    pr_fmt(e, sizeof e, "%s/programs-%s-%s.err", dir, p->name, a->name);
    pr_fmt(st, sizeof st, "%s/programs-%s-%s.stats", dir, p->name, a->name);
    pr_fmt(pre, sizeof pre, "LD_PRELOAD=%s", a->preload);
    pr_fmt(sv, sizeof sv, "AB_HEAP_STATS=%s", st);
    unlink(st);
    const char *add[3] = {NULL, NULL, NULL};
    size_t na = 0;
    if (a->preload[0] != '\0')
        add[na++] = pre;
    if (a->is_heap)
        add[na++] = sv;
    runout ro;
    int started = run_child(p->argv, add, o, e, quick ? 300 : 1800, &ro) == 0;
    if (pr_stop_signal()) {
        /* the run is stopping: this program is dropped, its files with it */
        unlink(o);
        unlink(e);
        unlink(st);
        return;
    }
    if (!started) {
        pr_fmt(why, why_len, "cannot start %s", p->argv[0]);
    } else if (verdict(p, &ro, o, e, why, why_len) == 0) {
        r->checked_ok = 1;
        r->maxrss_kib = ro.maxrss_kib;
        r->check_s = ro.wall_s;
        if (!a->is_heap) {
            r->peak_live = mt_peak;
            r->peak_fp = (double)ro.maxrss_kib * 1024.0;
        } else if (heap_stats(st, &r->peak_live, &r->peak_fp) != 0) {
            r->checked_ok = 0;
            pr_fmt(why, why_len, "no AB_HEAP_STATS line in %s", st);
        }
    }
    if (r->checked_ok) {
        unlink(o);
        unlink(e);
        unlink(st);
    } else {
        fprintf(stderr, "[%zu/%zu] %s under %s: FAILED: %s (output kept in %s, %s)\n",
                pg->done, pg->cells, p->name, a->name, why, o, e);
    }
}

/* The checked runs of one program under every allocator; want[k] set for
   those that passed. */
static void program_checks(const program *p, const allocator *al, size_t nal, row *rows,
                           int *want, const char *dir, int quick, progress *pg)
{
    double mt_peak = NAN;
    char mt_why[300] = "";
    int need_mt = 0;
    for (size_t k = 0; k < nal; k++)
        need_mt |= !al[k].is_heap && al[k].skip[0] == '\0';
    if (need_mt && p->fail[0] == '\0') {
        fprintf(stderr, "allocbench programs: %s: peak live bytes on glibc (malloc recorder) ...\n",
                p->name);
        mt_peak = mtrace_peak(p, dir, mt_why, sizeof mt_why);
    }
    for (size_t k = 0; k < nal && !pr_stop_signal(); k++) {
        row *r = &rows[k];
        r->peak_live = r->peak_fp = NAN;
        r->median = r->stddev = r->min = r->max = NAN;
        r->maxrss_kib = -1;
        r->fp_kind = al[k].is_heap ? "heap" : "rss";
        pr_fmt(r->mt_why, sizeof r->mt_why, "%s", mt_why);
        pg->done++;
        if (p->fail[0] != '\0' || al[k].skip[0] != '\0') {
            pr_fmt(r->status, sizeof r->status, "%s: %s", p->fail[0] ? "failed" : "skipped",
                   p->fail[0] ? p->fail : al[k].skip);
            fprintf(stderr, "[%zu/%zu] %s under %s: %s\n", pg->done, pg->cells, p->name,
                    al[k].name, r->status);
            continue;
        }
        char why[300] = "";
        program_check(p, &al[k], r, mt_peak, dir, quick, pg, why, sizeof why);
        if ((want[k] = r->checked_ok)) {
            fprintf(stderr, "[%zu/%zu] %s under %s: output ok, %.2f s, max RSS %ld KiB, "
                    "footprint/live %.3f%s\n", pg->done, pg->cells, p->name, al[k].name,
                    r->check_s, r->maxrss_kib, r->peak_fp / r->peak_live,
                    al[k].is_heap ? "" : " (RSS over recorded live)");
        } else {
            csv_safe(why);
            pr_fmt(r->status, sizeof r->status, "failed: %s", why);
        }
    }
}

/* hyperfine over the allocators whose check passed; their statuses. */
static void program_times(const program *p, const allocator *al, size_t nal, row *rows,
                          const int *want, int runs, const char *dir)
{
    int any = 0;
    for (size_t k = 0; k < nal; k++)
        any |= want[k];
    if (!any || pr_stop_signal())
        return;
    fprintf(stderr, "allocbench programs: %s: hyperfine ...\n", p->name);
    char why[300];
    int bad = hyperfine_program(p, al, nal, want, rows, runs, dir, why, sizeof why) != 0;
    csv_safe(why);
    for (size_t k = 0; k < nal; k++) {
        row *r = &rows[k];
        if (!want[k])
            continue;
        if (bad)
            pr_fmt(r->status, sizeof r->status, "failed: %s", why);
        else if (isnan(r->median) || r->runs == 0)
            pr_fmt(r->status, sizeof r->status, "failed: hyperfine reported no time");
        else if (!al[k].is_heap && isnan(r->peak_live))
            pr_fmt(r->status, sizeof r->status, "ok (peak live unknown: %s)", r->mt_why);
        else
            pr_fmt(r->status, sizeof r->status, "ok");
        csv_safe(r->status);
    }
}

static const char programs_header[] =
    "program,allocator,runs,wall_median_s,wall_stddev_s,wall_min_s,wall_max_s,max_rss_kib,"
    "peak_live_bytes,peak_footprint_bytes,footprint_over_live,footprint_kind,status";

/* One row of programs.csv, with its newline. */
static void row_csv(hbuf *csv, const char *prog, const char *alloc, const row *r)
{
    csv->len = 0;
    hbuf_printf(csv, "%s,%s,%d", prog, alloc, r->runs);
    num_field(csv, "%.6f", r->median);
    num_field(csv, "%.6f", r->stddev);
    num_field(csv, "%.6f", r->min);
    num_field(csv, "%.6f", r->max);
    num_field(csv, "%.0f", r->maxrss_kib >= 0 ? (double)r->maxrss_kib : NAN);
    num_field(csv, "%.0f", r->peak_live);
    num_field(csv, "%.0f", r->peak_fp);
    num_field(csv, "%.4f", r->peak_live > 0 ? r->peak_fp / r->peak_live : NAN);
    hbuf_printf(csv, ",%s,%s\n", r->fp_kind, r->status);
}

/* One of heapscale.csv (the firstfit heap's first-fit curve) and
   heappairs.csv (the slab target against jemalloc), next to the programs,
   unless dir has it already. 0 or 1. */
static int extra_write(const char *dir, int quick, int pairs, const char **last)
{
    const char *name = pairs ? "heappairs.csv" : "heapscale.csv";
    char err[512], path[4300];
    pr_fmt(path, sizeof path, "%s/%s", dir, name);
    if (host_file_exists(path) || pr_stop_signal())
        return 0;
    hbuf b = {0};
    int failed = 0;
    const ab_strategy *buddy = ab_registry_find("buddy");
    int bad = buddy == NULL ||
              (pairs ? hr_heappairs(buddy, quick ? 200000 : 2000000, 5, &b, err, sizeof err)
                     : hr_heapscale(buddy, hr_heapscale_counts, quick ? 4 : 5,
                                    quick ? 5000 : 20000, 1, &b, err, sizeof err)) != 0;
    if (bad) {
        fprintf(stderr, "allocbench programs: %.9s: %s\n", name, buddy ? err : "no buddy");
        failed = 1;
    } else if (pr_stop_signal()) {
        /* stopped while it ran: dropped, and done again on resume */
    } else if (host_write_atomic(path, b.p, b.len) != 0) {
        fprintf(stderr, "allocbench programs: cannot write %s\n", path);
        failed = 1;
    } else {
        *last = name;
    }
    hbuf_free(&b);
    return failed;
}

/* 1 iff t has a row of p under every allocator. */
static int program_done(const pr_table *t, const program *p, const allocator *al, size_t nal)
{
    for (size_t k = 0; k < nal; k++)
        if (!pr_table_has(t, p->name, al[k].name))
            return 0;
    return 1;
}

/* Every program under every allocator that dir's programs.csv lacks; the
   table is written after each program. 0, or 1 if programs.csv cannot be
   written. */
static int programs_measure(const programs_opts *o, const allocator *al, size_t nal,
                            const char *dir, pr_table *t, const char **last, char *unit,
                            size_t unit_len)
{
    program progs[MAX_PROGS];
    size_t np, ndone = 0;
    programs_make(progs, &np, o->quick, dir);
    static row rows[MAX_PROGS][MAX_ALLOCS];
    memset(rows, 0, sizeof rows);
    for (size_t i = 0; i < np; i++)
        ndone += program_done(t, &progs[i], al, nal);
    progress pg = {0, (np - ndone) * nal, host_now_s()};
    fprintf(stderr, "allocbench programs: %zu programs x %zu allocators (%zu programs already "
            "done), hyperfine --runs %d%s; results in %s\n", np, nal, ndone, o->runs,
            o->quick ? " (quick)" : "", dir);
    hbuf line = {0}, csv = {0};
    char path[4300];
    pr_fmt(path, sizeof path, "%s/programs.csv", dir);
    int bad = 0;
    for (size_t i = 0; i < np && !bad && !pr_stop_signal(); i++) {
        if (program_done(t, &progs[i], al, nal))
            continue;
        int want[MAX_ALLOCS] = {0};
        program_checks(&progs[i], al, nal, rows[i], want, dir, o->quick, &pg);
        program_times(&progs[i], al, nal, rows[i], want, o->runs, dir);
        /* stopped while it ran: its children were killed, so its rows are
           not its own; dropped, and measured again on resume */
        if (pr_stop_signal())
            break;
        for (size_t k = 0; k < nal && !bad; k++) {
            row_csv(&line, progs[i].name, al[k].name, &rows[i][k]);
            bad = pr_table_put(t, line.p) != 0;
        }
        if (bad || pr_table_write(t, path, programs_header, &csv) != 0) {
            fprintf(stderr, "allocbench programs: cannot write %s\n", path);
            bad = 1;
            break;
        }
        pr_fmt(unit, unit_len, "program %s", progs[i].name);
        *last = unit;
        double el = host_now_s() - pg.t_start;
        fprintf(stderr, "allocbench programs: %zu/%zu cells after %.0f s, about %.0f s left\n",
                pg.done, pg.cells, el, el / (double)pg.done * (double)(pg.cells - pg.done));
    }
    if (progs[1].obj[0] != '\0')
        unlink(progs[1].obj);
    /* a session that ran nothing still writes the file (a new folder whose
       programs could not run has its failed rows) */
    if (!bad && !pr_stop_signal() && !host_file_exists(path) &&
        pr_table_write(t, path, programs_header, &csv) != 0) {
        fprintf(stderr, "allocbench programs: cannot write %s\n", path);
        bad = 1;
    }
    hbuf_free(&line);
    hbuf_free(&csv);
    return bad;
}

int programs_run(const programs_opts *o)
{
    allocator al[MAX_ALLOCS];
    size_t nal = allocators_make(al);
    int rc;
    if (o->heaps != NULL && (rc = allocators_filter(al, &nal, o->heaps)) != 0)
        return rc;
    char dir[4096], meta[4200], path[4300];
    if (o->out != NULL) {
        pr_fmt(dir, sizeof dir, "%s", o->out);
        if (host_mkdirs(dir) != 0) {
            fprintf(stderr, "allocbench programs: --out: cannot create '%s'\n", o->out);
            return 2;
        }
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench programs: cannot create results/<timestamp>\n");
        return 1;
    }
    pr_signals_catch();
    run_temps_remove(dir); /* what a kill left */
    pr_fmt(meta, sizeof meta, "%s/meta.json", dir);
    if (access(meta, F_OK) != 0)
        host_write_meta(dir, NULL);
    pr_fmt(path, sizeof path, "%s/programs.csv", dir);
    pr_table t;
    rc = pr_table_load(&t, path, programs_header);
    if (rc < 0) {
        fprintf(stderr, "allocbench programs: cannot read %s\n", path);
        return 1;
    }
    if (rc > 0)
        fprintf(stderr, "allocbench programs: %s has another header (an older allocbench): "
                "its rows are measured again\n", path);
    double t0 = host_now_s();
    const char *last = NULL;
    char unit[64];
    int failed = programs_measure(o, al, nal, dir, &t, &last, unit, sizeof unit);
    if (!failed) {
        failed |= extra_write(dir, o->quick, 0, &last);
        failed |= extra_write(dir, o->quick, 1, &last);
    }
    if (pr_stop_signal()) {
        pr_table_free(&t);
        pr_stopped_say(o, dir, last);
        return 128 + pr_stop_signal();
    }
    failed |= pr_table_failed(&t);
    hbuf csv = {0};
    pr_table_write(&t, NULL, programs_header, &csv);
    failed |= fputs(csv.p, stdout) < 0;
    hbuf_free(&csv);
    pr_table_free(&t);
    fprintf(stderr, "allocbench programs: %s in %.0f s; results in %s/programs.csv\n",
            failed ? "some rows FAILED" : "ok", host_now_s() - t0, dir);
    return failed ? 1 : 0;
}
