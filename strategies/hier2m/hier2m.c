/*
 * hier2m: 4 KiB and 2 MiB frames from a two-level bitmap, after seed 002.
 *
 * Algorithm. Every 2 MiB-aligned block that a span touches has one entry:
 * a 512-bit free map as 16 x 32-bit fields (1 = free), two 16-bit summaries
 * (has_pages: the field has a free page; full_pages: the field is all free),
 * a 512-bit start map (1 = first page of an allocation) and an is_2m flag
 * (the entry is one 512-page allocation), so that a free knows the exact
 * boundaries of what it frees. Pages of a block that lie outside its span
 * are permanently unavailable: not free, with a start bit, so that an
 * allocation ending before them ends there. Entries are laid out span after
 * span in address order; page -> entry is a binary search over the spans
 * (ab_span_find) and one addition.
 *
 * An entry is NONE (no free page), PART (some free, not all 512) or WHOLE
 * (all 512 free; never an edge entry). Two singly linked lists of entry
 * indices: the 4K list should hold every PART entry, the 2M list every WHOLE
 * entry. Clean-up is lazy: an entry may stay on a list it no longer belongs
 * to; whoever meets it at the head (or during a search) drops it. The rule
 * that keeps this sound: an entry's class changes only under its lock, and
 * before that lock is released the entry is pushed on the list of its new
 * class if it is not there yet (an in_list flag per list says so).
 *
 * Per-CPU reservations (after LLFree's per-core reserved trees). The
 * instance holds AB_MAX_CPUS slots, one 64-byte line each; slot s names the
 * entry that CPU s (ab_cpu_index()) has reserved, and the entry's owner
 * field says s + 1. The 4K path takes the lowest free page of its own
 * reserved entry under that entry's lock alone: no list head, no list lock,
 * no line shared with another CPU (entries are 192 bytes, three whole cache
 * lines). When the reserved entry is full, the CPU releases it and reserves
 * the head of the 4K list, else of the 2M list (list lock, once per up to 512
 * pages). A reserved entry takes no part in the lists: its class changes move
 * it nowhere (so alloc+free of one page never touches shared state), other
 * CPUs treat it as stale where they meet it on a list, and it is listed by
 * class again when released. Frees go to the entry's map under its lock,
 * whoever owns it. The owner field is the authority; a slot is a hint,
 * written only under the slot's own lock, which the 4K path takes only to
 * reserve (threads may share a slot); so an entry reserved by s is always
 * the one slot s names. When the lists run dry, the other paths fall back
 * to the reserved entries: 4K borrows a page from any, 2M takes a reserved
 * entry that is wholly free (releasing it), and runs search them; so a
 * single-threaded ENOMEM is never caused by a reservation.
 *
 * Run classes. A released entry keeps its longest free run (incremental on
 * free: the run around the freed pages; recomputed on a run alloc). Each PART
 * entry that is not reserved is on exactly one doubly linked class list,
 * with a 32-bit mask of non-empty classes. Classes follow TLSF's two-level
 * index: runs of 1..7 pages have a class each, longer runs four classes per
 * power of two (8-9, 10-11, 12-13, 14-15, 16-19, ..., 448-511): 31 classes.
 * A run request first tries the caller's own reserved entry. Then: a request
 * for n pages at step alignment needs a run of need = n + step - 1 pages (n
 * if step = 1) to be sure of a fit; every entry of a class whose shortest
 * run is >= need is sure, so the search takes the head of the lowest such
 * non-empty class (mask, ctz); else it looks at H2_PROBE entries in all of
 * the classes that may fit (highest first), else at a whole entry from the
 * 2M list, else at the reserved entries. Class moves need the list lock.
 *
 * Lazy run class. An entry that was full (NONE) and gets pages back is filed
 * in class 0, "longest not known", and its later frees keep no longest
 * and move it nowhere, until a run search files it or it is wholly free
 * (then it leaves for the 2M list). Such an entry is usually
 * being drained (a bulk free, a process exit), where filing it exactly would
 * move it up ~30 class lists per 512 single-page frees, each under the list
 * lock: that cost the free path 1.3x of the seed's. A run search first
 * files up to H2_PROBE class-0 entries on their class (entry_longest each),
 * and all of them before it fails, so class 0 changes which fit is found,
 * never whether one is. Frees into an entry whose longest is known keep it
 * exact, O(1) each. The price is paid by run allocations: each class-0
 * entry costs one entry_longest on a line that is often cold by then. On
 * this project's reference VM, bulk free at 16 GiB went from 1.25x to 1.05x
 * of the seed's, and the sizes workload's mean alloc at 64 GiB (fill 0.9)
 * rose by 9 %. Filing in class 0 on every class-changing free, not just the
 * first free after full, cost sizes 26 % instead.
 *
 * Locking. One spinlock per slot guards its reservation changes; one per
 * entry guards its maps, summaries, is_2m, owner and longest; one list
 * lock guards the heads, links and the class mask; in_list flags and the
 * class byte change only with both entry and list lock held. Order: slot
 * lock, entry lock, list lock. The 4K and 2M paths read a slot or a list
 * head without its lock (one atomic load), lock that entry and check its
 * class and owner under the entry lock. The run search holds the list lock
 * and only try-locks entries, retrying if it skipped a busy entry and found
 * nothing.
 *
 * Time. 4K alloc: O(1) from the reserved entry (ctz on has_pages, then on the
 * field); when it is full, O(1) amortized to reserve the next (stale heads
 * dropped), or O(AB_MAX_CPUS) to borrow when both lists are empty. 2M alloc:
 * O(1) amortized, O(AB_MAX_CPUS) when the 2M list is empty. Runs (other n,
 * align <= 512): the caller's reserved entry, an O(1) class pick (ctz on
 * the class mask) after filing at most H2_PROBE class-0 entries, then at
 * most 31 * H2_PROBE + 2 * H2_PROBE listed entries
 * (one per sure class unless its head is busy; plus stale 2M-list entries
 * dropped, amortized O(1)) and at most AB_MAX_CPUS reserved ones, each
 * O(16 + r) word steps for an entry with r free runs (r <= 256): bounded
 * independently of the size of the map, and in the common case one class
 * pick and one entry scan. align > 512:
 * O(E / (align / 512)) entries, the aligned blocks in address order.
 * free: O(log nspans) span lookup, then O(16) bit work for a run (O(1) for a
 * page; the run around the freed pages, which may be the new longest, is
 * found in O(1) with the full_pages summary), plus a class move; none of
 * this for an entry in class 0. Filing all of class 0 before a run search
 * fails: O(16 + r) per entry, paid once per entry that filled up and got
 * pages back since (amortized over those frees).
 * init: O(entries). walk_free and stats: O(entries), a word at a time.
 *
 * When alloc fails with AB_ENOMEM (search policy): runs that cross a 2 MiB
 * boundary are never used (alloc(2) fails when the only free pages are 511
 * and 512). Single-threaded, otherwise: n = 1 or 512 (align <= 1 / <= 512)
 * and align > 512 fail iff no fit exists inside one block; other requests
 * fail iff no block holds a fit, except that blocks whose longest run is
 * >= n but in a class whose shortest run is < need (the classes that may or
 * may not fit) are only found among the H2_PROBE entries looked at there.
 * For step = 1 that is one class, and only when n > 8 is not a class's
 * shortest run (n = 9, 11, 13, 15, 17..19, ...): e.g. alloc(9) can fail
 * while an entry with a 9-page run sits behind four with 8-page runs. Under
 * concurrency a call may also fail while the only fitting pages are being
 * freed at that moment, or lie in an entry another CPU is reserving.
 *
 * Metadata bytes, with E = number of 2 MiB blocks touched by the spans
 * (sum over spans), S = spans and C = AB_MAX_CPUS = 64:
 *   256 (header) + 64 C + round64(16 S + 4 S) + 192 E
 * = 96 KiB per GiB managed (6 MiB for 64 GiB) plus 4.4 KiB. E must stay below
 * 2^32 - 1. (192 bytes instead of the 168 the fields need: an entry is three
 * whole cache lines, so two CPUs on neighbouring entries share none.)
 */
