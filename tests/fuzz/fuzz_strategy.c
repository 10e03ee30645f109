/*
 * libFuzzer harness: the page-strategy API of every registered strategy.
 *
 * Input bytes: [strategy][map] then 4-byte ops. The maps are the
 * conformance suite's small PMM maps with holes and its VMM windows. A shadow
 * model records which live allocation owns each page; after every operation
 * the harness checks that an allocation is aligned, inside one span and
 * overlaps nothing; that a bad call (double free, wrong size, a middle page,
 * misaligned or unmanaged address, n = 0, a bad alignment) returns its own
 * status and changes nothing; that stats().free_pages equals the model; and
 * that check() finds nothing broken. At the end every live allocation is
 * freed and every page must be free again: no page is lost.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "strategy_util.h"

#define FZ_MAX_LIVE 4096

typedef struct fz_live {
    uint64_t addr, n;
} fz_live;

typedef struct fz {
    t_inst inst;
    const t_map *map;
    uint64_t prefix[9], total, free_pages;
    uint32_t *owner; /* per page index: 0 free, else live slot + 1 */
    fz_live live[FZ_MAX_LIVE];
    size_t nlive;
    uint64_t freed_addr, freed_n; /* the last freed allocation, for double frees */
} fz;

#define FZ_REQUIRE(cond, ...)                                                    \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_strategy: %s/%s: ", z->inst.st->name,          \
                    z->map->name);                                               \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

static uint64_t page_index(const fz *z, uint64_t page)
{
    size_t s = ab_span_find(z->map->spans, z->map->nspans, page);
    if (s == z->map->nspans)
        return UINT64_MAX;
    return z->prefix[s] + (page - z->map->spans[s].first_page);
}

static void expect_sound(fz *z, const char *after)
{
    ab_stats st;
    memset(&st, 0, sizeof st);
    z->inst.st->stats(z->inst.meta, &st);
    FZ_REQUIRE(st.free_pages == z->free_pages, "after %s: stats free %llu, model %llu", after,
               (unsigned long long)st.free_pages, (unsigned long long)z->free_pages);
    FZ_REQUIRE(st.total_pages == z->total, "after %s: total %llu", after,
               (unsigned long long)st.total_pages);
    size_t broken = z->inst.st->check(z->inst.meta);
    FZ_REQUIRE(broken == 0, "after %s: check() finds %zu broken invariants", after, broken);
}

static void do_alloc(fz *z, uint8_t a, uint8_t b, uint8_t c)
{
    uint64_t n = 1u + a % 16u;
    if (b & 0x80u)
        n = 1u + (uint64_t)a * 4u + c % 4u;
    if (b & 0x40u)
        n = AB_PAGES_2M;
    uint64_t align = (b & 0x20u) ? 0 : (uint64_t)1 << (b % 10u);
    if (b & 0x40u)
        align = AB_PAGES_2M;
    uint64_t addr = 0;
    ab_status s = t_alloc(&z->inst, n, align, &addr);
    if (s == AB_ENOMEM || s == AB_ENOTSUP || z->nlive == FZ_MAX_LIVE) {
        if (s == AB_OK) /* no slot to track it: give it straight back */
            FZ_REQUIRE(t_free(&z->inst, addr, n) == AB_OK, "free of an untracked alloc");
        return;
    }
    FZ_REQUIRE(s == AB_OK, "alloc(%llu, %llu): %s", (unsigned long long)n,
               (unsigned long long)align, ab_status_name(s));
    uint64_t page = addr >> AB_PAGE_SHIFT, al = align ? align : 1;
    uint64_t idx = page_index(z, page);
    FZ_REQUIRE((addr & (AB_PAGE_BYTES - 1)) == 0 && (page & (al - 1)) == 0 && idx != UINT64_MAX,
               "alloc(%llu, %llu) = 0x%llx: misaligned or unmanaged", (unsigned long long)n,
               (unsigned long long)align, (unsigned long long)addr);
    size_t sp = ab_span_find(z->map->spans, z->map->nspans, page);
    FZ_REQUIRE(n <= z->map->spans[sp].npages - (page - z->map->spans[sp].first_page),
               "alloc(%llu) crosses its span", (unsigned long long)n);
    for (uint64_t i = idx; i < idx + n; i++)
        FZ_REQUIRE(z->owner[i] == 0, "alloc(%llu) at 0x%llx overlaps a live allocation",
                   (unsigned long long)n, (unsigned long long)addr);
    for (uint64_t i = idx; i < idx + n; i++)
        z->owner[i] = (uint32_t)z->nlive + 1u;
    z->live[z->nlive].addr = addr;
    z->live[z->nlive].n = n;
    z->nlive++;
    z->free_pages -= n;
}

