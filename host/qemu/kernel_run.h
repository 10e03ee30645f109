/*
 * allocbench host side: one kernel cell under QEMU.
 *
 * ab_kernel_run() boots qemu-system-i386 -kernel allocbench-kernel.elf with a
 * command line built from the options, waits (with a timeout) for it to
 * exit, reads the serial log, checks the framing the kernel prints
 * (kernel/out.h: @@AB-BEGIN, H/R lines, @@AB-END rows=N fnv1a=H, then
 * @@AB-CHECK and @@AB-PASS) and then:
 *   - on success appends the rows to <run_dir>/summary.csv and frag.csv
 *     (header written when the file is new, checked when it is not) and
 *     deletes the serial log unless keep_log is set;
 *   - on any failure (bad command line, check() dirty, panic, triple fault,
 *     hang, lost or corrupted output, QEMU not starting) appends a status
 *     row to summary.csv (op "-", status error or timeout), a line to
 *     <run_dir>/failures.csv with the reason, and keeps the serial log in
 *     <run_dir>/kernel-logs/.
 * Either way the cell is recorded and the caller can go on with the next.
 *
 * QEMU exit statuses: 33 pass, 35 fail, 37 panic (isa-debug-exit gives
 * (code << 1) | 1); a triple fault under -no-reboot exits 0.
 *
 * Modes: icount (-icount shift=0: deterministic, same cycles every run),
 * tcg (emulated, relative figures only), kvm (-enable-kvm -cpu host: real
 * cycles; only when /dev/kvm can be opened). env column: kernel-<mode>.
 */
#ifndef ALLOCBENCH_KERNEL_RUN_H
#define ALLOCBENCH_KERNEL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The header of a run's failures.csv (docs/results.md), without newline:
 * kernel cells and crashed host cells write the same columns. */
#define AB_FAILURES_CSV_HEADER \
    "env,strategy,role,workload,mem_bytes,seed,status,qemu_exit,reason,log"

typedef enum ab_kmode { AB_KMODE_ICOUNT = 0, AB_KMODE_TCG = 1, AB_KMODE_KVM = 2 } ab_kmode;

typedef enum ab_kstatus {
    AB_KRUN_OK = 0,      /* pass marker, framing and checksum good */
    AB_KRUN_FAIL,        /* the kernel exited with its fail status: bad
                            command line, check() dirty, workload error */
    AB_KRUN_PANIC,       /* exception, assert or panic() */
    AB_KRUN_RESET,       /* QEMU exited 0: a triple fault (-no-reboot) */
    AB_KRUN_TIMEOUT,     /* killed after timeout_s */
    AB_KRUN_LOST,        /* pass status, but markers, count or checksum bad */
    AB_KRUN_NOKVM,       /* kvm asked for and /dev/kvm unusable */
    AB_KRUN_HOST,        /* QEMU missing, fork failed, files unwritable */
    AB_KRUN_INPUT,       /* module_path unreadable or not a valid trace:
                            QEMU was not started */
} ab_kstatus;

typedef struct ab_kernel_opts {
    const char *qemu;        /* NULL: "qemu-system-i386" from PATH */
    const char *kernel_elf;  /* allocbench-kernel.elf */
    const char *run_dir;     /* created if missing */
    const char *pmm;         /* strategy names */
    const char *vmm;         /* NULL: the kernel's default */
    const char *workload;    /* map, fault, kmalloc, trace, mtrace, boot,
                                crash, triple, hang, or a core
                                workload (bulk, churn, ...) */
    uint64_t mem_bytes;      /* -m, and the mem_bytes column */
    ab_kmode mode;
    uint64_t seed;
    uint32_t fill_pm;        /* 0: workload default */
    uint64_t ops;            /* 0: kernel default */
    const char *role;        /* NULL or "pmm" / "vmm" (core workloads) */
    const char *extra;       /* more key=value words for the kernel, or NULL */
    const char *raw_cmdline; /* non-NULL: the whole -append text, as is
                                (tests use it for bad command lines) */
    const char *heap;        /* kmalloc's heap (heap=), NULL: the kernel's
                                default, slab */
    const char *module_path; /* a file QEMU loads as the multiboot module
                                (-initrd), or NULL. workload "trace": a text
                                page trace (docs/traces.md), converted here
                                to the binary module of
                                kernel/ptrace_module.h (a file that already
                                starts with ABPTRACE goes as is); workload
                                "mtrace": a malloc trace (.abt), as is */
    unsigned timeout_s;      /* 0: 300 */
    bool keep_log;           /* keep the serial log even on success */
} ab_kernel_opts;

typedef struct ab_kernel_result {
    ab_kstatus status;
    int qemu_exit;           /* exit status, or -1 if killed / not run */
    unsigned summary_rows, frag_rows;
    bool check_clean;        /* @@AB-CHECK seen, every broken= and leaked=
                                0 (pmm, vmm and heap) */
    double seconds;          /* wall time of the QEMU run */
    char log_path[1400];     /* serial log ("" if deleted) */
    char reason[256];        /* one line, for failures.csv */
} ab_kernel_result;

/* Runs one cell as described above. Returns r->status. */
ab_kstatus ab_kernel_run(const ab_kernel_opts *o, ab_kernel_result *r);

/*
 * For `allocbench kernel --workload trace:FILE` / `mtrace:FILE`: if spec is
 * "trace:FILE" or "mtrace:FILE", checks FILE (a page trace is parsed in
 * full, a malloc trace's header and length are checked), then sets
 * o->workload to "trace" / "mtrace", o->module_path to FILE (pointing into
 * spec: keep spec alive), and for a page trace o->role from its "# role:"
 * line when o->role is NULL. Returns 0 then; 1 if spec is not such a spec
 * (o untouched); -1 with err = "FILE:LINE: reason" or "FILE: reason" (exit
 * status 1 material), or for a bare "trace" / "mtrace" ("workload trace
 * needs a file: trace:FILE"). Call it after o->mem_bytes is set: a page trace whose
 * peak does not fit in the guest's memory is refused here too.
 */
int ab_kernel_opts_for_trace(ab_kernel_opts *o, const char *spec, char *err, size_t err_len);

/*
 * Writes a text page trace (docs/traces.md) as the kernel's binary module
 * (kernel/ptrace_module.h) to out_path. 0, or -1 with err set.
 */
int ab_kernel_write_ptrace(const char *trace_path, const char *out_path, char *err,
                           size_t err_len);

/* True iff the workload drives kmalloc: its rows' strategy is "heap@pmm". */
bool ab_kernel_heap_workload(const char *workload);

/* True iff /dev/kvm can be opened read-write. */
bool ab_kernel_kvm_usable(void);

/* "icount", "tcg", "kvm" -> mode; false if unknown. */
bool ab_kernel_mode_parse(const char *s, ab_kmode *out);
const char *ab_kernel_mode_name(ab_kmode m);
/* "ok", "fail", "panic", "reset", "timeout", "lost", "nokvm", "host",
 * "input". */
const char *ab_kernel_status_name(ab_kstatus s);

/*
 * Checks a serial log's framing (exposed for tests). On success, *rows is
 * the R line count and the function returns true; otherwise why (if
 * non-NULL, why_len > 0) says what is wrong.
 */
bool ab_kernel_log_check(const char *log, size_t len, unsigned *rows, char *why,
                         size_t why_len);

#endif
