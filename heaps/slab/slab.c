/*
 * slab heap: size classes, per-class slabs of pages, large blocks as pages.
 *
 * Algorithm (see slab.h for the design and its invariants). malloc(n <= 2048)
 * looks the class up in a 129-entry table indexed by (n + 15) / 16, takes the
 * head of the class's avail list (a new slab if it is empty), pops its free
 * list or bumps its never-used index, sets the object's allocated bit and
 * slack byte, and moves the slab to the full list when it fills. free(p)
 * reads the page map entry of p's page: a slab header, or a large block's
 * head. In a slab the object index is off * ceil(2^32 / size) >> 32 (exact
 * for off < 2^15 and size <= 2^12, no division); p must be that object's
 * first byte and its bit set, else EINVAL / EDOUBLE. A popped free-list entry
 * that fails the same test, or a list that ends while the slab has free
 * objects and no never-used ones (a zeroed link), means the list was
 * overwritten (a write after free): it is rebuilt from the bitmap and the
 * misuse counted.
 *
 * Time: malloc, free O(1); a slab's creation or release O(its pages) for
 * the page map; a large block O(its pages) likewise.
 *
 * Metadata: the instance (about 1.1 KiB) + 8 bytes per 512 window pages;
 * per slab a header of 64 bytes + 1 bit + 1 byte per object, at its end.
 */
#include "slab.h"

#include "allocbench/bits.h"
#include "allocbench/pagemap.h"

#define HEAP_MAGIC 0x534c4250u /* "SLBP" */
#define SLAB_MAGIC 0x534c4142u /* "SLAB" */

#define TAG_SLAB 0x1u
#define TAG_LARGE 0x2u
#define TAG_BODY 0x3u
#define TAG_MASK 0xFu
#define LARGE_SLACK_SHIFT 4u
#define LARGE_SLACK_MASK 0x1FFFu
#define LARGE_PAGES_SHIFT 17u

#define LIST_AVAIL 1u
#define LIST_FULL 2u

typedef struct slab {
    uint32_t magic;
    uint16_t cls;
    uint16_t list;     /* LIST_AVAIL or LIST_FULL */
    uint32_t used;     /* objects allocated */
    uint32_t bump;     /* objects [bump, nobj) were never handed out */
    void *free;        /* LIFO of freed objects below bump */
    unsigned char *base; /* the slab's first page: object 0 */
    /* Copies of the class's fields: free() reads no class. */
    uint32_t size, recip, nobj;
    uint32_t slack_shift; /* 0: a slack byte per object; 1: two bytes */
    uint8_t *slack;       /* after the bitmap */
    struct slab *next, *prev;
    _Alignas(8) uint64_t bits[]; /* allocated bitmap, then the slack array */
} slab;

typedef struct slab_class {
    slab *avail, *avail_tail; /* slabs with a free object; head serves */
    slab *full;
    uint32_t size;    /* object bytes */
    uint32_t recip;   /* ceil(2^32 / size) */
    uint32_t nobj;    /* objects per slab */
    uint32_t npages;  /* pages per slab */
    uint32_t hdr_off; /* header offset from the slab's start */
    uint32_t nempty;  /* slabs on avail with used = 0 */
    uint32_t nslabs;
} slab_class;

typedef struct sl_heap {
    uint32_t magic;
    ab_page_provider pp;
    ab_pagemap pm;
    size_t max_req;
    uint64_t slab_pages, large_pages;
    ab_heap_stats st;
    slab_class cls[AB_SLAB_CLASSES];
    uint8_t class_of[(AB_SLAB_MAX_SMALL >> 4) + 1u];
    uint64_t *top[]; /* page map top level */
} sl_heap;

#define INSTANCE_BYTES ((sizeof(sl_heap) + 15u) & ~(size_t)15u)

static const uint16_t class_sizes[AB_SLAB_CLASSES] = {
    16,  32,  48,  64,  80,  96,   112,  128,  160,  192,  224,  256,
    320, 384, 448, 512, 640, 768,  896,  1024, 1280, 1536, 1792, 2048,
};

static uint32_t bitmap_words(uint32_t nobj) { return (nobj + 63u) >> 6; }

