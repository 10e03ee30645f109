/*
 * allocbench run: one cell (strategy x workload x memory size) on the host,
 * its rows added to a run folder (run_out.h: never truncated; the same cell
 * again is its next rep).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/heap.h"
#include "allocbench/registry.h"
#include "baselines.h"
#include "cli.h"
#include "commands.h"
#include "heaprun.h"
#include "host.h"
#include "run_out.h"
#include "trace.h"

enum { O_STRATEGY, O_WORKLOAD, O_HEAP, O_MEM, O_FILL, O_SEED, O_ROLE, O_OPS, O_OUT, O_FORCE };

static const cli_opt opts[] = {
    [O_STRATEGY] = {"strategy", 's', "S", "a name from `allocbench list`"},
    [O_WORKLOAD] = {"workload", 'w', "W",
                    "bulk, repeat, rand, churn, sizes, huge, adversary; the VMM ones\n"
                    "fix_size, full_fit, long_busy_list, random_size, fix_align,\n"
                    "random_size_align, align_shift (`allocbench list`); or trace:FILE\n"
                    "(replay a page trace, docs/traces.md; --role defaults to the\n"
                    "trace's '# role:' line; --mem must hold the trace's peak),\n"
                    "or mtrace:FILE (replay a malloc trace, .abt of docs/heaps.md, on\n"
                    "the heaps of heaps/ over strategy S with a --mem window: rows\n"
                    "HEAP@S, role heap, ops malloc..free; footprint/live in mtrace.csv)"},
    [O_HEAP] = {"heap", 0, "H|all", "mtrace: the heap (default all: every heap of heaps/heaps.def)"},
    [O_MEM] = {"mem", 'm', "SIZE", "managed memory: 64M, 16G, 4096K, 1T or bytes (multiple of 4 KiB)"},
    [O_FILL] = {"fill", 'f', "F", "fill level: 0.9 or 90% (default: the workload's)"},
    [O_SEED] = {"seed", 0, "N", "PRNG seed, decimal (default 1)"},
    [O_ROLE] = {"role", 0, "pmm|vmm", "pmm: a PC-like map with holes; vmm: one window (default pmm)"},
    [O_OPS] = {"ops", 0, "N", "steady-state operations (repeat/churn/sizes/huge; default 1000000)"},
    [O_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest)"},
    [O_FORCE] = {"force", 0, NULL,
                 "if a CSV in DIR has another header, keep it as FILE.old and start anew"},
};

static const cli_spec spec = {
    "run", "--strategy S --workload W --mem SIZE [options]",
    "Runs one cell and adds its rows to summary.csv and frag.csv in the run dir, and\n"
    "writes meta.json. An existing run dir keeps its rows: the cell's rows are added\n"
    "below them, and a cell already there (same env, strategy, role, workload, size,\n"
    "fill, threads, seed) gets the next free rep.\n",
    opts, CLI_NOPTS(opts), NULL, false, 0};

typedef struct run_args {
    const char *S, *W, *out, *heap;
    bool role_given, force;
    host_cell c;
} run_args;

static int opt_apply(void *ctx, int k, const char *v)
{
    run_args *a = ctx;
    switch (k) {
    case O_STRATEGY: a->S = v; return 0;
    case O_WORKLOAD: a->W = v; return 0;
    case O_HEAP: a->heap = v; return 0;
    case O_OUT: a->out = v; return 0;
    case O_FORCE: a->force = true; return 0;
    case O_MEM: return cli_mem("run", "mem", v, &a->c.mem_bytes);
    case O_SEED: return cli_u64("run", "seed", v, &a->c.seed);
    case O_OPS: return cli_u64_pos("run", "ops", v, &a->c.ops);
    case O_FILL:
        if ((a->c.fill_pm = host_parse_fill(v)) == 0)
            return cli_usage("run", "--fill: '%s' is not a fill level in (0, 1] (e.g. 0.9 or 90%%)", v);
        return 0;
    default: /* O_ROLE */
        a->role_given = true;
        if (strcmp(v, "pmm") != 0 && strcmp(v, "vmm") != 0)
            return cli_usage("run", "--role: '%s' is not pmm or vmm", v);
        a->c.role_vmm = !strcmp(v, "vmm");
        return 0;
    }
}


