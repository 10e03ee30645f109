/*
 * stack: a LIFO of free single pages, after xv6's kalloc.
 *
 * Algorithm. Every managed page has a 32-bit index (allocbench/pindex.h):
 * the spans are laid end to end, each starting at a multiple of 1024, so
 * that one chunk of indices belongs to one span and index -> page is one
 * table load: page = index + delta[index >> 10]. The free pages are an array of
 * indices used as a stack; one bit per index says "allocated", so that a
 * double free, or a free of a page that was never handed out, is seen
 * (AB_EDOUBLE). init() fills the stack in one pass so that the lowest page
 * is on top: the first allocations come out in ascending address order.
 *
 * Time. alloc: O(1) (pop, one table load, set a bit). free: O(log nspans)
 * for the span lookup of ab_free_precheck, then O(1) (test and clear a bit,
 * push). init: O(pages) word stores, no per-page locking. walk_free and
 * stats: O(pages / 64) over the allocated map.
 *
 * Metadata bytes, with P = total pages, S = spans and I = index space
 * (sum over spans of npages rounded up to 1024, last span not rounded):
 *   128 (header) + 16 S + 4 S (both rounded up to 8)
 *   + 8 ceil(I / 1024) + 8 ceil(I / 64) + 4 P
 * = about 1.03 MiB per GiB managed. I must stay below 2^32.
 */
#include "stack.h"

#include "allocbench/bits.h"
#include "allocbench/pindex.h"

#define STACK_MAGIC 0x5354434bu /* "STCK" */
#define HEADER_BYTES 128u

typedef struct stack_hdr {
    /* Hot: alloc and free touch only these. */
    uint64_t top;          /* free pages = entries on the stack */
    uint32_t *stack;       /* [total_pages] page indices, top of stack last */
    uint64_t *alloc_bits;  /* [words(index_pages)] 1 = allocated */
    ab_pindex px;          /* spans, bases, chunk deltas (gap 0) */
    uint64_t meta_bytes;
    uint32_t magic;
} stack_hdr;

_Static_assert(sizeof(stack_hdr) <= HEADER_BYTES, "stack header fits its slot");

/* Offsets of each array in the metadata area. */
typedef struct stack_layout {
    uint64_t index_pages, total_pages, bits_off, stack_off, total;
} stack_layout;

/* Fills *l for these spans. Returns false if they are not normalized or the
 * index space or the metadata would not fit. */
static bool layout_compute(const ab_span *spans, size_t nspans, stack_layout *l)
{
    uint64_t px_bytes;
    if (!ab_pindex_size(spans, nspans, 0, &l->index_pages, &px_bytes))
        return false;
    l->total_pages = 0;
    for (size_t i = 0; i < nspans; i++)
        l->total_pages += spans[i].npages;
    l->bits_off = HEADER_BYTES + px_bytes;
    l->stack_off = l->bits_off + ab_bits_words(l->index_pages) * 8u;
    l->total = l->stack_off + ab_pindex_round8(l->total_pages * 4u);
    return l->total <= (uint64_t)SIZE_MAX;
}

static size_t stack_meta_bytes(const ab_span *spans, size_t nspans)
{
    stack_layout l;
    if (!layout_compute(spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

static ab_status stack_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    stack_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(spans, nspans, &l) ||
        (uint64_t)meta_len < l.total)
        return AB_EINVAL;
    unsigned char *m = (unsigned char *)meta;
    stack_hdr *h = (stack_hdr *)meta;
    ab_pindex_init(&h->px, m + HEADER_BYTES, spans, nspans, 0);
    h->alloc_bits = (uint64_t *)(void *)(m + l.bits_off);
    h->stack = (uint32_t *)(void *)(m + l.stack_off);
    h->meta_bytes = l.total;
    h->magic = STACK_MAGIC;

    uint64_t words = ab_bits_words(l.index_pages);
    for (uint64_t w = 0; w < words; w++)
        h->alloc_bits[w] = 0;

    /* Per span, its pages stored highest first into the stack's slots from
     * the end down, so that the lowest page of the lowest span ends on top. */
    uint32_t *slot = h->stack + l.total_pages;
    for (size_t i = 0; i < nspans; i++) {
        uint32_t idx = h->px.base[i];
        uint64_t np = spans[i].npages;
        slot -= np;
        for (uint64_t j = 0; j < np; j++)
            slot[np - 1u - j] = idx + (uint32_t)j;
    }
    h->top = l.total_pages;
    return AB_OK;
}

static ab_status stack_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    stack_hdr *h = (stack_hdr *)self;
    ab_status st = ab_alloc_precheck(&ab_strategy_stack, n, align_pages, addr);
    if (st != AB_OK)
        return st;
    if (align_pages > 1u)
        return AB_ENOTSUP;
    if (h->top == 0)
        return AB_ENOMEM;
    uint32_t idx = h->stack[--h->top];
    h->alloc_bits[idx >> 6] |= 1ull << (idx & 63u);
    *addr = ab_pindex_page(&h->px, idx) << AB_PAGE_SHIFT;
    return AB_OK;
}

