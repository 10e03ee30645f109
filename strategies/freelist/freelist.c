/*
 * freelist: address-ordered free ranges, first fit, coalescing.
 *
 * Algorithm. Every managed page has a 32-bit index (allocbench/pindex.h):
 * the spans are laid end to end, each followed by at least one unused index
 * and started at a multiple of 1024, so index -> page is one table load
 * (page = index + delta[index >> 10]) and two ranges whose indices
 * touch always lie in the same span. The free pages are a doubly linked list
 * of nodes {first index, npages, prev, next} sorted by address, never two
 * adjacent. alloc walks the list from the lowest address and takes the first
 * range holding n pages at an absolute alignment; the range keeps its head
 * (the pages the alignment skips), loses the n pages and keeps its tail,
 * possibly as a second node (a split in three). free finds the ranges around
 * the pages and merges with the left, the right, both or neither neighbour.
 * One start bit per page marks the first page of each allocation, so a free
 * whose address or length is not an allocation's is AB_ESIZE, exactly.
 *
 * Nodes come from a pool inside the metadata: a bump index for never-used
 * nodes and a stack of recycled ones (linked through next), so init does not
 * touch the pool. The pool holds R = sum over spans of ceil(npages / 2)
 * nodes, the most free ranges the spans can hold (see freelist.h), and nodes
 * leave the list straight back to the pool: no operation runs out of nodes.
 *
 * Time. alloc: O(free ranges). free: O(free ranges) to find the neighbours
 * (walked from the nearer end; O(1) past the last range) + O(n / 64) for the
 * start bits of the n pages. init: O(spans + pages / 64) word stores.
 * stats: O(free ranges). walk_free: O(free ranges).
 *
 * Metadata bytes, with S = spans, I = index space, R = node bound:
 *   128 (header) + 16 S + 4 S (rounded up to 8) + 8 ceil(I / 1024)
 *   + 8 ceil(I / 64) + 16 R
 * = about 2.03 MiB per GiB managed (R = pages / 2). I must stay below 2^32.
 */
#include "freelist.h"

#include "allocbench/bits.h"
#include "allocbench/pindex.h"

#define FREELIST_MAGIC 0x46524c53u /* "FRLS" */
#define HEADER_BYTES 128u
#define NIL UINT32_MAX

typedef struct fl_node {
    uint32_t start;  /* index of the first free page */
    uint32_t npages; /* > 0 */
    uint32_t prev, next;
} fl_node;

typedef struct fl_hdr {
    fl_node *nodes;        /* [pool_cap] */
    uint64_t *start_bits;  /* [words(index_pages)] 1 = first page of an allocation */
    ab_pindex px;          /* spans, bases, chunk deltas (gap 1) */
    uint64_t free_pages;
    uint64_t meta_bytes;
    uint32_t head, tail;   /* lowest and highest range, NIL when none */
    uint32_t nruns;        /* nodes on the list */
    uint32_t bump;         /* nodes [bump, pool_cap) were never used */
    uint32_t recycled;     /* stack of returned nodes, linked by next */
    uint32_t pool_cap;
    uint32_t magic;
} fl_hdr;

_Static_assert(sizeof(fl_hdr) <= HEADER_BYTES, "freelist header fits its slot");
_Static_assert(sizeof(fl_node) == 16, "16-byte nodes");

typedef struct fl_layout {
    uint64_t index_pages, pool_cap, bits_off, nodes_off, total;
} fl_layout;

/* Fills *l for these spans. Returns false if they are not normalized or the
 * index space or the metadata would not fit. */
static bool layout_compute(const ab_span *spans, size_t nspans, fl_layout *l)
{
    uint64_t px_bytes;
    if (!ab_pindex_size(spans, nspans, 1, &l->index_pages, &px_bytes))
        return false;
    uint64_t cap = 0;
    for (size_t i = 0; i < nspans; i++)
        cap += (spans[i].npages + 1u) >> 1;
    l->pool_cap = cap;
    l->bits_off = HEADER_BYTES + px_bytes;
    l->nodes_off = l->bits_off + ab_bits_words(l->index_pages) * 8u;
    l->total = l->nodes_off + cap * sizeof(fl_node);
    return l->total <= (uint64_t)SIZE_MAX;
}