/* The heap (NULL: all) and the strategy of an mtrace run; 0 or 2. */
static int mtrace_check(const run_args *a, const ab_strategy **st, const ab_heap **one)
{
    *st = ab_registry_find(a->S);
    if (*st == NULL)
        return cli_usage("run", "--strategy: unknown strategy '%s' (see allocbench list)", a->S);
    if (((*st)->caps & AB_CAP_CONTIG) == 0)
        return cli_usage("run", "--strategy: '%s' serves single pages only; a heap needs "
                         "contiguous runs (bitmap, buddy, freelist, hier2m)", a->S);
    if (a->W[6] != ':' || a->W[7] == '\0')
        return cli_usage("run", "--workload: '%s' needs a file: mtrace:FILE", a->W);
    *one = NULL;
    if (a->heap != NULL && strcmp(a->heap, "all") != 0 && (*one = ab_heap_find(a->heap)) == NULL)
        return cli_usage("run", "--heap: unknown heap '%s' (heaps/heaps.def, or all)", a->heap);
    return 0;
}

/* Replays t on each heap (or one) into sum and heaps; how many failed. */
static int mtrace_replay_all(const run_args *a, const hr_mtrace *t, const ab_strategy *st,
                             const ab_heap *one, hbuf *sum, hbuf *heaps)
{
    size_t nheaps;
    const ab_heap *const *all = ab_heap_registry(&nheaps);
    const char *file = a->W + 7;
    char mem_s[32];
    host_format_size(a->c.mem_bytes, mem_s, sizeof mem_s);
    int bad_cells = 0;
    for (size_t k = 0; k < nheaps; k++) {
        if (one != NULL && all[k] != one)
            continue;
        fprintf(stderr, "allocbench run: mtrace %s (%zu records) on %s@%s, %s window ...\n",
                file, t->nrec, all[k]->name, st->name, mem_s);
        char msg[256];
        ab_wl_outcome oc = hr_mtrace_replay(t, file, all[k], st, a->c.mem_bytes, a->c.seed, sum,
                                            heaps, msg, sizeof msg);
        if (oc != AB_WL_OK) {
            fprintf(stderr, "allocbench run: %s@%s: %s: %s\n", all[k]->name, st->name,
                    ab_outcome_name(oc), msg);
            bad_cells++;
        }
    }
    return bad_cells;
}

/* Adds the rows to dir and writes meta.json; 0 or 1 (reason printed). */
static int results_commit(const run_args *a, const char *dir, hbuf *sum, hbuf *frag,
                          hbuf *hist, hbuf *heaps)
{
    run_file files[3] = {
        {"summary.csv", sum, 8, 8},
        {"frag.csv", frag, 6, 6},
    };
    int n = 2;
    if (hist != NULL)
        files[n++] = (run_file){"hist.csv", hist, 8, 8};
    if (heaps != NULL)
        files[n++] = (run_file){"mtrace.csv", heaps, -1, 0};
    int bad = run_out_commit("run", dir, files, n, a->force);
    if (!bad && host_write_meta(dir, NULL) != 0) {
        fprintf(stderr, "allocbench run: cannot write %s/meta.json\n", dir);
        bad = 1;
    }
    return bad;
}

