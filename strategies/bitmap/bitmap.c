/*
 * bitmap: one bit per page, one pool per span, a run-length tree over words.
 *
 * Algorithm. Each span is a pool with two bitmaps of 64-bit words: the free
 * map (bit set = page free) and the start map (bit set = first page of an
 * allocation, so free() tells EDOUBLE from ESIZE). Over the free map's words
 * sits a complete binary tree; leaf w summarizes word w and every node holds
 * (pre, suf, best): free pages at its low end, at its high end, and its
 * longest free run, all in pages. A pool whose free count is below n, or
 * whose root says best < n, is skipped in O(1).
 *
 *  - alloc(n, align): first fit. The tree finds the leftmost window of n
 *    free pages at or after a position p in O(log W): climb from p's leaf
 *    carrying the free run that reaches each node's low end, then descend
 *    into the first node that holds the window; inside a word, ctz and a
 *    shift-and ladder (O(log n)) find it. Alignment is absolute: if the
 *    window's start is not aligned, the aligned start is checked and p
 *    moves past the first allocated page it meets.
 *  - n = 1 (align <= 1) fast path: a hint word below which every word is
 *    full; the page is its lowest set bit. The tree is updated only when the
 *    word fills up; until then its leaf is "stale": it overstates, so a
 *    search that finds nothing is still right, and one that is misled by it
 *    refreshes the leaf (O(log W)) and searches again. Failed calls write
 *    nothing. Sequential fill: O(1) amortized.
 *  - free(addr, n): binary search for the span (ab_span_find), bit checks
 *    in O(n/64), then the touched leaves and their ancestors are recomputed
 *    level by level: O(n/64 + log W).
 *
 * Time: alloc O(log W + n/64) per candidate window (one candidate when
 * align <= 1), O(1) amortized for single pages; free O(n/64 + log W);
 * init, walk and stats O(W); W = words in the pool = ceil(npages / 64).
 *
 * Metadata, in bytes: 64 (header) + 16 * nspans (span copy) +
 * 64 * nspans (pools), then per span, each array 64-byte aligned:
 * 8 * W (free map) + 8 * W (start map) + 24 * L (tree), where
 * L = 2^ceil(log2 W) leaves. About 160 KiB per GiB when W is a power of two,
 * at most 256 KiB per GiB.
 */
#include "bitmap.h"

#include "allocbench/bits.h"
#include "allocbench/strategy.h"

#define BM_MAGIC 0x706d74696221ab01ull
#define BM_NONE (~(uint64_t)0)
#define BM_STALE (~(uint64_t)1) /* the search met the stale hint leaf */

typedef struct bm_node {
    uint32_t pre;  /* free pages at the low end */
    uint32_t suf;  /* free pages at the high end */
    uint32_t best; /* longest free run */
} bm_node;

typedef struct bm_pool {
    uint64_t first_page;
    uint64_t npages;
    uint64_t free_pages;
    uint64_t nwords;
    uint64_t hint_word;  /* no word below it has a free page */
    uint64_t free_off;   /* byte offsets from the instance */
    uint64_t start_off;
    uint64_t tree_off;
    uint32_t levels;     /* the tree has 2^levels leaves */
    uint32_t hint_stale; /* the hint word's leaf may overstate */
    uint64_t reserved;
} bm_pool;

typedef struct bm_head {
    uint64_t magic;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t meta_bytes;
    uint64_t nspans;
    uint64_t spans_off;
    uint64_t pools_off;
    uint64_t reserved;
} bm_head;

_Static_assert(sizeof(bm_head) == 64, "header is one cache line");
_Static_assert(sizeof(bm_pool) == 80, "pool layout");
_Static_assert(sizeof(bm_node) == 12, "node layout");

/* ---- layout ---------------------------------------------------------- */

static uint64_t align64(uint64_t x) { return (x + 63u) & ~(uint64_t)63u; }

static uint32_t tree_levels(uint64_t nwords) { return ab_log2_ceil(nwords); }

/* Bytes for one pool's arrays. */
static uint64_t pool_bytes(uint64_t npages)
{
    uint64_t nwords = ab_bits_words(npages);
    uint64_t leaves = (uint64_t)1 << tree_levels(nwords);
    return 2u * align64(nwords * 8u) + align64(2u * leaves * sizeof(bm_node));
}

