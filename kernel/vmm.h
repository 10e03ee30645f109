/*
 * The kernel virtual window [KWIN_BASE, KWIN_BASE + window): a strategy in
 * the VMM role hands out page ranges of it; the PMM backs them with frames,
 * either at once (vmm_map) or on first touch (demand regions, seed 003).
 *
 *   reserve  -> VMM strategy alloc: address space only, nothing mapped
 *   map      -> per page: PMM frame + PTE + invlpg
 *   demand   -> the range is recorded; the page-fault handler maps a zeroed
 *               frame when a page of it is first touched
 *   unmap    -> per mapped page: PTE cleared + invlpg + PMM free
 *   release  -> VMM strategy free
 */
#ifndef KERNEL_VMM_H
#define KERNEL_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

#define VMM_MAX_DEMAND 64 /* demand regions alive at once */

void vmm_init(const ab_strategy *st, void *meta, size_t meta_len, uint32_t base,
              uint32_t npages);

/* npages of window at *va, nothing mapped. Returns the strategy's status. */
ab_status vmm_reserve(uint32_t npages, uint32_t *va);

/* As vmm_reserve, with *va a multiple of align_pages pages (0 or 1: any);
 * kmalloc's page provider uses it for aligned blocks. */
ab_status vmm_reserve_aligned(uint32_t npages, uint32_t align_pages, uint32_t *va);

/* Gives back a reserved range; panics if the strategy refuses. */
void vmm_release(uint32_t va, uint32_t npages);

/*
 * Backs [va, va + npages pages) with fresh frames. Returns AB_ENOMEM (with
 * nothing left mapped) iff the PMM runs out.
 */
ab_status vmm_map(uint32_t va, uint32_t npages);

/* Unmaps every mapped page of the range and frees its frames; returns how
 * many were mapped. */
uint32_t vmm_unmap(uint32_t va, uint32_t npages);

/* Marks a reserved range as demand-paged. Returns AB_ENOMEM iff the table of
 * VMM_MAX_DEMAND regions is full. */
ab_status vmm_demand_add(uint32_t va, uint32_t npages);

/* Forgets a demand region (its pages stay mapped until vmm_unmap). */
void vmm_demand_remove(uint32_t va);

/*
 * The page-fault hook: a not-present fault inside a demand region gets a
 * zeroed frame and returns true; anything else returns false (the caller
 * panics). Out of frames on a demand fault panics.
 */
bool vmm_page_fault(uint32_t addr, uint32_t err);

/* Demand faults served so far. */
uint64_t vmm_faults(void);

const ab_strategy *vmm_strategy(void);
void *vmm_instance(void);

#endif