/* --workload mtrace:FILE: the malloc trace replayed on each heap. */
static int run_mtrace(const run_args *a)
{
    const ab_strategy *st;
    const ab_heap *one;
    int rc = mtrace_check(a, &st, &one);
    if (rc != 0)
        return rc;
    hr_mtrace t;
    char err[512], dir[4096];
    if (hr_mtrace_load(a->W + 7, &t, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench run: --workload: %s\n", err);
        return 1;
    }
    if ((rc = cli_run_dir("run", a->out, dir, sizeof dir)) != 0) {
        hr_mtrace_free(&t);
        return rc;
    }
    hbuf sum = {0}, frag = {0}, heaps = {0};
    ab_out so = {hbuf_write, &sum}, fo = {hbuf_write, &frag};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    hr_mtrace_csv_header(&heaps);
    int bad_cells = mtrace_replay_all(a, &t, st, one, &sum, &heaps);
    hr_mtrace_free(&t);
    int bad = results_commit(a, dir, &sum, &frag, NULL, &heaps);
    fputs(sum.p, stdout);
    fputs(heaps.p, stdout);
    hbuf_free(&sum);
    hbuf_free(&frag);
    hbuf_free(&heaps);
    if (bad)
        return 1;
    fprintf(stderr, "allocbench run: %s; results in %s\n", bad_cells ? "FAILED" : "ok", dir);
    return bad_cells ? 1 : 0;
}

/* --workload trace:FILE into a->c; 0, 1 (unreadable) or 2 (too big). */
static int trace_prepare(run_args *a, trace *tr)
{
    char err[512];
    if (strncmp(a->W, "trace:", 6) != 0 || a->W[6] == '\0')
        return cli_usage("run", "--workload: '%s' needs a file: trace:FILE", a->W);
    if (trace_load(a->W + 6, tr, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench run: --workload: %s\n", err);
        return 1;
    }
    uint64_t pages = a->c.mem_bytes / AB_PAGE_BYTES;
    if (tr->peak_pages > pages) {
        char mem[32];
        host_format_size(a->c.mem_bytes, mem, sizeof mem);
        fprintf(stderr, "allocbench run: --mem: %s holds %llu pages; %s needs %llu at its peak\n"
                "(see: allocbench run --help)\n", mem, (unsigned long long)pages, a->W + 6,
                (unsigned long long)tr->peak_pages);
        return 2;
    }
    if (!a->role_given && tr->role >= 0)
        a->c.role_vmm = tr->role;
    a->c.trace = tr->recs;
    a->c.trace_len = tr->len;
    a->c.trace_ids = tr->ids;
    return 0;
}

/* Checks strategy and workload; 0 or 2. */
static int cell_check(run_args *a)
{
    if (a->heap != NULL)
        return cli_usage("run", "--heap: '%s' needs --workload mtrace:FILE", a->heap);
    if ((a->c.st = host_find(a->S)) == NULL)
        return cli_usage("run", "--strategy: unknown strategy '%s' (see allocbench list)", a->S);
    a->c.kind = strncmp(a->W, "trace:", 6) ? ab_workload_parse(a->W) : AB_WL_TRACE;
    if (a->c.kind == AB_WL_COUNT)
        return cli_usage("run", "--workload: unknown workload '%s' (see allocbench list)", a->W);
    return 0;
}

/* Runs the cell into dir; the exit status. */
static int cell_run(run_args *a, const char *dir)
{
    hbuf sum = {0}, frag = {0}, hist = {0};
    ab_out so = {hbuf_write, &sum}, fo = {hbuf_write, &frag}, ho = {hbuf_write, &hist};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    ab_csv_hist_header(&ho);
    a->c.hist = &hist;
    char msg[200], mem[32];
    host_format_size(a->c.mem_bytes, mem, sizeof mem);
    fprintf(stderr, "allocbench run: %s %s %s %s ...\n", a->c.st->name,
            a->c.role_vmm ? "vmm" : "pmm", ab_workload_name(a->c.kind), mem);
    ab_wl_outcome oc = host_run_cell(&a->c, &sum, &frag, msg, sizeof msg);
    int bad = results_commit(a, dir, &sum, &frag, &hist, NULL);
    fputs(sum.p, stdout);
    uint64_t failures = a->c.kind == AB_WL_TRACE ? trace_csv_failures(sum.p) : 0;
    if (failures != 0)
        fprintf(stderr, "allocbench run: %llu trace allocation(s) failed with ENOMEM (column "
                "failures; their frees skipped)\n", (unsigned long long)failures);
    hbuf_free(&sum);
    hbuf_free(&frag);
    hbuf_free(&hist);
    if (bad)
        return 1;
    /* Only now are the rows on disk: say where they are. */
    fprintf(stderr, "allocbench run: %s%s%s; results in %s\n", ab_outcome_name(oc),
            msg[0] ? ": " : "", msg, dir);
    return oc == AB_WL_OK || oc == AB_WL_SKIPPED ? 0 : 1;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {0};
    a.c.seed = 1;
    cli_parser p;
    int rc = cli_parse(&p, &spec, argc, argv, opt_apply, &a);
    if (rc >= 0)
        return rc;
    if ((rc = cli_require_cell("run", a.S != NULL, a.W != NULL, a.c.mem_bytes != 0)) != 0)
        return rc;
    if (!strncmp(a.W, "mtrace:", 7) || !strcmp(a.W, "mtrace"))
        return run_mtrace(&a);
    if ((rc = cell_check(&a)) != 0)
        return rc;
    trace tr = {0};
    char dir[4096];
    if (a.c.kind == AB_WL_TRACE && (rc = trace_prepare(&a, &tr)) != 0) {
        trace_free(&tr);
        return rc;
    }
    if ((rc = cli_run_dir("run", a.out, dir, sizeof dir)) == 0)
        rc = cell_run(&a, dir);
    trace_free(&tr);
    return rc;
}
