/*
 * allocbench: the null strategy (null_strategy.h). alloc and free are O(1):
 * a counter and a subtraction. Metadata: one 64-byte header, whatever the
 * size (0 bytes per GiB managed).
 */
#include "null_strategy.h"

typedef struct null_inst {
    uint64_t first_page;  /* of the first span */
    uint64_t span_pages;  /* of the first span */
    uint64_t total_pages; /* of all spans */
    uint64_t next;        /* next page handed out, relative to first_page */
    uint64_t live;        /* pages allocated and not freed */
} null_inst;

static size_t null_meta_bytes(const ab_span *spans, size_t nspans)
{
    if (!ab_spans_normalized(spans, nspans))
        return 0;
    return (sizeof(null_inst) + AB_META_ALIGN - 1u) & ~(size_t)(AB_META_ALIGN - 1u);
}

static ab_status null_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    if (meta == NULL || ((uintptr_t)meta & (AB_META_ALIGN - 1u)) != 0 ||
        null_meta_bytes(spans, nspans) == 0 || meta_len < null_meta_bytes(spans, nspans))
        return AB_EINVAL;
    null_inst *n = meta;
    n->first_page = spans[0].first_page;
    n->span_pages = spans[0].npages;
    n->total_pages = 0;
    for (size_t i = 0; i < nspans; i++)
        n->total_pages += spans[i].npages;
    n->next = 0;
    n->live = 0;
    return AB_OK;
}

static ab_status null_alloc(void *self, uint64_t npages, uint64_t align, uint64_t *addr)
{
    null_inst *n = self;
    if (addr == NULL || npages == 0 || (align & (align - 1u)) != 0)
        return AB_EINVAL;
    if (npages > 1u || align > 1u)
        return AB_ENOTSUP;
    if (n->live == n->total_pages)
        return AB_ENOMEM;
    *addr = (n->first_page + n->next) << AB_PAGE_SHIFT;
    n->next = n->next + 1u == n->span_pages ? 0 : n->next + 1u;
    n->live++;
    return AB_OK;
}

static ab_status null_free(void *self, uint64_t addr, uint64_t npages)
{
    null_inst *n = self;
    if (npages == 0)
        return AB_EINVAL;
    if ((addr & (AB_PAGE_BYTES - 1u)) != 0)
        return AB_EALIGN;
    if (npages > n->live)
        return AB_EDOUBLE;
    n->live -= npages;
    return AB_OK;
}

static void null_stats(const void *self, ab_stats *out)
{
    const null_inst *n = self;
    out->total_pages = n->total_pages;
    out->free_pages = n->total_pages - n->live;
    out->largest_free_run = 0;
    out->free_runs = 0;
    out->meta_bytes = (sizeof(null_inst) + AB_META_ALIGN - 1u) & ~(uint64_t)(AB_META_ALIGN - 1u);
}

static void null_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    (void)self;
    (void)fn;
    (void)ctx;
}

static size_t null_check(const void *self)
{
    const null_inst *n = self;
    size_t broken = 0;
    AB_INSIST(broken, n->live <= n->total_pages && "1. live <= total_pages");
    AB_INSIST(broken, n->next < n->span_pages && "2. next inside the first span");
    return broken;
}

const ab_strategy ab_null_strategy = {
    .name = "null",
    .summary = "harness floor, not an allocator: a page counter; free only counts",
    .caps = 0,
    .max_npages = 1,
    .meta_bytes = null_meta_bytes,
    .init = null_init,
    .alloc = null_alloc,
    .free = null_free,
    .stats = null_stats,
    .walk_free = null_walk_free,
    .check = null_check,
};
