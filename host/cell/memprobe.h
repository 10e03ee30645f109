/*
 * host/cell: the price of one random memory access on this machine.
 *
 * For each buffer size (powers of two, 16 KiB up to max_bytes), a pointer
 * chase through the buffer's 64-byte lines in one random cycle (Sattolo's
 * shuffle): every load depends on the one before, so the time per load is
 * the latency of the level of the hierarchy that holds the buffer,
 * translation misses included. The buffer is allocated as a strategy's
 * metadata is (aligned_alloc, the same page size), so a strategy whose
 * metadata has that size pays the same price for each access it makes at
 * random. report --check prints it beside the targets that compare one
 * strategy at two sizes (docs/verdict.md, memprobe.csv).
 */
#ifndef ALLOCBENCH_MEMPROBE_H
#define ALLOCBENCH_MEMPROBE_H

#include <stddef.h>
#include <stdint.h>

/* The largest buffer the matrix probes: above the metadata of a 64 GiB
   window for every strategy. */
#define HOST_MEMPROBE_MAX ((uint64_t)256 << 20)

/* Measures 16 KiB .. max_bytes into DIR/memprobe.csv unless that file
   exists (it describes the machine; a resumed run keeps the first). 0 when
   written, 1 when it was there, -1 with err set (out of memory, cannot
   write). Says each size's figure on stderr as it goes. */
int host_memprobe_write(const char *dir, uint64_t max_bytes, char *err, size_t err_len);

#endif