#include "hier2m.h"

#include "allocbench/bits.h"
#include "allocbench/cpu.h"

#define H2_MAGIC 0x48324d33u /* "H2M3" */
#define H2_NIL 0xffffffffu
#define H2_BLOCK_SHIFT 9u
#define H2_BLOCK_PAGES 512u
#define H2_FIELDS 16u
#define H2_ALL16 0xffffu
#define H2_HDR_BYTES 256u
#define H2_NCLS 32u      /* run classes for longest 1..511, see run_cls */
#define H2_NOCLS 0xffu   /* on no class list */
#define H2_PROBE 4u      /* entries looked at in the classes that may fit */

/* Entry classes, and the list each belongs on. */
#define H2_NONE 0u  /* no free page: on no list */
#define H2_PART 1u  /* some free, not whole: the 4K list */
#define H2_WHOLE 2u /* all 512 free: the 2M list */
#define H2_FRESH 3u /* entry_settle: the entry was on no list it needs */
#define H2_L4K 0u
#define H2_L2M 1u

typedef struct h2_entry {
    /* Line 0: what every operation on the entry touches. */
    uint32_t lock;           /* the entry spinlock */
    uint16_t has_pages;      /* entry lock: field has a free page */
    uint16_t full_pages;     /* entry lock: field is all free */
    uint16_t longest;        /* entry lock: longest free run (owner 0 only) */
    uint8_t owner;           /* entry lock: 0, or the reserving slot + 1 */
    uint8_t cls;             /* both locks to write: class list, or NOCLS */
    uint8_t in_list[2];      /* both locks to write, either to read */
    uint8_t is_2m;           /* entry lock: one 512-page allocation */
    uint8_t edge;            /* const: some pages lie outside the span */
    uint64_t block;          /* const: 2 MiB block number (page >> 9) */
    uint8_t pad0[8];
    uint32_t free_map[16];   /* entry lock: 1 = free */
    uint64_t start_map[8];   /* entry lock: 1 = first page of an allocation */
    /* Line 2: links, which other CPUs write (list lock) when they move
     * their own entries; kept off the line with the lock. */
    uint32_t next[2];        /* list lock: next entry on the 4K / 2M list */
    uint32_t cnext, cprev;   /* list lock: class list neighbours */
    uint8_t pad[16];         /* 192 bytes: three whole cache lines */
} h2_entry;

/* A per-CPU slot: the reserved entry's index (a hint, see above). */
typedef struct h2_cpu {
    uint32_t idx;            /* slot lock to write; read atomically */
    uint32_t lock;           /* the slot lock: taken to reserve */
    uint32_t pad[14];
} h2_cpu;

typedef struct h2_hdr {
    /* Line 0: written by init only. */
    uint32_t magic;
    uint32_t nentries;
    h2_entry *entries;       /* [nentries], address order */
    h2_cpu *cpus;            /* [AB_MAX_CPUS] */
    ab_span *spans;          /* [nspans] copy of the caller's spans */
    uint32_t *span_base;     /* [nspans] index of each span's first entry */
    size_t nspans;
    uint64_t total_pages;
    uint64_t meta_bytes;
    /* Line 1: the list lock and what it guards. */
    _Alignas(64) uint32_t list_lock;
    uint32_t head[2];        /* list lock to write; read atomically */
    uint32_t cls_mask;       /* list lock: bit c iff class list c is non-empty */
    uint32_t cls_head[H2_NCLS]; /* list lock */
} h2_hdr;

_Static_assert(sizeof(h2_entry) == 192, "entry is three cache lines");
_Static_assert(offsetof(h2_entry, free_map) == 32 && offsetof(h2_entry, next) == 160,
               "the lock's line holds no link");
_Static_assert(sizeof(h2_cpu) == 64, "a slot is one cache line");
_Static_assert(sizeof(h2_hdr) <= H2_HDR_BYTES, "header fits its slot");
_Static_assert(AB_MAX_CPUS < 255u, "owner is a byte");

static uint64_t round64(uint64_t x) { return (x + 63u) & ~(uint64_t)63u; }

static unsigned ctz32(uint32_t x) { return (unsigned)__builtin_ctz(x); }
static unsigned clz32(uint32_t x) { return (unsigned)__builtin_clz(x); }
static unsigned log2_floor32(uint32_t x) { return 31u - clz32(x); }

/* The run class of a longest free run of L = 1..511 pages, as TLSF's
 * two-level index: L itself below 8, then four classes per power of two
 * (floor(log2(L)) and the next two bits). Classes 1..31. */
static unsigned run_cls(unsigned L)
{
    if (L < 8u)
        return L;
    unsigned fl = log2_floor32(L);
    return 8u + ((fl - 3u) << 2) + ((L >> (fl - 2u)) & 3u);
}

/* The shortest run of class c. */
static unsigned run_cls_min(unsigned c)
{
    if (c < 8u)
        return c;
    return (4u + ((c - 8u) & 3u)) << (((c - 8u) >> 2) + 1u);
}

static void cpu_relax(void)
{
#if defined(__i386__) || defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/* ---- locks: 32-bit words, __atomic builtins ---- */

static void lock_take(uint32_t *l)
{
    while (__atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE) != 0u)
        while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0u)
            cpu_relax();
}

static bool lock_try(uint32_t *l)
{
    return __atomic_load_n(l, __ATOMIC_RELAXED) == 0u &&
           __atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE) == 0u;
}

static void lock_give(uint32_t *l) { __atomic_store_n(l, 0u, __ATOMIC_RELEASE); }

static uint32_t head_read(const h2_hdr *h, unsigned list)
{
    return __atomic_load_n(&h->head[list], __ATOMIC_RELAXED);
}

static void head_write(h2_hdr *h, unsigned list, uint32_t idx)
{
    __atomic_store_n(&h->head[list], idx, __ATOMIC_RELAXED);
}

static uint32_t slot_read(const h2_hdr *h, uint32_t s)
{
    return __atomic_load_n(&h->cpus[s].idx, __ATOMIC_RELAXED);
}

/* ---- layout ---- */

/* 2 MiB blocks that a span touches. */
static uint64_t span_blocks(const ab_span *sp)
{
    uint64_t last = sp->first_page + sp->npages - 1u;
    return (last >> H2_BLOCK_SHIFT) - (sp->first_page >> H2_BLOCK_SHIFT) + 1u;
}

/* Metadata bytes for these spans, or 0 if not normalized or too large;
 * *nentries and *entries_off get the entry count and offset. */
static uint64_t layout_compute(const ab_span *spans, size_t nspans, uint64_t *nentries,
                               uint64_t *entries_off)
{
    if (!ab_spans_normalized(spans, nspans))
        return 0;
    uint64_t ne = 0;
    for (size_t s = 0; s < nspans; s++) {
        uint64_t b = span_blocks(&spans[s]);
        if (b >= (uint64_t)H2_NIL - ne)
            return 0;
        ne += b;
    }
    uint64_t off = H2_HDR_BYTES + (uint64_t)AB_MAX_CPUS * sizeof(h2_cpu) +
                   round64((uint64_t)nspans * (sizeof(ab_span) + sizeof(uint32_t)));
    uint64_t total = off + ne * sizeof(h2_entry);
    if (total > (uint64_t)SIZE_MAX)
        return 0;
    *nentries = ne;
    *entries_off = off;
    return total;
}

