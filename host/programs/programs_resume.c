/*
 * allocbench programs: kill anywhere. The unit is a program (its checked
 * runs under every allocator and one hyperfine over them), then
 * heapscale.csv, then heappairs.csv. A program is done iff programs.csv has
 * a row for it under every allocator asked for; programs.csv is rewritten
 * whole (tmp + rename) after each program, so a kill leaves the rows of the
 * programs finished before it, never half a row. SIGINT and SIGTERM kill
 * the running child's process group, drop the unit it belonged to, and the
 * run stops saying how to resume. Children die with the run (their group's
 * watcher, host/lib/process.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "programs_int.h"
#include "process.h"

/* The signal that asked the run to stop, and the running child's group:
   the handler's only state. */
static volatile sig_atomic_t stop_signal;
static volatile pid_t child_group;

static void on_stop(int sig)
{
    stop_signal = sig;
    pid_t g = child_group;
    if (g > 0)
        kill(-g, SIGKILL);
}

void pr_signals_catch(void)
{
    hproc_on_stop(on_stop, 1);
}

int pr_stop_signal(void)
{
    return stop_signal;
}

hproc_end pr_child_run(hproc *h, double timeout_s)
{
    h->own_group = true;
    h->die_with_parent = true;
    if (stop_signal) {
        errno = EINTR;
        return HPROC_ERROR;
    }
    if (hproc_spawn(h) != 0)
        return HPROC_ERROR;
    child_group = h->pid;
    if (stop_signal)
        kill(-h->pid, SIGKILL);
    hproc_end e = hproc_wait(h, timeout_s);
    child_group = 0;
    return e;
}

/* ---- programs.csv, as rows kept across sessions ------------------------ */

static size_t commas(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += s[i] == ',';
    return c;
}

/* The length of "program,allocator," at the start of line, or 0. */
static size_t key_len(const char *line)
{
    const char *c = strchr(line, ',');
    c = c != NULL ? strchr(c + 1, ',') : NULL;
    return c != NULL ? (size_t)(c - line) + 1 : 0;
}

static int table_add(pr_table *t, char *line)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        char **l = realloc(t->line, cap * sizeof *l);
        if (l == NULL) {
            free(line);
            return -1;
        }
        t->line = l;
        t->cap = cap;
    }
    t->line[t->n++] = line;
    return 0;
}

int pr_table_load(pr_table *t, const char *path, const char *header)
{
    memset(t, 0, sizeof *t);
    size_t len;
    char *text = host_read_file(path, &len);
    if (text == NULL)
        return errno == ENOENT ? 0 : -1;
    size_t hl = strlen(header), fields = commas(header, hl);
    int rc = 0;
    if (len < hl || strncmp(text, header, hl) != 0 || (text[hl] != '\n' && text[hl] != '\0')) {
        rc = 1; /* another schema: its rows are not this version's */
    } else {
        for (char *l = text + hl; *l != '\0';) {
            l += *l == '\n';
            char *e = strchr(l, '\n');
            size_t n = e != NULL ? (size_t)(e - l) : strlen(l);
            if (n > 0 && commas(l, n) == fields && key_len(l) > 0) {
                char *line = strndup(l, n);
                if (line == NULL || table_add(t, line) != 0) {
                    rc = -1;
                    break;
                }
            }
            l += n;
        }
    }
    free(text);
    return rc;
}

/* The index of the row keyed program,allocator, or t->n. */
static size_t table_find(const pr_table *t, const char *key, size_t klen)
{
    size_t i = 0;
    while (i < t->n && !(key_len(t->line[i]) == klen && strncmp(t->line[i], key, klen) == 0))
        i++;
    return i;
}

int pr_table_has(const pr_table *t, const char *prog, const char *alloc)
{
    char key[256];
    pr_fmt(key, sizeof key, "%s,%s,", prog, alloc);
    return table_find(t, key, strlen(key)) < t->n;
}

int pr_table_put(pr_table *t, const char *line)
{
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        n--;
    char *copy = strndup(line, n);
    size_t k = key_len(line);
    if (copy == NULL || k == 0) {
        free(copy);
        return -1;
    }
    size_t i = table_find(t, line, k);
    if (i == t->n)
        return table_add(t, copy);
    free(t->line[i]);
    t->line[i] = copy;
    return 0;
}

int pr_table_write(const pr_table *t, const char *path, const char *header, hbuf *csv)
{
    csv->len = 0;
    hbuf_printf(csv, "%s\n", header);
    for (size_t i = 0; i < t->n; i++)
        hbuf_printf(csv, "%s\n", t->line[i]);
    return path == NULL ? 0 : host_write_atomic(path, csv->p, csv->len);
}

int pr_table_failed(const pr_table *t)
{
    int failed = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *status = strrchr(t->line[i], ',');
        failed |= status != NULL && strncmp(status + 1, "failed", 6) == 0;
    }
    return failed;
}

void pr_table_free(pr_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->line[i]);
    free(t->line);
    memset(t, 0, sizeof *t);
}

/* ---- the closing line of a stopped run ---------------------------------- */

void pr_stopped_say(const programs_opts *o, const char *dir, const char *last)
{
    hbuf cmd = {0};
    int has_out = 0;
    hbuf_printf(&cmd, "allocbench");
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        has_out |= !strcmp(a, "--out") || !strncmp(a, "--out=", 6) || !strncmp(a, "-o", 2);
        hbuf_write(&cmd, " ", 1);
        hbuf_sh_quote(&cmd, a);
    }
    if (!has_out) {
        hbuf_printf(&cmd, " --out ");
        hbuf_sh_quote(&cmd, dir);
    }
    int sig = pr_stop_signal();
    fprintf(stderr, "allocbench programs: %s: stopped after %s; resume with: %s\n",
            strsignal(sig), last != NULL ? last : "program (none)", cmd.p);
    hbuf_free(&cmd);
}
