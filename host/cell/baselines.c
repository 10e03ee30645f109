/*
 * allocbench host: the jemalloc and glibc baselines and the host registry.
 * See baselines.h.
 *
 * Each instance is a tracking table in the metadata area: open addressing
 * with linear probing and backward-shift deletion (no tombstones), keyed by
 * page number, value the allocation's length in pages. Slots = the next
 * power of two >= 2 x total_pages, so the load factor stays <= 1/2 even when
 * every live allocation is one page. alloc, free: O(1) expected plus the
 * malloc's own cost. Metadata: 64 + 16 x slots bytes (8 MiB per GiB
 * managed).
 *
 * The metadata area is host memory; the pages come from the malloc, so the
 * instance does not know the addresses in advance. The only process-wide
 * state is the dlopen'ed jemalloc, loaded once.
 *
 * Invariants, walked by check() in this order:
 *   1. live_pages <= total_pages;
 *   2. every used slot holds npages >= 1;
 *   3. the used slots number live_allocs and their npages sum to live_pages;
 *   4. every used slot is reached by probing from its key's home slot
 *      without passing an empty slot, and its key appears once.
 */
#define _GNU_SOURCE
#include "baselines.h"
#include "null_strategy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocbench/registry.h"

#define JEMALLOC_SONAME "libjemalloc.so.2"
#define STATIC_TLS_TUNABLE "glibc.rtld.optional_static_tls"

typedef void *(*mallocx_fn)(size_t size, int flags);
typedef void (*dallocx_fn)(void *ptr, int flags);

/* jemalloc's MALLOCX_LG_ALIGN (jemalloc/jemalloc.h): the flag is lg(align). */
#define BL_MALLOCX_LG_ALIGN(la) ((int)(la))

typedef enum bl_kind { BL_JEMALLOC, BL_GLIBC } bl_kind;

typedef struct bl_slot {
    uint64_t key;    /* page number + 1; 0 = empty */
    uint64_t npages;
} bl_slot;

typedef struct baseline {
    uint32_t kind;       /* bl_kind */
    uint32_t lg_slots;
    mallocx_fn mallocx;  /* jemalloc only */
    dallocx_fn dallocx;
    uint64_t total_pages;
    uint64_t live_pages;
    uint64_t live_allocs;
    uint64_t meta_bytes;
    bl_slot slot[];
} baseline;

_Static_assert(sizeof(baseline) <= 64, "the instance header fits in 64 bytes");

/* ---- jemalloc, loaded once ---- */

static struct {
    pthread_once_t once;
    void *handle;
    mallocx_fn mallocx;
    dallocx_fn dallocx;
    char why[320];
} jem = {PTHREAD_ONCE_INIT, NULL, NULL, NULL, ""};

static void jem_load(void)
{
    /* RTLD_LOCAL: jemalloc's malloc, free, ... stay out of the global
       scope, so nothing but the baseline ever calls into it. */
    void *h = dlopen(JEMALLOC_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(jem.why, sizeof jem.why, "jemalloc not available: %s (%s)",
                 e ? e : "dlopen failed",
                 e && strstr(e, "static TLS") ? "start with GLIBC_TUNABLES="
                 STATIC_TLS_TUNABLE "=16384" : "Debian: libjemalloc2");
        return;
    }
    void *m = dlsym(h, "mallocx"), *d = dlsym(h, "dallocx");
    if (m == NULL || d == NULL) {
        snprintf(jem.why, sizeof jem.why, "jemalloc not available: %s lacks mallocx/dallocx",
                 JEMALLOC_SONAME);
        dlclose(h);
        return;
    }
    /* ISO C has no object-to-function pointer cast; POSIX guarantees the
       representations match. */
    memcpy(&jem.mallocx, &m, sizeof m);
    memcpy(&jem.dallocx, &d, sizeof d);
    jem.handle = h;
}

static const char *jem_why(void)
{
    pthread_once(&jem.once, jem_load);
    return jem.handle != NULL ? NULL : jem.why;
}

int host_jemalloc_fns(void *(**mx)(size_t, int), void (**dx)(void *, int), const char **why)
{
    *why = jem_why();
    if (*why != NULL)
        return -1;
    *mx = jem.mallocx;
    *dx = jem.dallocx;
    return 0;
}

