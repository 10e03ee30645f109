/*
 * lock: one test-and-test-and-set spinlock around an inner strategy.
 *
 * Algorithm. The instance is a 64-byte header holding the lock word and the
 * inner strategy, followed by the inner instance at offset 64 (so the lock
 * has a cache line to itself apart from read-mostly fields). Every call
 * takes the lock, calls the inner strategy, and drops the lock. stats,
 * walk_free and check hold the lock too, so they see a quiescent instance;
 * walk_free calls the caller's function with the lock held (it must not
 * call back into this instance).
 *
 * Time: the inner operation's + one atomic exchange and one release store
 * when uncontended. Waiters spin on loads with a pause hint.
 *
 * Metadata bytes: 64 + inner meta_bytes (no cost per GiB of its own).
 */
#include "lock.h"

#include "allocbench/spin.h"

#define LOCK_MAGIC 0x4C4F434Bu /* "LOCK" */
#define HEADER_BYTES ((sizeof(ab_lock) + AB_META_ALIGN - 1u) & ~(size_t)(AB_META_ALIGN - 1u))

_Static_assert(HEADER_BYTES == 64u, "the header is one cache line");

static ab_lock *lock_of(const void *self) { return (ab_lock *)(uintptr_t)self; }

static void *inner_of(const void *self) { return (unsigned char *)(uintptr_t)self + HEADER_BYTES; }

static size_t lock_meta_bytes(const ab_strategy *inner, const ab_span *spans, size_t nspans)
{
    if (inner == NULL)
        return 0;
    size_t in = inner->meta_bytes(spans, nspans);
    if (in == 0 || in > SIZE_MAX - HEADER_BYTES)
        return 0;
    return HEADER_BYTES + in;
}

static ab_status lock_init(const ab_strategy *inner, void *meta, size_t meta_len,
                           const ab_span *spans, size_t nspans)
{
    if (!ab_meta_aligned(meta) || inner == NULL)
        return AB_EINVAL;
    size_t need = lock_meta_bytes(inner, spans, nspans);
    if (need == 0 || meta_len < need)
        return AB_EINVAL;
    ab_status s = inner->init(inner_of(meta), meta_len - HEADER_BYTES, spans, nspans);
    if (s != AB_OK)
        return s;
    ab_lock *l = meta;
    l->magic = LOCK_MAGIC;
    l->inner = inner;
    l->meta_bytes = need;
    ab_spin_init(&l->lock);
    return AB_OK;
}

static ab_status lock_alloc(void *self, uint64_t n, uint64_t align_pages, uint64_t *addr)
{
    ab_lock *l = self;
    ab_spin_lock(&l->lock);
    ab_status s = l->inner->alloc(inner_of(self), n, align_pages, addr);
    ab_spin_unlock(&l->lock);
    return s;
}

static ab_status lock_free(void *self, uint64_t addr, uint64_t n)
{
    ab_lock *l = self;
    ab_spin_lock(&l->lock);
    ab_status s = l->inner->free(inner_of(self), addr, n);
    ab_spin_unlock(&l->lock);
    return s;
}

static void lock_stats(const void *self, ab_stats *out)
{
    ab_lock *l = lock_of(self);
    ab_spin_lock(&l->lock);
    l->inner->stats(inner_of(self), out);
    ab_spin_unlock(&l->lock);
    out->meta_bytes = l->meta_bytes;
}

static void lock_walk_free(const void *self, ab_run_fn fn, void *ctx)
{
    ab_lock *l = lock_of(self);
    ab_spin_lock(&l->lock);
    l->inner->walk_free(inner_of(self), fn, ctx);
    ab_spin_unlock(&l->lock);
}

static size_t lock_check(const void *self)
{
    ab_lock *l = lock_of(self);
    size_t broken = 0;
    /* 1. The header. */
    if (l->magic != LOCK_MAGIC || l->inner == NULL) {
        AB_INSIST(broken, false && "lock header magic and inner strategy");
        return broken;
    }
    ab_spin_lock(&l->lock);
    ab_stats in;
    l->inner->stats(inner_of(self), &in);
    AB_INSIST(broken, in.meta_bytes <= l->meta_bytes - HEADER_BYTES &&
                          "meta_bytes covers the header and the inner instance");
    /* 2. The inner instance. */
    broken += l->inner->check(inner_of(self));
    ab_spin_unlock(&l->lock);
    return broken;
}

const ab_frontend ab_frontend_lock = {
    .name = "lock",
    .meta_bytes = lock_meta_bytes,
    .init = lock_init,
    .alloc = lock_alloc,
    .free = lock_free,
    .stats = lock_stats,
    .walk_free = lock_walk_free,
    .check = lock_check,
};
