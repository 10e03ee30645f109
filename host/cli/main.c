/*
 * allocbench: the host command. One row per command below; each command is
 * a file cmd_<name>.c with its option table (cli.h). Every command takes
 * --help and --version; errors name the bad argument and exit 2 before any
 * work starts; 1 means the work failed.
 */
#include <stdio.h>
#include <string.h>

#include "baselines.h"
#include "cli.h"
#include "cmd_matrix.h"
#include "commands.h"
#include "threads.h"

/* Commands whose entry takes the whole argv (argv[1] = the command). */
static int cmd_matrix_all(int argc, char **argv) { return matrix_cmd(argc + 1, argv - 1); }
static int cmd_cell(int argc, char **argv) { return cell_cmd(argc + 1, argv - 1); }
static int cmd_merge(int argc, char **argv) { return merge_main(argc + 1, argv - 1); }
static int cmd_threads(int argc, char **argv) { return threads_main(argc + 1, argv - 1); }

typedef struct command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
    {"list", "strategies and workloads", cmd_list},
    {"run", "one strategy x workload x memory size", cmd_run},
    {"matrix", "the cells of matrix.def: run, resume, --list for other job runners", cmd_matrix_all},
    {"cell", "one cell of the matrix by its id, into its own folder", cmd_cell},
    {"merge", "join cell or run folders into one run", cmd_merge},
    {"threads", "LLFree's bulk, repeat, rand with T threads on one instance", cmd_threads},
    {"kernel", "one cell inside the i386 kernel under QEMU", cmd_kernel},
    {"report", "figures, the verdict and report.md/html from a run dir; --check: speed targets",
     cmd_plot},
    {"plot", "the same as report (its old name)", cmd_plot},
    {"compare", "two runs side by side: ratios, intervals, significance", cmd_plot},
    {"import", "strace or ftrace/perf output -> a page trace (docs/traces.md)", cmd_import},
    {"programs", "real programs (python3, gcc, perl) on each heap, jemalloc and glibc",
     cmd_programs},
    {"heapscale", "malloc time against live chunks, per heap", cmd_heapscale},
    {"record", "run a command under the malloc trace recorder (.abt)", cmd_record},
    {"memprobe", "one random load's latency per buffer size (memprobe.csv)", cmd_memprobe},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void main_help(FILE *f)
{
    fprintf(f, "usage: allocbench <command> [options]\n"
               "       allocbench --version\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "Each command takes --help. Exit status: 0 ok, 1 failed, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    host_baseline_reexec(argv); /* room for jemalloc's static TLS; see baselines.h */
    if (argc < 2) {
        main_help(stderr);
        return 2;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
        main_help(stdout);
        return 0;
    }
    if (!strcmp(a, "--version") || !strcmp(a, "-V") || !strcmp(a, "version")) {
        printf("%s\n", cli_version());
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(a, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "allocbench: unknown command '%s'\n", a);
    main_help(stderr);
    return 2;
}