/* ---- the tracking table ---- */

static uint64_t bl_total(const ab_span *spans, size_t nspans)
{
    uint64_t t = 0;
    for (size_t i = 0; i < nspans; i++)
        t += spans[i].npages;
    return t;
}

static unsigned lg_slots_for(uint64_t total_pages)
{
    unsigned lg = 4;
    while (((uint64_t)1 << lg) < 2 * total_pages)
        lg++;
    return lg;
}

static size_t bl_meta_bytes(const ab_span *spans, size_t nspans)
{
    if (!ab_spans_normalized(spans, nspans))
        return 0;
    uint64_t total = bl_total(spans, nspans);
    if (total > HOST_BASELINE_MAX_BYTES >> AB_PAGE_SHIFT)
        return 0;
    uint64_t bytes = sizeof(baseline) + ((uint64_t)1 << lg_slots_for(total)) * sizeof(bl_slot);
    return bytes > SIZE_MAX ? 0 : (size_t)bytes;
}

static size_t slot_home(const baseline *b, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - b->lg_slots));
}

/* The slot holding key, or -1. */
static long slot_find(const baseline *b, uint64_t key)
{
    size_t mask = ((size_t)1 << b->lg_slots) - 1;
    for (size_t i = slot_home(b, key);; i = (i + 1) & mask) {
        if (b->slot[i].key == key)
            return (long)i;
        if (b->slot[i].key == 0)
            return -1;
    }
}

static void slot_insert(baseline *b, uint64_t key, uint64_t npages)
{
    size_t mask = ((size_t)1 << b->lg_slots) - 1;
    size_t i = slot_home(b, key);
    while (b->slot[i].key != 0)
        i = (i + 1) & mask;
    b->slot[i].key = key;
    b->slot[i].npages = npages;
}

/* Backward-shift deletion: later slots of the cluster move up if their home
   does not lie cyclically in (hole, j]. */
static void slot_remove(baseline *b, size_t hole)
{
    size_t mask = ((size_t)1 << b->lg_slots) - 1;
    for (size_t j = (hole + 1) & mask; b->slot[j].key != 0; j = (j + 1) & mask) {
        size_t home = slot_home(b, b->slot[j].key);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            b->slot[hole] = b->slot[j];
            hole = j;
        }
    }
    b->slot[hole].key = 0;
    b->slot[hole].npages = 0;
}

/* ---- the interface, shared by both baselines ---- */

static ab_status bl_init(bl_kind kind, void *meta, size_t meta_len, const ab_span *spans,
                         size_t nspans)
{
    size_t need = bl_meta_bytes(spans, nspans);
    if (!ab_meta_aligned(meta) || need == 0 || meta_len < need)
        return AB_EINVAL;
    mallocx_fn mx = NULL;
    dallocx_fn dx = NULL;
    if (kind == BL_JEMALLOC) {
        if (jem_why() != NULL)
            return AB_ENOTSUP;
        mx = jem.mallocx;
        dx = jem.dallocx;
    }
    baseline *b = meta;
    uint64_t total = bl_total(spans, nspans);
    b->kind = kind;
    b->lg_slots = lg_slots_for(total);
    b->mallocx = mx;
    b->dallocx = dx;
    b->total_pages = total;
    b->live_pages = 0;
    b->live_allocs = 0;
    b->meta_bytes = need;
    memset(b->slot, 0, ((size_t)1 << b->lg_slots) * sizeof(bl_slot));
    return AB_OK;
}