static uint64_t layout_fixed_bytes(uint64_t nspans)
{
    return align64(sizeof(bm_head) + nspans * sizeof(ab_span) +
                   nspans * sizeof(bm_pool));
}

/* Total bytes, or 0 iff the spans are not normalized or too large. */
static size_t bm_meta_bytes(const ab_span *spans, size_t nspans)
{
    if (!ab_spans_normalized(spans, nspans))
        return 0;
    uint64_t total = layout_fixed_bytes(nspans);
    for (size_t i = 0; i < nspans; i++) {
        if (spans[i].npages > BITMAP_MAX_SPAN_PAGES)
            return 0;
        total += pool_bytes(spans[i].npages);
        if (total > (uint64_t)SIZE_MAX)
            return 0;
    }
    return (size_t)total;
}

/* ---- accessors ------------------------------------------------------- */

static ab_span *head_spans(bm_head *h) { return (ab_span *)((char *)h + h->spans_off); }
static const ab_span *head_spans_c(const bm_head *h)
{
    return (const ab_span *)((const char *)h + h->spans_off);
}
static bm_pool *head_pools(bm_head *h) { return (bm_pool *)((char *)h + h->pools_off); }
static const bm_pool *head_pools_c(const bm_head *h)
{
    return (const bm_pool *)((const char *)h + h->pools_off);
}
static uint64_t *pool_free(bm_head *h, const bm_pool *pl)
{
    return (uint64_t *)((char *)h + pl->free_off);
}
static const uint64_t *pool_free_c(const bm_head *h, const bm_pool *pl)
{
    return (const uint64_t *)((const char *)h + pl->free_off);
}
static uint64_t *pool_start(bm_head *h, const bm_pool *pl)
{
    return (uint64_t *)((char *)h + pl->start_off);
}
static const uint64_t *pool_start_c(const bm_head *h, const bm_pool *pl)
{
    return (const uint64_t *)((const char *)h + pl->start_off);
}
static bm_node *pool_tree(bm_head *h, const bm_pool *pl)
{
    return (bm_node *)((char *)h + pl->tree_off);
}
static const bm_node *pool_tree_c(const bm_head *h, const bm_pool *pl)
{
    return (const bm_node *)((const char *)h + pl->tree_off);
}

/* ---- word and node summaries ----------------------------------------- */

/* (pre, suf, best) of one free-map word. */
static bm_node word_summary(uint64_t x)
{
    bm_node v;
    if (x == 0) {
        v.pre = v.suf = v.best = 0;
        return v;
    }
    if (~x == 0) {
        v.pre = v.suf = v.best = 64;
        return v;
    }
    v.pre = ab_ctz64(~x);
    v.suf = ab_clz64(~x);
    unsigned best = v.pre > v.suf ? v.pre : v.suf;
    unsigned left = 64;
    /* Runs one by one; stop once no remaining run can beat best. */
    while (x != 0 && left > best) {
        unsigned zeros = ab_ctz64(x);
        x >>= zeros;
        left -= zeros;
        unsigned run = ab_ctz64(~x); /* x has zeros shifted in: ~x != 0 */
        if (run > best)
            best = run;
        x = run >= 64 ? 0 : x >> run;
        left -= run;
    }
    v.best = best;
    return v;
}

/* Parent of two children that are child_pages long each. */
static bm_node node_combine(bm_node l, bm_node r, uint64_t child_pages)
{
    bm_node v;
    v.pre = (uint64_t)l.pre == child_pages ? (uint32_t)(child_pages + r.pre) : l.pre;
    v.suf = (uint64_t)r.suf == child_pages ? (uint32_t)(child_pages + l.suf) : r.suf;
    uint32_t best = l.best > r.best ? l.best : r.best;
    uint32_t mid = l.suf + r.pre;
    v.best = mid > best ? mid : best;
    return v;
}

static bool node_equal(bm_node a, bm_node b)
{
    return a.pre == b.pre && a.suf == b.suf && a.best == b.best;
}

/*
 * Bit i of the result is set iff bits i .. i+n-1 of x are all set
 * (1 <= n <= 64): the shift-and ladder, O(log n).
 */
static uint64_t word_windows(uint64_t x, uint64_t n)
{
    uint64_t have = 1;
    while (have < n && x != 0) {
        uint64_t step = have < n - have ? have : n - have;
        x &= x >> step;
        have += step;
    }
    return x;
}

