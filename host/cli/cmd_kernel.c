/*
 * allocbench kernel: one cell in the i386 kernel under QEMU, and the
 * matrix's kernel cells (every strategy x map, fault, kmalloc, bulk, churn
 * at 256 MiB, tcg).
 * The QEMU side is kernel_run.c; this file is the command line and the
 * resumable cell bookkeeping.
 */
#define _GNU_SOURCE
#include "cmd_kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocbench/heap.h"
#include "allocbench/registry.h"
#include "args.h"
#include "cli.h"
#include "commands.h"
#include "file.h"
#include "kernel_run.h"

#ifndef AB_KERNEL_ELF_DEFAULT
#define AB_KERNEL_ELF_DEFAULT "build/release/kernel/allocbench-kernel.elf"
#endif

/* The matrix's kernel workloads: the three only the kernel has (kmalloc
 * with the kernel's default heap, slab), and two core workloads the
 * host matrix also runs at this size, so host and kernel can be compared
 * cell by cell. */
static const char *const kernel_workloads[] = {"map", "fault", "kmalloc", "bulk", "churn"};
#define KERNEL_MATRIX_MEM (256ull << 20)

const char *kcmd_kernel_elf(const char *override)
{
    if (override != NULL)
        return override;
    const char *env = getenv("ALLOCBENCH_KERNEL");
    return env != NULL && env[0] != '\0' ? env : AB_KERNEL_ELF_DEFAULT;
}

/* kvm only if a real boot under kvm passes: /dev/kvm opening is not enough
 * (nested virtualisation can refuse -cpu host). Asked once per process. */
static ab_kmode pick_mode(const char *elf, const char *scratch_dir)
{
    static int probed = -1;
    if (probed < 0) {
        probed = 0;
        if (ab_kernel_kvm_usable()) {
            ab_kernel_opts o = {0};
            ab_kernel_result r;
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/kvm-probe", scratch_dir);
            o.kernel_elf = elf;
            o.run_dir = dir;
            o.pmm = "stack";
            o.workload = "boot";
            o.mem_bytes = 32ull << 20;
            o.mode = AB_KMODE_KVM;
            o.timeout_s = 20;
            probed = ab_kernel_run(&o, &r) == AB_KRUN_OK;
            if (!probed)
                fprintf(stderr, "allocbench kernel: /dev/kvm opens but a kvm boot failed (%s); "
                                "using tcg\n", r.reason);
        }
    }
    return probed ? AB_KMODE_KVM : AB_KMODE_TCG;
}

enum { O_STRATEGY, O_VMM, O_WORKLOAD, O_HEAP, O_MEM, O_MODE, O_SEED, O_OPS, O_TIMEOUT,
       O_KERNEL, O_OUT };

static const cli_opt opts[] = {
    [O_STRATEGY] = {"strategy", 's', "S", "PMM strategy (allocbench list)"},
    [O_VMM] = {"vmm", 0, "S2", "VMM strategy for the kernel window (default: S if it serves runs)"},
    [O_WORKLOAD] = {"workload", 'w', "W",
                    "map, fault, kmalloc, boot, a core workload (bulk, churn, ...),\n"
                    "trace:FILE (a page trace, docs/traces.md) or mtrace:FILE (a\n"
                    "malloc trace, docs/heaps.md), passed to the kernel as a module"},
    [O_HEAP] = {"heap", 0, "H", "kmalloc's heap: slab or firstfit (default slab)"},
    [O_MEM] = {"mem", 'm', "SIZE", "guest memory, QEMU -m (e.g. 256M, 3G)"},
    [O_MODE] = {"mode", 0, "M",
                "icount (deterministic cycles), tcg (emulated: relative figures),\n"
                "kvm (real cycles); default kvm when a kvm boot works, else tcg"},
    [O_SEED] = {"seed", 0, "N", "PRNG seed, decimal (default 1)"},
    [O_OPS] = {"ops", 0, "N", "operations for core workloads (default: the kernel's)"},
    [O_TIMEOUT] = {"timeout", 0, "SEC", "kill QEMU after SEC seconds (default 300)"},
    [O_KERNEL] = {"kernel", 0, "ELF", "kernel image (default $ALLOCBENCH_KERNEL or the build's)"},
    [O_OUT] = {"out", 'o', "DIR", "run dir (default results/<UTC timestamp>, results/latest)"},
};

static const cli_spec spec = {
    "kernel", "--strategy S --workload W --mem SIZE [options]",
    "Boots the i386 kernel under qemu-system-i386 and runs one cell in it; the rows land\n"
    "in the run dir's summary.csv and frag.csv with env kernel-<mode>. A hang, panic,\n"
    "triple fault or lost output is recorded as a failed cell (failures.csv, serial log\n"
    "kept in kernel-logs/) and the command exits 1.\n",
    opts, CLI_NOPTS(opts), NULL, false, 0};

/* The kernel's own workloads (kernel/workloads.c) besides core's. */
static const char *const kernel_only[] = {"boot", "map", "fault", "kmalloc", "crash", "triple",
                                          "hang"};

