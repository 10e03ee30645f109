/*
 * freelist heap: arenas of header+data chunks, first fit, merge on free.
 *
 * Algorithm (see freelist.h for the design and its invariants). malloc(n)
 * rounds n up to need = max(16, n rounded to 16) and walks the arenas in
 * creation order, skipping any whose free bytes are below need, and in each
 * the chunks in address order; the first free chunk that holds need bytes at
 * the requested alignment is taken. An aligned request may split a free
 * chunk in front (the gap stays free, at least a header + 16 bytes). The
 * tail is split off as a free chunk iff it is >= AB_FL_WASTE_BYTES. With no
 * fit, a new arena of max(4 pages, what the request needs) is taken from the
 * provider. free() finds the arena through the page map, validates the
 * header (magic, sizes consistent with both neighbours), marks the chunk
 * free, merges it with a free next and a free previous neighbour (headers it
 * absorbs get the DEAD magic, so a later free of them is EDOUBLE), and gives
 * the arena back once it is one free chunk (keeping AB_FL_KEEP_EMPTY).
 *
 * Time: malloc O(chunks in the arenas walked) -- O(live blocks) in general;
 * free O(1) + O(pages) for a released arena's page map; realloc O(1) in
 * place (shrink, or grow into a free next chunk), else malloc + copy + free.
 *
 * Metadata: the instance (about 200 bytes) + 8 bytes per 512 window pages;
 * 32 bytes per chunk and 48 (x86-64) or 32 (i686) per arena in the pages.
 */
#include "firstfit.h"

#include "allocbench/pagemap.h"

#define HEAP_MAGIC 0x464c4850u  /* "FLHP" */
#define ARENA_MAGIC 0x4152454eu /* "AREN" */
#define USED_MAGIC 0x55534544u  /* "USED" */
#define FREE_MAGIC 0x46524545u  /* "FREE" */
#define DEAD_MAGIC 0x44454144u  /* "DEAD": a header merged away */

#define HDR ((size_t)AB_FL_CHUNK_HDR)
#define MIN_DATA ((size_t)AB_HEAP_ALIGN)
#define TAG_ARENA 0x4u
#define TAG_MASK 0xFu

typedef struct fl_chunk {
    _Alignas(16) uint32_t magic;
    uint32_t reserved;
    size_t size;      /* data bytes, a multiple of 16 */
    size_t prev_size; /* data bytes of the previous chunk; 0 for the first */
    size_t req;       /* bytes asked for (used chunks) */
} fl_chunk;

typedef struct fl_arena {
    _Alignas(16) uint32_t magic;
    uint32_t reserved;
    size_t npages;
    size_t free_bytes; /* data bytes in free chunks */
    struct fl_arena *next, *prev;
} fl_arena;

_Static_assert(sizeof(fl_chunk) == AB_FL_CHUNK_HDR, "chunk header is 32 bytes");
_Static_assert(sizeof(fl_arena) % AB_HEAP_ALIGN == 0, "first chunk data is 16-aligned");
_Static_assert(AB_FL_WASTE_BYTES >= AB_FL_CHUNK_HDR + AB_HEAP_ALIGN, "a split leaves a chunk");

typedef struct fl_heap {
    uint32_t magic;
    ab_page_provider pp;
    ab_pagemap pm;
    fl_arena *head, *tail;
    size_t narenas;
    size_t nempty;
    uint64_t arena_pages; /* pages held by arenas */
    size_t max_req;       /* larger requests fail at once */
    ab_heap_stats st;
    uint64_t *top[];      /* page map top level */
} fl_heap;

#define INSTANCE_BYTES ((sizeof(fl_heap) + 15u) & ~(size_t)15u)

static size_t round16(size_t n) { return (n + 15u) & ~(size_t)15u; }

static fl_chunk *arena_first(fl_arena *a) { return (fl_chunk *)(void *)(a + 1); }
static uintptr_t arena_end(const fl_arena *a)
{
    return (uintptr_t)a + (uintptr_t)a->npages * (uintptr_t)AB_PAGE_BYTES;
}
static size_t arena_capacity(const fl_arena *a)
{
    return a->npages * (size_t)AB_PAGE_BYTES - sizeof(fl_arena) - HDR;
}
static bool arena_is_empty(const fl_arena *a) { return a->free_bytes == arena_capacity(a); }