static size_t h2_meta_bytes(const ab_span *spans, size_t nspans)
{
    uint64_t ne, off;
    return (size_t)layout_compute(spans, nspans, &ne, &off);
}

/* ---- one entry's maps (entry lock held) ---- */

static unsigned entry_class(const h2_entry *e)
{
    if (e->has_pages == 0u)
        return H2_NONE;
    return e->full_pages == H2_ALL16 ? H2_WHOLE : H2_PART;
}

static bool entry_page_free(const h2_entry *e, unsigned b)
{
    return (e->free_map[b >> 5] >> (b & 31u)) & 1u;
}

/* Recomputes the summary bits of field f. */
static void entry_sum_field(h2_entry *e, unsigned f)
{
    uint32_t w = e->free_map[f];
    uint16_t bit = (uint16_t)(1u << f);
    e->has_pages = (uint16_t)(w != 0u ? e->has_pages | bit : e->has_pages & ~bit);
    e->full_pages = (uint16_t)(w == ~0u ? e->full_pages | bit : e->full_pages & ~bit);
}

/* Marks pages [b, b + n) free (value true) or allocated. */
static void entry_fill(h2_entry *e, unsigned b, unsigned n, bool value)
{
    unsigned end = b + n;
    while (b < end) {
        unsigned f = b >> 5, lo = b & 31u, take = 32u - lo;
        if (take > end - b)
            take = end - b;
        uint32_t m = take == 32u ? ~0u : ((1u << take) - 1u) << lo;
        if (value)
            e->free_map[f] |= m;
        else
            e->free_map[f] &= ~m;
        entry_sum_field(e, f);
        b += take;
    }
}

/* First free page at or after from, or 512. */
static unsigned entry_next_free(const h2_entry *e, unsigned from)
{
    if (from >= H2_BLOCK_PAGES)
        return H2_BLOCK_PAGES;
    unsigned f = from >> 5;
    uint32_t w = e->free_map[f] & (~0u << (from & 31u));
    if (w != 0u)
        return (f << 5) + ctz32(w);
    uint32_t rest = (uint32_t)e->has_pages & ~((2u << f) - 1u);
    if (rest == 0u)
        return H2_BLOCK_PAGES;
    f = ctz32(rest);
    return (f << 5) + ctz32(e->free_map[f]);
}

/* First allocated page in [from, limit), or limit. */
static unsigned entry_next_used(const h2_entry *e, unsigned from, unsigned limit)
{
    while (from < limit) {
        unsigned f = from >> 5;
        uint32_t used = ~e->free_map[f] & (~0u << (from & 31u));
        if (used != 0u) {
            unsigned r = (f << 5) + ctz32(used);
            return r < limit ? r : limit;
        }
        from = (f + 1u) << 5;
    }
    return limit;
}

/* Free pages directly below page b: O(1), the full_pages summary skips
 * the wholly free fields. */
static unsigned entry_free_below(const h2_entry *e, unsigned b)
{
    if (b == 0u)
        return 0;
    unsigned f = (b - 1u) >> 5, hi = ((b - 1u) & 31u) + 1u; /* bits [0, hi) */
    uint32_t used = ~e->free_map[f] & (hi == 32u ? ~0u : (1u << hi) - 1u);
    if (used != 0u)
        return hi - 1u - log2_floor32(used);
    uint32_t partial = ~(uint32_t)e->full_pages & ((1u << f) - 1u);
    if (partial == 0u)
        return b;
    unsigned g = log2_floor32(partial); /* fields g + 1 .. f are free below b */
    return b - ((g + 1u) << 5) + clz32(~e->free_map[g]);
}

/* Free pages from page `from` up: O(1), as above. */
static unsigned entry_free_from(const h2_entry *e, unsigned from)
{
    if (from >= H2_BLOCK_PAGES)
        return 0;
    unsigned f = from >> 5, lo = from & 31u;
    uint32_t used = ~e->free_map[f] & (~0u << lo);
    if (used != 0u)
        return ctz32(used) - lo;
    uint32_t partial = ~(uint32_t)e->full_pages & H2_ALL16 & ~((2u << f) - 1u);
    if (partial == 0u)
        return H2_BLOCK_PAGES - from;
    unsigned g = ctz32(partial);
    return (g << 5) - from + ctz32(~e->free_map[g]);
}

/* Longest run of free pages in the entry: O(16 + runs). */
static unsigned entry_longest(const h2_entry *e)
{
    unsigned best = 0, cur = 0; /* cur: the run reaching the current field */
    for (unsigned f = 0; f < H2_FIELDS; f++) {
        uint32_t w = e->free_map[f];
        if (w == ~0u) {
            cur += 32u;
            continue;
        }
        unsigned lo = ctz32(~w); /* free bits at the bottom extend cur */
        cur += lo;
        if (cur > best)
            best = cur;
        cur = 0;
        uint32_t r = lo == 31u ? 0u : w & (~0u << (lo + 1u));
        while (r != 0u) {
            unsigned s = ctz32(r);
            unsigned len = ctz32(~(r >> s)); /* s >= 1: the top bits read 0 */
            if (s + len == 32u) {
                cur = len; /* reaches the next field */
                break;
            }
            if (len > best)
                best = len;
            r &= ~0u << (s + len);
        }
    }
    return cur > best ? cur : best;
}

/* First page b, a multiple of step (a power of two <= 512), such that
 * [b, b + n) is free; 512 if none. O(16 + runs). */
static unsigned entry_find_run(const h2_entry *e, unsigned n, unsigned step)
{
    unsigned pos = 0;
    while (pos + n <= H2_BLOCK_PAGES) {
        unsigned b = entry_next_free(e, pos);
        b = (b + step - 1u) & ~(step - 1u);
        if (b + n > H2_BLOCK_PAGES)
            return H2_BLOCK_PAGES;
        unsigned end = entry_next_used(e, b, b + n);
        if (end == b + n)
            return b;
        pos = end + 1u;
    }
    return H2_BLOCK_PAGES;
}

/* Records an allocation of pages [b, b + n). */
static void entry_take(h2_entry *e, unsigned b, unsigned n)
{
    entry_fill(e, b, n, false);
    ab_bit_set(e->start_map, b);
    if (n == H2_BLOCK_PAGES)
        e->is_2m = 1;
}

/* Returns the allocation of pages [b, b + n). */
static void entry_give(h2_entry *e, unsigned b, unsigned n)
{
    entry_fill(e, b, n, true);
    ab_bit_clear(e->start_map, b);
    e->is_2m = 0;
}

static uint64_t entry_addr(const h2_entry *e, unsigned b)
{
    return ((e->block << H2_BLOCK_SHIFT) + b) << AB_PAGE_SHIFT;
}

/* Takes the lowest free page of e (which has one); returns its address. */
static uint64_t entry_take_low(h2_entry *e)
{
    unsigned f = ctz32(e->has_pages);
    unsigned b = (f << 5) + ctz32(e->free_map[f]);
    e->free_map[f] &= ~(1u << (b & 31u));
    entry_sum_field(e, f);
    ab_bit_set(e->start_map, b);
    return entry_addr(e, b);
}

/* Takes all 512 pages of e (WHOLE) as one 2 MiB allocation. */
static void entry_take_all(h2_entry *e)
{
    for (unsigned f = 0; f < H2_FIELDS; f++)
        e->free_map[f] = 0;
    e->has_pages = e->full_pages = 0;
    e->start_map[0] = 1u; /* a whole entry has no start bit */
    e->is_2m = 1;
    e->longest = 0;
}

/* The run class the entry belongs on: run_cls(longest) for a PART
 * entry nobody reserves, else NOCLS. */
