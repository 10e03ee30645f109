/*
 * allocbench: importers into the page trace format. See trace.h and
 * docs/traces.md for what each input line becomes.
 *
 * Both importers keep the live runs of each address space (strace: one per
 * process, threads share their process's; the break is tracked per address
 * space) or of the one physical memory (ftrace) in an array sorted by first
 * page, and express
 * every change as trace lines: a new run is `a`; removing a page range frees
 * every run it touches and allocates again the pieces of them it leaves
 * (head and/or tail). A new run first removes whatever it overlaps. Cost:
 * O(log runs) to find a range plus O(runs) to shift the array: fine for the
 * thousands of live mappings a process has.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

/* ---- shared line helpers ---- */

int bad(ctx *c, const char *fmt, ...)
{
    char raw[256], why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    trace_escape(why, sizeof why, raw);
    snprintf(c->err, c->err_len, "%s:%zu: %s", c->name, c->line, why);
    return -1;
}

int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && blank(*p))
        p++;
    return p;
}

/* [s, e) trimmed, as a number: decimal, 0x hex, or NULL (0). 0 or -1. */
int parse_num(const char *s, const char *e, uint64_t *out)
{
    s = skip_blanks(s, e);
    while (e > s && blank(e[-1]))
        e--;
    if (e - s == 4 && !memcmp(s, "NULL", 4)) {
        *out = 0;
        return 0;
    }
    unsigned base = 10;
    if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (s == e)
        return -1;
    uint64_t v = 0;
    for (; s < e; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

uint64_t bytes_to_pages(uint64_t bytes)
{
    return bytes / AB_PAGE_BYTES + (bytes % AB_PAGE_BYTES != 0);
}

int short_len(const char *s, const char *e)
{
    return (int)(e - s > 40 ? 40 : e - s);
}

/* ---- driver ---- */

int trace_import(trace_src src, const char *text, size_t len, const char *name, char **out,
                 size_t *out_len, trace_import_stats *st, char *err, size_t err_len)
{
    memset(st, 0, sizeof *st);
    trace_text t = {0};
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    trace_text_printf(&t, "# allocbench page trace v1\n# role: %s\n# from: %s (allocbench import %s)\n",
                      src == TRACE_SRC_STRACE ? "vmm" : "pmm", base,
                      src == TRACE_SRC_STRACE ? "strace" : "ftrace");
    strace_state s;
    memset(&s, 0, sizeof s);
    s.proto.pmm = src == TRACE_SRC_FTRACE;
    s.next_id = 1;
    s.proto.next_id = &s.next_id;
    s.proto.out = &t;
    s.proto.st = st;
    runmap phys = s.proto; /* ftrace: the one physical memory */
    ctx c = {name, 0, err, err_len};
    int rc = 0;
    const char *p = text, *end = text + len;
    while (p < end && rc == 0) {
        const char *e;
        const char *next = trace_next_line(p, end, &e);
        c.line++;
        st->lines++;
        rc = src == TRACE_SRC_STRACE ? strace_line(&s, &c, p, e) : ftrace_line(&phys, &c, p, e);
        p = next;
    }
    strace_end(&s);
    free(phys.r);
    if (rc != 0) {
        free(t.p);
        *out = NULL;
        *out_len = 0;
        return -1;
    }
    *out = t.p;
    *out_len = t.len;
    return 0;
}

void trace_import_report(const trace_import_stats *st, char *buf, size_t len)
{
    snprintf(buf, len,
             "%llu lines, %llu events from %llu address space(s) -> %llu allocations, "
             "%llu frees (%llu runs split, %llu replaced, %llu freed by execve); "
             "dropped, by reason: %llu unrelated lines, %llu failed calls, "
             "%llu file-backed or unknown ranges, %llu frees of pages never allocated, "
             "%llu unfinished calls, %llu runs too large",
             (unsigned long long)st->lines, (unsigned long long)st->events,
             (unsigned long long)st->processes, (unsigned long long)st->allocs,
             (unsigned long long)st->frees, (unsigned long long)st->split,
             (unsigned long long)st->replaced, (unsigned long long)st->exec_freed,
             (unsigned long long)st->unrelated, (unsigned long long)st->failed,
             (unsigned long long)st->file_backed, (unsigned long long)st->unknown_free,
             (unsigned long long)st->unfinished, (unsigned long long)st->too_large);
}