static unsigned char *chunk_data(fl_chunk *c) { return (unsigned char *)c + HDR; }

/* The chunk after c, or NULL if c is the arena's last. */
static fl_chunk *chunk_next(const fl_arena *a, fl_chunk *c)
{
    uintptr_t n = (uintptr_t)chunk_data(c) + c->size;
    return n < arena_end(a) ? (fl_chunk *)n : NULL;
}

static fl_chunk *chunk_prev(fl_chunk *c)
{
    return c->prev_size != 0 ? (fl_chunk *)((unsigned char *)c - c->prev_size - HDR) : NULL;
}

static void footprint_update(fl_heap *h)
{
    h->st.footprint_bytes = (h->arena_pages + h->pm.nleaves) * AB_PAGE_BYTES;
    if (h->st.footprint_bytes > h->st.peak_footprint_bytes)
        h->st.peak_footprint_bytes = h->st.footprint_bytes;
    h->st.meta_bytes = INSTANCE_BYTES + h->pm.ntop * sizeof(uint64_t *) +
                       h->pm.nleaves * AB_PAGE_BYTES;
}

static size_t fl_meta_bytes(const ab_page_provider *pp)
{
    if (!ab_pagemap_provider_ok(pp))
        return 0;
    return INSTANCE_BYTES + ab_pagemap_top_bytes(pp->npages);
}

static ab_status fl_init(void *meta, size_t meta_len, const ab_page_provider *pp)
{
    size_t need = fl_meta_bytes(pp);
    if (need == 0 || !ab_meta_aligned(meta) || meta_len < need)
        return AB_EINVAL;
    fl_heap *h = (fl_heap *)meta;
    ab_heap_zero(h, sizeof *h);
    h->magic = HEAP_MAGIC;
    h->pp = *pp;
    ab_pagemap_init(&h->pm, pp, h->top);
    h->max_req = ab_heap_max_request(pp);
    footprint_update(h);
    return AB_OK;
}

static void arena_unlink(fl_heap *h, fl_arena *a)
{
    if (a->prev != NULL)
        a->prev->next = a->next;
    else
        h->head = a->next;
    if (a->next != NULL)
        a->next->prev = a->prev;
    else
        h->tail = a->prev;
    h->narenas--;
}

static void arena_release(fl_heap *h, fl_arena *a)
{
    arena_unlink(h, a);
    ab_pagemap_set(&h->pm, a, a->npages, 0, 0);
    a->magic = DEAD_MAGIC;
    h->arena_pages -= a->npages;
    h->pp.free_pages(h->pp.ctx, a, a->npages);
    footprint_update(h);
}

/* A new arena of npages pages, one free chunk, linked last; NULL if none. */
static fl_arena *arena_create(fl_heap *h, size_t npages)
{
    void *p;
    if (h->pp.alloc_pages(h->pp.ctx, npages, 1, &p) != AB_OK)
        return NULL;
    if (ab_pagemap_reserve(&h->pm, &h->pp, p, npages) != AB_OK) {
        h->pp.free_pages(h->pp.ctx, p, npages);
        footprint_update(h);
        return NULL;
    }
    fl_arena *a = (fl_arena *)p;
    a->magic = ARENA_MAGIC;
    a->reserved = 0;
    a->npages = npages;
    a->free_bytes = arena_capacity(a);
    a->next = NULL;
    a->prev = h->tail;
    if (h->tail != NULL)
        h->tail->next = a;
    else
        h->head = a;
    h->tail = a;
    h->narenas++;
    h->nempty++;
    fl_chunk *c = arena_first(a);
    c->magic = FREE_MAGIC;
    c->reserved = 0;
    c->size = a->free_bytes;
    c->prev_size = 0;
    c->req = 0;
    ab_pagemap_set(&h->pm, a, npages, (uint64_t)(uintptr_t)a | TAG_ARENA,
                   (uint64_t)(uintptr_t)a | TAG_ARENA);
    h->arena_pages += npages;
    footprint_update(h);
    return a;
}

/*
 * Bytes between c's data and the first address >= it that is a multiple of
 * align and leaves room for a free chunk in front (0 if c's data is aligned).
 */
