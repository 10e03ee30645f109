/*
 * pcp: per-CPU single-page caches in front of a locked inner strategy.
 *
 * Algorithm. Each of the AB_MAX_CPUS slots (ab_cpu_index()) owns a cache: a
 * spinlock, a count and a LIFO array of page indices, 512 bytes on their
 * own cache lines. alloc(1, align <= 1) locks its cache; if empty, it
 * refills it with up to batch pages taken one by one from the inner
 * strategy under the inner lock; it pops the hottest page. free(addr, 1) of
 * a page whose state is SINGLE locks its cache; if the cache holds high
 * pages, the batch oldest go back to the inner strategy under the inner
 * lock; it pushes the page. Lock order: caches in index order, then the
 * inner lock; a path holding one cache lock takes only the inner lock, the
 * paths that drain every cache (ENOMEM) or read the whole state (stats,
 * walk, check) take every cache lock in order, then the inner lock.
 * Per-page state: one byte (SINGLE: a live one-page allocation; CACHED: in
 * a cache), written only by the page's owner (see state_get), so that no
 * state change is an atomic read-modify-write. A free whose state is
 * CACHED is AB_EDOUBLE; a free(addr, 1) whose state is SINGLE is a legal
 * one-page free; everything else is decided by the inner strategy. A
 * double free that races with the first free on another CPU is not caught
 * (as in Linux): the caller broke ownership; sequential double frees are.
 *
 * Time. alloc(1) and free(1): O(1) + one cache lock (one atomic exchange)
 * when served by the cache; every batch-th call also batch inner operations
 * under the inner lock (O(batch) entry shift on a drain). Other requests:
 * the inner cost + the inner lock + O(log nspans) for free. On ENOMEM:
 * AB_MAX_CPUS cache locks + draining up to AB_MAX_CPUS * high pages.
 * stats, walk_free: the inner walk + O(C log C) heap sort of the C cached
 * pages + O(C log nspans). check: walk + O(P).
 *
 * Metadata bytes, with P = total pages, S = spans (x86-64):
 *   header 128 (64 on i386), read-mostly, + 64 for the inner lock's line
 *   + AB_MAX_CPUS * 512 caches (32 KiB)
 *   + AB_MAX_CPUS * high * 4 scratch (31 KiB)
 *   + 16 S spans + 4 S bases (rounded up to 8)
 *   + P state bytes (rounded up to 64)
 *   + inner meta_bytes
 * = P + 64.2 KiB + 20 S + inner: 256 KiB per GiB managed (16 MiB for
 * 64 GiB) on top of the inner strategy (buddy: 2.25 MiB per GiB), plus
 * 64 KiB per instance. Two bits a page would do (64 KiB per GiB), but
 * pages of one word sit in different caches and every state change would
 * then need a compare-and-swap: a third atomic operation per alloc or free.
 */
#include "pcp.h"

#include "allocbench/spin.h"

#define PCP_MAGIC 0x50435053u /* "PCPS" */
#define ST_SINGLE 1u
#define ST_CACHED 2u
#define ROUND64(x) (((x) + AB_META_ALIGN - 1u) & ~(uint64_t)(AB_META_ALIGN - 1u))
#define HEADER_BYTES ROUND64(sizeof(ab_pcp))

_Static_assert(sizeof(ab_pcp_cpu) == 512u, "a cache is 8 cache lines of its own");
_Static_assert(AB_PCP_BATCH <= AB_PCP_HIGH && AB_PCP_HIGH <= AB_PCP_SLOTS, "marks fit");

typedef struct pcp_layout {
    uint64_t total_pages;
    uint64_t lock_off, cpus_off, scratch_off, spans_off, base_off, state_off, inner_off;
    uint64_t inner_bytes, total;
} pcp_layout;

static uint64_t round8(uint64_t x) { return (x + 7u) & ~(uint64_t)7u; }

