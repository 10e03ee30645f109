/* host/cell/baselines: jemalloc and glibc behind the strategy interface,
   the host registry, and that the tool's own malloc stays glibc's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/registry.h"
#include "core/layout.h"
#include "baselines.h"
#include "null_strategy.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif

static const ab_strategy *const baselines[] = {&host_baseline_jemalloc, &host_baseline_glibc};

/* An instance over spans, or NULL (with why) if the baseline cannot run. */
static void *make(const ab_strategy *st, const ab_span *spans, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += spans[i].npages;
    const char *why = host_baseline_skip(st, total);
    if (why != NULL) {
        printf("  %s skipped: %s\n", st->name, why);
        return NULL;
    }
    size_t len = st->meta_bytes(spans, n);
    if (len == 0)
        return NULL;
    len = (len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
    void *meta = aligned_alloc(AB_META_ALIGN, len);
    if (meta != NULL && st->init(meta, len, spans, n) != AB_OK) {
        free(meta);
        return NULL;
    }
    return meta;
}

static void *make_pages(const ab_strategy *st, uint64_t npages)
{
    ab_span s = {256, npages};
    return make(st, &s, 1);
}

static void *fn_ptr(const char *name)
{
    return dlsym(RTLD_DEFAULT, name);
}

/* Neither linking nor loading the baselines changes the malloc this process
   runs on; jemalloc's symbols stay out of the global scope. */
static void test_tool_malloc_is_glibc(void)
{
    T_EXPECT(dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_NOLOAD) == NULL,
             "jemalloc is loaded before any baseline ran: something links it");
    void *malloc_before = fn_ptr("malloc");
    char before[512];
    snprintf(before, sizeof before, "%s", host_malloc_origin());
    printf("  malloc before: %s\n", before);
#ifndef T_ASAN
    T_EXPECT(strstr(before, "libc.so") != NULL, "malloc comes from %s", before);
#else
    T_EXPECT(strstr(before, "jemalloc") == NULL, "malloc comes from %s", before);
#endif
    void *self = make_pages(&host_baseline_jemalloc, 64);
    if (self != NULL) {
        void *h = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_NOLOAD);
        T_EXPECT(h != NULL, "the jemalloc baseline ran without loading libjemalloc.so.2");
        if (h != NULL)
            dlclose(h);
        uint64_t a;
        T_EXPECT(host_baseline_jemalloc.alloc(self, 1, 1, &a) == AB_OK);
        T_EXPECT(host_baseline_jemalloc.free(self, a, 1) == AB_OK);
    }
    const char *after = host_malloc_origin();
    printf("  malloc after loading jemalloc: %s\n", after);
    T_EXPECT(strcmp(before, after) == 0, "malloc moved from %s to %s", before, after);
    T_EXPECT(fn_ptr("malloc") == malloc_before, "the global malloc symbol changed");
    T_EXPECT(fn_ptr("mallocx") == NULL && fn_ptr("je_malloc") == NULL,
             "jemalloc's symbols reached the global scope (not RTLD_LOCAL)");
    Dl_info info;
    void *f = fn_ptr("free");
    T_EXPECT(f != NULL && dladdr(f, &info) != 0 && info.dli_fname != NULL &&
                 strstr(info.dli_fname, "jemalloc") == NULL,
             "free resolves into jemalloc");
    /* The process's malloc still works across the load. */
    char *p = malloc(1000);
    T_REQUIRE(p != NULL);
    memset(p, 1, 1000);
    free(p);
    free(self);
}

/* The reason jemalloc is skipped may only be its absence, never static TLS:
   host_baseline_reexec() made room for it. */
static void test_jemalloc_loads_when_installed(void)
{
    const char *why = host_baseline_skip(&host_baseline_jemalloc, 1);
    if (why != NULL)
        printf("  %s\n", why);
    T_EXPECT(why == NULL || strstr(why, "static TLS") == NULL, "%s", why);
}