static size_t chunk_gap(fl_chunk *c, size_t align)
{
    uintptr_t d = (uintptr_t)chunk_data(c);
    if (align <= AB_HEAP_ALIGN || (d & (align - 1u)) == 0)
        return 0;
    uintptr_t a = (d + align - 1u) & ~(uintptr_t)(align - 1u);
    while (a - d < HDR + MIN_DATA)
        a += align;
    /* A wrapped a gives a gap no chunk can hold. */
    return a > d ? (size_t)(a - d) : SIZE_MAX;
}

/* Fixes the prev_size of the chunk after c, if there is one. */
static void chunk_link_next(fl_arena *a, fl_chunk *c)
{
    fl_chunk *n = chunk_next(a, c);
    if (n != NULL)
        n->prev_size = c->size;
}

/* Merges n, the free chunk after c, into c. */
static void chunk_absorb(fl_arena *a, fl_chunk *c, fl_chunk *n)
{
    c->size += HDR + n->size;
    n->magic = DEAD_MAGIC;
    chunk_link_next(a, c);
}

/*
 * Splits c (used) to need bytes; the rest becomes a free chunk, merged with
 * a free next neighbour. c->size - need must be >= AB_FL_WASTE_BYTES.
 */
static void chunk_split(fl_arena *a, fl_chunk *c, size_t need)
{
    fl_chunk *r = (fl_chunk *)(chunk_data(c) + need);
    r->magic = FREE_MAGIC;
    r->reserved = 0;
    r->size = c->size - need - HDR;
    r->prev_size = need;
    r->req = 0;
    c->size = need;
    a->free_bytes += r->size;
    fl_chunk *n = chunk_next(a, r);
    if (n != NULL && n->magic == FREE_MAGIC) {
        a->free_bytes += HDR;
        chunk_absorb(a, r, n);
    } else if (n != NULL) {
        n->prev_size = r->size;
    }
}

static void live_add(fl_heap *h, size_t req)
{
    h->st.live_bytes += req;
    h->st.live_blocks++;
    h->st.mallocs++;
    if (h->st.live_bytes > h->st.peak_live_bytes)
        h->st.peak_live_bytes = h->st.live_bytes;
}

/* Takes need bytes of the free chunk c, gap bytes into it. */
static void *chunk_take(fl_heap *h, fl_arena *a, fl_chunk *c, size_t gap, size_t need, size_t req)
{
    if (arena_is_empty(a))
        h->nempty--;
    if (gap != 0) {
        fl_chunk *n = (fl_chunk *)(chunk_data(c) + gap - HDR);
        n->magic = FREE_MAGIC;
        n->reserved = 0;
        n->size = c->size - gap;
        c->size = gap - HDR;
        n->prev_size = c->size;
        n->req = 0;
        chunk_link_next(a, n);
        a->free_bytes -= HDR;
        c = n;
    }
    c->magic = USED_MAGIC;
    a->free_bytes -= c->size;
    if (c->size - need >= AB_FL_WASTE_BYTES)
        chunk_split(a, c, need);
    c->req = req;
    live_add(h, req);
    return chunk_data(c);
}

/* First fit of size bytes at align (a power of two); NULL if no memory. */
static void *block_alloc(fl_heap *h, size_t size, size_t align)
{
    if (size > h->max_req || align > h->max_req) {
        h->st.failed++;
        return NULL;
    }
    size_t need = size == 0 ? MIN_DATA : round16(size);
    for (fl_arena *a = h->head; a != NULL; a = a->next) {
        if (a->free_bytes < need)
            continue;
        for (fl_chunk *c = arena_first(a); c != NULL; c = chunk_next(a, c)) {
            if (c->magic != FREE_MAGIC || c->size < need)
                continue;
            size_t gap = chunk_gap(c, align);
            if (gap <= c->size - need)
                return chunk_take(h, a, c, gap, need, size);
        }
    }
    /* An arena large enough for the request at any placement of its data. */
    uint64_t bytes = (uint64_t)sizeof(fl_arena) + HDR + need;
    if (align > AB_HEAP_ALIGN)
        bytes += (uint64_t)align + HDR + MIN_DATA;
    uint64_t npages = (bytes + AB_PAGE_BYTES - 1u) >> AB_PAGE_SHIFT;
    if (npages < AB_FL_ARENA_PAGES)
        npages = AB_FL_ARENA_PAGES;
    fl_arena *a = npages <= h->pm.npages ? arena_create(h, (size_t)npages) : NULL;
    if (a == NULL) {
        h->st.failed++;
        return NULL;
    }
    fl_chunk *c = arena_first(a);
    return chunk_take(h, a, c, chunk_gap(c, align), need, size);
}

