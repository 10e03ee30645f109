/*
 * vmem: boundary-tagged segments on power-of-two free lists, instant fit or
 * best fit (Bonwick & Adams, USENIX 2001).
 *
 * Exception to the one-export habit: this file exports two objects,
 * ab_strategy_vmem (instant fit) and ab_strategy_vmem_bestfit (best fit).
 * Both are built from the same static functions; their init wrappers store
 * the policy in the instance and alloc dispatches on it. The variant has
 * its own line in strategies.def and a folder strategies/vmem_bestfit/ whose
 * .c defines nothing, so that "one line = strategies/<name>/<name>.c" holds
 * for every consumer of the list unchanged.
 *
 * Algorithm. Every managed page has a 32-bit index (allocbench/pindex.h,
 * gap 1: the index just past each span is a sentinel that never belongs to a
 * segment). A span is tiled, in address order, by segments, free or
 * allocated; a free segment is maximal (never next to another free one), so
 * free segments are exactly the maximal free runs. A segment's tag is not a
 * separate node: it is the tag slot {a, b} (two 32-bit words) of its first
 * page, plus the slots of its second and last pages, and 2 state bits per
 * page say which pages are tags:
 *   ALLOC on the first page of an allocated segment of n pages:
 *         slot[first].a = n, slot[last].b = n (last = first + n - 1);
 *   FREE  on the first page of a free segment of m pages:
 *         slot[first] = {next, prev} on its free list; if m >= 2,
 *         slot[first + 1].a = m, slot[last].b = m and TAIL on its last page;
 *         m = 1 is implied by an ALLOC state on the next page (a free
 *         segment's neighbours are allocated or the span's end, whose
 *         sentinel is ALLOC);
 *   0     on every other page.
 * The tags form the address-ordered doubly linked segment list of a span:
 * the next segment starts at first + length, the previous one at first minus
 * the length its last page's tag holds (a FREE state there: one page). That
 * is all free needs to coalesce with both neighbours in O(1), and the
 * ALLOC state with its length is the direct per-page allocation index: free
 * checks the exact size in O(1). The tag pool is therefore the per-page slot
 * array itself, sized for the bound of every page its own segment; a
 * segment's tag is found from its address, so no free stack is needed.
 * (Explicit 24-byte tags in a pool of that bound would cost 6 MiB per GiB,
 * above buddy's 2.25.)
 *
 * Free list k holds the free segments of [2^k, 2^(k+1)) pages, LIFO, with a
 * bit per list in a non-empty mask. alloc(n, align) needs a segment holding
 * n pages at an absolute page alignment; any segment of n + align - 1 pages
 * does. Instant fit: the first segment of the smallest non-empty list
 * k >= ceil(log2(n + align - 1)), one ctz on the mask; when there is none,
 * first fit over the lists from floor(log2 n) up to k (the only ones that
 * may hold a fit), at most AB_VMEM_FALLBACK_SCAN segments (vmem.h says what
 * that misses and why it is bounded). Best fit: from list floor(log2 n) up, the first list
 * holding a fit is walked whole for the smallest fitting segment (ties:
 * lowest address). The allocation is cut at the segment's first aligned
 * page; the pages before it and after it stay free as up to two segments.
 * free(addr, n): the page's state must be ALLOC with length n; the segment
 * merges with a free left neighbour (found through the tag of the page
 * before) and a free right neighbour (the page after), and goes on its list.
 *
 * Time. alloc: O(1) for instant fit (one ctz, or a fallback of at most 16
 * segments); best fit O(segments on the lists walked). free: O(log nspans) span lookup + O(1). init: O(spans) + one
 * clear of the state bits (O(I / 32) words). stats: O(1) + a walk of the
 * highest non-empty list for largest_free_run. walk_free: O(segments).
 * check: O(I).
 *
 * Metadata bytes, with S = spans and I = index space (< P + 1025 S):
 *   H (header: 512) + 16 S + 4 S (rounded up to 8) + 8 ceil(I / 1024)
 *   + 8 I (tag slots) + 8 ceil((I + 1) / 32) (state bits)
 * = 8.258 I + O(S): 2,164,736 + O(S) bytes = 2.065 MiB per GiB managed, 132.1
 * MiB for 64 GiB (one span); buddy needs 9 P = 2.25 MiB per GiB. I < 2^32 - 1.
 */
