/*
 * rbtree: address-ordered free ranges in an augmented red-black tree, lowest
 * fit, coalescing (Linux mm/vmalloc.c's free area tree).
 *
 * Algorithm. Every managed page has a 32-bit index (allocbench/pindex.h, gap
 * 1: two ranges whose indices touch lie in one span). The free pages are
 * maximal ranges {start index, npages}, one node each, in a red-black tree
 * ordered by start; each node also keeps max, the largest npages in its
 * subtree, so the root's max is the largest free run. alloc(n) descends: go
 * left while the left subtree's max >= n, else take this node if it holds n
 * pages, else go right; that is the lowest-address range of >= n pages.
 * With an alignment, up to RB_ALIGN_PROBES such ranges are tried in address
 * order, then the lowest range of >= n + align - 1 pages (see rbtree.h for
 * the exact miss policy). The range keeps its head (pages the alignment
 * skips) and its tail (a split in up to three). free finds the ranges before
 * and after the pages in one descent and merges with the left, the right,
 * both or neither. A start bit per page marks the first page of each
 * allocation: AB_EDOUBLE iff the first page lies in a free range, AB_ESIZE
 * iff the start bit is missing, another start or a free page lies inside the
 * n pages, or the page after them is neither free, a span end nor a start.
 *
 * No recursion, no parent links: every update records its root-to-node path
 * in a fixed stack (RB_DEPTH entries; a red-black tree of R < 2^31 nodes is
 * at most 2 log2(R + 1) <= 62 deep) and rebalances bottom-up along it;
 * rotations recompute max for the two nodes they move, so max stays exact.
 * The node of a range starting at index i lives in slot i / 2 (rbtree.h):
 * the pool is sized for the worst case and never runs out.
 *
 * Time. alloc: O(log R) (a constant number of descents). free: O(log R +
 * n / 64). init: O(S log S + pages / 64). stats: O(1). walk_free: O(R).
 *
 * Metadata bytes, with S = spans, I = index space:
 *   128 (header) + 16 S + 4 S (rounded up to 8) + 8 ceil(I / 1024)
 *   + 8 ceil(I / 64) + 16 ceil(I / 2)
 * = 8.13 bytes a page: 2.03 MiB per GiB managed (2 MiB of slots, 32 KiB of
 * start bits, 2 KiB of chunk deltas), 130 MiB for 64 GiB; buddy needs
 * 2.25 MiB per GiB. init touches only the header, the span tables, the
 * start bits and one slot per span.
 */
#include "rbtree.h"

#include "allocbench/bits.h"
#include "allocbench/pindex.h"

#define RBTREE_MAGIC 0x52425452u /* "RBTR" */
#define HEADER_BYTES 128u
#define NIL 0x7fffffffu
#define LINK_MASK 0x7fffffffu
#define TOP_BIT 0x80000000u
#define RB_DEPTH 72u

typedef struct rb_node {
    uint32_t npages; /* > 0 */
    uint32_t max;    /* largest npages in this subtree */
    uint32_t lw;     /* bit 31: red; bits 0..30: left child or NIL */
    uint32_t rw;     /* bit 31: start index & 1; bits 0..30: right child or NIL */
} rb_node;

typedef struct rb_hdr {
    rb_node *nodes;       /* [nslots]: slot i holds the range starting at 2i or 2i + 1 */
    uint64_t *start_bits; /* [words(index_pages)] 1 = first page of an allocation */
    ab_pindex px;         /* spans, bases, chunk deltas (gap 1) */
    uint64_t free_pages;
    uint64_t meta_bytes;
    uint32_t root;        /* NIL when nothing is free */
    uint32_t nruns;       /* nodes in the tree */
    uint32_t nslots;
    uint32_t magic;
} rb_hdr;

_Static_assert(sizeof(rb_hdr) <= HEADER_BYTES, "rbtree header fits its slot");
_Static_assert(sizeof(rb_node) == 16, "16-byte nodes");

