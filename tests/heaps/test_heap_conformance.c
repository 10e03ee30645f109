/*
 * Heap conformance: one randomized, model-based test per heap and page
 * strategy.
 *
 *   test_heap_conformance HEAP STRATEGY [OPS] [SEED]
 *
 * The model keeps every live block (address, size asked for, usable size,
 * a tag) sorted by address. Each block's whole usable area is filled with a
 * pattern derived from its tag. Operations: malloc, calloc, memalign,
 * realloc (grow, shrink, same, to 0, from NULL), free, and deliberately bad
 * calls (double free, interior and foreign pointers). After every operation:
 *   - a new block is 16-byte aligned (or as memalign asked), its usable size
 *     covers the request, and [p, p + usable) overlaps no live block;
 *   - calloc's bytes are zero; realloc kept min(old usable, new) bytes;
 *   - a freed or reallocated block still held its pattern, every byte;
 *   - a bad call returned its status and changed no counter but misuse;
 *   - stats agree with the model (live bytes, live blocks, mallocs - frees),
 *     peaks only grow and bound the current values;
 *   - the heap's check() and the page strategy's check() are 0.
 * Every 512 operations every live block's pattern is verified. Phases swing
 * between filling (up to MAX_LIVE blocks) and draining, so that slabs and
 * arenas are created, emptied and given back. At the end everything is
 * freed, the footprint must fall back to what the heap keeps cached, and
 * after fini the strategy must have every page free again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_util.h"
#include "testlib.h"

#define WINDOW_PAGES 8192u /* 32 MiB */
#define MAX_LIVE 1500u
#define LIVE_CAP (2 * MAX_LIVE)

typedef struct blk {
    unsigned char *p;
    size_t size, usable;
    uint32_t tag;
} blk;

typedef struct run {
    t_heap th;
    blk *live; /* sorted by p */
    size_t n;
    uint64_t live_bytes;
    uint64_t rng;
    uint32_t next_tag;
    ab_heap_stats last;
    uint64_t ops, nulls, bad_calls, reallocs_moved;
    int broken;
} run;

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rng_below(uint64_t *s, size_t n) { return n == 0 ? 0 : (size_t)(rng_next(s) % n); }

static unsigned char pattern(uint32_t tag, size_t i)
{
    return (unsigned char)(tag * 131u + (uint32_t)i * 7u + (uint32_t)(i >> 8));
}

static void fill(const blk *b, size_t from)
{
    for (size_t i = from; i < b->usable; i++)
        b->p[i] = pattern(b->tag, i);
}

/* Index of the first byte not matching b's pattern in [0, n), or n. */
static size_t verify(const blk *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b->p[i] != pattern(b->tag, i))
            return i;
    return n;
}

#define R_EXPECT(r, cond, ...)                                              \
    do {                                                                    \
        if (!(cond) && !(r)->broken) {                                      \
            T_EXPECT(cond, __VA_ARGS__);                                    \
            (r)->broken = 1;                                                \
        }                                                                   \
    } while (0)

/* Position where p belongs in the sorted live array. */
static size_t live_pos(const run *r, const unsigned char *p)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->live[mid].p < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Checks a new block and inserts it; fills it from byte `from` on. */
static void live_insert(run *r, blk b, size_t align, size_t from)
{
    const ab_heap *hp = r->th.hp;
    if (r->n == LIVE_CAP) {
        /* The model is full: give the block back (rare). */
        R_EXPECT(r, hp->free(r->th.meta, b.p) == AB_OK, "free of a new block");
        return;
    }
    size_t usable = 0;
    ab_status s = hp->usable_size(r->th.meta, b.p, &usable);
    R_EXPECT(r, s == AB_OK, "usable_size of a new block: %s", ab_status_name(s));
    R_EXPECT(r, usable >= b.size && usable >= 1, "usable %zu < size %zu", usable, b.size);
    R_EXPECT(r, ((uintptr_t)b.p & (align - 1)) == 0, "%p not aligned to %zu", (void *)b.p, align);
    unsigned char *lo = r->th.pages.buf, *hi = lo + WINDOW_PAGES * (size_t)AB_PAGE_BYTES;
    R_EXPECT(r, b.p >= lo && b.p + usable <= hi, "block outside the window");
    b.usable = usable;
    size_t i = live_pos(r, b.p);
    if (i > 0)
        R_EXPECT(r, r->live[i - 1].p + r->live[i - 1].usable <= b.p,
                 "new block %p+%zu overlaps %p+%zu", (void *)b.p, usable, (void *)r->live[i - 1].p,
                 r->live[i - 1].usable);
    if (i < r->n)
        R_EXPECT(r, b.p + usable <= r->live[i].p, "new block %p+%zu overlaps %p", (void *)b.p,
                 usable, (void *)r->live[i].p);
    if (r->broken)
        return;
    memmove(&r->live[i + 1], &r->live[i], (r->n - i) * sizeof(blk));
    r->live[i] = b;
    r->n++;
    r->live_bytes += b.size;
    fill(&r->live[i], from);
}

