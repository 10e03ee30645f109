/*
 * allocbench: the host command.
 *   allocbench list
 *   allocbench run --strategy S --workload W --mem SIZE [--fill F] [--seed N]
 *                  [--role pmm|vmm] [--ops N] [--out DIR]
 *   allocbench matrix [--quick] [--host-only] [--out DIR] [--seed N] [--dry-run]
 *   allocbench kernel --strategy S --workload W --mem SIZE [--mode M] ...
 *   allocbench plot RUN_DIR
 *   allocbench import strace|ftrace|perf IN [-o OUT]
 *   allocbench programs | heapscale | record ... (real programs on the heaps)
 * Each command takes --help. Errors name the bad argument and exit 2.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/registry.h"
#include "baselines.h"
#include "host.h"
#include "cmd_kernel.h"
#include "heaprun.h"
#include "matrix.h"
#include "plot.h"
#include "programs.h"
#include "trace.h"

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench %s --help)\n", cmd);
    return 2;
}

static const char *caps_str(uint32_t caps, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s", caps & AB_CAP_CONTIG ? "contig " : "",
             caps & AB_CAP_HUGE2M ? "huge2m " : "", caps & AB_CAP_THREADSAFE ? "threadsafe " : "",
             caps & AB_CAP_HOSTONLY ? "hostonly " : "");
    return buf;
}

static int cmd_list(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: allocbench list\n\nLists the registered strategies (name, capabilities, "
                   "max pages per request, summary), then the host-only baselines (jemalloc, glibc;\n"
                   "real memory, at most 4G) and whether they can run, and the workloads.\n");
            return 0;
        }
        return usage_error("list", "unknown argument '%s'", argv[i]);
    }
    size_t n;
    const ab_strategy *const *all = host_registry(&n);
    printf("strategies:\n");
    for (size_t i = 0; i < n; i++) {
        char caps[64];
        const char *why = host_baseline_skip(all[i], 1);
        printf("  %-10s %-24s max_npages=%-6llu %s%s%s\n", all[i]->name,
               caps_str(all[i]->caps, caps, sizeof caps), (unsigned long long)all[i]->max_npages,
               all[i]->summary, why ? "; SKIPPED: " : "", why ? why : "");
    }
    printf("the tool's own malloc: %s\n", host_malloc_origin());
    printf("workloads:\n");
    for (unsigned k = 0; k < AB_WL_COUNT; k++)
        printf("  %-10s default fill %s%u.%u%%\n", ab_workload_name((ab_workload_kind)k),
               ab_workload_fixed_fill((ab_workload_kind)k) ? "(fixed) " : "",
               ab_workload_default_fill((ab_workload_kind)k) / 10,
               ab_workload_default_fill((ab_workload_kind)k) % 10);
    return 0;
}

static const char run_help[] =
    "usage: allocbench run --strategy S --workload W --mem SIZE [options]\n"
    "\n"
    "Runs one cell and writes summary.csv, frag.csv and meta.json to the run dir.\n"
    "  --strategy S     a name from `allocbench list`\n"
    "  --workload W     bulk, repeat, rand, churn, sizes, huge, adversary, or trace:FILE\n"
    "                   (replay a page trace, docs/traces.md; --role defaults to the\n"
    "                   trace's '# role:' line; --mem must hold the trace's peak),\n"
    "                   or mtrace:FILE (replay a malloc trace, .abt of docs/heaps.md, on\n"
    "                   the heaps of heaps/ over strategy S with a --mem window: rows\n"
    "                   HEAP@S, role heap, ops malloc..free; footprint/live in mtrace.csv)\n"
    "  --heap H|all     mtrace: the heap (default all: every heap of heaps/heaps.def)\n"
    "  --mem SIZE       managed memory: 64M, 16G, 4096K, 1T or bytes (multiple of 4 KiB)\n"
    "  --fill F         fill level: 0.9 or 90% (default: the workload's)\n"
    "  --seed N         PRNG seed (default 1)\n"
    "  --role pmm|vmm   pmm: a PC-like map with holes; vmm: one window (default pmm)\n"
    "  --ops N          steady-state operations (repeat/churn/sizes/huge; default 1000000)\n"
    "  --out DIR        run dir (default results/<UTC timestamp>, results/latest)\n";

static int need(int i, int argc, char **argv, const char *cmd)
{
    if (i + 1 >= argc) {
        usage_error(cmd, "%s needs a value", argv[i]);
        return 0;
    }
    return 1;
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

/* --workload mtrace:FILE: the malloc trace replayed on each heap. */
static int run_mtrace(const char *S, const char *W, const char *heap, uint64_t mem,
                      uint64_t seed, const char *out)
{
    const ab_strategy *st = ab_registry_find(S);
    if (st == NULL)
        return usage_error("run", "--strategy: unknown strategy '%s' (see allocbench list)", S);
    if ((st->caps & AB_CAP_CONTIG) == 0)
        return usage_error("run", "--strategy: '%s' serves single pages only; a heap needs "
                           "contiguous runs (bitmap, buddy, freelist, hier2m)", S);
    if (W[6] != ':' || W[7] == '\0')
        return usage_error("run", "--workload: '%s' needs a file: mtrace:FILE", W);
    size_t nheaps;
    const ab_heap *const *all = ab_heap_registry(&nheaps);
    const ab_heap *one = NULL;
    if (heap != NULL && strcmp(heap, "all") != 0 && (one = ab_heap_find(heap)) == NULL)
        return usage_error("run", "--heap: unknown heap '%s' (heaps/heaps.def, or all)", heap);
    hr_mtrace t;
    char err[512];
    if (hr_mtrace_load(W + 7, &t, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench run: --workload: %s\n", err);
        return 1;
    }
    char dir[4096];
    if (out != NULL) {
        snprintf(dir, sizeof dir, "%s", out);
        if (host_mkdirs(dir) != 0) {
            hr_mtrace_free(&t);
            return usage_error("run", "--out: cannot create '%s'", out);
        }
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench run: cannot create results/<timestamp>\n");
        hr_mtrace_free(&t);
        return 1;
    }
    hbuf sum = {0}, frag = {0}, heaps = {0};
    ab_out so = {hbuf_write, &sum}, fo = {hbuf_write, &frag};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    hr_mtrace_csv_header(&heaps);
    char mem_s[32];
    host_format_size(mem, mem_s, sizeof mem_s);
    int bad_cells = 0;
    for (size_t k = 0; k < nheaps; k++) {
        if (one != NULL && all[k] != one)
            continue;
        fprintf(stderr, "allocbench run: mtrace %s (%zu records) on %s@%s, %s window ...\n",
                W + 7, t.nrec, all[k]->name, st->name, mem_s);
        char msg[256];
        ab_wl_outcome oc = hr_mtrace_replay(&t, W + 7, all[k], st, mem, seed, &sum, &heaps, msg,
                                            sizeof msg);
        if (oc != AB_WL_OK) {
            fprintf(stderr, "allocbench run: %s@%s: %s: %s\n", all[k]->name, st->name,
                    ab_outcome_name(oc), msg);
            bad_cells++;
        }
    }
    hr_mtrace_free(&t);
    char path[4200];
    snprintf(path, sizeof path, "%s/frag.csv", dir);
    int bad = host_write_atomic(path, frag.p, frag.len);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    bad |= host_write_atomic(path, sum.p, sum.len);
    snprintf(path, sizeof path, "%s/mtrace.csv", dir);
    bad |= host_write_atomic(path, heaps.p, heaps.len);
    bad |= host_write_meta(dir, NULL);
    fputs(sum.p, stdout);
    fputs(heaps.p, stdout);
    hbuf_free(&sum);
    hbuf_free(&frag);
    hbuf_free(&heaps);
    if (bad) {
        fprintf(stderr, "allocbench run: cannot write results in %s\n", dir);
        return 1;
    }
    fprintf(stderr, "allocbench run: %s; results in %s\n", bad_cells ? "FAILED" : "ok", dir);
    return bad_cells ? 1 : 0;
}

static int cmd_run(int argc, char **argv)
{
    const char *S = NULL, *W = NULL, *out = NULL, *heap = NULL;
    int role_given = 0;
    trace tr = {0};
    host_cell c = {0};
    c.seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(run_help, stdout);
            return 0;
        }
        if (!strcmp(a, "--strategy") || !strcmp(a, "--workload") || !strcmp(a, "--mem") ||
            !strcmp(a, "--fill") || !strcmp(a, "--seed") || !strcmp(a, "--role") ||
            !strcmp(a, "--out") || !strcmp(a, "--ops") || !strcmp(a, "--heap")) {
            if (!need(i, argc, argv, "run"))
                return 2;
            const char *v = argv[++i];
            if (!strcmp(a, "--strategy")) {
                S = v;
            } else if (!strcmp(a, "--workload")) {
                W = v;
            } else if (!strcmp(a, "--mem")) {
                if ((c.mem_bytes = host_parse_size(v)) == 0)
                    return usage_error("run", "--mem: '%s' is not a size (e.g. 64M, 16G, 4096K; a multiple of 4 KiB)", v);
            } else if (!strcmp(a, "--fill")) {
                if ((c.fill_pm = host_parse_fill(v)) == 0)
                    return usage_error("run", "--fill: '%s' is not a fill level in (0, 1] (e.g. 0.9 or 90%%)", v);
            } else if (!strcmp(a, "--seed")) {
                if (!parse_u64(v, &c.seed))
                    return usage_error("run", "--seed: '%s' is not a non-negative integer", v);
            } else if (!strcmp(a, "--ops")) {
                if (!parse_u64(v, &c.ops) || c.ops == 0)
                    return usage_error("run", "--ops: '%s' is not a positive integer", v);
            } else if (!strcmp(a, "--heap")) {
                heap = v;
            } else if (!strcmp(a, "--role")) {
                role_given = 1;
                if (!strcmp(v, "pmm"))
                    c.role_vmm = 0;
                else if (!strcmp(v, "vmm"))
                    c.role_vmm = 1;
                else
                    return usage_error("run", "--role: '%s' is not pmm or vmm", v);
            } else {
                out = v;
            }
            continue;
        }
        return usage_error("run", "unknown argument '%s'", a);
    }
    if (S == NULL)
        return usage_error("run", "%s is required", "--strategy");
    if (W == NULL)
        return usage_error("run", "%s is required", "--workload");
    if (c.mem_bytes == 0)
        return usage_error("run", "%s is required", "--mem");
    if (!strncmp(W, "mtrace:", 7) || !strcmp(W, "mtrace"))
        return run_mtrace(S, W, heap, c.mem_bytes, c.seed, out);
    if (heap != NULL)
        return usage_error("run", "--heap: '%s' needs --workload mtrace:FILE", heap);
    if ((c.st = host_find(S)) == NULL)
        return usage_error("run", "--strategy: unknown strategy '%s' (see allocbench list)", S);
    c.kind = strncmp(W, "trace:", 6) ? ab_workload_parse(W) : AB_WL_TRACE;
    if (c.kind == AB_WL_COUNT)
        return usage_error("run", "--workload: unknown workload '%s' (see allocbench list)", W);
    if (c.kind == AB_WL_TRACE) {
        char err[512];
        if (strncmp(W, "trace:", 6) != 0 || W[6] == '\0')
            return usage_error("run", "--workload: '%s' needs a file: trace:FILE", W);
        if (trace_load(W + 6, &tr, err, sizeof err) != 0) {
            fprintf(stderr, "allocbench run: --workload: %s\n", err);
            return 1;
        }
        uint64_t pages = c.mem_bytes / AB_PAGE_BYTES;
        if (tr.peak_pages > pages) {
            char mem[32];
            host_format_size(c.mem_bytes, mem, sizeof mem);
            fprintf(stderr, "allocbench run: --mem: %s holds %llu pages; %s needs %llu at its peak\n"
                    "(see: allocbench run --help)\n", mem, (unsigned long long)pages, W + 6,
                    (unsigned long long)tr.peak_pages);
            trace_free(&tr);
            return 2;
        }
        if (!role_given && tr.role >= 0)
            c.role_vmm = tr.role;
        c.trace = tr.recs;
        c.trace_len = tr.len;
        c.trace_ids = tr.ids;
    }

    char dir[4096];
    if (out != NULL) {
        snprintf(dir, sizeof dir, "%s", out);
        if (host_mkdirs(dir) != 0)
            return usage_error("run", "--out: cannot create '%s'", out);
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench run: cannot create results/<timestamp>\n");
        return 1;
    }
    hbuf sum = {0}, frag = {0};
    ab_out so = {hbuf_write, &sum}, fo = {hbuf_write, &frag};
    ab_csv_summary_header(&so);
    ab_csv_frag_header(&fo);
    char msg[200];
    char mem[32];
    host_format_size(c.mem_bytes, mem, sizeof mem);
    fprintf(stderr, "allocbench run: %s %s %s %s ...\n", c.st->name, c.role_vmm ? "vmm" : "pmm",
            ab_workload_name(c.kind), mem);
    ab_wl_outcome oc = host_run_cell(&c, &sum, &frag, msg, sizeof msg);
    char path[4200];
    snprintf(path, sizeof path, "%s/frag.csv", dir);
    int bad = host_write_atomic(path, frag.p, frag.len);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    bad |= host_write_atomic(path, sum.p, sum.len);
    bad |= host_write_meta(dir, NULL);
    fputs(sum.p, stdout);
    if (c.kind == AB_WL_TRACE && trace_csv_failures(sum.p) != 0)
        fprintf(stderr, "allocbench run: %llu trace allocation(s) failed with ENOMEM (column "
                "failures; their frees skipped)\n", (unsigned long long)trace_csv_failures(sum.p));
    trace_free(&tr);
    fprintf(stderr, "allocbench run: %s%s%s; results in %s\n", ab_outcome_name(oc),
            msg[0] ? ": " : "", msg, dir);
    hbuf_free(&sum);
    hbuf_free(&frag);
    if (bad) {
        fprintf(stderr, "allocbench run: cannot write results in %s\n", dir);
        return 1;
    }
    return oc == AB_WL_OK || oc == AB_WL_SKIPPED ? 0 : 1;
}

