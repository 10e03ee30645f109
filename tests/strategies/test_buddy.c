/*
 * buddy: its own cases (carving spans into aligned blocks, exact-length
 * allocations, implicit links of lone blocks) and a regression test for each defect
 * of seed 000's buddy allocator.
 */
#include <time.h>

#include "maps.h"
#include "strategy_util.h"
#include "testlib.h"

#include "../../strategies/buddy/buddy.h"

#define PAGE(addr) ((addr) >> AB_PAGE_SHIFT)
#define ADDR(page) ((uint64_t)(page) << AB_PAGE_SHIFT)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const ab_buddy *hdr(const t_inst *ti) { return (const ab_buddy *)ti->meta; }

static ab_status open_buddy(t_inst *ti, const ab_span *spans, size_t nspans)
{
    return t_inst_open(ti, &ab_strategy_buddy, spans, nspans);
}

/* The per-order counts init() must produce: the maximal aligned blocks. */
static void expected_counts(const ab_span *spans, size_t nspans, uint32_t *counts)
{
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++)
        counts[k] = 0;
    for (size_t s = 0; s < nspans; s++) {
        uint64_t p = spans[s].first_page, end = p + spans[s].npages;
        while (p < end) {
            unsigned k = 0;
            while (k < AB_BUDDY_MAX_ORDER && (p & ((2ull << k) - 1)) == 0 && p + (2ull << k) <= end)
                k++;
            counts[k]++;
            p += 1ull << k;
        }
    }
}

/* A page-by-page model: 1 = free, 0 = allocated, 2 = outside every span. */
typedef struct shadow {
    uint64_t lo, hi;
    unsigned char *page;
} shadow;

static void shadow_open(shadow *sh, const ab_span *spans, size_t nspans)
{
    sh->lo = spans[0].first_page;
    sh->hi = spans[nspans - 1].first_page + spans[nspans - 1].npages;
    sh->page = malloc(sh->hi - sh->lo);
    memset(sh->page, 2, sh->hi - sh->lo);
    for (size_t s = 0; s < nspans; s++)
        memset(sh->page + (spans[s].first_page - sh->lo), 1, spans[s].npages);
}

/* Marks [p, p + n) allocated; false if any of it was not free. */
static int shadow_take(shadow *sh, uint64_t p, uint64_t n)
{
    if (p < sh->lo || p + n > sh->hi)
        return 0;
    for (uint64_t i = 0; i < n; i++) {
        if (sh->page[p - sh->lo + i] != 1)
            return 0;
        sh->page[p - sh->lo + i] = 0;
    }
    return 1;
}

static void shadow_give(shadow *sh, uint64_t p, uint64_t n)
{
    memset(sh->page + (p - sh->lo), 1, n);
}

/* True iff an aligned window of 2^k free pages exists: what a coalesced
 * buddy must be able to serve. */
static int shadow_has_window(const shadow *sh, const ab_span *spans, size_t nspans, unsigned k)
{
    uint64_t size = 1ull << k;
    for (size_t s = 0; s < nspans; s++) {
        uint64_t end = spans[s].first_page + spans[s].npages;
        for (uint64_t a = (spans[s].first_page + size - 1) & ~(size - 1); a + size <= end; a += size) {
            uint64_t i = 0;
            while (i < size && sh->page[a - sh->lo + i] == 1)
                i++;
            if (i == size)
                return 1;
        }
    }
    return 0;
}

typedef struct alloc_rec {
    uint64_t page, n;
} alloc_rec;

typedef struct run_list {
    uint64_t first[64], npages[64];
    size_t n;
} run_list;

static int run_collect(void *ctx, uint64_t first, uint64_t npages)
{
    run_list *r = ctx;
    if (r->n < 64) {
        r->first[r->n] = first;
        r->npages[r->n] = npages;
    }
    r->n++;
    return 0;
}

