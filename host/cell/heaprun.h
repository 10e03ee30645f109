/*
 * allocbench host: the heaps of heaps/ on the host.
 *
 *   - a page provider over any page strategy: the strategy manages the
 *     pages of an mmap'ed window (MAP_NORESERVE: only touched pages cost
 *     memory) at their real addresses, so no translation is needed;
 *   - malloc traces (.abt, include/allocbench/mtrace.h): loading and checking, the
 *     peak of live bytes a trace reaches, and the timed replay on a heap
 *     (`allocbench run --workload mtrace:FILE`);
 *   - heapscale: malloc time against the number of live chunks, per heap;
 *   - `allocbench record -o FILE -- CMD...` (runs CMD under libab_mtrace.so).
 *
 * Host C with libc.
 */
#ifndef ALLOCBENCH_HEAPRUN_H
#define ALLOCBENCH_HEAPRUN_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"
#include "allocbench/heap.h"
#include "host.h"

/* A page strategy over an mmap'ed window of npages pages. */
typedef struct hr_pages {
    const ab_strategy *st;
    void *meta;
    size_t meta_len;
    unsigned char *map;  /* the mapping (window plus alignment slack) */
    size_t map_len;
    unsigned char *buf;  /* the window, 2 MiB aligned */
    size_t npages;
    size_t held;         /* pages handed out now */
} hr_pages;

/* Opens st over npages pages; 0, or -1 with a reason in err. */
int hr_pages_open(hr_pages *hp, const ab_strategy *st, size_t npages, char *err, size_t len);
void hr_pages_close(hr_pages *hp);
ab_page_provider hr_pages_provider(hr_pages *hp);

/* A heap over a page strategy. */
typedef struct hr_heap {
    const ab_heap *h;
    hr_pages pages;
    void *meta;
} hr_heap;

int hr_heap_open(hr_heap *hh, const ab_heap *h, const ab_strategy *st, size_t npages,
                 char *err, size_t len);
void hr_heap_close(hr_heap *hh);

/* A malloc trace read whole. */
typedef struct hr_mtrace {
    unsigned char *data;
    size_t nrec;
    uint32_t max_id;
    uint32_t pid, pointer_bits;
} hr_mtrace;

/*
 * Reads and checks path: header, whole records, ops 1..5, allocation ids
 * that only grow. 0, or -1 with "PATH: reason" (or "PATH: record N: reason")
 * in err.
 */
int hr_mtrace_load(const char *path, hr_mtrace *t, char *err, size_t len);
void hr_mtrace_free(hr_mtrace *t);
/* The most bytes live at once (sizes asked for; failed calls and frees of
   ids the file never allocated are ignored). */
uint64_t hr_mtrace_peak_live(const hr_mtrace *t);

/*
 * Replays t on heap h over strategy st with a window of mem_bytes, every
 * call timed: appends summary.csv rows (env host, strategy HEAP@S, role
 * heap, workload mtrace, ops malloc, calloc, memalign, realloc, free) to
 * *summary, and one line to *heaps (the mtrace.csv columns, see
 * hr_mtrace_csv_header). Returns the outcome; *msg says why it is not ok.
 */
ab_wl_outcome hr_mtrace_replay(const hr_mtrace *t, const char *trace_name, const ab_heap *h,
                               const ab_strategy *st, uint64_t mem_bytes, uint64_t seed,
                               hbuf *summary, hbuf *heaps, char *msg, size_t msg_len);
/* "heap,strategy,trace,records,peak_live_bytes,peak_footprint_bytes,
    footprint_over_live,failures,skipped,status\n" */
void hr_mtrace_csv_header(hbuf *b);

#endif