static int workload_check(const char *w)
{
    for (size_t i = 0; i < sizeof kernel_only / sizeof kernel_only[0]; i++)
        if (!strcmp(w, kernel_only[i]))
            return 0;
    ab_workload_kind k = ab_workload_parse(w);
    if ((k != AB_WL_COUNT && k != AB_WL_TRACE) || !strncmp(w, "trace", 5) ||
        !strncmp(w, "mtrace", 6))
        return 0; /* trace:FILE and mtrace:FILE are checked with their file */
    return cli_usage("kernel", "--workload: unknown workload '%s' (map, fault, kmalloc, boot, "
                     "a workload of allocbench list, trace:FILE or mtrace:FILE)", w);
}

typedef struct kernel_args {
    ab_kernel_opts o;
    const char *out, *elf, *mode;
} kernel_args;

static int opt_strategy(kernel_args *a, int k, const char *v)
{
    const ab_strategy *st = ab_registry_find(v);
    if (st == NULL)
        return cli_usage("kernel", k == O_VMM ? "--vmm: unknown strategy '%s' (see allocbench list)"
                                              : "--strategy: unknown strategy '%s' (see allocbench list)", v);
    if (k == O_STRATEGY) {
        a->o.pmm = v;
        return 0;
    }
    if (!(st->caps & AB_CAP_CONTIG))
        return cli_usage("kernel", "--vmm: '%s' cannot serve page ranges for a VMM window", v);
    a->o.vmm = v;
    return 0;
}

static int opt_apply(void *ctx, int k, const char *v)
{
    kernel_args *a = ctx;
    uint64_t t;
    switch (k) {
    case O_STRATEGY: case O_VMM: return opt_strategy(a, k, v);
    case O_WORKLOAD: a->o.workload = v; return workload_check(v);
    case O_KERNEL: a->elf = v; return 0;
    case O_OUT: a->out = v; return 0;
    case O_SEED: return cli_u64("kernel", "seed", v, &a->o.seed);
    case O_OPS: return cli_u64_pos("kernel", "ops", v, &a->o.ops);
    case O_MEM:
        a->o.mem_bytes = host_parse_size(v);
        if (a->o.mem_bytes < (16ull << 20) || a->o.mem_bytes > (3584ull << 20))
            return cli_usage("kernel", "--mem: '%s' is not a guest size from 16M to 3584M", v);
        return 0;
    case O_MODE:
        a->mode = v;
        if (!ab_kernel_mode_parse(v, &a->o.mode))
            return cli_usage("kernel", "--mode: '%s' is not icount, tcg or kvm", v);
        return 0;
    case O_TIMEOUT:
        if (args_u64_range(v, 1, 86400, &t) != NULL)
            return cli_usage("kernel", "--timeout: '%s' is not a number of seconds (1..86400)", v);
        a->o.timeout_s = (unsigned)t;
        return 0;
    default: /* O_HEAP */
        if (ab_heap_find(v) == NULL)
            return cli_usage("kernel", "--heap: '%s' is not a heap of heaps/heaps.def (slab, firstfit)", v);
        a->o.heap = v;
        return 0;
    }
}

/* -1 to go on, else the exit status. Everything is checked before QEMU. */
static int kernel_parse(int argc, char **argv, kernel_args *a)
{
    cli_parser p;
    int rc = cli_parse(&p, &spec, argc, argv, opt_apply, a);
    if (rc >= 0)
        return rc;
    if ((rc = cli_require_cell("kernel", a->o.pmm != NULL, a->o.workload != NULL,
                               a->o.mem_bytes != 0)) != 0)
        return rc;
    char err[512];
    if (ab_kernel_opts_for_trace(&a->o, a->o.workload, err, sizeof err) < 0) {
        fprintf(stderr, "allocbench kernel: --workload: %s\n", err);
        return 1;
    }
    a->o.kernel_elf = kcmd_kernel_elf(a->elf);
    if (!host_file_exists(a->o.kernel_elf)) {
        fprintf(stderr, "allocbench kernel: no kernel image at '%s' (build it: make bench, or "
                        "cmake --build --preset release; or pass --kernel)\n", a->o.kernel_elf);
        return 2;
    }
    return -1;
}