/* Fills *l. Returns false if the spans are bad or too large. */
static bool layout_compute(const ab_strategy *inner, const ab_span *spans, size_t nspans,
                           pcp_layout *l)
{
    if (inner == NULL || !ab_spans_normalized(spans, nspans) || nspans > ((size_t)1 << 24))
        return false;
    uint64_t total = 0;
    for (size_t i = 0; i < nspans; i++) {
        if (spans[i].npages >= (uint64_t)UINT32_MAX - total)
            return false;
        total += spans[i].npages;
    }
    l->inner_bytes = inner->meta_bytes(spans, nspans);
    if (l->inner_bytes == 0)
        return false;
    l->total_pages = total;
    l->lock_off = HEADER_BYTES;
    l->cpus_off = HEADER_BYTES + 64u;
    l->scratch_off = l->cpus_off + (uint64_t)AB_MAX_CPUS * sizeof(ab_pcp_cpu);
    l->spans_off = ROUND64(l->scratch_off + (uint64_t)AB_MAX_CPUS * AB_PCP_HIGH * 4u);
    l->base_off = l->spans_off + (uint64_t)nspans * sizeof(ab_span);
    l->state_off = round8(l->base_off + (uint64_t)nspans * 4u);
    l->inner_off = ROUND64(l->state_off + total);
    l->total = l->inner_off + l->inner_bytes;
    return l->total <= (uint64_t)SIZE_MAX && l->total >= l->inner_off;
}

static size_t pcp_meta_bytes(const ab_strategy *inner, const ab_span *spans, size_t nspans)
{
    pcp_layout l;
    if (!layout_compute(inner, spans, nspans, &l))
        return 0;
    return (size_t)l.total;
}

static ab_status pcp_init(const ab_strategy *inner, void *meta, size_t meta_len,
                          const ab_span *spans, size_t nspans)
{
    pcp_layout l;
    if (!ab_meta_aligned(meta) || !layout_compute(inner, spans, nspans, &l) || meta_len < l.total)
        return AB_EINVAL;
    unsigned char *m = meta;
    ab_status s = inner->init(m + l.inner_off, meta_len - (size_t)l.inner_off, spans, nspans);
    if (s != AB_OK)
        return s;
    ab_pcp *p = meta;
    p->magic = PCP_MAGIC;
    p->high = AB_PCP_HIGH;
    p->batch = AB_PCP_BATCH;
    p->inner = inner;
    p->inner_self = m + l.inner_off;
    p->inner_lock = (uint32_t *)(void *)(m + l.lock_off);
    p->cpus = (ab_pcp_cpu *)(void *)(m + l.cpus_off);
    p->scratch = (uint32_t *)(void *)(m + l.scratch_off);
    p->spans = (ab_span *)(void *)(m + l.spans_off);
    p->base = (uint32_t *)(void *)(m + l.base_off);
    p->state = m + l.state_off;
    p->nspans = nspans;
    p->total_pages = l.total_pages;
    p->meta_bytes = l.total;
    uint32_t idx = 0;
    for (size_t i = 0; i < nspans; i++) {
        p->spans[i] = spans[i];
        p->base[i] = idx;
        idx += (uint32_t)spans[i].npages;
    }
    for (uint64_t i = 0; i < l.total_pages; i++)
        p->state[i] = 0;
    for (uint32_t c = 0; c < AB_MAX_CPUS; c++) {
        p->cpus[c].count = 0;
        ab_spin_init(&p->cpus[c].lock);
    }
    ab_spin_init(p->inner_lock);
    return AB_OK;
}

static ab_pcp *pcp_of(const void *self) { return (ab_pcp *)(uintptr_t)self; }

/* Page number of a page index: the span whose base is the last <= idx. */
static uint64_t page_of(const ab_pcp *p, uint32_t idx)
{
    size_t lo = 0, hi = p->nspans;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->base[mid] <= idx)
            lo = mid;
        else
            hi = mid;
    }
    return p->spans[lo].first_page + (idx - p->base[lo]);
}

/* Page index of a managed page number. */
static uint32_t index_of(const ab_pcp *p, uint64_t page)
{
    size_t s = ab_span_find(p->spans, p->nspans, page);
    AB_ASSERT(s < p->nspans);
    return p->base[s] + (uint32_t)(page - p->spans[s].first_page);
}

/*
 * Page states are bytes, so that pages in different caches never share a
 * read-modify-write. A byte is written only by whoever owns its page: the
 * cache holding it (under that cache's lock), the thread that allocated it
 * (SINGLE -> CACHED on its free), or the inner-lock holder that just took
 * it from the inner strategy. Relaxed atomic loads and stores: the cache
 * locks and the caller's hand-over of a page order the rest.
 */
static uint32_t state_get(const ab_pcp *p, uint32_t idx)
{
    return __atomic_load_n(&p->state[idx], __ATOMIC_RELAXED);
}