static uint8_t entry_want_cls(const h2_entry *e)
{
    if (e->owner != 0u || entry_class(e) != H2_PART)
        return H2_NOCLS;
    return (uint8_t)run_cls(e->longest);
}

/* ---- lists (list lock held; in_list and cls also need the entry lock) ---- */

static void list_push(h2_hdr *h, unsigned list, uint32_t idx)
{
    h2_entry *e = &h->entries[idx];
    if (e->in_list[list])
        return;
    e->next[list] = h->head[list];
    head_write(h, list, idx);
    e->in_list[list] = 1;
}

/* Unlinks idx, whose predecessor is prev (H2_NIL: idx is the head). */
static void list_unlink(h2_hdr *h, unsigned list, uint32_t prev, uint32_t idx)
{
    h2_entry *e = &h->entries[idx];
    if (prev == H2_NIL)
        head_write(h, list, e->next[list]);
    else
        h->entries[prev].next[list] = e->next[list];
    e->next[list] = H2_NIL;
    e->in_list[list] = 0;
}

static void cls_insert(h2_hdr *h, uint32_t idx, unsigned c)
{
    h2_entry *e = &h->entries[idx];
    uint32_t first = h->cls_head[c];
    e->cnext = first;
    e->cprev = H2_NIL;
    if (first != H2_NIL)
        h->entries[first].cprev = idx;
    h->cls_head[c] = idx;
    h->cls_mask |= 1u << c;
    e->cls = (uint8_t)c;
}

static void cls_remove(h2_hdr *h, uint32_t idx)
{
    h2_entry *e = &h->entries[idx];
    unsigned c = e->cls;
    if (e->cprev == H2_NIL)
        h->cls_head[c] = e->cnext;
    else
        h->entries[e->cprev].cnext = e->cnext;
    if (e->cnext != H2_NIL)
        h->entries[e->cnext].cprev = e->cprev;
    if (h->cls_head[c] == H2_NIL)
        h->cls_mask &= ~(1u << c);
    e->cnext = e->cprev = H2_NIL;
    e->cls = H2_NOCLS;
}

/*
 * Entry idx (locked) changed from class old (H2_FRESH: it was reserved, so
 * any list may miss it). Unless it is reserved: puts it
 * on the list of its class, drops it from the old list when it is at the
 * head there (deeper, it stays: lazy clean-up) and moves it to its run
 * class. need_lock: take the list lock (false: the caller holds it); it is
 * taken only when there is something to do.
 */
static void entry_settle(h2_hdr *h, uint32_t idx, unsigned old, bool need_lock)
{
    h2_entry *e = &h->entries[idx];
    if (e->owner != 0u)
        return;
    unsigned cls = entry_class(e);
    uint8_t want = cls == H2_PART ? (uint8_t)run_cls(e->longest) : H2_NOCLS;
    if (cls == old && want == e->cls)
        return; /* the common case: same class, same run class */
    unsigned add = cls == H2_NONE ? 2u : cls - 1u;
    unsigned drop = old >= H2_FRESH || old == H2_NONE ? 2u : old - 1u;
    bool need_add = add < 2u && !e->in_list[add];
    bool need_drop = drop < 2u && drop != add && e->in_list[drop] &&
                     head_read(h, drop) == idx;
    if (!need_add && !need_drop && want == e->cls)
        return;
    if (need_lock)
        lock_take(&h->list_lock);
    if (need_drop && h->head[drop] == idx)
        list_unlink(h, drop, H2_NIL, idx);
    if (need_add)
        list_push(h, add, idx);
    if (want != e->cls) {
        if (e->cls != H2_NOCLS)
            cls_remove(h, idx);
        if (want != H2_NOCLS)
            cls_insert(h, idx, want);
    }
    if (need_lock)
        lock_give(&h->list_lock);
}

/* Drops entry idx (locked, stale on list) if it is still at the head. */
static void entry_drop_stale(h2_hdr *h, uint32_t idx, unsigned list)
{
    lock_take(&h->list_lock);
    if (h->head[list] == idx)
        list_unlink(h, list, H2_NIL, idx);
    lock_give(&h->list_lock);
}

/* Reserves entry idx (locked, at the head of list, owner 0) for slot s. */
static void entry_reserve(h2_hdr *h, uint32_t idx, unsigned list, uint32_t s)
{
    h2_entry *e = &h->entries[idx];
    lock_take(&h->list_lock);
    if (h->head[list] == idx)
        list_unlink(h, list, H2_NIL, idx);
    if (e->cls != H2_NOCLS)
        cls_remove(h, idx);
    lock_give(&h->list_lock);
    e->owner = (uint8_t)(s + 1u);
}

/* Releases the reservation of entry idx (locked): lists it by its class. */
static void entry_release(h2_hdr *h, uint32_t idx)
{
    h2_entry *e = &h->entries[idx];
    e->owner = 0;
    e->longest = (uint16_t)entry_longest(e);
    entry_settle(h, idx, H2_FRESH, true);
}

/* True iff both lists are empty, read under the list lock. */
static bool lists_empty(h2_hdr *h, unsigned from_list)
{
    lock_take(&h->list_lock);
    bool empty = h->head[H2_L2M] == H2_NIL &&
                 (from_list == H2_L2M || h->head[H2_L4K] == H2_NIL);
    lock_give(&h->list_lock);
    return empty;
}

/* ---- init ---- */

/* Mask of the bits of field f that lie in [lo, hi). */
static uint32_t field_mask(unsigned f, unsigned lo, unsigned hi)
{
    unsigned a = lo > (f << 5) ? lo : (f << 5);
    unsigned c = hi < ((f + 1u) << 5) ? hi : ((f + 1u) << 5);
    if (a >= c)
        return 0u;
    unsigned w = c - a;
    return (w == 32u ? ~0u : (1u << w) - 1u) << (a & 31u);
}

/* Sets up an entry whose pages [lo, hi) lie in the span and are free. */
static void entry_init(h2_entry *e, uint64_t block, unsigned lo, unsigned hi)
{
    e->block = block;
    e->lock = 0;
    e->next[0] = e->next[1] = H2_NIL;
    e->cnext = e->cprev = H2_NIL;
    e->in_list[0] = e->in_list[1] = 0;
    e->is_2m = 0;
    e->owner = 0;
    e->cls = H2_NOCLS;
    e->edge = (uint8_t)(lo != 0u || hi != H2_BLOCK_PAGES);
    e->longest = (uint16_t)(hi - lo);
    for (unsigned i = 0; i < sizeof e->pad; i++)
        e->pad[i] = 0;
    for (unsigned i = 0; i < sizeof e->pad0; i++)
        e->pad0[i] = 0;
    if (!e->edge) {
        for (unsigned f = 0; f < H2_FIELDS; f++)
            e->free_map[f] = ~0u;
        for (unsigned w = 0; w < 8u; w++)
            e->start_map[w] = 0;
        e->has_pages = e->full_pages = H2_ALL16;
        return;
    }
    e->has_pages = e->full_pages = 0;
    for (unsigned f = 0; f < H2_FIELDS; f++) {
        e->free_map[f] = field_mask(f, lo, hi);
        entry_sum_field(e, f);
    }
    for (unsigned w = 0; w < 8u; w++)
        e->start_map[w] = ~((uint64_t)e->free_map[2u * w] |
                            (uint64_t)e->free_map[2u * w + 1u] << 32);
}

