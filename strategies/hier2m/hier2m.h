/*
 * hier2m: 4 KiB and 2 MiB frames from a two-level bitmap, one entry per
 * 2 MiB-aligned block, after seed 002 (Z903's PMM frame allocator).
 *
 * Serves 1 <= n <= 512 pages (max_npages = 512; n > 512 fails with
 * AB_ENOTSUP) with any power-of-two alignment. Every allocation lies inside
 * one 2 MiB-aligned block. Thread-safe: alloc and free may run from several
 * threads at once on one instance (per-entry spinlocks plus one list lock,
 * 32-bit __atomic builtins only). stats and walk_free may run concurrently
 * too (each entry is read under its lock, so the result is not a snapshot
 * of one instant); check() is for quiescent moments.
 *
 * Paths:
 *   - n = 1, align 0/1: the 4K path. The lowest free page of the entry at
 *     the head of the 4K list, else of the entry at the head of the 2M list.
 *   - n = 512, align 0..512: the 2M path. The entry at the head of the 2M
 *     list (a 512-page run inside one block is the whole block, so any
 *     alignment up to 512 pages is met by it).
 *   - anything else: a first-fit search for a run inside one entry, over
 *     the 4K list (partly free entries) and then the 2M list (wholly free
 *     entries), with the list lock held.
 * When alloc fails with AB_ENOMEM (search policy): a single-threaded call
 * fails iff no run of n free pages at that alignment lies inside one
 * 2 MiB-aligned block. Runs that cross a 2 MiB boundary are never used:
 * e.g. alloc(2) fails when the only free pages are 511 and 512. Under
 * concurrency a call may also fail while the only fitting pages are being
 * freed by another thread at the same moment.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, nspans >= 1, the copied spans are
 *      normalized, total_pages is their sum, span_base[s] is the number of
 *      2 MiB blocks the spans before s touch, nentries is the sum for all,
 *      and each entry's block number is its span's first block plus its
 *      position in the span; the edge flag is set iff the block holds pages
 *      outside its span.
 *   2. No lock is held: the list lock and every entry lock are 0.
 *   3. Summaries match the map: has_pages bit f iff field f has a free page,
 *      full_pages bit f iff every page of field f is free.
 *   4. Pages outside the span are unavailable: not free and marked as the
 *      first page of an allocation (so that a run ends before them).
 *   5. Allocation boundaries: no free page has a start bit; an allocated
 *      page without a start bit follows an allocated page of the same entry
 *      (allocations never cross entries).
 *   6. is_2m is set iff the entry holds exactly one allocation of 512 pages
 *      (no free page, the only start bit is bit 0, not an edge).
 *   7. Each list (4K, 2M) is a NIL-terminated chain of distinct entries,
 *      each with its in_list flag for that list set, and the number of
 *      entries with the flag set equals the chain length.
 *   8. Lazy membership: an entry with some but not all pages free is on the
 *      4K list; an entry with all 512 pages free is on the 2M list; an edge
 *      entry is never on the 2M list. Lists may hold other entries (stale:
 *      they are dropped when met at the head or during a search).
 */
#ifndef ALLOCBENCH_STRATEGY_HIER2M_H
#define ALLOCBENCH_STRATEGY_HIER2M_H

#include "allocbench/strategy.h"

extern const ab_strategy ab_strategy_hier2m;

#endif