/* Slack (class size - bytes requested) fits a byte below 256, else two. */
static uint32_t slack_width(uint32_t size) { return size < 256u ? 1u : 2u; }

static uint32_t header_bytes(uint32_t nobj, uint32_t size)
{
    /* + 1: the spare byte slack_get reads past a one-byte array. */
    return ((uint32_t)sizeof(slab) + bitmap_words(nobj) * 8u + nobj * slack_width(size) + 1u +
            15u) & ~15u;
}

/*
 * Slack entries, little-endian bytes, without a branch on the width (a
 * mispredicted branch per call when sizes mix): entry idx starts at byte
 * idx << shift; a one-byte entry reads a second byte (the header keeps one
 * spare byte) and masks it off; the store writes the low byte and then byte
 * shift, which is the low byte again for one-byte entries.
 */
static uint32_t slack_get(const slab *s, uint32_t idx)
{
    const uint8_t *a = s->slack + (idx << s->slack_shift);
    uint32_t v = (uint32_t)a[0] | ((uint32_t)a[1] << 8);
    return v & (0xFFFFu >> (8u - 8u * s->slack_shift));
}

static void slack_set(slab *s, uint32_t idx, size_t slack)
{
    uint8_t *a = s->slack + (idx << s->slack_shift);
    a[0] = (uint8_t)slack;
    a[s->slack_shift] = (uint8_t)(slack >> (8u * s->slack_shift));
}

/* Object count and header offset of a slab of npages pages for size. */
static void class_layout(slab_class *c, uint32_t size, uint32_t npages)
{
    uint32_t bytes = npages << AB_PAGE_SHIFT;
    uint32_t n = bytes / size; /* 32-bit division: fine on i686 */
    while (n > 0 && n * size + header_bytes(n, size) > bytes)
        n--;
    c->size = size;
    c->npages = npages;
    c->nobj = n;
    c->hdr_off = bytes - header_bytes(n, size);
    /* ceil(2^32 / size) for size >= 2, in 32-bit arithmetic (i686 has no
     * 64-bit divide without compiler-rt). */
    c->recip = 0xFFFFFFFFu / size + 1u;
}

static void footprint_update(sl_heap *h)
{
    h->st.footprint_bytes = (h->slab_pages + h->large_pages + h->pm.nleaves) * AB_PAGE_BYTES;
    if (h->st.footprint_bytes > h->st.peak_footprint_bytes)
        h->st.peak_footprint_bytes = h->st.footprint_bytes;
    h->st.meta_bytes = INSTANCE_BYTES + h->pm.ntop * sizeof(uint64_t *) +
                       h->pm.nleaves * AB_PAGE_BYTES;
}

static void live_add(sl_heap *h, size_t req)
{
    h->st.live_bytes += req;
    h->st.live_blocks++;
    h->st.mallocs++;
    if (h->st.live_bytes > h->st.peak_live_bytes)
        h->st.peak_live_bytes = h->st.live_bytes;
}

static void live_sub(sl_heap *h, size_t req)
{
    h->st.live_bytes -= req;
    h->st.live_blocks--;
    h->st.frees++;
}

static size_t sl_meta_bytes(const ab_page_provider *pp)
{
    if (!ab_pagemap_provider_ok(pp))
        return 0;
    return INSTANCE_BYTES + ab_pagemap_top_bytes(pp->npages);
}

static ab_status sl_init(void *meta, size_t meta_len, const ab_page_provider *pp)
{
    size_t need = sl_meta_bytes(pp);
    if (need == 0 || !ab_meta_aligned(meta) || meta_len < need)
        return AB_EINVAL;
    sl_heap *h = (sl_heap *)meta;
    ab_heap_zero(h, sizeof *h);
    h->magic = HEAP_MAGIC;
    h->pp = *pp;
    ab_pagemap_init(&h->pm, pp, h->top);
    for (uint32_t i = 0; i < AB_SLAB_CLASSES; i++) {
        /* The fewest pages that waste at most 1/8 of the slab. */
        slab_class *c = &h->cls[i];
        for (uint32_t np = 1; np <= AB_SLAB_MAX_PAGES; np <<= 1) {
            class_layout(c, class_sizes[i], np);
            if ((np << AB_PAGE_SHIFT) - c->nobj * c->size <= (np << AB_PAGE_SHIFT) >> 3)
                break;
        }
    }
    uint32_t ci = 0;
    for (uint32_t k = 0; k <= (AB_SLAB_MAX_SMALL >> 4); k++) {
        while (class_sizes[ci] < (k << 4))
            ci++;
        h->class_of[k] = (uint8_t)ci;
    }
    h->max_req = ab_heap_max_request(pp);
    footprint_update(h);
    return AB_OK;
}

