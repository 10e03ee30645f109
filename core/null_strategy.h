/*
 * allocbench: the null strategy, the harness floor. NOT an allocator.
 *
 * alloc() hands out the next page of the first span from a wrapping
 * counter (so live pages may repeat once the counter wraps) and free() only
 * counts; nothing is tracked per page. Its rows measure what the harness
 * itself costs per operation (the workload loop, the call through the
 * interface, the timer): subtract them, or read them as the floor no real
 * strategy can beat. It serves single pages only (no AB_CAP_CONTIG: sizes,
 * huge, adversary and the VMM workloads are skipped), runs bulk, repeat,
 * rand, churn and trace, and never appears in a verdict except as that
 * floor. walk_free() reports no runs, so it writes no frag rows.
 *
 * Host only by registration (host/cell/baselines.c, after the baselines),
 * never in strategies.def: conformance tests would rightly fail it (a
 * double free is only caught once more pages are freed than are live).
 * The code itself is freestanding.
 *
 * Invariants check() walks:
 *   1. live <= total_pages
 *   2. next < the first span's npages
 */
#ifndef ALLOCBENCH_NULL_STRATEGY_H
#define ALLOCBENCH_NULL_STRATEGY_H

#include "allocbench/strategy.h"

extern const ab_strategy ab_null_strategy;

#endif
