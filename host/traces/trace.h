/*
 * allocbench: page-level traces on the host (docs/traces.md).
 *
 *   - The text format ("# allocbench page trace v1"): `a ID NPAGES [ALIGN]`,
 *     `f ID`, comments, blank lines. trace_parse() reads a whole file into
 *     the ab_trace_rec array core/workload.c replays, mapping the
 *     file's arbitrary IDs to dense ones, or rejects it with
 *     "FILE:LINE: reason" and returns nothing: a file is never half-replayed.
 *   - Importers to that format: strace output of mmap/munmap/mremap/brk (the
 *     VMM role) and the kernel's mm_page_alloc / mm_page_free events as
 *     printed by ftrace or `perf script` (the PMM role).
 *   - `allocbench import strace|ftrace|perf IN [-o OUT]`.
 *
 * Host C with libc (core stays freestanding).
 */
#ifndef ALLOCBENCH_TRACE_H
#define ALLOCBENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h"

/* The longest run a replay can keep (workload.c packs lengths in 24 bits). */
#define TRACE_MAX_NPAGES ((1ull << 24) - 1u)

/* The largest trace file read (a device such as /dev/zero is refused). */
#define TRACE_MAX_FILE_BYTES ((uint64_t)1 << 31)

/* A parsed trace. */
typedef struct trace {
    ab_trace_rec *recs;
    size_t len;
    uint32_t ids;        /* dense ids: distinct IDs in the file, < 2^32 */
    uint64_t allocs, frees;
    uint64_t peak_pages; /* most pages live at once */
    uint64_t end_pages;  /* pages still live after the last line */
    int role;            /* "# role: pmm|vmm": 0 pmm, 1 vmm; -1 if absent */
} trace;

/*
 * Parses len bytes of text (name is the file name used in messages).
 * Returns 0 and fills *out, or -1 with err = "NAME:LINE: reason" (or
 * "NAME: reason") and *out empty. Every line is checked before anything is
 * returned: ops, numbers, trailing text, NPAGES 0 or above TRACE_MAX_NPAGES,
 * ALIGN not a power of two, allocation of a live ID, free of an ID that is
 * not live.
 */
int trace_parse(const char *text, size_t len, const char *name, trace *out, char *err,
                size_t err_len);
/* Reads and parses a file ("-" is stdin). As trace_parse. */
int trace_load(const char *path, trace *out, char *err, size_t err_len);
void trace_free(trace *t);

/*
 * Reads a whole file ("-" is stdin) into a NUL-terminated malloc'd buffer.
 * Returns NULL with err = "PATH: strerror" on failure.
 */
char *trace_read_file(const char *path, size_t *len, char *err, size_t err_len);

typedef enum trace_src {
    TRACE_SRC_STRACE, /* strace -f -e trace=mmap,munmap,mremap,brk[,clone,
                         clone3,fork,vfork,execve] */
    TRACE_SRC_FTRACE, /* mm_page_alloc/mm_page_free via ftrace or perf script */
} trace_src;

/* What an import did with its input; counters only grow. */
typedef struct trace_import_stats {
    uint64_t lines;        /* input lines read */
    uint64_t events;       /* calls or events translated */
    uint64_t unrelated;    /* lines that are not a traced call or event */
    uint64_t failed;       /* calls that failed (= -1 E..., = ?), failed
                              allocations (page=(null)) */
    uint64_t file_backed;  /* strace: file-backed mmaps, and munmap/mremap
                              of ranges holding no anonymous run */
    uint64_t unknown_free; /* ftrace: frees of pages never seen allocated */
    uint64_t split;        /* frees/unmaps that left part of a run live */
    uint64_t replaced;     /* runs overlapped by a new allocation (MAP_FIXED,
                              another process, a missed free) */
    uint64_t unfinished;   /* strace: <unfinished ...> never resumed, or a
                              resumed line without its start */
    uint64_t too_large;    /* runs above TRACE_MAX_NPAGES, left out */
    uint64_t processes;    /* strace: address spaces seen (a pid that is
                              not a known thread starts one) */
    uint64_t exec_freed;   /* strace: live runs freed by a successful execve
                              (the old image's address space ends) */
    uint64_t allocs, frees; /* lines written */
} trace_import_stats;

/*
 * Translates len bytes of input into trace text: *out (malloc'd,
 * NUL-terminated, *out_len bytes) and *st. name is the input's file name for
 * messages; its last component goes into the output's header. Returns 0, or -1 with err =
 * "NAME:LINE: reason" for a line that names a traced call or event but does
 * not parse; nothing is written then.
 */
int trace_import(trace_src src, const char *text, size_t len, const char *name, char **out,
                 size_t *out_len, trace_import_stats *st, char *err, size_t err_len);
/* One line for stderr: what was translated and what was skipped. */
void trace_import_report(const trace_import_stats *st, char *buf, size_t len);

/*
 * The line starting at p: *line_end is where it ends; returns the start of
 * the next one. LF, CRLF and a lone CR all end a line.
 */
const char *trace_next_line(const char *p, const char *end, const char **line_end);
/* Copies src to dst with bytes outside printable ASCII as \xHH, so an
   error never echoes raw binary. */
void trace_escape(char *dst, size_t dst_len, const char *src);

/* A growing NUL-terminated text buffer (trace.c and trace_import.c). */
typedef struct trace_text {
    char *p;
    size_t len, cap;
} trace_text;
/* printf-appends; exits with a message if memory runs out. */
void trace_text_printf(trace_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The sum of the `failures` column of summary.csv text (header included). */
uint64_t trace_csv_failures(const char *csv);

#endif
