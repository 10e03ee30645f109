/*
 * allocbench host side: boot one kernel cell under QEMU; see kernel_run.h.
 * The cell's names and command line, its module, QEMU's argv, the run
 * (host/lib/process: a polled timeout kills QEMU's process group); what
 * the serial log says is serial_rows.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "kernel_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocbench/mtrace.h"
#include "ptrace_module.h"
#include "csv.h"
#include "workload.h"
#include "allocbench/registry.h"
#include "trace.h"
#include "buffer.h"
#include "clock.h"
#include "file.h"
#include "process.h"
#include "serial_rows.h"


bool ab_kernel_kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

bool ab_kernel_mode_parse(const char *s, ab_kmode *out)
{
    static const char *const names[] = {"icount", "tcg", "kvm"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (ab_kmode)i;
            return true;
        }
    return false;
}

const char *ab_kernel_mode_name(ab_kmode m)
{
    return m == AB_KMODE_KVM ? "kvm" : m == AB_KMODE_TCG ? "tcg" : "icount";
}

const char *ab_kernel_status_name(ab_kstatus s)
{
    static const char *const names[] = {"ok",   "fail",  "panic", "reset", "timeout",
                                        "lost", "nokvm", "host",  "input"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const char *vmm_default(const char *pmm)
{
    const ab_strategy *p = ab_registry_find(pmm);
    if (p == NULL || (p->caps & AB_CAP_CONTIG))
        return pmm;
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (size_t i = 0; i < n; i++)
        if ((all[i]->caps & AB_CAP_CONTIG) && !(all[i]->caps & AB_CAP_HOSTONLY))
            return all[i]->name;
    return pmm;
}

/* Commas and quotes would break the CSV line. */
static void csv_clean(char *s)
{
    for (; *s != '\0'; s++)
        if (*s == ',' || *s == '"' || *s == '\n')
            *s = *s == ',' ? ';' : '\'';
}

typedef struct cell_names {
    char env[32], strategy[128], role[16], cmdline[1024], stem[256];
    char module[1400];   /* the file QEMU loads (-initrd), "" if none */
    char initrd[2900];   /* module with ',' doubled (QEMU's escape) */
    bool module_tmp;     /* module was written here: remove it after */
} cell_names;

