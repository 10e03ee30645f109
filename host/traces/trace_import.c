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
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* ---- live runs ---- */

typedef struct run {
    uint64_t start, npages, id;
} run;

typedef struct runmap {
    run *r;
    size_t n, cap;
    int pmm;           /* ids: pmm = first page (pfn); vmm = a counter */
    uint64_t *next_id; /* vmm: shared by every address space, so ids are
                          unique across processes */
    trace_text *out;
    trace_import_stats *st;
} runmap;

/* Index of the first run ending after page. */
static size_t runmap_find(const runmap *m, uint64_t page)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->r[mid].start + m->r[mid].npages <= page)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void runmap_emit_alloc(runmap *m, run *r, uint64_t align)
{
    r->id = m->pmm ? r->start : (*m->next_id)++;
    if (align > 1)
        trace_text_printf(m->out, "a %llu %llu %llu\n", (unsigned long long)r->id,
                          (unsigned long long)r->npages, (unsigned long long)align);
    else
        trace_text_printf(m->out, "a %llu %llu\n", (unsigned long long)r->id,
                          (unsigned long long)r->npages);
    m->st->allocs++;
}

/* Replaces runs [i, j) with np runs (ids assigned by the caller). */
static void runmap_splice(runmap *m, size_t i, size_t j, const run *add, size_t np)
{
    size_t n = m->n - (j - i) + np;
    if (n > m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        while (m->cap < n)
            m->cap *= 2;
        m->r = realloc(m->r, m->cap * sizeof *m->r);
        if (m->r == NULL) {
            fprintf(stderr, "allocbench: out of memory\n");
            exit(1);
        }
    }
    memmove(&m->r[i + np], &m->r[j], (m->n - j) * sizeof *m->r);
    memcpy(&m->r[i], add, np * sizeof *add);
    m->n = n;
}

/*
 * Removes pages [start, start + n): frees each run they touch, then
 * allocates the head and tail pieces left over. Returns the number of runs
 * touched; *split is set if a piece was left.
 */
static size_t runmap_remove(runmap *m, uint64_t start, uint64_t n, int *split)
{
    uint64_t end = start + n;
    size_t i = runmap_find(m, start), j = i;
    while (j < m->n && m->r[j].start < end)
        j++;
    *split = 0;
    if (i == j)
        return 0;
    for (size_t k = i; k < j; k++) {
        trace_text_printf(m->out, "f %llu\n", (unsigned long long)m->r[k].id);
        m->st->frees++;
    }
    run piece[2];
    size_t np = 0;
    if (m->r[i].start < start)
        piece[np++] = (run){m->r[i].start, start - m->r[i].start, 0};
    uint64_t last_end = m->r[j - 1].start + m->r[j - 1].npages;
    if (last_end > end)
        piece[np++] = (run){end, last_end - end, 0};
    for (size_t k = 0; k < np; k++)
        runmap_emit_alloc(m, &piece[k], 0);
    runmap_splice(m, i, j, piece, np);
    *split = np > 0;
    return j - i;
}

/* A new run; whatever it overlaps is removed first (counted as replaced). */
static void runmap_add(runmap *m, uint64_t start, uint64_t n, uint64_t align)
{
    int split;
    if (runmap_remove(m, start, n, &split) != 0)
        m->st->replaced++;
    if (n > TRACE_MAX_NPAGES) {
        m->st->too_large++;
        return;
    }
    run r = {start, n, 0};
    runmap_emit_alloc(m, &r, align);
    runmap_splice(m, runmap_find(m, start), runmap_find(m, start), &r, 1);
}

/* ---- shared line helpers ---- */

typedef struct ctx {
    const char *name;
    size_t line;
    char *err;
    size_t err_len;
} ctx;

static int bad(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(ctx *c, const char *fmt, ...)
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

static int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && blank(*p))
        p++;
    return p;
}

/* [s, e) trimmed, as a number: decimal, 0x hex, or NULL (0). 0 or -1. */
static int parse_num(const char *s, const char *e, uint64_t *out)
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

/* The decimal digits at the start of [p, e) as a pid (saturating); *end gets
   the first byte after them (p when there are none). strtol would read past
   e: the text of a line is not NUL-terminated. */
