/* The kernel window and demand paging; see vmm.h. */
#include "vmm.h"

#include "klibc.h"
#include "paging.h"
#include "panic.h"
#include "pmm.h"

typedef struct demand_region {
    uint32_t va, npages;
} demand_region;

static const ab_strategy *vmm_st;
static void *vmm_self;
static uint32_t win_base, win_pages;
static demand_region demand[VMM_MAX_DEMAND];
static uint32_t ndemand;
static uint64_t nfaults;

void vmm_init(const ab_strategy *st, void *meta, size_t meta_len, uint32_t base,
              uint32_t npages)
{
    ab_span span = {base >> 12, npages};
    ab_status s = st->init(meta, meta_len, &span, 1);
    if (s != AB_OK)
        panic("vmm_init: %s init failed: %s", st->name, ab_status_name(s));
    vmm_st = st;
    vmm_self = meta;
    win_base = base;
    win_pages = npages;
}

ab_status vmm_reserve(uint32_t npages, uint32_t *va)
{
    return vmm_reserve_aligned(npages, 1, va);
}

ab_status vmm_reserve_aligned(uint32_t npages, uint32_t align_pages, uint32_t *va)
{
    uint64_t addr;
    ab_status s = vmm_st->alloc(vmm_self, npages, align_pages ? align_pages : 1, &addr);
    if (s != AB_OK)
        return s;
    if (addr < win_base || ((addr - win_base) >> 12) + npages > win_pages)
        panic("vmm_reserve: %s returned 0x%llx, outside the window", vmm_st->name,
              (unsigned long long)addr);
    *va = (uint32_t)addr;
    return AB_OK;
}

void vmm_release(uint32_t va, uint32_t npages)
{
    ab_status s = vmm_st->free(vmm_self, va, npages);
    if (s != AB_OK)
        panic("vmm_release: %s refused 0x%08x+%u pages: %s", vmm_st->name, va, npages,
              ab_status_name(s));
}

ab_status vmm_map(uint32_t va, uint32_t npages)
{
    for (uint32_t i = 0; i < npages; i++) {
        uint32_t pa;
        ab_status s = pmm_alloc_frame(&pa);
        if (s == AB_OK) {
            s = paging_map(va + (i << 12), pa);
            if (s != AB_OK)
                pmm_free_frame(pa);
        }
        if (s != AB_OK) {
            vmm_unmap(va, i);
            return s;
        }
    }
    return AB_OK;
}

uint32_t vmm_unmap(uint32_t va, uint32_t npages)
{
    uint32_t mapped = 0;
    for (uint32_t i = 0; i < npages; i++) {
        uint32_t page = va + (i << 12);
        if (!paging_lookup(page, NULL))
            continue;
        pmm_free_frame(paging_unmap(page));
        mapped++;
    }
    return mapped;
}

ab_status vmm_demand_add(uint32_t va, uint32_t npages)
{
    if (ndemand == VMM_MAX_DEMAND)
        return AB_ENOMEM;
    demand[ndemand++] = (demand_region){va, npages};
    return AB_OK;
}

void vmm_demand_remove(uint32_t va)
{
    for (uint32_t i = 0; i < ndemand; i++)
        if (demand[i].va == va) {
            demand[i] = demand[--ndemand];
            return;
        }
    panic("vmm_demand_remove: no demand region at 0x%08x", va);
}

bool vmm_page_fault(uint32_t addr, uint32_t err)
{
    if (err & 1) /* protection violation on a present page: not ours */
        return false;
    uint32_t page = addr & ~0xFFFu;
    for (uint32_t i = 0; i < ndemand; i++) {
        if (page < demand[i].va || (page - demand[i].va) >> 12 >= demand[i].npages)
            continue;
        uint32_t pa;
        if (pmm_alloc_frame(&pa) != AB_OK)
            panic("page fault at 0x%08x: out of frames for a demand page", addr);
        if (paging_map(page, pa) != AB_OK)
            panic("page fault at 0x%08x: out of frames for a page table", addr);
        memset((void *)(uintptr_t)page, 0, 4096);
        nfaults++;
        return true;
    }
    return false;
}

uint64_t vmm_faults(void) { return nfaults; }
const ab_strategy *vmm_strategy(void) { return vmm_st; }
void *vmm_instance(void) { return vmm_self; }
