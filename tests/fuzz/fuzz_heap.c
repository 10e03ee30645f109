/*
 * libFuzzer harness: the kmalloc API of every heap over two page strategies
 * (buddy and bitmap), on a 16 MiB window.
 *
 * Input bytes: [heap][strategy] then 4-byte ops: malloc, calloc, memalign,
 * realloc, free, usable_size and bad calls (a double free, a pointer into a
 * block, a foreign pointer, calloc overflow, a bad alignment). A shadow keeps
 * every live block with its size and a fill byte; every block is filled when
 * it is handed out and verified before it is freed or resized (realloc must
 * keep the first min(old, new) bytes), blocks must not overlap, calloc must
 * zero, and check() must find nothing broken after every operation. At the
 * end every block is freed and the heap's live bytes must be 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_util.h"

#define FZ_MAX_LIVE 512
#define FZ_PAGES 4096u /* 16 MiB */

typedef struct fz_block {
    unsigned char *p;
    size_t size;
    unsigned char fill;
} fz_block;

typedef struct fzh {
    t_heap th;
    fz_block b[FZ_MAX_LIVE];
    size_t n;
    void *freed; /* the last freed block, for double frees */
    int freed_reused; /* a block was handed out since it was freed */
} fzh;

#define FZ_REQUIRE(cond, ...)                                                    \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_heap: %s: ", z->th.hp->name);                  \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

static void block_verify(fzh *z, const fz_block *b, size_t upto)
{
    for (size_t i = 0; i < upto && i < b->size; i++)
        FZ_REQUIRE(b->p[i] == b->fill, "block %p of %zu B: byte %zu is 0x%02x, want 0x%02x",
                   (void *)b->p, b->size, i, b->p[i], b->fill);
}

/* Tracks a new block after checking it overlaps none. */
static void block_add(fzh *z, unsigned char *p, size_t size, unsigned char fill, size_t align)
{
    FZ_REQUIRE(((uintptr_t)p & (align - 1)) == 0, "%p is not %zu-aligned", (void *)p, align);
    size_t span = size ? size : 1;
    for (size_t i = 0; i < z->n; i++) {
        size_t other = z->b[i].size ? z->b[i].size : 1;
        FZ_REQUIRE(p + span <= z->b[i].p || z->b[i].p + other <= p,
                   "new block %p (%zu B) overlaps %p (%zu B)", (void *)p, size, (void *)z->b[i].p,
                   z->b[i].size);
    }
    /* Its memory may lie over the freed block's: see op_bad. */
    z->freed_reused = z->freed != NULL;
    size_t usable = 0;
    FZ_REQUIRE(z->th.hp->usable_size(z->th.meta, p, &usable) == AB_OK && usable >= size,
               "usable_size %zu < %zu", usable, size);
    memset(p, fill, size);
    z->b[z->n++] = (fz_block){p, size, fill};
}

static void block_drop(fzh *z, size_t k)
{
    z->b[k] = z->b[--z->n];
}

static size_t draw_size(uint8_t a, uint8_t b)
{
    switch (b % 4u) {
    case 0: return a;                      /* 0..255, malloc(0) included */
    case 1: return 16u * a + b;            /* up to ~4 KiB: every class */
    case 2: return 4096u * (1u + a % 8u);  /* whole pages */
    default: return 257u * a;              /* odd sizes up to 64 KiB */
    }
}

static void op_alloc(fzh *z, uint8_t kind, uint8_t a, uint8_t b)
{
    const ab_heap *hp = z->th.hp;
    size_t size = draw_size(a, b), align = AB_HEAP_ALIGN;
    unsigned char *p;
    if (kind % 3u == 0) {
        p = hp->malloc(z->th.meta, size);
    } else if (kind % 3u == 1) {
        size_t nmemb = 1u + b % 4u;
        size = size / nmemb;
        p = hp->calloc(z->th.meta, nmemb, size);
        size *= nmemb;
        for (size_t i = 0; p != NULL && i < size; i++)
            FZ_REQUIRE(p[i] == 0, "calloc byte %zu is not 0", i);
    } else {
        align = (size_t)1 << (b % 13u);
        p = hp->memalign(z->th.meta, align, size);
        if (align < AB_HEAP_ALIGN)
            align = AB_HEAP_ALIGN;
    }
    if (p == NULL)
        return; /* the window ran dry: allowed */
    z->freed_reused = z->freed != NULL;
    if (z->n == FZ_MAX_LIVE) {
        FZ_REQUIRE(hp->free(z->th.meta, p) == AB_OK, "free of an untracked block");
        return;
    }
    block_add(z, p, size, (unsigned char)(a ^ b ^ 0x5A), align);
}