static void *fl_malloc(void *self, size_t size)
{
    return block_alloc((fl_heap *)self, size, AB_HEAP_ALIGN);
}

static void *fl_memalign(void *self, size_t align, size_t size)
{
    fl_heap *h = (fl_heap *)self;
    if (align == 0 || (align & (align - 1u)) != 0) {
        h->st.failed++;
        return NULL;
    }
    return block_alloc(h, size, align < AB_HEAP_ALIGN ? AB_HEAP_ALIGN : align);
}

static void *fl_calloc(void *self, size_t nmemb, size_t size)
{
    fl_heap *h = (fl_heap *)self;
    size_t bytes;
    if (!ab_heap_mul_ok(nmemb, size, &bytes)) {
        h->st.failed++;
        return NULL;
    }
    void *p = block_alloc(h, bytes, AB_HEAP_ALIGN);
    if (p != NULL)
        ab_heap_zero(p, bytes);
    return p;
}

/*
 * Finds the used chunk whose data starts at ptr. Returns AB_OK, AB_ERANGE
 * (no page of the heap), AB_EDOUBLE (a free or merged-away chunk) or
 * AB_EINVAL (anything else, a corrupted header included).
 */
static ab_status chunk_lookup(const fl_heap *h, const void *ptr, fl_arena **ap, fl_chunk **cp)
{
    uint64_t e = ab_pagemap_get(&h->pm, ptr);
    if (e == 0)
        return AB_ERANGE;
    if ((e & TAG_MASK) != TAG_ARENA)
        return AB_EINVAL;
    fl_arena *a = (fl_arena *)(uintptr_t)(e & ~(uint64_t)TAG_MASK);
    uintptr_t p = (uintptr_t)ptr;
    if ((p & (AB_HEAP_ALIGN - 1u)) != 0 || p < (uintptr_t)chunk_data(arena_first(a)))
        return AB_EINVAL;
    fl_chunk *c = (fl_chunk *)(p - HDR);
    if (c->magic == FREE_MAGIC || c->magic == DEAD_MAGIC)
        return AB_EDOUBLE;
    if (c->magic != USED_MAGIC)
        return AB_EINVAL;
    /* The header must agree with both neighbours: a forged or corrupted one
     * is refused before the heap trusts its sizes. */
    uintptr_t end = arena_end(a);
    if ((c->size & (AB_HEAP_ALIGN - 1u)) != 0 || c->size < MIN_DATA || c->size > end - p ||
        c->req > c->size)
        return AB_EINVAL;
    fl_chunk *n = chunk_next(a, c);
    if (n != NULL && ((uintptr_t)n + HDR + MIN_DATA > end ||
                      (n->magic != USED_MAGIC && n->magic != FREE_MAGIC) ||
                      n->prev_size != c->size))
        return AB_EINVAL;
    if (c == arena_first(a)) {
        if (c->prev_size != 0)
            return AB_EINVAL;
    } else {
        if (c->prev_size == 0 || c->prev_size > (uintptr_t)c - (uintptr_t)chunk_data(arena_first(a)))
            return AB_EINVAL;
        fl_chunk *pv = chunk_prev(c);
        if ((pv->magic != USED_MAGIC && pv->magic != FREE_MAGIC) || pv->size != c->prev_size)
            return AB_EINVAL;
    }
    *ap = a;
    *cp = c;
    return AB_OK;
}

/* Frees the used chunk c of arena a (validated by chunk_lookup). */
static void chunk_free(fl_heap *h, fl_arena *a, fl_chunk *c)
{
    h->st.live_bytes -= c->req;
    h->st.live_blocks--;
    h->st.frees++;
    c->magic = FREE_MAGIC;
    c->req = 0;
    a->free_bytes += c->size;
    fl_chunk *n = chunk_next(a, c);
    if (n != NULL && n->magic == FREE_MAGIC) {
        a->free_bytes += HDR;
        chunk_absorb(a, c, n);
    }
    fl_chunk *pv = chunk_prev(c);
    if (pv != NULL && pv->magic == FREE_MAGIC) {
        a->free_bytes += HDR;
        chunk_absorb(a, pv, c);
    }
    if (!arena_is_empty(a))
        return;
    if (h->nempty >= AB_FL_KEEP_EMPTY || a->npages != AB_FL_ARENA_PAGES)
        arena_release(h, a);
    else
        h->nempty++;
}