static long pid_parse(const char *p, const char *e, const char **end)
{
    long v = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++)
        v = v > (LONG_MAX - 9) / 10 ? LONG_MAX : v * 10 + (*p - '0');
    *end = p;
    return v;
}

static uint64_t bytes_to_pages(uint64_t bytes)
{
    return bytes / AB_PAGE_BYTES + (bytes % AB_PAGE_BYTES != 0);
}

static int short_len(const char *s, const char *e)
{
    return (int)(e - s > 40 ? 40 : e - s);
}

/* ---- strace ---- */

enum { SC_NONE, SC_MMAP, SC_MUNMAP, SC_MREMAP, SC_BRK, SC_CLONE, SC_EXECVE };

static int syscall_kind(const char *s, size_t n)
{
    if ((n == 4 && !memcmp(s, "mmap", 4)) || (n == 5 && !memcmp(s, "mmap2", 5)))
        return SC_MMAP;
    if (n == 6 && !memcmp(s, "munmap", 6))
        return SC_MUNMAP;
    if (n == 6 && !memcmp(s, "mremap", 6))
        return SC_MREMAP;
    if (n == 3 && !memcmp(s, "brk", 3))
        return SC_BRK;
    if ((n == 5 && !memcmp(s, "clone", 5)) || (n == 6 && !memcmp(s, "clone3", 6)) ||
        (n == 4 && !memcmp(s, "fork", 4)) || (n == 5 && !memcmp(s, "vfork", 5)))
        return SC_CLONE;
    if ((n == 6 && !memcmp(s, "execve", 6)) || (n == 8 && !memcmp(s, "execveat", 8)))
        return SC_EXECVE;
    return SC_NONE;
}

typedef struct pending {
    long pid;
    char *text;
} pending;

/* One address space: its live runs and its break. */
typedef struct aspace {
    runmap m;
    uint64_t brk_bytes; /* the current break; 0 = not known yet */
} aspace;

/* Which address space a pid uses (threads share their process's). */
typedef struct proc {
    long pid;
    size_t space;
} proc;

typedef struct strace_state {
    aspace *sp;
    size_t nsp, cap_sp;
    proc *procs;
    size_t nprocs, cap_procs;
    runmap proto;       /* out, st, next_id for new address spaces */
    int main_claimed;   /* a pid was found to be the un-prefixed lines' */
    uint64_t next_id;
    pending *pend;
    size_t npend, cap_pend;
} strace_state;

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    p = realloc(p, c * elem);
    if (p == NULL) {
        fprintf(stderr, "allocbench: out of memory\n");
        exit(1);
    }
    *cap = c;
    return p;
}

static proc *proc_find(strace_state *s, long pid)
{
    for (size_t i = 0; i < s->nprocs; i++)
        if (s->procs[i].pid == pid)
            return &s->procs[i];
    return NULL;
}

/* A new, empty address space; returns its index. */
static size_t aspace_new(strace_state *s)
{
    s->sp = grow(s->sp, &s->cap_sp, s->nsp + 1, sizeof *s->sp);
    aspace *a = &s->sp[s->nsp];
    memset(a, 0, sizeof *a);
    a->m = s->proto;
    a->m.r = NULL;
    a->m.n = a->m.cap = 0;
    s->proto.st->processes++;
    return s->nsp++;
}

/*
 * pid's record, with a new address space if the pid was never seen. strace
 * -f prints the first process's lines without a prefix (pid 0 here) until
 * it attaches another; from then on they carry [pid N]. So the first pid
 * that was neither announced ("Process N attached") nor created by a traced
 * clone is the un-prefixed lines' process, and shares their space.
 */
static proc *proc_get(strace_state *s, long pid)
{
    proc *pr = proc_find(s, pid);
    if (pr != NULL)
        return pr;
    proc *first = pid != 0 && !s->main_claimed ? proc_find(s, 0) : NULL;
    size_t sp = first != NULL ? first->space : aspace_new(s);
    s->main_claimed |= first != NULL;
    s->procs = grow(s->procs, &s->cap_procs, s->nprocs + 1, sizeof *s->procs);
    pr = &s->procs[s->nprocs++];
    pr->pid = pid;
    pr->space = sp;
    return pr;
}

/* Frees every live run of an address space (exec, or the end of input is
   not one: runs live at the end stay live). */
