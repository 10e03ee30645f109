/* Boot-time memory layout; see kmem.h. */
#include "kmem.h"

#include <stdbool.h>

#include "klibc.h"
#include "kprintf.h"
#include "memmap.h"
#include "paging.h"
#include "panic.h"
#include "pmm.h"
#include "vmm.h"

extern char _kernel_start[], _kernel_end[];

typedef struct bump {
    uint64_t cur, limit;
} bump;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static uint64_t bump_alloc(bump *b, uint64_t bytes, uint64_t align, const char *what)
{
    uint64_t at = align_up(b->cur, align);
    if (at + bytes > b->limit)
        panic("boot: %s (%llu bytes) does not fit in the span after the kernel "
              "(0x%llx..0x%llx)", what, (unsigned long long)bytes,
              (unsigned long long)at, (unsigned long long)b->limit);
    b->cur = at + bytes;
    return at;
}

size_t kmem_read_map(const mb_info *mbi, void *regions_out, size_t cap)
{
    ab_region *out = regions_out;
    if (!(mbi->flags & MB_INFO_MMAP)) {
        kprintf("@@AB-ERROR: boot: the loader gave no memory map\n");
        return 0;
    }
    size_t n = 0;
    uint32_t at = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
    while (at < end && n < cap) {
        const mb_mmap_entry *e = (const mb_mmap_entry *)(uintptr_t)at;
        out[n++] = (ab_region){e->base, e->length, e->type};
        at += e->size + 4;
    }
    return n;
}

/* The boot module: after the kernel in its span (QEMU's place: the bump
   allocator starts past it), or anywhere else, cut out of the spans.
   Returns the end of the identity map the module needs (0: none beyond
   the kernel's). */
static uint64_t module_place(kmem_layout *out, ab_span *spans, size_t *n, bump *b,
                             uint64_t span_end, uint32_t module_start, uint32_t module_end)
{
    if (module_end <= module_start)
        return 0;
    out->module_start = module_start;
    out->module_end = module_end;
    if (module_start < out->kernel_end && module_end > out->kernel_start)
        panic("boot: module 0x%08x..0x%08x overlaps the kernel image", module_start,
              module_end);
    if (module_start >= out->kernel_end && module_start < span_end) {
        if (module_end > span_end)
            panic("boot: module 0x%08x..0x%08x runs past usable memory", module_start,
                  module_end);
        b->cur = align_up(module_end, 4096);
        return 0;
    }
    uint64_t first = module_start >> 12;
    uint64_t last = align_up(module_end, 4096) >> 12;
    if (ab_spans_remove(spans, n, KMEM_MAX_SPANS, first, last - first) != AB_OK)
        panic("boot: cutting out the module splits the map too often");
    if (ab_span_find(spans, *n, out->kernel_end >> 12) == *n)
        panic("boot: the kernel's span vanished cutting out the module");
    return align_up(module_end, 4096);
}

/*
 * The PMM's metadata comes last, at pmeta_at; cutting it out of the spans
 * can change what it needs, so size it until it stops growing. Cutting
 * only trims the front of one span, so this settles in a step or two.
 */
static size_t pmm_meta_settle(const ab_strategy *pmm, const ab_span *spans, size_t n,
                              uint64_t pmeta_at, uint32_t kernel_start)
{
    ab_span trial[KMEM_MAX_SPANS];
    size_t pmeta = pmm->meta_bytes(spans, n);
    for (int round = 0;; round++) {
        if (pmeta == 0)
            panic("boot: %s cannot manage this memory map", pmm->name);
        uint64_t end_page = align_up(pmeta_at + pmeta, 4096) >> 12;
        size_t tn = n;
        memcpy(trial, spans, n * sizeof *spans);
        if (ab_spans_remove(trial, &tn, KMEM_MAX_SPANS, kernel_start >> 12,
                            end_page - (kernel_start >> 12)) != AB_OK)
            panic("boot: cutting out the kernel splits the map too often");
        size_t need = tn ? pmm->meta_bytes(trial, tn) : 0;
        if (need != 0 && need <= pmeta)
            return pmeta;
        if (round == 8)
            panic("boot: %s metadata size does not settle", pmm->name);
        pmeta = need;
    }
}