/* ---- slab lists ---- */

static void avail_remove(slab_class *c, slab *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        c->avail = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    else
        c->avail_tail = s->prev;
}

static void avail_push_head(slab_class *c, slab *s)
{
    s->list = LIST_AVAIL;
    s->prev = NULL;
    s->next = c->avail;
    if (c->avail != NULL)
        c->avail->prev = s;
    else
        c->avail_tail = s;
    c->avail = s;
}

static void avail_push_tail(slab_class *c, slab *s)
{
    s->list = LIST_AVAIL;
    s->next = NULL;
    s->prev = c->avail_tail;
    if (c->avail_tail != NULL)
        c->avail_tail->next = s;
    else
        c->avail = s;
    c->avail_tail = s;
}

static void full_remove(slab_class *c, slab *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        c->full = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
}

static void full_push(slab_class *c, slab *s)
{
    s->list = LIST_FULL;
    s->prev = NULL;
    s->next = c->full;
    if (c->full != NULL)
        c->full->prev = s;
    c->full = s;
}

/* A new empty slab of class ci at the head of its avail list; NULL if none. */
static slab *slab_create(sl_heap *h, uint32_t ci)
{
    slab_class *c = &h->cls[ci];
    void *p;
    if (h->pp.alloc_pages(h->pp.ctx, c->npages, 1, &p) != AB_OK)
        return NULL;
    if (ab_pagemap_reserve(&h->pm, &h->pp, p, c->npages) != AB_OK) {
        h->pp.free_pages(h->pp.ctx, p, c->npages);
        footprint_update(h);
        return NULL;
    }
    slab *s = (slab *)(void *)((unsigned char *)p + c->hdr_off);
    s->magic = SLAB_MAGIC;
    s->cls = (uint16_t)ci;
    s->used = 0;
    s->bump = 0;
    s->free = NULL;
    s->base = (unsigned char *)p;
    s->size = c->size;
    s->recip = c->recip;
    s->nobj = c->nobj;
    s->slack_shift = slack_width(c->size) - 1u;
    s->slack = (uint8_t *)(s->bits + bitmap_words(c->nobj));
    for (uint32_t w = 0; w < bitmap_words(c->nobj); w++)
        s->bits[w] = 0;
    avail_push_head(c, s);
    c->nslabs++;
    c->nempty++;
    uint64_t e = (uint64_t)(uintptr_t)s | TAG_SLAB;
    ab_pagemap_set(&h->pm, p, c->npages, e, e);
    h->slab_pages += c->npages;
    footprint_update(h);
    return s;
}

static void slab_release(sl_heap *h, slab_class *c, slab *s)
{
    if (s->list == LIST_AVAIL)
        avail_remove(c, s);
    else
        full_remove(c, s);
    c->nslabs--;
    ab_pagemap_set(&h->pm, s->base, c->npages, 0, 0);
    s->magic = 0;
    h->slab_pages -= c->npages;
    h->pp.free_pages(h->pp.ctx, s->base, c->npages);
    footprint_update(h);
}

/* Index of the object at off bytes from the slab's start, or UINT32_MAX if
 * off is not an object's first byte below limit objects. */
static uint32_t object_index(const slab *s, uintptr_t off, uint32_t limit)
{
    if (off >= (uintptr_t)limit * s->size)
        return UINT32_MAX;
    uint32_t idx = (uint32_t)(((uint64_t)(uint32_t)off * s->recip) >> 32);
    return idx * s->size == (uint32_t)off ? idx : UINT32_MAX;
}

/* Rebuilds s's free list from its bitmap (the list was overwritten). */
static void slab_rebuild_free(sl_heap *h, slab *s)
{
    s->free = NULL;
    for (uint32_t i = s->bump; i-- > 0;) {
        if (!ab_bit_test(s->bits, i)) {
            void **obj = (void **)(void *)(s->base + (size_t)i * s->size);
            *obj = s->free;
            s->free = obj;
        }
    }
    h->st.misuse++;
}

