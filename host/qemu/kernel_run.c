/*
 * allocbench host side: boot one kernel cell under QEMU; see kernel_run.h.
 * POSIX: fork/exec, waitpid with a polled timeout, kill of that one child.
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

#define QEMU_PASS 33
#define QEMU_FAIL 35
#define QEMU_PANIC 37

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

/* FNV-1a 64, as kernel/out.c computes it. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void set_why(char *why, size_t len, const char *msg)
{
    if (why != NULL && len > 0)
        snprintf(why, len, "%s", msg);
}

/* Next line of buf (without '\n'); false at the end. */
static bool next_line(const char *buf, size_t len, size_t *at, const char **line,
                      size_t *line_len)
{
    if (*at >= len)
        return false;
    const char *start = buf + *at;
    const char *nl = memchr(start, '\n', len - *at);
    size_t n = nl ? (size_t)(nl - start) : len - *at;
    *line = start;
    *line_len = n;
    *at += n + (nl ? 1 : 0);
    return true;
}

static bool starts(const char *line, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && memcmp(line, prefix, p) == 0;
}

bool ab_kernel_log_check(const char *log, size_t len, unsigned *rows, char *why,
                         size_t why_len)
{
    size_t at = 0, n;
    const char *line;
    bool begun = false;
    unsigned count = 0;
    uint64_t h = 0xcbf29ce484222325ull;
    while (next_line(log, len, &at, &line, &n)) {
        if (!begun) {
            if (n == 13 && memcmp(line, "@@AB-BEGIN v1", 13) == 0)
                begun = true;
            continue;
        }
        if (starts(line, n, "@@AB-END ")) {
            unsigned want_rows;
            unsigned long long want_hash;
            char tail[64];
            size_t k = n < sizeof tail - 1 ? n : sizeof tail - 1;
            memcpy(tail, line, k);
            tail[k] = '\0';
            if (sscanf(tail, "@@AB-END rows=%u fnv1a=%llx", &want_rows, &want_hash) != 2) {
                set_why(why, why_len, "malformed end marker");
                return false;
            }
            if (want_rows != count) {
                snprintf(why, why_len, "end marker says %u rows, log has %u", want_rows, count);
                return false;
            }
            if (want_hash != h) {
                snprintf(why, why_len, "checksum mismatch: kernel %016llx, log %016llx",
                         want_hash, (unsigned long long)h);
                return false;
            }
            *rows = count;
            return true;
        }
        if (starts(line, n, "R "))
            count++;
        else if (!starts(line, n, "H ")) {
            set_why(why, why_len, "stray line inside the output block");
            return false;
        }
        h = fnv1a(h, line, n);
        h = fnv1a(h, "\n", 1);
    }
    set_why(why, why_len, begun ? "no end marker (output lost or cut short)"
                                : "no begin marker (the kernel never reached its workload)");
    return false;
}

/* Whole file into a malloc'd buffer with every '\r' dropped. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int c;
    while (buf != NULL && (c = getc(f)) != EOF) {
        if (c == '\r')
            continue;
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
        buf[n++] = (char)c;
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static int mkdirs(const char *path)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return -1;
    for (char *p = tmp + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The VMM the kernel would pick, so that the strategy label is known here. */
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

/* Appends text to path as one write; header first if the file is new, else
 * the file's first line must equal header. 0, or -1 with why set. */
