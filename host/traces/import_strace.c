/*
 * allocbench: the strace importer: mmap, munmap, mremap and brk of every
 * traced process, each address space's runs kept apart (threads share their
 * process's), clone and execve followed (see docs/traces.md).
 */
#define _GNU_SOURCE
#include "import_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The ')' closing the arguments: the last one followed by '=' (execve's
   strings may hold parentheses), else the last one, else NULL. */
static const char *args_close(const char *open, const char *e)
{
    const char *close = NULL, *last = NULL;
    for (const char *q = open; q < e; q++) {
        if (*q != ')')
            continue;
        last = q;
        if (skip_blanks(q + 1, e) < e && *skip_blanks(q + 1, e) == '=')
            close = q;
    }
    return close != NULL ? close : last;
}

/* Splits the arguments between open and close into arg (trimmed) and
 * parses the numbers kind needs into v. 0, or -1 with the error set. */
static int call_args(ctx *c, int kind, const char *p, const char *open, const char *close,
                     const char *arg[6][2], uint64_t v[3])
{
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
    return 0;
}

/* A successful mmap, munmap, mremap or brk (arguments v, arg; its result)
 * as changes to the runs of as. 0, or -1 with the error set. */
static int call_apply(trace_import_stats *st, aspace *as, ctx *c, int kind,
                      const char *arg[6][2], const uint64_t v[3], uint64_t result)
{
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

/* One complete call: "name(args) = result ...". */
static int strace_call(strace_state *s, ctx *c, long pid, int kind, const char *p, const char *e)
{
    trace_import_stats *st = s->proto.st;
    const char *open = memchr(p, '(', (size_t)(e - p));
    const char *close = args_close(open ? open : e, e);
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
    uint64_t v[3] = {0, 0, 0};
    if (call_args(c, kind, p, open, close, arg, v) != 0)
        return -1;
    st->events++;
    return call_apply(st, as, c, kind, arg, v, result);
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

/* "strace: Process N attached": N starts an address space of its own. */
static void strace_attach(strace_state *s, const char *p, const char *e, size_t att_len)
{
    const char *end;
    long child = pid_parse(p + att_len, e, &end);
    if (end > p + att_len && end < e && proc_find(s, child) == NULL && e - end >= 9 &&
        !memcmp(end, " attached", 9)) {
        s->main_claimed |= proc_find(s, 0) == NULL; /* no un-prefixed lines */
        s->procs = grow(s->procs, &s->cap_procs, s->nprocs + 1, sizeof *s->procs);
        s->procs[s->nprocs].pid = child;
        s->procs[s->nprocs].space = aspace_new(s);
        s->nprocs++;
    }
}

/* Skips the line's prefixes: "[pid N]", "PID " (strace -f -o), timestamps
 * (-t, -tt, -ttt, -r), setting *pid. Returns where the call starts, or NULL
 * if the line is unrelated. */
static const char *line_prefix(const char *p, const char *e, long *pid)
{
    int have_pid = 0;
    if (e - p >= 4 && !memcmp(p, "[pid", 4)) {
        p = skip_blanks(p + 4, e);
        const char *end;
        *pid = pid_parse(p, e, &end);
        if (end == p || end >= e || *end != ']')
            return NULL;
        p = end + 1;
        have_pid = 1;
    }
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
            *pid = pid_parse(p, t, &t);
            have_pid = 1;
        }
        p = t;
    }
    return skip_blanks(p, e);
}

/* "<... name resumed> rest": pid's pending call, completed. */
static int strace_resumed(strace_state *s, ctx *c, long pid, const char *p, const char *e)
{
    trace_import_stats *st = s->proto.st;
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

/* Keeps [nm, te), a call pid left unfinished, until it resumes; one it
 * left before is counted unfinished. */
static void pending_add(strace_state *s, long pid, const char *nm, const char *te)
{
    pending *pd = pending_find(s, pid);
    if (pd != NULL) {
        s->proto.st->unfinished++;
        pending_drop(s, pd);
    }
    s->pend = grow(s->pend, &s->cap_pend, s->npend + 1, sizeof *s->pend);
    pd = &s->pend[s->npend++];
    pd->pid = pid;
    pd->text = strndup(nm, (size_t)(te - nm));
    if (pd->text == NULL) {
        fprintf(stderr, "allocbench: out of memory\n");
        exit(1);
    }
}

int strace_line(strace_state *s, ctx *c, const char *p, const char *e)
{
    trace_import_stats *st = s->proto.st;
    long pid = 0;
    p = skip_blanks(p, e);
    static const char att[] = "strace: Process ";
    if (e - p > (long)sizeof att - 1 && !memcmp(p, att, sizeof att - 1)) {
        strace_attach(s, p, e, sizeof att - 1);
        st->unrelated++;
        return 0;
    }
    p = line_prefix(p, e, &pid);
    if (p == NULL) {
        st->unrelated++;
        return 0;
    }
    if (e - p >= 5 && !memcmp(p, "<... ", 5))
        return strace_resumed(s, c, pid, p, e);
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
        pending_add(s, pid, nm, te);
        return 0;
    }
    return strace_call(s, c, pid, kind, nm, e);
}

void strace_end(strace_state *s)
{
    s->proto.st->unfinished += s->npend;
    while (s->npend > 0)
        pending_drop(s, &s->pend[0]);
    free(s->pend);
    for (size_t i = 0; i < s->nsp; i++)
        free(s->sp[i].m.r);
    free(s->sp);
    free(s->procs);
}