/* ---- small objects ---- */

/* A free made slab s leave the full list or become empty. */
static void small_transition(sl_heap *h, slab *s)
{
    slab_class *c = &h->cls[s->cls];
    if (s->list == LIST_FULL) {
        full_remove(c, s);
        avail_push_head(c, s);
    }
    if (s->used != 0)
        return;
    if (c->nempty >= AB_SLAB_KEEP_EMPTY) {
        slab_release(h, c, s);
        return;
    }
    c->nempty++;
    /* Partly used slabs serve first, so that this one may drain. */
    if (s != c->avail_tail) {
        avail_remove(c, s);
        avail_push_tail(c, s);
    }
}

static inline void *small_alloc(sl_heap *h, uint32_t ci, size_t req)
{
    slab_class *c = &h->cls[ci];
    slab *s = c->avail;
    if (s == NULL) {
        s = slab_create(h, ci);
        if (s == NULL) {
            h->st.failed++;
            return NULL;
        }
    }
    unsigned char *obj;
    uint32_t idx;
    for (;;) {
        if (s->free == NULL && s->bump < s->nobj) {
            idx = s->bump++;
            obj = s->base + (size_t)idx * s->size;
            break;
        }
        /* An empty list in a slab that is not full means a write after
           free cut the list (a zeroed link): rebuild it, never bump past
           the last object into the slab's header. */
        AB_ASSERT(s->used < s->nobj);
        if (s->free == NULL) {
            slab_rebuild_free(h, s);
            continue;
        }
        obj = (unsigned char *)s->free;
        idx = object_index(s, (uintptr_t)obj - (uintptr_t)s->base, s->bump);
        if (idx != UINT32_MAX && !ab_bit_test(s->bits, idx)) {
            s->free = *(void **)(void *)obj;
            break;
        }
        slab_rebuild_free(h, s);
    }
    ab_bit_set(s->bits, idx);
    slack_set(s, idx, s->size - req);
    if (++s->used == 1)
        c->nempty--;
    if (s->used == s->nobj) {
        avail_remove(c, s);
        full_push(c, s);
    }
    live_add(h, req);
    return obj;
}

/* Frees object idx of slab s, whose first byte is ptr. */
static inline void small_free(sl_heap *h, slab *s, uint32_t idx, void *ptr)
{
    ab_bit_clear(s->bits, idx);
    live_sub(h, s->size - slack_get(s, idx));
    *(void **)ptr = s->free;
    s->free = ptr;
    if (s->used-- == s->nobj || s->used == 0)
        small_transition(h, s);
}

/* ---- large blocks ---- */

static void *large_alloc(sl_heap *h, size_t req, size_t align_pages)
{
    if (req > h->max_req) {
        h->st.failed++;
        return NULL;
    }
    size_t npages = (req + (size_t)AB_PAGE_BYTES - 1u) >> AB_PAGE_SHIFT;
    if (npages == 0)
        npages = 1;
    void *p;
    if (h->pp.alloc_pages(h->pp.ctx, npages, align_pages, &p) != AB_OK) {
        h->st.failed++;
        return NULL;
    }
    if (ab_pagemap_reserve(&h->pm, &h->pp, p, npages) != AB_OK) {
        h->pp.free_pages(h->pp.ctx, p, npages);
        footprint_update(h);
        h->st.failed++;
        return NULL;
    }
    uint64_t slack = ((uint64_t)npages << AB_PAGE_SHIFT) - req;
    ab_pagemap_set(&h->pm, p, npages,
                   ((uint64_t)npages << LARGE_PAGES_SHIFT) | (slack << LARGE_SLACK_SHIFT) | TAG_LARGE,
                   TAG_BODY);
    h->large_pages += npages;
    footprint_update(h);
    live_add(h, req);
    return p;
}

static size_t large_npages(uint64_t e) { return (size_t)(e >> LARGE_PAGES_SHIFT); }
static size_t large_slack(uint64_t e) { return (size_t)((e >> LARGE_SLACK_SHIFT) & LARGE_SLACK_MASK); }

