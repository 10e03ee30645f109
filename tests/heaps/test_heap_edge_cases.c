/*
 * Heap edge cases, for every registered heap over one contiguous strategy:
 *
 *   test_heap_edge_cases [STRATEGY]     (default: buddy, else bitmap)
 *
 * Size 0, huge sizes, calloc overflow, double free, frees of pointers the
 * heap never returned, realloc's corner cases, memalign, running the page
 * provider dry, and seed 001's defects (every byte copied and zeroed, 16-byte
 * alignment, realloc copying only what the old block holds).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_util.h"
#include "testlib.h"

#define WINDOW_PAGES 4096u

static const ab_strategy *g_st;

/* Opens th over g_st or leaves the case. */
#define OPEN(th, hp) OPEN_PAGES(th, hp, WINDOW_PAGES)
#define OPEN_PAGES(th, hp, npages)                                                \
    do {                                                                          \
        ab_status s_ = t_heap_open(&(th), (hp), g_st, (npages));                  \
        T_REQUIRE(s_ == AB_OK, "open %s: %s", (hp)->name, ab_status_name(s_));    \
    } while (0)

static void expect_clean(t_heap *th)
{
    T_EXPECT(th->hp->check(th->meta) == 0, "%s: check() after the case", th->hp->name);
    T_EXPECT(t_check(&th->pages.inst) == 0, "strategy check() after the case");
}

static void size_zero(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    void *p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = hp->malloc(th.meta, 0);
        T_EXPECT(p[i] != NULL, "malloc(0) is a unique minimal block, not NULL");
        T_EXPECT(((uintptr_t)p[i] & 15u) == 0, "malloc(0) aligned");
        size_t u = 0;
        T_EXPECT(hp->usable_size(th.meta, p[i], &u) == AB_OK && u >= 16, "usable %zu", u);
        for (int j = 0; j < i; j++)
            T_EXPECT(p[i] != p[j], "malloc(0) returned %p twice", p[i]);
    }
    ab_heap_stats st = t_heap_stats(&th);
    T_EXPECT(st.live_bytes == 0 && st.live_blocks == 8, "size-0 blocks count 0 live bytes");
    void *c = hp->calloc(th.meta, 0, 100);
    T_EXPECT(c != NULL, "calloc(0, n) is a minimal block");
    T_EXPECT(hp->free(th.meta, c) == AB_OK, "free calloc(0, n)");
    for (int i = 0; i < 8; i++)
        T_EXPECT(hp->free(th.meta, p[i]) == AB_OK, "free malloc(0)");
    T_EXPECT(hp->free(th.meta, NULL) == AB_OK, "free(NULL) is a no-op");
    expect_clean(&th);
    t_heap_close(&th);
}

static void huge_sizes(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    size_t window = WINDOW_PAGES * (size_t)AB_PAGE_BYTES;
    size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX - 4096, SIZE_MAX / 2 + 1,
                      SIZE_MAX / 2, window, window + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        T_EXPECT(hp->malloc(th.meta, sizes[i]) == NULL, "malloc(%zu) must fail", sizes[i]);
        T_EXPECT(hp->memalign(th.meta, 4096, sizes[i]) == NULL, "memalign(4096, %zu)", sizes[i]);
    }
    size_t half = (size_t)1 << (sizeof(size_t) * 4);
    T_EXPECT(hp->calloc(th.meta, SIZE_MAX / 2 + 1, 2) == NULL, "calloc overflow");
    T_EXPECT(hp->calloc(th.meta, 2, SIZE_MAX / 2 + 1) == NULL, "calloc overflow");
    T_EXPECT(hp->calloc(th.meta, half, half) == NULL, "calloc(2^k, 2^k) overflows to 0");
    T_EXPECT(hp->calloc(th.meta, half + 1, half - 1) == NULL, "calloc of a huge product");
    T_EXPECT(hp->memalign(th.meta, (size_t)1 << (sizeof(size_t) * 8 - 1), 16) == NULL,
             "memalign with a huge alignment");
    ab_heap_stats st = t_heap_stats(&th);
    T_EXPECT(st.failed >= 20 && st.live_blocks == 0, "failures counted, nothing allocated");
    /* The heap still works. */
    void *p = hp->malloc(th.meta, 100);
    T_EXPECT(p != NULL, "malloc after huge requests");
    void *out = p;
    T_EXPECT(hp->realloc(th.meta, p, SIZE_MAX, &out) == AB_ENOMEM && out == NULL,
             "realloc(p, SIZE_MAX) is ENOMEM");
    T_EXPECT(hp->free(th.meta, p) == AB_OK, "the block survives a failed realloc");
    expect_clean(&th);
    t_heap_close(&th);
}

