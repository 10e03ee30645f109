/*
 * buddy: binary buddy allocator with per-order LIFO free lists.
 *
 * Algorithm. Every managed page has a 32-bit index: the spans laid end to
 * end. Per page: links (next, prev: 8 bytes) and a state byte: FREE | order
 * on the first page of a free block, ALLOC on the first page of an
 * allocation (whose length lives in links.next, unused while allocated), 0
 * on every other page. A block alone on its list has implicit links,
 * neither read nor written: splits then write no links, and allocating page
 * after page touches the links in address order. Blocks are aligned on
 * absolute page numbers, so the buddy of the block of order k at page p is
 * at page p ^ 2^k; it is merged with only if it lies inside the same span
 * and its state is FREE | k. A bit per order says "list non-empty": alloc
 * finds the smallest order >= k with one ctz, splits that block down to
 * order k (each upper half becomes the only block of its order) and pushes
 * back the tail past n pages as the maximal aligned blocks it is made of
 * (none of them can coalesce: each one's buddy is allocated). free
 * decomposes [page, page + n) into maximal aligned blocks and coalesces
 * each, iteratively. "Is this page free" (EDOUBLE) looks at the heads that
 * could cover it: page rounded down to 2^0, 2^1, ... 2^31.
 *
 * Time. alloc: O(MAX_ORDER) splits and tail pushes, each O(1).
 * free: O(log nspans) span lookup, then O(MAX_ORDER) per decomposed block
 * (at most 2 log2(n) blocks).
 * init: O(nspans * MAX_ORDER) pushes + O(P / 8) word stores.
 * walk_free, stats: O(free blocks + allocations). check: O(P).
 *
 * Metadata bytes, with P = total pages and S = spans:
 *   sizeof(ab_buddy) rounded up to 64 (384 on x86-64, 320 on i386)
 *   + 16 S + 4 S (rounded up to 8) + 8 P + P (rounded up to 8)
 * = 9 P + O(S): 2.25 MiB per GiB managed, 144 MiB for 64 GiB. P < 2^32 - 1.
 */
#include "buddy.h"

#include "allocbench/bits.h"

#define BUDDY_MAGIC 0x42554459u /* "BUDY" */
#define MAX_ORDER AB_BUDDY_MAX_ORDER
#define NIL 0xFFFFFFFFu
#define ST_FREE 0x80u  /* | order: first page of a free block */
#define ST_ALLOC 0x40u /* first page of an allocation */
#define ST_ORDER 0x1Fu
#define HEADER_BYTES ((sizeof(ab_buddy) + AB_META_ALIGN - 1u) & ~(size_t)(AB_META_ALIGN - 1u))

_Static_assert(AB_BUDDY_ORDERS == 32u, "nonempty is one 32-bit word");
_Static_assert(sizeof(ab_buddy_link) == 8u, "links are two 32-bit indices");

typedef struct buddy_layout {
    uint64_t total_pages;
    uint64_t spans_off, base_off, links_off, state_off, total;
} buddy_layout;

static uint64_t round8(uint64_t x) { return (x + 7u) & ~(uint64_t)7u; }

/* Fills *l. Returns false if the spans are not normalized or too large. */
static bool layout_compute(const ab_span *spans, size_t nspans, buddy_layout *l)
{
    if (!ab_spans_normalized(spans, nspans) || nspans > ((size_t)1 << 24))
        return false;
    uint64_t total = 0;
    for (size_t i = 0; i < nspans; i++) {
        if (spans[i].npages >= (uint64_t)NIL - total)
            return false;
        total += spans[i].npages;
    }
    l->total_pages = total;
    l->spans_off = HEADER_BYTES;
    l->base_off = l->spans_off + (uint64_t)nspans * sizeof(ab_span);
    l->links_off = round8(l->base_off + (uint64_t)nspans * 4u);
    l->state_off = l->links_off + total * sizeof(ab_buddy_link);
    l->total = l->state_off + round8(total);
    return l->total <= (uint64_t)SIZE_MAX;
}