static ab_status h2_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    uint64_t ne, off;
    if (!ab_meta_aligned(meta))
        return AB_EINVAL;
    uint64_t bytes = layout_compute(spans, nspans, &ne, &off);
    if (bytes == 0 || meta_len < bytes)
        return AB_EINVAL;
    unsigned char *base = (unsigned char *)meta;
    h2_hdr *h = (h2_hdr *)meta;
    h->list_lock = 0;
    h->head[0] = h->head[1] = H2_NIL;
    h->cls_mask = 0;
    for (unsigned c = 0; c < H2_NCLS; c++)
        h->cls_head[c] = H2_NIL;
    h->magic = H2_MAGIC;
    h->nentries = (uint32_t)ne;
    h->cpus = (h2_cpu *)(base + H2_HDR_BYTES);
    h->spans = (ab_span *)(h->cpus + AB_MAX_CPUS);
    h->span_base = (uint32_t *)(h->spans + nspans);
    h->entries = (h2_entry *)(base + off);
    h->nspans = nspans;
    h->meta_bytes = bytes;
    h->total_pages = 0;
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++) {
        h->cpus[s].idx = H2_NIL;
        h->cpus[s].lock = 0;
        for (unsigned i = 0; i < 14u; i++)
            h->cpus[s].pad[i] = 0;
    }

    /* Lists are linked in address order through tails: lowest at the head. */
    uint32_t tail[2] = {H2_NIL, H2_NIL};
    uint32_t idx = 0;
    for (size_t s = 0; s < nspans; s++) {
        const ab_span *sp = &spans[s];
        h->spans[s] = *sp;
        h->span_base[s] = idx;
        h->total_pages += sp->npages;
        uint64_t end = sp->first_page + sp->npages;
        uint64_t first_block = sp->first_page >> H2_BLOCK_SHIFT;
        uint64_t nb = span_blocks(sp);
        for (uint64_t k = 0; k < nb; k++, idx++) {
            uint64_t block = first_block + k;
            uint64_t bpage = block << H2_BLOCK_SHIFT;
            unsigned lo = sp->first_page > bpage ? (unsigned)(sp->first_page - bpage) : 0u;
            unsigned hi = end - bpage < H2_BLOCK_PAGES ? (unsigned)(end - bpage)
                                                       : H2_BLOCK_PAGES;
            h2_entry *e = &h->entries[idx];
            entry_init(e, block, lo, hi);
            unsigned list = e->edge ? H2_L4K : H2_L2M;
            if (tail[list] == H2_NIL)
                h->head[list] = idx;
            else
                h->entries[tail[list]].next[list] = idx;
            tail[list] = idx;
            e->in_list[list] = 1;
        }
    }
    /* Edge entries are PART: on their run class too (pushed in reverse, so
     * that the lowest address ends up at the head). */
    for (uint32_t i = (uint32_t)ne; i-- > 0u;) {
        h2_entry *e = &h->entries[i];
        if (e->edge && entry_class(e) == H2_PART)
            cls_insert(h, i, run_cls(e->longest));
    }
    return AB_OK;
}

/* ---- alloc ---- */

/* Slot s's reserved entry if it still is reserved by s (left locked), else
 * H2_NIL. */
static uint32_t slot_lock_entry(h2_hdr *h, uint32_t s)
{
    uint32_t idx = slot_read(h, s);
    if (idx == H2_NIL)
        return H2_NIL;
    h2_entry *e = &h->entries[idx];
    lock_take(&e->lock);
    if (e->owner == s + 1u)
        return idx;
    lock_give(&e->lock);
    return H2_NIL;
}

/* Both lists are empty: a page from any CPU's reserved entry. */
static ab_status alloc_4k_borrow(h2_hdr *h, uint64_t *addr)
{
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++) {
        uint32_t idx = slot_lock_entry(h, s);
        if (idx == H2_NIL)
            continue;
        h2_entry *e = &h->entries[idx];
        bool ok = e->has_pages != 0u;
        if (ok)
            *addr = entry_take_low(e);
        lock_give(&e->lock);
        if (ok)
            return AB_OK;
    }
    return AB_ENOMEM;
}

/* Slot s has no usable entry: under the slot lock, uses the entry another
 * thread of the slot may have reserved meanwhile, else reserves the head of
 * the 4K list, else of the 2M list, and takes its lowest free page. */
static ab_status alloc_4k_refill(h2_hdr *h, uint32_t s, uint64_t *addr)
{
    h2_cpu *c = &h->cpus[s];
    lock_take(&c->lock);
    uint32_t cur = slot_lock_entry(h, s);
    if (cur != H2_NIL) {
        h2_entry *e = &h->entries[cur];
        bool ok = e->has_pages != 0u;
        if (ok)
            *addr = entry_take_low(e);
        else
            entry_release(h, cur); /* full: on no list */
        lock_give(&e->lock);
        if (ok) {
            lock_give(&c->lock);
            return AB_OK;
        }
    }
    for (;;) {
        unsigned list = H2_L4K;
        uint32_t idx = head_read(h, H2_L4K);
        if (idx == H2_NIL) {
            list = H2_L2M;
            idx = head_read(h, H2_L2M);
            if (idx == H2_NIL) {
                if (!lists_empty(h, H2_L4K))
                    continue;
                ab_status st = alloc_4k_borrow(h, addr);
                lock_give(&c->lock);
                return st;
            }
        }
        h2_entry *e = &h->entries[idx];
        lock_take(&e->lock);
        if (e->owner != 0u || entry_class(e) != list + 1u) {
            entry_drop_stale(h, idx, list);
            lock_give(&e->lock);
            continue;
        }
        entry_reserve(h, idx, list, s);
        *addr = entry_take_low(e);
        __atomic_store_n(&c->idx, idx, __ATOMIC_RELAXED);
        lock_give(&e->lock);
        lock_give(&c->lock);
        return AB_OK;
    }
}

/* n = 1, align <= 1: the lowest free page of this CPU's reserved entry. */
static ab_status alloc_4k(h2_hdr *h, uint64_t *addr)
{
    uint32_t s = ab_cpu_index() % AB_MAX_CPUS;
    uint32_t idx = slot_lock_entry(h, s);
    if (idx != H2_NIL) {
        h2_entry *e = &h->entries[idx];
        bool ok = e->has_pages != 0u;
        if (ok)
            *addr = entry_take_low(e);
        lock_give(&e->lock);
        if (ok)
            return AB_OK;
    }
    return alloc_4k_refill(h, s, addr);
}

/* The 2M list is empty: a wholly free reserved entry, released. */
static ab_status alloc_2m_steal(h2_hdr *h, uint64_t *addr)
{
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++) {
        uint32_t idx = slot_lock_entry(h, s);
        if (idx == H2_NIL)
            continue;
        h2_entry *e = &h->entries[idx];
        bool ok = entry_class(e) == H2_WHOLE;
        if (ok) {
            e->owner = 0;
            entry_take_all(e);
            entry_settle(h, idx, H2_WHOLE, true);
            *addr = entry_addr(e, 0);
        }
        lock_give(&e->lock);
        if (ok)
            return AB_OK;
    }
    return AB_ENOMEM;
}

/* n = 512, align <= 512: the whole entry at the 2M head. */
static ab_status alloc_2m(h2_hdr *h, uint64_t *addr)
{
    for (;;) {
        uint32_t idx = head_read(h, H2_L2M);
        if (idx == H2_NIL) {
            if (lists_empty(h, H2_L2M))
                return alloc_2m_steal(h, addr);
            continue;
        }
        h2_entry *e = &h->entries[idx];
        lock_take(&e->lock);
        if (e->owner != 0u || entry_class(e) != H2_WHOLE) {
            entry_drop_stale(h, idx, H2_L2M);
            lock_give(&e->lock);
            continue;
        }
        entry_take_all(e);
        entry_settle(h, idx, H2_WHOLE, true);
        *addr = entry_addr(e, 0);
        lock_give(&e->lock);
        return AB_OK;
    }
}

