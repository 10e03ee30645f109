/* kmalloc over the VMM window and the PMM; see kheap.h. */
#include "kheap.h"

#include "panic.h"
#include "vmm.h"

static const ab_heap *heap;
static void *heap_self;
static uint64_t provided; /* pages out */

/* The page provider: a VMM range, each page backed by a PMM frame. */
static ab_status kheap_alloc_pages(void *ctx, size_t npages, size_t align_pages, void **addr)
{
    (void)ctx;
    if (npages == 0 || npages > UINT32_MAX || align_pages > UINT32_MAX)
        return AB_ENOMEM;
    uint32_t va;
    ab_status s = vmm_reserve_aligned((uint32_t)npages, (uint32_t)align_pages, &va);
    if (s != AB_OK)
        return s == AB_ENOTSUP ? AB_ENOTSUP : AB_ENOMEM;
    if ((s = vmm_map(va, (uint32_t)npages)) != AB_OK) {
        vmm_release(va, (uint32_t)npages);
        return AB_ENOMEM;
    }
    provided += npages;
    *addr = (void *)(uintptr_t)va;
    return AB_OK;
}

static ab_status kheap_free_pages(void *ctx, void *addr, size_t npages)
{
    (void)ctx;
    uint32_t va = (uint32_t)(uintptr_t)addr;
    uint32_t mapped = vmm_unmap(va, (uint32_t)npages);
    if (mapped != npages)
        panic("kheap: %s gave back 0x%08x+%u pages, %u of them mapped", heap->name, va,
              (unsigned)npages, mapped);
    vmm_release(va, (uint32_t)npages);
    provided -= npages;
    return AB_OK;
}

void kheap_provider(uint32_t base, uint32_t npages, ab_page_provider *out)
{
    *out = (ab_page_provider){
        .ctx = NULL,
        .base = (void *)(uintptr_t)base,
        .npages = npages,
        .alloc_pages = kheap_alloc_pages,
        .free_pages = kheap_free_pages,
    };
}

void kheap_init(const ab_heap *h, void *meta, size_t meta_len, const ab_page_provider *pp)
{
    ab_status s = h->init(meta, meta_len, pp);
    if (s != AB_OK)
        panic("kheap_init: %s init failed: %s", h->name, ab_status_name(s));
    heap = h;
    heap_self = meta;
    provided = 0;
}

void *kmalloc(size_t n) { return heap->malloc(heap_self, n); }
ab_status kfree(void *p) { return heap->free(heap_self, p); }
const ab_heap *kheap_heap(void) { return heap; }
void *kheap_instance(void) { return heap_self; }
uint64_t kheap_pages(void) { return provided; }

void kheap_fini(void)
{
    heap->fini(heap_self);
    if (provided != 0)
        panic("kheap: %s fini left %llu pages out", heap->name, (unsigned long long)provided);
}