static void test_init_carves_maximal_aligned_blocks(void)
{
    for (size_t m = 0; m < T_NMAPS(t_pmm_maps); m++) {
        const t_map *map = &t_pmm_maps[m];
        t_inst ti;
        T_REQUIRE(open_buddy(&ti, map->spans, map->nspans) == AB_OK, "%s", map->name);
        uint32_t want[AB_BUDDY_ORDERS];
        expected_counts(map->spans, map->nspans, want);
        for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++)
            T_EXPECT(hdr(&ti)->count[k] == want[k], "%s order %u: %u blocks, want %u", map->name, k,
                     hdr(&ti)->count[k], want[k]);
        run_list r = {.n = 0};
        ti.st->walk_free(ti.meta, run_collect, &r);
        T_EXPECT(r.n == map->nspans, "%s: one run per span, got %zu", map->name, r.n);
        for (size_t s = 0; s < r.n && s < map->nspans; s++)
            T_EXPECT(r.first[s] == map->spans[s].first_page && r.npages[s] == map->spans[s].npages);
        T_EXPECT(t_check(&ti) == 0);
        t_inst_close(&ti);
    }
}

/* Seed 000: allocate_virtual_block walked to the last free block and used it
 * even when it was too small. Every size 1..N must land in free pages. */
static void alloc_sizes_in_free_pages(const ab_span *spans, size_t nspans, int fragment)
{
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, spans, nspans) == AB_OK);
    shadow sh;
    shadow_open(&sh, spans, nspans);
    static alloc_rec recs[8192];
    size_t nrec = 0;
    if (fragment) {
        /* Single pages, every other one freed again: holes of one page. */
        for (int i = 0; i < 600; i++) {
            uint64_t a;
            if (t_alloc(&ti, 1, 0, &a) != AB_OK)
                break;
            T_EXPECT(shadow_take(&sh, PAGE(a), 1));
            if (i & 1) {
                T_EXPECT(t_free(&ti, a, 1) == AB_OK);
                shadow_give(&sh, PAGE(a), 1);
            } else {
                recs[nrec++] = (alloc_rec){PAGE(a), 1};
            }
        }
    }
    for (uint64_t n = 1; n <= 300; n++) {
        unsigned k = 0;
        while ((1ull << k) < n)
            k++;
        int room = shadow_has_window(&sh, spans, nspans, k);
        uint64_t a = 0;
        ab_status s = t_alloc(&ti, n, 0, &a);
        if (s == AB_OK) {
            T_EXPECT(shadow_take(&sh, PAGE(a), n), "n=%llu at page %llu: not all free",
                     (unsigned long long)n, (unsigned long long)PAGE(a));
            T_EXPECT(room, "n=%llu served without a free aligned 2^%u window", (unsigned long long)n, k);
            recs[nrec++] = (alloc_rec){PAGE(a), n};
        } else {
            T_EXPECT(s == AB_ENOMEM && !room, "n=%llu: %s with room=%d", (unsigned long long)n,
                     ab_status_name(s), room);
        }
    }
    T_EXPECT(t_check(&ti) == 0);
    for (size_t i = 0; i < nrec; i++)
        T_EXPECT(t_free(&ti, ADDR(recs[i].page), recs[i].n) == AB_OK);
    T_EXPECT(t_stats(&ti).free_pages == hdr(&ti)->total_pages);
    T_EXPECT(t_check(&ti) == 0);
    free(sh.page);
    t_inst_close(&ti);
}

static void test_alloc_never_returns_a_block_too_small(void)
{
    for (size_t m = 0; m < T_NMAPS(t_pmm_maps); m++) {
        alloc_sizes_in_free_pages(t_pmm_maps[m].spans, t_pmm_maps[m].nspans, 0);
        alloc_sizes_in_free_pages(t_pmm_maps[m].spans, t_pmm_maps[m].nspans, 1);
    }
    for (size_t m = 0; m < T_NMAPS(t_vmm_maps); m++)
        alloc_sizes_in_free_pages(t_vmm_maps[m].spans, t_vmm_maps[m].nspans, 1);
}

