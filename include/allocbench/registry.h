/*
 * allocbench: the list of every freestanding page strategy.
 *
 * The list itself is strategies/strategies.def, one AB_STRATEGY(name, caps, max_npages) line
 * per folder strategies/<name>/; CMake reads the same file to build them.
 * Tests, benchmarks and the kernel loop over ab_registry().
 */
#ifndef ALLOCBENCH_REGISTRY_H
#define ALLOCBENCH_REGISTRY_H

#include <stddef.h>

#include "allocbench/strategy.h"

/* Every registered strategy, in strategies.def order; *count gets how many. */
const ab_strategy *const *ab_registry(size_t *count);

/* The strategy with this name, or NULL. */
const ab_strategy *ab_registry_find(const char *name);

#endif