static const char matrix_help[] =
    "usage: allocbench matrix [--quick] [--host-only] [--out DIR] [--seed N] [--dry-run]\n"
    "\n"
    "Runs every strategy x workload x memory size (64M, 1G, 16G, 64G; --quick: 64M plus\n"
    "the cells the speed figures need), writes summary.csv, frag.csv and meta.json to the\n"
    "run dir, then prints the speed figures with PASS/FAIL. Managed memory is simulated:\n"
    "only metadata is allocated. Re-running on the same --out DIR keeps finished cells.\n"
    "Baselines (jemalloc, glibc) hand out real memory: their cells stop at 1G (at most\n"
    "1 GiB live at once); jemalloc's are skipped, with the reason, if libjemalloc.so.2\n"
    "does not load. Then allocbench-micro (Google Benchmark; absent: a note) writes\n"
    "gbench.json to the run dir.\n"
    "  --quick     the short matrix (<= 60 s on 2 cores)\n"
    "  --host-only leave out the kernel cells (every strategy x map, fault, kmalloc, bulk,\n"
    "              churn at 256M in the i386 kernel under QEMU tcg; see allocbench kernel\n"
    "              --help) and their host twins (bulk, churn at 256M)\n"
    "  --out DIR   run dir (default results/<UTC timestamp>, results/latest)\n"
    "  --seed N    PRNG seed (default 1)\n"
    "  --dry-run   print the cells and the time estimate, run nothing\n";