/* Free pages at the high end of x. */
static uint64_t word_top_run(uint64_t x) { return ~x == 0 ? 64u : ab_clz64(~x); }

/* ---- tree maintenance ------------------------------------------------ */

/*
 * Recomputes the leaves of words [wlo, whi] from the free map, then their
 * ancestors level by level: O(whi - wlo + levels).
 */
static void pool_update(bm_head *h, bm_pool *pl, uint64_t wlo, uint64_t whi)
{
    const uint64_t *fr = pool_free(h, pl);
    bm_node *t = pool_tree(h, pl);
    size_t base = (size_t)1 << pl->levels;
    for (uint64_t w = wlo; w <= whi; w++)
        t[base + (size_t)w] = word_summary(fr[w]);
    size_t lo = base + (size_t)wlo, hi = base + (size_t)whi;
    uint64_t child_pages = 64;
    while (lo > 1) {
        lo >>= 1;
        hi >>= 1;
        for (size_t i = lo; i <= hi; i++)
            t[i] = node_combine(t[2 * i], t[2 * i + 1], child_pages);
        child_pages <<= 1;
    }
    if (pl->hint_word >= wlo && pl->hint_word <= whi)
        pl->hint_stale = 0;
}

/* Makes the tree exact again if the fast path left the hint leaf stale. */
static void pool_settle(bm_head *h, bm_pool *pl)
{
    if (pl->hint_stale)
        pool_update(h, pl, pl->hint_word, pl->hint_word);
}

/*
 * The nodes pool_settle() rewrites: the hint leaf and its ancestors, at most
 * 27 of them (a span has at most 2^26 words).
 */
typedef struct bm_path {
    bm_node node[40];
} bm_path;

static void pool_path_save(const bm_head *h, const bm_pool *pl, bm_path *saved)
{
    const bm_node *t = pool_tree_c(h, pl);
    size_t i = ((size_t)1 << pl->levels) + (size_t)pl->hint_word;
    for (unsigned k = 0; i >= 1; k++, i >>= 1)
        saved->node[k] = t[i];
}

/* Undoes a pool_settle() after a search that failed anyway. */
static void pool_path_restore(bm_head *h, bm_pool *pl, const bm_path *saved)
{
    bm_node *t = pool_tree(h, pl);
    size_t i = ((size_t)1 << pl->levels) + (size_t)pl->hint_word;
    for (unsigned k = 0; i >= 1; k++, i >>= 1)
        t[i] = saved->node[k];
    pl->hint_stale = 1;
}

/* The leftmost word with a free page; the pool has one and is settled. */
static uint64_t pool_first_free_word(const bm_head *h, const bm_pool *pl)
{
    const bm_node *t = pool_tree_c(h, pl);
    size_t base = (size_t)1 << pl->levels;
    size_t i = 1;
    while (i < base) {
        i *= 2;
        if (t[i].best == 0)
            i++;
    }
    return (uint64_t)(i - base);
}

/*
 * The leftmost x >= p with pages [x, x + n) all free, or BM_NONE. p is below
 * npages. O(levels + log n). Tree values only ever overstate (invariant 6),
 * so BM_NONE is always right; with the hint leaf stale, a candidate may be
 * false (the caller verifies it) or the search may end in BM_STALE.
 */