/* A run search: the request and what it found. */
typedef struct h2_req {
    unsigned n, step;
    bool skipped; /* a busy entry was passed over */
    uint64_t addr;
} h2_req;

/* Tries entry idx (owner 0, listed; list lock held, entry try-locked here).
 * On a fit: takes the run, settles the entry (list lock held) and returns
 * true. */
static bool run_try(h2_hdr *h, h2_req *r, uint32_t idx)
{
    h2_entry *e = &h->entries[idx];
    if (!lock_try(&e->lock)) {
        r->skipped = true;
        return false;
    }
    unsigned b = entry_find_run(e, r->n, r->step);
    if (b < H2_BLOCK_PAGES) {
        unsigned old = entry_class(e);
        entry_take(e, b, r->n);
        e->longest = (uint16_t)entry_longest(e);
        entry_settle(h, idx, old, false);
        r->addr = entry_addr(e, b);
    }
    lock_give(&e->lock);
    return b < H2_BLOCK_PAGES;
}

/* Up to *budget entries of class c (list lock held); *budget is reduced by
 * the entries looked at. */
static bool run_probe_class(h2_hdr *h, h2_req *r, unsigned c, unsigned *budget)
{
    uint32_t idx = h->cls_head[c];
    for (; *budget > 0u && idx != H2_NIL; (*budget)--) {
        uint32_t next = h->entries[idx].cnext; /* before run_try moves idx */
        if (run_try(h, r, idx))
            return true;
        idx = next;
    }
    return false;
}

/* Up to H2_PROBE whole entries of the 2M list (list lock held); stale ones
 * met on the way are unlinked. */
static bool run_probe_2m(h2_hdr *h, h2_req *r)
{
    uint32_t prev = H2_NIL, idx = h->head[H2_L2M];
    unsigned k = 0;
    while (idx != H2_NIL && k < H2_PROBE) {
        h2_entry *e = &h->entries[idx];
        uint32_t next = e->next[H2_L2M];
        if (!lock_try(&e->lock)) {
            r->skipped = true;
            prev = idx;
            idx = next;
            k++;
            continue;
        }
        bool stale = e->owner != 0u || entry_class(e) != H2_WHOLE;
        if (stale)
            list_unlink(h, H2_L2M, prev, idx);
        lock_give(&e->lock);
        if (stale) {
            idx = next;
            continue;
        }
        if (run_try(h, r, idx))
            return true;
        prev = idx;
        idx = next;
        k++;
    }
    return false;
}

/* The lists found nothing: a run inside any reserved entry. */
static bool run_reserved(h2_hdr *h, h2_req *r)
{
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++) {
        uint32_t idx = slot_lock_entry(h, s);
        if (idx == H2_NIL)
            continue;
        h2_entry *e = &h->entries[idx];
        unsigned b = entry_find_run(e, r->n, r->step);
        if (b < H2_BLOCK_PAGES) {
            entry_take(e, b, r->n);
            r->addr = entry_addr(e, b);
        }
        lock_give(&e->lock);
        if (b < H2_BLOCK_PAGES)
            return true;
    }
    return false;
}

/* Files up to limit entries of class 0 (longest run unknown) on the class
 * of their longest run (list lock held; entries try-locked, busy ones left
 * there). */
static void run_drain(h2_hdr *h, h2_req *r, uint32_t limit)
{
    uint32_t idx = h->cls_head[0];
    for (; limit > 0u && idx != H2_NIL; limit--) {
        h2_entry *e = &h->entries[idx];
        uint32_t next = e->cnext;
        if (lock_try(&e->lock)) {
            e->longest = (uint16_t)entry_longest(e);
            entry_settle(h, idx, entry_class(e), false);
            lock_give(&e->lock);
        } else {
            r->skipped = true;
        }
        idx = next;
    }
}

/* The class lists (list lock held): the lowest class whose every entry
 * fits, else up to H2_PROBE entries of the classes that may fit. */
static bool run_search(h2_hdr *h, h2_req *r, unsigned lo, unsigned sure)
{
    bool found = false;
    uint32_t mask = sure < 32u ? h->cls_mask & ~((1u << sure) - 1u) : 0u;
    while (!found && mask != 0u) {
        unsigned c = ctz32(mask), budget = H2_PROBE;
        mask &= mask - 1u;
        found = run_probe_class(h, r, c, &budget);
    }
    unsigned budget = H2_PROBE; /* for all the classes that may fit */
    for (unsigned c = sure; !found && budget > 0u && c-- > lo;)
        if ((h->cls_mask >> c) & 1u)
            found = run_probe_class(h, r, c, &budget);
    return found;
}

/*
 * Any other request with align <= 512: the caller's reserved entry, else
 * the lowest run class whose every entry fits, else a few entries of the
 * classes that may fit, else a whole entry, else a reserved one. Entries
 * are only try-locked under the list lock (the lock order is entry then
 * list); if a busy entry was skipped and nothing found, the search is
 * retried.
 */
static ab_status alloc_run(h2_hdr *h, unsigned n, unsigned step, uint64_t *addr)
{
    unsigned need = n + step - 1u;
    unsigned lo = run_cls(n);
    unsigned sure = H2_NCLS; /* the classes from here on surely fit */
    if (need < H2_BLOCK_PAGES) {
        sure = run_cls(need);
        sure += run_cls_min(sure) < need;
    }
    h2_req r = {n, step, false, 0};
    /* The caller's own reserved entry first: locality, and no list lock. */
    uint32_t idx = slot_lock_entry(h, ab_cpu_index() % AB_MAX_CPUS);
    if (idx != H2_NIL) {
        h2_entry *e = &h->entries[idx];
        unsigned b = entry_find_run(e, n, step);
        if (b < H2_BLOCK_PAGES) {
            entry_take(e, b, n);
            *addr = entry_addr(e, b);
        }
        lock_give(&e->lock);
        if (b < H2_BLOCK_PAGES)
            return AB_OK;
    }
    for (;;) {
        r.skipped = false;
        lock_take(&h->list_lock);
        run_drain(h, &r, H2_PROBE);
        bool found = run_search(h, &r, lo, sure);
        if (!found && h->cls_head[0] != H2_NIL) {
            run_drain(h, &r, UINT32_MAX); /* all of class 0 before failing */
            found = run_search(h, &r, lo, sure);
        }
        if (!found)
            found = run_probe_2m(h, &r);
        lock_give(&h->list_lock);
        if (!found)
            found = run_reserved(h, &r);
        if (found) {
            *addr = r.addr;
            return AB_OK;
        }
        if (!r.skipped)
            return AB_ENOMEM;
        cpu_relax();
    }
}

/* align > 512 pages: a run at page 0 of an aligned block, the aligned
 * blocks of each span in address order. */
static ab_status alloc_stride(h2_hdr *h, unsigned n, uint64_t align, uint64_t *addr)
{
    uint64_t m = align >> H2_BLOCK_SHIFT; /* blocks per alignment step */
    for (size_t s = 0; s < h->nspans; s++) {
        uint64_t first = h->spans[s].first_page >> H2_BLOCK_SHIFT;
        uint64_t nb = span_blocks(&h->spans[s]);
        for (uint64_t k = ((first + m - 1u) & ~(m - 1u)) - first; k < nb; k += m) {
            uint32_t idx = h->span_base[s] + (uint32_t)k;
            h2_entry *e = &h->entries[idx];
            lock_take(&e->lock);
            bool ok = entry_next_used(e, 0, n) == n;
            if (ok) {
                unsigned old = entry_class(e);
                entry_take(e, 0, n);
                if (e->owner == 0u) {
                    e->longest = (uint16_t)entry_longest(e);
                    entry_settle(h, idx, old, true);
                }
                *addr = entry_addr(e, 0);
            }
            lock_give(&e->lock);
            if (ok)
                return AB_OK;
        }
    }
    return AB_ENOMEM;
}

