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
#include <sys/stat.h>
#include <unistd.h>

#include "allocbench/heap.h"
#include "allocbench/registry.h"
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

static const char kernel_help[] =
    "usage: allocbench kernel --strategy S --workload W --mem SIZE [options]\n"
    "\n"
    "Boots the i386 kernel under qemu-system-i386 and runs one cell in it; the rows land\n"
    "in the run dir's summary.csv and frag.csv with env kernel-<mode>. A hang, panic,\n"
    "triple fault or lost output is recorded as a failed cell (failures.csv, serial log\n"
    "kept in kernel-logs/) and the command exits 1.\n"
    "  --strategy S     PMM strategy (allocbench list)\n"
    "  --vmm S2         VMM strategy for the kernel window (default: S if it serves runs)\n"
    "  --workload W     map, fault, kmalloc, a core workload (bulk, churn, ...),\n"
    "                   trace:FILE (a page trace, docs/traces.md) or mtrace:FILE (a\n"
    "                   malloc trace, docs/heaps.md), passed to the kernel as a module\n"
    "  --heap H         kmalloc's heap: slab or firstfit (default slab)\n"
    "  --mem SIZE       guest memory, QEMU -m (e.g. 256M, 3G)\n"
    "  --mode M         icount (deterministic cycles), tcg (emulated: relative figures),\n"
    "                   kvm (real cycles); default kvm when a kvm boot works, else tcg\n"
    "  --seed N         PRNG seed (default 1)\n"
    "  --ops N          operations for core workloads (default: the kernel's)\n"
    "  --timeout SEC    kill QEMU after SEC seconds (default 300)\n"
    "  --kernel ELF     kernel image (default $ALLOCBENCH_KERNEL or the build's)\n"
    "  --out DIR        run dir (default results/<UTC timestamp>, results/latest)\n";

static int kusage(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench kernel: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench kernel --help)\n");
    return 2;
}

int kcmd_main(int argc, char **argv)
{
    ab_kernel_opts o = {0};
    const char *out = NULL, *elf = NULL, *mode = NULL;
    o.seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(kernel_help, stdout);
            return 0;
        }
        static const char *const valued[] = {"--strategy", "--vmm",     "--workload",
                                             "--mem",      "--mode",    "--seed",
                                             "--ops",      "--timeout", "--kernel",
                                             "--out",      "--heap"};
        int known = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            known |= !strcmp(a, valued[k]);
        if (!known)
            return kusage("unknown argument '%s'", a);
        if (i + 1 >= argc)
            return kusage("%s needs a value", a);
        const char *v = argv[++i];
        char *end;
        if (!strcmp(a, "--strategy")) {
            if (ab_registry_find(v) == NULL)
                return kusage("--strategy: unknown strategy '%s' (see allocbench list)", v);
            o.pmm = v;
        } else if (!strcmp(a, "--vmm")) {
            const ab_strategy *st = ab_registry_find(v);
            if (st == NULL)
                return kusage("--vmm: unknown strategy '%s' (see allocbench list)", v);
            if (!(st->caps & AB_CAP_CONTIG))
                return kusage("--vmm: '%s' cannot serve page ranges for a VMM window", v);
            o.vmm = v;
        } else if (!strcmp(a, "--workload")) {
            o.workload = v;
        } else if (!strcmp(a, "--mem")) {
            o.mem_bytes = host_parse_size(v);
            if (o.mem_bytes < (16ull << 20) || o.mem_bytes > (3584ull << 20))
                return kusage("--mem: '%s' is not a guest size from 16M to 3584M", v);
        } else if (!strcmp(a, "--mode")) {
            mode = v;
            if (!ab_kernel_mode_parse(v, &o.mode))
                return kusage("--mode: '%s' is not icount, tcg or kvm", v);
        } else if (!strcmp(a, "--seed")) {
            o.seed = strtoull(v, &end, 0);
            if (*v < '0' || *v > '9' || *end != '\0')
                return kusage("--seed: '%s' is not a non-negative integer", v);
        } else if (!strcmp(a, "--ops")) {
            o.ops = strtoull(v, &end, 0);
            if (*v < '1' || *v > '9' || *end != '\0')
                return kusage("--ops: '%s' is not a positive integer", v);
        } else if (!strcmp(a, "--timeout")) {
            unsigned long t = strtoul(v, &end, 10);
            if (*v < '1' || *v > '9' || *end != '\0' || t > 86400)
                return kusage("--timeout: '%s' is not a number of seconds (1..86400)", v);
            o.timeout_s = (unsigned)t;
        } else if (!strcmp(a, "--kernel")) {
            elf = v;
        } else if (!strcmp(a, "--heap")) {
            if (ab_heap_find(v) == NULL)
                return kusage("--heap: '%s' is not a heap of heaps/heaps.def (slab, firstfit)", v);
            o.heap = v;
        } else {
            out = v;
        }
    }
    if (o.pmm == NULL)
        return kusage("%s is required", "--strategy");
    if (o.workload == NULL)
        return kusage("%s is required", "--workload");
    if (o.mem_bytes == 0)
        return kusage("%s is required", "--mem");
    char err[512];
    if (ab_kernel_opts_for_trace(&o, o.workload, err, sizeof err) < 0) {
        fprintf(stderr, "allocbench kernel: --workload: %s\n", err);
        return 1;
    }
    o.kernel_elf = kcmd_kernel_elf(elf);
    if (!host_file_exists(o.kernel_elf)) {
        fprintf(stderr, "allocbench kernel: no kernel image at '%s' (build it: make bench, or "
                        "cmake --build --preset release; or pass --kernel)\n", o.kernel_elf);
        return 2;
    }
    char dir[4096];
    if (out != NULL) {
        snprintf(dir, sizeof dir, "%s", out);
        if (host_mkdirs(dir) != 0)
            return kusage("--out: cannot create '%s'", out);
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench kernel: cannot create results/<timestamp>\n");
        return 1;
    }
    o.run_dir = dir;
    if (mode == NULL)
        o.mode = pick_mode(o.kernel_elf, dir);
    char size[32];
    host_format_size(o.mem_bytes, size, sizeof size);
    fprintf(stderr, "allocbench kernel: %s%s%s %s -m %s, mode %s ...\n", o.pmm, o.vmm ? "+" : "",
            o.vmm ? o.vmm : "", o.workload, size, ab_kernel_mode_name(o.mode));
    ab_kernel_result r;
    ab_kstatus s = ab_kernel_run(&o, &r);
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