static uint64_t pool_find_window(const bm_head *h, const bm_pool *pl, uint64_t n,
                                 uint64_t p)
{
    const uint64_t *fr = pool_free_c(h, pl);
    const bm_node *t = pool_tree_c(h, pl);
    uint32_t levels = pl->levels;
    size_t base = (size_t)1 << levels;
    uint64_t w = p >> 6;

    /* p's own word, with the pages below p masked off. */
    uint64_t x = fr[w] & ~(((uint64_t)1 << (p & 63u)) - 1u);
    if (n <= 64) {
        uint64_t y = word_windows(x, n);
        if (y != 0)
            return (w << 6) + ab_ctz64(y);
    }
    uint64_t run = word_top_run(x); /* free pages reaching the next node */

    /* Climb: visit the maximal subtrees right of p, in address order. */
    size_t i = base + (size_t)w;
    unsigned height = 0; /* node i covers 64 << height pages */
    for (;;) {
        while (i & 1u) {
            i >>= 1;
            height++;
        }
        if (i == 0)
            return BM_NONE;
        i++;
        uint64_t node_pages = (uint64_t)64 << height;
        uint64_t node_first = ((uint64_t)i - ((uint64_t)1 << (levels - height))) << (height + 6);
        if (run + t[i].pre >= n)
            return node_first - run;
        if (t[i].best >= n)
            break;
        run = t[i].pre == node_pages ? run + node_pages : t[i].suf;
    }

    /* Descend into node i, which holds the window; run + pre(i) < n. */
    while (i < base) {
        size_t l = 2 * i;
        height--;
        uint64_t child_pages = (uint64_t)64 << height;
        if (t[l].best >= n) {
            i = l;
            continue;
        }
        run = t[l].pre == child_pages ? run + child_pages : t[l].suf;
        i = l + 1;
        if (run + t[i].pre >= n) {
            uint64_t node_first =
                ((uint64_t)i - ((uint64_t)1 << (levels - height))) << (height + 6);
            return node_first - run;
        }
    }
    /* A leaf whose word holds the whole window (so n <= 64). */
    w = (uint64_t)(i - base);
    uint64_t y = word_windows(fr[w], n);
    if (y == 0) {
        AB_ASSERT(pl->hint_stale && w == pl->hint_word);
        return BM_STALE;
    }
    return (w << 6) + ab_ctz64(y);
}

/* Marks [x, x + n) allocated with x as the start, and updates the tree. */
static void pool_take(bm_head *h, bm_pool *pl, uint64_t x, uint64_t n)
{
    ab_bits_fill(pool_free(h, pl), x, n, false);
    ab_bit_set(pool_start(h, pl), x);
    pl->free_pages -= n;
    h->free_pages -= n;
    pool_update(h, pl, x >> 6, (x + n - 1) >> 6);
}

/*
 * The first index >= x (within the pool) whose page number is a multiple of
 * align, or BM_NONE if there is none below npages.
 */
static uint64_t pool_align_up(const bm_pool *pl, uint64_t x, uint64_t align)
{
    uint64_t rem = (pl->first_page + x) & (align - 1);
    if (rem == 0)
        return x;
    uint64_t add = align - rem;
    if (add >= pl->npages - x)
        return BM_NONE;
    return x + add;
}

/*
 * First fit of n pages at alignment align in one pool, or BM_NONE, or
 * BM_STALE when the stale hint leaf misled the search (settle and retry).
 * Writes nothing, so that a failed alloc() changes nothing.
 */
static uint64_t pool_search(const bm_head *h, const bm_pool *pl, uint64_t n, uint64_t align)
{
    const uint64_t *fr = pool_free_c(h, pl);
    uint64_t p = 0;
    while (p < pl->npages) {
        uint64_t x = pool_find_window(h, pl, n, p);
        if (x == BM_NONE || x == BM_STALE)
            return x;
        if (pl->hint_stale && !ab_bits_all(fr, x, n, true))
            return BM_STALE;
        uint64_t xa = pool_align_up(pl, x, align);
        if (xa == x)
            return x;
        if (xa == BM_NONE || n > pl->npages - xa)
            return BM_NONE;
        /* [x, x + n) is free: only [max(xa, x + n), xa + n) is unknown. */
        uint64_t from = xa > x + n ? xa : x + n;
        uint64_t used = ab_bits_find(fr, from, xa + n, false);
        if (used == xa + n)
            return xa;
        p = used + 1;
    }
    return BM_NONE;
}

/* ---- the interface ---------------------------------------------------- */