static size_t freelist_meta_bytes(const ab_span *spans, size_t nspans)
{
    fl_layout l;
    if (!layout_compute(spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

static uint64_t index_page(const fl_hdr *h, uint32_t idx) { return ab_pindex_page(&h->px, idx); }

/* A node from the pool; the bound guarantees there is one. */
static uint32_t node_take(fl_hdr *h)
{
    uint32_t x = h->recycled;
    if (x != NIL) {
        h->recycled = h->nodes[x].next;
        return x;
    }
    AB_ASSERT(h->bump < h->pool_cap);
    return h->bump++;
}

static void node_give(fl_hdr *h, uint32_t x)
{
    h->nodes[x].next = h->recycled;
    h->recycled = x;
}

/* Links a new range [start, start + npages) between pv and nx (either NIL). */
static void range_insert(fl_hdr *h, uint32_t pv, uint32_t nx, uint32_t start, uint32_t npages)
{
    uint32_t x = node_take(h);
    fl_node *n = &h->nodes[x];
    n->start = start;
    n->npages = npages;
    n->prev = pv;
    n->next = nx;
    if (pv != NIL)
        h->nodes[pv].next = x;
    else
        h->head = x;
    if (nx != NIL)
        h->nodes[nx].prev = x;
    else
        h->tail = x;
    h->nruns++;
}

static void range_unlink(fl_hdr *h, uint32_t x)
{
    uint32_t pv = h->nodes[x].prev, nx = h->nodes[x].next;
    if (pv != NIL)
        h->nodes[pv].next = nx;
    else
        h->head = nx;
    if (nx != NIL)
        h->nodes[nx].prev = pv;
    else
        h->tail = pv;
    h->nruns--;
    node_give(h, x);
}

static ab_status freelist_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    fl_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(spans, nspans, &l) ||
        (uint64_t)meta_len < l.total)
        return AB_EINVAL;
    unsigned char *m = (unsigned char *)meta;
    fl_hdr *h = (fl_hdr *)meta;
    ab_pindex_init(&h->px, m + HEADER_BYTES, spans, nspans, 1);
    h->start_bits = (uint64_t *)(void *)(m + l.bits_off);
    h->nodes = (fl_node *)(void *)(m + l.nodes_off);
    h->meta_bytes = l.total;
    h->pool_cap = (uint32_t)l.pool_cap;
    h->bump = 0;
    h->recycled = NIL;
    h->head = NIL;
    h->tail = NIL;
    h->nruns = 0;

    uint64_t words = ab_bits_words(l.index_pages);
    for (uint64_t w = 0; w < words; w++)
        h->start_bits[w] = 0;

    for (size_t i = 0; i < nspans; i++)
        range_insert(h, h->tail, NIL, h->px.base[i], (uint32_t)spans[i].npages);
    h->free_pages = h->px.total_pages;
    h->magic = FREELIST_MAGIC;
    return AB_OK;
}

static ab_status freelist_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    fl_hdr *h = (fl_hdr *)self;
    ab_status st = ab_alloc_precheck(&ab_strategy_freelist, n, align_pages, addr);
    if (st != AB_OK)
        return st;
    uint64_t mask = align_pages > 1u ? align_pages - 1u : 0u;
    for (uint32_t x = h->head; x != NIL; x = h->nodes[x].next) {
        fl_node *r = &h->nodes[x];
        if (r->npages < n)
            continue;
        uint64_t page = index_page(h, r->start);
        /* page < 2^52 and mask < 2^63: no overflow. */
        uint64_t pad = ((page + mask) & ~mask) - page;
        if (pad >= r->npages || r->npages - pad < n)
            continue;
        uint32_t head_np = (uint32_t)pad;
        uint32_t tail_np = r->npages - head_np - (uint32_t)n;
        uint32_t at = r->start + head_np;
        if (head_np == 0 && tail_np == 0) {
            range_unlink(h, x);
        } else if (head_np == 0) {
            r->start += (uint32_t)n;
            r->npages = tail_np;
        } else {
            r->npages = head_np;
            if (tail_np != 0)
                range_insert(h, x, r->next, at + (uint32_t)n, tail_np);
        }
        ab_bit_set(h->start_bits, at);
        h->free_pages -= n;
        *addr = (page + pad) << AB_PAGE_SHIFT;
        return AB_OK;
    }
    return AB_ENOMEM;
}