static ab_status h2_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_status st = ab_alloc_precheck(&ab_strategy_hier2m, n, align_pages, addr);
    if (st != AB_OK)
        return st;
    h2_hdr *h = (h2_hdr *)self;
    if (n == 1u && align_pages <= 1u)
        return alloc_4k(h, addr);
    if (n == H2_BLOCK_PAGES && align_pages <= H2_BLOCK_PAGES)
        return alloc_2m(h, addr);
    if (align_pages > H2_BLOCK_PAGES)
        return alloc_stride(h, (unsigned)n, align_pages, addr);
    return alloc_run(h, (unsigned)n, align_pages <= 1u ? 1u : (unsigned)align_pages, addr);
}

/* ---- free ---- */

/* Status of freeing pages [b, b + n) of e (locked): EDOUBLE, ESIZE or OK. */
static ab_status entry_free_check(const h2_entry *e, unsigned b, uint64_t n)
{
    if (entry_page_free(e, b))
        return AB_EDOUBLE;
    if (!ab_bit_test(e->start_map, b))
        return AB_ESIZE;
    if (e->is_2m)
        return n == H2_BLOCK_PAGES ? AB_OK : AB_ESIZE;
    if (n > H2_BLOCK_PAGES - b)
        return AB_ESIZE;
    unsigned end = b + (unsigned)n;
    if (n > 1u) {
        /* The pages after the first: allocated, none a start. */
        if (entry_next_free(e, b + 1u) < end ||
            ab_bits_find(e->start_map, b + 1u, end, true) != end)
            return AB_ESIZE;
    }
    /* The page after the last: past the entry, free, or a start. */
    if (end < H2_BLOCK_PAGES && !entry_page_free(e, end) && !ab_bit_test(e->start_map, end))
        return AB_ESIZE;
    return AB_OK;
}

static ab_status h2_free(void *self, uint64_t addr, uint64_t n)
{
    h2_hdr *h = (h2_hdr *)self;
    size_t s;
    uint64_t page;
    ab_status st = ab_free_precheck(h->spans, h->nspans, addr, n, &s, &page);
    if (st != AB_OK)
        return st;
    uint32_t idx = h->span_base[s] + (uint32_t)((page >> H2_BLOCK_SHIFT) -
                                                (h->spans[s].first_page >> H2_BLOCK_SHIFT));
    unsigned b = (unsigned)(page & (H2_BLOCK_PAGES - 1u));
    h2_entry *e = &h->entries[idx];
    lock_take(&e->lock);
    st = entry_free_check(e, b, n);
    if (st == AB_OK) {
        unsigned old = entry_class(e);
        unsigned end = b + (unsigned)n;
        entry_give(e, b, (unsigned)n);
        if (e->owner == 0u) {
            unsigned cls = entry_class(e);
            if (cls == H2_WHOLE) {
                e->longest = H2_BLOCK_PAGES;
            } else if (old == H2_NONE) {
                e->longest = 0; /* unknown: class 0, see "Lazy run class" */
            } else if (e->longest != 0u) {
                /* Freeing only merges runs: the new run around [b, end) is
                 * the only candidate for a longer longest run. */
                unsigned run = entry_free_below(e, b) + (unsigned)n + entry_free_from(e, end);
                if (run > e->longest)
                    e->longest = (uint16_t)run;
            }
            if (cls != old || cls != H2_PART || run_cls(e->longest) != e->cls)
                entry_settle(h, idx, old, true);
        }
    }
    lock_give(&e->lock);
    return st;
}

/* ---- walk, stats ---- */

typedef struct h2_runs {
    ab_run_fn fn;
    void *ctx;
    uint64_t first, npages;
} h2_runs;

/* Adds free pages [page, page + n); reports the run before when they do
 * not extend it. Returns nonzero when the callback asks to stop. */
static int runs_add(h2_runs *r, uint64_t page, uint64_t n)
{
    if (r->npages != 0u && r->first + r->npages == page) {
        r->npages += n;
        return 0;
    }
    int stop = r->npages != 0u ? r->fn(r->ctx, r->first, r->npages) : 0;
    r->first = page;
    r->npages = n;
    return stop;
}

static void h2_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    h2_hdr *h = (h2_hdr *)(uintptr_t)self; /* the entry locks are written */
    h2_runs r = {fn, ctx, 0, 0};
    for (uint32_t idx = 0; idx < h->nentries; idx++) {
        h2_entry *e = &h->entries[idx];
        uint32_t map[16];
        lock_take(&e->lock);
        uint16_t has = e->has_pages, full = e->full_pages;
        for (unsigned f = 0; f < H2_FIELDS; f++)
            map[f] = e->free_map[f];
        lock_give(&e->lock);
        uint64_t base = e->block << H2_BLOCK_SHIFT;
        if (has == 0u)
            continue;
        if (full == H2_ALL16) {
            if (runs_add(&r, base, H2_BLOCK_PAGES))
                return;
            continue;
        }
        for (unsigned f = 0; f < H2_FIELDS; f++) {
            uint32_t w = map[f];
            while (w != 0u) {
                unsigned lo = ctz32(w);
                uint32_t x = ~(w >> lo);
                unsigned len = x == 0u ? 32u : ctz32(x);
                if (runs_add(&r, base + (f << 5) + lo, len))
                    return;
                w = lo + len >= 32u ? 0u : w & (~0u << (lo + len));
            }
        }
    }
    if (r.npages != 0u)
        (void)fn(ctx, r.first, r.npages);
}

static void h2_stats(const void *self, ab_stats *out)
{
    const h2_hdr *h = (const h2_hdr *)self;
    ab_run_tally t = {0, 0, 0};
    h2_walk_free(self, ab_run_tally_add, &t);
    out->total_pages = h->total_pages;
    out->free_pages = t.free_pages;
    out->largest_free_run = t.largest;
    out->free_runs = t.runs;
    out->meta_bytes = h->meta_bytes;
}

/* ---- check ---- */

static size_t check_header(const h2_hdr *h)
{
    size_t bad = 0;
    AB_INSIST(bad, h->magic == H2_MAGIC);
    AB_INSIST(bad, h->nspans >= 1u && ab_spans_normalized(h->spans, h->nspans));
    if (bad != 0)
        return bad;
    uint64_t idx = 0, total = 0;
    for (size_t s = 0; s < h->nspans; s++) {
        const ab_span *sp = &h->spans[s];
        AB_INSIST(bad, h->span_base[s] == idx);
        uint64_t nb = span_blocks(sp), end = sp->first_page + sp->npages;
        for (uint64_t k = 0; k < nb && idx + k < h->nentries; k++) {
            const h2_entry *e = &h->entries[idx + k];
            uint64_t bpage = ((sp->first_page >> H2_BLOCK_SHIFT) + k) << H2_BLOCK_SHIFT;
            AB_INSIST(bad, e->block == bpage >> H2_BLOCK_SHIFT);
            bool edge = sp->first_page > bpage || end - bpage < H2_BLOCK_PAGES;
            AB_INSIST(bad, e->edge == (uint8_t)edge);
        }
        idx += nb;
        total += sp->npages;
    }
    AB_INSIST(bad, idx == h->nentries);
    AB_INSIST(bad, total == h->total_pages);
    return bad;
}

/* The entry's free map as 8 x 64 bits. */
static void entry_map64(const h2_entry *e, uint64_t out[8])
{
    for (unsigned w = 0; w < 8u; w++)
        out[w] = (uint64_t)e->free_map[2u * w] | (uint64_t)e->free_map[2u * w + 1u] << 32;
}