static ab_status fl_free(void *self, void *ptr)
{
    fl_heap *h = (fl_heap *)self;
    if (ptr == NULL)
        return AB_OK;
    fl_arena *a;
    fl_chunk *c;
    ab_status s = chunk_lookup(h, ptr, &a, &c);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    chunk_free(h, a, c);
    return AB_OK;
}

static ab_status fl_realloc(void *self, void *ptr, size_t size, void **out)
{
    fl_heap *h = (fl_heap *)self;
    if (out == NULL) {
        h->st.misuse++;
        return AB_EINVAL;
    }
    *out = NULL;
    if (ptr == NULL) {
        *out = block_alloc(h, size, AB_HEAP_ALIGN);
        return *out != NULL ? AB_OK : AB_ENOMEM;
    }
    fl_arena *a;
    fl_chunk *c;
    ab_status s = chunk_lookup(h, ptr, &a, &c);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    if (size == 0) {
        chunk_free(h, a, c);
        return AB_OK;
    }
    if (size > h->max_req) {
        h->st.failed++;
        return AB_ENOMEM;
    }
    size_t need = round16(size);
    fl_chunk *n = chunk_next(a, c);
    if (need > c->size && n != NULL && n->magic == FREE_MAGIC &&
        c->size + HDR + n->size >= need) {
        /* Grow into the free neighbour. */
        a->free_bytes -= n->size;
        chunk_absorb(a, c, n);
    }
    if (need <= c->size) {
        if (c->size - need >= AB_FL_WASTE_BYTES)
            chunk_split(a, c, need);
        h->st.live_bytes = h->st.live_bytes - c->req + size;
        if (h->st.live_bytes > h->st.peak_live_bytes)
            h->st.peak_live_bytes = h->st.live_bytes;
        c->req = size;
        *out = ptr;
        return AB_OK;
    }
    void *p = block_alloc(h, size, AB_HEAP_ALIGN);
    if (p == NULL)
        return AB_ENOMEM;
    ab_heap_copy(p, ptr, c->size < size ? c->size : size);
    h->st.mallocs--; /* a move is not a new block */
    h->st.frees--;
    chunk_free(h, a, c);
    *out = p;
    return AB_OK;
}

static ab_status fl_usable_size(void *self, const void *ptr, size_t *out)
{
    fl_heap *h = (fl_heap *)self;
    fl_arena *a;
    fl_chunk *c;
    ab_status s = out == NULL ? AB_EINVAL : chunk_lookup(h, ptr, &a, &c);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    *out = c->size;
    return AB_OK;
}

static void fl_stats(const void *self, ab_heap_stats *out)
{
    *out = ((const fl_heap *)self)->st;
}

static void fl_fini(void *self)
{
    fl_heap *h = (fl_heap *)self;
    while (h->head != NULL)
        arena_release(h, h->head);
    ab_pagemap_fini(&h->pm, &h->pp);
    h->nempty = 0;
    h->st.live_bytes = 0;
    h->st.live_blocks = 0;
    footprint_update(h);
    h->magic = 0;
}