static ab_status bl_alloc(const ab_strategy *st, void *self, uint64_t n, uint64_t align_pages,
                          uint64_t *addr)
{
    ab_status s = ab_alloc_precheck(st, n, align_pages, addr);
    if (s != AB_OK)
        return s;
    baseline *b = self;
    uint64_t align = align_pages > 1 ? align_pages : 1;
    if (n > b->total_pages - b->live_pages || align > b->total_pages ||
        n > SIZE_MAX >> AB_PAGE_SHIFT || align > SIZE_MAX >> AB_PAGE_SHIFT)
        return AB_ENOMEM; /* the last two: 4 GiB on i386 */
    size_t bytes = (size_t)(n << AB_PAGE_SHIFT);
    size_t align_bytes = (size_t)(align << AB_PAGE_SHIFT);
    void *p;
    if (b->kind == BL_JEMALLOC)
        p = b->mallocx(bytes, BL_MALLOCX_LG_ALIGN(__builtin_ctzll(align_bytes)));
    else if (bytes % align_bytes == 0)
        p = aligned_alloc(align_bytes, bytes);
    else if (posix_memalign(&p, align_bytes, bytes) != 0)
        p = NULL; /* C11 wants size % align == 0; glibc serves both alike */
    if (p == NULL)
        return AB_ENOMEM;
    uint64_t a = (uint64_t)(uintptr_t)p;
    AB_ASSERT((a & (align_bytes - 1)) == 0);
    slot_insert(b, (a >> AB_PAGE_SHIFT) + 1, n);
    b->live_pages += n;
    b->live_allocs++;
    *addr = a;
    return AB_OK;
}

static ab_status bl_free(void *self, uint64_t addr, uint64_t n)
{
    baseline *b = self;
    if (n == 0)
        return AB_EINVAL;
    if (addr & (AB_PAGE_BYTES - 1))
        return AB_EALIGN;
    if (n > b->total_pages || addr > UINTPTR_MAX)
        return AB_ERANGE;
    long i = slot_find(b, (addr >> AB_PAGE_SHIFT) + 1);
    if (i < 0)
        return AB_EDOUBLE; /* not live here: freed already, or never ours */
    if (b->slot[i].npages != n)
        return AB_ESIZE;
    void *p = (void *)(uintptr_t)addr;
    if (b->kind == BL_JEMALLOC)
        b->dallocx(p, 0);
    else
        free(p);
    slot_remove(b, (size_t)i);
    b->live_pages -= n;
    b->live_allocs--;
    return AB_OK;
}

static void bl_stats(const void *self, ab_stats *out)
{
    const baseline *b = self;
    out->total_pages = b->total_pages;
    out->free_pages = b->total_pages - b->live_pages;
    out->largest_free_run = 0; /* unknown: no address-ordered free runs */
    out->free_runs = 0;
    out->meta_bytes = b->meta_bytes;
}

static void bl_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    (void)self;
    (void)fn;
    (void)ctx;
}

static size_t bl_check(const void *self)
{
    const baseline *b = self;
    size_t broken = 0;
    size_t nslots = (size_t)1 << b->lg_slots;
    AB_INSIST(broken, b->live_pages <= b->total_pages && "1: more live pages than managed");
    uint64_t used = 0, pages = 0, bad_len = 0, misplaced = 0;
    for (size_t i = 0; i < nslots; i++) {
        const bl_slot *e = &b->slot[i];
        if (e->key == 0)
            continue;
        used++;
        pages += e->npages;
        if (e->npages == 0)
            bad_len++;
        if (slot_find(b, e->key) != (long)i)
            misplaced++;
    }
    AB_INSIST(broken, bad_len == 0 && "2: a used slot with npages = 0");
    AB_INSIST(broken, used == b->live_allocs && pages == b->live_pages &&
                          "3: slot count or page sum disagrees with the counters");
    AB_INSIST(broken, misplaced == 0 && "4: a key not reachable from its home, or twice");
    return broken;
}

/* ---- the two strategies ---- */

static ab_status je_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    return bl_init(BL_JEMALLOC, meta, meta_len, spans, nspans);
}

static ab_status je_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    return bl_alloc(&host_baseline_jemalloc, self, n, align_pages, addr);
}

static ab_status gl_init(void *meta, size_t meta_len, const ab_span *spans, size_t nspans)
{
    return bl_init(BL_GLIBC, meta, meta_len, spans, nspans);
}

static ab_status gl_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    return bl_alloc(&host_baseline_glibc, self, n, align_pages, addr);
}

