/* allocbench host: malloc time against the number of live chunks, per heap. */
#ifndef ALLOCBENCH_HEAPSCALE_H
#define ALLOCBENCH_HEAPSCALE_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"
#include "buffer.h"

/*
 * heapscale: for every heap and each count of live chunks in counts[], keep
 * that many blocks (16..512 B at random) live over strategy st and time ops
 * malloc+free steps (each a malloc, then a free of a random live block).
 * Appends heapscale.csv rows (with header) to *out; progress on stderr.
 * 0, or -1 with a reason in err.
 */
int hr_heapscale(const ab_strategy *st, const size_t *counts, size_t ncounts, uint64_t ops,
                 uint64_t seed, hbuf *out, char *err, size_t len);

/* The counts of live chunks heapscale visits: the first 4 with quick, else 5. */
extern const size_t hr_heapscale_counts[5];

#endif