static void large_free(sl_heap *h, void *p, uint64_t e)
{
    size_t npages = large_npages(e);
    live_sub(h, (npages << AB_PAGE_SHIFT) - large_slack(e));
    ab_pagemap_set(&h->pm, p, npages, 0, 0);
    h->large_pages -= npages;
    h->pp.free_pages(h->pp.ctx, p, npages);
    footprint_update(h);
}

/* ---- the interface ---- */

/* What a pointer is: a live object of a slab, or a live large block. */
typedef struct block_ref {
    uint64_t entry;
    slab *s;        /* NULL for a large block */
    uint32_t idx;
    size_t usable;  /* bytes the block can hold */
    size_t req;     /* bytes asked for */
} block_ref;

static ab_status block_lookup(sl_heap *h, const void *ptr, block_ref *r)
{
    uint64_t e = ab_pagemap_get(&h->pm, ptr);
    if (e == 0)
        return AB_ERANGE;
    r->entry = e;
    switch (e & TAG_MASK) {
    case TAG_SLAB: {
        slab *s = (slab *)(uintptr_t)(e & ~(uint64_t)TAG_MASK);
        uint32_t idx = object_index(s, (uintptr_t)ptr - (uintptr_t)s->base, s->nobj);
        if (idx == UINT32_MAX)
            return AB_EINVAL;
        if (idx >= s->bump || !ab_bit_test(s->bits, idx))
            return AB_EDOUBLE;
        r->s = s;
        r->idx = idx;
        r->usable = s->size;
        r->req = s->size - slack_get(s, idx);
        return AB_OK;
    }
    case TAG_LARGE:
        if (((uintptr_t)ptr & (uintptr_t)(AB_PAGE_BYTES - 1u)) != 0)
            return AB_EINVAL;
        r->s = NULL;
        r->idx = 0;
        r->usable = large_npages(e) << AB_PAGE_SHIFT;
        r->req = r->usable - large_slack(e);
        return AB_OK;
    default:
        return AB_EINVAL;
    }
}

static void block_free(sl_heap *h, void *ptr, const block_ref *r)
{
    if (r->s != NULL)
        small_free(h, r->s, r->idx, ptr);
    else
        large_free(h, ptr, r->entry);
}

static void *sl_malloc(void *self, size_t size)
{
    sl_heap *h = (sl_heap *)self;
    if (size <= AB_SLAB_MAX_SMALL)
        return small_alloc(h, h->class_of[(size + 15u) >> 4], size);
    return large_alloc(h, size, 1);
}

static void *sl_calloc(void *self, size_t nmemb, size_t size)
{
    sl_heap *h = (sl_heap *)self;
    size_t bytes;
    if (!ab_heap_mul_ok(nmemb, size, &bytes)) {
        h->st.failed++;
        return NULL;
    }
    void *p = sl_malloc(h, bytes);
    if (p != NULL)
        ab_heap_zero(p, bytes);
    return p;
}

static void *sl_memalign(void *self, size_t align, size_t size)
{
    sl_heap *h = (sl_heap *)self;
    if (align == 0 || (align & (align - 1u)) != 0) {
        h->st.failed++;
        return NULL;
    }
    if (align <= AB_HEAP_ALIGN)
        return sl_malloc(h, size);
    if (size <= AB_SLAB_MAX_SMALL && align <= AB_SLAB_MAX_SMALL) {
        /* A power-of-two class: its objects are naturally aligned. */
        size_t want = size > align ? size : align;
        size_t pow2 = (size_t)1 << ab_log2_ceil(want);
        return small_alloc(h, h->class_of[pow2 >> 4], size);
    }
    if (align > h->max_req) {
        h->st.failed++;
        return NULL;
    }
    return large_alloc(h, size, align > AB_PAGE_BYTES ? align >> AB_PAGE_SHIFT : 1);
}