static void op_free(fzh *z, uint8_t a)
{
    if (z->n == 0)
        return;
    size_t k = a % z->n;
    block_verify(z, &z->b[k], z->b[k].size);
    ab_status s = z->th.hp->free(z->th.meta, z->b[k].p);
    FZ_REQUIRE(s == AB_OK, "free(%p): %s", (void *)z->b[k].p, ab_status_name(s));
    z->freed = z->b[k].p;
    z->freed_reused = 0;
    block_drop(z, k);
}

static void op_realloc(fzh *z, uint8_t a, uint8_t b)
{
    if (z->n == 0)
        return;
    size_t k = a % z->n, size = draw_size(b, a);
    fz_block old = z->b[k];
    block_verify(z, &old, old.size);
    void *q = NULL;
    ab_status s = z->th.hp->realloc(z->th.meta, old.p, size, &q);
    if (s == AB_ENOMEM) {
        block_verify(z, &old, old.size); /* the old block stays valid */
        return;
    }
    FZ_REQUIRE(s == AB_OK, "realloc(%p, %zu): %s", (void *)old.p, size, ab_status_name(s));
    block_drop(z, k);
    if (size == 0) {
        FZ_REQUIRE(q == NULL, "realloc(p, 0) must free and give NULL");
        return;
    }
    fz_block moved = {q, size, old.fill};
    block_verify(z, &moved, old.size < size ? old.size : size);
    block_add(z, q, size, old.fill, AB_HEAP_ALIGN);
}

static void op_bad(fzh *z, uint8_t a, uint8_t b)
{
    const ab_heap *hp = z->th.hp;
    void *q;
    switch (b % 5u) {
    case 0:
        if (z->freed != NULL) {
            int live = 0;
            for (size_t i = 0; i < z->n; i++)
                live |= z->b[i].p == z->freed;
            /* EDOUBLE, or ERANGE once the block's pages went back to the
               provider (an emptied slab or arena is released). Once blocks
               were handed out since, also EINVAL: those pages may be back
               with another layout (a new arena or slab, an aligned block's
               gap), where the address is no block's start (heap.h). */
            ab_status s = live ? AB_EDOUBLE : hp->free(z->th.meta, z->freed);
            FZ_REQUIRE(s == AB_EDOUBLE || s == AB_ERANGE || (s == AB_EINVAL && z->freed_reused),
                       "double free: %s", ab_status_name(s));
        }
        break;
    case 1:
        if (z->n != 0 && z->b[a % z->n].size > 16)
            FZ_REQUIRE(hp->free(z->th.meta, z->b[a % z->n].p + 8) == AB_EINVAL,
                       "free(p + 8) not caught");
        break;
    case 2:
        FZ_REQUIRE(hp->free(z->th.meta, &q) == AB_ERANGE, "free(stack address) not caught");
        break;
    case 3:
        FZ_REQUIRE(hp->calloc(z->th.meta, SIZE_MAX / 2u + a, 2u + b) == NULL,
                   "calloc overflow gave a block");
        break;
    default:
        FZ_REQUIRE(hp->memalign(z->th.meta, 3u + 2u * a, 16) == NULL,
                   "memalign(not a power of two) gave a block");
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const strategies[] = {"buddy", "bitmap"};
    if (size < 2)
        return 0;
    size_t nh;
    const ab_heap *const *heaps = ab_heap_registry(&nh);
    const ab_strategy *st = t_contig_strategy(strategies[data[1] % 2u]);
    if (st == NULL)
        return 0;
    static fzh zz;
    fzh *z = &zz;
    memset(z, 0, sizeof *z);
    if (t_heap_open(&z->th, heaps[data[0] % nh], st, FZ_PAGES) != AB_OK)
        abort();
    for (size_t i = 2; i + 4 <= size; i += 4) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
        if (op < 110)
            op_alloc(z, c, a, b);
        else if (op < 190)
            op_free(z, a);
        else if (op < 240)
            op_realloc(z, a, b);
        else
            op_bad(z, a, b);
        size_t broken = z->th.hp->check(z->th.meta);
        FZ_REQUIRE(broken == 0, "check() finds %zu broken invariants after op %u", broken, op);
    }
    while (z->n > 0)
        op_free(z, 0);
    ab_heap_stats hs = t_heap_stats(&z->th);
    FZ_REQUIRE(hs.live_bytes == 0 && hs.live_blocks == 0, "live after freeing all: %llu B",
               (unsigned long long)hs.live_bytes);
    FZ_REQUIRE(z->th.hp->check(z->th.meta) == 0, "check() at the end");
    t_heap_close(&z->th);
    return 0;
}
