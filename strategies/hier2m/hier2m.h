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
 *   - n = 1, align 0/1: the 4K path. The lowest free page of the entry the
 *     calling CPU (ab_cpu_index()) has reserved; when that is full, the CPU
 *     reserves the entry at the head of the 4K list, else of the 2M list.
 *   - n = 512, align 0..512: the 2M path. The entry at the head of the 2M
 *     list (a 512-page run inside one block is the whole block, so any
 *     alignment up to 512 pages is met by it); if the list is empty, a
 *     wholly free entry some CPU has reserved (its reservation ends).
 *   - align > 512: page 0 of an aligned block, blocks in address order.
 *   - anything else: the caller's reserved entry if it holds a fit; else,
 *     the entries being grouped by their longest free run (31 classes:
 *     1..7 pages one each, then four per power of two, as TLSF), the
 *     search takes an entry of the lowest class that surely fits (after
 *     filing a few entries whose longest run is not known yet), else
 *     looks at a few entries (H2_PROBE = 4) of the classes that may fit,
 *     then at the 2M list, then at the reserved entries. It never walks a
 *     whole list.
 * When alloc fails with AB_ENOMEM (search policy): runs that cross a 2 MiB
 * boundary are never used: e.g. alloc(2) fails when the only free pages are
 * 511 and 512. Otherwise a single-threaded call fails iff no run of n free
 * pages at that alignment lies inside one 2 MiB-aligned block, with one
 * exception on the last path: with need = n + align - 1 (n if align <= 1),
 * every entry whose class's shortest run is >= need surely fits and is
 * always found; a fit that lies only in entries of the classes below that
 * (longest run >= n but < need, or in a class that spans n) is missed when
 * none of them is among the 4 entries looked at there. Unaligned requests
 * miss nothing when n < 8 or n is a class's shortest run (8, 10, 12, 14,
 * 16, 20, 24, 28, 32, 40, ...); alloc(9) can fail while an entry with a
 * 9-page run sits behind four with 8-page runs. Under concurrency a call may
 * also fail while the only fitting pages are being freed by another thread
 * at the same moment, or lie in an entry that another CPU is reserving at
 * that moment.
 *
 * Invariants, in the order check() walks them:
 *   1. The header is sound: magic, nspans >= 1, the copied spans are
 *      normalized, total_pages is their sum, span_base[s] is the number of
 *      2 MiB blocks the spans before s touch, nentries is the sum for all,
 *      and each entry's block number is its span's first block plus its
 *      position in the span; the edge flag is set iff the block holds pages
 *      outside its span.
 *   2. No lock is held: the list lock, every slot lock and every entry
 *      lock are 0.
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
 *   8. Reservations: an entry's owner is 0 or a slot + 1 (<= AB_MAX_CPUS);
 *      an entry reserved by slot s is the entry slot s names (so a slot
 *      reserves at most one entry); every slot names H2_NIL or an entry.
 *   9. Lazy membership, for entries nobody reserves: an entry with some but
 *      not all pages free is on the 4K list; an entry with all 512 pages
 *      free is on the 2M list; longest is its longest free run, or 0 (not
 *      known yet, see 10) when some but not all pages are free. An edge
 *      entry is never on the 2M list. Lists may hold other entries (stale,
 *      reserved ones included: they are dropped when met at the head or
 *      during a search).
 *  10. Run classes: each class list is a NIL-terminated doubly linked chain;
 *      bit c of the class mask is set iff list c is non-empty; an entry is on
 *      class list c (and its cls byte says c) iff nobody reserves it, some
 *      but not all of its pages are free and c is the class of its longest
 *      run; class 0 holds the entries whose longest is 0 (not known: the
 *      entry was full, and frees have come back to it since). A run search
 *      files a few of them (all, before it fails) on their class first.
 */
#ifndef ALLOCBENCH_STRATEGY_HIER2M_H
#define ALLOCBENCH_STRATEGY_HIER2M_H

#include "allocbench/strategy.h"

extern const ab_strategy ab_strategy_hier2m;

#endif