static void state_set(ab_pcp *p, uint32_t idx, uint32_t st)
{
    __atomic_store_n(&p->state[idx], (uint8_t)st, __ATOMIC_RELAXED);
}

/* Under c's lock: takes up to batch pages from the inner strategy, the
 * first one it hands out on top. Returns how many. */
static uint32_t cache_refill(ab_pcp *p, ab_pcp_cpu *c)
{
    uint32_t got = 0;
    ab_spin_lock(p->inner_lock);
    while (got < p->batch) {
        uint64_t addr;
        if (p->inner->alloc(p->inner_self, 1, 0, &addr) != AB_OK)
            break;
        uint32_t idx = index_of(p, addr >> AB_PAGE_SHIFT);
        AB_ASSERT(state_get(p, idx) == 0);
        state_set(p, idx, ST_CACHED);
        c->page[got++] = idx;
    }
    ab_spin_unlock(p->inner_lock);
    for (uint32_t i = 0, j = got; i + 1 < j; i++, j--) {
        uint32_t t = c->page[i];
        c->page[i] = c->page[j - 1];
        c->page[j - 1] = t;
    }
    c->count = got;
    return got;
}

/* Under c's lock and the inner lock: gives c's k oldest pages back. */
static void cache_drain_locked(ab_pcp *p, ab_pcp_cpu *c, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        uint32_t idx = c->page[i];
        AB_ASSERT(state_get(p, idx) == ST_CACHED);
        state_set(p, idx, 0);
        ab_status s = p->inner->free(p->inner_self, page_of(p, idx) << AB_PAGE_SHIFT, 1);
        AB_ASSERT(s == AB_OK);
        (void)s;
    }
    for (uint32_t i = k; i < c->count; i++)
        c->page[i - k] = c->page[i];
    c->count -= k;
}

static void lock_all(ab_pcp *p)
{
    for (uint32_t c = 0; c < AB_MAX_CPUS; c++)
        ab_spin_lock(&p->cpus[c].lock);
    ab_spin_lock(p->inner_lock);
}

static void unlock_all(ab_pcp *p)
{
    ab_spin_unlock(p->inner_lock);
    for (uint32_t c = AB_MAX_CPUS; c-- > 0;)
        ab_spin_unlock(&p->cpus[c].lock);
}

/* The inner alloc under the inner lock; on ENOMEM, with every cache drained
 * into the inner strategy, once more. */
static ab_status alloc_inner(ab_pcp *p, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_spin_lock(p->inner_lock);
    ab_status s = p->inner->alloc(p->inner_self, n, align_pages, addr);
    ab_spin_unlock(p->inner_lock);
    if (s != AB_ENOMEM)
        return s;
    lock_all(p);
    uint32_t drained = 0;
    for (uint32_t c = 0; c < AB_MAX_CPUS; c++) {
        drained += p->cpus[c].count;
        cache_drain_locked(p, &p->cpus[c], p->cpus[c].count);
    }
    if (drained > 0)
        s = p->inner->alloc(p->inner_self, n, align_pages, addr);
    unlock_all(p);
    return s;
}

static ab_status pcp_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_pcp *p = self;
    ab_status s = ab_alloc_precheck(p->inner, n, align_pages, addr);
    if (s != AB_OK)
        return s;
    if (n == 1 && align_pages <= 1) {
        ab_pcp_cpu *c = &p->cpus[ab_cpu_index() % AB_MAX_CPUS];
        ab_spin_lock(&c->lock);
        if (c->count > 0 || cache_refill(p, c) > 0) {
            uint32_t idx = c->page[--c->count];
            AB_ASSERT(state_get(p, idx) == ST_CACHED);
            state_set(p, idx, ST_SINGLE);
            ab_spin_unlock(&c->lock);
            *addr = page_of(p, idx) << AB_PAGE_SHIFT;
            return AB_OK;
        }
        ab_spin_unlock(&c->lock);
    }
    uint64_t got;
    s = alloc_inner(p, n, align_pages, &got);
    if (s != AB_OK)
        return s;
    if (n == 1) {
        uint32_t idx = index_of(p, got >> AB_PAGE_SHIFT);
        AB_ASSERT(state_get(p, idx) == 0);
        state_set(p, idx, ST_SINGLE);
    }
    *addr = got;
    return AB_OK;
}