static ab_status sl_free(void *self, void *ptr)
{
    sl_heap *h = (sl_heap *)self;
    if (ptr == NULL)
        return AB_OK;
    /* The common case inline: a live object of a slab. */
    uint64_t e = ab_pagemap_get(&h->pm, ptr);
    if ((e & TAG_MASK) == TAG_SLAB) {
        slab *sl = (slab *)(uintptr_t)(e & ~(uint64_t)TAG_MASK);
        uint32_t idx = object_index(sl, (uintptr_t)ptr - (uintptr_t)sl->base, sl->bump);
        if (idx != UINT32_MAX && ab_bit_test(sl->bits, idx)) {
            small_free(h, sl, idx, ptr);
            return AB_OK;
        }
    }
    block_ref r;
    ab_status s = block_lookup(h, ptr, &r);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    block_free(h, ptr, &r);
    return AB_OK;
}

static ab_status sl_realloc(void *self, void *ptr, size_t size, void **out)
{
    sl_heap *h = (sl_heap *)self;
    if (out == NULL) {
        h->st.misuse++;
        return AB_EINVAL;
    }
    *out = NULL;
    if (ptr == NULL) {
        *out = sl_malloc(h, size);
        return *out != NULL ? AB_OK : AB_ENOMEM;
    }
    block_ref r;
    ab_status s = block_lookup(h, ptr, &r);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    if (size == 0) {
        block_free(h, ptr, &r);
        return AB_OK;
    }
    if (size > h->max_req) {
        h->st.failed++;
        return AB_ENOMEM;
    }
    /* In place iff the block is what malloc(size) would give. */
    bool same;
    if (r.s != NULL)
        same = size <= AB_SLAB_MAX_SMALL && h->class_of[(size + 15u) >> 4] == r.s->cls;
    else
        same = size > AB_SLAB_MAX_SMALL && size <= r.usable &&
               size > r.usable - (size_t)AB_PAGE_BYTES;
    if (same) {
        if (r.s != NULL) {
            slack_set(r.s, r.idx, r.usable - size);
        } else {
            size_t npages = large_npages(r.entry);
            uint64_t slack = ((uint64_t)npages << AB_PAGE_SHIFT) - size;
            ab_pagemap_set(&h->pm, ptr, 1,
                           ((uint64_t)npages << LARGE_PAGES_SHIFT) |
                               (slack << LARGE_SLACK_SHIFT) | TAG_LARGE,
                           0);
        }
        h->st.live_bytes = h->st.live_bytes - r.req + size;
        if (h->st.live_bytes > h->st.peak_live_bytes)
            h->st.peak_live_bytes = h->st.live_bytes;
        *out = ptr;
        return AB_OK;
    }
    void *p = sl_malloc(h, size);
    if (p == NULL)
        return AB_ENOMEM;
    ab_heap_copy(p, ptr, r.usable < size ? r.usable : size);
    block_free(h, ptr, &r);
    h->st.mallocs--; /* a move is not a new block */
    h->st.frees--;
    *out = p;
    return AB_OK;
}

static ab_status sl_usable_size(void *self, const void *ptr, size_t *out)
{
    sl_heap *h = (sl_heap *)self;
    block_ref r;
    ab_status s = out == NULL ? AB_EINVAL : block_lookup(h, ptr, &r);
    if (s != AB_OK) {
        h->st.misuse++;
        return s;
    }
    *out = r.usable;
    return AB_OK;
}

static void sl_stats(const void *self, ab_heap_stats *out)
{
    *out = ((const sl_heap *)self)->st;
}

static void sl_fini(void *self)
{
    sl_heap *h = (sl_heap *)self;
    for (uint32_t i = 0; i < AB_SLAB_CLASSES; i++) {
        slab_class *c = &h->cls[i];
        while (c->avail != NULL)
            slab_release(h, c, c->avail);
        while (c->full != NULL)
            slab_release(h, c, c->full);
        c->nempty = 0;
    }
    for (size_t t = 0; t < h->pm.ntop; t++) {
        if (h->pm.top[t] == NULL)
            continue;
        for (size_t i = 0; i < AB_PM_LEAF_ENTRIES; i++) {
            uint64_t e = h->pm.top[t][i];
            if ((e & TAG_MASK) == TAG_LARGE) {
                void *p = (void *)(h->pm.base + (((t << AB_PM_LEAF_SHIFT) + i) << AB_PAGE_SHIFT));
                large_free(h, p, e);
            }
        }
    }
    ab_pagemap_fini(&h->pm, &h->pp);
    h->st.live_bytes = 0;
    h->st.live_blocks = 0;
    footprint_update(h);
    h->magic = 0;
}