static blk live_remove(run *r, size_t i)
{
    blk b = r->live[i];
    memmove(&r->live[i], &r->live[i + 1], (r->n - i - 1) * sizeof(blk));
    r->n--;
    r->live_bytes -= b.size;
    return b;
}

static size_t random_size(run *r)
{
    size_t k = rng_below(&r->rng, 100);
    if (k < 5)
        return rng_below(&r->rng, 17); /* 0..16, size 0 included */
    if (k < 60)
        return 1 + rng_below(&r->rng, 256);
    if (k < 85)
        return 257 + rng_below(&r->rng, 1900);
    if (k < 96)
        return 2000 + rng_below(&r->rng, 14000);
    return 16384 + rng_below(&r->rng, 200000);
}

/*
 * A NULL is acceptable only when memory is genuinely short: the heap holds
 * half the window, or the strategy has no free run of four times the
 * request (a buddy needs an aligned power-of-two block: a run of 2^k + x
 * pages may hold none of 2^k).
 */
static void expect_null_ok(run *r, size_t size)
{
    ab_heap_stats st = t_heap_stats(&r->th);
    ab_stats ss = t_stats(&r->th.pages.inst);
    uint64_t window = (uint64_t)WINDOW_PAGES * AB_PAGE_BYTES;
    uint64_t need_pages = ((uint64_t)size >> AB_PAGE_SHIFT) + 2;
    R_EXPECT(r, st.footprint_bytes + 4 * (uint64_t)size + 262144 > window / 2 ||
                    ss.largest_free_run < 4 * need_pages,
             "NULL for %zu bytes with footprint %" PRIu64 " of %" PRIu64
             " and a free run of %" PRIu64 " pages",
             size, st.footprint_bytes, window, ss.largest_free_run);
    r->nulls++;
}

static void op_malloc(run *r)
{
    size_t size = random_size(r);
    unsigned char *p = r->th.hp->malloc(r->th.meta, size);
    if (p == NULL) {
        expect_null_ok(r, size);
        return;
    }
    blk b = {p, size, 0, r->next_tag++};
    live_insert(r, b, AB_HEAP_ALIGN, 0);
}

static void op_calloc(run *r)
{
    size_t size = random_size(r) / 4 + 1;
    size_t nmemb = 1 + rng_below(&r->rng, 4);
    unsigned char *p = r->th.hp->calloc(r->th.meta, nmemb, size);
    if (p == NULL) {
        expect_null_ok(r, nmemb * size);
        return;
    }
    size_t nz = 0;
    for (size_t i = 0; i < nmemb * size; i++)
        nz += p[i] != 0;
    R_EXPECT(r, nz == 0, "calloc(%zu, %zu): %zu nonzero bytes", nmemb, size, nz);
    blk b = {p, nmemb * size, 0, r->next_tag++};
    live_insert(r, b, AB_HEAP_ALIGN, 0);
}

static void op_memalign(run *r)
{
    size_t align = (size_t)1 << (1 + rng_below(&r->rng, 15)); /* 2 .. 32 KiB */
    size_t size = random_size(r);
    unsigned char *p = r->th.hp->memalign(r->th.meta, align, size);
    if (p == NULL) {
        expect_null_ok(r, size + align);
        return;
    }
    blk b = {p, size, 0, r->next_tag++};
    live_insert(r, b, align < AB_HEAP_ALIGN ? AB_HEAP_ALIGN : align, 0);
}

