/*
 * Runs under LD_PRELOAD=libab_<heap>.so: every malloc entry point, from four
 * threads at once, with contents checked; then fork() with the heap in use,
 * and libc's own allocations (strdup, open_memstream, qsort).
 * Prints "preload ok heap=<name>" and exits 0 iff all went well; fails if the
 * preloaded library is not there.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define OPS 150000
#define SLOTS 512

static volatile int g_failures;

static void fail(const char *what, size_t a, size_t b)
{
    fprintf(stderr, "FAIL: %s (%zu, %zu)\n", what, a, b);
    __atomic_add_fetch(&g_failures, 1, __ATOMIC_RELAXED);
}

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct slot {
    unsigned char *p;
    size_t size;
    unsigned char tag;
} slot;

static void fill(slot *s)
{
    for (size_t i = 0; i < s->size; i++)
        s->p[i] = (unsigned char)(s->tag + i * 7);
}

static void check(const slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s->p[i] != (unsigned char)(s->tag + i * 7)) {
            fail("contents", s->size, i);
            return;
        }
}

static void *worker(void *arg)
{
    uint64_t seed = (uintptr_t)arg;
    slot slots[SLOTS];
    memset(slots, 0, sizeof slots);
    for (int op = 0; op < OPS; op++) {
        slot *s = &slots[rng(&seed) % SLOTS];
        if (s->p != NULL) {
            check(s, s->size);
            if (rng(&seed) % 4 == 0) {
                size_t n = rng(&seed) % 6000;
                unsigned char *q = realloc(s->p, n);
                if (q == NULL && n != 0) {
                    fail("realloc", n, 0);
                    continue;
                }
                size_t kept = n < s->size ? n : s->size;
                s->p = q;
                size_t old = s->size;
                s->size = n;
                if (q != NULL)
                    check(s, kept);
                (void)old;
                if (q != NULL)
                    fill(s);
                continue;
            }
            free(s->p);
            s->p = NULL;
            continue;
        }
        size_t n = rng(&seed) % 100 == 0 ? 100000 + rng(&seed) % 200000 : rng(&seed) % 3000;
        size_t align = 16;
        switch (rng(&seed) % 8) {
        case 0:
            s->p = calloc(1, n);
            for (size_t i = 0; s->p != NULL && i < n; i++)
                if (s->p[i] != 0) {
                    fail("calloc not zero", n, i);
                    break;
                }
            break;
        case 1: {
            void *p = NULL;
            align = (size_t)8 << (rng(&seed) % 10);
            if (posix_memalign(&p, align, n) != 0)
                fail("posix_memalign", align, n);
            s->p = p;
            break;
        }
        case 2:
            align = (size_t)16 << (rng(&seed) % 8);
            s->p = aligned_alloc(align, (n + align - 1) / align * align);
            break;
        case 3:
            align = (size_t)32 << (rng(&seed) % 6);
            s->p = memalign(align, n);
            break;
        default:
            s->p = malloc(n);
            break;
        }
        if (s->p == NULL) {
            fail("allocation", n, align);
            continue;
        }
        if ((uintptr_t)s->p % align != 0)
            fail("alignment", (uintptr_t)s->p, align);
        if (malloc_usable_size(s->p) < n)
            fail("malloc_usable_size", malloc_usable_size(s->p), n);
        s->size = n;
        s->tag = (unsigned char)rng(&seed);
        fill(s);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p != NULL)
            check(&slots[i], slots[i].size);
        free(slots[i].p);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *(*name)(void) = NULL;
    void *sym = dlsym(RTLD_DEFAULT, "ab_preload_heap_name");
    memcpy(&name, &sym, sizeof sym); /* POSIX: data and function pointers match */
    if (name == NULL) {
        fprintf(stderr, "FAIL: no libab_<heap>.so preloaded\n");
        return 1;
    }
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);

    free(NULL);
    void *p = realloc(NULL, 100);
    if (p == NULL || realloc(p, 0) != NULL)
        fail("realloc(NULL, n) / realloc(p, 0)", 0, 0);
    if (malloc_usable_size(NULL) != 0)
        fail("malloc_usable_size(NULL)", 0, 0);
    void *q;
    if (posix_memalign(&q, 24, 10) == 0)
        fail("posix_memalign accepted alignment 24", 0, 0);
    volatile size_t huge = (size_t)-1; /* volatile: no compile-time warning */
    if (malloc(huge) != NULL || calloc(huge / 2, 4) != NULL)
        fail("huge allocation succeeded", 0, 0);

    /* libc allocating on our heap. */
    char *words[1000];
    char buf[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "w%07d", (i * 7919) % 1000);
        words[i] = strdup(buf);
    }
    qsort(words, 1000, sizeof words[0], cmp);
    for (int i = 1; i < 1000; i++)
        if (strcmp(words[i - 1], words[i]) > 0)
            fail("qsort of strdup'ed words", (size_t)i, 0);
    for (int i = 0; i < 1000; i++)
        free(words[i]);
    char *ms = NULL;
    size_t ms_len = 0;
    FILE *f = open_memstream(&ms, &ms_len);
    for (int i = 0; i < 10000; i++)
        fprintf(f, "%d ", i);
    fclose(f);
    if (ms_len < 10000)
        fail("open_memstream", ms_len, 0);
    free(ms);

    /* fork while threads have used the heap: the child must allocate. */
    pid_t pid = fork();
    if (pid == 0) {
        void *c[100];
        for (int i = 0; i < 100; i++)
            c[i] = malloc((size_t)i * 100 + 1);
        for (int i = 0; i < 100; i++)
            free(c[i]);
        _exit(c[99] != NULL ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("child after fork", (size_t)status, 0);

    if (g_failures != 0) {
        fprintf(stderr, "%d failures\n", g_failures);
        return 1;
    }
    printf("preload ok heap=%s\n", name());
    return 0;
}