#include "vmem.h"

#include "allocbench/bits.h"
#include "allocbench/pindex.h"

#define VMEM_MAGIC 0x564d454du /* "VMEM" */
#define HEADER_BYTES 512u
#define NLISTS AB_VMEM_LISTS
#define NIL UINT32_MAX
#ifndef VMEM_FALLBACK_SCAN
#define VMEM_FALLBACK_SCAN AB_VMEM_FALLBACK_SCAN
#endif

/* Page states, 2 bits a page. */
#define ST_NONE 0u
#define ST_ALLOC 1u /* first page of an allocation, and the span sentinels */
#define ST_FREE 2u  /* first page of a free segment */
#define ST_TAIL 3u  /* last page of a free segment of two pages or more */

#define POLICY_INSTANT 1u
#define POLICY_BEST 2u

typedef struct vm_slot {
    uint32_t a, b;
} vm_slot;

typedef struct vm_hdr {
    vm_slot *slot;      /* [index_pages] tag slots */
    uint64_t *state;    /* [words(2 (index_pages + 1))] 2 bits a page */
    ab_pindex px;       /* spans, bases, chunk deltas (gap 1) */
    uint64_t free_pages;
    uint64_t meta_bytes;
    uint64_t nfree;     /* free segments */
    uint64_t nalloc;    /* allocated segments */
    uint32_t head[NLISTS];
    uint32_t count[NLISTS];
    uint32_t nonempty;  /* bit k iff head[k] != NIL */
    uint32_t policy;
    uint32_t magic;
} vm_hdr;

_Static_assert(sizeof(vm_hdr) <= HEADER_BYTES, "vmem header fits its slot");
_Static_assert(sizeof(vm_slot) == 8, "8-byte tag slots");
_Static_assert(NLISTS == 32u, "the non-empty mask is one 32-bit word");

typedef struct vm_layout {
    uint64_t index_pages, slots_off, state_off, state_words, total;
} vm_layout;

/* Fills *l for these spans. Returns false if they are not normalized or the
 * index space (with its last sentinel) would not fit 32 bits. */
static bool layout_compute(const ab_span *spans, size_t nspans, vm_layout *l)
{
    uint64_t px_bytes;
    if (!ab_pindex_size(spans, nspans, 1, &l->index_pages, &px_bytes))
        return false;
    if (l->index_pages >= (uint64_t)NIL)
        return false;
    l->slots_off = HEADER_BYTES + px_bytes;
    l->state_off = l->slots_off + l->index_pages * sizeof(vm_slot);
    l->state_words = (l->index_pages + 1u + 31u) >> 5;
    l->total = l->state_off + l->state_words * 8u;
    return l->total <= (uint64_t)SIZE_MAX;
}