static void aspace_clear(aspace *a)
{
    int split;
    if (a->m.n > 0)
        runmap_remove(&a->m, a->m.r[0].start,
                      a->m.r[a->m.n - 1].start + a->m.r[a->m.n - 1].npages - a->m.r[0].start,
                      &split);
    a->brk_bytes = 0;
}

static int anon_flags(const char *s, const char *e)
{
    uint64_t v;
    if (parse_num(s, e, &v) == 0)
        return (v & 0x20u) != 0; /* MAP_ANONYMOUS on x86, arm and riscv */
    for (const char *p = s; p < e; p++) {
        if ((p == s || p[-1] == '|' || blank(p[-1])) && e - p >= 8 && !memcmp(p, "MAP_ANON", 8) &&
            (e - p == 8 || p[8] == '|' || blank(p[8]) ||
             (e - p >= 13 && !memcmp(p, "MAP_ANONYMOUS", 13) &&
              (e - p == 13 || p[13] == '|' || blank(p[13])))))
            return 1;
    }
    return 0;
}

/* clone/clone3/fork/vfork = CHILD: the child's address space. A thread
   (CLONE_VM, which CLONE_THREAD implies) shares the caller's; anything else
   starts an empty one (a fork's copy of the parent's mappings is not a new
   allocation; its unmaps are counted as inherited). */
static void strace_clone(strace_state *s, long pid, const char *args, const char *e,
                         uint64_t child)
{
    int shares_vm = 0;
    for (const char *q = args; q + 8 <= e; q++)
        if (!memcmp(q, "CLONE_VM", 8) && (q + 8 == e || !(q[8] >= 'A' && q[8] <= 'Z') ||
                                         q[8] == '|'))
            shares_vm = 1;
    proc *parent = proc_get(s, pid);
    size_t space = parent->space;
    proc *pr = proc_find(s, (long)child);
    if (pr == NULL) {
        s->procs = grow(s->procs, &s->cap_procs, s->nprocs + 1, sizeof *s->procs);
        pr = &s->procs[s->nprocs++];
        pr->pid = (long)child;
    }
    pr->space = shares_vm ? space : aspace_new(s);
    s->proto.st->events++;
}

