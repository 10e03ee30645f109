/*
 * allocbench: the one interface every page strategy implements.
 *
 * A strategy is a page-granular range allocator. The same object serves two
 * roles:
 *   - PMM: physical frames over a firmware memory map with holes;
 *   - VMM: ranges of a virtual address window.
 * The strategy never touches the memory it manages: all of its state lives in
 * a metadata area the caller provides, sized by meta_bytes(). There is no
 * global state, no malloc and no recursion, so the same object file runs in
 * the i386 kernel and in a host test that creates thousands of instances.
 *
 * Units: a page is 4 KiB (AB_PAGE_BYTES). Addresses are 64-bit byte addresses
 * even on i386. Spans are given in page numbers (address >> 12).
 *
 * Freestanding: this header needs <stddef.h>, <stdint.h> and <stdbool.h> only.
 */
#ifndef ALLOCBENCH_STRATEGY_H
#define ALLOCBENCH_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_PAGE_SHIFT 12u
#define AB_PAGE_BYTES ((uint64_t)1 << AB_PAGE_SHIFT)
/* Page numbers stay below 2^52 so that page << 12 fits in 64 bits. */
#define AB_PAGE_LIMIT ((uint64_t)1 << 52)
/* Metadata areas handed to init() must be aligned to this many bytes. */
#define AB_META_ALIGN 64u
/* Pages in a 2 MiB frame. */
#define AB_PAGES_2M 512u

/*
 * Every operation returns a status. 0 is a valid address, so addresses are
 * written through a pointer and never used as an error value.
 * A call that returns anything but AB_OK changes nothing.
 */
typedef enum ab_status {
    AB_OK = 0,
    AB_ENOMEM = 1,   /* no free run of that size and alignment */
    AB_EINVAL = 2,   /* bad argument: n = 0, alignment not a power of two,
                        NULL pointer, spans not normalized, meta too small */
    AB_ERANGE = 3,   /* [addr, addr + n pages) is not inside one managed span */
    AB_EALIGN = 4,   /* addr is not a multiple of the page size */
    AB_EDOUBLE = 5,  /* the first page is already free: a double free, or a
                        free of a page that was never allocated */
    AB_ESIZE = 6,    /* addr is not the first page of an allocation, or n is
                        not the number of pages that allocation holds */
    AB_ENOTSUP = 7,  /* the strategy cannot serve this kind of request
                        (stack: n > 1; hier2m: n > 512) */
} ab_status;

#define AB_STATUS_COUNT 8

/* Capability flags: the matrix skips what a strategy does not do. */
#define AB_CAP_CONTIG 0x1u     /* serves runs of n > 1 pages with alignment */
#define AB_CAP_HUGE2M 0x2u     /* serves 2 MiB frames (n = 512, align = 512)
                                  on a dedicated path */
#define AB_CAP_THREADSAFE 0x4u /* every operation may run from several
                                  threads at once on one instance */
#define AB_CAP_HOSTONLY 0x8u   /* baselines: not freestanding, not a range
                                  allocator over spans (walk unsupported) */

/*
 * A span of managed pages: [first_page, first_page + npages).
 * Spans passed to a strategy are normalized: npages > 0, sorted by
 * first_page, not overlapping and not adjacent (adjacent spans are merged),
 * and first_page + npages <= AB_PAGE_LIMIT. ab_memmap_to_spans() in
 * core/memmap.h turns a raw firmware map into this form.
 */
typedef struct ab_span {
    uint64_t first_page;
    uint64_t npages;
} ab_span;

typedef struct ab_stats {
    uint64_t total_pages;      /* pages managed (sum of spans) */
    uint64_t free_pages;       /* pages free now */
    uint64_t largest_free_run; /* longest run of free pages at adjacent
                                  addresses, in pages */
    uint64_t free_runs;        /* maximal runs of free pages */
    uint64_t meta_bytes;       /* metadata bytes the instance uses */
} ab_stats;