/* Seed 000 again: the last block was used whatever its size. With only
 * single free pages left, n = 2 must fail, changing
 * nothing, while n = 1 still works. */
static void test_enomem_when_only_smaller_blocks_exist(void)
{
    ab_span span = {64, 256};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a[256];
    for (int i = 0; i < 256; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &a[i]) == AB_OK);
    uint64_t extra;
    T_EXPECT(t_alloc(&ti, 1, 0, &extra) == AB_ENOMEM);
    /* Free every other page: 128 single holes. */
    for (int i = 0; i < 256; i += 2)
        T_EXPECT(t_free(&ti, a[i], 1) == AB_OK);
    ab_stats before = t_stats(&ti);
    T_EXPECT(before.largest_free_run == 1 && before.free_pages == 128);
    T_EXPECT(t_alloc(&ti, 2, 0, &extra) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 1, 2, &extra) == AB_ENOMEM);
    T_EXPECT(t_alloc(&ti, 200, 0, &extra) == AB_ENOMEM);
    ab_stats after = t_stats(&ti);
    T_EXPECT(after.free_pages == before.free_pages && after.free_runs == before.free_runs &&
             after.largest_free_run == before.largest_free_run, "a failed alloc changed the free set");
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_alloc(&ti, 1, 0, &extra) == AB_OK);
    T_EXPECT((PAGE(extra) - 64) % 2 == 0, "a page that was freed");
    t_inst_close(&ti);
}

/* Seed 000's create_new_block dereferenced NULL when the freed block lay
 * past every free block. Free the highest allocation first. */
static void test_free_past_every_free_block(void)
{
    ab_span span = {1000, 1024}; /* not aligned: blocks of many orders */
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a[512];
    int n = 0;
    while (n < 512 && t_alloc(&ti, 2, 0, &a[n]) == AB_OK)
        n++;
    T_EXPECT(n == 512, "1024 pages hold 512 pairs, got %d", n);
    uint64_t hi = 0;
    int hi_i = 0;
    for (int i = 0; i < n; i++)
        if (a[i] > a[hi_i])
            hi_i = i;
    hi = a[hi_i];
    T_EXPECT(PAGE(hi) == 1000 + 1022);
    T_EXPECT(t_free(&ti, hi, 2) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    for (int i = 0; i < n; i++)
        if (i != hi_i)
            T_EXPECT(t_free(&ti, a[i], 2) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_stats(&ti).free_pages == 1024 && t_stats(&ti).free_runs == 1);
    t_inst_close(&ti);
}

/* Seed 000's merge loop followed a neighbour pointer without a NULL check:
 * free the first and last blocks of spans in every order. */
static void test_merge_at_list_ends_in_every_order(void)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    const ab_span spans[2] = {{5, 96}, {512, 64}};
    for (int p = 0; p < 6; p++) {
        for (uint64_t size = 1; size <= 8; size *= 2) {
            t_inst ti;
            T_REQUIRE(open_buddy(&ti, spans, 2) == AB_OK);
            /* Take the first span's small blocks out of the way. */
            uint64_t pre[64];
            for (unsigned i = 0; i < 64; i++)
                T_REQUIRE(t_alloc(&ti, 1, 0, &pre[i]) == AB_OK);
            uint64_t rest[160];
            int nrest = 0;
            while (t_alloc(&ti, size, 0, &rest[nrest]) == AB_OK)
                nrest++;
            for (unsigned i = 0; i < 64; i++)
                T_EXPECT(t_free(&ti, pre[i], 1) == AB_OK);
            /* First, middle and last allocation of the second span. */
            int idx[3] = {-1, -1, -1};
            for (int i = 0; i < nrest; i++) {
                uint64_t pg = PAGE(rest[i]);
                if (pg == 512)
                    idx[0] = i;
                else if (pg == 512 + 32)
                    idx[1] = i;
                else if (pg == 512 + 64 - size)
                    idx[2] = i;
            }
            T_REQUIRE(idx[0] >= 0 && idx[1] >= 0 && idx[2] >= 0, "size %llu", (unsigned long long)size);
            for (int j = 0; j < 3; j++) {
                T_EXPECT(t_free(&ti, rest[idx[perms[p][j]]], size) == AB_OK);
                T_EXPECT(t_check(&ti) == 0, "perm %d step %d size %llu", p, j, (unsigned long long)size);
            }
            for (int i = 0; i < nrest; i++)
                if (i != idx[0] && i != idx[1] && i != idx[2])
                    T_EXPECT(t_free(&ti, rest[i], size) == AB_OK);
            T_EXPECT(t_check(&ti) == 0);
            T_EXPECT(t_stats(&ti).free_pages == 160 && t_stats(&ti).free_runs == 2);
            t_inst_close(&ti);
        }
    }
}