static void round_trip(const ab_strategy *st)
{
    ab_span spans[4];
    size_t ns = ab_layout_pmm(64u << 20, spans);
    void *self = make(st, spans, ns);
    if (self == NULL)
        return;
    ab_stats s;
    st->stats(self, &s);
    T_EXPECT(s.total_pages == 16384 && s.free_pages == 16384, "%llu/%llu",
             (unsigned long long)s.free_pages, (unsigned long long)s.total_pages);
    enum { N = 200 };
    uint64_t addr[N], len[N];
    for (int i = 0; i < N; i++) {
        len[i] = 1 + (uint64_t)(i % 7) * (i % 3 == 0 ? 40 : 1);
        uint64_t align = (uint64_t)1 << (i % 10); /* up to 2 MiB */
        T_REQUIRE(st->alloc(self, len[i], align, &addr[i]) == AB_OK, "%s alloc %d", st->name, i);
        T_EXPECT(addr[i] % (align * AB_PAGE_BYTES) == 0, "%s: %d misaligned", st->name, i);
        /* Real memory: every page is writable. */
        for (uint64_t k = 0; k < len[i]; k++)
            memset((void *)(uintptr_t)(addr[i] + k * AB_PAGE_BYTES), 0xa5, 64);
    }
    uint64_t live = 0;
    for (int i = 0; i < N; i++)
        live += len[i];
    st->stats(self, &s);
    T_EXPECT(s.free_pages == 16384 - live);
    T_EXPECT(s.largest_free_run == 0 && s.free_runs == 0, "baselines report no runs");
    T_EXPECT(st->check(self) == 0);
    ab_run_tally t = {0, 0, 0};
    st->walk_free(self, ab_run_tally_add, &t);
    T_EXPECT(t.runs == 0, "baselines walk no free runs");
    for (int i = N - 1; i >= 0; i -= 2)
        T_EXPECT(st->free(self, addr[i], len[i]) == AB_OK, "%s free %d", st->name, i);
    for (int i = N - 2; i >= 0; i -= 2)
        T_EXPECT(st->free(self, addr[i], len[i]) == AB_OK, "%s free %d", st->name, i);
    st->stats(self, &s);
    T_EXPECT(s.free_pages == s.total_pages);
    T_EXPECT(st->check(self) == 0);
    free(self);
}

static void test_round_trips(void)
{
    for (size_t i = 0; i < 2; i++)
        round_trip(baselines[i]);
}

static void bad_calls(const ab_strategy *st)
{
    void *self = make_pages(st, 16);
    if (self == NULL)
        return;
    uint64_t a, b, pages[16];
    T_EXPECT(st->alloc(self, 0, 1, &a) == AB_EINVAL);
    T_EXPECT(st->alloc(self, 1, 3, &a) == AB_EINVAL);
    T_EXPECT(st->alloc(self, 1, 1, NULL) == AB_EINVAL);
    T_EXPECT(st->alloc(self, 17, 1, &a) == AB_ENOMEM, "more than managed");
    T_REQUIRE(st->alloc(self, 4, 4, &a) == AB_OK);
    T_EXPECT(st->free(self, a, 0) == AB_EINVAL);
    T_EXPECT(st->free(self, a + 1, 4) == AB_EALIGN);
    T_EXPECT(st->free(self, a, 17) == AB_ERANGE);
    T_EXPECT(st->free(self, a, 3) == AB_ESIZE, "wrong length");
    T_EXPECT(st->free(self, a, 5) == AB_ESIZE, "wrong length");
    /* An address this instance never handed out: a status, not a crash. */
    T_EXPECT(st->free(self, a + 4 * AB_PAGE_BYTES * 1024, 1) == AB_EDOUBLE);
    T_EXPECT(st->free(self, 0, 1) == AB_EDOUBLE);
    T_EXPECT(st->check(self) == 0, "a failed call changed something");
    T_EXPECT(st->free(self, a, 4) == AB_OK);
    T_EXPECT(st->free(self, a, 4) == AB_EDOUBLE, "double free");
    /* Capacity: 16 pages, then ENOMEM. */
    for (int i = 0; i < 16; i++)
        T_REQUIRE(st->alloc(self, 1, 1, &pages[i]) == AB_OK, "page %d", i);
    T_EXPECT(st->alloc(self, 1, 1, &b) == AB_ENOMEM);
    for (int i = 0; i < 16; i++)
        T_EXPECT(st->free(self, pages[i], 1) == AB_OK);
    ab_stats s;
    st->stats(self, &s);
    T_EXPECT(s.free_pages == 16 && st->check(self) == 0);
    free(self);
}