/* Everything after the first line of path, or NULL if unreadable. */
static char *read_body(const char *path, size_t *len)
{
    size_t all;
    char *text = host_read_file(path, &all);
    if (text == NULL)
        return NULL;
    const char *nl = memchr(text, '\n', all);
    size_t skip = nl != NULL ? (size_t)(nl - text) + 1 : all;
    *len = all - skip;
    memmove(text, text + skip, *len + 1);
    return text;
}

/* Appends the body of src (after its header) to dst, writing hdr first when
 * dst is new. 0, or -1 if dst cannot be written. */
static int append_body(const char *src, const char *dst, const char *hdr)
{
    size_t len = 0;
    char *body = read_body(src, &len);
    if (body == NULL || len == 0) {
        free(body);
        return 0;
    }
    int fresh = !host_file_exists(dst);
    FILE *f = fopen(dst, "ab");
    if (f == NULL) {
        free(body);
        return -1;
    }
    if (fresh)
        fputs(hdr, f);
    fwrite(body, 1, len, f);
    free(body);
    return fclose(f) == 0 ? 0 : -1;
}

static void append_file(const char *path, hbuf *dst)
{
    size_t len;
    char *text = host_read_file(path, &len);
    if (text != NULL)
        hbuf_write(dst, text, len);
    free(text);
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
                    if (append_body(src, dst, AB_FAILURES_CSV_HEADER "\n") != 0)
                        return -1;
                }
                /* The cell's files carry a header; the matrix's cell files do not.
                 * Every run, failed or not, leaves a summary row (a status row). */
                size_t len = 0;
                snprintf(src, sizeof src, "%s/frag.csv", cell_dir);
                char *body = read_body(src, &len);
                if (host_write_atomic(frag_path, body ? body : "", body ? len : 0) != 0)
                    return -1;
                free(body);
                snprintf(src, sizeof src, "%s/summary.csv", cell_dir);
                body = read_body(src, &len);
                if (body == NULL || len == 0) {
                    fprintf(stderr, "allocbench matrix: %s left no summary row\n", key);
                    free(body);
                    return -1;
                }
                if (host_write_atomic(sum_path, body, len) != 0)
                    return -1;
                free(body);
            }
            append_file(sum_path, summary);
            append_file(frag_path, frag);
        }
    }
    return failed;
}
