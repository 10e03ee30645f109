/*
 * allocbench plot: reading a run folder, the JSON half: meta.json and the
 * gbench*.json files of Google Benchmark. Both are optional; their absence
 * becomes a note in the report. Split from plot_load.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "plot_run.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pl_meta_load(ab_run *run)
{
    char path[AB_PLOT_PATH + 32];
    ab_fmt(path, sizeof path, "%s/meta.json", run->dir);
    if (access(path, F_OK) != 0) {
        ab_fmt(run->meta_note, sizeof run->meta_note,
                 "meta.json is absent: the machine, compiler and commit of this run "
                 "are unknown.");
        return 0;
    }
    json_error_t jerr;
    run->meta = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (run->meta == NULL) {
        fprintf(stderr, "allocbench plot: %s: line %d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    if (!json_is_object(run->meta)) {
        fprintf(stderr, "allocbench plot: %s:1: expected a JSON object\n", path);
        return -1;
    }
    return 0;
}

/* A member's string value, NULL when absent or not a string. */
static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static double unit_to_ns(const char *unit)
{
    if (unit == NULL || strcmp(unit, "ns") == 0)
        return 1;
    if (strcmp(unit, "us") == 0)
        return 1e3;
    if (strcmp(unit, "ms") == 0)
        return 1e6;
    if (strcmp(unit, "s") == 0)
        return 1e9;
    return NAN;
}

/* The strategy a benchmark name mentions: the first token (split at '/',
   '_', ':', '<', '>', '=', ',') equal to a strategy name. With add, registry
   names not seen elsewhere in the run join the strategy list. */
int pl_gbench_strategy(ab_run *run, const char *name, int add)
{
    char buf[512];
    ab_fmt(buf, sizeof buf, "%s", name);
    for (char *tok = strtok(buf, "/_:<>=, "); tok != NULL; tok = strtok(NULL, "/_:<>=, ")) {
        (void)add; /* names join only through the rows or strategies.csv */
        int k = ab_run_strat(run, tok);
        if (k >= 0)
            return k;
    }
    return -1;
}

static void gbench_add(ab_run *run, const char *file, const char *name, double mean,
                       double err, int reps)
{
    ab_gbench *ng = realloc(run->g, (run->ng + 1) * sizeof *ng);
    if (ng == NULL)
        return;
    run->g = ng;
    ab_gbench *g = &run->g[run->ng++];
    g->file = strdup(file);
    g->name = strdup(name);
    g->family = strdup(name);
    char *slash = strchr(g->family, '/');
    if (slash != NULL)
        *slash = '\0';
    g->mean_ns = mean;
    g->err_ns = err;
    g->reps = reps;
    g->strat = -1;
}

/* One gbench JSON file: aggregates (mean, stddev) when the run had
   repetitions, else the mean and spread of the iteration rows per name. */
static int gbench_file(ab_run *run, const char *dirpath, const char *fname)
{
    char path[AB_PLOT_PATH + 300];
    ab_fmt(path, sizeof path, "%s/%s", dirpath, fname);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL) {
        fprintf(stderr, "allocbench plot: %s: line %d: %s\n", path, jerr.line, jerr.text);
        return -1;
    }
    const json_t *list = json_object_get(j, "benchmarks");
    if (!json_is_array(list)) {
        fprintf(stderr, "allocbench plot: %s:1: no \"benchmarks\" array: not Google "
                        "Benchmark JSON\n", path);
        json_decref(j);
        return -1;
    }
    size_t before = run->ng;
    /* Pass 1: aggregates. */
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *b = json_array_get(list, i), *tm = json_object_get(b, "real_time");
        const char *rt = jstr(b, "run_type"), *an = jstr(b, "aggregate_name");
        const char *rn = jstr(b, "run_name");
        if (rt == NULL || strcmp(rt, "aggregate") != 0 || an == NULL || rn == NULL ||
            !json_is_number(tm))
            continue;
        double scale = unit_to_ns(jstr(b, "time_unit"));
        if (strcmp(an, "mean") == 0) {
            /* A count out of int's range (or not a count) is unknown: 0. */
            double reps = json_number_value(json_object_get(b, "repetitions"));
            gbench_add(run, fname, rn, json_number_value(tm) * scale, 0,
                       reps >= 0 && reps <= INT_MAX ? (int)reps : 0);
        } else if (strcmp(an, "stddev") == 0) {
            for (size_t k = before; k < run->ng; k++)
                if (strcmp(run->g[k].name, rn) == 0)
                    run->g[k].err_ns = json_number_value(tm) * scale;
        }
    }
    if (run->ng == before) {
        /* Pass 2: plain iteration rows, grouped by name. */
        for (size_t i = 0; i < json_array_size(list); i++) {
            const json_t *b = json_array_get(list, i), *tm = json_object_get(b, "real_time");
            const char *nm = jstr(b, "name"), *rt = jstr(b, "run_type");
            if (nm == NULL || !json_is_number(tm) || (rt != NULL && strcmp(rt, "iteration") != 0))
                continue;
            double v = json_number_value(tm) * unit_to_ns(jstr(b, "time_unit"));
            size_t k = before;
            while (k < run->ng && strcmp(run->g[k].name, nm) != 0)
                k++;
            if (k == run->ng) {
                gbench_add(run, fname, nm, v, v * v, 1);
            } else {
                run->g[k].mean_ns += v; /* sums until the pass ends */
                run->g[k].err_ns += v * v;
                run->g[k].reps++;
            }
        }
        for (size_t k = before; k < run->ng; k++) {
            ab_gbench *g = &run->g[k];
            double n = g->reps, mean = g->mean_ns / n;
            double var = n > 1 ? (g->err_ns - n * mean * mean) / (n - 1) : 0;
            g->mean_ns = mean;
            g->err_ns = var > 0 ? sqrt(var) : 0;
        }
    }
    for (size_t k = before; k < run->ng; k++)
        if (isnan(run->g[k].mean_ns)) {
            fprintf(stderr, "allocbench plot: %s: benchmark '%s' has an unknown time_unit\n",
                    path, run->g[k].name);
            json_decref(j);
            return -1;
        }
    if (run->ng == before)
        ab_run_note(run, "%s holds no benchmark results.", fname);
    json_decref(j);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pl_gbench_load(ab_run *run)
{
    DIR *d = opendir(run->dir);
    if (d == NULL) {
        fprintf(stderr, "allocbench plot: %s: cannot open the folder\n", run->dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "gbench", 6) == 0 && len > 5 &&
            strcmp(e->d_name + len - 5, ".json") == 0) {
            char **nn = realloc(names, (n + 1) * sizeof *nn);
            if (nn == NULL)
                break;
            names = nn;
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, name_cmp);
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        if (rc == 0)
            rc = gbench_file(run, run->dir, names[k]);
        free(names[k]);
    }
    free(names);
    if (n == 0)
        ab_fmt(run->gbench_note, sizeof run->gbench_note,
                 "No Google Benchmark output (gbench*.json) in this run: its plot is "
                 "not drawn.");
    return rc;
}