static ab_status bm_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    if (!ab_meta_aligned(meta))
        return AB_EINVAL;
    size_t need = bm_meta_bytes(spans, nspans);
    if (need == 0 || meta_len < need)
        return AB_EINVAL;

    bm_head *h = (bm_head *)meta;
    h->magic = BM_MAGIC;
    h->meta_bytes = need;
    h->nspans = nspans;
    h->spans_off = sizeof(bm_head);
    h->pools_off = sizeof(bm_head) + nspans * sizeof(ab_span);
    h->reserved = 0;
    h->total_pages = 0;

    ab_span *sp = head_spans(h);
    bm_pool *pools = head_pools(h);
    uint64_t off = layout_fixed_bytes(nspans);
    for (size_t k = 0; k < nspans; k++) {
        bm_pool *pl = &pools[k];
        uint64_t npages = spans[k].npages;
        uint64_t nwords = ab_bits_words(npages);
        sp[k] = spans[k];
        pl->first_page = spans[k].first_page;
        pl->npages = npages;
        pl->free_pages = npages;
        pl->nwords = nwords;
        pl->hint_word = 0;
        pl->hint_stale = 0;
        pl->levels = tree_levels(nwords);
        pl->reserved = 0;
        pl->free_off = off;
        pl->start_off = off + align64(nwords * 8u);
        pl->tree_off = pl->start_off + align64(nwords * 8u);
        off += pool_bytes(npages);
        h->total_pages += npages;

        uint64_t *fr = pool_free(h, pl);
        uint64_t *st = pool_start(h, pl);
        bm_node *t = pool_tree(h, pl);
        unsigned tail = (unsigned)(npages & 63u);
        for (uint64_t w = 0; w < nwords; w++) {
            fr[w] = ~(uint64_t)0;
            st[w] = 0;
        }
        if (tail != 0)
            fr[nwords - 1] = ab_word_mask(0, tail);

        size_t base = (size_t)1 << pl->levels;
        for (size_t w = 0; w < base; w++)
            t[base + w] = word_summary(w < nwords ? fr[w] : 0);
        /* Bottom-up; nodes of one level share their children's length. */
        uint64_t child_pages = 64;
        for (size_t lo = base >> 1; lo >= 1; lo >>= 1) {
            for (size_t i = lo; i < 2 * lo; i++)
                t[i] = node_combine(t[2 * i], t[2 * i + 1], child_pages);
            child_pages <<= 1;
        }
        t[0].pre = t[0].suf = t[0].best = 0;
    }
    h->free_pages = h->total_pages;
    return AB_OK;
}

static ab_status bm_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_status s = ab_alloc_precheck(&ab_strategy_bitmap, n, align_pages, addr);
    if (s != AB_OK)
        return s;
    bm_head *h = (bm_head *)self;
    if (h->free_pages < n)
        return AB_ENOMEM;
    bm_pool *pools = head_pools(h);
    size_t nspans = (size_t)h->nspans;

    if (n == 1 && align_pages <= 1) {
        for (size_t k = 0; k < nspans; k++) {
            bm_pool *pl = &pools[k];
            if (pl->free_pages == 0)
                continue;
            uint64_t *fr = pool_free(h, pl);
            uint64_t w = pl->hint_word;
            if (fr[w] == 0) {
                pool_settle(h, pl);
                w = pool_first_free_word(h, pl);
                pl->hint_word = w;
            }
            unsigned bit = ab_ctz64(fr[w]);
            fr[w] &= fr[w] - 1u;
            uint64_t x = (w << 6) + bit;
            ab_bit_set(pool_start(h, pl), x);
            pl->free_pages--;
            h->free_pages--;
            if (fr[w] == 0)
                pool_update(h, pl, w, w);
            else
                pl->hint_stale = 1;
            *addr = (pl->first_page + x) << AB_PAGE_SHIFT;
            return AB_OK;
        }
        return AB_ENOMEM;
    }

    uint64_t align = align_pages == 0 ? 1 : align_pages;
    for (size_t k = 0; k < nspans; k++) {
        bm_pool *pl = &pools[k];
        if (pl->free_pages < n || pool_tree_c(h, pl)[1].best < n)
            continue;
        uint64_t x = pool_search(h, pl, n, align);
        if (x == BM_STALE) {
            bm_path saved;
            pool_path_save(h, pl, &saved);
            pool_settle(h, pl);
            x = pool_search(h, pl, n, align);
            if (x == BM_NONE || x == BM_STALE)
                pool_path_restore(h, pl, &saved); /* failed: write nothing */
        }
        if (x == BM_NONE || x == BM_STALE)
            continue;
        pool_take(h, pl, x, n);
        *addr = (pl->first_page + x) << AB_PAGE_SHIFT;
        return AB_OK;
    }
    return AB_ENOMEM;
}