static void record_failure(const ab_kernel_opts *o, const cell_names *c, ab_kernel_result *r)
{
    char why[256];
    csv_clean(r->reason);
    /* A status row in summary.csv, through core's own formatter. */
    static ab_wl_result wr;
    memset(&wr, 0, sizeof wr);
    wr.outcome = r->status == AB_KRUN_TIMEOUT ? AB_WL_TIMEOUT : AB_WL_ERROR;
    ab_cell cell = {c->env, c->strategy, c->role, o->workload, o->mem_bytes, o->fill_pm,
                    o->seed, 1, 0};
    ab_timer t = {0, 0, 0};
    hbuf row = {0}, header = {0};
    ab_out ro = {hbuf_write, &row}, ho = {hbuf_write, &header};
    ab_csv_summary_rows(&ro, &cell, &wr, &t);
    ab_csv_summary_header(&ho);
    char path[1024];
    if (header.p != NULL && row.p != NULL) {
        header.p[strcspn(header.p, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/summary.csv", o->run_dir);
        host_append_csv(path, header.p, row.p, row.len, why, sizeof why);
    }
    free(row.p);
    free(header.p);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s,%s,%s,%s,%llu,%llu,%s,%d,%s,%s\n", c->env,
                     c->strategy, c->role, o->workload, (unsigned long long)o->mem_bytes,
                     (unsigned long long)o->seed, ab_kernel_status_name(r->status),
                     r->qemu_exit, r->reason, r->log_path);
    snprintf(path, sizeof path, "%s/failures.csv", o->run_dir);
    host_append_csv(path, AB_FAILURES_CSV_HEADER, line, (size_t)n, why, sizeof why);
}

static void build_names(const ab_kernel_opts *o, cell_names *c)
{
    const char *vmm = o->vmm ? o->vmm : vmm_default(o->pmm);
    snprintf(c->env, sizeof c->env, "kernel-%s", ab_kernel_mode_name(o->mode));
    char label[64];
    /* As the kernel labels its rows (kmain.c): a core workload carries
       the one strategy it drives. */
    if (ab_workload_parse(o->workload) != AB_WL_COUNT)
        snprintf(label, sizeof label, "%s",
                 o->role != NULL && strcmp(o->role, "vmm") == 0 ? vmm : o->pmm);
    else if (strcmp(vmm, o->pmm) == 0)
        snprintf(label, sizeof label, "%s", o->pmm);
    else
        snprintf(label, sizeof label, "%s+%s", o->pmm, vmm);
    if (ab_kernel_heap_workload(o->workload))
        snprintf(c->strategy, sizeof c->strategy, "%s@%s", o->heap ? o->heap : "slab", label);
    else
        snprintf(c->strategy, sizeof c->strategy, "%s", label);
    ab_workload_kind k = ab_workload_parse(o->workload);
    snprintf(c->role, sizeof c->role, "%s",
             k != AB_WL_COUNT ? (o->role ? o->role : "pmm") : "kernel");
    if (o->raw_cmdline != NULL) {
        snprintf(c->cmdline, sizeof c->cmdline, "%s", o->raw_cmdline);
    } else {
        int n = snprintf(c->cmdline, sizeof c->cmdline,
                         "pmm=%s vmm=%s workload=%s seed=%llu mode=%s mem=%llu", o->pmm, vmm,
                         o->workload, (unsigned long long)o->seed, ab_kernel_mode_name(o->mode),
                         (unsigned long long)o->mem_bytes);
        if (o->fill_pm != 0)
            n += snprintf(c->cmdline + n, sizeof c->cmdline - (size_t)n, " fill=%u.%03u",
                          o->fill_pm / 1000, o->fill_pm % 1000);
        if (o->ops != 0)
            n += snprintf(c->cmdline + n, sizeof c->cmdline - (size_t)n, " ops=%llu",
                          (unsigned long long)o->ops);
        if (o->role != NULL)
            n += snprintf(c->cmdline + n, sizeof c->cmdline - (size_t)n, " role=%s", o->role);
        if (o->heap != NULL)
            n += snprintf(c->cmdline + n, sizeof c->cmdline - (size_t)n, " heap=%s", o->heap);
        if (o->extra != NULL)
            snprintf(c->cmdline + n, sizeof c->cmdline - (size_t)n, " %s", o->extra);
    }
    snprintf(c->stem, sizeof c->stem, "%s_%s_%s_%lluM_%llu", c->env, c->strategy, o->workload,
             (unsigned long long)(o->mem_bytes >> 20), (unsigned long long)o->seed);
    for (char *p = c->stem; *p != '\0'; p++)
        if (*p == '/' || *p == ' ' || *p == ':')
            *p = '-';
}

bool ab_kernel_heap_workload(const char *workload)
{
    return workload != NULL && (strcmp(workload, "kmalloc") == 0 || strcmp(workload, "mtrace") == 0);
}

int ab_kernel_write_ptrace(const char *trace_path, const char *out_path, char *err,
                           size_t err_len)
{
    trace t;
    if (trace_load(trace_path, &t, err, err_len) != 0)
        return -1;
    unsigned char head[AB_PT_HEADER_BYTES], rec[AB_PT_RECORD_BYTES];
    ab_pt_header_encode(head, t.len, t.ids,
                        t.role == 0 ? 0u : t.role == 1 ? 1u : AB_PT_ROLE_NONE);
    hbuf b = {0};
    hbuf_write(&b, (const char *)head, sizeof head);
    for (size_t i = 0; i < t.len; i++) {
        const ab_trace_rec *r = &t.recs[i];
        bool alloc = r->op == AB_TRACE_ALLOC;
        ab_pt_record_encode(rec, r->op, r->id, alloc ? r->npages : 0, alloc ? r->align : 0);
        hbuf_write(&b, (const char *)rec, sizeof rec);
    }
    trace_free(&t);
    int rc = host_write_atomic(out_path, b.p, b.len);
    if (rc != 0)
        snprintf(err, err_len, "%s: %s", out_path, strerror(errno));
    hbuf_free(&b);
    return rc;
}

int ab_kernel_opts_for_trace(ab_kernel_opts *o, const char *spec, char *err, size_t err_len)
{
    const char *file;
    bool page;
    if (strncmp(spec, "trace:", 6) == 0) {
        file = spec + 6;
        page = true;
    } else if (strncmp(spec, "mtrace:", 7) == 0) {
        file = spec + 7;
        page = false;
    } else if (strcmp(spec, "trace") == 0 || strcmp(spec, "mtrace") == 0) {
        snprintf(err, err_len, "workload %s needs a file: %s:FILE", spec, spec);
        return -1;
    } else {
        return 1;
    }
    if (*file == '\0') {
        snprintf(err, err_len, "%s needs a file: %s:FILE", spec, page ? "trace" : "mtrace");
        return -1;
    }
    if (strchr(file, ' ') != NULL) {
        snprintf(err, err_len, "%s: QEMU's -initrd cuts a module's file name at a space; "
                 "rename or link the file", file);
        return -1;
    }
    size_t len;
    char *data = trace_read_file(file, &len, err, err_len);
    if (data == NULL)
        return -1;
    int rc = 0;
    if (page && ab_pt_is_module((const unsigned char *)data, len)) {
        ab_pt_header h;
        uint64_t bad;
        const char *why = ab_pt_validate((const unsigned char *)data, len, &h, &bad);
        if (why != NULL) {
            snprintf(err, err_len, "%s: record %llu: %s", file, (unsigned long long)bad, why);
            rc = -1;
        } else if (o->role == NULL && h.role != AB_PT_ROLE_NONE) {
            o->role = h.role == 1 ? "vmm" : "pmm";
        }
    } else if (page) {
        trace t;
        if (trace_parse(data, len, file, &t, err, err_len) != 0) {
            rc = -1;
        } else {
            /* The PMM manages a little less than the guest's memory; the
             * VMM role replays on the window (window=, 256 MiB). */
            uint64_t pages = o->mem_bytes >> 12;
            bool vmm = o->role != NULL ? strcmp(o->role, "vmm") == 0 : t.role == 1;
            if (!vmm && o->mem_bytes != 0 && t.peak_pages > pages) {
                snprintf(err, err_len, "%s needs %llu pages at its peak; the guest's %llu MiB "
                         "hold %llu", file, (unsigned long long)t.peak_pages,
                         (unsigned long long)(o->mem_bytes >> 20), (unsigned long long)pages);
                rc = -1;
            } else if (o->role == NULL && t.role >= 0) {
                o->role = t.role == 1 ? "vmm" : "pmm";
            }
            trace_free(&t);
        }
    } else {
        ab_mt_header h;
        if (len < AB_MT_HEADER_BYTES || !ab_mt_header_decode((const unsigned char *)data, &h)) {
            snprintf(err, err_len, "%s: not a malloc trace (magic ABMTRACE, version %u, "
                     "record size %u: include/allocbench/mtrace.h)", file, AB_MT_VERSION,
                     AB_MT_RECORD_BYTES);
            rc = -1;
        } else if ((len - AB_MT_HEADER_BYTES) % AB_MT_RECORD_BYTES != 0) {
            snprintf(err, err_len, "%s: truncated: %zu bytes after the header is not a whole "
                     "number of %u-byte records", file, len - AB_MT_HEADER_BYTES,
                     AB_MT_RECORD_BYTES);
            rc = -1;
        }
    }
    free(data);
    if (rc == 0) {
        o->workload = page ? "trace" : "mtrace";
        o->module_path = file;
    }
    return rc;
}

/*
 * The module for this cell: a text page trace converted into
 * <logdir>/<stem>.abpt, anything else as it is. 0, or -1 with why set.
 */
static int module_prepare(const ab_kernel_opts *o, cell_names *c, const char *logdir, char *why,
                          size_t why_len)
{
    c->module[0] = c->initrd[0] = '\0';
    c->module_tmp = false;
    if (o->module_path == NULL)
        return 0;
    size_t len;
    char *data = trace_read_file(o->module_path, &len, why, why_len);
    if (data == NULL)
        return -1;
    bool convert = strcmp(o->workload, "trace") == 0 &&
                   !ab_pt_is_module((const unsigned char *)data, len);
    free(data);
    if (convert) {
        snprintf(c->module, sizeof c->module, "%s/%s.abpt", logdir, c->stem);
        if (ab_kernel_write_ptrace(o->module_path, c->module, why, why_len) != 0)
            return -1;
        c->module_tmp = true;
    } else {
        snprintf(c->module, sizeof c->module, "%s", o->module_path);
    }
    if (strchr(c->module, ' ') != NULL) {
        snprintf(why, why_len, "%.200s: QEMU's -initrd cuts a module's file name at a space",
                 c->module);
        return -1;
    }
    size_t k = 0;
    for (const char *p = c->module; *p != '\0' && k + 2 < sizeof c->initrd; p++) {
        c->initrd[k++] = *p;
        if (*p == ',')
            c->initrd[k++] = ','; /* QEMU's option escape */
    }
    c->initrd[k] = '\0';
    return 0;
}

/* QEMU's argv for this cell, into argv (room for 40). */
static void qemu_argv(const ab_kernel_opts *o, const cell_names *c, char *mem, char *serial,
                      const char **argv)
{
    static const char *const accel[][5] = {
        [AB_KMODE_ICOUNT] = {"-accel", "tcg", "-icount", "shift=0", NULL},
        [AB_KMODE_TCG] = {"-accel", "tcg", NULL},
        [AB_KMODE_KVM] = {"-accel", "kvm", "-cpu", "host", NULL},
    };
    int a = 0;
    argv[a++] = o->qemu ? o->qemu : "qemu-system-i386";
    const char *fixed[] = {"-nodefaults", "-display", "none", "-no-reboot", "-m", mem, "-kernel",
                           o->kernel_elf, "-append", c->cmdline, "-serial", serial, "-device",
                           "isa-debug-exit,iobase=0xf4,iosize=0x04"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        argv[a++] = fixed[i];
    if (c->initrd[0] != '\0') {
        argv[a++] = "-initrd";
        argv[a++] = c->initrd;
    }
    for (int i = 0; (unsigned)o->mode < 3 && accel[o->mode][i] != NULL; i++)
        argv[a++] = accel[o->mode][i];
    argv[a] = NULL;
}

/* Runs QEMU; returns the exit status, -1 if killed by the timeout, -2 if it
 * could not start. QEMU leads its own process group, killed whole. */
static int qemu_spawn(const ab_kernel_opts *o, const cell_names *c, const char *log,
                      const char *qemu_out, bool *timed_out)
{
    char mem[32], serial[1500];
    snprintf(mem, sizeof mem, "%lluM", (unsigned long long)(o->mem_bytes >> 20));
    snprintf(serial, sizeof serial, "file:%s", log);
    const char *argv[40];
    qemu_argv(o, c, mem, serial, argv);
    hproc p = {.argv = (char *const *)argv, .out_path = qemu_out, .err_path = qemu_out,
               .own_group = true};
    *timed_out = false;
    if (hproc_spawn(&p) != 0)
        return -2;
    hproc_end e = hproc_wait(&p, o->timeout_s ? o->timeout_s : 300);
    if (e == HPROC_ERROR)
        return -2;
    if (e == HPROC_TIMEOUT) {
        *timed_out = true;
        return -1;
    }
    if (WIFEXITED(p.status))
        return WEXITSTATUS(p.status) == 127 ? -2 : WEXITSTATUS(p.status);
    return -1;
}

/* Before QEMU: the log folder, kvm, the module. 0, or the failed status
 * (recorded). */
static ab_kstatus cell_prepare(const ab_kernel_opts *o, cell_names *c, ab_kernel_result *r,
                               char *qemu_out, size_t qemu_out_len)
{
    char logdir[1024];
    snprintf(logdir, sizeof logdir, "%s/kernel-logs", o->run_dir);
    if (host_mkdirs(logdir) != 0) {
        r->status = AB_KRUN_HOST;
        snprintf(r->reason, sizeof r->reason, "cannot create %.160s: %.60s", logdir, strerror(errno));
        return r->status;
    }
    snprintf(r->log_path, sizeof r->log_path, "%s/%s.log", logdir, c->stem);
    snprintf(qemu_out, qemu_out_len, "%s/%s.qemu.txt", logdir, c->stem);
    if (o->mode == AB_KMODE_KVM && !ab_kernel_kvm_usable()) {
        r->status = AB_KRUN_NOKVM;
        snprintf(r->reason, sizeof r->reason, "mode kvm: /dev/kvm cannot be opened");
        record_failure(o, c, r);
        return r->status;
    }
    if (module_prepare(o, c, logdir, r->reason, sizeof r->reason) != 0) {
        r->status = AB_KRUN_INPUT;
        r->log_path[0] = '\0';
        record_failure(o, c, r);
        return r->status;
    }
    return AB_KRUN_OK;
}

ab_kstatus ab_kernel_run(const ab_kernel_opts *o, ab_kernel_result *r)
{
    memset(r, 0, sizeof *r);
    r->qemu_exit = -1;
    static cell_names c;
    build_names(o, &c);
    char qemu_out[1400];
    if (cell_prepare(o, &c, r, qemu_out, sizeof qemu_out) != AB_KRUN_OK)
        return r->status;
    bool timed_out;
    double t0 = host_now_s();
    r->qemu_exit = qemu_spawn(o, &c, r->log_path, qemu_out, &timed_out);
    r->seconds = host_now_s() - t0;

    size_t len = 0;
    char *log = host_read_file(r->log_path, &len);
    if (log == NULL)
        log = calloc(1, 1), len = 0;
    else
        len = serial_drop_cr(log, len);
    serial_verdict(log, len, timed_out, o->timeout_s ? o->timeout_s : 300,
                   o->qemu ? o->qemu : "qemu-system-i386", qemu_out, r);
    if (r->status == AB_KRUN_OK)
        serial_rows_append(log, len, o->run_dir, r);
    free(log);
    if (r->status != AB_KRUN_OK) {
        record_failure(o, &c, r);
    } else {
        remove(qemu_out);
        if (!o->keep_log) {
            remove(r->log_path);
            r->log_path[0] = '\0';
            if (c.module_tmp)
                remove(c.module);
        }
    }
    return r->status;
}