static size_t fl_check(const void *self)
{
    const fl_heap *h = (const fl_heap *)self;
    size_t broken = 0;
    /* 1. The instance. */
    AB_INSIST(broken, h->magic == HEAP_MAGIC && "instance magic");
    if (h->magic != HEAP_MAGIC)
        return broken;
    AB_INSIST(broken, h->pm.ntop * sizeof(uint64_t *) == ab_pagemap_top_bytes(h->pm.npages) &&
                          "page map top size");
    AB_INSIST(broken, ab_pagemap_count_leaves(&h->pm) == h->pm.nleaves && "leaf count");

    uint64_t pages = 0, live_bytes = 0, live_blocks = 0;
    size_t narenas = 0, nempty = 0;
    const fl_arena *prev = NULL;
    for (fl_arena *a = h->head; a != NULL; prev = a, a = a->next) {
        /* 2. The arena list. */
        if (++narenas > h->narenas) {
            AB_INSIST(broken, false && "arena list longer than narenas (cycle?)");
            return broken;
        }
        AB_INSIST(broken, a->prev == prev && "arena back link");
        AB_INSIST(broken, a->magic == ARENA_MAGIC && a->npages >= 1 && "arena header");
        if (a->magic != ARENA_MAGIC || a->npages == 0)
            return broken;
        pages += a->npages;
        /* 3. Its pages map to it. */
        size_t first = ab_pagemap_index(&h->pm, a);
        uint64_t want = (uint64_t)(uintptr_t)a | TAG_ARENA;
        for (size_t i = 0; i < a->npages; i++)
            AB_INSIST(broken, ab_pagemap_at(&h->pm, first + i) == want && "arena page mapped");
        /* 4-6. The chunk tiling. */
        size_t free_bytes = 0, prev_size = 0, nchunks = 0;
        bool prev_free = false;
        uintptr_t end = arena_end(a);
        fl_chunk *c = arena_first(a);
        for (;;) {
            bool sound = (c->magic == USED_MAGIC || c->magic == FREE_MAGIC) &&
                         (c->size & 15u) == 0 && c->size >= MIN_DATA &&
                         c->size <= end - (uintptr_t)chunk_data(c);
            AB_INSIST(broken, sound && "chunk header");
            if (!sound)
                break;
            AB_INSIST(broken, c->prev_size == prev_size && "prev_size matches the neighbour");
            bool is_free = c->magic == FREE_MAGIC;
            AB_INSIST(broken, !(is_free && prev_free) && "free neighbours should have merged");
            if (is_free) {
                free_bytes += c->size;
            } else {
                AB_INSIST(broken, c->req <= c->size && "requested size fits the chunk");
                live_bytes += c->req;
                live_blocks++;
            }
            nchunks++;
            prev_free = is_free;
            prev_size = c->size;
            uintptr_t next = (uintptr_t)chunk_data(c) + c->size;
            if (next == end)
                break;
            AB_INSIST(broken, next + HDR + MIN_DATA <= end && "chunks tile the arena");
            if (next + HDR + MIN_DATA > end)
                break;
            c = (fl_chunk *)next;
        }
        AB_INSIST(broken, free_bytes == a->free_bytes && "arena free_bytes");
        /* 7. Empty arenas. */
        if (nchunks == 1 && prev_free) {
            nempty++;
            AB_INSIST(broken, a->npages == AB_FL_ARENA_PAGES && "only default arenas are kept");
        }
    }
    AB_INSIST(broken, prev == h->tail && narenas == h->narenas && "arena list tail and count");
    AB_INSIST(broken, nempty == h->nempty && nempty <= AB_FL_KEEP_EMPTY && "empty arenas");
    /* 3. No stray page map entry. */
    uint64_t mapped = 0;
    for (size_t t = 0; t < h->pm.ntop; t++)
        if (h->pm.top[t] != NULL)
            for (size_t i = 0; i < AB_PM_LEAF_ENTRIES; i++)
                mapped += h->pm.top[t][i] != 0;
    AB_INSIST(broken, mapped == pages && pages == h->arena_pages && "page map entries");
    /* 8. Counters. */
    AB_INSIST(broken, live_blocks == h->st.live_blocks && "live_blocks");
    AB_INSIST(broken, live_bytes == h->st.live_bytes && "live_bytes");
    AB_INSIST(broken, h->st.footprint_bytes == (pages + h->pm.nleaves) * AB_PAGE_BYTES &&
                          "footprint");
    AB_INSIST(broken, h->st.peak_live_bytes >= h->st.live_bytes &&
                          h->st.peak_footprint_bytes >= h->st.footprint_bytes && "peaks");
    return broken;
}

const ab_heap ab_heap_firstfit = {
    .name = "firstfit",
    .summary = "seed 001: page arenas of header+data chunks, first fit O(chunks), "
               "split above 64 B, merge both neighbours O(1)",
    .meta_bytes = fl_meta_bytes,
    .init = fl_init,
    .fini = fl_fini,
    .malloc = fl_malloc,
    .calloc = fl_calloc,
    .memalign = fl_memalign,
    .realloc = fl_realloc,
    .free = fl_free,
    .usable_size = fl_usable_size,
    .stats = fl_stats,
    .check = fl_check,
};