/* One complete call: "name(args) = result ...". */
static int strace_call(strace_state *s, ctx *c, long pid, int kind, const char *p, const char *e)
{
    trace_import_stats *st = s->proto.st;
    const char *open = memchr(p, '(', (size_t)(e - p));
    /* The last ')' followed by '=': execve's strings may hold parentheses. */
    const char *close = NULL, *last = NULL;
    for (const char *q = open ? open : e; q < e; q++) {
        if (*q != ')')
            continue;
        last = q;
        if (skip_blanks(q + 1, e) < e && *skip_blanks(q + 1, e) == '=')
            close = q;
    }
    if (close == NULL)
        close = last;
    if (close == NULL)
        return bad(c, "no closing ')' after the arguments");
    const char *q = skip_blanks(close + 1, e);
    if (q == e || *q != '=')
        return bad(c, "no '= result' after the arguments");
    q = skip_blanks(q + 1, e);
    if (q < e && (*q == '?' || *q == '-')) {
        st->failed++;
        return 0;
    }
    const char *re = q;
    while (re < e && !blank(*re))
        re++;
    uint64_t result;
    if (parse_num(q, re, &result) != 0)
        return bad(c, "result '%.*s' is not a number", short_len(q, re), q);
    if (kind == SC_CLONE) {
        strace_clone(s, pid, open, close, result);
        return 0;
    }
    size_t space = proc_get(s, pid)->space; /* may grow s->sp: index first */
    aspace *as = &s->sp[space];
    if (kind == SC_EXECVE) {
        st->exec_freed += as->m.n;
        aspace_clear(as);
        st->events++;
        return 0;
    }

    const char *arg[6][2];
    size_t nargs = 0;
    const char *a = open + 1;
    for (;;) {
        const char *comma = memchr(a, ',', (size_t)(close - a));
        const char *ae = comma ? comma : close;
        if (nargs == 6)
            return bad(c, "too many arguments");
        arg[nargs][0] = a;
        arg[nargs][1] = ae;
        nargs++;
        if (comma == NULL)
            break;
        a = comma + 1;
    }
    static const size_t want[] = {0, 6, 2, 5, 1, 0, 0};
    if (nargs != want[kind] && !(kind == SC_MREMAP && nargs == 4))
        return bad(c, "%.*s has %zu arguments, want %zu", (int)(open - p), p, nargs, want[kind]);
    uint64_t v[3] = {0, 0, 0};
    static const char *const what[][3] = {
        {0, 0, 0}, {"address", "length", 0}, {"address", "length", 0},
        {"old address", "old length", "new length"}, {"address", 0, 0}};
    for (size_t k = 0; k < nargs; k++) {
        arg[k][0] = skip_blanks(arg[k][0], arg[k][1]);
        while (arg[k][1] > arg[k][0] && blank(arg[k][1][-1]))
            arg[k][1]--;
    }
    for (int k = 0; k < 3 && what[kind][k] != NULL; k++)
        if (parse_num(arg[k][0], arg[k][1], &v[k]) != 0)
            return bad(c, "%s '%.*s' is not a number", what[kind][k],
                       short_len(arg[k][0], arg[k][1]), arg[k][0]);
    st->events++;
    int split;
    switch (kind) {
    case SC_MMAP: {
        if (result & (AB_PAGE_BYTES - 1))
            return bad(c, "mmap result 0x%llx is not page-aligned", (unsigned long long)result);
        if (v[1] == 0)
            return bad(c, "mmap of length 0 succeeded");
        uint64_t start = result >> AB_PAGE_SHIFT, n = bytes_to_pages(v[1]);
        if (anon_flags(arg[3][0], arg[3][1])) {
            runmap_add(&as->m, start, n, 0);
        } else {
            if (runmap_remove(&as->m, start, n, &split) != 0)
                st->replaced++;
            st->file_backed++;
        }
        break;
    }
    case SC_MUNMAP:
        if (v[0] & (AB_PAGE_BYTES - 1))
            return bad(c, "munmap address 0x%llx is not page-aligned", (unsigned long long)v[0]);
        if (runmap_remove(&as->m, v[0] >> AB_PAGE_SHIFT, bytes_to_pages(v[1]), &split) == 0)
            st->file_backed++;
        st->split += (uint64_t)split;
        break;
    case SC_MREMAP:
        if ((v[0] | result) & (AB_PAGE_BYTES - 1))
            return bad(c, "mremap address is not page-aligned");
        if (v[2] == 0)
            return bad(c, "mremap to length 0 succeeded");
        /* old length 0 duplicates a shared mapping: never anonymous-private */
        if (v[1] == 0 ||
            runmap_remove(&as->m, v[0] >> AB_PAGE_SHIFT, bytes_to_pages(v[1]), &split) == 0) {
            if (runmap_remove(&as->m, result >> AB_PAGE_SHIFT, bytes_to_pages(v[2]), &split) != 0)
                st->replaced++;
            st->file_backed++;
            break;
        }
        st->split += (uint64_t)split;
        runmap_add(&as->m, result >> AB_PAGE_SHIFT, bytes_to_pages(v[2]), 0);
        break;
    case SC_BRK: {
        uint64_t old_end = bytes_to_pages(as->brk_bytes), new_end = bytes_to_pages(result);
        if (as->brk_bytes == 0 || (v[0] == 0 && result != as->brk_bytes)) {
            /* the first break this address space reports, or a brk(NULL)
               answering a break never seen set: a new base, no op */
        } else if (new_end > old_end) {
            runmap_add(&as->m, old_end, new_end - old_end, 0);
        } else if (new_end < old_end) {
            runmap_remove(&as->m, new_end, old_end - new_end, &split);
            st->split += (uint64_t)split;
        }
        as->brk_bytes = result;
        break;
    }
    }
    return 0;
}

static pending *pending_find(strace_state *s, long pid)
{
    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i].pid == pid)
            return &s->pend[i];
    return NULL;
}

static void pending_drop(strace_state *s, pending *pd)
{
    free(pd->text);
    *pd = s->pend[--s->npend];
}

