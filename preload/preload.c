/*
 * libab_<heap>.so: a heap as the process's malloc, for LD_PRELOAD.
 *
 *   LD_PRELOAD=build/default/preload/libab_slab.so python3 -c '...'
 *
 * Built once per heap with AB_PRELOAD_HEAP=<name> (CMake does it). Exports
 * the whole glibc replacement set: malloc, free, calloc, realloc,
 * reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size, and malloc_trim (a no-op).
 *
 * Pages: one window of address space reserved with mmap(PROT_READ |
 * PROT_WRITE, MAP_NORESERVE) -- the kernel commits a page when it is first
 * touched -- managed by the bitmap page strategy (first fit with a summary
 * tree; any run length and alignment). Pages the heap gives back are
 * madvise(MADV_DONTNEED)'d, so RSS follows the heap's footprint. Window:
 * AB_HEAP_WINDOW_MB (default 4096 on 64-bit, 1024 on 32-bit; halved until
 * the reservation succeeds). The strategy's and the heap's metadata live in a
 * second mapping.
 *
 * Start-up: the first call of any entry point initializes under the lock,
 * using only mmap and getenv: nothing in it can call malloc, so there is no
 * dlsym/calloc recursion trap and no bootstrap arena is needed; a call made
 * before the constructors ran (the dynamic loader, other libraries'
 * constructors) is served the same way. A failed initialization makes every
 * allocation fail with ENOMEM.
 *
 * Threads: one spinlock (test and test-and-set, yielding after a while)
 * around every heap call; a fork handler holds it across fork() so the child
 * never inherits it taken.
 *
 * Pointers the heap does not know: free() of a pointer outside the window
 * (memory from before the preload, or a bug) is ignored, as is a double
 * free; realloc() of one fails with ENOMEM. AB_HEAP_STRICT=1 makes such a
 * call abort() instead.
 *
 * Statistics: if AB_HEAP_STATS names a file, each process appends one CSV
 * line at exit (format in docs/heaps.md):
 *   heap,pid,peak_live_bytes,peak_footprint_bytes,live_bytes,
 *   footprint_bytes,mallocs,frees,failed,misuse
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "allocbench/strategy.h"
#include "allocbench/heap.h"
#include "spinlock.h"

#ifndef AB_PRELOAD_HEAP
#error "build with -DAB_PRELOAD_HEAP=<heap name>"
#endif
#define AB_CAT_(a, b) a##b
#define AB_CAT(a, b) AB_CAT_(a, b)
#define AB_STR_(a) #a
#define AB_STR(a) AB_STR_(a)
#define HEAP_OPS AB_CAT(ab_heap_, AB_PRELOAD_HEAP)

extern const ab_heap HEAP_OPS;
extern const ab_strategy ab_strategy_bitmap;

#define EXPORT __attribute__((visibility("default")))

static struct {
    volatile int lock;
    int state; /* 0 not yet, 1 ready, -1 failed */
    int strict;
    void *heap;
    void *strategy;
    unsigned char *window;
    size_t window_pages;
} g;

static void lock_take(void) { ab_spin_take(&g.lock); }
static void lock_give(void) { ab_spin_give(&g.lock); }

/* ---- the page provider: bitmap over the window, identity addresses ---- */

static ab_status pages_alloc(void *ctx, size_t n, size_t align, void **addr)
{
    uint64_t a;
    ab_status s = ab_strategy_bitmap.alloc(ctx, n, align, &a);
    if (s == AB_OK)
        *addr = (void *)(uintptr_t)a;
    return s;
}

static ab_status pages_free(void *ctx, void *addr, size_t n)
{
    /* Give the memory back to the OS; the addresses stay reserved. */
    madvise(addr, n << AB_PAGE_SHIFT, MADV_DONTNEED);
    return ab_strategy_bitmap.free(ctx, (uint64_t)(uintptr_t)addr, n);
}

/* Decimal value of $name in [lo, hi], dflt if unset; SIZE_MAX if set to
   anything else (not a number, trailing text, overflow, out of range). */
static size_t env_size(const char *name, size_t dflt, size_t lo, size_t hi)
{
    const char *v = getenv(name);
    if (v == NULL)
        return dflt;
    size_t x = 0;
    const char *d = v;
    for (; *d >= '0' && *d <= '9'; d++) {
        if (x > (hi - (size_t)(*d - '0')) / 10)
            return SIZE_MAX;
        x = x * 10 + (size_t)(*d - '0');
    }
    return d == v || *d != '\0' || x < lo ? SIZE_MAX : x;
}

/* One line to stderr, without malloc (we are the malloc). */
static void say(const char *a, const char *b)
{
    static const char who[] = "libab_" AB_STR(AB_PRELOAD_HEAP) ".so: ";
    ssize_t rc = write(2, who, sizeof who - 1);
    rc += write(2, a, strlen(a));
    rc += write(2, b, strlen(b));
    (void)rc;
}