typedef struct rb_layout {
    uint64_t index_pages, nslots, bits_off, nodes_off, total;
} rb_layout;

/* Fills *l for these spans. Returns false if they are not normalized or the
 * index space or the metadata would not fit. */
static bool layout_compute(const ab_span *spans, size_t nspans, rb_layout *l)
{
    uint64_t px_bytes;
    if (!ab_pindex_size(spans, nspans, 1, &l->index_pages, &px_bytes))
        return false;
    l->nslots = (l->index_pages + 1u) >> 1;
    if (l->nslots >= NIL)
        return false;
    l->bits_off = HEADER_BYTES + px_bytes;
    l->nodes_off = l->bits_off + ab_bits_words(l->index_pages) * 8u;
    l->total = l->nodes_off + l->nslots * sizeof(rb_node);
    return l->total <= (uint64_t)SIZE_MAX;
}

static size_t rbtree_meta_bytes(const ab_span *spans, size_t nspans)
{
    rb_layout l;
    if (!layout_compute(spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

/* Node fields. NIL reads as an empty, black subtree. */
static uint32_t left_of(const rb_hdr *h, uint32_t x) { return h->nodes[x].lw & LINK_MASK; }
static uint32_t right_of(const rb_hdr *h, uint32_t x) { return h->nodes[x].rw & LINK_MASK; }
static uint32_t node_start(const rb_hdr *h, uint32_t x) { return (x << 1) | (h->nodes[x].rw >> 31); }
static uint32_t sub_max(const rb_hdr *h, uint32_t x) { return x == NIL ? 0 : h->nodes[x].max; }
static bool is_red(const rb_hdr *h, uint32_t x) { return x != NIL && (h->nodes[x].lw & TOP_BIT); }

static void left_set(rb_hdr *h, uint32_t x, uint32_t c)
{
    h->nodes[x].lw = (h->nodes[x].lw & TOP_BIT) | c;
}

static void right_set(rb_hdr *h, uint32_t x, uint32_t c)
{
    h->nodes[x].rw = (h->nodes[x].rw & TOP_BIT) | c;
}

static void red_set(rb_hdr *h, uint32_t x, bool red)
{
    if (x == NIL)
        return;
    h->nodes[x].lw = (h->nodes[x].lw & LINK_MASK) | (red ? TOP_BIT : 0u);
}

static void max_fix(rb_hdr *h, uint32_t x)
{
    uint32_t m = h->nodes[x].npages, l = sub_max(h, left_of(h, x)), r = sub_max(h, right_of(h, x));
    if (l > m)
        m = l;
    if (r > m)
        m = r;
    h->nodes[x].max = m;
}

/* Makes the link of parent (or the root, for NIL) that held old hold new. */
static void link_replace(rb_hdr *h, uint32_t parent, uint32_t old, uint32_t new_x)
{
    if (parent == NIL)
        h->root = new_x;
    else if (left_of(h, parent) == old)
        left_set(h, parent, new_x);
    else
        right_set(h, parent, new_x);
}

static void rotate_left(rb_hdr *h, uint32_t x, uint32_t parent)
{
    uint32_t y = right_of(h, x);
    right_set(h, x, left_of(h, y));
    left_set(h, y, x);
    link_replace(h, parent, x, y);
    max_fix(h, x);
    max_fix(h, y);
}

static void rotate_right(rb_hdr *h, uint32_t x, uint32_t parent)
{
    uint32_t y = left_of(h, x);
    left_set(h, x, right_of(h, y));
    right_set(h, y, x);
    link_replace(h, parent, x, y);
    max_fix(h, x);
    max_fix(h, y);
}

/* Fills path[0..k-1] with the nodes from the root down to the node of start
 * (the last entry) and returns k. The node must exist. */
static unsigned path_to(const rb_hdr *h, uint32_t start, uint32_t *path)
{
    unsigned k = 0;
    uint32_t x = h->root;
    while (x != NIL) {
        AB_ASSERT(k < RB_DEPTH);
        path[k++] = x;
        uint32_t s = node_start(h, x);
        if (start == s)
            return k;
        x = start < s ? left_of(h, x) : right_of(h, x);
    }
    AB_ASSERT(0 && "range is in the tree");
    return k;
}

/* Adds the range [start, start + npages), disjoint from and not adjacent to
 * every range in the tree. */
static void tree_insert(rb_hdr *h, uint32_t start, uint32_t npages)
{
    uint32_t path[RB_DEPTH];
    unsigned k = 0;
    for (uint32_t x = h->root; x != NIL;) {
        AB_ASSERT(k < RB_DEPTH);
        path[k++] = x;
        x = start < node_start(h, x) ? left_of(h, x) : right_of(h, x);
    }
    uint32_t z = start >> 1;
    rb_node *nz = &h->nodes[z];
    nz->npages = npages;
    nz->max = npages;
    nz->lw = TOP_BIT | NIL;
    nz->rw = ((start & 1u) << 31) | NIL;
    if (k == 0)
        h->root = z;
    else if (start < node_start(h, path[k - 1]))
        left_set(h, path[k - 1], z);
    else
        right_set(h, path[k - 1], z);
    for (unsigned i = k; i-- > 0;)
        if (h->nodes[path[i]].max < npages)
            h->nodes[path[i]].max = npages;
    h->nruns++;

    /* path[k - 1] is the parent of x; a red parent is never the root. */
    uint32_t x = z;
    while (k >= 2 && is_red(h, path[k - 1])) {
        uint32_t p = path[k - 1], g = path[k - 2], gg = k >= 3 ? path[k - 3] : NIL;
        if (p == left_of(h, g)) {
            uint32_t u = right_of(h, g);
            if (is_red(h, u)) {
                red_set(h, p, false);
                red_set(h, u, false);
                red_set(h, g, true);
                x = g;
                k -= 2;
                continue;
            }
            if (x == right_of(h, p)) {
                rotate_left(h, p, g);
                uint32_t t = p;
                p = x;
                x = t;
            }
            rotate_right(h, g, gg);
        } else {
            uint32_t u = left_of(h, g);
            if (is_red(h, u)) {
                red_set(h, p, false);
                red_set(h, u, false);
                red_set(h, g, true);
                x = g;
                k -= 2;
                continue;
            }
            if (x == left_of(h, p)) {
                rotate_right(h, p, g);
                uint32_t t = p;
                p = x;
                x = t;
            }
            rotate_left(h, g, gg);
        }
        red_set(h, p, false);
        red_set(h, g, true);
        break;
    }
    red_set(h, h->root, false);
}

/* Removes the node path[k - 1]; path[0..k-1] runs from the root to it.
 * path must have RB_DEPTH entries. */
static void tree_delete_at(rb_hdr *h, uint32_t *path, unsigned k)
{
    unsigned dz = k - 1;
    uint32_t z = path[dz];
    if (left_of(h, z) != NIL && right_of(h, z) != NIL) {
        /* Swap z with its successor y in the tree (slots cannot trade
         * contents: a slot is named by its range's start). */
        uint32_t y = right_of(h, z);
        path[k++] = y;
        while (left_of(h, y) != NIL) {
            y = left_of(h, y);
            AB_ASSERT(k < RB_DEPTH);
            path[k++] = y;
        }
        unsigned dy = k - 1;
        uint32_t zp = dz > 0 ? path[dz - 1] : NIL;
        uint32_t zl = left_of(h, z), zr = right_of(h, z), yr = right_of(h, y);
        bool z_red = is_red(h, z), y_red = is_red(h, y);
        left_set(h, y, zl);
        if (dy == dz + 1) {
            right_set(h, y, z);
        } else {
            right_set(h, y, zr);
            left_set(h, path[dy - 1], z);
        }
        left_set(h, z, NIL);
        right_set(h, z, yr);
        red_set(h, y, z_red);
        red_set(h, z, y_red);
        link_replace(h, zp, z, y);
        path[dz] = y;
        path[dy] = z;
        dz = dy;
    }

    /* z has at most one child, c, which takes its place. */
    uint32_t c = left_of(h, z) != NIL ? left_of(h, z) : right_of(h, z);
    uint32_t p = dz > 0 ? path[dz - 1] : NIL;
    bool x_left = p != NIL && left_of(h, p) == z;
    link_replace(h, p, z, c);
    k = dz; /* path[0..k-1]: the ancestors of c's place */
    for (unsigned i = k; i-- > 0;)
        max_fix(h, path[i]);
    h->nruns--;
    if (is_red(h, z))
        return;

    /* c carries an extra black: push it up or resolve it by rotations. */
    uint32_t x = c;
    while (k > 0 && !is_red(h, x)) {
        uint32_t pp = path[k - 1], g = k >= 2 ? path[k - 2] : NIL;
        if (x_left) {
            uint32_t w = right_of(h, pp);
            AB_ASSERT(w != NIL);
            if (is_red(h, w)) {
                red_set(h, w, false);
                red_set(h, pp, true);
                rotate_left(h, pp, g);
                AB_ASSERT(k < RB_DEPTH);
                path[k - 1] = w;
                path[k] = pp;
                k++;
                g = w;
                w = right_of(h, pp);
            }
            if (!is_red(h, left_of(h, w)) && !is_red(h, right_of(h, w))) {
                red_set(h, w, true);
                x = pp;
                k--;
                x_left = k > 0 && left_of(h, path[k - 1]) == x;
                continue;
            }
            if (!is_red(h, right_of(h, w))) {
                red_set(h, left_of(h, w), false);
                red_set(h, w, true);
                rotate_right(h, w, pp);
                w = right_of(h, pp);
            }
            red_set(h, w, is_red(h, pp));
            red_set(h, pp, false);
            red_set(h, right_of(h, w), false);
            rotate_left(h, pp, g);
        } else {
            uint32_t w = left_of(h, pp);
            AB_ASSERT(w != NIL);
            if (is_red(h, w)) {
                red_set(h, w, false);
                red_set(h, pp, true);
                rotate_right(h, pp, g);
                AB_ASSERT(k < RB_DEPTH);
                path[k - 1] = w;
                path[k] = pp;
                k++;
                g = w;
                w = left_of(h, pp);
            }
            if (!is_red(h, left_of(h, w)) && !is_red(h, right_of(h, w))) {
                red_set(h, w, true);
                x = pp;
                k--;
                x_left = k > 0 && left_of(h, path[k - 1]) == x;
                continue;
            }
            if (!is_red(h, left_of(h, w))) {
                red_set(h, right_of(h, w), false);
                red_set(h, w, true);
                rotate_left(h, w, pp);
                w = left_of(h, pp);
            }
            red_set(h, w, is_red(h, pp));
            red_set(h, pp, false);
            red_set(h, left_of(h, w), false);
            rotate_right(h, pp, g);
        }
        x = h->root;
        break;
    }
    red_set(h, x, false);
}

/* The range of node path[k - 1] (path from the root, as for delete) now
 * starts at new_start and holds npages; it stays between the same
 * neighbours. Its node moves to its new slot. */
static void tree_resize_at(rb_hdr *h, uint32_t *path, unsigned k, uint32_t new_start,
                           uint32_t npages)
{
    uint32_t x = path[k - 1], nx = new_start >> 1;
    if (nx != x) {
        h->nodes[nx] = h->nodes[x];
        link_replace(h, k >= 2 ? path[k - 2] : NIL, x, nx);
        path[k - 1] = nx;
    }
    h->nodes[nx].npages = npages;
    h->nodes[nx].rw = (h->nodes[nx].rw & LINK_MASK) | ((new_start & 1u) << 31);
    for (unsigned i = k; i-- > 0;)
        max_fix(h, path[i]);
}

static void tree_resize(rb_hdr *h, uint32_t start, uint32_t new_start, uint32_t npages)
{
    uint32_t path[RB_DEPTH];
    tree_resize_at(h, path, path_to(h, start, path), new_start, npages);
}

/* The lowest-address node of subtree x with npages >= need; x's max must be
 * >= need. */
static uint32_t fit_in(const rb_hdr *h, uint32_t x, uint64_t need)
{
    for (;;) {
        uint32_t l = left_of(h, x);
        if (l != NIL && h->nodes[l].max >= need)
            x = l;
        else if (h->nodes[x].npages >= need)
            return x;
        else
            x = right_of(h, x);
    }
}

/* fit_in from the root, recording the path: returns k, the node is
 * path[k - 1]. The root's max must be >= need. */
static unsigned fit_lowest_path(const rb_hdr *h, uint64_t need, uint32_t *path)
{
    unsigned k = 0;
    uint32_t x = h->root;
    for (;;) {
        AB_ASSERT(k < RB_DEPTH);
        path[k++] = x;
        uint32_t l = left_of(h, x);
        if (l != NIL && h->nodes[l].max >= need)
            x = l;
        else if (h->nodes[x].npages >= need)
            return k;
        else
            x = right_of(h, x);
    }
}

/* The lowest-address node starting at index lo or above with npages >= need,
 * or NIL. The nodes at or above lo are the nodes where the search for lo
 * turns left, each with its right subtree, deepest (lowest) first. */
static uint32_t fit_from(const rb_hdr *h, uint32_t lo, uint64_t need)
{
    uint32_t turns[RB_DEPTH];
    unsigned k = 0;
    for (uint32_t x = h->root; x != NIL;) {
        if (node_start(h, x) >= lo) {
            AB_ASSERT(k < RB_DEPTH);
            turns[k++] = x;
            x = left_of(h, x);
        } else {
            x = right_of(h, x);
        }
    }
    while (k > 0) {
        uint32_t p = turns[--k];
        if (h->nodes[p].npages >= need)
            return p;
        uint32_t r = right_of(h, p);
        if (sub_max(h, r) >= need)
            return fit_in(h, r, need);
    }
    return NIL;
}

/* Pages from node x's first page to the first multiple of mask + 1. */
static uint64_t node_pad(const rb_hdr *h, uint32_t x, uint64_t mask)
{
    uint64_t page = ab_pindex_page(&h->px, node_start(h, x));
    /* page < 2^52 and mask < 2^63: no overflow. */
    return ((page + mask) & ~mask) - page;
}

static bool node_fits(const rb_hdr *h, uint32_t x, uint64_t n, uint64_t pad)
{
    return pad < h->nodes[x].npages && h->nodes[x].npages - pad >= n;
}

static ab_status rbtree_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    rb_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(spans, nspans, &l) ||
        (uint64_t)meta_len < l.total)
        return AB_EINVAL;
    unsigned char *m = (unsigned char *)meta;
    rb_hdr *h = (rb_hdr *)meta;
    ab_pindex_init(&h->px, m + HEADER_BYTES, spans, nspans, 1);
    h->start_bits = (uint64_t *)(void *)(m + l.bits_off);
    h->nodes = (rb_node *)(void *)(m + l.nodes_off);
    h->meta_bytes = l.total;
    h->nslots = (uint32_t)l.nslots;
    h->root = NIL;
    h->nruns = 0;
    uint64_t words = ab_bits_words(l.index_pages);
    for (uint64_t w = 0; w < words; w++)
        h->start_bits[w] = 0;
    for (size_t i = 0; i < nspans; i++)
        tree_insert(h, h->px.base[i], (uint32_t)spans[i].npages);
    h->free_pages = h->px.total_pages;
    h->magic = RBTREE_MAGIC;
    return AB_OK;
}

static ab_status rbtree_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    rb_hdr *h = (rb_hdr *)self;
    ab_status st = ab_alloc_precheck(&ab_strategy_rbtree, n, align_pages, addr);
    if (st != AB_OK)
        return st;
    if (n > sub_max(h, h->root))
        return AB_ENOMEM;
    uint64_t mask = align_pages > 1u ? align_pages - 1u : 0u;
    uint32_t path[RB_DEPTH];
    unsigned k = fit_lowest_path(h, n, path);
    uint32_t x = path[k - 1], first = x;
    uint64_t pad = 0;
    if (mask != 0) {
        for (unsigned probes = 1;; probes++) {
            pad = node_pad(h, x, mask);
            if (node_fits(h, x, n, pad))
                break;
            /* n <= 2^32 here, so n + mask does not wrap. */
            x = fit_from(h, node_start(h, x) + 1u, probes < RB_ALIGN_PROBES ? n : n + mask);
            if (x == NIL)
                return AB_ENOMEM;
            if (probes == RB_ALIGN_PROBES) {
                pad = node_pad(h, x, mask);
                AB_ASSERT(node_fits(h, x, n, pad));
                break;
            }
        }
    }
    uint32_t start = node_start(h, x), np = h->nodes[x].npages;
    uint32_t head_np = (uint32_t)pad, tail_np = np - head_np - (uint32_t)n;
    uint32_t at = start + head_np;
    if (x != first)
        k = path_to(h, start, path);
    if (head_np == 0 && tail_np == 0) {
        tree_delete_at(h, path, k);
    } else if (head_np == 0) {
        tree_resize_at(h, path, k, at + (uint32_t)n, tail_np);
    } else {
        tree_resize_at(h, path, k, start, head_np);
        if (tail_np != 0)
            tree_insert(h, at + (uint32_t)n, tail_np);
    }
    ab_bit_set(h->start_bits, at);
    h->free_pages -= n;
    *addr = ab_pindex_page(&h->px, at) << AB_PAGE_SHIFT;
    return AB_OK;
}