static void op_free(run *r)
{
    if (r->n == 0)
        return;
    size_t i = rng_below(&r->rng, r->n);
    blk b = r->live[i];
    size_t bad = verify(&b, b.usable);
    R_EXPECT(r, bad == b.usable, "block %p (%zu/%zu B) corrupted at byte %zu before free",
             (void *)b.p, b.size, b.usable, bad);
    ab_status s = r->th.hp->free(r->th.meta, b.p);
    R_EXPECT(r, s == AB_OK, "free: %s", ab_status_name(s));
    live_remove(r, i);
    if (rng_below(&r->rng, 8) == 0) {
        /* Double free right away: the block is free or its pages are gone. */
        ab_heap_stats before = t_heap_stats(&r->th);
        s = r->th.hp->free(r->th.meta, b.p);
        R_EXPECT(r, s == AB_EDOUBLE || s == AB_ERANGE, "double free: %s", ab_status_name(s));
        ab_heap_stats after = t_heap_stats(&r->th);
        R_EXPECT(r, after.misuse == before.misuse + 1 && after.frees == before.frees,
                 "double free changed counters");
        r->bad_calls++;
    }
}

static void op_realloc(run *r)
{
    const ab_heap *hp = r->th.hp;
    void *out = (void *)1;
    if (r->n == 0 || rng_below(&r->rng, 20) == 0) {
        size_t size = random_size(r);
        ab_status s = hp->realloc(r->th.meta, NULL, size, &out);
        if (s == AB_ENOMEM) {
            R_EXPECT(r, out == NULL, "failed realloc wrote a pointer");
            expect_null_ok(r, size);
            return;
        }
        R_EXPECT(r, s == AB_OK && out != NULL, "realloc(NULL, %zu): %s", size, ab_status_name(s));
        blk b = {out, size, 0, r->next_tag++};
        live_insert(r, b, AB_HEAP_ALIGN, 0);
        return;
    }
    size_t i = rng_below(&r->rng, r->n);
    blk old = r->live[i];
    size_t size;
    switch (rng_below(&r->rng, 6)) {
    case 0: size = 0; break;
    case 1: size = old.size; break;
    case 2: size = old.size / 2; break;
    case 3: size = old.size + 1 + rng_below(&r->rng, 64); break;
    default: size = random_size(r); break;
    }
    size_t bad = verify(&old, old.usable);
    R_EXPECT(r, bad == old.usable, "block corrupted at byte %zu before realloc", bad);
    ab_status s = hp->realloc(r->th.meta, old.p, size, &out);
    if (s == AB_ENOMEM) {
        R_EXPECT(r, out == NULL, "failed realloc wrote a pointer");
        R_EXPECT(r, verify(&old, old.usable) == old.usable, "failed realloc touched the block");
        expect_null_ok(r, size);
        return;
    }
    R_EXPECT(r, s == AB_OK, "realloc(%zu -> %zu): %s", old.size, size, ab_status_name(s));
    if (s != AB_OK)
        return;
    live_remove(r, i);
    if (size == 0) {
        R_EXPECT(r, out == NULL, "realloc(p, 0) must free and give NULL");
        return;
    }
    R_EXPECT(r, out != NULL, "realloc gave NULL with AB_OK");
    if (out == NULL)
        return;
    blk nb = {out, size, 0, old.tag};
    size_t kept = old.usable < size ? old.usable : size;
    bad = verify(&nb, kept);
    R_EXPECT(r, bad == kept, "realloc(%zu -> %zu) lost byte %zu of %zu", old.size, size, bad, kept);
    r->reallocs_moved += out != old.p;
    /* Keep the old tag so the kept bytes still match; fill the rest. */
    live_insert(r, nb, AB_HEAP_ALIGN, kept);
}