static int cmd_matrix(int argc, char **argv)
{
    matrix_opts o = {0, NULL, 1, 0, 0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(matrix_help, stdout);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            o.quick = 1;
        } else if (!strcmp(a, "--dry-run")) {
            o.dry_run = 1;
        } else if (!strcmp(a, "--host-only")) {
            o.host_only = 1;
        } else if (!strcmp(a, "--out")) {
            if (!need(i, argc, argv, "matrix"))
                return 2;
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--seed")) {
            if (!need(i, argc, argv, "matrix"))
                return 2;
            if (!parse_u64(argv[++i], &o.seed))
                return usage_error("matrix", "--seed: '%s' is not a non-negative integer", argv[i]);
        } else {
            return usage_error("matrix", "unknown argument '%s'", a);
        }
    }
    return matrix_main(&o);
}

static const char main_help[] =
    "usage: allocbench <command> [options]\n"
    "\n"
    "commands:\n"
    "  list     strategies and workloads\n"
    "  run      one strategy x workload x memory size\n"
    "  matrix   the default matrix and the speed figures\n"
    "  kernel   one cell inside the i386 kernel under QEMU\n"
    "  plot     plots and report.md/report.html from a run dir\n"
    "  import   strace or ftrace/perf output -> a page trace (docs/traces.md)\n"
    "  programs real programs (python3, gcc, perl) on each heap, jemalloc and glibc\n"
    "  heapscale malloc time against live chunks, per heap\n"
    "  record   run a command under the malloc trace recorder (.abt)\n"
    "Each command takes --help.\n";

int main(int argc, char **argv)
{
    host_baseline_reexec(argv); /* room for jemalloc's static TLS; see baselines.h */
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "list"))
        return cmd_list(argc, argv);
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc, argv);
    if (!strcmp(argv[1], "matrix"))
        return cmd_matrix(argc, argv);
    if (!strcmp(argv[1], "kernel"))
        return kcmd_main(argc, argv);
    if (!strcmp(argv[1], "plot") || !strcmp(argv[1], "report") || !strcmp(argv[1], "compare"))
        return ab_report_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "import"))
        return trace_import_main(argc, argv);
    if (!strcmp(argv[1], "programs"))
        return programs_main(argc, argv);
    if (!strcmp(argv[1], "heapscale"))
        return hr_heapscale_main(argc, argv);
    if (!strcmp(argv[1], "record"))
        return hr_record_main(argc, argv);
    fprintf(stderr, "allocbench: unknown command '%s'\n", argv[1]);
    fputs(main_help, stderr);
    return 2;
}
