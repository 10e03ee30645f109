/*
 * kmalloc: one heap from heaps/ (heap=slab|firstfit on the command line,
 * default slab) over the kernel window. The heap's page provider is the VMM
 * backed by the PMM, so every block is real mapped memory:
 *
 *   kmalloc(n) -> heap malloc -> (out of slab/arena pages)
 *              -> kheap_alloc_pages: vmm_reserve_aligned + vmm_map
 *                 (one PMM frame + PTE + invlpg per page)
 *   kfree(p)   -> heap free   -> (a slab/arena/large block empties)
 *              -> kheap_free_pages: vmm_unmap (PTE cleared, invlpg, frame
 *                 back to the PMM) + vmm_release
 *
 * The instance (ab_heap.meta_bytes of the window: ~1 KiB) was placed by the
 * boot bump allocator, like the PMM and VMM metadata, so kmalloc needs no
 * memory to exist and nothing below it calls it. Kernel glue: one heap, global.
 */
#ifndef KERNEL_KHEAP_H
#define KERNEL_KHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/heap.h"

/* The provider over [base, base + npages pages): the VMM window. */
void kheap_provider(uint32_t base, uint32_t npages, ab_page_provider *out);

/* Builds the heap in meta (bump-placed, meta_len >= h->meta_bytes(pp));
 * panics if the heap refuses. Takes no page. */
void kheap_init(const ab_heap *h, void *meta, size_t meta_len, const ab_page_provider *pp);

void *kmalloc(size_t n);
/* kfree's status: AB_OK, or the heap's misuse status (ERANGE, EINVAL, EDOUBLE). */
ab_status kfree(void *p);

const ab_heap *kheap_heap(void);
void *kheap_instance(void);

/* Pages the provider has handed out and not taken back. */
uint64_t kheap_pages(void);

/* Gives every page back (fini); kmalloc is unusable afterwards. */
void kheap_fini(void);

#endif
