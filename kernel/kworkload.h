/*
 * Kernel workloads. One table (workloads.c) lists them; each gets the
 * configuration, the boot layout and the calibrated timer, and writes its
 * results with report_*() between the output markers.
 *
 * To add one: write `static int wl_x_run(kctx *)` (and a scratch sizing
 * function if it needs memory), add a row to the table in workloads.c.
 */
#ifndef KERNEL_KWORKLOAD_H
#define KERNEL_KWORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "kmem.h"
#include "timer.h"
#include "workload.h"

typedef struct kctx {
    const kconfig *cfg;
    const kmem_layout *mem;
    ab_timer timer;
    char env[32];        /* "kernel-icount" */
    char strategy[64];   /* "buddy", or "stack+freelist" when PMM != VMM;
                            "slab@buddy" for KWL_HEAP workloads */
    uint64_t mem_bytes;  /* the mem_bytes column */
} kctx;

typedef struct kworkload {
    const char *name;
    const char *summary;
    /* Bytes of scratch memory it needs (identity-mapped, placed at boot);
     * NULL means none. usable_pages is the RAM the map offers. */
    size_t (*scratch_bytes)(const kconfig *cfg, uint64_t usable_pages);
    /* Returns 0 on success, -1 after printing "@@AB-ERROR: ..." */
    int (*run)(kctx *ctx);
    unsigned flags; /* KWL_* */
} kworkload;

/* Rows drive kmalloc: the strategy column is "heap@pmm[+vmm]". */
#define KWL_HEAP 0x1u
/* The workload writes its own frag rows (core samples them). */
#define KWL_SELF_FRAG 0x2u

/* The workload called name, or NULL. */
const kworkload *workload_find(const char *name);

/* Prints the names, for error messages. */
void workload_list(void);

/* Table rows from workloads.c and the core bridge. */
extern const kworkload kwl_boot, kwl_map, kwl_fault, kwl_crash, kwl_triple, kwl_hang;
/* wl_heap.c: kmalloc and mtrace; wl_trace.c: trace (multiboot module). */
extern const kworkload kwl_kmalloc, kwl_mtrace, kwl_trace;
/* Every core workload but trace (wl_trace.c), by the name on the
 * command line. */
extern const kworkload kwl_core;
int kcore_accepts(const char *name);

#endif
