/* allocbench host: malloc+free pair timing per heap, jemalloc and glibc. */
#ifndef ALLOCBENCH_HEAPPAIRS_H
#define ALLOCBENCH_HEAPPAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"
#include "host.h"

/*
 * Times `pairs` malloc+free pairs of 16..512 bytes, reps times, on every
 * heap over strategy st, on jemalloc (if it loads) and on glibc; appends
 * heappairs.csv (with header) to *csv and prints the slab/jemalloc ratio
 * against its 2x target on stdout. 0, or -1 with a reason in err.
 */
int hr_heappairs(const ab_strategy *st, uint64_t pairs, unsigned reps, hbuf *csv, char *err,
                 size_t len);

#endif