static ab_status bm_free(void *self, uint64_t addr, uint64_t n)
{
    bm_head *h = (bm_head *)self;
    size_t k;
    uint64_t page;
    ab_status s = ab_free_precheck(head_spans_c(h), (size_t)h->nspans, addr, n, &k, &page);
    if (s != AB_OK)
        return s;
    bm_pool *pl = &head_pools(h)[k];
    uint64_t *fr = pool_free(h, pl);
    uint64_t *st = pool_start(h, pl);
    uint64_t idx = page - pl->first_page;
    uint64_t end = idx + n; /* <= npages, by the precheck */

    if (ab_bit_test(fr, idx))
        return AB_EDOUBLE;
    if (!ab_bit_test(st, idx))
        return AB_ESIZE; /* the middle of an allocation */
    if (ab_bits_find(fr, idx, end, true) != end)
        return AB_ESIZE; /* n too big: runs into free pages */
    if (n > 1 && ab_bits_find(st, idx + 1, end, true) != end)
        return AB_ESIZE; /* n too big: runs into the next allocation */
    if (end < pl->npages && !ab_bit_test(fr, end) && !ab_bit_test(st, end))
        return AB_ESIZE; /* n too small: the allocation goes on */

    ab_bits_fill(fr, idx, n, true);
    ab_bit_clear(st, idx);
    pl->free_pages += n;
    h->free_pages += n;
    uint64_t wlo = idx >> 6, whi = (end - 1) >> 6;
    if (wlo < pl->hint_word) {
        pool_settle(h, pl);
        pl->hint_word = wlo;
    }
    pool_update(h, pl, wlo, whi);
    return AB_OK;
}

static void bm_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const bm_head *h = (const bm_head *)self;
    const bm_pool *pools = head_pools_c(h);
    for (size_t k = 0; k < (size_t)h->nspans; k++) {
        const bm_pool *pl = &pools[k];
        if (pl->free_pages == 0)
            continue;
        const uint64_t *fr = pool_free_c(h, pl);
        uint64_t pos = pl->hint_word << 6; /* nothing free below the hint */
        while (pos < pl->npages) {
            uint64_t first = ab_bits_find(fr, pos, pl->npages, true);
            if (first == pl->npages)
                break;
            uint64_t end = ab_bits_find(fr, first, pl->npages, false);
            if (fn(ctx, pl->first_page + first, end - first) != 0)
                return;
            pos = end;
        }
    }
}

static void bm_stats(const void *self, ab_stats *out)
{
    const bm_head *h = (const bm_head *)self;
    out->total_pages = h->total_pages;
    out->meta_bytes = h->meta_bytes;
    ab_stats_from_walk(&ab_strategy_bitmap, self, out);
}

/* ---- check ------------------------------------------------------------ */

