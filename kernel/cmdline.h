/*
 * The multiboot command line: space-separated key=value words.
 *
 *   pmm=S          PMM strategy (required)
 *   vmm=S          VMM strategy for the kernel window (default: pmm if it
 *                  serves contiguous runs, else the first one that does)
 *   workload=W     what to run (required; see workloads.c)
 *   seed=N         workload seed (default 1)
 *   mode=M         label for the env column: kernel-M (kvm, tcg, icount)
 *   mem=SIZE       label for the mem_bytes column (default: managed bytes)
 *   mem-limit=SIZE ignore RAM at or above this physical address
 *                  (default and maximum 4G: non-PAE paging maps no more)
 *   window=SIZE    VMM window size (default 256M, at most 1020M)
 *   pages=N        pages the map and fault workloads touch (default 2048)
 *   range=N        pages per range in the map workload (default 64)
 *   fill=F         fill level for core workloads, a fraction such as
 *                  0.9 (default: the workload's own)
 *   role=R         pmm (default) or vmm: which instance core
 *                  workloads drive
 *   ops=N          operations for core workloads and kmalloc (0: their
 *                  default)
 *   heap=H         kmalloc's heap: slab (default) or firstfit (heaps/heaps.def)
 *   live=N         blocks the kmalloc workload keeps live in its mixed phase
 *                  (default 1000)
 *
 * SIZE is a number with an optional K, M or G suffix (binary units). QEMU
 * puts the kernel's path first; a first word without '=' is skipped.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdint.h>

#define CMDLINE_MAX 512

typedef struct kconfig {
    const char *pmm, *vmm, *workload, *mode;
    uint64_t seed;
    uint64_t mem_label_bytes; /* 0: not given */
    uint64_t mem_limit_bytes;
    uint64_t window_bytes;
    uint64_t pages, range_pages;
    uint32_t fill_pm; /* per-mille; 0 = workload default */
    const char *role;
    uint64_t ops;
    const char *heap;
    uint64_t live;
    /* Not from the command line: the first multiboot module (QEMU -initrd),
     * filled in by kmain; NULL / 0 if there is none. */
    const unsigned char *module;
    uint32_t module_len;
} kconfig;

/*
 * Parses line (modified in place: words are NUL-terminated) into cfg.
 * Returns 0, or -1 after printing "@@AB-ERROR: cmdline: ..." for the first
 * bad word. Strategy and workload names are checked by the caller.
 */
int cmdline_parse(char *line, kconfig *cfg);

#endif