/* Invariant 4 and 5 for one slab; adds its live objects to *blocks, *bytes. */
static size_t slab_check(const sl_heap *h, const slab_class *c, slab *s, uint64_t *blocks,
                         uint64_t *bytes)
{
    size_t broken = 0;
    AB_INSIST(broken, s->size == c->size && s->recip == c->recip && s->nobj == c->nobj &&
                          s->slack_shift == slack_width(c->size) - 1u &&
                          s->slack == (uint8_t *)(s->bits + bitmap_words(c->nobj)) &&
                          "slab copies of the class fields");
    AB_INSIST(broken, s->bump <= c->nobj && "bump within the slab");
    if (s->bump > c->nobj)
        return broken;
    uint32_t words = bitmap_words(c->nobj);
    uint64_t set = 0;
    for (uint32_t w = 0; w < words; w++)
        set += ab_popcount64(s->bits[w]);
    AB_INSIST(broken, set == s->used && "bitmap counts used objects");
    AB_INSIST(broken, ab_bits_find(s->bits, s->bump, words * 64u, true) == words * 64u &&
                          "no allocated bit at or past bump");
    uint32_t nfree = 0;
    for (void *f = s->free; f != NULL; f = *(void **)f) {
        uint32_t idx = object_index(s, (uintptr_t)f - (uintptr_t)s->base, s->bump);
        bool ok = idx != UINT32_MAX && !ab_bit_test(s->bits, idx) && nfree < s->bump;
        AB_INSIST(broken, ok && "free list entry is a free object");
        if (!ok)
            break;
        nfree++;
    }
    AB_INSIST(broken, nfree + s->used == s->bump && "free list holds bump - used objects");
    for (uint32_t i = 0; i < s->bump; i++) {
        if (ab_bit_test(s->bits, i)) {
            uint32_t slack = slack_get(s, i);
            AB_INSIST(broken, slack <= c->size && "slack at most the class size");
            (*blocks)++;
            *bytes += c->size - slack;
        }
    }
    size_t first = ab_pagemap_index(&h->pm, s->base);
    for (uint32_t k = 0; k < c->npages; k++)
        AB_INSIST(broken, ab_pagemap_at(&h->pm, first + k) == ((uint64_t)(uintptr_t)s | TAG_SLAB) &&
                              "slab page maps to its header");
    return broken;
}