static int strace_line(strace_state *s, ctx *c, const char *p, const char *e)
{
    trace_import_stats *st = s->proto.st;
    long pid = 0;
    int have_pid = 0;
    p = skip_blanks(p, e);
    static const char att[] = "strace: Process ";
    if (e - p > (long)sizeof att - 1 && !memcmp(p, att, sizeof att - 1)) {
        const char *end;
        long child = pid_parse(p + sizeof att - 1, e, &end);
        if (end > p + sizeof att - 1 && end < e && proc_find(s, child) == NULL &&
            e - end >= 9 && !memcmp(end, " attached", 9)) {
            s->main_claimed |= proc_find(s, 0) == NULL; /* no un-prefixed lines */
            s->procs = grow(s->procs, &s->cap_procs, s->nprocs + 1, sizeof *s->procs);
            s->procs[s->nprocs].pid = child;
            s->procs[s->nprocs].space = aspace_new(s);
            s->nprocs++;
        }
        st->unrelated++;
        return 0;
    }
    if (e - p >= 4 && !memcmp(p, "[pid", 4)) {
        p = skip_blanks(p + 4, e);
        const char *end;
        pid = pid_parse(p, e, &end);
        if (end == p || end >= e || *end != ']') {
            st->unrelated++;
            return 0;
        }
        p = end + 1;
        have_pid = 1;
    }
    /* "PID " (strace -f -o), timestamps (-t, -tt, -ttt, -r) */
    for (int k = 0; k < 3; k++) {
        p = skip_blanks(p, e);
        const char *t = p;
        int digits_only = 1;
        while (t < e && ((*t >= '0' && *t <= '9') || *t == '.' || *t == ':')) {
            digits_only &= *t >= '0' && *t <= '9';
            t++;
        }
        if (t == p || t == e || !blank(*t))
            break;
        if (digits_only && !have_pid && k == 0) {
            pid = pid_parse(p, t, &t);
            have_pid = 1;
        }
        p = t;
    }
    p = skip_blanks(p, e);
    if (e - p >= 5 && !memcmp(p, "<... ", 5)) {
        const char *nm = p + 5, *ne = nm;
        while (ne < e && !blank(*ne))
            ne++;
        int kind = syscall_kind(nm, (size_t)(ne - nm));
        static const char resumed[] = " resumed>";
        if (kind == SC_NONE || e - ne < (long)sizeof resumed - 1 ||
            memcmp(ne, resumed, sizeof resumed - 1) != 0) {
            st->unrelated++;
            return 0;
        }
        pending *pd = pending_find(s, pid);
        if (pd == NULL) {
            st->unfinished++;
            return 0;
        }
        const char *rest = skip_blanks(ne + sizeof resumed - 1, e);
        size_t a = strlen(pd->text), b = (size_t)(e - rest);
        char *whole = malloc(a + b + 1);
        if (whole == NULL) {
            fprintf(stderr, "allocbench: out of memory\n");
            exit(1);
        }
        memcpy(whole, pd->text, a);
        memcpy(whole + a, rest, b);
        whole[a + b] = '\0';
        pending_drop(s, pd);
        int rc = strace_call(s, c, pid, syscall_kind(nm, (size_t)(ne - nm)), whole, whole + a + b);
        free(whole);
        return rc;
    }
    const char *nm = p;
    while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
        p++;
    int kind = p < e && *p == '(' ? syscall_kind(nm, (size_t)(p - nm)) : SC_NONE;
    if (kind == SC_NONE) {
        st->unrelated++;
        return 0;
    }
    static const char unf[] = "<unfinished ...>";
    const char *te = e;
    while (te > nm && blank(te[-1]))
        te--;
    if (te - nm >= (long)sizeof unf - 1 && !memcmp(te - (sizeof unf - 1), unf, sizeof unf - 1)) {
        te -= sizeof unf - 1;
        while (te > nm && blank(te[-1]))
            te--;
        pending *pd = pending_find(s, pid);
        if (pd != NULL) {
            st->unfinished++;
            pending_drop(s, pd);
        }
        if (s->npend == s->cap_pend) {
            s->cap_pend = s->cap_pend ? s->cap_pend * 2 : 16;
            s->pend = realloc(s->pend, s->cap_pend * sizeof *s->pend);
            if (s->pend == NULL) {
                fprintf(stderr, "allocbench: out of memory\n");
                exit(1);
            }
        }
        pd = &s->pend[s->npend++];
        pd->pid = pid;
        pd->text = strndup(nm, (size_t)(te - nm));
        if (pd->text == NULL) {
            fprintf(stderr, "allocbench: out of memory\n");
            exit(1);
        }
        return 0;
    }
    return strace_call(s, c, pid, kind, nm, e);
}

