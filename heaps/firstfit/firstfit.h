/*
 * freelist heap: seed 001's kmalloc, with its defects fixed.
 *
 * Memory comes in arenas (seed 001's "Parent"): runs of pages from the page
 * provider, AB_FL_ARENA_PAGES (4) pages or as many as one large request
 * needs. An arena is tiled, in address order, by chunks (seed 001's
 * "Child"): a 32-byte header (magic, data size, previous chunk's data size,
 * bytes requested) followed by the data, 16-byte aligned. malloc is first fit
 * over every chunk of every arena, arenas in creation order, skipping an
 * arena whose free bytes are too few: O(chunks) -- the cost that grows with
 * the number of live blocks. A free chunk is split only if the rest would
 * leave at least AB_FL_WASTE_BYTES. free() merges the chunk with both
 * neighbours (O(1): the header has both sizes), and gives an arena back to
 * the provider once it is one free chunk, keeping at most one empty
 * default-size arena for the next malloc.
 *
 * Seed defects fixed (and tested): realloc copies min(old usable, new) bytes,
 * not new; calloc checks its multiplication; copies and fills write every
 * byte; data is 16-byte aligned; a double free or a corrupted header is a
 * status (AB_EDOUBLE / AB_EINVAL), never a panic and never ignored; no
 * "first with available" hint that a stray `else` moves on every free.
 *
 * Invariants, in the order check() walks them:
 *   1. The instance is sound: magic, page map top size, nleaves equals the
 *      leaves present.
 *   2. The arena list is doubly linked, without cycles, narenas long; every
 *      arena has the arena magic and npages >= 1.
 *   3. Every page of every arena maps to it in the page map, and no other
 *      page has an entry.
 *   4. An arena is tiled exactly by chunks: each has the USED or FREE magic,
 *      a data size that is a multiple of 16 and >= 16, and a prev_size equal
 *      to its predecessor's size (0 for the first).
 *   5. No two free chunks are neighbours (merged on free).
 *   6. An arena's free_bytes is the sum of its free chunks' sizes.
 *   7. Empty arenas (one free chunk) are nempty <= AB_FL_KEEP_EMPTY, each of
 *      the default size.
 *   8. live_blocks and live_bytes are the count and the requested sizes of
 *      the used chunks, each requested size <= its chunk's size; footprint
 *      is (arena pages + leaves) pages; each peak >= its current value.
 */
#ifndef ALLOCBENCH_HEAP_FREELIST_H
#define ALLOCBENCH_HEAP_FREELIST_H

#include "allocbench/heap.h"

#define AB_FL_ARENA_PAGES 4u   /* default arena size */
#define AB_FL_CHUNK_HDR 32u    /* chunk header bytes */
#define AB_FL_WASTE_BYTES 64u  /* split only if the rest is >= this */
#define AB_FL_KEEP_EMPTY 1u    /* empty arenas kept instead of given back */

extern const ab_heap ab_heap_firstfit;

#endif /* ALLOCBENCH_HEAP_FREELIST_H */