static void do_free(fz *z, uint8_t a)
{
    if (z->nlive == 0)
        return;
    size_t k = a % z->nlive;
    fz_live l = z->live[k];
    ab_status s = t_free(&z->inst, l.addr, l.n);
    FZ_REQUIRE(s == AB_OK, "free(0x%llx, %llu): %s", (unsigned long long)l.addr,
               (unsigned long long)l.n, ab_status_name(s));
    uint64_t idx = page_index(z, l.addr >> AB_PAGE_SHIFT);
    for (uint64_t i = idx; i < idx + l.n; i++)
        z->owner[i] = 0;
    z->nlive--;
    if (k != z->nlive) {
        z->live[k] = z->live[z->nlive];
        uint64_t j = page_index(z, z->live[k].addr >> AB_PAGE_SHIFT);
        for (uint64_t i = j; i < j + z->live[k].n; i++)
            z->owner[i] = (uint32_t)k + 1u;
    }
    z->free_pages += l.n;
    z->freed_addr = l.addr;
    z->freed_n = l.n;
}

/* A call that must fail with `want` and change nothing. */
static void expect_bad(fz *z, ab_status got, ab_status want, const char *what)
{
    FZ_REQUIRE(got == want, "%s: %s, want %s", what, ab_status_name(got), ab_status_name(want));
}

static void do_bad(fz *z, uint8_t a, uint8_t b)
{
    uint64_t addr;
    switch (b % 7u) {
    case 0:
        expect_bad(z, t_alloc(&z->inst, 0, 0, &addr), AB_EINVAL, "alloc(0)");
        break;
    case 1:
        expect_bad(z, t_alloc(&z->inst, 1, 3u + 2u * a, &addr), AB_EINVAL, "alloc(align not 2^k)");
        break;
    case 2:
        /* A double free: the last freed allocation, unless re-allocated. */
        if (z->freed_n != 0 &&
            z->owner[page_index(z, z->freed_addr >> AB_PAGE_SHIFT)] == 0)
            expect_bad(z, t_free(&z->inst, z->freed_addr, z->freed_n), AB_EDOUBLE, "double free");
        break;
    case 3:
        if (z->nlive != 0) {
            fz_live l = z->live[a % z->nlive];
            uint64_t page = l.addr >> AB_PAGE_SHIFT;
            size_t sp = ab_span_find(z->map->spans, z->map->nspans, page);
            int past_end = page + l.n + 1u > z->map->spans[sp].first_page + z->map->spans[sp].npages;
            expect_bad(z, t_free(&z->inst, l.addr, l.n + 1u), past_end ? AB_ERANGE : AB_ESIZE,
                       "free(n + 1)");
            if (l.n > 1) {
                expect_bad(z, t_free(&z->inst, l.addr, l.n - 1u), AB_ESIZE, "free(n - 1)");
                expect_bad(z, t_free(&z->inst, l.addr + AB_PAGE_BYTES, l.n - 1u), AB_ESIZE,
                           "free of a middle page");
            }
        }
        break;
    case 4:
        if (z->nlive != 0)
            expect_bad(z, t_free(&z->inst, z->live[a % z->nlive].addr + 8u, 1), AB_EALIGN,
                       "free(misaligned)");
        break;
    case 5:
        expect_bad(z, t_free(&z->inst, (AB_PAGE_LIMIT - 1u) << AB_PAGE_SHIFT, 1), AB_ERANGE,
                   "free(unmanaged page)");
        break;
    default:
        if (z->nlive != 0)
            expect_bad(z, t_free(&z->inst, z->live[a % z->nlive].addr, 0), AB_EINVAL, "free(n = 0)");
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t nst;
    const ab_strategy *const *all = ab_registry(&nst);
    const ab_strategy *st = all[data[0] % nst];
    size_t nmaps = T_NMAPS(t_pmm_maps) + T_NMAPS(t_vmm_maps);
    size_t mi = data[1] % nmaps;
    static fz zz;
    fz *z = &zz;
    memset(z, 0, sizeof *z);
    z->map = mi < T_NMAPS(t_pmm_maps) ? &t_pmm_maps[mi] : &t_vmm_maps[mi - T_NMAPS(t_pmm_maps)];
    for (size_t s = 0; s < z->map->nspans; s++) {
        z->prefix[s] = z->total;
        z->total += z->map->spans[s].npages;
    }
    if (t_inst_open(&z->inst, st, z->map->spans, z->map->nspans) != AB_OK)
        return 0; /* a strategy may refuse a map (e.g. too small): not a bug */
    z->owner = calloc(z->total, sizeof *z->owner);
    z->free_pages = z->total;
    expect_sound(z, "init");
    for (size_t i = 2; i + 4 <= size; i += 4) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
        if (op < 128)
            do_alloc(z, a, b, c);
        else if (op < 224)
            do_free(z, a);
        else
            do_bad(z, a, b);
        expect_sound(z, op < 128 ? "alloc" : op < 224 ? "free" : "a bad call");
    }
    while (z->nlive > 0)
        do_free(z, 0);
    expect_sound(z, "freeing everything");
    FZ_REQUIRE(z->free_pages == z->total, "pages lost");
    free(z->owner);
    t_inst_close(&z->inst);
    return 0;
}
