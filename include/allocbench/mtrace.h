/*
 * allocbench: the malloc trace format (.abt), written by libab_mtrace.so and
 * replayed on the heaps. docs/heaps.md describes it byte by byte; this header
 * is its definition for C readers. Freestanding, header-only.
 *
 * A file is a 32-byte header followed by 24-byte records, every integer
 * little-endian:
 *
 *   header  off  size  field
 *           0    8     magic "ABMTRACE"
 *           8    4     version (1)
 *           12   4     record_bytes (24)
 *           16   4     pid of the traced process
 *           20   4     pointer_bits of the traced process (32 or 64)
 *           24   8     reserved, 0
 *
 *   record  off  size  field
 *           0    1     op (AB_MT_MALLOC ... AB_MT_MEMALIGN)
 *           1    1     flags: bit 0 = the call returned NULL (or failed)
 *           2    2     thread: threads numbered from 0 in order of their
 *                      first call, saturating at 65535
 *           4    4     id: the block the call returned (allocations), or
 *                      the block freed (free); 0 = NULL, or a pointer the
 *                      recorder never saw returned
 *           8    4     arg: realloc: the id of the block passed in (0 for
 *                      realloc(NULL, n)); memalign: log2(alignment); else 0
 *           12   4     reserved, 0
 *           16   8     size: bytes asked for (calloc: nmemb * size,
 *                      UINT64_MAX if that overflows); 0 for free
 *
 * Block ids are dense, start at 1 and are never reused: every successful
 * allocation (realloc included, moved or not) makes a new id, and the id it
 * replaces (realloc's arg, free's id) dies. A replay needs no address map:
 * an array indexed by id.
 */
#ifndef ALLOCBENCH_HEAP_MTRACE_H
#define ALLOCBENCH_HEAP_MTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_MT_MAGIC "ABMTRACE"
#define AB_MT_VERSION 1u
#define AB_MT_HEADER_BYTES 32u
#define AB_MT_RECORD_BYTES 24u

typedef enum ab_mt_op {
    AB_MT_MALLOC = 1,   /* malloc(size) */
    AB_MT_FREE = 2,     /* free(ptr) */
    AB_MT_CALLOC = 3,   /* calloc(nmemb, size): size = the product */
    AB_MT_REALLOC = 4,  /* realloc / reallocarray(ptr, size) */
    AB_MT_MEMALIGN = 5, /* posix_memalign, aligned_alloc, memalign, valloc,
                           pvalloc: arg = log2(alignment) */
} ab_mt_op;

#define AB_MT_FLAG_FAILED 0x1u

typedef struct ab_mt_header {
    uint32_t version, record_bytes, pid, pointer_bits;
} ab_mt_header;

typedef struct ab_mt_record {
    uint8_t op, flags;
    uint16_t thread;
    uint32_t id, arg;
    uint64_t size;
} ab_mt_record;

static inline uint32_t ab_mt_get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ab_mt_get64(const unsigned char *p)
{
    return (uint64_t)ab_mt_get32(p) | (uint64_t)ab_mt_get32(p + 4) << 32;
}

static inline void ab_mt_put32(unsigned char *p, uint32_t x)
{
    p[0] = (unsigned char)x;
    p[1] = (unsigned char)(x >> 8);
    p[2] = (unsigned char)(x >> 16);
    p[3] = (unsigned char)(x >> 24);
}

static inline void ab_mt_put64(unsigned char *p, uint64_t x)
{
    ab_mt_put32(p, (uint32_t)x);
    ab_mt_put32(p + 4, (uint32_t)(x >> 32));
}

/* Decodes a header; false iff the magic, version or record size is wrong. */
static inline bool ab_mt_header_decode(const unsigned char *p, ab_mt_header *h)
{
    const char *m = AB_MT_MAGIC;
    for (int i = 0; i < 8; i++)
        if (p[i] != (unsigned char)m[i])
            return false;
    h->version = ab_mt_get32(p + 8);
    h->record_bytes = ab_mt_get32(p + 12);
    h->pid = ab_mt_get32(p + 16);
    h->pointer_bits = ab_mt_get32(p + 20);
    return h->version == AB_MT_VERSION && h->record_bytes == AB_MT_RECORD_BYTES;
}

static inline void ab_mt_header_encode(unsigned char *p, uint32_t pid, uint32_t pointer_bits)
{
    const char *m = AB_MT_MAGIC;
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)m[i];
    ab_mt_put32(p + 8, AB_MT_VERSION);
    ab_mt_put32(p + 12, AB_MT_RECORD_BYTES);
    ab_mt_put32(p + 16, pid);
    ab_mt_put32(p + 20, pointer_bits);
    ab_mt_put64(p + 24, 0);
}

static inline void ab_mt_record_decode(const unsigned char *p, ab_mt_record *r)
{
    r->op = p[0];
    r->flags = p[1];
    r->thread = (uint16_t)(p[2] | p[3] << 8);
    r->id = ab_mt_get32(p + 4);
    r->arg = ab_mt_get32(p + 8);
    r->size = ab_mt_get64(p + 16);
}

static inline void ab_mt_record_encode(unsigned char *p, const ab_mt_record *r)
{
    p[0] = r->op;
    p[1] = r->flags;
    p[2] = (unsigned char)r->thread;
    p[3] = (unsigned char)(r->thread >> 8);
    ab_mt_put32(p + 4, r->id);
    ab_mt_put32(p + 8, r->arg);
    ab_mt_put32(p + 12, 0);
    ab_mt_put64(p + 16, r->size);
}

#endif /* ALLOCBENCH_HEAP_MTRACE_H */
