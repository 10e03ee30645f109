/*
 * Edge cases every registered strategy must get right, by the statuses in
 * allocbench/strategy.h: odd maps, n = 0, n beyond all memory, exhaustion
 * and recovery, and every kind of bad free, each with its own status and no
 * change of state. Case names: edge.<strategy>.<what>.
 */
#include <inttypes.h>
#include <stdio.h>

#include "maps.h"
#include "memmap.h"
#include "strategy_util.h"
#include "testlib.h"

static const ab_strategy *cur;

/* Opens `cur` on the first PMM map (holes, a span above 4 GiB). */
static int open_pc(t_inst *ti)
{
    const t_map *m = &t_pmm_maps[0];
    ab_status s = t_inst_open(ti, cur, m->spans, m->nspans);
    T_EXPECT(s == AB_OK, "%s: init on %s: %s", cur->name, m->name, ab_status_name(s));
    return s == AB_OK;
}

static int stats_equal(ab_stats a, ab_stats b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Allocates single pages until ENOMEM; returns how many, checks each. */
static uint64_t alloc_all_single(t_inst *ti, const ab_span *spans, size_t nspans, uint64_t *addrs,
                                 uint64_t cap)
{
    uint64_t count = 0, addr;
    ab_status s;
    while ((s = t_alloc(ti, 1, 0, &addr)) == AB_OK) {
        uint64_t page = addr >> AB_PAGE_SHIFT;
        T_EXPECT(ab_span_find(spans, nspans, page) != nspans && (addr & 0xfff) == 0,
                 "%s: page 0x%" PRIx64 " outside every span", cur->name, addr);
        if (count < cap)
            addrs[count] = addr;
        count++;
        if (count > cap)
            break;
    }
    T_EXPECT(count > cap || s == AB_ENOMEM, "%s: exhaustion returned %s, want ENOMEM", cur->name,
             ab_status_name(s));
    return count;
}

/* Every page of odd maps, normalized, is allocatable exactly once. */
static void odd_maps(const ab_strategy *st)
{
    (void)st;
    static const ab_region raw[][6] = {
        /* unsorted, overlapping, unaligned, a sub-page region, reserved inside */
        {{0x9000, 0x77000, 1}, {0x100800, 0x300000, 1}, {0x5000, 0x6000, 1},
         {0x200000, 0x800, 1}, {0x180000, 0x2000, 2}, {0x300000, 0x10, 1}},
        /* above 4 GiB, and a region that overflows 2^64 (clamped) */
        {{0x100000000ull, 0x400000, 1}, {0x3000, 0x100000, 1}, {0xFFFFFFFFFFFFF000ull, 0x10000, 1},
         {0x100200000ull, 0x1000, 2}, {0, 0, 1}, {0x200000000ull, 0xfff, 1}},
    };
    for (size_t m = 0; m < sizeof raw / sizeof raw[0]; m++) {
        ab_span spans[16];
        size_t n = 0;
        T_REQUIRE(ab_memmap_to_spans(raw[m], 6, spans, 16, &n) == AB_OK && n > 0);
        t_inst ti;
        T_REQUIRE(t_inst_open(&ti, cur, spans, n) == AB_OK, "%s: init on raw map %zu", cur->name, m);
        uint64_t total = ab_spans_pages(spans, n);
        uint64_t *addrs = calloc(total + 1, sizeof *addrs);
        uint64_t got = alloc_all_single(&ti, spans, n, addrs, total);
        T_EXPECT(got == total, "%s: raw map %zu: %" PRIu64 " of %" PRIu64 " pages allocatable",
                 cur->name, m, got, total);
        for (uint64_t i = 0; i < got && i < total; i++)
            T_EXPECT(t_free(&ti, addrs[i], 1) == AB_OK);
        ab_stats s = t_stats(&ti);
        T_EXPECT(s.free_pages == total && s.free_runs == n && t_check(&ti) == 0,
                 "%s: raw map %zu not whole after freeing all", cur->name, m);
        free(addrs);
        t_inst_close(&ti);
    }
}

static void zero_and_huge_n(const ab_strategy *st)
{
    t_inst ti;
    if (!open_pc(&ti))
        return;
    ab_stats before = t_stats(&ti);
    uint64_t addr;
    T_EXPECT(t_alloc(&ti, 0, 0, &addr) == AB_EINVAL, "alloc(n = 0)");
    T_EXPECT(t_free(&ti, 0x1000, 0) == AB_EINVAL, "free(n = 0)");
    T_EXPECT(t_alloc(&ti, 1, 3, &addr) == AB_EINVAL, "alignment 3 is not a power of two");
    T_EXPECT(ti.st->alloc(ti.meta, 1, 0, NULL) == AB_EINVAL, "NULL addr pointer");
    uint64_t over = before.total_pages + 1;
    ab_status want = st->max_npages != 0 && over > st->max_npages ? AB_ENOTSUP : AB_ENOMEM;
    ab_status s = t_alloc(&ti, over, 0, &addr);
    T_EXPECT(s == want, "n = all memory + 1: %s, want %s", ab_status_name(s), ab_status_name(want));
    want = st->max_npages != 0 ? AB_ENOTSUP : AB_ENOMEM;
    s = t_alloc(&ti, UINT64_MAX, 0, &addr);
    T_EXPECT(s == want, "n = 2^64 - 1: %s, want %s", ab_status_name(s), ab_status_name(want));
    T_EXPECT(stats_equal(before, t_stats(&ti)) && t_check(&ti) == 0, "failed calls changed state");
    t_inst_close(&ti);
}

static void exhaustion_recovers(const ab_strategy *st)
{
    (void)st;
    t_inst ti;
    if (!open_pc(&ti))
        return;
    const t_map *m = &t_pmm_maps[0];
    ab_stats start = t_stats(&ti);
    uint64_t *addrs = calloc(start.total_pages + 1, sizeof *addrs);
    for (int round = 0; round < 3; round++) {
        uint64_t got = alloc_all_single(&ti, m->spans, m->nspans, addrs, start.total_pages);
        T_EXPECT(got == start.total_pages, "round %d: %" PRIu64 " of %" PRIu64 " pages", round, got,
                 start.total_pages);
        uint64_t addr;
        T_EXPECT(t_alloc(&ti, 1, 0, &addr) == AB_ENOMEM, "exhausted alloc must be ENOMEM");
        T_EXPECT(t_stats(&ti).free_pages == 0 && t_check(&ti) == 0);
        for (uint64_t i = 0; i < got && i < start.total_pages; i++)
            T_EXPECT(t_free(&ti, addrs[i], 1) == AB_OK);
        T_EXPECT(stats_equal(start, t_stats(&ti)), "round %d: stats differ from a fresh instance",
                 round);
    }
    free(addrs);
    t_inst_close(&ti);
}

/* Calls free(addr, n), expects `want`, and that nothing changed. */
static void bad_free(t_inst *ti, const char *what, uint64_t addr, uint64_t n, ab_status want)
{
    ab_stats before = t_stats(ti);
    ab_status s = t_free(ti, addr, n);
    T_EXPECT(s == want, "%s: %s: free(0x%" PRIx64 ", %" PRIu64 ") = %s, want %s", cur->name, what,
             addr, n, ab_status_name(s), ab_status_name(want));
    T_EXPECT(stats_equal(before, t_stats(ti)) && t_check(ti) == 0, "%s: %s changed the state",
             cur->name, what);
}

static int last_run_page(void *ctx, uint64_t first, uint64_t n)
{
    *(uint64_t *)ctx = first + n - 1;
    return 0;
}

static void bad_frees(const ab_strategy *st)
{
    t_inst ti;
    if (!open_pc(&ti))
        return;
    uint64_t a, b;
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK && t_alloc(&ti, 1, 0, &b) == AB_OK);
    T_EXPECT(t_free(&ti, a, 1) == AB_OK);
    bad_free(&ti, "double free", a, 1, AB_EDOUBLE);
    /* A page nobody allocated: the last page of the last free run. */
    uint64_t never = 0;
    ti.st->walk_free(ti.meta, last_run_page, &never);
    bad_free(&ti, "never allocated", never << AB_PAGE_SHIFT, 1, AB_EDOUBLE);
    const ab_span *last = &t_pmm_maps[0].spans[t_pmm_maps[0].nspans - 1];
    uint64_t last_page = (last->first_page + last->npages - 1) << AB_PAGE_SHIFT;
    bad_free(&ti, "misaligned", b + 8, 1, AB_EALIGN);
    bad_free(&ti, "page 0 (in no span)", 0, 1, AB_ERANGE);
    bad_free(&ti, "in a hole", (uint64_t)200 << AB_PAGE_SHIFT, 1, AB_ERANGE);
    bad_free(&ti, "past the end", last_page + AB_PAGE_BYTES, 1, AB_ERANGE);
    bad_free(&ti, "across the span end", last_page, 2, AB_ERANGE);
    bad_free(&ti, "far above", (uint64_t)1 << 60, 1, AB_ERANGE);
    if (st->caps & AB_CAP_CONTIG) {
        uint64_t c;
        T_REQUIRE(t_alloc(&ti, 4, 0, &c) == AB_OK, "alloc(4)");
        bad_free(&ti, "size too small", c, 3, AB_ESIZE);
        bad_free(&ti, "size too large", c, 5, AB_ESIZE);
        bad_free(&ti, "interior address", c + AB_PAGE_BYTES, 3, AB_ESIZE);
        bad_free(&ti, "interior single page", c + 2 * AB_PAGE_BYTES, 1, AB_ESIZE);
        T_EXPECT(t_free(&ti, c, 4) == AB_OK, "the right free after bad ones");
    } else {
        bad_free(&ti, "size too large", b, 2, AB_ESIZE);
    }
    T_EXPECT(t_free(&ti, b, 1) == AB_OK);
    ab_stats s = t_stats(&ti);
    T_EXPECT(s.free_pages == s.total_pages && t_check(&ti) == 0, "state after cleanup");
    t_inst_close(&ti);
}