/* The reviewer of seed 000 asked for a test that could only pass if
 * coalescing works: every page allocated one by one, freed in random
 * order, must come back as the blocks init() made. */
static void coalesce_back_to_init(const ab_span *spans, size_t nspans)
{
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, spans, nspans) == AB_OK);
    uint32_t want[AB_BUDDY_ORDERS];
    expected_counts(spans, nspans, want);
    uint64_t total = hdr(&ti)->total_pages;
    uint64_t *pages = malloc(total * sizeof *pages);
    for (uint64_t i = 0; i < total; i++)
        T_REQUIRE(t_alloc(&ti, 1, 0, &pages[i]) == AB_OK);
    uint64_t a;
    T_EXPECT(t_alloc(&ti, 1, 0, &a) == AB_ENOMEM);
    for (uint64_t i = total - 1; i > 0; i--) {
        uint64_t j = rng() % (i + 1), t = pages[i];
        pages[i] = pages[j];
        pages[j] = t;
    }
    for (uint64_t i = 0; i < total; i++)
        T_EXPECT(t_free(&ti, pages[i], 1) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_stats(&ti).free_runs == nspans);
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++)
        T_EXPECT(hdr(&ti)->count[k] == want[k], "order %u: %u blocks, want %u", k, hdr(&ti)->count[k],
                 want[k]);
    T_EXPECT(t_check(&ti) == 0);
    free(pages);
    t_inst_close(&ti);
}

static void test_coalescing_restores_initial_blocks(void)
{
    for (size_t m = 0; m < T_NMAPS(t_pmm_maps); m++)
        coalesce_back_to_init(t_pmm_maps[m].spans, t_pmm_maps[m].nspans);
    for (size_t m = 0; m < T_NMAPS(t_vmm_maps); m++)
        coalesce_back_to_init(t_vmm_maps[m].spans, t_vmm_maps[m].nspans);
}

/* Churn of mixed sizes breaks 2 MiB blocks apart; once everything is freed
 * every aligned 2 MiB block inside a span must be allocatable again. */
static void test_2m_blocks_whole_again_after_churn(void)
{
    const ab_span spans[2] = {{3, 8 * 512 + 100}, {0x100000 + 512 * 3 - 7, 4 * 512 + 20}};
    uint64_t aligned2m = 0;
    for (int s = 0; s < 2; s++) {
        uint64_t first = (spans[s].first_page + 511) & ~511ull, end = spans[s].first_page + spans[s].npages;
        while (first + 512 <= end) {
            aligned2m++;
            first += 512;
        }
    }
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, spans, 2) == AB_OK);
    static alloc_rec live[4096];
    size_t nlive = 0;
    for (int op = 0; op < 200000; op++) {
        if (nlive < 4096 && (rng() % 100 < 55 || nlive == 0)) {
            uint64_t n = rng() % 4 == 0 ? 1 + rng() % 600 : 1 + rng() % 4, a;
            uint64_t align = rng() % 8 == 0 ? 1ull << (rng() % 10) : 0;
            if (t_alloc(&ti, n, align, &a) == AB_OK)
                live[nlive++] = (alloc_rec){PAGE(a), n};
        } else {
            size_t i = rng() % nlive;
            T_EXPECT(t_free(&ti, ADDR(live[i].page), live[i].n) == AB_OK);
            live[i] = live[--nlive];
        }
    }
    T_EXPECT(t_check(&ti) == 0);
    while (nlive > 0) {
        nlive--;
        T_EXPECT(t_free(&ti, ADDR(live[nlive].page), live[nlive].n) == AB_OK);
    }
    uint64_t got = 0, a;
    while (t_alloc(&ti, 512, 512, &a) == AB_OK) {
        T_EXPECT(PAGE(a) % 512 == 0);
        got++;
    }
    T_EXPECT(got == aligned2m, "%llu 2 MiB blocks, want %llu", (unsigned long long)got,
             (unsigned long long)aligned2m);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Exact lengths: the tail of the power-of-two block is free at once, and
 * free() knows each allocation's boundaries. */