static void double_free(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    size_t sizes[] = {1, 16, 48, 100, 512, 2000, 3000, 10000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* A neighbour keeps the slab or arena alive, so the heap still knows
         * the address and must say EDOUBLE; a large block's pages may be
         * gone (ERANGE). */
        void *keep = hp->malloc(th.meta, sizes[i]);
        void *p = hp->malloc(th.meta, sizes[i]);
        T_REQUIRE(keep != NULL && p != NULL);
        T_EXPECT(hp->free(th.meta, p) == AB_OK);
        ab_heap_stats before = t_heap_stats(&th);
        ab_status s = hp->free(th.meta, p);
        if (sizes[i] <= 2048)
            T_EXPECT(s == AB_EDOUBLE, "double free of %zu B: %s", sizes[i], ab_status_name(s));
        else
            T_EXPECT(s == AB_EDOUBLE || s == AB_ERANGE, "double free of %zu B: %s", sizes[i],
                     ab_status_name(s));
        void *out = (void *)1;
        ab_status s2 = hp->realloc(th.meta, p, 10, &out);
        T_EXPECT(s2 == s && out == NULL, "realloc of a freed block: %s", ab_status_name(s2));
        size_t u;
        T_EXPECT(hp->usable_size(th.meta, p, &u) == s, "usable_size of a freed block");
        ab_heap_stats after = t_heap_stats(&th);
        T_EXPECT(after.misuse == before.misuse + 3 && after.frees == before.frees &&
                     after.live_bytes == before.live_bytes,
                 "a double free changes nothing but misuse");
        T_EXPECT(hp->check(th.meta) == 0, "check() after a double free");
        T_EXPECT(hp->free(th.meta, keep) == AB_OK);
    }
    expect_clean(&th);
    t_heap_close(&th);
}

static void foreign_pointers(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    int local;
    void *host = malloc(64);
    T_EXPECT(hp->free(th.meta, &local) == AB_ERANGE, "free(stack address)");
    T_EXPECT(hp->free(th.meta, host) == AB_ERANGE, "free(host malloc block)");
    T_EXPECT(hp->free(th.meta, (void *)(uintptr_t)16) == AB_ERANGE, "free((void *)16)");
    /* Inside the window, in a page the heap never took. */
    unsigned char *unused = th.pages.buf + (WINDOW_PAGES - 3) * (size_t)AB_PAGE_BYTES;
    T_EXPECT(hp->free(th.meta, unused) == AB_ERANGE, "free(unused window page)");
    T_EXPECT(hp->free(th.meta, unused + 32) == AB_ERANGE, "free(unused window page + 32)");
    size_t sizes[] = {16, 64, 96, 2048, 5000, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *p = hp->malloc(th.meta, sizes[i]);
        T_REQUIRE(p != NULL);
        memset(p, 0x55, sizes[i]);
        size_t offs[] = {1, 8, 15, 16, 32, 48};
        for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
            if (offs[k] >= sizes[i] || (sizes[i] == 16 && offs[k] == 16))
                continue;
            /* For a class of 16, p + 16 may be the next object: skip it. */
            if (offs[k] % 16 == 0 && sizes[i] <= 16)
                continue;
            ab_status s = hp->free(th.meta, p + offs[k]);
            T_EXPECT(s == AB_EINVAL, "free(p + %zu) of a %zu B block: %s", offs[k], sizes[i],
                     ab_status_name(s));
        }
        T_EXPECT(hp->free(th.meta, p) == AB_OK, "the real block still frees");
    }
    ab_heap_stats st = t_heap_stats(&th);
    T_EXPECT(st.live_blocks == 0 && st.misuse >= 10, "misuse counted");
    free(host);
    expect_clean(&th);
    t_heap_close(&th);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

/* A use-after-free that zeroed a freed object's link (slab's free list)
   went undetected, and the slab then bumped past its last object into its
   own header. Whatever a heap does with the damage, it must never hand out
   overlapping blocks, and must stay consistent. */
