/*
 * allocbench programs: one checked run of a program under an allocator
 * (host/lib/process: its exit, output, max RSS and AB_HEAP_STATS), and the
 * peak live bytes of a program on glibc from the malloc recorder.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "file.h"
#include "heaprun.h"
#include "process.h"
#include "programs_int.h"
#include "record.h"

/* ---- one checked run -------------------------------------------------- */


/* Runs argv with env additions (NAME=VALUE strings, NULL-terminated) and
   LD_PRELOAD, AB_HEAP_STATS, AB_MTRACE removed first; stdout and stderr to
   files; killed after timeout_s. -1 if it could not start. */
int run_child(char *const *argv, const char *const *add, const char *out_path,
                     const char *err_path, unsigned timeout_s, runout *ro)
{
    static const char *const drop[] = {"LD_PRELOAD", "AB_HEAP_STATS", "AB_MTRACE", NULL};
    hproc p = {.argv = argv, .env_drop = drop, .env_add = add, .out_path = out_path,
               .err_path = err_path};
    double t0 = host_now_s();
    hproc_end e = pr_child_run(&p, timeout_s);
    if (e == HPROC_ERROR)
        return -1;
    ro->wall_s = host_now_s() - t0;
    ro->timed_out = e == HPROC_TIMEOUT;
    ro->exited = WIFEXITED(p.status);
    ro->code = ro->exited ? WEXITSTATUS(p.status) : -1;
    ro->sig = WIFSIGNALED(p.status) ? WTERMSIG(p.status) : 0;
    ro->maxrss_kib = p.ru.ru_maxrss;
    return 0;
}

/* A CSV-safe copy of s (commas, quotes and line breaks become ';' or ' '). */
void csv_safe(char *s)
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
int verdict(const program *p, const runout *ro, const char *out_path,
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
                 ro->timed_out ? " (timeout)" : "");
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
int heap_stats(const char *path, double *live, double *fp)
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

/* Removes dir's files (what a killed run left) and dir. */
static void scratch_remove(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        char path[4700];
        pr_fmt(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

/* Peak live bytes of a program on glibc: one run under the recorder; the
   largest peak over its processes' traces. NAN with a reason on failure. */
double mtrace_peak(const program *p, const char *dir, char *why, size_t len)
{
    const char *lib = hr_mtrace_lib();
    if (lib == NULL) {
        pr_fmt(why, len, "libab_mtrace.so not found");
        return NAN;
    }
    char tdir[4200], prefix[4400], pre[4400], env_t[4500], out[4400], err[4400];
    pr_fmt(tdir, sizeof tdir, "%s/mtrace-tmp", dir);
    scratch_remove(tdir); /* a killed run's traces are not this run's */
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
    scratch_remove(tdir);
    return peak;
}

