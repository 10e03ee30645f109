/*
 * The physical memory manager: one strategy instance over every usable
 * frame below mem-limit, minus the kernel image and the boot metadata.
 * Kernel glue, so global (one machine, one PMM), in the xv6 manner.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

/* Builds the instance in meta; panics if the strategy refuses. */
void pmm_init(const ab_strategy *st, void *meta, size_t meta_len, const ab_span *spans,
              size_t nspans);

/* One frame. Returns AB_ENOMEM when none is left (never panics). */
ab_status pmm_alloc_frame(uint32_t *pa);

/* Frees a frame pmm_alloc_frame returned; panics on any error status. */
void pmm_free_frame(uint32_t pa);

const ab_strategy *pmm_strategy(void);
void *pmm_instance(void);

#endif