static ab_status rbtree_free(void *self, uint64_t addr, uint64_t n)
{
    rb_hdr *h = (rb_hdr *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(h->px.spans, h->px.nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint32_t idx = ab_pindex_index(&h->px, s, page);
    uint32_t end = idx + (uint32_t)n; /* precheck: inside the span */

    /* pv: the last range starting at or below idx; nx: the first above.
     * Both lie on the search path for idx, whose prefixes are their paths. */
    uint32_t path[RB_DEPTH];
    unsigned k = 0, kpv = 0, knx = 0;
    uint32_t pv = NIL, nx = NIL;
    for (uint32_t x = h->root; x != NIL;) {
        AB_ASSERT(k < RB_DEPTH);
        path[k++] = x;
        if (node_start(h, x) <= idx) {
            pv = x;
            kpv = k;
            x = right_of(h, x);
        } else {
            nx = x;
            knx = k;
            x = left_of(h, x);
        }
    }
    uint32_t pv_start = pv != NIL ? node_start(h, pv) : 0;
    uint32_t pv_end = pv != NIL ? pv_start + h->nodes[pv].npages : 0;
    if (pv != NIL && idx < pv_end)
        return AB_EDOUBLE;

    /* The allocation at idx: its start bit, no other start and no free page
     * inside the n pages, and no allocated page of it past them. */
    uint32_t nx_start = nx != NIL ? node_start(h, nx) : UINT32_MAX;
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
        uint32_t total = pv_end - pv_start + (uint32_t)n + h->nodes[nx].npages;
        tree_delete_at(h, path, knx);
        tree_resize(h, pv_start, pv_start, total); /* the delete moved nodes */
    } else if (left) {
        tree_resize_at(h, path, kpv, pv_start, pv_end - pv_start + (uint32_t)n);
    } else if (right) {
        tree_resize_at(h, path, knx, idx, h->nodes[nx].npages + (uint32_t)n);
    } else {
        tree_insert(h, idx, (uint32_t)n);
    }
    return AB_OK;
}

/* In-order iteration with an explicit stack of the nodes whose left
 * subtrees are being walked. A tree deeper than RB_DEPTH (broken: check()
 * says so) is cut short. */
typedef struct rb_iter {
    uint32_t stack[RB_DEPTH];
    unsigned d;
} rb_iter;

static void iter_push_left(const rb_hdr *h, rb_iter *it, uint32_t x)
{
    for (; x != NIL && it->d < RB_DEPTH; x = left_of(h, x))
        it->stack[it->d++] = x;
}

static void iter_init(const rb_hdr *h, rb_iter *it)
{
    it->d = 0;
    iter_push_left(h, it, h->root);
}

/* The next node in address order, or NIL. */
static uint32_t iter_next(const rb_hdr *h, rb_iter *it)
{
    if (it->d == 0)
        return NIL;
    uint32_t x = it->stack[--it->d];
    iter_push_left(h, it, right_of(h, x));
    return x;
}

static void rbtree_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const rb_hdr *h = (const rb_hdr *)self;
    rb_iter it;
    iter_init(h, &it);
    for (uint32_t x = iter_next(h, &it); x != NIL; x = iter_next(h, &it))
        if (fn(ctx, ab_pindex_page(&h->px, node_start(h, x)), h->nodes[x].npages) != 0)
            return;
}