static size_t buddy_meta_bytes(const ab_span *spans, size_t nspans)
{
    buddy_layout l;
    if (!layout_compute(spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

/*
 * The list operations take the arrays as restrict pointers: a store to a
 * state byte could otherwise alias the header, and the compiler would
 * reload head[], count[] and the array pointers after every one.
 */
static inline void list_push(ab_buddy *b, ab_buddy_link *restrict links,
                             uint8_t *restrict state, uint32_t idx, unsigned order)
{
    uint32_t c = b->count[order];
    if (c != 0) {
        uint32_t h = b->head[order];
        if (c == 1)
            links[h].next = NIL; /* its links were implicit until now */
        links[h].prev = idx;
        links[idx].next = h;
        links[idx].prev = NIL;
    }
    b->head[order] = idx;
    b->nonempty |= 1u << order;
    b->count[order] = c + 1;
    state[idx] = (uint8_t)(ST_FREE | order);
}

static inline void list_unlink(ab_buddy *b, ab_buddy_link *restrict links,
                               uint8_t *restrict state, uint32_t idx, unsigned order)
{
    uint32_t c = b->count[order];
    if (c == 1) {
        b->head[order] = NIL;
        b->nonempty &= ~(1u << order);
    } else {
        uint32_t next = links[idx].next, prev = links[idx].prev;
        if (prev != NIL)
            links[prev].next = next;
        else
            b->head[order] = next;
        if (next != NIL)
            links[next].prev = prev;
    }
    b->count[order] = c - 1;
    state[idx] = 0;
}

/* The span holding index idx (idx < total_pages). */
static size_t span_of_index(const ab_buddy *b, uint32_t idx)
{
    size_t lo = 0, hi = b->nspans;
    while (hi - lo > 1) {
        size_t mid = lo + ((hi - lo) >> 1);
        if (b->base[mid] <= idx)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Largest order of an aligned block at page that ends by end (page < end). */
static unsigned block_order_at(uint64_t page, uint64_t end)
{
    /* Bit MAX_ORDER caps the order, so the low word alone has the answer. */
    unsigned a = (unsigned)__builtin_ctz((uint32_t)page | (1u << MAX_ORDER));
    unsigned f = ab_log2_floor(end - page);
    return a < f ? a : f;
}

/* Zeroes nwords words without letting the compiler call memset. */
static void words_clear(uint64_t *w, size_t nwords)
{
    for (size_t i = 0; i < nwords; i++) {
        w[i] = 0;
        __asm__("" : "+r"(w));
    }
}

static ab_status buddy_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    buddy_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(spans, nspans, &l) || meta_len < l.total)
        return AB_EINVAL;
    ab_buddy *b = (ab_buddy *)meta;
    uint8_t *m = (uint8_t *)meta;
    b->magic = BUDDY_MAGIC;
    b->nonempty = 0;
    b->spans = (ab_span *)(void *)(m + l.spans_off);
    b->base = (uint32_t *)(void *)(m + l.base_off);
    b->links = (ab_buddy_link *)(void *)(m + l.links_off);
    b->state = m + l.state_off;
    b->nspans = nspans;
    b->total_pages = l.total_pages;
    b->free_pages = l.total_pages;
    b->meta_bytes = l.total;
    words_clear((uint64_t *)(void *)b->state, (size_t)(round8(l.total_pages) >> 3));

    /* Append, so that each list starts in ascending address order. */
    uint32_t tail[AB_BUDDY_ORDERS];
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++) {
        b->head[k] = NIL;
        b->count[k] = 0;
        tail[k] = NIL;
    }
    uint32_t idx = 0;
    for (size_t s = 0; s < nspans; s++) {
        b->spans[s] = spans[s];
        b->base[s] = idx;
        uint64_t page = spans[s].first_page, end = page + spans[s].npages;
        while (page < end) {
            unsigned k = block_order_at(page, end);
            b->links[idx].next = NIL;
            b->links[idx].prev = tail[k];
            if (tail[k] == NIL)
                b->head[k] = idx;
            else
                b->links[tail[k]].next = idx;
            tail[k] = idx;
            b->count[k]++;
            b->nonempty |= 1u << k;
            b->state[idx] = (uint8_t)(ST_FREE | k);
            page += (uint64_t)1 << k;
            idx += (uint32_t)1 << k;
        }
    }
    return AB_OK;
}

/* Frees the block of order k at page (index idx) in span [first, end),
 * merging with its buddy while the buddy is free with the same order. */
static void block_release(ab_buddy *b, uint64_t first, uint64_t end, uint64_t page,
                          uint32_t idx, unsigned k)
{
    ab_buddy_link *restrict links = b->links;
    uint8_t *restrict state = b->state;
    while (k < MAX_ORDER) {
        uint64_t size = (uint64_t)1 << k;
        uint64_t bpage = page ^ size;
        if (bpage < first || bpage + size > end)
            break;
        uint32_t bidx = bpage > page ? idx + (uint32_t)size : idx - (uint32_t)size;
        if (state[bidx] != (uint8_t)(ST_FREE | k))
            break;
        list_unlink(b, links, state, bidx, k);
        if (bpage < page) {
            page = bpage;
            idx = bidx;
        }
        k++;
    }
    list_push(b, links, state, idx, k);
}

/* The byte address of the page at index idx. */
static uint64_t index_addr(const ab_buddy *b, uint32_t idx)
{
    size_t s = b->nspans == 1 ? 0 : span_of_index(b, idx);
    return (b->spans[s].first_page + (idx - b->base[s])) << AB_PAGE_SHIFT;
}

static ab_status buddy_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_buddy *b = (ab_buddy *)self;
    ab_status st = ab_alloc_precheck(&ab_strategy_buddy, n, align_pages, addr);
    if (st != AB_OK)
        return st;
    unsigned k = ab_log2_ceil(n);
    if (align_pages > 1) {
        if (align_pages > ((uint64_t)1 << MAX_ORDER))
            return AB_ENOTSUP;
        unsigned a = ab_log2_floor(align_pages);
        if (a > k)
            k = a;
    }
    uint32_t avail = b->nonempty & (~0u << k);
    if (avail == 0)
        return AB_ENOMEM;
    unsigned j = (unsigned)__builtin_ctz(avail);
    ab_buddy_link *restrict links = b->links;
    uint8_t *restrict state = b->state;
    uint32_t idx = b->head[j];
    list_unlink(b, links, state, idx, j);
    /* Lists k..j-1 are empty (j is the smallest non-empty order >= k): each
     * upper half becomes the only block of its order, links implicit. */
    b->nonempty |= ((1u << j) - 1u) & (~0u << k);
    while (j > k) {
        j--;
        uint32_t half = idx + ((uint32_t)1 << j);
        b->head[j] = half;
        b->count[j] = 1;
        state[half] = (uint8_t)(ST_FREE | j);
    }
    /* The tail [n, 2^k): its blocks' buddies all lie in [0, n). */
    uint32_t size = (uint32_t)1 << k, pos = (uint32_t)n;
    while (pos < size) {
        unsigned t = (unsigned)__builtin_ctz(pos);
        list_push(b, links, state, idx + pos, t);
        pos += (uint32_t)1 << t;
    }
    state[idx] = ST_ALLOC;
    links[idx].next = (uint32_t)n;
    b->free_pages -= n;
    *addr = index_addr(b, idx);
    return AB_OK;
}

/* True iff page (index idx, in span s) lies in a free block. */
static bool page_is_free(const ab_buddy *b, size_t s, uint64_t page, uint32_t idx)
{
    uint64_t first = b->spans[s].first_page;
    for (unsigned k = 0; k <= MAX_ORDER; k++) {
        uint64_t head = page & ~(((uint64_t)1 << k) - 1u);
        if (head < first)
            break;
        uint8_t st = b->state[idx - (uint32_t)(page - head)];
        if ((st & ST_FREE) != 0 && (st & ST_ORDER) >= k)
            return true;
    }
    return false;
}

static ab_status buddy_free(void *self, uint64_t addr, uint64_t n)
{
    ab_buddy *b = (ab_buddy *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(b->spans, b->nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint64_t first = b->spans[s].first_page, end = first + b->spans[s].npages;
    uint32_t idx = b->base[s] + (uint32_t)(page - first);
    if (b->state[idx] != ST_ALLOC)
        return page_is_free(b, s, page, idx) ? AB_EDOUBLE : AB_ESIZE;
    if (b->links[idx].next != n)
        return AB_ESIZE;
    b->free_pages += n;
    b->state[idx] = 0;
    uint64_t stop = page + n;
    while (page < stop) {
        unsigned k = block_order_at(page, stop);
        block_release(b, first, end, page, idx, k);
        page += (uint64_t)1 << k;
        idx += (uint32_t)1 << k;
    }
    return AB_OK;
}

/* Walks span s block by block; calls fn per maximal free run. Returns
 * nonzero iff fn asked to stop. */
static int span_walk(const ab_buddy *b, size_t s, ab_run_fn fn, void *ctx)
{
    uint32_t i = b->base[s];
    uint32_t end = i + (uint32_t)b->spans[s].npages;
    uint64_t delta = b->spans[s].first_page - b->base[s];
    uint32_t run = 0, run_len = 0;
    while (i < end) {
        uint8_t st = b->state[i];
        uint32_t len = 1;
        bool is_free = false;
        if ((st & ST_FREE) != 0) {
            len = (uint32_t)1 << (st & ST_ORDER);
            is_free = true;
        } else if (st == ST_ALLOC) {
            len = b->links[i].next;
        }
        if (len == 0 || len > end - i)
            len = 1; /* corrupt: check() reports it; step one page */
        if (is_free) {
            if (run_len == 0)
                run = i;
            run_len += len;
        } else if (run_len != 0) {
            if (fn(ctx, run + delta, run_len) != 0)
                return 1;
            run_len = 0;
        }
        i += len;
    }
    if (run_len != 0 && fn(ctx, run + delta, run_len) != 0)
        return 1;
    return 0;
}

static void buddy_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const ab_buddy *b = (const ab_buddy *)self;
    for (size_t s = 0; s < b->nspans; s++)
        if (span_walk(b, s, fn, ctx) != 0)
            return;
}

static void buddy_stats(const void *self, ab_stats *out)
{
    const ab_buddy *b = (const ab_buddy *)self;
    ab_stats_from_walk(&ab_strategy_buddy, self, out);
    out->total_pages = b->total_pages;
    out->free_pages = b->free_pages;
    out->meta_bytes = b->meta_bytes;
}

/* Invariant 1. Returns the number broken; the rest is unsafe to walk if so. */
static size_t check_header(const ab_buddy *b)
{
    size_t bad = 0;
    AB_INSIST(bad, b->magic == BUDDY_MAGIC && "magic");
    if (bad != 0)
        return bad;
    AB_INSIST(bad, (const uint8_t *)b->spans == (const uint8_t *)b + HEADER_BYTES &&
                       "span copy right after the header");
    if (bad != 0)
        return bad;
    buddy_layout l;
    AB_INSIST(bad, b->nspans >= 1 && layout_compute(b->spans, b->nspans, &l) &&
                       "spans normalized and small enough");
    if (bad != 0)
        return bad;
    const uint8_t *m = (const uint8_t *)b;
    AB_INSIST(bad, (const uint8_t *)b->spans == m + l.spans_off &&
                       (const uint8_t *)b->base == m + l.base_off &&
                       (const uint8_t *)b->links == m + l.links_off &&
                       b->state == m + l.state_off && "arrays where init put them");
    AB_INSIST(bad, b->total_pages == l.total_pages && b->meta_bytes == l.total &&
                       "totals match the spans");
    uint64_t idx = 0;
    for (size_t s = 0; s < b->nspans && bad == 0; s++) {
        AB_INSIST(bad, b->base[s] == idx && "span bases contiguous");
        idx += b->spans[s].npages;
    }
    return bad;
}

/* Invariant 2: the lists. */
static size_t check_lists(const ab_buddy *b)
{
    size_t bad = 0;
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++) {
        AB_INSIST(bad, (b->head[k] != NIL) == (((b->nonempty >> k) & 1u) != 0) &&
                           "nonempty bit k iff list k non-empty");
        uint32_t prev = NIL, i = b->head[k];
        uint64_t nodes = 0;
        if (b->count[k] == 1) {
            /* A lone block's links are implicit: not followed. */
            AB_INSIST(bad, i < b->total_pages && "lone block index in range");
            if (i < b->total_pages)
                AB_INSIST(bad, b->state[i] == (uint8_t)(ST_FREE | k) && "node state FREE|k");
            continue;
        }
        while (i != NIL) {
            if (i >= b->total_pages || nodes > b->count[k]) {
                bad++; /* "list index out of range, or longer than count" */
                break;
            }
            AB_INSIST(bad, b->links[i].prev == prev && "prev link mirrors next");
            AB_INSIST(bad, b->state[i] == (uint8_t)(ST_FREE | k) && "node state FREE|k");
            nodes++;
            prev = i;
            i = b->links[i].next;
        }
        AB_INSIST(bad, nodes == b->count[k] && "count[k] nodes on list k");
    }
    return bad;
}

/* Invariants 3 to 7: the address-order tiling. */
static size_t check_tiling(const ab_buddy *b)
{
    size_t bad_tile = 0, bad_align = 0, bad_merge = 0, bad = 0;
    uint64_t heads[AB_BUDDY_ORDERS];
    uint64_t free_pages = 0, alloc_pages = 0;
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++)
        heads[k] = 0;
    for (size_t s = 0; s < b->nspans; s++) {
        uint64_t first = b->spans[s].first_page, end = first + b->spans[s].npages;
        uint32_t i = b->base[s];
        uint64_t page = first;
        while (page < end) {
            uint8_t st = b->state[i];
            uint64_t len;
            if ((st & ST_FREE) != 0 && (st & ~(uint8_t)(ST_FREE | ST_ORDER)) == 0) {
                unsigned k = st & ST_ORDER;
                len = (uint64_t)1 << k;
                AB_INSIST(bad_align, (page & (len - 1u)) == 0 && "free block aligned");
                if (len <= end - page) {
                    heads[k]++;
                    free_pages += len;
                    uint64_t bpage = page ^ len;
                    if (k < MAX_ORDER && bpage >= first && bpage + len <= end) {
                        uint8_t bst = b->state[bpage > page ? i + (uint32_t)len : i - (uint32_t)len];
                        AB_INSIST(bad_merge, bst != st && "buddies coalesced");
                    }
                }
            } else if (st == ST_ALLOC) {
                len = b->links[i].next;
                if (len > ((uint64_t)1 << MAX_ORDER))
                    len = 0;
                alloc_pages += len;
            } else {
                len = 0;
            }
            if (len == 0 || len > end - page) {
                bad_tile++; /* "a block head at every tile boundary, inside the span" */
                break;
            }
            for (uint64_t j = 1; j < len; j++)
                if (b->state[i + (uint32_t)j] != 0) {
                    bad_tile++; /* "state 0 inside blocks and allocations" */
                    break;
                }
            page += len;
            i += (uint32_t)len;
        }
    }
    bad += bad_tile + bad_align;
    uint64_t listed = 0;
    for (unsigned k = 0; k < AB_BUDDY_ORDERS; k++) {
        AB_INSIST(bad, heads[k] == b->count[k] && "every free block is on its list");
        listed += (uint64_t)b->count[k] << k;
    }
    bad += bad_merge;
    AB_INSIST(bad, listed == b->free_pages && free_pages == b->free_pages &&
                       "free_pages is the sum of the free blocks");
    AB_INSIST(bad, alloc_pages == b->total_pages - b->free_pages &&
                       "allocated pages are the sum of the allocation lengths");
    return bad;
}

static size_t buddy_check(const void *self)
{
    const ab_buddy *b = (const ab_buddy *)self;
    if (b == NULL)
        return 1;
    size_t bad = check_header(b);
    if (bad != 0)
        return bad;
    bad += check_lists(b);
    bad += check_tiling(b);
    return bad;
}

const ab_strategy ab_strategy_buddy = {
    .name = "buddy",
    .summary = "binary buddy: per-order LIFO lists, split and coalesce, O(max order)",
    .caps = AB_CAP_CONTIG | AB_CAP_HUGE2M,
    .max_npages = (uint64_t)1 << AB_BUDDY_MAX_ORDER,
    .meta_bytes = buddy_meta_bytes,
    .init = buddy_init,
    .alloc = buddy_alloc,
    .free = buddy_free,
    .stats = buddy_stats,
    .walk_free = buddy_walk_free,
    .check = buddy_check,
};
