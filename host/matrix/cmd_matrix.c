/*
 * allocbench matrix | cell: the command lines (merge's is in merge.c).
 * Work is in matrix.c, the plan in plan.c, the cells in matrix.def.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_matrix.h"
#include "matrix.h"

static const char matrix_help[] =
    "usage: allocbench matrix [--quick] [filters] [--reps N] [--out DIR] [--list | --dry-run]\n"
    "\n"
    "Runs the cells of matrix.def (the source tree's, or --matrix FILE): strategies x\n"
    "workloads x sizes x fills x threads, host and kernel, each repetition in a fresh\n"
    "process, and writes summary.csv, frag.csv, failures.csv (failed cells),\n"
    "memprobe.csv (first: one random load's latency per buffer size, up to the\n"
    "largest metadata of the run; allocbench memprobe --help) and meta.json to the\n"
    "run dir. It measures; it judges nothing (allocbench report\n"
    "--check does). Re-running on the same --out DIR keeps finished cells; SIGINT or\n"
    "SIGTERM stop it after the current cell's files are safe. Managed memory is\n"
    "simulated: only metadata is allocated.\n"
    "  --quick           the short matrix (64M, a few large cells, 3 reps)\n"
    "  --host-only       leave out the kernel cells (QEMU tcg) and their host twins\n"
    "  --strategy S      only these strategies: names or selectors (all, core, base, front, contig,\n"
    "                    huge2m, threadsafe, hostonly; !S excludes)\n"
    "  --workload W      only these workloads (gbench: the Google Benchmark step)\n"
    "  --mem SIZE        only these sizes (64M, 16G, ...)\n"
    "  --role R          only pmm or vmm cells\n"
    "                    (filters repeat and take comma lists: --strategy buddy,bitmap)\n"
    "  --reps N          repetitions per cell (default: quick 3, full 5); rep r runs\n"
    "                    with seed = --seed + r\n"
    "  --seed N          base PRNG seed (default 1)\n"
    "  --matrix FILE     read the cells from FILE instead of matrix.def\n"
    "  --out DIR         run dir (default results/<UTC timestamp>, results/latest)\n"
    "  --list            print one line per cell: its id, a tab, the command that runs\n"
    "                    it alone (allocbench cell ID --out DIR/ID; DIR: --out, default\n"
    "                    results/cells); then join the folders with allocbench merge.\n"
    "                    See docs/distributed.md (GNU parallel, Slurm)\n"
    "  --dry-run         print the cell ids and the time estimate, run nothing\n"
    "  --no-skip         run every cell. By default, once a host or threaded cell runs\n"
    "                    out of its time budget, the cells of its series (same strategy, role,\n"
    "                    workload, fill, threads) at its size in other reps and at\n"
    "                    larger sizes are not run: each gets one row with status\n"
    "                    skipped-timeout, and the run names the cell that timed out\n"
    "Exit status: 0, 1 (a cell of the run dir failed: failures.csv), 2 bad usage,\n"
    "130/143 stopped by SIGINT/SIGTERM (resume with the same command).\n";

static const char cell_help[] =
    "usage: allocbench cell ID [--quick] [--matrix FILE] [--out DIR]\n"
    "\n"
    "Runs one cell of the matrix (an id from allocbench matrix --list) into its own\n"
    "run folder, exactly as the matrix runs it: cells/ID.summary.csv, .frag.csv,\n"
    "summary.csv, frag.csv, failures.csv (if it failed), meta.json. A folder that\n"
    "has the cell already is left as it is (a job runner can retry safely).\n"
    "  --quick        the cell of the quick matrix (its ops and time budget)\n"
    "  --matrix FILE  the matrix file (default the source tree's matrix.def)\n"
    "  --out DIR      run dir (default results/<UTC timestamp>)\n"
    "Exit status: 0, 1 the cell failed, 2 bad usage or an unknown ID.\n";

static int usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench %s --help)\n", cmd);
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0')
        return 0;
    *out = v;
    return 1;
}

enum { O_QUICK = 256, O_HOST_ONLY, O_OUT, O_SEED, O_DRY, O_LIST, O_MATRIX, O_REPS, O_STRATEGY,
       O_WORKLOAD, O_MEM, O_ROLE, O_NO_SKIP };

int matrix_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, O_QUICK},
        {"host-only", no_argument, NULL, O_HOST_ONLY},
        {"out", required_argument, NULL, O_OUT},
        {"seed", required_argument, NULL, O_SEED},
        {"dry-run", no_argument, NULL, O_DRY},
        {"list", no_argument, NULL, O_LIST},
        {"matrix", required_argument, NULL, O_MATRIX},
        {"reps", required_argument, NULL, O_REPS},
        {"strategy", required_argument, NULL, O_STRATEGY},
        {"workload", required_argument, NULL, O_WORKLOAD},
        {"mem", required_argument, NULL, O_MEM},
        {"role", required_argument, NULL, O_ROLE},
        {"no-skip", no_argument, NULL, O_NO_SKIP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    matrix_opts o;
    memset(&o, 0, sizeof o);
    o.plan.seed = 1;
    o.argc = argc;
    o.argv = argv;
    optind = 2;
    opterr = 0;
    int ch;
    uint64_t v;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': fputs(matrix_help, stdout); return 0;
        case O_QUICK: o.plan.quick = 1; break;
        case O_HOST_ONLY: o.plan.host_only = 1; break;
        case O_OUT: o.out_dir = optarg; break;
        case O_DRY: o.dry_run = 1; break;
        case O_LIST: o.list = 1; break;
        case O_NO_SKIP: o.no_skip = 1; break;
        case O_MATRIX: o.plan.file = optarg; break;
        case O_SEED:
            if (!parse_u64(optarg, &o.plan.seed))
                return usage("matrix", "--seed: '%s' is not a non-negative integer", optarg);
            break;
        case O_REPS:
            if (!parse_u64(optarg, &v) || v == 0 || v > 1000)
                return usage("matrix", "--reps: '%s' is not a count from 1 to 1000", optarg);
            o.plan.reps = (unsigned)v;
            break;
        case O_STRATEGY:
        case O_WORKLOAD:
        case O_MEM:
        case O_ROLE: {
            plan_filter *f = ch == O_STRATEGY ? &o.plan.strategy
                             : ch == O_WORKLOAD ? &o.plan.workload
                             : ch == O_MEM      ? &o.plan.mem
                                                : &o.plan.role;
            const char *name = ch == O_STRATEGY ? "--strategy"
                               : ch == O_WORKLOAD ? "--workload"
                               : ch == O_MEM      ? "--mem"
                                                  : "--role";
            if (plan_filter_add(f, name, optarg) != 0)
                return 2;
            break;
        }
        case ':': return usage("matrix", "%s needs a value", argv[optind - 1]);
        default: return usage("matrix", "unknown argument '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage("matrix", "unknown argument '%s'", argv[optind]);
    if (o.list && o.dry_run)
        return usage("matrix", "%s: choose one of --list and --dry-run", "--list");
    char err[512];
    if (plan_filters_check(&o.plan, err, sizeof err) != 0)
        return usage("matrix", "%s", err);
    return matrix_main(&o);
}

int cell_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, O_QUICK},
        {"out", required_argument, NULL, O_OUT},
        {"matrix", required_argument, NULL, O_MATRIX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    plan_opts po;
    memset(&po, 0, sizeof po);
    po.seed = 1;
    const char *out = NULL, *id = NULL;
    optind = 2;
    opterr = 0;
    int ch;
    /* The id may come anywhere: collect non-options ourselves. */
    while (optind < argc) {
        if ((ch = getopt_long(argc, argv, "-:h", longopts, NULL)) == -1)
            break;
        switch (ch) {
        case 'h': fputs(cell_help, stdout); return 0;
        case 1:
            if (id != NULL)
                return usage("cell", "one cell id only: '%s' is a second", optarg);
            id = optarg;
            break;
        case O_QUICK: po.quick = 1; break;
        case O_OUT: out = optarg; break;
        case O_MATRIX: po.file = optarg; break;
        case ':': return usage("cell", "%s needs a value", argv[optind - 1]);
        default: return usage("cell", "unknown argument '%s'", argv[optind - 1]);
        }
    }
    if (id == NULL)
        return usage("cell", "%s", "a cell id is required (see allocbench matrix --list)");
    return matrix_cell_main(&po, id, out);
}
