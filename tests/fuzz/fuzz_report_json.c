/*
 * libFuzzer harness: the report's JSON readers. The first byte picks one:
 *   0  report/plot_json.c's own parser (ab_json_parse, hyperfine JSON);
 *   1  meta.json as the report reads it (jansson), then the cells' use of it
 *      (tsc_hz, timer_quantum_cycles: ab_cells_build);
 *   2  a Google Benchmark file, gbench_fuzz.json, as the report reads it.
 * The rest is the text. Modes 1 and 2 write it into one scratch run folder
 * per process and call ab_run_load_json (plot_load.c) on that folder.
 *
 * Mode 0: a parsed tree has keys exactly on object members, a text on every
 * string, number and boolean, and ab_json_get finds each member name; a
 * refusal says "line N: reason". Modes 1 and 2: on success meta is an
 * object, and every benchmark has a name, a family that begins it, its file
 * and a mean that is a number; on failure stderr names the file.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_NAME "fuzz_report_json"
#include "fuzz_tmpfile.h"
#include "cells.h"
#include "plot_json.h"
#include "plot_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks j and its siblings, and their children (the parser bounds the
   depth at AB_JSON_MAX_DEPTH, so the recursion is bounded too). */
static void tree_check(const ab_json *j, int in_obj, int depth)
{
    FZ_REQUIRE(depth <= AB_JSON_MAX_DEPTH + 1, "depth %d past the parser's bound", depth);
    for (; j != NULL; j = j->next) {
        FZ_REQUIRE(j->type <= AB_JOBJ, "node type %d", (int)j->type);
        FZ_REQUIRE((j->key != NULL) == in_obj, "a key %s outside an object",
                   in_obj ? "missing" : "present");
        if (j->type == AB_JSTR || j->type == AB_JNUM || j->type == AB_JBOOL)
            FZ_REQUIRE(j->str != NULL, "a scalar of type %d has no text", (int)j->type);
        if (j->type == AB_JNUM)
            FZ_REQUIRE(!isnan(j->num), "a number reads NaN ('%s')", j->str);
        if (j->type != AB_JARR && j->type != AB_JOBJ)
            FZ_REQUIRE(j->child == NULL, "a scalar has children");
        for (const ab_json *m = j->child; j->type == AB_JOBJ && m != NULL; m = m->next) {
            const ab_json *g = ab_json_get(j, m->key);
            FZ_REQUIRE(g != NULL && strcmp(g->key, m->key) == 0, "member '%s' not found",
                       m->key);
        }
        tree_check(j->child, j->type == AB_JOBJ, depth + 1);
    }
}

static void parse_one(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FZ_REQUIRE(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256];
    err[0] = '\0';
    ab_json *j = ab_json_parse(text, err, sizeof err);
    if (j != NULL) {
        FZ_REQUIRE(j->next == NULL, "the root has a sibling");
        tree_check(j, 0, 0);
        FZ_REQUIRE(ab_json_get(j, "") == NULL || j->type == AB_JOBJ, "get on a non-object");
        ab_json_free(j);
    } else {
        FZ_REQUIRE(strncmp(err, "line ", 5) == 0, "a refusal without its line: '%s'", err);
    }
    free(text);
}

static void run_check(const ab_run *run, int meta)
{
    if (meta) {
        FZ_REQUIRE(json_is_object(run->meta), "meta.json accepted but not an object");
        ab_cells cs;
        FZ_REQUIRE(ab_cells_build(run, &cs) == 0, "ab_cells_build failed");
        FZ_REQUIRE(cs.tsc_hz >= 0 && cs.quantum_ns >= 0 && !isnan(cs.quantum_ns),
                   "tsc_hz %g, quantum %g ns", cs.tsc_hz, cs.quantum_ns);
        FZ_REQUIRE(memchr(cs.quantum_from, '\0', sizeof cs.quantum_from) != NULL,
                   "quantum_from is not a string");
        ab_cells_free(&cs);
        return;
    }
    for (size_t k = 0; k < run->ng; k++) {
        const ab_gbench *g = &run->g[k];
        FZ_REQUIRE(g->name != NULL && g->family != NULL && g->file != NULL,
                   "benchmark %zu lacks a name, family or file", k);
        FZ_REQUIRE(strncmp(g->name, g->family, strlen(g->family)) == 0,
                   "family '%s' does not begin '%s'", g->family, g->name);
        FZ_REQUIRE(strcmp(g->file, "gbench_fuzz.json") == 0, "file '%s'", g->file);
        FZ_REQUIRE(!isnan(g->mean_ns), "benchmark '%s' has a NaN mean", g->name);
    }
}

static void load_one(const uint8_t *data, size_t size, int meta)
{
    const char *dir = fz_scratch_dir(FZ_NAME);
    char mpath[128], gpath[128];
    snprintf(mpath, sizeof mpath, "%s/meta.json", dir);
    snprintf(gpath, sizeof gpath, "%s/gbench_fuzz.json", dir);
    fz_file_put(FZ_NAME, meta ? mpath : gpath, data, size);
    unlink(meta ? gpath : mpath);

    static ab_run run;
    memset(&run, 0, sizeof run);
    snprintf(run.dir, sizeof run.dir, "%s", dir);
    /* The loader reports on stderr: catch it to check it names the file (the
       sanitizers write to fd 2 directly, so a crash report still shows). */
    static char said[4096];
    memset(said, 0, sizeof said);
    FILE *cap = fmemopen(said, sizeof said - 1, "w");
    FZ_REQUIRE(cap != NULL, "fmemopen failed");
    FILE *real = stderr;
    stderr = cap;
    int rc = ab_run_load_json(&run);
    stderr = real;
    fclose(cap);
    if (rc == 0)
        run_check(&run, meta);
    else
        FZ_REQUIRE(strstr(said, meta ? mpath : gpath) != NULL,
                   "the message does not name the file: '%s'", said);
    ab_run_free(&run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3u) {
    case 0: parse_one(data + 1, size - 1); break;
    case 1: load_one(data + 1, size - 1, 1); break;
    default: load_one(data + 1, size - 1, 0); break;
    }
    return 0;
}
