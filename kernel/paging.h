/*
 * i386 two-level paging without PAE.
 *
 *   [0, identity_end)  identity map of the kernel image, its stack and the
 *                      boot-time metadata; page 0 is left unmapped so that a
 *                      NULL dereference faults. The first 4 MiB uses a page
 *                      table, the rest 4 MiB PSE pages.
 *   [KWIN_BASE, +win)  the kernel virtual window, handed out by the VMM;
 *                      its page tables come from the PMM on first use.
 *   0xFFC00000         recursive mapping: PDE 1023 points at the directory,
 *                      so PTE(va) and PDE(va) are plain pointers.
 */
#ifndef KERNEL_PAGING_H
#define KERNEL_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "allocbench/strategy.h"

#define KWIN_BASE 0xC0000000u
#define KRECURSIVE_BASE 0xFFC00000u

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_PS 0x080u /* in a PDE: 4 MiB page */
#define PTE_FRAME 0xFFFFF000u

/* The PTE and PDE that map va, through the recursive slot. */
#define PTE_PTR(va) ((volatile uint32_t *)KRECURSIVE_BASE + ((uint32_t)(va) >> 12))
#define PDE_PTR(va) ((volatile uint32_t *)0xFFFFF000u + ((uint32_t)(va) >> 22))

/*
 * Builds the directory in pd (4 KiB, zeroed here) and pt0 (the first 4 MiB),
 * identity-maps [4096, identity_end) and turns paging on (CR4.PSE, CR0.PG,
 * CR0.WP). identity_end is rounded up to 4 MiB. Panics without PSE.
 */
void paging_init(uint32_t pd, uint32_t pt0, uint32_t identity_end);

/*
 * Maps the page at va to frame pa (both page-aligned) and flushes va's TLB
 * entry. A missing page table is allocated from the PMM and zeroed.
 * Returns AB_ENOMEM iff that page table cannot be allocated; panics if va is
 * already mapped (a kernel bug).
 */
ab_status paging_map(uint32_t va, uint32_t pa);

/* Unmaps va, flushes its TLB entry and returns the frame. Panics if va is
 * not mapped. */
uint32_t paging_unmap(uint32_t va);

/* True iff va is mapped; *pa (may be NULL) gets its frame. */
bool paging_lookup(uint32_t va, uint32_t *pa);

/* Page tables allocated for the window so far (they are never freed). */
uint32_t paging_table_frames(void);

#endif
