/*
 * slab heap: size classes with per-class slabs, the design most kernels use
 * for kmalloc (Bonwick's slab allocator, Linux's SLUB).
 *
 * Requests up to AB_SLAB_MAX_SMALL (2048) bytes are rounded up to one of 24
 * size classes (16, 32, ... 128 by 16; then 4 classes per doubling up to
 * 2048, so a class wastes at most 25 %).
 * A slab is 1, 2, 4 or 8 pages from the provider (the fewest that waste at
 * most 1/8), objects from its first byte (so power-of-two classes are
 * naturally aligned, which memalign uses), its header at its end: a LIFO
 * free list of freed objects (the link in the object's first word), a bump
 * index over never-used objects (a new slab touches no object), a bitmap of
 * allocated objects (exact double-free detection) and the slack of each
 * object (class size - bytes requested, so live bytes stay exact: one byte
 * below the 256 class, two from it on).
 * Each class keeps a list of slabs with a free object (the head serves
 * malloc) and a list of full slabs; a slab that becomes empty is kept if it
 * is the class's only empty one (AB_SLAB_KEEP_EMPTY), else given back.
 * Larger requests, and memalign beyond what a class gives, take whole pages
 * from the provider: their page count and slack live in the page map entry,
 * so they carry no header and any alignment is the provider's.
 *
 * Time: malloc and free O(1) (+ O(pages) page map entries when a slab or a
 * large block comes or goes). free validates the pointer in O(1): page map
 * entry, object index by a reciprocal multiplication, allocated bit.
 *
 * Invariants, in the order check() walks them:
 *   1. The instance is sound: magic; each class's size, reciprocal, pages,
 *      object count and header offset agree (objects end at or before the
 *      header, the header ends at the slab's end); class_of maps every size
 *      to the smallest class that holds it; nleaves equals leaves present.
 *   2. Each class's avail list is doubly linked, every slab on it has the
 *      slab magic, its class and 0 <= used < nobj; its full list holds slabs
 *      with used = nobj; together they are nslabs slabs.
 *   3. The class's empty slabs (used = 0) are nempty <= AB_SLAB_KEEP_EMPTY.
 *   4. In each slab: its copies of the class's size, reciprocal, object
 *      count and slack layout agree with the class; bump <= nobj; the allocated bitmap has used bits, none
 *      at or past bump; the free list holds exactly bump - used objects,
 *      each at a valid index below bump with its bit clear.
 *   5. Every page of every slab maps to its header; the page map's other
 *      entries are large blocks: a head (npages >= 1, slack <= npages pages) followed
 *      by exactly npages - 1 body entries.
 *   6. live_blocks and live_bytes are the allocated objects and large blocks
 *      and their requested sizes; footprint is (slab pages + large pages +
 *      leaves) pages; each peak >= its current value.
 */
#ifndef ALLOCBENCH_HEAP_SLAB_H
#define ALLOCBENCH_HEAP_SLAB_H

#include "allocbench/heap.h"

#define AB_SLAB_CLASSES 24u
#define AB_SLAB_MAX_SMALL 2048u /* larger requests take whole pages */
#define AB_SLAB_MAX_PAGES 8u    /* the largest slab */
#define AB_SLAB_KEEP_EMPTY 1u   /* empty slabs kept per class */

extern const ab_heap ab_heap_slab;

#endif /* ALLOCBENCH_HEAP_SLAB_H */