/*
 * Called once per maximal free run, in ascending address order. Runs never
 * cross a span boundary. Return nonzero to stop the walk.
 */
typedef int (*ab_run_fn)(void *ctx, uint64_t first_page, uint64_t npages);

typedef struct ab_strategy {
    const char *name;    /* short, lowercase: "bitmap" */
    const char *summary; /* one line: the algorithm and its cost */
    uint32_t caps;       /* AB_CAP_* */
    uint64_t max_npages; /* largest n alloc() can ever serve; 0 = no limit
                            but memory itself */

    /*
     * Metadata bytes an instance needs for these spans, including the
     * instance header. Returns 0 iff the spans are not normalized or too
     * large for this strategy.
     */
    size_t (*meta_bytes)(const ab_span *spans, size_t nspans);

    /*
     * Builds an instance in meta (AB_META_ALIGN-aligned, meta_len bytes) with
     * every page of every span free. The instance is meta itself: pass meta
     * as self to every other call.
     * Fails with AB_EINVAL iff meta is NULL or misaligned, meta_len is below
     * meta_bytes(spans), or the spans are not normalized.
     */
    ab_status (*init)(void *meta, size_t meta_len, const ab_span *spans,
                      size_t nspans);

    /*
     * Allocates n contiguous pages whose address is a multiple of
     * align_pages pages (0 and 1 both mean 4 KiB) and writes the byte address
     * of the first page to *addr.
     * Fails, in this order of checks, with:
     *   AB_EINVAL  iff addr is NULL, n = 0 or align_pages is not 0 or a power
     *              of two;
     *   AB_ENOTSUP iff n > max_npages (when max_npages != 0) or the strategy
     *              does not serve that alignment;
     *   AB_ENOMEM  iff no free run of n pages with that alignment exists (an
     *              allocator may also fail when its search policy misses one;
     *              its header says when).
     */
    ab_status (*alloc)(void *self, uint64_t n, uint64_t align_pages,
                       uint64_t *addr);

    /*
     * Frees the n pages at addr, which alloc() returned for exactly n pages.
     * Fails, in this order of checks, with:
     *   AB_EINVAL  iff n = 0;
     *   AB_EALIGN  iff addr is not page-aligned;
     *   AB_ERANGE  iff the pages are not all inside one managed span;
     *   AB_EDOUBLE iff the page at addr is free;
     *   AB_ESIZE   iff addr is not the first page of an allocation or n is
     *              not its length.
     */
    ab_status (*free)(void *self, uint64_t addr, uint64_t n);

    /* Fills *out. May walk the structure: O(metadata) for some strategies. */
    void (*stats)(const void *self, ab_stats *out);

    /* Walks every maximal free run in address order (see ab_run_fn). */
    void (*walk_free)(const void *self, ab_run_fn fn, void *ctx);

    /*
     * Walks the invariants listed in the strategy's header and returns how
     * many are broken. 0 means the structure is sound.
     */
    size_t (*check)(const void *self);
} ab_strategy;

/* A short, stable name for a status: "ENOMEM". */
static inline const char *ab_status_name(ab_status s)
{
    switch (s) {
    case AB_OK: return "OK";
    case AB_ENOMEM: return "ENOMEM";
    case AB_EINVAL: return "EINVAL";
    case AB_ERANGE: return "ERANGE";
    case AB_EALIGN: return "EALIGN";
    case AB_EDOUBLE: return "EDOUBLE";
    case AB_ESIZE: return "ESIZE";
    case AB_ENOTSUP: return "ENOTSUP";
    }
    return "E?";
}

