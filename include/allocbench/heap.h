/*
 * allocbench: the interface every kernel heap (kmalloc) implements.
 *
 * A heap serves byte-sized blocks out of pages it takes from a page provider
 * (ab_page_provider): on the host a registered page strategy over a buffer,
 * in the kernel the VMM window backed by the PMM, in the LD_PRELOAD library
 * an mmap'ed window. Like a page strategy, a heap is one const ops object
 * (ab_heap) whose instance lives in memory the caller provides, sized by
 * meta_bytes(); no malloc, no global state, no recursion; freestanding.
 *
 * Semantics (kmalloc/kfree/krealloc/kcalloc, and C's malloc family):
 *   - every block's address is a multiple of AB_HEAP_ALIGN (16);
 *   - malloc(0) returns a unique minimal block (usable size >= 16), which
 *     free() accepts like any other: the friendlier, glibc-like choice;
 *   - free(NULL) is a no-op that returns AB_OK;
 *   - a pointer can not carry an error, so malloc, calloc and memalign
 *     return NULL on failure, and free, realloc and usable_size return an
 *     ab_status;
 *   - misuse is a status, never undefined behaviour the heap can detect:
 *       AB_ERANGE  the pointer lies in no page the heap holds (outside the
 *                  provider's window, or in pages never used or already
 *                  given back);
 *       AB_EINVAL  the pointer lies in the heap's pages but is not the start
 *                  of a block (interior, misaligned, or a forged header);
 *       AB_EDOUBLE the pointer is the start of a block that is free now;
 *     a call that returns one of these changes nothing but the misuse count.
 *     A block whose pages went back to the provider gives AB_ERANGE on a
 *     second free, not AB_EDOUBLE: the heap no longer knows the address.
 *
 * The heaps share one lookup structure, the page map (include/allocbench/pagemap.h): a
 * two-level table with one 64-bit entry per page of the provider's window,
 * leaves taken from the provider on first use. It answers "which block or
 * slab owns this page" in O(1), so free() validates any pointer before it
 * reads a byte of the heap's memory.
 *
 * Freestanding: <stddef.h>, <stdint.h>, <stdbool.h> and project headers.
 * No 64-bit division: builds for i686 and x86-64.
 */
#ifndef ALLOCBENCH_HEAP_H
#define ALLOCBENCH_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

/* Every block is aligned to this many bytes. */
#define AB_HEAP_ALIGN 16u

/*
 * Where a heap's pages come from. Every address alloc_pages() returns is
 * writable, a multiple of AB_PAGE_BYTES and inside the window
 * [base, base + npages * AB_PAGE_BYTES), which the heap's page map covers.
 */
typedef struct ab_page_provider {
    void *ctx;    /* passed to both callbacks */
    void *base;   /* first byte of the window, page-aligned */
    size_t npages; /* pages in the window */
    /*
     * Allocates npages > 0 contiguous pages whose address is a multiple of
     * align_pages pages (0 or 1: any page) and writes it to *addr.
     * Fails with AB_ENOMEM (or the strategy's AB_ENOTSUP) and writes nothing.
     */
    ab_status (*alloc_pages)(void *ctx, size_t npages, size_t align_pages, void **addr);
    /* Gives back npages pages that alloc_pages() returned at addr. */
    ab_status (*free_pages)(void *ctx, void *addr, size_t npages);
} ab_page_provider;

/* Counters of one instance. Fields marked "only grows" never decrease. */
typedef struct ab_heap_stats {
    uint64_t live_bytes;           /* bytes requested by the live blocks */
    uint64_t peak_live_bytes;      /* max of live_bytes; only grows */
    uint64_t live_blocks;          /* blocks allocated and not freed */
    uint64_t footprint_bytes;      /* bytes of the pages held from the
                                      provider, page-map leaves included */
    uint64_t peak_footprint_bytes; /* max of footprint_bytes; only grows */
    uint64_t meta_bytes;           /* instance bytes + page-map leaf bytes */
    uint64_t mallocs;              /* successful allocations; only grows */
    uint64_t frees;                /* successful frees; only grows */
    uint64_t failed;               /* allocations that returned NULL, for
                                      want of memory or a bad size; only
                                      grows */
    uint64_t misuse;               /* free/realloc/usable_size calls that
                                      returned ERANGE, EINVAL or EDOUBLE;
                                      only grows */
} ab_heap_stats;