static size_t vmem_meta_bytes(const ab_span *spans, size_t nspans)
{
    vm_layout l;
    if (!layout_compute(spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

static unsigned st_get(const vm_hdr *h, uint32_t i)
{
    return (unsigned)(h->state[i >> 5] >> ((i & 31u) << 1)) & 3u;
}

static void st_set(vm_hdr *h, uint32_t i, unsigned v)
{
    unsigned sh = (i & 31u) << 1;
    uint64_t *w = &h->state[i >> 5];
    *w = (*w & ~(3ull << sh)) | ((uint64_t)v << sh);
}

/* Length of the free segment whose first page is x. */
static uint32_t free_len(const vm_hdr *h, uint32_t x)
{
    return st_get(h, x + 1u) == ST_ALLOC ? 1u : h->slot[x + 1u].a;
}

/* Length of the segment whose first page is x (state ALLOC or FREE). */
static uint32_t seg_len(const vm_hdr *h, uint32_t x)
{
    return st_get(h, x) == ST_ALLOC ? h->slot[x].a : free_len(h, x);
}

static uint64_t index_page(const vm_hdr *h, uint32_t x) { return ab_pindex_page(&h->px, x); }

static void list_push(vm_hdr *h, uint32_t x, uint32_t m)
{
    unsigned k = ab_log2_floor(m);
    uint32_t first = h->head[k];
    h->slot[x].a = first;
    h->slot[x].b = NIL;
    if (first != NIL)
        h->slot[first].b = x;
    h->head[k] = x;
    h->count[k]++;
    h->nonempty |= 1u << k;
}

static void list_unlink(vm_hdr *h, uint32_t x, uint32_t m)
{
    unsigned k = ab_log2_floor(m);
    uint32_t next = h->slot[x].a, prev = h->slot[x].b;
    if (prev != NIL)
        h->slot[prev].a = next;
    else
        h->head[k] = next;
    if (next != NIL)
        h->slot[next].b = prev;
    h->count[k]--;
    if (h->head[k] == NIL)
        h->nonempty &= ~(1u << k);
}

/* Makes [x, x + m) a free segment and puts it on its list. Its neighbours
 * must be allocated (or sentinels) and its inner pages in state 0. */
static void seg_make_free(vm_hdr *h, uint32_t x, uint32_t m)
{
    st_set(h, x, ST_FREE);
    if (m >= 2u) {
        h->slot[x + 1u].a = m;
        h->slot[x + m - 1u].b = m;
        st_set(h, x + m - 1u, ST_TAIL);
    }
    list_push(h, x, m);
}

/* If the free segment [x, x + m) holds n pages at alignment mask + 1,
 * writes the index of the first such page to *at. */
static bool seg_fits(const vm_hdr *h, uint32_t x, uint32_t m, uint64_t n, uint64_t mask,
                     uint32_t *at)
{
    uint64_t page = index_page(h, x);
    /* page < 2^52 and mask < 2^63: no overflow. */
    uint64_t pad = ((page + mask) & ~mask) - page;
    if (pad >= m || m - pad < n)
        return false;
    *at = x + (uint32_t)pad;
    return true;
}

/* Allocates [at, at + n) out of the free segment [x, x + m). */
static void seg_carve(vm_hdr *h, uint32_t x, uint32_t m, uint32_t at, uint32_t n)
{
    uint32_t before = at - x, after = x + m - (at + n);
    list_unlink(h, x, m);
    if (n >= 2u)
        st_set(h, at + n - 1u, ST_NONE); /* may have been the free tail */
    st_set(h, at, ST_ALLOC);
    h->slot[at].a = n;
    h->slot[at + n - 1u].b = n;
    h->nfree--;
    if (before != 0) {
        seg_make_free(h, x, before);
        h->nfree++;
    }
    if (after != 0) {
        seg_make_free(h, at + n, after);
        h->nfree++;
    }
    h->free_pages -= n;
    h->nalloc++;
}

/* Mask of lists [lo, hi), 0 <= lo <= hi <= 32. */
static uint32_t list_range(unsigned lo, unsigned hi)
{
    if (lo >= 32u)
        return 0;
    uint32_t upper = hi >= 32u ? ~0u : (1u << hi) - 1u;
    return upper & ~((1u << lo) - 1u);
}

static ab_status vmem_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    vm_hdr *h = (vm_hdr *)self;
    const ab_strategy *st = h->policy == POLICY_BEST ? &ab_strategy_vmem_bestfit : &ab_strategy_vmem;
    ab_status s = ab_alloc_precheck(st, n, align_pages, addr);
    if (s != AB_OK)
        return s;
    if (n > h->free_pages)
        return AB_ENOMEM; /* also keeps n below 2^32 */
    uint64_t mask = align_pages > 1u ? align_pages - 1u : 0u;
    unsigned lo = ab_log2_floor(n);
    uint32_t x = NIL, m = 0, at = 0;

    if (h->policy == POLICY_INSTANT) {
        /* Lists from kfit up hold only segments of >= n + mask pages. */
        uint64_t need = n + mask;
        unsigned kfit = need > ((uint64_t)1 << 31) ? NLISTS : ab_log2_ceil(need);
        uint32_t sure = h->nonempty & list_range(kfit, NLISTS);
        if (sure != 0) {
            x = h->head[ab_ctz64(sure)];
            m = free_len(h, x);
            bool ok = seg_fits(h, x, m, n, mask, &at);
            AB_ASSERT(ok);
            (void)ok;
        } else {
            /* Fallback: first fit over the lists that may hold a fit,
             * bounded to keep alloc O(1); see vmem.h for what it misses. */
            uint32_t budget = VMEM_FALLBACK_SCAN;
            for (uint32_t maybe = h->nonempty & list_range(lo, kfit); maybe != 0 && x == NIL;
                 maybe &= maybe - 1u) {
                for (uint32_t y = h->head[ab_ctz64(maybe)]; y != NIL && budget != 0;
                     y = h->slot[y].a, budget--) {
                    uint32_t ym = free_len(h, y);
                    if (seg_fits(h, y, ym, n, mask, &at)) {
                        x = y;
                        m = ym;
                        break;
                    }
                }
            }
        }
    } else {
        /* Best fit: the first list holding a fit, walked whole. */
        for (uint32_t maybe = h->nonempty & list_range(lo, NLISTS); maybe != 0 && x == NIL;
             maybe &= maybe - 1u) {
            for (uint32_t y = h->head[ab_ctz64(maybe)]; y != NIL; y = h->slot[y].a) {
                uint32_t ym = free_len(h, y), yat;
                if ((x == NIL || ym < m || (ym == m && y < x)) &&
                    seg_fits(h, y, ym, n, mask, &yat)) {
                    x = y;
                    m = ym;
                    at = yat;
                }
            }
        }
    }
    if (x == NIL)
        return AB_ENOMEM;
    seg_carve(h, x, m, at, (uint32_t)n);
    *addr = index_page(h, at) << AB_PAGE_SHIFT;
    return AB_OK;
}

/* The state of the first page after x that is not 0 (the span's sentinel
 * bounds the scan). Only bad frees pay for it. */
static unsigned state_next_marked(const vm_hdr *h, uint32_t x)
{
    uint64_t i = (uint64_t)x + 1u, limit = h->px.index_pages + 1u;
    while (i < limit) {
        uint64_t w = h->state[i >> 5] >> ((i & 31u) << 1);
        if (w != 0)
            return (unsigned)(w >> (ab_ctz64(w) & ~1u)) & 3u;
        i = (i | 31u) + 1u;
    }
    return ST_ALLOC;
}

static ab_status vmem_free(void *self, uint64_t addr, uint64_t n)
{
    vm_hdr *h = (vm_hdr *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(h->px.spans, h->px.nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint32_t x = ab_pindex_index(&h->px, s, page);
    unsigned sx = st_get(h, x);
    if (sx == ST_FREE || sx == ST_TAIL)
        return AB_EDOUBLE;
    if (sx == ST_NONE)
        /* Inside a segment: a free one iff its TAIL comes before any head. */
        return state_next_marked(h, x) == ST_TAIL ? AB_EDOUBLE : AB_ESIZE;
    if (h->slot[x].a != n)
        return AB_ESIZE;

    uint32_t left = x, end = x + (uint32_t)n;
    st_set(h, x, ST_NONE);
    h->nalloc--;
    h->nfree++;
    if (x > h->px.base[s]) {
        unsigned sl = st_get(h, x - 1u);
        if (sl == ST_FREE || sl == ST_TAIL) {
            uint32_t lm = sl == ST_FREE ? 1u : h->slot[x - 1u].b;
            left = x - lm;
            list_unlink(h, left, lm);
            if (lm >= 2u)
                st_set(h, x - 1u, ST_NONE);
            h->nfree--;
        }
    }
    if (st_get(h, end) == ST_FREE) { /* the sentinel at the span's end is ALLOC */
        uint32_t rm = free_len(h, end);
        list_unlink(h, end, rm);
        st_set(h, end, ST_NONE);
        end += rm;
        h->nfree--;
    }
    seg_make_free(h, left, end - left);
    h->free_pages += n;
    return AB_OK;
}

/* Zeroes nwords words without letting the compiler call memset. */
static void words_clear(uint64_t *w, uint64_t nwords)
{
    for (uint64_t i = 0; i < nwords; i++) {
        w[i] = 0;
        __asm__("" : "+r"(w));
    }
}

static ab_status init_policy(void *meta, size_t meta_len, const ab_span *spans, size_t nspans,
                             uint32_t policy)
{
    vm_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(spans, nspans, &l) ||
        (uint64_t)meta_len < l.total)
        return AB_EINVAL;
    unsigned char *mem = (unsigned char *)meta;
    vm_hdr *h = (vm_hdr *)meta;
    ab_pindex_init(&h->px, mem + HEADER_BYTES, spans, nspans, 1);
    h->slot = (vm_slot *)(void *)(mem + l.slots_off);
    h->state = (uint64_t *)(void *)(mem + l.state_off);
    h->meta_bytes = l.total;
    h->policy = policy;
    h->nonempty = 0;
    for (unsigned k = 0; k < NLISTS; k++) {
        h->head[k] = NIL;
        h->count[k] = 0;
    }
    words_clear(h->state, l.state_words);
    for (size_t i = 0; i < nspans; i++)
        st_set(h, h->px.base[i] + (uint32_t)spans[i].npages, ST_ALLOC);
    /* Highest span first: LIFO lists then start at the lowest address. */
    for (size_t i = nspans; i-- > 0;)
        seg_make_free(h, h->px.base[i], (uint32_t)spans[i].npages);
    h->nfree = nspans;
    h->nalloc = 0;
    h->free_pages = h->px.total_pages;
    h->magic = VMEM_MAGIC;
    return AB_OK;
}

static ab_status vmem_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    return init_policy(meta, meta_len, spans, nspans, POLICY_INSTANT);
}

static ab_status vmem_bestfit_init(void *meta, size_t meta_len, const ab_span *spans,
                                   size_t nspans)
{
    return init_policy(meta, meta_len, spans, nspans, POLICY_BEST);
}

static void vmem_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    const vm_hdr *h = (const vm_hdr *)self;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint32_t x = h->px.base[s], end = x + (uint32_t)h->px.spans[s].npages;
        while (x < end) {
            uint32_t m = seg_len(h, x);
            AB_ASSERT(m != 0 && m <= end - x);
            if (m == 0 || m > end - x)
                return;
            if (st_get(h, x) == ST_FREE && fn(ctx, index_page(h, x), m) != 0)
                return;
            x += m;
        }
    }
}

