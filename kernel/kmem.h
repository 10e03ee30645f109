/*
 * Boot-time memory layout: multiboot map -> spans -> early bump allocator
 * -> paging -> PMM and VMM instances.
 *
 * The bump allocator starts at the end of the kernel image, inside the
 * usable span that holds it, and places (in this order) the page directory,
 * the first page table, the VMM metadata, the kmalloc heap's instance, the
 * workload's scratch area and the PMM metadata last, because the PMM's size
 * depends on what the others took. [kernel start, bump end) is then cut out
 * of the PMM's spans.
 *
 * A multiboot module (the trace QEMU loads with -initrd) is kept where the
 * loader put it: QEMU places it right after the kernel image, so the bump
 * allocator starts after the module's end; a module anywhere else is cut
 * out of the spans on its own. Either way it stays identity-mapped and no
 * frame of it is ever handed out.
 */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"
#include "multiboot.h"

#define KMEM_MAX_REGIONS 64
#define KMEM_MAX_SPANS 64

typedef struct kmem_layout {
    ab_span spans[KMEM_MAX_SPANS]; /* the PMM's, final */
    size_t nspans;
    uint64_t usable_pages;        /* before cutting anything out */
    uint64_t managed_pages;       /* sum of spans */
    uint32_t kernel_start, kernel_end, bump_end, identity_end;
    size_t pmm_meta_bytes, vmm_meta_bytes, scratch_bytes, heap_meta_bytes;
    void *scratch;                /* identity-mapped, 64-byte aligned */
    void *heap_meta;              /* kmalloc's instance, 64-byte aligned */
    uint32_t module_start, module_end; /* [start, end) kept; 0, 0 if none */
    uint32_t window_base, window_pages;
} kmem_layout;

/*
 * Copies the memory map out of the multiboot information. Returns the
 * number of regions, 0 (after printing why) if there is none.
 */
size_t kmem_read_map(const mb_info *mbi, void *regions_out, size_t cap);

/*
 * Builds everything described above. Panics if the metadata does not fit
 * in the span that holds the kernel. After it returns, paging is on and
 * pmm_*() / vmm_*() work.
 */
void kmem_init(const void *regions, size_t nregions, const ab_strategy *pmm,
               const ab_strategy *vmm, uint64_t mem_limit_bytes, uint64_t window_bytes,
               size_t scratch_bytes, size_t heap_meta_bytes, uint32_t module_start,
               uint32_t module_end, kmem_layout *out);

#endif