/* The two baselines share every call but init and alloc. */
#define AB_BASELINE(name_, summary_, init_, alloc_)                  \
    {                                                                \
        .name = name_, .summary = summary_,                          \
        .caps = AB_CAP_CONTIG | AB_CAP_HOSTONLY, .max_npages = 0,    \
        .meta_bytes = bl_meta_bytes, .init = init_, .alloc = alloc_, \
        .free = bl_free, .stats = bl_stats, .walk_free = bl_walk_free, \
        .check = bl_check,                                           \
    }

const ab_strategy host_baseline_jemalloc =
    AB_BASELINE("jemalloc",
                "baseline: jemalloc mallocx/dallocx of page-aligned 4 KiB multiples "
                "(dlopen'ed; real memory)",
                je_init, je_alloc);

const ab_strategy host_baseline_glibc =
    AB_BASELINE("glibc",
                "baseline: glibc aligned_alloc/free of page-aligned 4 KiB multiples "
                "(real memory)",
                gl_init, gl_alloc);

/* ---- the host registry ---- */

#define AB_STRATEGY(name, caps, max)                   \
    extern const ab_strategy ab_strategy_##name;      \
    extern const ab_strategy ab_strategy_lock_##name; \
    extern const ab_strategy ab_strategy_pcp_##name;
#include "strategies.def"
#undef AB_STRATEGY

/* The core registry's order (strategies, lock+*, pcp+*), then the host's. */
static const ab_strategy *const host_all[] = {
#define AB_STRATEGY(name, caps, max) &ab_strategy_##name,
#include "strategies.def"
#undef AB_STRATEGY
#define AB_STRATEGY(name, caps, max) &ab_strategy_lock_##name,
#include "strategies.def"
#undef AB_STRATEGY
#define AB_STRATEGY(name, caps, max) &ab_strategy_pcp_##name,
#include "strategies.def"
#undef AB_STRATEGY
    &host_baseline_jemalloc,
    &host_baseline_glibc,
    &ab_null_strategy, /* the harness floor (core/null_strategy.h) */
};

const ab_strategy *const *host_registry(size_t *count)
{
    *count = sizeof host_all / sizeof host_all[0];
    return host_all;
}

const ab_strategy *host_find(const char *name)
{
    for (size_t i = 0; i < sizeof host_all / sizeof host_all[0]; i++)
        if (strcmp(host_all[i]->name, name) == 0)
            return host_all[i];
    return NULL;
}

const char *host_baseline_skip(const ab_strategy *st, uint64_t total_pages)
{
    static char why[160];
    if (!(st->caps & AB_CAP_HOSTONLY))
        return NULL;
    if (total_pages > HOST_BASELINE_MAX_BYTES >> AB_PAGE_SHIFT) {
        snprintf(why, sizeof why,
                 "%s is a baseline on real memory: at most %llu GiB managed", st->name,
                 (unsigned long long)(HOST_BASELINE_MAX_BYTES >> 30));
        return why;
    }
    if (st == &host_baseline_jemalloc)
        return jem_why();
    return NULL;
}

void host_baseline_reexec(char **argv)
{
    if (getenv("AB_REEXECED") != NULL) {
        unsetenv("AB_REEXECED"); /* children start with the tunable anyway */
        return;
    }
    const char *t = getenv("GLIBC_TUNABLES");
    if (t != NULL && strstr(t, STATIC_TLS_TUNABLE) != NULL)
        return;
    char buf[1024];
    int len = snprintf(buf, sizeof buf, "%s%s" STATIC_TLS_TUNABLE "=16384", t ? t : "",
                       t && *t ? ":" : "");
    if (len < 0 || (size_t)len >= sizeof buf)
        return;
    /* AB_REEXECED stops a loop if the loader drops GLIBC_TUNABLES. */
    if (setenv("GLIBC_TUNABLES", buf, 1) != 0 || setenv("AB_REEXECED", "1", 1) != 0)
        return;
    fflush(NULL);
    execv("/proc/self/exe", argv);
}

const char *host_malloc_origin(void)
{
    /* What the global scope resolves malloc to: the malloc every call in
       this process (and in libc) uses. */
    void *p = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    if (p == NULL || dladdr(p, &info) == 0 || info.dli_fname == NULL)
        return "?";
    return info.dli_fname;
}