/* Freestanding strcmp(a, b) == 0, for registries looking names up. */
static inline bool ab_name_equal(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* True iff the spans are in the normalized form described at ab_span. */
static inline bool ab_spans_normalized(const ab_span *spans, size_t nspans)
{
    if (spans == NULL || nspans == 0)
        return false;
    for (size_t i = 0; i < nspans; i++) {
        if (spans[i].npages == 0 || spans[i].first_page >= AB_PAGE_LIMIT ||
            spans[i].npages > AB_PAGE_LIMIT - spans[i].first_page)
            return false;
        if (i > 0 && spans[i].first_page <=
                         spans[i - 1].first_page + spans[i - 1].npages)
            return false;
    }
    return true;
}

/*
 * Index of the span holding page, or nspans if none. O(log nspans): a free
 * must never search pools linearly (seed 004's poolForFrame).
 */
static inline size_t ab_span_find(const ab_span *spans, size_t nspans,
                                  uint64_t page)
{
    size_t lo = 0, hi = nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (page < spans[mid].first_page)
            hi = mid;
        else if (page - spans[mid].first_page >= spans[mid].npages)
            lo = mid + 1;
        else
            return mid;
    }
    return nspans;
}

/*
 * The first checks every free() makes, shared so that all strategies order
 * their errors the same way. On AB_OK, *span_out is the span holding the
 * pages and *page_out the first page number.
 */
static inline ab_status ab_free_precheck(const ab_span *spans, size_t nspans,
                                         uint64_t addr, uint64_t n,
                                         size_t *span_out, uint64_t *page_out)
{
    if (n == 0)
        return AB_EINVAL;
    if (addr & (AB_PAGE_BYTES - 1))
        return AB_EALIGN;
    uint64_t page = addr >> AB_PAGE_SHIFT;
    size_t s = ab_span_find(spans, nspans, page);
    if (s == nspans || n > spans[s].npages - (page - spans[s].first_page))
        return AB_ERANGE;
    *span_out = s;
    *page_out = page;
    return AB_OK;
}

/* The first checks every alloc() makes; see ab_strategy.alloc. */
static inline ab_status ab_alloc_precheck(const ab_strategy *st, uint64_t n,
                                          uint64_t align_pages,
                                          const uint64_t *addr)
{
    if (addr == NULL || n == 0 || (align_pages & (align_pages - 1)) != 0)
        return AB_EINVAL;
    if (st->max_npages != 0 && n > st->max_npages)
        return AB_ENOTSUP;
    return AB_OK;
}

/* A metadata area's alignment check for init(). */
static inline bool ab_meta_aligned(const void *meta)
{
    return meta != NULL && ((uintptr_t)meta & (AB_META_ALIGN - 1)) == 0;
}

/*
 * Fills the run-derived stats fields (free_pages, largest_free_run,
 * free_runs) from walk_free. Strategies whose stats are not O(1) use it.
 */
typedef struct ab_run_tally {
    uint64_t free_pages, largest, runs;
} ab_run_tally;

static inline int ab_run_tally_add(void *ctx, uint64_t first, uint64_t n)
{
    ab_run_tally *t = (ab_run_tally *)ctx;
    (void)first;
    t->free_pages += n;
    t->runs++;
    if (n > t->largest)
        t->largest = n;
    return 0;
}

static inline void ab_stats_from_walk(const ab_strategy *st, const void *self,
                                      ab_stats *out)
{
    ab_run_tally t = {0, 0, 0};
    st->walk_free(self, ab_run_tally_add, &t);
    out->free_pages = t.free_pages;
    out->largest_free_run = t.largest;
    out->free_runs = t.runs;
}

/* The check() macro of TLSF: count a broken invariant, with its reason. */
#define AB_INSIST(count, cond) \
    do {                       \
        if (!(cond))           \
            (count)++;         \
    } while (0)

/*
 * Internal invariant assertion, overridable: host builds define
 * AB_HOST_ASSERT to get assert(); the kernel defines AB_ASSERT as a panic.
 * Caller misuse is a status, never an assert.
 */
#ifndef AB_ASSERT
#if defined(AB_HOST_ASSERT)
#include <assert.h>
#define AB_ASSERT(cond) assert(cond)
#else
#define AB_ASSERT(cond) ((void)0)
#endif
#endif

#endif /* ALLOCBENCH_STRATEGY_H */