static void use_after_free_zeroed_link(const ab_heap *hp)
{
    enum { N = 300, SZ = 64 };
    t_heap th;
    OPEN(th, hp);
    void *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = hp->malloc(th.meta, SZ);
        T_REQUIRE(p[i] != NULL);
    }
    /* p[0] keeps the first slab (or arena) alive with every other object
       of it freed; then the write after free zeroes every freed link. */
    for (int i = 1; i < N; i++)
        T_EXPECT(hp->free(th.meta, p[i]) == AB_OK);
    for (int i = 1; i < N; i++)
        memset(p[i], 0, sizeof(void *));
    for (int i = 1; i < N; i++) {
        p[i] = hp->malloc(th.meta, SZ);
        T_REQUIRE(p[i] != NULL);
        memset(p[i], 0x5A, SZ);
    }
    qsort(p, N, sizeof p[0], cmp_ptr);
    for (int i = 1; i < N; i++)
        T_EXPECT((uintptr_t)p[i - 1] + SZ <= (uintptr_t)p[i], "blocks %p and %p overlap",
                 p[i - 1], p[i]);
    T_EXPECT(hp->check(th.meta) == 0, "check() after the damage was repaired");
    for (int i = 0; i < N; i++)
        T_EXPECT(hp->free(th.meta, p[i]) == AB_OK);
    expect_clean(&th);
    t_heap_close(&th);
}

/* A header forged inside a live block must not fool free(). */
static void forged_header(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    unsigned char *p = hp->malloc(th.meta, 512);
    T_REQUIRE(p != NULL);
    /* Copy the real header (the 32 bytes before p, for firstfit) to p + 128:
     * a plausible magic and sizes that disagree with the neighbours. */
    if (strcmp(hp->name, "firstfit") == 0)
        memcpy(p + 128 - 32, p - 32, 32);
    ab_status s = hp->free(th.meta, p + 128);
    T_EXPECT(s == AB_EINVAL, "free of a forged block: %s", ab_status_name(s));
    T_EXPECT(hp->free(th.meta, p) == AB_OK);
    expect_clean(&th);
    t_heap_close(&th);
}

/* Seed 001: realloc copied `size` bytes and calloc/memset skipped tails. */
static void every_byte(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    for (size_t n = 1; n <= 300; n++) {
        unsigned char *dirty = hp->malloc(th.meta, n);
        T_REQUIRE(dirty != NULL);
        memset(dirty, 0xFF, n);
        T_EXPECT(hp->free(th.meta, dirty) == AB_OK);
        unsigned char *z = hp->calloc(th.meta, 1, n);
        T_REQUIRE(z != NULL);
        size_t nz = 0;
        for (size_t i = 0; i < n; i++)
            nz += z[i] != 0;
        T_EXPECT(nz == 0, "calloc(1, %zu) left %zu bytes nonzero", n, nz);
        T_EXPECT(hp->free(th.meta, z) == AB_OK);
    }
    /* Grow and shrink through every class and into pages, checking bytes. */
    unsigned char *p = hp->malloc(th.meta, 1);
    size_t size = 1;
    p[0] = 0;
    size_t steps[] = {2, 7, 15, 16, 17, 33, 100, 255, 256, 257, 1000, 2047, 2048, 2049, 4095,
                      4096, 4097, 9000, 70000, 5000, 3000, 2048, 600, 31, 3, 1};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        void *out = NULL;
        ab_status s = hp->realloc(th.meta, p, steps[k], &out);
        T_REQUIRE(s == AB_OK && out != NULL, "realloc to %zu: %s", steps[k], ab_status_name(s));
        unsigned char *q = out;
        size_t kept = size < steps[k] ? size : steps[k];
        size_t bad = kept;
        for (size_t i = 0; i < kept; i++)
            if (q[i] != (unsigned char)(i * 13 + 1) && !(i == 0 && q[0] == 0)) {
                bad = i;
                break;
            }
        T_EXPECT(bad == kept, "realloc %zu -> %zu lost byte %zu", size, steps[k], bad);
        for (size_t i = 0; i < steps[k]; i++)
            q[i] = (unsigned char)(i * 13 + 1);
        p = q;
        size = steps[k];
        T_EXPECT(hp->check(th.meta) == 0, "check() after realloc to %zu", steps[k]);
    }
    T_EXPECT(hp->free(th.meta, p) == AB_OK);
    /* Seed 001: data after a header was not 16-byte aligned. */
    for (size_t n = 0; n <= 4200; n += 7) {
        void *a = hp->malloc(th.meta, n);
        T_EXPECT(a != NULL && ((uintptr_t)a & 15u) == 0, "malloc(%zu) = %p", n, a);
        T_EXPECT(hp->free(th.meta, a) == AB_OK);
    }
    expect_clean(&th);
    t_heap_close(&th);
}