static ab_status pcp_free(void *self, uint64_t addr, uint64_t n)
{
    ab_pcp *p = self;
    size_t span;
    uint64_t page;
    ab_status s = ab_free_precheck(p->spans, p->nspans, addr, n, &span, &page);
    if (s != AB_OK)
        return s;
    uint32_t idx = p->base[span] + (uint32_t)(page - p->spans[span].first_page);
    uint32_t st = state_get(p, idx);
    if (st == ST_CACHED)
        return AB_EDOUBLE;
    if (n == 1 && st == ST_SINGLE) {
        ab_pcp_cpu *c = &p->cpus[ab_cpu_index() % AB_MAX_CPUS];
        ab_spin_lock(&c->lock);
        if (c->count >= p->high) {
            ab_spin_lock(p->inner_lock);
            cache_drain_locked(p, c, p->batch);
            ab_spin_unlock(p->inner_lock);
        }
        state_set(p, idx, ST_CACHED);
        c->page[c->count++] = idx;
        ab_spin_unlock(&c->lock);
        return AB_OK;
    }
    ab_spin_lock(p->inner_lock);
    s = p->inner->free(p->inner_self, addr, n);
    ab_spin_unlock(p->inner_lock);
    return s;
}

/* Sifts a[root] down the max-heap a[0, end). */
static void heap_sift_down(uint32_t *a, uint32_t root, uint32_t end)
{
    for (;;) {
        uint32_t child = 2u * root + 1u;
        if (child >= end)
            return;
        if (child + 1u < end && a[child + 1u] > a[child])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

/* Under every lock: copies the cached page indices to scratch, sorted
 * (heap sort: no recursion, no extra memory). Returns how many. */
static uint32_t cached_sorted(ab_pcp *p)
{
    uint32_t *a = p->scratch, n = 0;
    for (uint32_t c = 0; c < AB_MAX_CPUS; c++)
        for (uint32_t i = 0; i < p->cpus[c].count && i < p->high; i++)
            a[n++] = p->cpus[c].page[i];
    for (uint32_t start = n / 2; start-- > 0;)
        heap_sift_down(a, start, n);
    for (uint32_t end = n; end > 1;) {
        end--;
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        heap_sift_down(a, 0, end);
    }
    return n;
}

/* The inner free runs merged with the sorted cached pages. */
typedef struct merge {
    const ab_pcp *p;
    const uint32_t *cached;
    uint32_t ncached, pos;
    uint64_t first, n; /* the pending run; n = 0: none */
    ab_run_fn fn;
    void *ctx;
    int stopped;
} merge;

static void merge_emit(merge *m, uint64_t first, uint64_t n)
{
    if (m->n != 0 && m->first + m->n == first) {
        m->n += n;
        return;
    }
    if (m->n != 0 && m->fn(m->ctx, m->first, m->n) != 0)
        m->stopped = 1;
    m->first = first;
    m->n = n;
}

/* Emits the cached pages below `limit` (a page number). */
static void merge_cached_below(merge *m, uint64_t limit)
{
    while (!m->stopped && m->pos < m->ncached) {
        uint64_t page = page_of(m->p, m->cached[m->pos]);
        if (page >= limit)
            break;
        merge_emit(m, page, 1);
        m->pos++;
    }
}

static int merge_run(void *ctx, uint64_t first, uint64_t n)
{
    merge *m = ctx;
    merge_cached_below(m, first);
    if (!m->stopped)
        merge_emit(m, first, n);
    return m->stopped;
}

/* Under every lock. */
static void walk_locked(ab_pcp *p, ab_run_fn fn, void *ctx)
{
    merge m = {p, p->scratch, cached_sorted(p), 0, 0, 0, fn, ctx, 0};
    p->inner->walk_free(p->inner_self, merge_run, &m);
    merge_cached_below(&m, UINT64_MAX);
    if (!m.stopped && m.n != 0)
        fn(ctx, m.first, m.n);
}

static void pcp_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    ab_pcp *p = pcp_of(self);
    lock_all(p);
    walk_locked(p, fn, ctx);
    unlock_all(p);
}

static void pcp_stats(const void *self, ab_stats *out)
{
    ab_pcp *p = pcp_of(self);
    ab_run_tally t = {0, 0, 0};
    lock_all(p);
    walk_locked(p, ab_run_tally_add, &t);
    unlock_all(p);
    out->total_pages = p->total_pages;
    out->free_pages = t.free_pages;
    out->largest_free_run = t.largest;
    out->free_runs = t.runs;
    out->meta_bytes = p->meta_bytes;
}

/* Invariant 5: every page of an inner free run has state 0. */
typedef struct inner_scan {
    const ab_pcp *p;
    uint64_t free_pages;
    size_t bad;
} inner_scan;

static int inner_scan_run(void *ctx, uint64_t first, uint64_t n)
{
    inner_scan *s = ctx;
    s->free_pages += n;
    size_t sp = ab_span_find(s->p->spans, s->p->nspans, first);
    if (sp == s->p->nspans || n > s->p->spans[sp].npages - (first - s->p->spans[sp].first_page)) {
        s->bad++;
        return 0;
    }
    uint32_t idx = index_of(s->p, first);
    for (uint64_t i = 0; i < n; i++)
        if (state_get(s->p, idx + (uint32_t)i) != 0) {
            s->bad++;
            break;
        }
    return 0;
}

static size_t pcp_check(const void *self)
{
    ab_pcp *p = pcp_of(self);
    size_t broken = 0;
    /* 1. The header. */
    bool head_ok = p->magic == PCP_MAGIC && p->inner != NULL && p->batch == AB_PCP_BATCH &&
                   p->high == AB_PCP_HIGH && ab_spans_normalized(p->spans, p->nspans);
    AB_INSIST(broken, head_ok && "pcp header: magic, inner, marks, spans");
    if (!head_ok)
        return broken;
    uint64_t idx = 0;
    bool bases_ok = true;
    for (size_t i = 0; i < p->nspans; i++) {
        bases_ok = bases_ok && p->base[i] == idx;
        idx += p->spans[i].npages;
    }
    AB_INSIST(broken, bases_ok && idx == p->total_pages && "span bases contiguous, sum total");

    lock_all(p);
    /* 2. Counts and indices. */
    uint32_t ncached = 0;
    bool counts_ok = true;
    for (uint32_t c = 0; c < AB_MAX_CPUS; c++) {
        const ab_pcp_cpu *cp = &p->cpus[c];
        if (cp->count > p->high) {
            counts_ok = false;
            continue;
        }
        for (uint32_t i = 0; i < cp->count; i++)
            counts_ok = counts_ok && cp->page[i] < p->total_pages;
        ncached += cp->count;
    }
    AB_INSIST(broken, counts_ok && "caches hold at most high valid page indices");
    if (counts_ok) {
        /* 3. Cached pages are CACHED and distinct. */
        uint32_t n = cached_sorted(p);
        bool cached_ok = n == ncached;
        for (uint32_t i = 0; i < n && cached_ok; i++)
            cached_ok = state_get(p, p->scratch[i]) == ST_CACHED &&
                        (i == 0 || p->scratch[i - 1] < p->scratch[i]);
        AB_INSIST(broken, cached_ok && "cached pages are CACHED and in one cache only");
        /* 4. CACHED states are exactly the cached pages; states are 0, 1, 2. */
        uint64_t marked = 0;
        bool states_ok = true;
        for (uint64_t i = 0; i < p->total_pages; i++) {
            uint32_t st = state_get(p, (uint32_t)i);
            marked += st == ST_CACHED;
            states_ok = states_ok && st <= ST_CACHED;
        }
        AB_INSIST(broken, states_ok && marked == ncached && "CACHED states match the caches");
        /* 5. Cached and handed-out pages are allocated in the inner strategy. */
        inner_scan scan = {p, 0, 0};
        p->inner->walk_free(p->inner_self, inner_scan_run, &scan);
        AB_INSIST(broken, scan.bad == 0 && "no inner free page is SINGLE or CACHED");
        /* 6. Free pages: the inner's plus the cached. */
        ab_run_tally t = {0, 0, 0};
        walk_locked(p, ab_run_tally_add, &t);
        AB_INSIST(broken, t.free_pages == scan.free_pages + ncached &&
                              "free pages are the inner's plus the cached");
    }
    /* 7. The inner instance. */
    broken += p->inner->check(p->inner_self);
    unlock_all(p);
    return broken;
}

const ab_frontend ab_frontend_pcp = {
    .name = "pcp",
    .meta_bytes = pcp_meta_bytes,
    .init = pcp_init,
    .alloc = pcp_alloc,
    .free = pcp_free,
    .stats = pcp_stats,
    .walk_free = pcp_walk_free,
    .check = pcp_check,
};