void kmem_init(const void *regions, size_t nregions, const ab_strategy *pmm,
               const ab_strategy *vmm, uint64_t mem_limit_bytes, uint64_t window_bytes,
               size_t scratch_bytes, size_t heap_meta_bytes, uint32_t module_start,
               uint32_t module_end, kmem_layout *out)
{
    memset(out, 0, sizeof *out);
    ab_span *spans = out->spans;
    size_t n = 0;
    if (ab_memmap_to_spans(regions, nregions, spans, KMEM_MAX_SPANS, &n) != AB_OK)
        panic("boot: the memory map has more than %d usable pieces", KMEM_MAX_SPANS);
    if (n == 0)
        panic("boot: the memory map has no usable page");
    out->usable_pages = ab_spans_pages(spans, n);

    uint64_t limit_page = mem_limit_bytes >> 12;
    if (limit_page < AB_PAGE_LIMIT &&
        ab_spans_remove(spans, &n, KMEM_MAX_SPANS, limit_page, AB_PAGE_LIMIT - limit_page) != AB_OK)
        panic("boot: cannot cut the map at the memory limit");

    out->kernel_start = (uint32_t)(uintptr_t)_kernel_start;
    out->kernel_end = (uint32_t)(uintptr_t)_kernel_end;
    size_t k = ab_span_find(spans, n, out->kernel_end >> 12);
    if (k == n || ab_span_find(spans, n, out->kernel_start >> 12) != k)
        panic("boot: the kernel image 0x%08x..0x%08x is not in usable memory",
              out->kernel_start, out->kernel_end);
    uint64_t span_end = (spans[k].first_page + spans[k].npages) << 12;
    bump b = {out->kernel_end, span_end};

    uint64_t module_identity_end =
        module_place(out, spans, &n, &b, span_end, module_start, module_end);

    uint32_t pd = (uint32_t)bump_alloc(&b, 4096, 4096, "page directory");
    uint32_t pt0 = (uint32_t)bump_alloc(&b, 4096, 4096, "first page table");

    out->window_base = KWIN_BASE;
    out->window_pages = (uint32_t)(window_bytes >> 12);
    ab_span win = {KWIN_BASE >> 12, out->window_pages};
    out->vmm_meta_bytes = vmm->meta_bytes(&win, 1);
    if (out->vmm_meta_bytes == 0)
        panic("boot: %s cannot manage a window of %u pages", vmm->name, out->window_pages);
    void *vmeta = (void *)(uintptr_t)bump_alloc(&b, out->vmm_meta_bytes, AB_META_ALIGN,
                                                "VMM metadata");
    out->heap_meta_bytes = heap_meta_bytes;
    out->heap_meta = (void *)(uintptr_t)bump_alloc(&b, heap_meta_bytes ? heap_meta_bytes : 64,
                                                   AB_META_ALIGN, "kmalloc instance");
    out->scratch_bytes = scratch_bytes;
    out->scratch = (void *)(uintptr_t)bump_alloc(&b, scratch_bytes ? scratch_bytes : 64,
                                                 AB_META_ALIGN, "workload scratch");

    /* The PMM's metadata comes last (pmm_meta_settle). */
    size_t pmeta = pmm_meta_settle(pmm, spans, n, align_up(b.cur, AB_META_ALIGN),
                                   out->kernel_start);
    void *pmeta_ptr = (void *)(uintptr_t)bump_alloc(&b, pmeta, AB_META_ALIGN, "PMM metadata");
    out->pmm_meta_bytes = pmeta;
    out->bump_end = (uint32_t)align_up(b.cur, 4096);
    if (ab_spans_remove(spans, &n, KMEM_MAX_SPANS, out->kernel_start >> 12,
                        (out->bump_end - out->kernel_start) >> 12) != AB_OK || n == 0)
        panic("boot: no memory left for the PMM");
    out->nspans = n;
    out->managed_pages = ab_spans_pages(spans, n);

    uint64_t ident = out->bump_end > module_identity_end ? out->bump_end : module_identity_end;
    if (align_up(ident, 4u << 20) > KWIN_BASE)
        panic("boot: the identity map would reach the kernel window (0x%llx)",
              (unsigned long long)ident);
    out->identity_end = (uint32_t)align_up(ident, 4u << 20);
    paging_init(pd, pt0, out->identity_end);
    pmm_init(pmm, pmeta_ptr, pmeta, spans, n);
    vmm_init(vmm, vmeta, out->vmm_meta_bytes, KWIN_BASE, out->window_pages);
}