static void realloc_corners(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    void *out = (void *)1;
    T_EXPECT(hp->realloc(th.meta, NULL, 40, &out) == AB_OK && out != NULL, "realloc(NULL, n)");
    void *p = out;
    out = (void *)1;
    T_EXPECT(hp->realloc(th.meta, p, 0, &out) == AB_OK && out == NULL, "realloc(p, 0) frees");
    T_EXPECT(t_heap_stats(&th).live_blocks == 0, "realloc(p, 0) freed the block");
    out = (void *)1;
    T_EXPECT(hp->realloc(th.meta, NULL, 0, &out) == AB_OK && out != NULL,
             "realloc(NULL, 0) is malloc(0)");
    T_EXPECT(hp->free(th.meta, out) == AB_OK);
    p = hp->malloc(th.meta, 10);
    T_EXPECT(hp->realloc(th.meta, p, 10, NULL) == AB_EINVAL, "realloc without out");
    T_EXPECT(hp->usable_size(th.meta, p, NULL) == AB_EINVAL, "usable_size without out");
    T_EXPECT(hp->free(th.meta, p) == AB_OK);
    expect_clean(&th);
    t_heap_close(&th);
}

static void memalign_cases(const ab_heap *hp)
{
    t_heap th;
    /* Room for a 4 MiB block at 1 MiB alignment even from a buddy whose
     * window holds a page-map leaf and a kept arena. */
    OPEN_PAGES(th, hp, 4 * WINDOW_PAGES);
    size_t bad_aligns[] = {0, 3, 24, 48, 4095, 4097};
    for (size_t i = 0; i < sizeof bad_aligns / sizeof bad_aligns[0]; i++)
        T_EXPECT(hp->memalign(th.meta, bad_aligns[i], 64) == NULL, "memalign(%zu) must fail",
                 bad_aligns[i]);
    for (size_t align = 1; align <= ((size_t)1 << 20); align <<= 1) {
        size_t sizes[] = {0, 1, 17, align, align + 1, 3 * align, 5000};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            unsigned char *p = hp->memalign(th.meta, align, sizes[k]);
            /* hier2m serves at most 512 pages at once. */
            uint64_t pages = (sizes[k] + 2 * align) / AB_PAGE_BYTES + 2;
            bool too_big = g_st->max_npages != 0 && pages > g_st->max_npages;
            T_EXPECT(p != NULL || too_big, "memalign(%zu, %zu)", align, sizes[k]);
            if (p == NULL)
                continue;
            size_t want = align < 16 ? 16 : align;
            T_EXPECT(((uintptr_t)p & (want - 1)) == 0, "memalign(%zu, %zu) = %p", align, sizes[k],
                     (void *)p);
            size_t u = 0;
            T_EXPECT(hp->usable_size(th.meta, p, &u) == AB_OK && u >= sizes[k], "usable");
            memset(p, 0x77, sizes[k]);
            T_EXPECT(hp->check(th.meta) == 0, "check() after memalign(%zu, %zu)", align, sizes[k]);
            T_EXPECT(hp->free(th.meta, p) == AB_OK, "free memalign(%zu, %zu)", align, sizes[k]);
        }
    }
    expect_clean(&th);
    t_heap_close(&th);
}

/* The provider runs dry: NULL, no damage, and everything comes back. */
static void exhaustion(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    th.pages.quota = 64;
    size_t n = 0, cap = 100000;
    void **ps = calloc(cap, sizeof *ps);
    for (uint32_t i = 0; n < cap; i++) {
        size_t size = 1 + (i * 2654435761u) % 3000u;
        void *p = hp->malloc(th.meta, size);
        if (p == NULL)
            break;
        ps[n++] = p;
    }
    T_EXPECT(n > 10 && n < cap, "%zu blocks before the quota", n);
    ab_heap_stats st = t_heap_stats(&th);
    T_EXPECT(st.failed == 1 && st.footprint_bytes <= 64 * AB_PAGE_BYTES, "failure counted");
    T_EXPECT(hp->check(th.meta) == 0, "check() when dry");
    T_EXPECT(hp->malloc(th.meta, 100000) == NULL, "large when dry");
    T_EXPECT(hp->check(th.meta) == 0, "check() after a failed large block");
    for (size_t i = 0; i < n; i++)
        T_EXPECT(hp->free(th.meta, ps[i]) == AB_OK);
    st = t_heap_stats(&th);
    T_EXPECT(st.live_blocks == 0 && st.footprint_bytes <= 24 * 8 * AB_PAGE_BYTES,
             "pages given back: footprint %llu", (unsigned long long)st.footprint_bytes);
    th.pages.quota = 0;
    T_EXPECT(hp->malloc(th.meta, 100000) != NULL, "works again");
    free(ps);
    expect_clean(&th);
    t_heap_close(&th);
    T_EXPECT(th.pages.bad_frees == 0, "the heap gave back pages it did not hold");
}

