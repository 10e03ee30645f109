/*
 * allocbench matrix: the option table and its parsing; the matrix itself
 * is host/matrix/ (matrix_main). A new option is a row in opts[], a case in
 * opt_apply and a field of matrix_opts.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "matrix.h"

enum { O_QUICK, O_HOST_ONLY, O_OUT, O_SEED, O_DRY_RUN };

static const cli_opt opts[] = {
    [O_QUICK] = {"quick", 'q', NULL, "the short matrix (<= 60 s on 2 cores)"},
    [O_HOST_ONLY] = {"host-only", 0, NULL,
                     "leave out the kernel cells (every strategy x map, fault, kmalloc, bulk,\n"
                     "churn at 256M in the i386 kernel under QEMU tcg; see allocbench kernel\n"
                     "--help) and their host twins (bulk, churn at 256M)"},
    [O_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest)"},
    [O_SEED] = {"seed", 0, "N", "PRNG seed, decimal (default 1)"},
    [O_DRY_RUN] = {"dry-run", 'n', NULL, "print the cells and the time estimate, run nothing"},
};

static const cli_spec spec = {
    "matrix", "[options]",
    "Runs every strategy x workload x memory size (64M, 1G, 16G, 64G; --quick: 64M plus\n"
    "the cells the speed figures need), writes summary.csv, frag.csv and meta.json to the\n"
    "run dir, then prints the speed figures with PASS/FAIL. Managed memory is simulated:\n"
    "only metadata is allocated. Re-running on the same --out DIR keeps finished cells.\n"
    "Baselines (jemalloc, glibc) hand out real memory: their cells stop at 1G (at most\n"
    "1 GiB live at once); jemalloc's are skipped, with the reason, if libjemalloc.so.2\n"
    "does not load. Then allocbench-micro (Google Benchmark; absent: a note) writes\n"
    "gbench.json to the run dir.\n",
    opts, CLI_NOPTS(opts), NULL, false, 0};

static int opt_apply(void *ctx, int k, const char *v)
{
    matrix_opts *o = ctx;
    switch (k) {
    case O_QUICK: o->quick = 1; return 0;
    case O_HOST_ONLY: o->host_only = 1; return 0;
    case O_DRY_RUN: o->dry_run = 1; return 0;
    case O_OUT: o->out_dir = v; return 0;
    default: return cli_u64("matrix", "seed", v, &o->seed);
    }
}

int cmd_matrix(int argc, char **argv)
{
    matrix_opts o = {0, NULL, 1, 0, 0};
    cli_parser p;
    int rc = cli_parse(&p, &spec, argc, argv, opt_apply, &o);
    return rc >= 0 ? rc : matrix_main(&o);
}