/* Under the lock. Only mmap and getenv: nothing here may call malloc. */
static void heap_start(void)
{
    g.state = -1;
    g.strict = env_size("AB_HEAP_STRICT", 0, 0, 1) == 1;
    /* 64 MiB is the smallest window worth a heap; 2^24 MiB = 16 TiB is
       beyond any address space we can reserve. */
    size_t mb = env_size("AB_HEAP_WINDOW_MB", sizeof(void *) == 8 ? 4096 : 1024, 64,
                         (1u << 24) - 1u);
    if (mb == SIZE_MAX) {
        say("AB_HEAP_WINDOW_MB must be a whole number of MiB from 64 to 16777215",
            "; every allocation fails\n");
        return;
    }
    void *w = MAP_FAILED;
    for (; mb >= 64; mb >>= 1) {
        w = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (w != MAP_FAILED)
            break;
    }
    if (w == MAP_FAILED) {
        say("cannot reserve an address window of 64 MiB or more", "; every allocation fails\n");
        return;
    }
    g.window = w;
    g.window_pages = (mb << 20) >> AB_PAGE_SHIFT;
    ab_span span = {(uint64_t)(uintptr_t)w >> AB_PAGE_SHIFT, g.window_pages};
    size_t st_bytes = ab_strategy_bitmap.meta_bytes(&span, 1);
    ab_page_provider pp = {NULL, w, g.window_pages, pages_alloc, pages_free};
    /* The heap's size does not depend on ctx: size it before ctx exists. */
    size_t heap_bytes = HEAP_OPS.meta_bytes(&pp);
    size_t st_room = (st_bytes + 4095u) & ~(size_t)4095u;
    size_t meta_len = st_room + ((heap_bytes + 4095u) & ~(size_t)4095u);
    if (st_bytes == 0 || heap_bytes == 0)
        return;
    unsigned char *meta = mmap(NULL, meta_len, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (meta == MAP_FAILED)
        return;
    if (ab_strategy_bitmap.init(meta, st_bytes, &span, 1) != AB_OK)
        return;
    pp.ctx = meta;
    if (HEAP_OPS.init(meta + st_room, heap_bytes, &pp) != AB_OK)
        return;
    g.strategy = meta;
    g.heap = meta + st_room;
    g.state = 1;
}

/* Takes the lock; returns false (lock released) if the heap is unusable. */
static bool enter(void)
{
    lock_take();
    if (g.state == 0)
        heap_start();
    if (g.state == 1)
        return true;
    lock_give();
    return false;
}

static void misuse(ab_status s)
{
    if (g.strict && s != AB_OK)
        abort();
}

/* ---- the exported functions ---- */

EXPORT void *malloc(size_t size)
{
    if (!enter()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = HEAP_OPS.malloc(g.heap, size);
    lock_give();
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

EXPORT void free(void *ptr)
{
    if (ptr == NULL || !enter())
        return;
    ab_status s = HEAP_OPS.free(g.heap, ptr);
    lock_give();
    misuse(s);
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
    if (!enter()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = HEAP_OPS.calloc(g.heap, nmemb, size);
    lock_give();
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

EXPORT void *realloc(void *ptr, size_t size)
{
    if (!enter()) {
        errno = ENOMEM;
        return NULL;
    }
    void *out = NULL;
    ab_status s = HEAP_OPS.realloc(g.heap, ptr, size, &out);
    lock_give();
    if (s != AB_OK) {
        if (s != AB_ENOMEM)
            misuse(s);
        errno = ENOMEM;
    }
    return out;
}

EXPORT void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(nmemb, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, bytes);
}

static void *aligned(size_t align, size_t size)
{
    if (!enter()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = HEAP_OPS.memalign(g.heap, align, size);
    lock_give();
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    void *p = aligned(align, size);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(align, size);
}

EXPORT void *valloc(size_t size) { return aligned(AB_PAGE_BYTES, size); }

EXPORT void *pvalloc(size_t size)
{
    size_t rounded = (size + AB_PAGE_BYTES - 1) & ~(size_t)(AB_PAGE_BYTES - 1);
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    return aligned(AB_PAGE_BYTES, rounded == 0 ? AB_PAGE_BYTES : rounded);
}

EXPORT size_t malloc_usable_size(void *ptr)
{
    if (ptr == NULL || !enter())
        return 0;
    size_t n = 0;
    ab_status s = HEAP_OPS.usable_size(g.heap, ptr, &n);
    lock_give();
    misuse(s);
    return s == AB_OK ? n : 0;
}

/* Lets a program (tests/heaps/test_heap_preload.c) see which heap it runs on. */
EXPORT const char *ab_preload_heap_name(void);
EXPORT const char *ab_preload_heap_name(void) { return AB_STR(AB_PRELOAD_HEAP); }

EXPORT int malloc_trim(size_t pad)
{
    (void)pad;
    return 0;
}

/* ---- fork and exit ---- */

static void fork_prepare(void) { lock_take(); }
static void fork_release(void) { lock_give(); }

static char *u64_put(char *p, uint64_t x)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

__attribute__((constructor)) static void preload_init(void)
{
    /* May allocate (glibc's atfork list): not under our lock. */
    pthread_atfork(fork_prepare, fork_release, fork_release);
    if (enter())
        lock_give();
}

__attribute__((destructor)) static void preload_fini(void)
{
    const char *path = getenv("AB_HEAP_STATS");
    if (path == NULL || *path == '\0' || g.state != 1)
        return;
    ab_heap_stats st;
    lock_take();
    HEAP_OPS.stats(g.heap, &st);
    lock_give();
    char line[512], *p = line;
    const char *name = AB_STR(AB_PRELOAD_HEAP);
    while (*name != '\0')
        *p++ = *name++;
    uint64_t v[] = {(uint64_t)getpid(),  st.peak_live_bytes, st.peak_footprint_bytes,
                    st.live_bytes,       st.footprint_bytes, st.mallocs,
                    st.frees,            st.failed,          st.misuse};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        *p++ = ',';
        p = u64_put(p, v[i]);
    }
    *p++ = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, (size_t)(p - line));
        (void)w;
        close(fd);
    }
}