static void op_bad(run *r)
{
    const ab_heap *hp = r->th.hp;
    ab_heap_stats before = t_heap_stats(&r->th);
    ab_status s;
    int local = 0;
    switch (rng_below(&r->rng, 4)) {
    case 0:
        s = hp->free(r->th.meta, &local);
        R_EXPECT(r, s == AB_ERANGE, "free(stack pointer): %s", ab_status_name(s));
        break;
    case 1:
        if (r->n == 0)
            return;
        s = hp->free(r->th.meta, r->live[rng_below(&r->rng, r->n)].p + 8);
        R_EXPECT(r, s == AB_EINVAL, "free(p + 8): %s", ab_status_name(s));
        break;
    case 2: {
        if (r->n == 0)
            return;
        void *out = (void *)1;
        s = hp->realloc(r->th.meta, r->live[rng_below(&r->rng, r->n)].p + 1, 64, &out);
        R_EXPECT(r, s == AB_EINVAL && out == NULL, "realloc(p + 1): %s", ab_status_name(s));
        break;
    }
    default: {
        /* The last page of the window: held by nobody in these runs' early phase,
         * or by the heap; either way never a block start at +24. */
        unsigned char *p = r->th.pages.buf + (WINDOW_PAGES - 1) * (size_t)AB_PAGE_BYTES + 24;
        s = hp->free(r->th.meta, p);
        R_EXPECT(r, s == AB_ERANGE || s == AB_EINVAL, "free(window page + 24): %s",
                 ab_status_name(s));
        break;
    }
    }
    ab_heap_stats after = t_heap_stats(&r->th);
    R_EXPECT(r, after.misuse == before.misuse + 1 && after.live_bytes == before.live_bytes &&
                    after.live_blocks == before.live_blocks &&
                    after.footprint_bytes == before.footprint_bytes,
             "a bad call changed the heap");
    r->bad_calls++;
}

static void verify_all(run *r)
{
    for (size_t i = 0; i < r->n && !r->broken; i++) {
        size_t bad = verify(&r->live[i], r->live[i].usable);
        R_EXPECT(r, bad == r->live[i].usable, "live block %p (%zu B) corrupted at byte %zu",
                 (void *)r->live[i].p, r->live[i].size, bad);
    }
}

static void check_state(run *r)
{
    ab_heap_stats st = t_heap_stats(&r->th);
    size_t broken = r->th.hp->check(r->th.meta);
    R_EXPECT(r, broken == 0, "heap check() found %zu broken invariants after op %" PRIu64, broken,
             r->ops);
    size_t sbroken = t_check(&r->th.pages.inst);
    R_EXPECT(r, sbroken == 0, "strategy check() found %zu broken invariants", sbroken);
    R_EXPECT(r, st.live_bytes == r->live_bytes, "live_bytes %" PRIu64 " != model %" PRIu64,
             st.live_bytes, r->live_bytes);
    R_EXPECT(r, st.live_blocks == r->n, "live_blocks %" PRIu64 " != model %zu", st.live_blocks, r->n);
    R_EXPECT(r, st.mallocs - st.frees == r->n, "mallocs - frees != live blocks");
    R_EXPECT(r, st.peak_live_bytes >= st.live_bytes && st.peak_live_bytes >= r->last.peak_live_bytes,
             "peak live bytes");
    R_EXPECT(r, st.peak_footprint_bytes >= st.footprint_bytes &&
                    st.peak_footprint_bytes >= r->last.peak_footprint_bytes,
             "peak footprint");
    R_EXPECT(r, st.footprint_bytes >= st.live_bytes, "footprint below live bytes");
    R_EXPECT(r, st.footprint_bytes == (uint64_t)r->th.pages.held * AB_PAGE_BYTES,
             "footprint %" PRIu64 " != pages held %zu", st.footprint_bytes, r->th.pages.held);
    R_EXPECT(r, st.mallocs >= r->last.mallocs && st.frees >= r->last.frees &&
                    st.misuse >= r->last.misuse && st.failed >= r->last.failed,
             "a counter that only grows went down");
    r->last = st;
}

