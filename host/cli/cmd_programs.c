/*
 * allocbench programs | heapscale | record: real programs on the heaps.
 * The option tables and their parsing; the work is in host/programs/.
 */
#include <stdio.h>
#include <string.h>

#include "allocbench/registry.h"
#include "cli.h"
#include "commands.h"
#include "heapscale.h"
#include "host.h"
#include "programs.h"
#include "record.h"

/* ---- heapscale --------------------------------------------------------- */

enum { HS_QUICK, HS_OUT, HS_STRATEGY, HS_OPS, HS_SEED };

static const cli_opt hs_opts[] = {
    [HS_QUICK] = {"quick", 'q', NULL, "counts up to 10000, 5000 steps each (a few seconds)"},
    [HS_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest)"},
    [HS_STRATEGY] = {"strategy", 's', "S", "the page strategy under the heaps (default buddy)"},
    [HS_OPS] = {"ops", 0, "N", "steps per count (default 20000)"},
    [HS_SEED] = {"seed", 0, "N", "PRNG seed, decimal (default 1)"},
};

static const cli_spec hs_spec = {
    "heapscale", "[options]",
    "Malloc time against the number of live chunks, for every heap of heaps/ (the\n"
    "firstfit heap's first fit walks its chunks; the slab heap's malloc is O(1)).\n"
    "For each count of live chunks (10, 100, 1000, 10000, and 100000 without --quick)\n"
    "the heap keeps that many blocks of 16..512 B live over the page strategy and runs\n"
    "N steps, each a timed malloc then a timed free of a random live block.\n"
    "Writes DIR/heapscale.csv (docs/results.md), which `allocbench plot` draws.\n",
    hs_opts, CLI_NOPTS(hs_opts), NULL, false, 0};

typedef struct hs_args {
    int quick;
    const char *out, *sname;
    uint64_t ops, seed;
} hs_args;

static int hs_apply(void *ctx, int k, const char *v)
{
    hs_args *a = ctx;
    switch (k) {
    case HS_QUICK: a->quick = 1; return 0;
    case HS_OUT: a->out = v; return 0;
    case HS_STRATEGY: a->sname = v; return 0;
    case HS_OPS: return cli_u64_pos("heapscale", "ops", v, &a->ops);
    default: return cli_u64("heapscale", "seed", v, &a->seed);
    }
}

