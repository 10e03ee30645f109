/*
 * allocbench programs: hyperfine times a program under every allocator
 * whose checked run passed (--warmup 1 --runs N, one JSON per program),
 * and its JSON fills the rows' median, stddev, min, max and runs.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "file.h"
#include "plot_json.h"
#include "process.h"
#include "programs_int.h"

/* hyperfine's argv: the fixed flags, then a named `env LD_PRELOAD=... prog`
   command per wanted allocator (its text in cmds[k]). */
static void hyperfine_argv(const program *p, const allocator *al, size_t nal, const int *want,
                           char **argv, hbuf *cmds, char *runs_s, char *json)
{
    size_t a = 0;
    static const char *const fixed[] = {"hyperfine", "-N", "--style", "basic", "--warmup", "1",
                                        "--runs"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[a++] = (char *)fixed[i];
    argv[a++] = runs_s;
    argv[a++] = "--export-json";
    argv[a++] = json;
    for (size_t k = 0; k < nal; k++) {
        if (!want[k])
            continue;
        hbuf_write(&cmds[k], "env", 3);
        if (al[k].preload[0] != '\0') {
            char pre[4200];
            pr_fmt(pre, sizeof pre, "LD_PRELOAD=%s", al[k].preload);
            hbuf_write(&cmds[k], " ", 1);
            hbuf_sh_quote(&cmds[k], pre);
        }
        for (size_t i = 0; p->argv[i] != NULL; i++) {
            hbuf_write(&cmds[k], " ", 1);
            hbuf_sh_quote(&cmds[k], p->argv[i]);
        }
        argv[a++] = "--command-name";
        argv[a++] = (char *)al[k].name;
        argv[a++] = cmds[k].p;
    }
    argv[a] = NULL;
}

/* The results of one hyperfine command into its row. */
static void hyperfine_row(const ab_json *r, row *dst)
{
    const char *keys[] = {"median", "stddev", "min", "max"};
    double *val[] = {&dst->median, &dst->stddev, &dst->min, &dst->max};
    for (size_t q = 0; q < 4; q++) {
        const ab_json *v = ab_json_get(r, keys[q]);
        *val[q] = v != NULL && v->type == AB_JNUM ? v->num : NAN;
    }
    const ab_json *times = ab_json_get(r, "times");
    int n = 0;
    for (const ab_json *t = times != NULL ? times->child : NULL; t != NULL; t = t->next)
        n++;
    dst->runs = n;
}

/* Reads hyperfine's JSON (at path; named json in why) into the wanted rows.
   0, or -1 with why. */
static int hyperfine_read(const char *path, const char *json, const allocator *al, size_t nal,
                          const int *want, row *rows, char *why, size_t len)
{
    char *text = host_read_file(path, NULL);
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
        for (size_t k = 0; c != NULL && c->str != NULL && k < nal; k++)
            if (want[k] && strcmp(al[k].name, c->str) == 0)
                hyperfine_row(r, &rows[k]);
    }
    ab_json_free(j);
    return 0;
}

int hyperfine_program(const program *p, const allocator *al, size_t nal, const int *want,
                      row *rows, int runs, const char *dir, char *why, size_t len)
{
    char json[4300], tmp[4400], runs_s[32];
    pr_fmt(json, sizeof json, "%s/hyperfine-%s.json", dir, p->name);
    /* hyperfine writes its JSON in place: under a temporary name, renamed
       once read, so a kill never leaves half of one under the real name */
    pr_fmt(tmp, sizeof tmp, "%s.tmp.%ld", json, (long)getpid());
    pr_fmt(runs_s, sizeof runs_s, "%d", runs);
    char *argv[12 + 3 * MAX_ALLOCS];
    hbuf cmds[MAX_ALLOCS];
    memset(cmds, 0, sizeof cmds);
    hyperfine_argv(p, al, nal, want, argv, cmds, runs_s, tmp);
    unlink(json);
    /* hyperfine's report goes with the progress, on stderr */
    hproc h = {.argv = argv, .out_to_err = true};
    int ok = pr_child_run(&h, 0) == HPROC_EXITED;
    int code = ok ? hproc_exit_code(&h) : -1;
    for (size_t k = 0; k < nal; k++)
        hbuf_free(&cmds[k]);
    if (code != 0) {
        unlink(tmp);
        pr_fmt(why, len, "hyperfine %s (exit %d)", code == 127 ? "not found (Debian: hyperfine)"
                                                                : "failed", code);
        return -1;
    }
    if (hyperfine_read(tmp, json, al, nal, want, rows, why, len) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, json) != 0) {
        unlink(tmp);
        pr_fmt(why, len, "cannot write %s", json);
        return -1;
    }
    return 0;
}