static void vmem_stats(const void *self, ab_stats *out)
{
    const vm_hdr *h = (const vm_hdr *)self;
    uint64_t largest = 0;
    if (h->nonempty != 0) {
        unsigned top = 31u - (unsigned)__builtin_clz(h->nonempty);
        for (uint32_t x = h->head[top]; x != NIL; x = h->slot[x].a) {
            uint32_t m = free_len(h, x);
            if (m > largest)
                largest = m;
        }
    }
    out->total_pages = h->px.total_pages;
    out->free_pages = h->free_pages;
    out->largest_free_run = largest;
    out->free_runs = h->nfree;
    out->meta_bytes = h->meta_bytes;
}

static size_t vmem_check(const void *self)
{
    const vm_hdr *h = (const vm_hdr *)self;
    size_t broken = 0;

    /* 1. The header. */
    AB_INSIST(broken, h->magic == VMEM_MAGIC && "magic");
    AB_INSIST(broken, (h->policy == POLICY_INSTANT || h->policy == POLICY_BEST) && "policy");
    if (h->magic != VMEM_MAGIC)
        return broken;

    /* 2. The page index, the sentinels and the gaps. */
    size_t px_broken = ab_pindex_check(&h->px);
    broken += px_broken;
    if (px_broken != 0 || h->px.index_pages >= (uint64_t)NIL)
        return broken;
    bool gaps_ok = true;
    uint32_t from = 0;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint32_t b = h->px.base[s], e = b + (uint32_t)h->px.spans[s].npages;
        for (uint32_t i = from; i < b; i++)
            if (st_get(h, i) != (s > 0 && i == from ? ST_ALLOC : ST_NONE))
                gaps_ok = false;
        from = e;
    }
    AB_INSIST(broken, gaps_ok && st_get(h, from) == ST_ALLOC &&
                          "sentinel ALLOC past each span, 0 elsewhere outside the spans");

    /* 3-4. The tiling, span by span. */
    bool tiled = true, coalesced = true;
    uint64_t free_segs = 0, free_pages = 0, alloc_segs = 0, alloc_pages = 0;
    for (size_t s = 0; s < h->px.nspans && tiled; s++) {
        uint32_t x = h->px.base[s], end = x + (uint32_t)h->px.spans[s].npages;
        bool prev_free = false;
        while (x < end && tiled) {
            unsigned sx = st_get(h, x);
            if (sx != ST_ALLOC && sx != ST_FREE) {
                tiled = false;
                break;
            }
            uint32_t m = seg_len(h, x);
            if (m == 0 || m > end - x) {
                tiled = false;
                break;
            }
            for (uint32_t i = x + 1u; i + 1u < x + m; i++)
                if (st_get(h, i) != ST_NONE)
                    tiled = false;
            if (m >= 2u) {
                unsigned want = sx == ST_FREE ? ST_TAIL : ST_NONE;
                if (st_get(h, x + m - 1u) != want || h->slot[x + m - 1u].b != m)
                    tiled = false;
            } else if (sx == ST_ALLOC && h->slot[x].b != 1u) {
                tiled = false;
            }
            if (sx == ST_FREE) {
                if (prev_free)
                    coalesced = false;
                free_segs++;
                free_pages += m;
            } else {
                alloc_segs++;
                alloc_pages += m;
            }
            prev_free = sx == ST_FREE;
            x += m;
        }
        if (x != end)
            tiled = false;
    }
    AB_INSIST(broken, tiled && "spans tiled by segments with sound boundary tags");
    AB_INSIST(broken, coalesced && "no two adjacent free segments");
    if (!tiled)
        return broken;

    /* 5. The free lists. */
    bool lists_ok = true;
    uint64_t listed = 0;
    for (unsigned k = 0; k < NLISTS; k++) {
        uint64_t c = 0;
        uint32_t prev = NIL;
        for (uint32_t x = h->head[k]; x != NIL; x = h->slot[x].a) {
            if (x >= h->px.index_pages || c > free_segs || h->slot[x].b != prev ||
                st_get(h, x) != ST_FREE || ab_log2_floor(free_len(h, x)) != k) {
                lists_ok = false;
                break;
            }
            prev = x;
            c++;
        }
        if (c != h->count[k])
            lists_ok = false;
        listed += c;
    }
    AB_INSIST(broken, lists_ok && listed == free_segs &&
                          "each free segment on exactly its power-of-two list");

    /* 6. The non-empty mask. */
    bool mask_ok = true;
    for (unsigned k = 0; k < NLISTS; k++)
        if (((h->nonempty >> k) & 1u) != (h->head[k] != NIL))
            mask_ok = false;
    AB_INSIST(broken, mask_ok && "non-empty mask matches the lists");

    /* 7. The allocation index. */
    uint64_t alloc_states = 0;
    for (size_t s = 0; s < h->px.nspans; s++) {
        uint32_t b = h->px.base[s], e = b + (uint32_t)h->px.spans[s].npages;
        for (uint32_t i = b; i < e; i++)
            alloc_states += st_get(h, i) == ST_ALLOC;
    }
    AB_INSIST(broken, alloc_states == alloc_segs && alloc_segs == h->nalloc &&
                          "ALLOC states mark exactly the allocated segments");

    /* 8. Counts. */
    AB_INSIST(broken, free_segs == h->nfree && free_pages == h->free_pages &&
                          free_pages + alloc_pages == h->px.total_pages &&
                          "free segments, free pages and totals agree");
    return broken;
}

const ab_strategy ab_strategy_vmem = {
    .name = "vmem",
    .summary = "vmem segments with boundary tags, power-of-two lists, instant fit: O(1)",
    .caps = AB_CAP_CONTIG,
    .max_npages = 0,
    .meta_bytes = vmem_meta_bytes,
    .init = vmem_init,
    .alloc = vmem_alloc,
    .free = vmem_free,
    .stats = vmem_stats,
    .walk_free = vmem_walk_free,
    .check = vmem_check,
};

const ab_strategy ab_strategy_vmem_bestfit = {
    .name = "vmem_bestfit",
    .summary = "vmem segments with boundary tags, power-of-two lists, best fit: O(segments walked)",
    .caps = AB_CAP_CONTIG,
    .max_npages = 0,
    .meta_bytes = vmem_meta_bytes,
    .init = vmem_bestfit_init,
    .alloc = vmem_alloc,
    .free = vmem_free,
    .stats = vmem_stats,
    .walk_free = vmem_walk_free,
    .check = vmem_check,
};