/* The ranges around idx: *pv the last starting at or below it, *nx the
 * first starting above it (either NIL). Walks from the nearer end. */
static void range_find(const fl_hdr *h, uint32_t idx, uint32_t *pv, uint32_t *nx)
{
    uint32_t x;
    if (h->tail == NIL || h->nodes[h->tail].start <= idx) {
        *pv = h->tail;
        *nx = NIL;
        return;
    }
    if (h->nodes[h->head].start > idx) {
        *pv = NIL;
        *nx = h->head;
        return;
    }
    if (idx - h->nodes[h->head].start <= h->nodes[h->tail].start - idx) {
        for (x = h->head; h->nodes[x].start <= idx; x = h->nodes[x].next)
            ;
        *nx = x;
        *pv = h->nodes[x].prev;
    } else {
        for (x = h->tail; h->nodes[x].start > idx; x = h->nodes[x].prev)
            ;
        *pv = x;
        *nx = h->nodes[x].next;
    }
}

static ab_status freelist_free(void *self, uint64_t addr, uint64_t n)
{
    fl_hdr *h = (fl_hdr *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(h->px.spans, h->px.nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint32_t idx = ab_pindex_index(&h->px, s, page);
    uint32_t end = idx + (uint32_t)n; /* precheck: inside the span */
    uint32_t pv, nx;
    range_find(h, idx, &pv, &nx);
    uint32_t pv_end = pv != NIL ? h->nodes[pv].start + h->nodes[pv].npages : 0;
    if (pv != NIL && idx < pv_end)
        return AB_EDOUBLE;

    /* The allocation at idx: a start bit, no free page and no other start
     * inside, and it must not go on past end. */
    uint32_t nx_start = nx != NIL ? h->nodes[nx].start : NIL;
    uint32_t span_end = h->px.base[s] + (uint32_t)h->px.spans[s].npages;
    if (!ab_bit_test(h->start_bits, idx) || end > nx_start)
        return AB_ESIZE;
    if (n > 1u && ab_bits_find(h->start_bits, idx + 1u, end, true) != end)
        return AB_ESIZE;
    if (end < span_end && end != nx_start && !ab_bit_test(h->start_bits, end))
        return AB_ESIZE;

    ab_bit_clear(h->start_bits, idx);
    h->free_pages += n;
    bool left = pv != NIL && pv_end == idx;
    bool right = nx != NIL && nx_start == end;
    if (left && right) {
        h->nodes[pv].npages += (uint32_t)n + h->nodes[nx].npages;
        range_unlink(h, nx);
    } else if (left) {
        h->nodes[pv].npages += (uint32_t)n;
    } else if (right) {
        h->nodes[nx].start = idx;
        h->nodes[nx].npages += (uint32_t)n;
    } else {
        range_insert(h, pv, nx, idx, (uint32_t)n);
    }
    return AB_OK;
}

static void freelist_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const fl_hdr *h = (const fl_hdr *)self;
    for (uint32_t x = h->head; x != NIL; x = h->nodes[x].next)
        if (fn(ctx, index_page(h, h->nodes[x].start), h->nodes[x].npages) != 0)
            return;
}

static void freelist_stats(const void *self, ab_stats *out)
{
    const fl_hdr *h = (const fl_hdr *)self;
    uint64_t largest = 0;
    for (uint32_t x = h->head; x != NIL; x = h->nodes[x].next)
        if (h->nodes[x].npages > largest)
            largest = h->nodes[x].npages;
    out->total_pages = h->px.total_pages;
    out->free_pages = h->free_pages;
    out->largest_free_run = largest;
    out->free_runs = h->nruns;
    out->meta_bytes = h->meta_bytes;
}

static size_t freelist_check(const void *self)
{
    const fl_hdr *h = (const fl_hdr *)self;
    size_t broken = 0;

    /* 1. The header. */
    AB_INSIST(broken, h->magic == FREELIST_MAGIC && "magic");
    if (h->magic != FREELIST_MAGIC)
        return broken;

    /* 2. The page index: spans, bases, chunk deltas. */
    size_t px_broken = ab_pindex_check(&h->px);
    broken += px_broken;
    if (px_broken != 0)
        return broken;
    uint64_t cap = 0;
    for (size_t s = 0; s < h->px.nspans; s++)
        cap += (h->px.spans[s].npages + 1u) >> 1;
    AB_INSIST(broken, cap == h->pool_cap && h->bump <= h->pool_cap && "pool size is the bound");
    if (h->bump > h->pool_cap)
        return broken;

    /* 3. Links. */
    bool links_ok = h->head == NIL ? h->tail == NIL : h->nodes[h->head].prev == NIL;
    uint64_t count = 0;
    uint32_t last = NIL;
    for (uint32_t x = h->head; x != NIL && links_ok; x = h->nodes[x].next) {
        if (x >= h->bump || count >= h->bump || h->nodes[x].prev != last) {
            links_ok = false;
            break;
        }
        last = x;
        count++;
    }
    AB_INSIST(broken, links_ok && last == h->tail && count == h->nruns && "list well linked");
    if (!links_ok || last != h->tail)
        return broken;

    /* 4-6. Ranges. */
    bool inside = true, ordered = true;
    uint64_t free_pages = 0, prev_end = 0;
    for (uint32_t x = h->head; x != NIL; x = h->nodes[x].next) {
        const fl_node *r = &h->nodes[x];
        size_t s = ab_pindex_span_of(&h->px, r->start);
        if (r->npages == 0 || s == h->px.nspans ||
            r->npages > h->px.spans[s].npages - (r->start - h->px.base[s]))
            inside = false;
        if (x != h->head && r->start <= prev_end)
            ordered = false;
        prev_end = (uint64_t)r->start + r->npages;
        free_pages += r->npages;
    }
    AB_INSIST(broken, inside && "every range non-empty inside one span");
    AB_INSIST(broken, ordered && "ranges ascending and maximal");
    AB_INSIST(broken, free_pages == h->free_pages && "ranges hold free_pages");

    /* 7. Node accounting. */
    uint64_t spare = 0;
    for (uint32_t x = h->recycled; x != NIL && spare <= h->bump; x = h->nodes[x].next) {
        if (x >= h->bump) {
            spare = (uint64_t)h->bump + 1u;
            break;
        }
        spare++;
    }
    AB_INSIST(broken, (uint64_t)h->nruns + spare == h->bump && "no node lost");
    if (!inside)
        return broken;

    /* 8. Start bits: none outside allocated pages, one at each allocated
     * run's first page. */
    bool starts_ok = true;
    uint64_t prev_span_end = 0;
    uint32_t x = h->head;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint64_t b = h->px.base[s], e = b + h->px.spans[s].npages;
        if (ab_bits_count(h->start_bits, prev_span_end, b - prev_span_end) != 0)
            starts_ok = false;
        prev_span_end = e;
        uint64_t at = b; /* first page not yet looked at */
        for (; x != NIL && h->nodes[x].start < e; x = h->nodes[x].next) {
            const fl_node *r = &h->nodes[x];
            if (r->start > at && !ab_bit_test(h->start_bits, at))
                starts_ok = false;
            if (ab_bits_count(h->start_bits, r->start, r->npages) != 0)
                starts_ok = false;
            at = (uint64_t)r->start + r->npages;
        }
        if (at < e && !ab_bit_test(h->start_bits, at))
            starts_ok = false;
    }
    AB_INSIST(broken, starts_ok && "start bits mark where allocations begin");
    return broken;
}

const ab_strategy ab_strategy_freelist = {
    .name = "freelist",
    .summary = "address-ordered free ranges, first fit, coalescing: O(free ranges)",
    .caps = AB_CAP_CONTIG,
    .max_npages = 0,
    .meta_bytes = freelist_meta_bytes,
    .init = freelist_init,
    .alloc = freelist_alloc,
    .free = freelist_free,
    .stats = freelist_stats,
    .walk_free = freelist_walk_free,
    .check = freelist_check,
};