/* ---- ftrace / perf script ---- */

enum { EV_NONE, EV_ALLOC, EV_FREE };

/* Finds the event name; *args is what follows its ':'. */
static int ftrace_event(const char *p, const char *e, const char **args, const char **evname)
{
    static const struct {
        const char *name;
        int kind;
    } evs[] = {{"mm_page_alloc:", EV_ALLOC}, {"mm_page_free:", EV_FREE},
               {"mm_page_free_batched:", EV_FREE}};
    for (const char *q = p; q + 8 <= e; q++) {
        if (memcmp(q, "mm_page_", 8) != 0 || (q > p && q[-1] != ' ' && q[-1] != ':'))
            continue;
        for (size_t k = 0; k < sizeof evs / sizeof evs[0]; k++) {
            size_t n = strlen(evs[k].name);
            if ((size_t)(e - q) >= n && !memcmp(q, evs[k].name, n) &&
                ((size_t)(e - q) == n || blank(q[n]))) {
                *args = q + n;
                *evname = evs[k].name;
                return evs[k].kind;
            }
        }
    }
    return EV_NONE;
}

static int ftrace_line(runmap *m, ctx *c, const char *p, const char *e)
{
    trace_import_stats *st = m->st;
    const char *args, *evname;
    /* e first: a last line of blanks without its newline ends at the text's end. */
    const char *first = skip_blanks(p, e);
    int kind = first == e || *first == '#' ? EV_NONE : ftrace_event(p, e, &args, &evname);
    if (kind == EV_NONE) {
        st->unrelated++;
        return 0;
    }
    int evlen = (int)strlen(evname) - 1;
    const char *page = NULL, *page_e = NULL, *pfn_s = NULL, *pfn_e = NULL, *ord_s = NULL,
               *ord_e = NULL;
    for (const char *q = skip_blanks(args, e); q < e; q = skip_blanks(q, e)) {
        const char *t = q;
        while (q < e && !blank(*q))
            q++;
        const char *eq = memchr(t, '=', (size_t)(q - t));
        if (eq == NULL)
            continue;
        if (eq - t == 4 && !memcmp(t, "page", 4))
            page = eq + 1, page_e = q;
        else if (eq - t == 3 && !memcmp(t, "pfn", 3))
            pfn_s = eq + 1, pfn_e = q;
        else if (eq - t == 5 && !memcmp(t, "order", 5))
            ord_s = eq + 1, ord_e = q;
    }
    uint64_t pfn, order, pagev;
    /* a failed allocation prints page=(null) or page=0000000000000000 */
    if (kind == EV_ALLOC && page != NULL &&
        ((page_e - page == 6 && !memcmp(page, "(null)", 6)) ||
         (parse_num(page, page_e, &pagev) == 0 && pagev == 0))) {
        st->failed++;
        return 0;
    }
    if (pfn_s == NULL)
        return bad(c, "%.*s without pfn=", evlen, evname);
    if (parse_num(pfn_s, pfn_e, &pfn) != 0)
        return bad(c, "%.*s: pfn '%.*s' is not a number", evlen, evname, short_len(pfn_s, pfn_e),
                   pfn_s);
    if (ord_s == NULL)
        return bad(c, "%.*s without order=", evlen, evname);
    if (parse_num(ord_s, ord_e, &order) != 0 || order > 23)
        return bad(c, "%.*s: order '%.*s' is not a number in 0..23", evlen, evname,
                   short_len(ord_s, ord_e), ord_s);
    if (pfn >= AB_PAGE_LIMIT)
        return bad(c, "%.*s: pfn 0x%llx is beyond 2^52", evlen, evname, (unsigned long long)pfn);
    st->events++;
    uint64_t n = 1ull << order;
    if (kind == EV_ALLOC) {
        runmap_add(m, pfn, n, n);
    } else {
        int split;
        if (runmap_remove(m, pfn, n, &split) == 0)
            st->unknown_free++;
        st->split += (uint64_t)split;
    }
    return 0;
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
    st->unfinished += s.npend;
    while (s.npend > 0)
        pending_drop(&s, &s.pend[0]);
    free(s.pend);
    for (size_t i = 0; i < s.nsp; i++)
        free(s.sp[i].m.r);
    free(s.sp);
    free(s.procs);
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