static ab_status stack_free(void *self, uint64_t addr, uint64_t n)
{
    stack_hdr *h = (stack_hdr *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(h->px.spans, h->px.nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint32_t idx = ab_pindex_index(&h->px, s, page);
    uint64_t *word = &h->alloc_bits[idx >> 6];
    uint64_t bit = 1ull << (idx & 63u);
    if ((*word & bit) == 0)
        return AB_EDOUBLE;
    if (n != 1u)
        return AB_ESIZE;
    *word &= ~bit;
    h->stack[h->top++] = idx;
    return AB_OK;
}

static void stack_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const stack_hdr *h = (const stack_hdr *)self;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint64_t b = h->px.base[s];
        uint64_t end = b + h->px.spans[s].npages;
        uint64_t i = b;
        while (i < end) {
            uint64_t run = ab_bits_find(h->alloc_bits, i, end, false);
            if (run == end)
                break;
            uint64_t run_end = ab_bits_find(h->alloc_bits, run, end, true);
            if (fn(ctx, h->px.spans[s].first_page + (run - b), run_end - run) != 0)
                return;
            i = run_end;
        }
    }
}

static void stack_stats(const void *self, ab_stats *out)
{
    const stack_hdr *h = (const stack_hdr *)self;
    out->total_pages = h->px.total_pages;
    out->meta_bytes = h->meta_bytes;
    ab_stats_from_walk(&ab_strategy_stack, self, out);
}

static size_t stack_check(const void *self)
{
    const stack_hdr *h = (const stack_hdr *)self;
    size_t broken = 0;

    /* 1. The header. */
    AB_INSIST(broken, h->magic == STACK_MAGIC && "magic");
    if (h->magic != STACK_MAGIC)
        return broken;
    AB_INSIST(broken, h->top <= h->px.total_pages && "stack within its array");
    if (h->top > h->px.total_pages)
        return broken;

    /* 2. The page index: spans, bases, chunk deltas. */
    size_t px_broken = ab_pindex_check(&h->px);
    broken += px_broken;
    if (px_broken != 0)
        return broken;

    /* 3. Stack entries. */
    bool entries_ok = true;
    uint64_t sum = 0, sum_sq = 0;
    for (uint64_t i = 0; i < h->top; i++) {
        uint64_t idx = h->stack[i];
        if (idx >= h->px.index_pages) {
            entries_ok = false;
            continue;
        }
        size_t s = ab_pindex_span_of(&h->px, idx);
        if (s == h->px.nspans || ab_bit_test(h->alloc_bits, idx))
            entries_ok = false;
        sum += idx;
        sum_sq += idx * idx;
    }
    AB_INSIST(broken, entries_ok && "stack entries are free managed pages");

    /* 4. Each free page on the stack once. */
    uint64_t clear = 0, csum = 0, csum_sq = 0;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint64_t b = h->px.base[s];
        uint64_t end = b + h->px.spans[s].npages;
        for (uint64_t i = ab_bits_find(h->alloc_bits, b, end, false); i < end;
             i = ab_bits_find(h->alloc_bits, i + 1u, end, false)) {
            clear++;
            csum += i;
            csum_sq += i * i;
        }
    }
    AB_INSIST(broken, clear == h->top && csum == sum && csum_sq == sum_sq &&
                          "the stack holds every free page once");
    return broken;
}

const ab_strategy ab_strategy_stack = {
    .name = "stack",
    .summary = "LIFO of free single pages (xv6 kalloc): O(1) alloc and free, n = 1 only",
    .caps = 0,
    .max_npages = 1,
    .meta_bytes = stack_meta_bytes,
    .init = stack_init,
    .alloc = stack_alloc,
    .free = stack_free,
    .stats = stack_stats,
    .walk_free = stack_walk_free,
    .check = stack_check,
};