static void rbtree_stats(const void *self, ab_stats *out)
{
    const rb_hdr *h = (const rb_hdr *)self;
    out->total_pages = h->px.total_pages;
    out->free_pages = h->free_pages;
    out->largest_free_run = sub_max(h, h->root);
    out->free_runs = h->nruns;
    out->meta_bytes = h->meta_bytes;
}

/* Invariants 3-6: one pre-order walk carrying each node's depth and the
 * black nodes above it. */
static size_t check_shape(const rb_hdr *h, bool *shape_ok)
{
    size_t broken = 0;
    uint32_t stack[2 * RB_DEPTH], depth[2 * RB_DEPTH], blacks[2 * RB_DEPTH];
    unsigned d = 0;
    uint64_t seen = 0;
    bool links_ok = h->root == NIL || h->root < h->nslots, deep_ok = true;
    bool colours_ok = true, height_ok = true, max_ok = true;
    uint32_t leaf_blacks = UINT32_MAX;
    if (h->root != NIL && links_ok) {
        colours_ok = !is_red(h, h->root);
        stack[0] = h->root;
        depth[0] = 1;
        blacks[0] = 0;
        d = 1;
    }
    while (d > 0 && links_ok && deep_ok) {
        d--;
        uint32_t x = stack[d], dep = depth[d], bh = blacks[d] + (is_red(h, x) ? 0u : 1u);
        if (++seen > h->nruns)
            break;
        uint32_t kids[2] = {left_of(h, x), right_of(h, x)};
        uint32_t m = h->nodes[x].npages;
        for (int i = 1; i >= 0; i--) {
            uint32_t c = kids[i];
            if (c == NIL) {
                if (leaf_blacks == UINT32_MAX)
                    leaf_blacks = bh;
                else if (leaf_blacks != bh)
                    height_ok = false;
                continue;
            }
            if (c >= h->nslots) {
                links_ok = false;
                break;
            }
            if (dep >= RB_DEPTH - 1u || d >= 2 * RB_DEPTH) {
                deep_ok = false;
                break;
            }
            if (is_red(h, x) && is_red(h, c))
                colours_ok = false;
            if (h->nodes[c].max > m)
                m = h->nodes[c].max;
            stack[d] = c;
            depth[d] = dep + 1u;
            blacks[d++] = bh;
        }
        if (links_ok && deep_ok && m != h->nodes[x].max)
            max_ok = false;
    }
    bool count_ok = links_ok && deep_ok && seen == h->nruns;
    AB_INSIST(broken, count_ok && "tree well formed: links in the pool, nruns nodes, bounded depth");
    *shape_ok = count_ok;
    if (!count_ok)
        return broken;
    AB_INSIST(broken, colours_ok && "root black, no red node with a red child");
    AB_INSIST(broken, height_ok && "same black height on every path");
    AB_INSIST(broken, max_ok && "max is the subtree's largest range");
    return broken;
}