static void test_bad_calls_are_statuses(void)
{
    for (size_t i = 0; i < 2; i++)
        bad_calls(baselines[i]);
}

/* Many allocs and frees in random order: the tracking table (linear probing,
   backward-shift deletion) stays consistent and finds every live address. */
static void table_stress(const ab_strategy *st)
{
    enum { PAGES = 2048, SLOTS = 512, OPS = 20000 };
    void *self = make_pages(st, PAGES);
    if (self == NULL)
        return;
    static uint64_t addr[SLOTS], len[SLOTS];
    memset(len, 0, sizeof len);
    uint64_t x = 88172645463325252ull, live = 0;
    for (int op = 0; op < OPS; op++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = (size_t)(x % SLOTS);
        if (len[k] == 0) {
            uint64_t n = 1 + (x >> 20) % 3;
            ab_status s = st->alloc(self, n, 1, &addr[k]);
            T_REQUIRE(s == AB_OK || (s == AB_ENOMEM && live + n > PAGES), "%s op %d: %s",
                      st->name, op, ab_status_name(s));
            if (s == AB_OK) {
                len[k] = n;
                live += n;
            }
        } else {
            T_REQUIRE(st->free(self, addr[k], len[k]) == AB_OK, "%s op %d", st->name, op);
            live -= len[k];
            len[k] = 0;
        }
        if (op % 1000 == 0)
            T_REQUIRE(st->check(self) == 0, "%s op %d", st->name, op);
    }
    for (size_t k = 0; k < SLOTS; k++)
        if (len[k] != 0)
            T_EXPECT(st->free(self, addr[k], len[k]) == AB_OK);
    ab_stats s;
    st->stats(self, &s);
    T_EXPECT(s.free_pages == PAGES && st->check(self) == 0);
    free(self);
}

static void test_tracking_table(void)
{
    for (size_t i = 0; i < 2; i++)
        table_stress(baselines[i]);
}

static void test_limits(void)
{
    ab_span big = {0, (HOST_BASELINE_MAX_BYTES >> AB_PAGE_SHIFT) + 1};
    for (size_t i = 0; i < 2; i++) {
        const ab_strategy *st = baselines[i];
        T_EXPECT(st->meta_bytes(&big, 1) == 0, "%s accepts more than the limit", st->name);
        const char *why = host_baseline_skip(st, big.npages);
        T_EXPECT(why != NULL && strstr(why, "at most") != NULL, "%s", st->name);
        T_EXPECT(st->caps & AB_CAP_HOSTONLY);
    }
}

static void test_host_registry(void)
{
    size_t nc, nh;
    const ab_strategy *const *core = ab_registry(&nc);
    const ab_strategy *const *host = host_registry(&nh);
    T_REQUIRE(nh == nc + 3, "%zu host vs %zu core", nh, nc);
    for (size_t i = 0; i < nc; i++) {
        T_EXPECT(host[i] == core[i], "core strategy %zu out of order", i);
        T_EXPECT(host_baseline_skip(core[i], 1ull << 40) == NULL, "%s", core[i]->name);
    }
    T_EXPECT(host[nc] == &host_baseline_jemalloc && host[nc + 1] == &host_baseline_glibc);
    T_EXPECT(host[nc + 2] == &ab_null_strategy && host_find("null") == &ab_null_strategy);
    T_EXPECT(ab_registry_find("null") == NULL, "null leaked into the freestanding registry");
    T_EXPECT(host_find("jemalloc") == &host_baseline_jemalloc);
    T_EXPECT(host_find("glibc") == &host_baseline_glibc);
    T_EXPECT(host_find("buddy") == ab_registry_find("buddy"));
    T_EXPECT(host_find("nosuch") == NULL);
    T_EXPECT(ab_registry_find("jemalloc") == NULL && ab_registry_find("glibc") == NULL,
             "baselines leaked into the freestanding registry");
}

int main(int argc, char **argv)
{
    (void)argc;
    host_baseline_reexec(argv);
    T_RUN(test_tool_malloc_is_glibc);
    T_RUN(test_jemalloc_loads_when_installed);
    T_RUN(test_round_trips);
    T_RUN(test_bad_calls_are_statuses);
    T_RUN(test_tracking_table);
    T_RUN(test_limits);
    T_RUN(test_host_registry);
    return t_finish();
}
