/*
 * allocbench host side: what a kernel cell's serial log says (see
 * kernel_run.h): the framed output block and its hash, the status lines,
 * and the rows it carries, which become summary.csv and frag.csv rows.
 */
#define _POSIX_C_SOURCE 200809L
#include "serial_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

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

/* Rows of the block into summary/frag buffers, headers into hs/hf. */
void log_split(const char *log, size_t len, hbuf *summary, hbuf *frag, hbuf *hs,
                      hbuf *hf, unsigned *ns, unsigned *nf)
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
        hbuf *dst = NULL;
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
            hbuf_write(dst, rest, rn);
            if (row)
                hbuf_write(dst, "\n", 1);
        }
    }
}

/* The first line starting with prefix, copied (without prefix) to out. */
bool log_find(const char *log, size_t len, const char *prefix, char *out,
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
bool check_line_clean(const char *line)
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


size_t serial_drop_cr(char *log, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (log[i] != '\r')
            log[k++] = log[i];
    log[k] = '\0';
    return k;
}

/* The kernel's own words for a failed or panicked run into r->reason. */
static void reason_from_log(const char *log, size_t len, ab_kernel_result *r)
{
    char found[200];
    if (r->status == AB_KRUN_PANIC) {
        if (!log_find(log, len, "@@AB-PANIC: ", found, sizeof found))
            snprintf(found, sizeof found, "panic");
        snprintf(r->reason, sizeof r->reason, "panic: %s", found);
    } else if (log_find(log, len, "@@AB-ERROR: ", found, sizeof found)) {
        snprintf(r->reason, sizeof r->reason, "%s", found);
    } else if (log_find(log, len, "@@AB-CHECK ", found, sizeof found)) {
        snprintf(r->reason, sizeof r->reason, "check: %s", found);
    } else {
        snprintf(r->reason, sizeof r->reason, "kernel reported failure");
    }
}

void serial_verdict(const char *log, size_t len, bool timed_out, unsigned timeout_s,
                    const char *qemu, const char *qemu_out, ab_kernel_result *r)
{
    char found[200], why[200] = "";
    unsigned rows = 0;
    bool framed = ab_kernel_log_check(log, len, &rows, why, sizeof why);
    if (log_find(log, len, "@@AB-CHECK ", found, sizeof found))
        r->check_clean = check_line_clean(found);
    r->status = AB_KRUN_OK;
    if (r->qemu_exit == -2) {
        r->status = AB_KRUN_HOST;
        snprintf(r->reason, sizeof r->reason, "could not run %.60s (see %.160s)", qemu, qemu_out);
    } else if (timed_out) {
        r->status = AB_KRUN_TIMEOUT;
        snprintf(r->reason, sizeof r->reason, "no exit after %u s (hang)", timeout_s);
    } else if (r->qemu_exit == QEMU_FAIL || r->qemu_exit == QEMU_PANIC) {
        r->status = r->qemu_exit == QEMU_FAIL ? AB_KRUN_FAIL : AB_KRUN_PANIC;
        reason_from_log(log, len, r);
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
    }
}

void serial_rows_append(const char *log, size_t len, const char *run_dir, ab_kernel_result *r)
{
    hbuf s = {0}, f = {0}, hs = {0}, hf = {0};
    log_split(log, len, &s, &f, &hs, &hf, &r->summary_rows, &r->frag_rows);
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.csv", run_dir);
    if (s.len && host_append_csv(path, hs.p, s.p, s.len, r->reason, sizeof r->reason) != 0)
        r->status = AB_KRUN_HOST;
    snprintf(path, sizeof path, "%s/frag.csv", run_dir);
    if (r->status == AB_KRUN_OK && f.len &&
        host_append_csv(path, hf.p, f.p, f.len, r->reason, sizeof r->reason) != 0)
        r->status = AB_KRUN_HOST;
    hbuf_free(&s);
    hbuf_free(&f);
    hbuf_free(&hs);
    hbuf_free(&hf);
}
