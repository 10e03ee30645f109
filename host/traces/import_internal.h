/*
 * allocbench: what the trace importers share (trace_import.c: the driver and
 * the line helpers; import_runs.c: the live runs; import_strace.c and
 * import_ftrace.c: one input format each). Not for other callers.
 */
#ifndef ALLOCBENCH_IMPORT_INTERNAL_H
#define ALLOCBENCH_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

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

/*
 * Removes pages [start, start + n): frees each run they touch, then
 * allocates the head and tail pieces left over. Returns the number of runs
 * touched; *split is set if a piece was left.
 */
size_t runmap_remove(runmap *m, uint64_t start, uint64_t n, int *split);

/* A new run; whatever it overlaps is removed first (counted as replaced). */
void runmap_add(runmap *m, uint64_t start, uint64_t n, uint64_t align);

typedef struct ctx {
    const char *name;
    size_t line;
    char *err;
    size_t err_len;
} ctx;

/* Sets the error "name:line: why" (escaped); returns -1. */
int bad(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int blank(char ch);
const char *skip_blanks(const char *p, const char *e);

/* [s, e) trimmed, as a number: decimal, 0x hex, or NULL (0). 0 or -1. */
int parse_num(const char *s, const char *e, uint64_t *out);

uint64_t bytes_to_pages(uint64_t bytes);

/* The length of [s, e) to quote in a message: at most 40. */
int short_len(const char *s, const char *e);

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

/* One strace line (see docs/traces.md). 0, or -1 with the error set. */
int strace_line(strace_state *s, ctx *c, const char *p, const char *e);

/* Counts the calls left unfinished and frees what s holds. */
void strace_end(strace_state *s);

/* One ftrace or perf script line. 0, or -1 with the error set. */
int ftrace_line(runmap *m, ctx *c, const char *p, const char *e);

#endif