static void bad_init(const ab_strategy *st)
{
    const ab_span unsorted[] = {{100, 10}, {0, 10}};
    const ab_span overlapping[] = {{0, 10}, {5, 10}};
    const ab_span adjacent[] = {{0, 10}, {10, 10}};
    const ab_span empty[] = {{0, 0}};
    T_EXPECT(st->meta_bytes(unsorted, 2) == 0, "unsorted spans accepted");
    T_EXPECT(st->meta_bytes(overlapping, 2) == 0, "overlapping spans accepted");
    T_EXPECT(st->meta_bytes(adjacent, 2) == 0, "adjacent spans accepted");
    T_EXPECT(st->meta_bytes(empty, 1) == 0, "an empty span accepted");
    T_EXPECT(st->meta_bytes(NULL, 0) == 0, "no spans accepted");

    const ab_span ok[] = {{16, 100}};
    size_t need = st->meta_bytes(ok, 1);
    T_REQUIRE(need > 0);
    size_t rounded = (need + 2 * AB_META_ALIGN) & ~(size_t)(AB_META_ALIGN - 1);
    unsigned char *buf = aligned_alloc(AB_META_ALIGN, rounded);
    T_EXPECT(st->init(NULL, need, ok, 1) == AB_EINVAL, "NULL meta");
    T_EXPECT(st->init(buf + 8, need, ok, 1) == AB_EINVAL, "misaligned meta");
    T_EXPECT(st->init(buf, need - 1, ok, 1) == AB_EINVAL, "meta one byte short");
    T_EXPECT(st->init(buf, need, unsorted, 2) == AB_EINVAL, "unsorted spans at init");
    T_EXPECT(st->init(buf, need, ok, 1) == AB_OK, "exact meta size");
    free(buf);
}

int main(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    char name[128];
    for (size_t i = 0; i < n; i++) {
        cur = all[i];
#define CASE(fn)                                                        \
    snprintf(name, sizeof name, "edge.%s.%s", cur->name, #fn);          \
    T_RUN_NAMED(name, fn, cur)
        CASE(odd_maps);
        CASE(zero_and_huge_n);
        CASE(exhaustion_recovers);
        CASE(bad_frees);
        CASE(bad_init);
#undef CASE
    }
    return t_finish();
}
