/*
 * allocbench: the simulated spans the host benchmarks manage.
 * Freestanding. (Firmware maps -> spans is memmap.h's job.)
 */
#ifndef ALLOCBENCH_LAYOUT_H
#define ALLOCBENCH_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

/*
 * A simulated PMM map of exactly mem_bytes / 4 KiB usable pages, with holes
 * like a PC's: page 0 and 640 KiB..1 MiB reserved, a PCI hole at 3..4 GiB
 * (below 4 GiB of memory: at 3/4 of it, 1/16 of it long, 2 MiB aligned), the
 * rest above the hole. Returns the span count (at most 4).
 */
size_t ab_layout_pmm(uint64_t mem_bytes, ab_span out[4]);

/* A VMM window: one span of mem_bytes at 1 GiB. Returns 1. */
size_t ab_layout_vmm(uint64_t mem_bytes, ab_span out[1]);

#endif