/* Pages [lo, hi) of entry e that lie inside span sp, as 8 x 64 bits. */
static void entry_inside64(const h2_entry *e, const ab_span *sp, uint64_t out[8])
{
    uint64_t bpage = e->block << H2_BLOCK_SHIFT;
    uint64_t end = sp->first_page + sp->npages;
    unsigned lo = sp->first_page > bpage ? (unsigned)(sp->first_page - bpage) : 0u;
    unsigned hi = end - bpage < H2_BLOCK_PAGES ? (unsigned)(end - bpage) : H2_BLOCK_PAGES;
    for (unsigned w = 0; w < 8u; w++)
        out[w] = 0;
    ab_bits_fill(out, lo, hi - lo, true);
}

/* Invariant 4 for the (at most two) edge entries of span s. */
static size_t check_outside(const h2_hdr *h, size_t s)
{
    size_t bad = 0;
    const ab_span *sp = &h->spans[s];
    uint32_t first = h->span_base[s];
    uint32_t last = first + (uint32_t)(span_blocks(sp) - 1u);
    for (uint32_t i = first; i <= last; i += (last > first ? last - first : 1u)) {
        const h2_entry *e = &h->entries[i];
        uint64_t map[8], inside[8];
        entry_map64(e, map);
        entry_inside64(e, sp, inside);
        for (unsigned w = 0; w < 8u; w++) {
            AB_INSIST(bad, (map[w] & ~inside[w]) == 0u);
            AB_INSIST(bad, (~e->start_map[w] & ~inside[w]) == 0u);
        }
    }
    return bad;
}

static size_t check_list(const h2_hdr *h, unsigned list)
{
    size_t bad = 0;
    uint64_t len = 0, flagged = 0;
    uint32_t idx = h->head[list];
    while (idx != H2_NIL && len <= h->nentries) {
        if (idx >= h->nentries) {
            bad++;
            break;
        }
        AB_INSIST(bad, h->entries[idx].in_list[list] == 1u);
        len++;
        idx = h->entries[idx].next[list];
    }
    AB_INSIST(bad, len <= h->nentries);
    for (uint32_t i = 0; i < h->nentries; i++)
        flagged += h->entries[i].in_list[list] != 0u;
    AB_INSIST(bad, flagged == len);
    return bad;
}

/* Invariant 10: the class lists, their mask, and each entry's cls byte. */
static size_t check_classes(const h2_hdr *h)
{
    size_t bad = 0;
    uint64_t len = 0, flagged = 0;
    for (unsigned c = 0; c < H2_NCLS; c++) {
        AB_INSIST(bad, ((h->cls_mask >> c) & 1u) == (h->cls_head[c] != H2_NIL) &&
                           "mask bit iff class non-empty");
        uint32_t prev = H2_NIL, idx = h->cls_head[c];
        while (idx != H2_NIL && len <= h->nentries) {
            if (idx >= h->nentries) {
                bad++;
                break;
            }
            const h2_entry *e = &h->entries[idx];
            AB_INSIST(bad, e->cls == c && "on the list its cls says");
            AB_INSIST(bad, e->cprev == prev && "back link");
            len++;
            prev = idx;
            idx = e->cnext;
        }
    }
    AB_INSIST(bad, len <= h->nentries && "class lists are not cyclic");
    for (uint32_t i = 0; i < h->nentries; i++) {
        const h2_entry *e = &h->entries[i];
        flagged += e->cls != H2_NOCLS;
        AB_INSIST(bad, e->cls == entry_want_cls(e) && "on the class of its longest run");
    }
    AB_INSIST(bad, flagged == len && "every classed entry is linked");
    return bad;
}

static size_t h2_check(const void *self)
{
    const h2_hdr *h = (const h2_hdr *)self;
    size_t bad = check_header(h); /* 1 */
    if (bad != 0)
        return bad;
    const h2_entry *es = h->entries;
    uint32_t ne = h->nentries;
    /* 2 */
    AB_INSIST(bad, h->list_lock == 0u);
    for (uint32_t i = 0; i < ne; i++)
        AB_INSIST(bad, es[i].lock == 0u);
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++)
        AB_INSIST(bad, h->cpus[s].lock == 0u);
    /* 3 */
    for (uint32_t i = 0; i < ne; i++)
        for (unsigned f = 0; f < H2_FIELDS; f++) {
            uint32_t w = es[i].free_map[f];
            AB_INSIST(bad, ((es[i].has_pages >> f) & 1u) == (w != 0u));
            AB_INSIST(bad, ((es[i].full_pages >> f) & 1u) == (w == ~0u));
        }
    /* 4 */
    for (size_t s = 0; s < h->nspans; s++)
        bad += check_outside(h, s);
    /* 5 */
    for (uint32_t i = 0; i < ne; i++) {
        uint64_t map[8], carry = 0;
        entry_map64(&es[i], map);
        for (unsigned w = 0; w < 8u; w++) {
            uint64_t used = ~map[w], start = es[i].start_map[w];
            AB_INSIST(bad, (start & map[w]) == 0u);
            AB_INSIST(bad, (used & ~start & ~(used << 1 | carry)) == 0u);
            carry = used >> 63;
        }
    }
    /* 6 */
    for (uint32_t i = 0; i < ne; i++) {
        bool one = es[i].has_pages == 0u && !es[i].edge && es[i].start_map[0] == 1u;
        for (unsigned w = 1; w < 8u; w++)
            one = one && es[i].start_map[w] == 0u;
        AB_INSIST(bad, (es[i].is_2m != 0u) == one);
    }
    /* 7 */
    bad += check_list(h, H2_L4K);
    bad += check_list(h, H2_L2M);
    /* 8 */
    for (uint32_t i = 0; i < ne; i++) {
        AB_INSIST(bad, es[i].owner <= AB_MAX_CPUS && "owner is a slot + 1");
        if (es[i].owner != 0u) {
            uint32_t s = es[i].owner - 1u;
            AB_INSIST(bad, h->cpus[s].idx == i && "a reserved entry is its slot's entry");
        }
    }
    for (uint32_t s = 0; s < AB_MAX_CPUS; s++)
        AB_INSIST(bad, (h->cpus[s].idx == H2_NIL || h->cpus[s].idx < ne) && "slot in range");
    /* 9 */
    for (uint32_t i = 0; i < ne; i++) {
        if (es[i].owner != 0u)
            continue;
        unsigned cls = entry_class(&es[i]);
        AB_INSIST(bad, cls != H2_PART || es[i].in_list[H2_L4K]);
        AB_INSIST(bad, cls != H2_WHOLE || es[i].in_list[H2_L2M]);
        AB_INSIST(bad, (es[i].longest == entry_longest(&es[i]) ||
                        (es[i].longest == 0u && cls == H2_PART)) &&
                           "longest run is exact, or 0 (unknown) on a PART entry");
    }
    for (uint32_t i = 0; i < ne; i++)
        AB_INSIST(bad, !es[i].edge || !es[i].in_list[H2_L2M]);
    /* 10 */
    bad += check_classes(h);
    return bad;
}

const ab_strategy ab_strategy_hier2m = {
    .name = "hier2m",
    .summary = "512-bit map per 2 MiB entry, per-CPU reserved entries, 4K and 2M lists "
               "with lazy clean-up, run classes; O(1) 4K and 2M paths",
    .caps = AB_CAP_CONTIG | AB_CAP_HUGE2M | AB_CAP_THREADSAFE,
    .max_npages = H2_BLOCK_PAGES,
    .meta_bytes = h2_meta_bytes,
    .init = h2_init,
    .alloc = h2_alloc,
    .free = h2_free,
    .stats = h2_stats,
    .walk_free = h2_walk_free,
    .check = h2_check,
};
