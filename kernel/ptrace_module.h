/*
 * allocbench: the page trace as the kernel reads it, a binary multiboot
 * module. The kernel has no file system: the host parses a text trace
 * (docs/traces.md) with host/traces/trace.c, writes this format, and QEMU
 * loads it with -initrd. The records are core's ab_trace_rec array
 * itself, so the kernel replays the module in place.
 *
 * Every integer little-endian; the module is page-aligned (multiboot flag 0),
 * so the records (at offset 32) are 8-byte aligned.
 *
 *   header  off  size  field
 *           0    8     magic "ABPTRACE"
 *           8    4     version (1)
 *           12   4     record_bytes (24)
 *           16   8     records
 *           24   4     ids: every record's id is below this
 *           28   4     role: 0 pmm, 1 vmm, 0xFFFFFFFF not given
 *   record  off  size  field (= ab_trace_rec)
 *           0    4     op: 0 alloc, 1 free
 *           4    4     id
 *           8    8     npages (alloc: 1 .. 2^24 - 1; free: 0)
 *           16   8     align in pages (alloc: 0 or a power of two; free: 0)
 *
 * The module is exactly 32 + records * 24 bytes: anything shorter is a
 * truncated module, anything longer is rejected too. Header-only,
 * freestanding: the kernel and host/qemu/kernel_run.c include it.
 */
#ifndef ALLOCBENCH_PTRACE_MODULE_H
#define ALLOCBENCH_PTRACE_MODULE_H

#include <stddef.h>
#include <stdint.h>

#define AB_PT_MAGIC "ABPTRACE"
#define AB_PT_VERSION 1u
#define AB_PT_HEADER_BYTES 32u
#define AB_PT_RECORD_BYTES 24u
#define AB_PT_ROLE_NONE 0xFFFFFFFFu
#define AB_PT_MAX_NPAGES ((1u << 24) - 1u)

typedef struct ab_pt_header {
    uint32_t version, record_bytes;
    uint64_t records;
    uint32_t ids, role;
} ab_pt_header;

static inline uint32_t ab_pt_get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ab_pt_get64(const unsigned char *p)
{
    return (uint64_t)ab_pt_get32(p) | (uint64_t)ab_pt_get32(p + 4) << 32;
}

static inline void ab_pt_put32(unsigned char *p, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(x >> (8 * i));
}

static inline void ab_pt_put64(unsigned char *p, uint64_t x)
{
    ab_pt_put32(p, (uint32_t)x);
    ab_pt_put32(p + 4, (uint32_t)(x >> 32));
}

static inline void ab_pt_header_encode(unsigned char *p, uint64_t records, uint32_t ids,
                                       uint32_t role)
{
    const char *m = AB_PT_MAGIC;
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)m[i];
    ab_pt_put32(p + 8, AB_PT_VERSION);
    ab_pt_put32(p + 12, AB_PT_RECORD_BYTES);
    ab_pt_put64(p + 16, records);
    ab_pt_put32(p + 24, ids);
    ab_pt_put32(p + 28, role);
}

static inline void ab_pt_record_encode(unsigned char *p, uint32_t op, uint32_t id,
                                       uint64_t npages, uint64_t align)
{
    ab_pt_put32(p, op);
    ab_pt_put32(p + 4, id);
    ab_pt_put64(p + 8, npages);
    ab_pt_put64(p + 16, align);
}

/* 1 iff the first 8 bytes of p (len bytes) are the magic. */
static inline int ab_pt_is_module(const unsigned char *p, size_t len)
{
    const char *m = AB_PT_MAGIC;
    if (len < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        if (p[i] != (unsigned char)m[i])
            return 0;
    return 1;
}

/*
 * Checks len bytes at p: header, exact length, every record. Returns NULL
 * and fills *h, or a static reason; *bad_record gets the index of the first
 * bad record (or the record count for header problems).
 */
static inline const char *ab_pt_validate(const unsigned char *p, size_t len, ab_pt_header *h,
                                         uint64_t *bad_record)
{
    *bad_record = 0;
    if (len < AB_PT_HEADER_BYTES)
        return "truncated: shorter than the 32-byte header";
    if (!ab_pt_is_module(p, len))
        return "not a page trace module (magic is not ABPTRACE)";
    h->version = ab_pt_get32(p + 8);
    h->record_bytes = ab_pt_get32(p + 12);
    h->records = ab_pt_get64(p + 16);
    h->ids = ab_pt_get32(p + 24);
    h->role = ab_pt_get32(p + 28);
    if (h->version != AB_PT_VERSION)
        return "unsupported version (this reads 1)";
    if (h->record_bytes != AB_PT_RECORD_BYTES)
        return "record size is not 24";
    size_t body = len - AB_PT_HEADER_BYTES;
    *bad_record = h->records;
    if (h->records > body / AB_PT_RECORD_BYTES)
        return "truncated: fewer bytes than the header's record count needs";
    if (body != (size_t)h->records * AB_PT_RECORD_BYTES)
        return "trailing bytes after the last record";
    if (h->role != 0 && h->role != 1 && h->role != AB_PT_ROLE_NONE)
        return "role is not 0 (pmm), 1 (vmm) or 0xFFFFFFFF";
    for (uint64_t i = 0; i < h->records; i++) {
        const unsigned char *r = p + AB_PT_HEADER_BYTES + (size_t)i * AB_PT_RECORD_BYTES;
        uint32_t op = ab_pt_get32(r), id = ab_pt_get32(r + 4);
        uint64_t npages = ab_pt_get64(r + 8), align = ab_pt_get64(r + 16);
        *bad_record = i;
        if (op > 1)
            return "record op is not 0 (alloc) or 1 (free)";
        if (id >= h->ids)
            return "record id is not below the header's ids";
        if (op == 0 && (npages == 0 || npages > AB_PT_MAX_NPAGES))
            return "alloc of 0 pages or more than 2^24 - 1";
        if (op == 0 && (align & (align - 1)) != 0)
            return "alloc alignment is not a power of two";
        if (op == 1 && (npages != 0 || align != 0))
            return "free record with npages or align set";
    }
    return NULL;
}

#endif