int cmd_heapscale(int argc, char **argv)
{
    hs_args a = {0, NULL, "buddy", 0, 1};
    cli_parser p;
    int rc = cli_parse(&p, &hs_spec, argc, argv, hs_apply, &a);
    if (rc >= 0)
        return rc;
    const ab_strategy *st = ab_registry_find(a.sname);
    if (st == NULL || (st->caps & AB_CAP_CONTIG) == 0)
        return cli_usage("heapscale", "--strategy: '%s' is not a strategy that serves contiguous "
                         "runs (bitmap, buddy, freelist, hier2m)", a.sname);
    char dir[4096], path[4200], err[512];
    if ((rc = cli_run_dir("heapscale", a.out, dir, sizeof dir)) != 0)
        return rc;
    hbuf b = {0};
    if (hr_heapscale(st, hr_heapscale_counts, a.quick ? 4 : 5, a.ops ? a.ops : a.quick ? 5000 : 20000,
                     a.seed, &b, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench heapscale: %s\n", err);
        hbuf_free(&b);
        return 1;
    }
    snprintf(path, sizeof path, "%s/heapscale.csv", dir);
    int bad = host_write_atomic(path, b.p, b.len);
    hbuf_free(&b);
    if (bad) {
        fprintf(stderr, "allocbench heapscale: cannot write %s\n", path);
        return 1;
    }
    fprintf(stderr, "allocbench heapscale: results in %s\n", path);
    return 0;
}

/* ---- record ------------------------------------------------------------ */

static const cli_opt rec_opts[] = {
    {"out", 'o', "FILE", "the command's own trace; FILE.<program>.<pid>.abt for every\n"
                         "recorded process, listed in FILE.index.tsv"},
};

static const cli_spec rec_spec = {
    "record", "-o FILE -- CMD [ARGS...]",
    "Runs CMD under libab_mtrace.so (LD_PRELOAD), which records every malloc-family\n"
    "call as a malloc trace (.abt, docs/heaps.md). Each process CMD becomes or starts\n"
    "(fork, exec; a wrapper script's programs too) writes FILE.<program>.<pid>.abt and a\n"
    "line of FILE.index.tsv: pid, ppid, program, argv0, file. FILE is CMD's own trace.\n"
    "Replay with: allocbench run --workload mtrace:FILE --strategy buddy --mem 1G\n",
    rec_opts, CLI_NOPTS(rec_opts), "Exit status: CMD's.\n", true, 0};

int cmd_record(int argc, char **argv)
{
    const char *out = NULL, *v;
    cli_parser p;
    int k;
    cli_begin(&p, &rec_spec, argc, argv);
    while ((k = cli_next(&p, &v)) >= 0)
        out = v;
    if (k != CLI_DONE)
        return cli_status(k);
    if (out == NULL)
        return cli_usage("record", "%s is required", "-o");
    if (p.optind >= argc)
        return cli_usage("record", "%s", "no command after --");
    return record_run(out, argv + p.optind);
}

/* ---- programs ---------------------------------------------------------- */

enum { PR_QUICK, PR_OUT, PR_HEAPS, PR_RUNS };

static const cli_opt pr_opts[] = {
    [PR_QUICK] = {"quick", 'q', NULL, "smaller inputs (50000 entries), --runs 2 unless given, heapscale\n"
                                      "up to 10000 chunks: about 30-60 s on 2 cores"},
    [PR_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest); an\n"
                                   "existing run's folder is fine (allocbench plot shows both);\n"
                                   "one this command was stopped in is resumed"},
    [PR_HEAPS] = {"heaps", 0, "LIST", "comma-separated allocators (default: every heap, jemalloc, glibc)"},
    [PR_RUNS] = {"runs", 0, "N", "hyperfine runs per program x allocator (default 10)"},
};

static const cli_spec pr_spec = {
    "programs", "[options]",
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
    "  perl    perl -e: 200000 hash inserts, two thirds deleted again\n",
    pr_opts, CLI_NOPTS(pr_opts),
    "Kill anywhere: run it again with the same --out and it resumes. A program is the\n"
    "unit: the programs DIR/programs.csv has under every allocator asked for are kept,\n"
    "not measured again (use a new --out to measure again), and so are heapscale.csv\n"
    "and heappairs.csv. SIGINT/SIGTERM stop it after the last finished program's\n"
    "files are safe (the running one is dropped), saying how to resume.\n"
    "Columns: docs/results.md. Exit status 1 if a row of DIR/programs.csv failed,\n"
    "130/143 if SIGINT/SIGTERM stopped it.\n",
    false, 0};

static int pr_apply(void *ctx, int k, const char *v)
{
    programs_opts *o = ctx;
    uint64_t runs;
    if (k == PR_QUICK)
        o->quick = 1;
    else if (k == PR_OUT)
        o->out = v;
    else if (k == PR_HEAPS)
        o->heaps = v;
    else if (args_u64_range(v, 1, 1000, &runs) != NULL)
        return cli_usage("programs", "--runs: '%s' is not a count from 1 to 1000", v);
    else
        o->runs = (int)runs;
    return 0;
}

int cmd_programs(int argc, char **argv)
{
    programs_opts o = {0, 0, NULL, NULL, argc, argv};
    cli_parser p;
    int rc = cli_parse(&p, &pr_spec, argc, argv, pr_apply, &o);
    if (rc >= 0)
        return rc;
    if (o.runs == 0)
        o.runs = o.quick ? 2 : 10;
    return programs_run(&o);
}
