/*
 * Paging: see paging.h. Every map and unmap is O(1) plus, on the first
 * mapping in a 4 MiB slot, one PMM allocation and a 4 KiB clear.
 */
#include "paging.h"

#include "klibc.h"
#include "panic.h"
#include "pmm.h"
#include "x86.h"

static uint32_t table_frames;

void paging_init(uint32_t pd_phys, uint32_t pt0_phys, uint32_t identity_end)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (!(d & (1u << 3)))
        panic("paging_init: CPU lacks PSE (4 MiB pages)");
    uint32_t *pd = (uint32_t *)(uintptr_t)pd_phys;
    uint32_t *pt0 = (uint32_t *)(uintptr_t)pt0_phys;
    memset(pd, 0, 4096);
    memset(pt0, 0, 4096);
    uint32_t slots = (identity_end + (4u << 20) - 1) >> 22;
    if (slots == 0 || (uint64_t)slots << 22 > KWIN_BASE)
        panic("paging_init: identity map of %u slots reaches the window", slots);
    for (uint32_t i = 1; i < 1024; i++) /* page 0 stays unmapped */
        pt0[i] = (i << 12) | PTE_P | PTE_W;
    pd[0] = pt0_phys | PTE_P | PTE_W;
    for (uint32_t s = 1; s < slots; s++)
        pd[s] = (s << 22) | PTE_PS | PTE_P | PTE_W;
    pd[1023] = pd_phys | PTE_P | PTE_W;
    cr4_write(cr4_read() | CR4_PSE);
    cr3_write(pd_phys);
    cr0_write(cr0_read() | CR0_PG | CR0_WP);
}

ab_status paging_map(uint32_t va, uint32_t pa)
{
    volatile uint32_t *pde = PDE_PTR(va);
    if (!(*pde & PTE_P)) {
        uint32_t frame;
        if (pmm_alloc_frame(&frame) != AB_OK)
            return AB_ENOMEM;
        *pde = frame | PTE_P | PTE_W;
        uint32_t table_va = (uint32_t)(uintptr_t)PTE_PTR(va & ~0x3FFFFFu);
        invlpg(table_va);
        memset((void *)(uintptr_t)table_va, 0, 4096);
        table_frames++;
    }
    volatile uint32_t *pte = PTE_PTR(va);
    if (*pte & PTE_P)
        panic("paging_map: 0x%08x is already mapped to 0x%08x", va, *pte & PTE_FRAME);
    *pte = pa | PTE_P | PTE_W;
    /* Not-present entries are never cached on x86; the flush is kept so the
     * measured map cost includes one, as a portable kernel would pay. */
    invlpg(va);
    return AB_OK;
}

uint32_t paging_unmap(uint32_t va)
{
    uint32_t pa;
    if (!paging_lookup(va, &pa))
        panic("paging_unmap: 0x%08x is not mapped", va);
    *PTE_PTR(va) = 0;
    invlpg(va);
    return pa;
}

bool paging_lookup(uint32_t va, uint32_t *pa)
{
    uint32_t pde = *PDE_PTR(va);
    if (!(pde & PTE_P))
        return false;
    if (pde & PTE_PS) {
        if (pa != NULL)
            *pa = (pde & 0xFFC00000u) | (va & 0x3FF000u);
        return true;
    }
    uint32_t pte = *PTE_PTR(va);
    if (!(pte & PTE_P))
        return false;
    if (pa != NULL)
        *pa = pte & PTE_FRAME;
    return true;
}

uint32_t paging_table_frames(void) { return table_frames; }