static void test_exact_length_and_free_errors(void)
{
    ab_span span = {0x100000, 64};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a, b;
    T_REQUIRE(t_alloc(&ti, 5, 0, &a) == AB_OK);
    T_EXPECT(PAGE(a) % 8 == 0);
    T_EXPECT(t_stats(&ti).free_pages == 59);
    /* Pages 5..7 went back as an order-0 and an order-1 block: n = 3 needs
     * an order-2 block, the one at 8 (split from 8..15). */
    T_REQUIRE(t_alloc(&ti, 3, 0, &b) == AB_OK);
    T_EXPECT(PAGE(b) == PAGE(a) + 8, "page %llu", (unsigned long long)(PAGE(b) - PAGE(a)));
    T_EXPECT(t_free(&ti, a, 4) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a, 6) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + ADDR(1), 4) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + ADDR(4), 1) == AB_ESIZE);
    T_EXPECT(t_free(&ti, a + ADDR(5), 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + ADDR(7), 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, b, 4) == AB_ESIZE);
    T_EXPECT(t_free(&ti, b + ADDR(3), 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + ADDR(63), 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + ADDR(63), 2) == AB_ERANGE);
    T_EXPECT(t_free(&ti, a + 1, 1) == AB_EALIGN);
    T_EXPECT(t_free(&ti, a, 0) == AB_EINVAL);
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_free(&ti, a, 5) == AB_OK);
    T_EXPECT(t_free(&ti, a, 5) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, a + ADDR(2), 1) == AB_EDOUBLE);
    T_EXPECT(t_free(&ti, b, 3) == AB_OK);
    T_EXPECT(t_stats(&ti).free_runs == 1 && t_stats(&ti).largest_free_run == 64);
    T_EXPECT(hdr(&ti)->count[6] == 1);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_alignment_is_absolute(void)
{
    ab_span span = {3, 3001};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a;
    for (uint64_t align = 1; align <= 1024; align *= 2) {
        T_REQUIRE(t_alloc(&ti, 1, align, &a) == AB_OK, "align %llu", (unsigned long long)align);
        T_EXPECT(PAGE(a) % align == 0, "page %llu align %llu", (unsigned long long)PAGE(a),
                 (unsigned long long)align);
    }
    T_EXPECT(t_alloc(&ti, 1, 4096, &a) == AB_ENOMEM, "no 4096-aligned page in 3..3003 but 0");
    T_EXPECT(t_alloc(&ti, 512, 512, &a) == AB_OK && PAGE(a) % 512 == 0);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static void test_argument_errors(void)
{
    ab_span span = {16, 100};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a;
    T_EXPECT(t_alloc(&ti, 0, 0, &a) == AB_EINVAL);
    T_EXPECT(t_alloc(&ti, 1, 3, &a) == AB_EINVAL);
    T_EXPECT(ti.st->alloc(ti.meta, 1, 0, NULL) == AB_EINVAL);
    T_EXPECT(t_alloc(&ti, (1ull << 31) + 1, 0, &a) == AB_ENOTSUP);
    T_EXPECT(t_alloc(&ti, 1, 1ull << 32, &a) == AB_ENOTSUP);
    T_EXPECT(t_alloc(&ti, 1ull << 31, 0, &a) == AB_ENOMEM);
    T_EXPECT(t_free(&ti, ADDR(15), 1) == AB_ERANGE);
    T_EXPECT(t_free(&ti, ADDR(16), 1) == AB_EDOUBLE);
    T_EXPECT(t_stats(&ti).free_pages == 100);
    T_EXPECT(t_check(&ti) == 0);

    ab_span bad[2] = {{0, 10}, {10, 5}}; /* adjacent: not normalized */
    T_EXPECT(ab_strategy_buddy.meta_bytes(bad, 2) == 0);
    ab_span huge = {0, 1ull << 32};
    T_EXPECT(ab_strategy_buddy.meta_bytes(&huge, 1) == 0);
    size_t len = ab_strategy_buddy.meta_bytes(&span, 1);
    T_EXPECT(ab_strategy_buddy.init(ti.meta, len - 1, &span, 1) == AB_EINVAL);
    T_EXPECT(ab_strategy_buddy.init((char *)ti.meta + 8, len, &span, 1) == AB_EINVAL);
    T_EXPECT(ab_strategy_buddy.init(NULL, len, &span, 1) == AB_EINVAL);
    t_inst_close(&ti);
}

/* 64 GiB in one span, placed above 4 GiB: metadata 9 bytes a page, init in
 * well under a second, the whole span one order-24 block. */
static void test_init_64g_is_fast(void)
{
    ab_span span = {1ull << 24, 1ull << 24};
    size_t len = ab_strategy_buddy.meta_bytes(&span, 1);
    T_EXPECT(len >= 9ull << 24 && len < (9ull << 24) + 4096, "meta %zu bytes", len);
    t_inst ti;
    clock_t t0 = clock();
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    double init_s = (double)(clock() - t0) / CLOCKS_PER_SEC; /* includes the 0xA5 fill */
    /* Speed is the benchmarks' to judge (a timed test fails on a loaded or
       emulated machine): the structure shows init is not per page, one
       block of order 24 for the whole span. */
    printf("  init of 64 GiB took %.3f s (informational)\n", init_s);
    T_EXPECT(hdr(&ti)->count[24] == 1);
    uint64_t a;
    T_EXPECT(t_alloc(&ti, 1ull << 24, 0, &a) == AB_OK && PAGE(a) == 1ull << 24);
    T_EXPECT(t_free(&ti, a, 1ull << 24) == AB_OK);
    T_EXPECT(t_alloc(&ti, 3, 0, &a) == AB_OK);
    T_EXPECT(t_stats(&ti).free_pages == (1ull << 24) - 3);
    T_EXPECT(t_free(&ti, a, 3) == AB_OK);
    T_EXPECT(hdr(&ti)->count[24] == 1);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* Half of memory one page at a time costs about the same per page at
 * 64 MiB and at 64 GiB (the brief's scaling target, measured loosely). */
static double half_fill_ns(uint64_t npages)
{
    ab_span span = {1ull << 20, npages};
    t_inst ti;
    if (open_buddy(&ti, &span, 1) != AB_OK)
        return -1;
    uint64_t a;
    struct timespec t0, t1;
    timespec_get(&t0, TIME_UTC);
    for (uint64_t i = 0; i < npages / 2; i++)
        if (t_alloc(&ti, 1, 0, &a) != AB_OK)
            return -1;
    timespec_get(&t1, TIME_UTC);
    t_inst_close(&ti);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)(npages / 2);
}

static void test_half_fill_cost_does_not_grow_with_memory(void)
{
    double small = half_fill_ns(1ull << 14), big = half_fill_ns(1ull << 24);
    T_REQUIRE(small > 0 && big > 0);
    /* Informational: the scaling target is checked by the benchmarks
       (report/targets.csv), never by a timed test. */
    printf("  half fill: 64 GiB %.1f ns/page, 64 MiB %.1f ns/page\n", big, small);
}

static void test_check_counts_corruption(void)
{
    ab_span span = {0, 64};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a;
    T_REQUIRE(t_alloc(&ti, 4, 0, &a) == AB_OK);
    T_EXPECT(t_check(&ti) == 0);
    ab_buddy *b = (ab_buddy *)ti.meta;
    uint8_t saved = b->state[PAGE(a)];
    b->state[PAGE(a)] = 0;
    T_EXPECT(t_check(&ti) > 0, "lost allocation head");
    b->state[PAGE(a)] = saved;
    b->free_pages++;
    T_EXPECT(t_check(&ti) > 0, "free_pages drift");
    b->free_pages--;
    b->count[2]++;
    T_EXPECT(t_check(&ti) > 0, "count drift");
    b->count[2]--;
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

/* A block alone on its list keeps junk links: pushing a second block, and
 * unlinking either, must never follow them. */
static void test_lone_block_links_are_never_followed(void)
{
    ab_span span = {0, 1024};
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, &span, 1) == AB_OK);
    uint64_t a, b, c;
    T_REQUIRE(t_alloc(&ti, 1, 0, &a) == AB_OK); /* splits 1024 down to 1 */
    ab_buddy *h = (ab_buddy *)ti.meta;
    for (unsigned k = 0; k < 10; k++) {
        T_EXPECT(h->count[k] == 1, "order %u", k);
        h->links[h->head[k]].next = 0x5A5A5A5Au;
        h->links[h->head[k]].prev = 0x5A5A5A5Au;
    }
    T_EXPECT(t_check(&ti) == 0);
    T_REQUIRE(t_alloc(&ti, 2, 0, &b) == AB_OK); /* takes the lone order-1 block */
    T_REQUIRE(t_alloc(&ti, 4, 0, &c) == AB_OK);
    T_EXPECT(t_free(&ti, b, 2) == AB_OK); /* order-1 list: 1 block again */
    T_EXPECT(t_free(&ti, a, 1) == AB_OK); /* merges 0+1 -> order 1 -> ... */
    T_EXPECT(t_check(&ti) == 0);
    T_EXPECT(t_free(&ti, c, 4) == AB_OK);
    T_EXPECT(h->count[10] == 1 && h->free_pages == 1024);
    T_EXPECT(t_check(&ti) == 0);
    t_inst_close(&ti);
}

static int stop_after_one(void *ctx, uint64_t first, uint64_t npages)
{
    (void)first;
    (void)npages;
    (*(int *)ctx)++;
    return 1;
}

static void test_walk_stops_when_asked(void)
{
    const t_map *map = &t_pmm_maps[0];
    t_inst ti;
    T_REQUIRE(open_buddy(&ti, map->spans, map->nspans) == AB_OK);
    int calls = 0;
    ti.st->walk_free(ti.meta, stop_after_one, &calls);
    T_EXPECT(calls == 1);
    t_inst_close(&ti);
}

int main(void)
{
    T_RUN(test_init_carves_maximal_aligned_blocks);
    T_RUN(test_alloc_never_returns_a_block_too_small);
    T_RUN(test_enomem_when_only_smaller_blocks_exist);
    T_RUN(test_free_past_every_free_block);
    T_RUN(test_merge_at_list_ends_in_every_order);
    T_RUN(test_coalescing_restores_initial_blocks);
    T_RUN(test_2m_blocks_whole_again_after_churn);
    T_RUN(test_exact_length_and_free_errors);
    T_RUN(test_alignment_is_absolute);
    T_RUN(test_argument_errors);
    T_RUN(test_init_64g_is_fast);
    T_RUN(test_half_fill_cost_does_not_grow_with_memory);
    T_RUN(test_check_counts_corruption);
    T_RUN(test_lone_block_links_are_never_followed);
    T_RUN(test_walk_stops_when_asked);
    return t_finish();
}