/* Freed blocks' pages go back: many blocks, all freed, footprint small. */
static void pages_given_back(const ab_heap *hp)
{
    t_heap th;
    OPEN(th, hp);
    void **ps = calloc(20000, sizeof *ps);
    for (size_t i = 0; i < 20000; i++) {
        ps[i] = hp->malloc(th.meta, 16 + (i % 64) * 8);
        T_REQUIRE(ps[i] != NULL);
    }
    ab_heap_stats full = t_heap_stats(&th);
    for (size_t i = 0; i < 20000; i++)
        T_EXPECT(hp->free(th.meta, ps[i]) == AB_OK);
    ab_heap_stats empty = t_heap_stats(&th);
    T_EXPECT(empty.footprint_bytes * 8 < full.footprint_bytes,
             "footprint %llu of a peak %llu after freeing everything",
             (unsigned long long)empty.footprint_bytes, (unsigned long long)full.footprint_bytes);
    T_EXPECT(empty.peak_live_bytes == full.live_bytes, "peak live kept");
    printf("  %s: 20000 blocks of 16..520 B: footprint %llu B for %llu live B (%.3f), "
           "%llu B after freeing all\n",
           hp->name, (unsigned long long)full.footprint_bytes, (unsigned long long)full.live_bytes,
           (double)full.footprint_bytes / (double)full.live_bytes,
           (unsigned long long)empty.footprint_bytes);
    free(ps);
    expect_clean(&th);
    ab_stats ss = t_stats(&th.pages.inst);
    T_EXPECT(ss.total_pages - ss.free_pages == th.pages.held, "strategy agrees");
    t_heap_close(&th);
}

static void init_errors(const ab_heap *hp)
{
    t_pages tp;
    T_REQUIRE(t_pages_open(&tp, g_st, 64) == AB_OK);
    ab_page_provider pp = t_pages_provider(&tp);
    size_t len = hp->meta_bytes(&pp);
    T_EXPECT(len > 0, "meta_bytes");
    void *meta = aligned_alloc(AB_META_ALIGN, 4096);
    T_EXPECT(hp->init(NULL, len, &pp) == AB_EINVAL, "NULL meta");
    T_EXPECT(hp->init((char *)meta + 8, len, &pp) == AB_EINVAL, "misaligned meta");
    T_EXPECT(hp->init(meta, len - 1, &pp) == AB_EINVAL, "short meta");
    ab_page_provider bad = pp;
    bad.base = (char *)pp.base + 8;
    T_EXPECT(hp->meta_bytes(&bad) == 0, "misaligned window");
    bad = pp;
    bad.npages = 0;
    T_EXPECT(hp->meta_bytes(&bad) == 0, "empty window");
    bad = pp;
    bad.alloc_pages = NULL;
    T_EXPECT(hp->meta_bytes(&bad) == 0, "no callback");
    T_EXPECT(hp->init(meta, len, &pp) == AB_OK, "init");
    T_EXPECT(hp->check(meta) == 0, "check() of a new heap");
    ab_heap_stats st;
    hp->stats(meta, &st);
    T_EXPECT(st.footprint_bytes == 0 && st.live_blocks == 0, "a new heap takes no page");
    hp->fini(meta);
    free(meta);
    t_pages_close(&tp);
}

int main(int argc, char **argv)
{
    g_st = t_contig_strategy(argc > 1 ? argv[1] : "buddy");
    if (g_st == NULL)
        g_st = t_contig_strategy("bitmap");
    if (g_st == NULL) {
        fprintf(stderr, "no contiguous page strategy registered\n");
        return 2;
    }
    size_t n;
    const ab_heap *const *heaps = ab_heap_registry(&n);
    char name[128];
#define CASE(fn)                                                                   \
    do {                                                                           \
        snprintf(name, sizeof name, "%s.%s", heaps[i]->name, #fn);                 \
        T_RUN_NAMED(name, fn, heaps[i]);                                           \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        CASE(init_errors);
        CASE(size_zero);
        CASE(huge_sizes);
        CASE(double_free);
        CASE(foreign_pointers);
        CASE(forged_header);
        CASE(use_after_free_zeroed_link);
        CASE(every_byte);
        CASE(realloc_corners);
        CASE(memalign_cases);
        CASE(exhaustion);
        CASE(pages_given_back);
    }
    return t_finish();
}