static int append_csv(const char *path, const char *header, const char *text, size_t len,
                      char *why, size_t why_len)
{
    FILE *f = fopen(path, "r");
    bool fresh = true;
    if (f != NULL) {
        char first[4096];
        if (fgets(first, sizeof first, f) != NULL) {
            fresh = false;
            first[strcspn(first, "\n")] = '\0';
            if (header != NULL && strcmp(first, header) != 0) {
                fclose(f);
                snprintf(why, why_len, "%s: header differs from the kernel's", path);
                return -1;
            }
        }
        fclose(f);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t hl = header ? strlen(header) : 0;
    char *all = malloc(hl + 1 + len);
    if (all == NULL) {
        close(fd);
        return -1;
    }
    size_t n = 0;
    if (fresh && header != NULL) {
        memcpy(all, header, hl);
        all[hl] = '\n';
        n = hl + 1;
    }
    memcpy(all + n, text, len);
    n += len;
    ssize_t w = write(fd, all, n);
    free(all);
    fsync(fd);
    close(fd);
    if (w != (ssize_t)n) {
        snprintf(why, why_len, "%s: short write", path);
        return -1;
    }
    return 0;
}

/* A growing string for the rows of one table. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sbuf_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sbuf_write(void *ctx, const char *s, size_t n) { sbuf_add(ctx, s, n); }

/* Rows of the block into summary/frag buffers, headers into hs/hf. */
static void log_split(const char *log, size_t len, sbuf *summary, sbuf *frag, sbuf *hs,
                      sbuf *hf, unsigned *ns, unsigned *nf)
{
    size_t at = 0, n;
    const char *line;
    bool in = false;
    while (next_line(log, len, &at, &line, &n)) {
        if (starts(line, n, "@@AB-BEGIN")) {
            in = true;
            continue;
        }
        if (!in)
            continue;
        if (starts(line, n, "@@AB-END"))
            break;
        bool row = line[0] == 'R';
        const char *rest = line + 2;
        size_t rn = n - 2;
        sbuf *dst = NULL;
        if (rn > 8 && memcmp(rest, "summary ", 8) == 0) {
            dst = row ? summary : hs;
            rest += 8, rn -= 8;
            if (row)
                (*ns)++;
        } else if (rn > 5 && memcmp(rest, "frag ", 5) == 0) {
            dst = row ? frag : hf;
            rest += 5, rn -= 5;
            if (row)
                (*nf)++;
        }
        if (dst != NULL && (row || dst->len == 0)) {
            sbuf_add(dst, rest, rn);
            if (row)
                sbuf_add(dst, "\n", 1);
        }
    }
}

/* The first line starting with prefix, copied (without prefix) to out. */
static bool log_find(const char *log, size_t len, const char *prefix, char *out,
                     size_t out_len)
{
    size_t at = 0, n;
    const char *line;
    while (next_line(log, len, &at, &line, &n))
        if (starts(line, n, prefix)) {
            size_t p = strlen(prefix), k = n - p < out_len - 1 ? n - p : out_len - 1;
            memcpy(out, line + p, k);
            out[k] = '\0';
            return true;
        }
    return false;
}

/*
 * The @@AB-CHECK line (without its prefix): "pmm=S broken=N leaked=N vmm=S
 * broken=N leaked=N [heap=H broken=N leaked=N]". Clean iff pmm and vmm are
 * there and every broken= and leaked= is 0.
 */
static bool check_line_clean(const char *line)
{
    bool pmm = false, vmm = false;
    unsigned counts = 0;
    for (const char *p = line; *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n > 4 && memcmp(p, "pmm=", 4) == 0)
            pmm = true;
        else if (n > 4 && memcmp(p, "vmm=", 4) == 0)
            vmm = true;
        else if ((n > 7 && memcmp(p, "broken=", 7) == 0) || (n > 7 && memcmp(p, "leaked=", 7) == 0)) {
            if (n != 8 || p[7] != '0')
                return false;
            counts++;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    return pmm && vmm && counts >= 4;
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
    sbuf row = {0}, header = {0};
    ab_out ro = {sbuf_write, &row}, ho = {sbuf_write, &header};
    ab_csv_summary_rows(&ro, &cell, &wr, &t);
    ab_csv_summary_header(&ho);
    char path[1024];
    if (header.p != NULL && row.p != NULL) {
        header.p[strcspn(header.p, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/summary.csv", o->run_dir);
        append_csv(path, header.p, row.p, row.len, why, sizeof why);
    }
    free(row.p);
    free(header.p);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s,%s,%s,%s,%llu,%llu,%s,%d,%s,%s\n", c->env,
                     c->strategy, c->role, o->workload, (unsigned long long)o->mem_bytes,
                     (unsigned long long)o->seed, ab_kernel_status_name(r->status),
                     r->qemu_exit, r->reason, r->log_path);
    snprintf(path, sizeof path, "%s/failures.csv", o->run_dir);
    append_csv(path, AB_FAILURES_CSV_HEADER,
               line, (size_t)n, why, sizeof why);
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
    char tmp[1500];
    snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
        trace_free(&t);
        return -1;
    }
    unsigned char head[AB_PT_HEADER_BYTES], rec[AB_PT_RECORD_BYTES];
    ab_pt_header_encode(head, t.len, t.ids,
                        t.role == 0 ? 0u : t.role == 1 ? 1u : AB_PT_ROLE_NONE);
    bool ok = fwrite(head, sizeof head, 1, f) == 1;
    for (size_t i = 0; ok && i < t.len; i++) {
        const ab_trace_rec *r = &t.recs[i];
        bool alloc = r->op == AB_TRACE_ALLOC;
        ab_pt_record_encode(rec, r->op, r->id, alloc ? r->npages : 0, alloc ? r->align : 0);
        ok = fwrite(rec, sizeof rec, 1, f) == 1;
    }
    ok = fclose(f) == 0 && ok;
    trace_free(&t);
    if (!ok || rename(tmp, out_path) != 0) {
        snprintf(err, err_len, "%s: %s", out_path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
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

/* fork + exec QEMU; returns the exit status, -1 if killed by the timeout,
 * -2 if it could not start. */
static int qemu_spawn(const ab_kernel_opts *o, const cell_names *c, const char *log,
                      const char *qemu_out, bool *timed_out)
{
    char mem[32], serial[1500];
    snprintf(mem, sizeof mem, "%lluM", (unsigned long long)(o->mem_bytes >> 20));
    snprintf(serial, sizeof serial, "file:%s", log);
    const char *argv[40];
    int a = 0;
    argv[a++] = o->qemu ? o->qemu : "qemu-system-i386";
    argv[a++] = "-nodefaults";
    argv[a++] = "-display";
    argv[a++] = "none";
    argv[a++] = "-no-reboot";
    argv[a++] = "-m";
    argv[a++] = mem;
    argv[a++] = "-kernel";
    argv[a++] = o->kernel_elf;
    argv[a++] = "-append";
    argv[a++] = c->cmdline;
    argv[a++] = "-serial";
    argv[a++] = serial;
    argv[a++] = "-device";
    argv[a++] = "isa-debug-exit,iobase=0xf4,iosize=0x04";
    if (c->initrd[0] != '\0') {
        argv[a++] = "-initrd";
        argv[a++] = c->initrd;
    }
    switch (o->mode) {
    case AB_KMODE_ICOUNT:
        argv[a++] = "-accel";
        argv[a++] = "tcg";
        argv[a++] = "-icount";
        argv[a++] = "shift=0";
        break;
    case AB_KMODE_TCG:
        argv[a++] = "-accel";
        argv[a++] = "tcg";
        break;
    case AB_KMODE_KVM:
        argv[a++] = "-accel";
        argv[a++] = "kvm";
        argv[a++] = "-cpu";
        argv[a++] = "host";
        break;
    }
    argv[a] = NULL;

    *timed_out = false;
    pid_t pid = fork();
    if (pid < 0)
        return -2;
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(qemu_out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (in >= 0)
            dup2(in, 0);
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    unsigned timeout = o->timeout_s ? o->timeout_s : 300;
    double deadline = now_s() + timeout;
    int st;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -2;
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            *timed_out = true;
            return -1;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 127 ? -2 : WEXITSTATUS(st);
    return -1;
}

ab_kstatus ab_kernel_run(const ab_kernel_opts *o, ab_kernel_result *r)
{
    memset(r, 0, sizeof *r);
    r->qemu_exit = -1;
    static cell_names c;
    build_names(o, &c);
    char logdir[1024], qemu_out[1400];
    snprintf(logdir, sizeof logdir, "%s/kernel-logs", o->run_dir);
    if (mkdirs(logdir) != 0) {
        r->status = AB_KRUN_HOST;
        snprintf(r->reason, sizeof r->reason, "cannot create %.160s: %.60s", logdir, strerror(errno));
        return r->status;
    }
    snprintf(r->log_path, sizeof r->log_path, "%s/%s.log", logdir, c.stem);
    snprintf(qemu_out, sizeof qemu_out, "%s/%s.qemu.txt", logdir, c.stem);

    if (o->mode == AB_KMODE_KVM && !ab_kernel_kvm_usable()) {
        r->status = AB_KRUN_NOKVM;
        snprintf(r->reason, sizeof r->reason, "mode kvm: /dev/kvm cannot be opened");
        record_failure(o, &c, r);
        return r->status;
    }

    if (module_prepare(o, &c, logdir, r->reason, sizeof r->reason) != 0) {
        r->status = AB_KRUN_INPUT;
        r->log_path[0] = '\0';
        record_failure(o, &c, r);
        return r->status;
    }

    bool timed_out;
    double t0 = now_s();
    r->qemu_exit = qemu_spawn(o, &c, r->log_path, qemu_out, &timed_out);
    r->seconds = now_s() - t0;

    size_t len = 0;
    char *log = slurp(r->log_path, &len);
    if (log == NULL) {
        log = calloc(1, 1);
        len = 0;
    }
    char found[200], why[200] = "";
    unsigned rows = 0;
    bool framed = log != NULL && ab_kernel_log_check(log, len, &rows, why, sizeof why);
    if (log != NULL && log_find(log, len, "@@AB-CHECK ", found, sizeof found))
        r->check_clean = check_line_clean(found);

    if (r->qemu_exit == -2) {
        r->status = AB_KRUN_HOST;
        snprintf(r->reason, sizeof r->reason, "could not run %.60s (see %.160s)",
                 o->qemu ? o->qemu : "qemu-system-i386", qemu_out);
    } else if (timed_out) {
        r->status = AB_KRUN_TIMEOUT;
        snprintf(r->reason, sizeof r->reason, "no exit after %u s (hang)",
                 o->timeout_s ? o->timeout_s : 300);
    } else if (r->qemu_exit == QEMU_FAIL) {
        r->status = AB_KRUN_FAIL;
        if (log_find(log, len, "@@AB-ERROR: ", found, sizeof found))
            snprintf(r->reason, sizeof r->reason, "%s", found);
        else if (log_find(log, len, "@@AB-CHECK ", found, sizeof found))
            snprintf(r->reason, sizeof r->reason, "check: %s", found);
        else
            snprintf(r->reason, sizeof r->reason, "kernel reported failure");
    } else if (r->qemu_exit == QEMU_PANIC) {
        r->status = AB_KRUN_PANIC;
        if (!log_find(log, len, "@@AB-PANIC: ", found, sizeof found))
            snprintf(found, sizeof found, "panic");
        snprintf(r->reason, sizeof r->reason, "panic: %s", found);
    } else if (r->qemu_exit == 0) {
        r->status = AB_KRUN_RESET;
        snprintf(r->reason, sizeof r->reason,
                 "QEMU exited 0 without the pass status: triple fault or reset");
    } else if (r->qemu_exit != QEMU_PASS) {
        r->status = AB_KRUN_HOST;
        snprintf(r->reason, sizeof r->reason, "QEMU exit status %d (see %.200s)", r->qemu_exit,
                 qemu_out);
    } else if (!framed) {
        r->status = AB_KRUN_LOST;
        snprintf(r->reason, sizeof r->reason, "output: %s", why);
    } else if (!log_find(log, len, "@@AB-PASS", found, sizeof found) || !r->check_clean) {
        r->status = AB_KRUN_LOST;
        snprintf(r->reason, sizeof r->reason, "pass status without pass and check lines");
    } else {
        r->status = AB_KRUN_OK;
    }

    if (r->status == AB_KRUN_OK) {
        sbuf s = {0}, f = {0}, hs = {0}, hf = {0};
        log_split(log, len, &s, &f, &hs, &hf, &r->summary_rows, &r->frag_rows);
        char path[1100];
        snprintf(path, sizeof path, "%s/summary.csv", o->run_dir);
        if (s.len && append_csv(path, hs.p, s.p, s.len, r->reason, sizeof r->reason) != 0)
            r->status = AB_KRUN_HOST;
        snprintf(path, sizeof path, "%s/frag.csv", o->run_dir);
        if (r->status == AB_KRUN_OK && f.len &&
            append_csv(path, hf.p, f.p, f.len, r->reason, sizeof r->reason) != 0)
            r->status = AB_KRUN_HOST;
        free(s.p);
        free(f.p);
        free(hs.p);
        free(hf.p);
    }
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
