/*
 * vmem_bestfit: vmem with the best-fit policy. Its object,
 * ab_strategy_vmem_bestfit, is defined in strategies/vmem/vmem.c next to
 * ab_strategy_vmem: the two share every function and differ only in the
 * policy init() stores in the instance. The algorithm, bounds, metadata and
 * invariants are vmem's (strategies/vmem/vmem.h).
 */
#ifndef ALLOCBENCH_STRATEGY_VMEM_BESTFIT_H
#define ALLOCBENCH_STRATEGY_VMEM_BESTFIT_H

#include "../vmem/vmem.h"

#endif