static size_t rbtree_check(const void *self)
{
    const rb_hdr *h = (const rb_hdr *)self;
    size_t broken = 0;

    /* 1. The header. */
    AB_INSIST(broken, h->magic == RBTREE_MAGIC && "magic");
    if (h->magic != RBTREE_MAGIC)
        return broken;

    /* 2. The page index and the pool size. */
    size_t px_broken = ab_pindex_check(&h->px);
    broken += px_broken;
    if (px_broken != 0)
        return broken;
    uint64_t slots = (h->px.index_pages + 1u) >> 1;
    AB_INSIST(broken, slots == h->nslots && slots < NIL && "pool has ceil(I / 2) slots");
    if (slots != h->nslots || slots >= NIL)
        return broken;

    /* 3-6. Shape, colours, black height, augmentation. */
    bool shape_ok;
    broken += check_shape(h, &shape_ok);
    if (!shape_ok)
        return broken;

    /* 7-9. Ranges, in order. */
    bool ordered = true, inside = true, first = true;
    uint64_t free_pages = 0, prev_end = 0;
    rb_iter it;
    iter_init(h, &it);
    for (uint32_t x = iter_next(h, &it); x != NIL; x = iter_next(h, &it)) {
        uint32_t start = node_start(h, x), np = h->nodes[x].npages;
        size_t s = ab_pindex_span_of(&h->px, start);
        if (np == 0 || s == h->px.nspans || np > h->px.spans[s].npages - (start - h->px.base[s]))
            inside = false;
        if (!first && start <= prev_end)
            ordered = false;
        first = false;
        prev_end = (uint64_t)start + np;
        free_pages += np;
    }
    AB_INSIST(broken, ordered && "ranges ascending and maximal");
    AB_INSIST(broken, inside && "every range non-empty inside one span");
    AB_INSIST(broken, free_pages == h->free_pages && "ranges hold free_pages");
    if (!ordered || !inside)
        return broken;

    /* 10. Start bits: none outside allocated pages, one at each allocated
     * run's first page. */
    bool starts_ok = true;
    uint64_t prev_span_end = 0;
    iter_init(h, &it);
    uint32_t r = iter_next(h, &it);
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint64_t b = h->px.base[s], e = b + h->px.spans[s].npages;
        if (ab_bits_count(h->start_bits, prev_span_end, b - prev_span_end) != 0)
            starts_ok = false;
        prev_span_end = e;
        uint64_t at = b; /* first page not yet looked at */
        for (; r != NIL && node_start(h, r) < e; r = iter_next(h, &it)) {
            uint32_t start = node_start(h, r), np = h->nodes[r].npages;
            if (start > at && !ab_bit_test(h->start_bits, at))
                starts_ok = false;
            if (ab_bits_count(h->start_bits, start, np) != 0)
                starts_ok = false;
            at = (uint64_t)start + np;
        }
        if (at < e && !ab_bit_test(h->start_bits, at))
            starts_ok = false;
    }
    AB_INSIST(broken, starts_ok && "start bits mark where allocations begin");
    return broken;
}

const ab_strategy ab_strategy_rbtree = {
    .name = "rbtree",
    .summary = "address-ordered free ranges in a red-black tree augmented with subtree max "
               "(Linux vmalloc), lowest fit, coalescing: O(log free ranges)",
    .caps = AB_CAP_CONTIG,
    .max_npages = 0,
    .meta_bytes = rbtree_meta_bytes,
    .init = rbtree_init,
    .alloc = rbtree_alloc,
    .free = rbtree_free,
    .stats = rbtree_stats,
    .walk_free = rbtree_walk_free,
    .check = rbtree_check,
};