int cmd_kernel(int argc, char **argv)
{
    kernel_args a = {0};
    a.o.seed = 1;
    int rc = kernel_parse(argc, argv, &a);
    char dir[4096];
    if (rc >= 0 || (rc = cli_run_dir("kernel", a.out, dir, sizeof dir)) != 0)
        return rc;
    a.o.run_dir = dir;
    if (a.mode == NULL)
        a.o.mode = pick_mode(a.o.kernel_elf, dir);
    char size[32];
    host_format_size(a.o.mem_bytes, size, sizeof size);
    fprintf(stderr, "allocbench kernel: %s%s%s %s -m %s, mode %s ...\n", a.o.pmm,
            a.o.vmm ? "+" : "", a.o.vmm ? a.o.vmm : "", a.o.workload, size,
            ab_kernel_mode_name(a.o.mode));
    ab_kernel_result r;
    ab_kstatus s = ab_kernel_run(&a.o, &r);
    if (host_write_meta(dir, "") != 0)
        fprintf(stderr, "allocbench kernel: cannot write %s/meta.json\n", dir);
    if (s != AB_KRUN_OK) {
        fprintf(stderr, "allocbench kernel: cell FAILED (%s): %s; serial log: %s\n",
                ab_kernel_status_name(s), r.reason, r.log_path[0] ? r.log_path : "(none)");
        printf("results: %s\n", dir);
        return 1;
    }
    fprintf(stderr, "allocbench kernel: ok in %.1f s, %u summary rows, %u frag rows\n", r.seconds,
            r.summary_rows, r.frag_rows);
    printf("results: %s\n", dir);
    return 0;
}

size_t kcmd_matrix_count(void)
{
    size_t n;
    ab_registry(&n);
    return n * (sizeof kernel_workloads / sizeof kernel_workloads[0]);
}

/* Appends the body of src (after its header) to dst, header first when
 * dst is new. 0, or -1 if dst cannot be written. */
static int append_body(const char *src, const char *dst, const char *hdr)
{
    size_t len = 0;
    char *body = host_read_body(src, &len, NULL, 0);
    int rc = body == NULL || len == 0 ? 0 : host_append_csv(dst, hdr, body, len, NULL, 0);
    free(body);
    return rc == 0 ? 0 : -1;
}

int kcmd_matrix_run(const char *run_dir, const char *cells_dir, size_t first_index,
                    size_t total_cells, hbuf *summary, hbuf *frag)
{
    const char *elf = kcmd_kernel_elf(NULL);
    size_t nst;
    const ab_strategy *const *all = ab_registry(&nst);
    size_t nwl = sizeof kernel_workloads / sizeof kernel_workloads[0];
    int failed = 0;
    if (!host_file_exists(elf))
        fprintf(stderr, "allocbench matrix: no kernel image at '%s': the kernel cells will "
                        "fail (--host-only leaves them out)\n", elf);
    for (size_t s = 0; s < nst; s++) {
        for (size_t w = 0; w < nwl; w++) {
            char key[256], sum_path[4600], frag_path[4600], cell_dir[4600], src[4700];
            snprintf(key, sizeof key, "kernel-tcg.%s.%s.256M", all[s]->name, kernel_workloads[w]);
            snprintf(sum_path, sizeof sum_path, "%s/%s.summary.csv", cells_dir, key);
            snprintf(frag_path, sizeof frag_path, "%s/%s.frag.csv", cells_dir, key);
            snprintf(cell_dir, sizeof cell_dir, "%s/%s.d", cells_dir, key);
            if (!host_file_exists(sum_path)) {
                fprintf(stderr, "[%zu/%zu] %s ...\n", first_index + s * nwl + w + 1, total_cells,
                        key);
                ab_kernel_opts o = {0};
                ab_kernel_result r;
                memset(&r, 0, sizeof r);
                o.kernel_elf = elf;
                o.run_dir = cell_dir;
                o.pmm = all[s]->name;
                o.workload = kernel_workloads[w];
                o.mem_bytes = KERNEL_MATRIX_MEM;
                o.mode = AB_KMODE_TCG;
                o.seed = 1;
                o.timeout_s = 120;
                ab_kstatus st = ab_kernel_run(&o, &r);
                if (st != AB_KRUN_OK) {
                    failed++;
                    fprintf(stderr, "  FAILED (%s): %s; serial log kept in %s\n",
                            ab_kernel_status_name(st), r.reason, cell_dir);
                    snprintf(src, sizeof src, "%s/failures.csv", cell_dir);
                    char dst[4200];
                    snprintf(dst, sizeof dst, "%s/failures.csv", run_dir);
                    if (append_body(src, dst, AB_FAILURES_CSV_HEADER) != 0)
                        return -1;
                }
                /* The cell's files carry a header; the matrix's cell files do not.
                 * Every run, failed or not, leaves a summary row (a status row). */
                size_t len = 0;
                snprintf(src, sizeof src, "%s/frag.csv", cell_dir);
                char *body = host_read_body(src, &len, NULL, 0);
                if (host_write_atomic(frag_path, body ? body : "", body ? len : 0) != 0)
                    return -1;
                free(body);
                snprintf(src, sizeof src, "%s/summary.csv", cell_dir);
                body = host_read_body(src, &len, NULL, 0);
                if (body == NULL || len == 0) {
                    fprintf(stderr, "allocbench matrix: %s left no summary row\n", key);
                    free(body);
                    return -1;
                }
                if (host_write_atomic(sum_path, body, len) != 0)
                    return -1;
                free(body);
            }
            hbuf_append_file(summary, sum_path);
            hbuf_append_file(frag, frag_path);
        }
    }
    return failed;
}