typedef struct ab_heap {
    const char *name;    /* short, lowercase: "slab" */
    const char *summary; /* one line: the algorithm and its cost */

    /*
     * Instance bytes for a heap over this provider (instance header plus the
     * page map's top level: one pointer per 512 window pages). Returns 0 iff
     * the provider is unusable: NULL callbacks, base not page-aligned,
     * npages = 0, or a window that does not fit the address space.
     */
    size_t (*meta_bytes)(const ab_page_provider *pp);

    /*
     * Builds an instance in meta (AB_META_ALIGN-aligned, meta_len bytes) over
     * a copy of *pp. Takes no page yet. The instance is meta itself.
     * Fails with AB_EINVAL iff meta is NULL or misaligned, meta_len is below
     * meta_bytes(pp), or meta_bytes(pp) is 0.
     */
    ab_status (*init)(void *meta, size_t meta_len, const ab_page_provider *pp);

    /*
     * Gives every page the instance holds back to the provider, live blocks
     * included; the instance must be init()ed again before any other use.
     */
    void (*fini)(void *self);

    /*
     * A block of at least size bytes, AB_HEAP_ALIGN-aligned; size 0 gives a
     * unique minimal block. Returns NULL iff the provider has no pages left
     * or size is larger than the window.
     */
    void *(*malloc)(void *self, size_t size);

    /*
     * A zeroed block of nmemb * size bytes. Returns NULL iff the product
     * overflows size_t, or for malloc's reasons.
     */
    void *(*calloc)(void *self, size_t nmemb, size_t size);

    /*
     * A block of at least size bytes whose address is a multiple of align.
     * Returns NULL iff align is not a power of two, or for malloc's reasons.
     * align <= AB_HEAP_ALIGN is malloc().
     */
    void *(*memalign)(void *self, size_t align, size_t size);

    /*
     * Resizes the block at ptr to size bytes and writes its (maybe new)
     * address to *out; the first min(old usable size, size) bytes are kept.
     * realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and writes NULL
     * (krealloc and glibc behave so).
     * Fails, changing nothing and writing NULL to *out, with:
     *   AB_EINVAL  iff out is NULL, or ptr is not a block (see the top);
     *   AB_ERANGE, AB_EDOUBLE as free();
     *   AB_ENOMEM  iff the block must move and no memory is left (the old
     *              block stays valid), or size is larger than the window.
     */
    ab_status (*realloc)(void *self, void *ptr, size_t size, void **out);

    /*
     * Frees the block at ptr; free(NULL) does nothing and returns AB_OK.
     * Fails, changing nothing, with AB_ERANGE, AB_EINVAL or AB_EDOUBLE (see
     * the top of this file).
     */
    ab_status (*free)(void *self, void *ptr);

    /*
     * Writes to *out how many bytes the block at ptr can hold (>= the size
     * asked for). Fails as free() does, or AB_EINVAL iff out is NULL.
     */
    ab_status (*usable_size)(void *self, const void *ptr, size_t *out);

    /* Fills *out. O(1). */
    void (*stats)(const void *self, ab_heap_stats *out);

    /*
     * Walks the invariants listed in the heap's header and returns how many
     * are broken; 0 means the structure is sound. O(pages held + blocks).
     */
    size_t (*check)(const void *self);
} ab_heap;

/* Every heap, in heaps.def order; *count gets how many. */
const ab_heap *const *ab_heap_registry(size_t *count);

/* The heap with this name, or NULL. */
const ab_heap *ab_heap_find(const char *name);

/*
 * Byte copies and fills. The compiler's builtins: on the host they call the
 * C library's memcpy/memset, in the kernel its own (every byte written; seed
 * 001's memset left the last size % 8 bytes alone).
 */
static inline void ab_heap_copy(void *dst, const void *src, size_t n)
{
    __builtin_memcpy(dst, src, n);
}

static inline void ab_heap_zero(void *dst, size_t n) { __builtin_memset(dst, 0, n); }

/*
 * The largest request a heap over this provider accepts: the window minus an
 * arena header page and a page-map leaf, capped so size arithmetic cannot
 * overflow. Larger requests fail at once instead of after a search.
 */
static inline size_t ab_heap_max_request(const ab_page_provider *pp)
{
    uint64_t window = (uint64_t)pp->npages << AB_PAGE_SHIFT;
    uint64_t limit = window > 2u * AB_PAGE_BYTES ? window - 2u * AB_PAGE_BYTES : 0;
    if (limit > (uint64_t)(SIZE_MAX >> 2))
        limit = SIZE_MAX >> 2;
    return (size_t)limit;
}

/* size * nmemb, or false on overflow (seed 001's calloc never checked). */
static inline bool ab_heap_mul_ok(size_t nmemb, size_t size, size_t *out)
{
    return !__builtin_mul_overflow(nmemb, size, out);
}

#endif /* ALLOCBENCH_HEAP_H */