static void conformance(const ab_heap *hp, const ab_strategy *st, uint64_t nops, uint64_t seed)
{
    run *r = calloc(1, sizeof *r);
    r->live = calloc(LIVE_CAP, sizeof(blk));
    r->rng = seed;
    r->next_tag = 1;
    ab_status s = t_heap_open(&r->th, hp, st, WINDOW_PAGES);
    T_REQUIRE(s == AB_OK, "open %s over %s: %s", hp->name, st->name, ab_status_name(s));
    check_state(r);
    int filling = 1;
    for (r->ops = 1; r->ops <= nops && !r->broken; r->ops++) {
        if (r->n >= MAX_LIVE)
            filling = 0;
        else if (r->n == 0 || rng_below(&r->rng, 4000) == 0)
            filling = 1;
        size_t k = rng_below(&r->rng, 100);
        if (filling ? k < 45 : k < 15)
            op_malloc(r);
        else if (k < 50)
            op_calloc(r);
        else if (k < 55)
            op_memalign(r);
        else if (k < 67)
            op_realloc(r);
        else if (k < 69)
            op_bad(r);
        else
            op_free(r);
        check_state(r);
        if ((r->ops & 511) == 0)
            verify_all(r);
    }
    verify_all(r);
    while (r->n > 0 && !r->broken) {
        blk b = live_remove(r, r->n - 1);
        R_EXPECT(r, verify(&b, b.usable) == b.usable, "block corrupted at the end");
        R_EXPECT(r, hp->free(r->th.meta, b.p) == AB_OK, "final free");
    }
    check_state(r);
    ab_heap_stats fin = t_heap_stats(&r->th);
    uint64_t leaf_bytes = (WINDOW_PAGES / 512 + 1) * AB_PAGE_BYTES;
    R_EXPECT(r, fin.live_bytes == 0 && fin.live_blocks == 0, "live after freeing all");
    R_EXPECT(r, fin.footprint_bytes <= 24 * 8 * AB_PAGE_BYTES + leaf_bytes,
             "footprint %" PRIu64 " after freeing all: empty slabs/arenas not given back",
             fin.footprint_bytes);
    printf("  %s over %s: %" PRIu64 " ops, peak live %" PRIu64 " B, peak footprint %" PRIu64
           " B, %" PRIu64 " NULLs, %" PRIu64 " bad calls, %" PRIu64 " moved reallocs, "
           "end footprint %" PRIu64 " B\n",
           hp->name, st->name, r->ops - 1, fin.peak_live_bytes, fin.peak_footprint_bytes, r->nulls,
           r->bad_calls, r->reallocs_moved, fin.footprint_bytes);
    hp->fini(r->th.meta);
    ab_stats ss = t_stats(&r->th.pages.inst);
    R_EXPECT(r, ss.free_pages == ss.total_pages && r->th.pages.held == 0,
             "after fini the strategy has %" PRIu64 " of %" PRIu64 " pages free", ss.free_pages,
             ss.total_pages);
    R_EXPECT(r, r->th.pages.bad_frees == 0, "the heap gave back pages it did not hold");
    free(r->th.meta);
    t_pages_close(&r->th.pages);
    free(r->live);
    free(r);
}

static const ab_heap *g_heap;
static const ab_strategy *g_strategy;
static uint64_t g_ops = 200000, g_seed = 1;

static void test_conformance(void *unused)
{
    (void)unused;
    conformance(g_heap, g_strategy, g_ops, g_seed);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HEAP STRATEGY [OPS] [SEED]\n", argv[0]);
        return 2;
    }
    g_heap = ab_heap_find(argv[1]);
    g_strategy = t_contig_strategy(argv[2]);
    if (g_heap == NULL || g_strategy == NULL) {
        fprintf(stderr, "unknown heap %s or no contiguous strategy %s\n", argv[1], argv[2]);
        return 2;
    }
    if (argc > 3)
        g_ops = strtoull(argv[3], NULL, 0);
    if (argc > 4)
        g_seed = strtoull(argv[4], NULL, 0);
    char name[128];
    snprintf(name, sizeof name, "heap.conformance.%s.%s", argv[1], argv[2]);
    T_RUN_NAMED(name, test_conformance, NULL);
    return t_finish();
}