static size_t bm_check(const void *self)
{
    const bm_head *h = (const bm_head *)self;
    size_t broken = 0;

    /* 1. header */
    bool head_ok = h->magic == BM_MAGIC && h->nspans >= 1 &&
                   h->spans_off == sizeof(bm_head) &&
                   h->pools_off == sizeof(bm_head) + h->nspans * sizeof(ab_span) &&
                   layout_fixed_bytes(h->nspans) <= h->meta_bytes;
    AB_INSIST(broken, head_ok && "header fields");
    if (!head_ok)
        return broken;
    const ab_span *sp = head_spans_c(h);
    const bm_pool *pools = head_pools_c(h);
    size_t nspans = (size_t)h->nspans;
    bool spans_ok = ab_spans_normalized(sp, nspans);
    uint64_t total = 0;
    for (size_t k = 0; k < nspans && spans_ok; k++) {
        const bm_pool *pl = &pools[k];
        uint64_t leaves = pl->levels < 40 ? (uint64_t)1 << pl->levels : 0;
        spans_ok = pl->first_page == sp[k].first_page && pl->npages == sp[k].npages &&
                   pl->npages <= BITMAP_MAX_SPAN_PAGES &&
                   pl->nwords == ab_bits_words(pl->npages) && pl->levels < 40 &&
                   leaves >= pl->nwords && (pl->free_off & 7u) == 0 && (pl->start_off & 7u) == 0 &&
                   (pl->tree_off & 3u) == 0 &&
                   pl->free_off + pl->nwords * 8 <= h->meta_bytes &&
                   pl->start_off + pl->nwords * 8 <= h->meta_bytes &&
                   pl->tree_off + 2 * leaves * sizeof(bm_node) <= h->meta_bytes;
        total += pl->npages;
    }
    AB_INSIST(broken, spans_ok && total == h->total_pages && "spans and pools agree");
    if (!spans_ok)
        return broken;

    bool pad_ok = true, start_ok = true, cover_ok = true, count_ok = true;
    bool leaf_ok = true, node_ok = true, hint_ok = true;
    uint64_t free_sum = 0;
    for (size_t k = 0; k < nspans; k++) {
        const bm_pool *pl = &pools[k];
        const uint64_t *fr = pool_free_c(h, pl);
        const uint64_t *st = pool_start_c(h, pl);
        const bm_node *t = pool_tree_c(h, pl);
        uint64_t nwords = pl->nwords;
        size_t base = (size_t)1 << pl->levels;

        /* 2. padding */
        unsigned tail = (unsigned)(pl->npages & 63u);
        if (tail != 0) {
            uint64_t pad = ~ab_word_mask(0, tail);
            if ((fr[nwords - 1] & pad) != 0 || (st[nwords - 1] & pad) != 0)
                pad_ok = false;
        }

        uint64_t nfree = 0;
        bool prev_used = false; /* the page before word w's first page */
        for (uint64_t w = 0; w < nwords; w++) {
            uint64_t valid = (w == nwords - 1 && tail != 0) ? ab_word_mask(0, tail) : ~(uint64_t)0;
            uint64_t f = fr[w] & valid;
            uint64_t used = ~fr[w] & valid;
            uint64_t s = st[w] & valid;
            /* 3. starts only on allocated pages */
            if ((s & f) != 0)
                start_ok = false;
            /* 4. used page without a start bit follows a used page */
            uint64_t prev = (used << 1) | (prev_used ? 1u : 0u);
            if ((used & ~s & ~prev) != 0)
                cover_ok = false;
            prev_used = (used >> 63) & 1u;
            nfree += ab_popcount64(f);

            /* 6. leaves */
            bm_node exact = word_summary(fr[w]);
            bm_node leaf = t[base + (size_t)w];
            if (pl->hint_stale && w == pl->hint_word) {
                if (leaf.pre < exact.pre || leaf.suf < exact.suf || leaf.best < exact.best ||
                    fr[w] == 0)
                    leaf_ok = false;
            } else if (!node_equal(leaf, exact)) {
                leaf_ok = false;
            }
            /* 8. nothing free below the hint */
            if (w < pl->hint_word && fr[w] != 0)
                hint_ok = false;
        }
        for (size_t w = (size_t)nwords; w < base; w++)
            if (t[base + w].pre != 0 || t[base + w].suf != 0 || t[base + w].best != 0)
                leaf_ok = false;

        /* 5. counts */
        if (nfree != pl->free_pages)
            count_ok = false;
        free_sum += nfree;

        /* 7. internal nodes */
        uint64_t child_pages = 64;
        for (size_t lo = base >> 1; lo >= 1; lo >>= 1) {
            for (size_t i = lo; i < 2 * lo; i++)
                if (!node_equal(t[i], node_combine(t[2 * i], t[2 * i + 1], child_pages)))
                    node_ok = false;
            child_pages <<= 1;
        }
        if (pl->hint_word >= nwords)
            hint_ok = false;
    }
    AB_INSIST(broken, pad_ok && "padding bits clear");
    AB_INSIST(broken, start_ok && "start bits only on allocated pages");
    AB_INSIST(broken, cover_ok && "every allocated page belongs to an allocation");
    AB_INSIST(broken, count_ok && free_sum == h->free_pages && "free counts recounted");
    AB_INSIST(broken, leaf_ok && "leaves summarize their words");
    AB_INSIST(broken, node_ok && "nodes combine their children");
    AB_INSIST(broken, hint_ok && "no free page below the hint");
    return broken;
}

const ab_strategy ab_strategy_bitmap = {
    .name = "bitmap",
    .summary = "bit per page, pool per span, run-length tree over 64-bit words: "
               "first fit O(log W), single pages O(1) amortized",
    .caps = AB_CAP_CONTIG,
    .max_npages = 0,
    .meta_bytes = bm_meta_bytes,
    .init = bm_init,
    .alloc = bm_alloc,
    .free = bm_free,
    .stats = bm_stats,
    .walk_free = bm_walk_free,
    .check = bm_check,
};