static size_t sl_check(const void *self)
{
    const sl_heap *h = (const sl_heap *)self;
    size_t broken = 0;
    /* 1. The instance. */
    AB_INSIST(broken, h->magic == HEAP_MAGIC && "instance magic");
    if (h->magic != HEAP_MAGIC)
        return broken;
    for (uint32_t i = 0; i < AB_SLAB_CLASSES; i++) {
        const slab_class *c = &h->cls[i];
        uint32_t bytes = c->npages << AB_PAGE_SHIFT;
        AB_INSIST(broken, c->size == class_sizes[i] && c->nobj >= 1 &&
                              c->nobj * c->size <= c->hdr_off &&
                              c->hdr_off + header_bytes(c->nobj, c->size) == bytes && (c->hdr_off & 15u) == 0 &&
                              "class layout");
        AB_INSIST(broken, ((uint64_t)c->recip * c->size) >> 32 == 1 && "class reciprocal");
    }
    for (uint32_t k = 0; k <= (AB_SLAB_MAX_SMALL >> 4); k++) {
        uint32_t ci = h->class_of[k];
        AB_INSIST(broken, ci < AB_SLAB_CLASSES && class_sizes[ci] >= (k << 4) &&
                              (ci == 0 || class_sizes[ci - 1] < (k << 4)) && "class_of table");
    }
    AB_INSIST(broken, ab_pagemap_count_leaves(&h->pm) == h->pm.nleaves && "leaf count");

    uint64_t blocks = 0, bytes = 0, slab_pages = 0;
    for (uint32_t i = 0; i < AB_SLAB_CLASSES; i++) {
        const slab_class *c = &h->cls[i];
        uint32_t n = 0, nempty = 0;
        /* 2, 3. The lists. */
        const slab *prev = NULL;
        for (slab *s = c->avail; s != NULL; prev = s, s = s->next) {
            if (++n > c->nslabs) {
                AB_INSIST(broken, false && "avail list longer than nslabs (cycle?)");
                return broken;
            }
            bool ok = s->magic == SLAB_MAGIC && s->cls == i && s->list == LIST_AVAIL &&
                      s->used < c->nobj && s->prev == prev;
            AB_INSIST(broken, ok && "avail slab header");
            if (s->magic != SLAB_MAGIC)
                return broken;
            nempty += s->used == 0;
            broken += slab_check(h, c, s, &blocks, &bytes);
        }
        AB_INSIST(broken, prev == c->avail_tail && "avail tail");
        prev = NULL;
        for (slab *s = c->full; s != NULL; prev = s, s = s->next) {
            if (++n > c->nslabs) {
                AB_INSIST(broken, false && "full list longer than nslabs (cycle?)");
                return broken;
            }
            bool ok = s->magic == SLAB_MAGIC && s->cls == i && s->list == LIST_FULL &&
                      s->used == c->nobj && s->prev == prev;
            AB_INSIST(broken, ok && "full slab header");
            if (s->magic != SLAB_MAGIC)
                return broken;
            broken += slab_check(h, c, s, &blocks, &bytes);
        }
        AB_INSIST(broken, n == c->nslabs && "slab count");
        AB_INSIST(broken, nempty == c->nempty && nempty <= AB_SLAB_KEEP_EMPTY && "empty slabs");
        slab_pages += (uint64_t)n * c->npages;
    }
    /* 5. The page map: slab pages, large heads and bodies. */
    uint64_t mapped_slab = 0, large_pages = 0;
    size_t body_left = 0;
    for (size_t t = 0; t < h->pm.ntop; t++) {
        for (size_t i = 0; i < AB_PM_LEAF_ENTRIES; i++) {
            uint64_t e = h->pm.top[t] != NULL ? h->pm.top[t][i] : 0;
            unsigned tag = (unsigned)(e & TAG_MASK);
            if (body_left > 0) {
                AB_INSIST(broken, tag == TAG_BODY && "large block body");
                body_left--;
                continue;
            }
            if (tag == TAG_SLAB) {
                mapped_slab++;
            } else if (tag == TAG_LARGE) {
                size_t np = large_npages(e);
                AB_INSIST(broken, np >= 1 && large_slack(e) <= (np << AB_PAGE_SHIFT) &&
                                      "large block head");
                large_pages += np;
                blocks++;
                bytes += (np << AB_PAGE_SHIFT) - large_slack(e);
                body_left = np > 0 ? np - 1u : 0;
            } else {
                AB_INSIST(broken, e == 0 && "page map entry is slab, large or 0");
            }
        }
    }
    AB_INSIST(broken, body_left == 0 && "large block inside the window");
    AB_INSIST(broken, mapped_slab == slab_pages && slab_pages == h->slab_pages && "slab pages");
    AB_INSIST(broken, large_pages == h->large_pages && "large pages");
    /* 6. Counters. */
    AB_INSIST(broken, blocks == h->st.live_blocks && "live_blocks");
    AB_INSIST(broken, bytes == h->st.live_bytes && "live_bytes");
    AB_INSIST(broken, h->st.footprint_bytes ==
                          (h->slab_pages + h->large_pages + h->pm.nleaves) * AB_PAGE_BYTES &&
                          "footprint");
    AB_INSIST(broken, h->st.peak_live_bytes >= h->st.live_bytes &&
                          h->st.peak_footprint_bytes >= h->st.footprint_bytes && "peaks");
    return broken;
}

const ab_heap ab_heap_slab = {
    .name = "slab",
    .summary = "24 size classes 16..2048 B, slabs of 1-8 pages with a LIFO free list "
               "and an allocated bitmap, large blocks as pages: O(1)",
    .meta_bytes = sl_meta_bytes,
    .init = sl_init,
    .fini = sl_fini,
    .malloc = sl_malloc,
    .calloc = sl_calloc,
    .memalign = sl_memalign,
    .realloc = sl_realloc,
    .free = sl_free,
    .usable_size = sl_usable_size,
    .stats = sl_stats,
    .check = sl_check,
};
