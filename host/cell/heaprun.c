/* allocbench host: heaps on the host, malloc traces, heapscale. See heaprun.h. */
#define _GNU_SOURCE
#include "heaprun.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hist.h"
#include "prng.h"
#include "allocbench/registry.h"
#include "allocbench/mtrace.h"

#define HR_ALIGN ((size_t)2 << 20)

/* ---- the page provider ------------------------------------------------ */

int hr_pages_open(hr_pages *hp, const ab_strategy *st, size_t npages, char *err, size_t len)
{
    memset(hp, 0, sizeof *hp);
    hp->st = st;
    hp->npages = npages;
    hp->map_len = npages * (size_t)AB_PAGE_BYTES + HR_ALIGN;
    hp->map = mmap(NULL, hp->map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (hp->map == MAP_FAILED) {
        snprintf(err, len, "mmap of a %zu MiB window: %s", hp->map_len >> 20, strerror(errno));
        hp->map = NULL;
        return -1;
    }
    hp->buf = (unsigned char *)(((uintptr_t)hp->map + HR_ALIGN - 1) & ~(uintptr_t)(HR_ALIGN - 1));
    ab_span span = {(uint64_t)(uintptr_t)hp->buf >> AB_PAGE_SHIFT, npages};
    hp->meta_len = st->meta_bytes(&span, 1);
    size_t rounded = (hp->meta_len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
    if (hp->meta_len == 0 || (hp->meta = aligned_alloc(AB_META_ALIGN, rounded)) == NULL ||
        st->init(hp->meta, hp->meta_len, &span, 1) != AB_OK) {
        snprintf(err, len, "%s cannot manage %zu pages at %p", st->name, npages, (void *)hp->buf);
        hr_pages_close(hp);
        return -1;
    }
    return 0;
}

void hr_pages_close(hr_pages *hp)
{
    free(hp->meta);
    if (hp->map != NULL)
        munmap(hp->map, hp->map_len);
    memset(hp, 0, sizeof *hp);
}

static ab_status hr_alloc_pages(void *ctx, size_t n, size_t align, void **addr)
{
    hr_pages *hp = ctx;
    uint64_t a;
    ab_status s = hp->st->alloc(hp->meta, n, align, &a);
    if (s != AB_OK)
        return s;
    hp->held += n;
    *addr = (void *)(uintptr_t)a;
    return AB_OK;
}

static ab_status hr_free_pages(void *ctx, void *addr, size_t n)
{
    hr_pages *hp = ctx;
    ab_status s = hp->st->free(hp->meta, (uint64_t)(uintptr_t)addr, n);
    if (s == AB_OK)
        hp->held -= n;
    return s;
}

ab_page_provider hr_pages_provider(hr_pages *hp)
{
    ab_page_provider pp = {hp, hp->buf, hp->npages, hr_alloc_pages, hr_free_pages};
    return pp;
}

int hr_heap_open(hr_heap *hh, const ab_heap *h, const ab_strategy *st, size_t npages,
                 char *err, size_t len)
{
    memset(hh, 0, sizeof *hh);
    hh->h = h;
    if ((st->caps & AB_CAP_CONTIG) == 0) {
        snprintf(err, len, "%s serves single pages only: a heap needs contiguous runs "
                 "(bitmap, buddy, freelist, hier2m)", st->name);
        return -1;
    }
    if (hr_pages_open(&hh->pages, st, npages, err, len) != 0)
        return -1;
    ab_page_provider pp = hr_pages_provider(&hh->pages);
    size_t ml = h->meta_bytes(&pp);
    size_t rounded = (ml + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1);
    if (ml == 0 || (hh->meta = aligned_alloc(AB_META_ALIGN, rounded)) == NULL ||
        h->init(hh->meta, ml, &pp) != AB_OK) {
        snprintf(err, len, "heap %s cannot start over %s", h->name, st->name);
        free(hh->meta);
        hh->meta = NULL;
        hr_pages_close(&hh->pages);
        return -1;
    }
    return 0;
}

void hr_heap_close(hr_heap *hh)
{
    if (hh->meta != NULL) {
        hh->h->fini(hh->meta);
        free(hh->meta);
    }
    hr_pages_close(&hh->pages);
    memset(hh, 0, sizeof *hh);
}

/* ---- malloc traces ---------------------------------------------------- */

static int mt_is_alloc(uint8_t op)
{
    return op == AB_MT_MALLOC || op == AB_MT_CALLOC || op == AB_MT_REALLOC ||
           op == AB_MT_MEMALIGN;
}

static void mt_rec(const hr_mtrace *t, size_t i, ab_mt_record *r)
{
    ab_mt_record_decode(t->data + AB_MT_HEADER_BYTES + i * AB_MT_RECORD_BYTES, r);
}

int hr_mtrace_load(const char *path, hr_mtrace *t, char *err, size_t len)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < (off_t)AB_MT_HEADER_BYTES) {
        snprintf(err, len, "%s: %lld bytes: not a malloc trace (the header alone is %u)", path,
                 (long long)sb.st_size, AB_MT_HEADER_BYTES);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)sb.st_size;
    t->data = malloc(n);
    if (t->data == NULL || fread(t->data, 1, n, f) != n) {
        snprintf(err, len, "%s: cannot read %zu bytes", path, n);
        fclose(f);
        hr_mtrace_free(t);
        return -1;
    }
    fclose(f);
    ab_mt_header h;
    if (!ab_mt_header_decode(t->data, &h)) {
        snprintf(err, len, "%s: not a malloc trace (want magic ABMTRACE, version %u, record "
                 "size %u)", path, AB_MT_VERSION, AB_MT_RECORD_BYTES);
        hr_mtrace_free(t);
        return -1;
    }
    if ((n - AB_MT_HEADER_BYTES) % AB_MT_RECORD_BYTES != 0) {
        snprintf(err, len, "%s: truncated: %zu bytes after the header is not a whole number "
                 "of %u-byte records", path, n - AB_MT_HEADER_BYTES, AB_MT_RECORD_BYTES);
        hr_mtrace_free(t);
        return -1;
    }
    t->pid = h.pid;
    t->pointer_bits = h.pointer_bits;
    t->nrec = (n - AB_MT_HEADER_BYTES) / AB_MT_RECORD_BYTES;
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        mt_rec(t, i, &r);
        if (r.op < AB_MT_MALLOC || r.op > AB_MT_MEMALIGN) {
            snprintf(err, len, "%s: record %zu: op %u is not 1..5", path, i, r.op);
            hr_mtrace_free(t);
            return -1;
        }
        if (mt_is_alloc(r.op) && r.id != 0) {
            if (r.id <= t->max_id) {
                snprintf(err, len, "%s: record %zu: allocation id %u is not new (ids only "
                         "grow)", path, i, r.id);
                hr_mtrace_free(t);
                return -1;
            }
            t->max_id = r.id;
        }
    }
    return 0;
}

void hr_mtrace_free(hr_mtrace *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

uint64_t hr_mtrace_peak_live(const hr_mtrace *t)
{
    uint64_t *size = calloc((size_t)t->max_id + 1, sizeof *size);
    if (size == NULL)
        return 0;
    uint64_t live = 0, peak = 0;
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        mt_rec(t, i, &r);
        int failed = (r.flags & AB_MT_FLAG_FAILED) != 0;
        uint32_t gone = r.op == AB_MT_FREE ? r.id : r.op == AB_MT_REALLOC && !failed ? r.arg : 0;
        /* The new block first: a realloc that moves holds both for the copy
           (the heaps' own peak counts it so too). */
        if (mt_is_alloc(r.op) && !failed && r.id != 0 && r.size != UINT64_MAX) {
            size[r.id] = r.size;
            live += r.size;
            if (live > peak)
                peak = live;
        }
        if (gone != 0 && gone <= t->max_id) {
            live -= size[gone];
            size[gone] = 0;
        }
    }
    free(size);
    return peak;
}

void hr_mtrace_csv_header(hbuf *b)
{
    static const char h[] = "heap,strategy,trace,records,peak_live_bytes,peak_footprint_bytes,"
                            "footprint_over_live,failures,skipped,status\n";
    hbuf_write(b, h, sizeof h - 1);
}

/* One summary row for op with the op field renamed (as the kernel does). */
static void op_row(hbuf *summary, const ab_cell *cell, ab_wl_result *r, const char *op,
                   const ab_op_stats *st)
{
    static unsigned op_field = ~0u;
    if (op_field == ~0u) {
        hbuf hb = {0};
        ab_out ho = {hbuf_write, &hb};
        ab_csv_summary_header(&ho);
        unsigned f = 0;
        for (const char *p = hb.p, *s = hb.p; *p; p++)
            if (*p == ',' || *p == '\n') {
                if ((size_t)(p - s) == 2 && strncmp(s, "op", 2) == 0)
                    op_field = f;
                f++;
                s = p + 1;
            }
        hbuf_free(&hb);
    }
    r->op[AB_OP_ALLOC] = *st;
    hbuf row = {0};
    ab_out o = {hbuf_write, &row};
    ab_csv_summary_rows(&o, cell, r, host_timer());
    memset(&r->op[AB_OP_ALLOC], 0, sizeof r->op[AB_OP_ALLOC]);
    unsigned f = 0;
    for (size_t i = 0; i < row.len; i++) {
        if (f == op_field) {
            hbuf_write(summary, op, strlen(op));
            while (i < row.len && row.p[i] != ',')
                i++;
            if (i == row.len)
                break;
        }
        if (row.p[i] == ',')
            f++;
        hbuf_write(summary, &row.p[i], 1);
    }
    hbuf_free(&row);
}

typedef struct mblock {
    unsigned char *p;
    uint32_t size;
} mblock;

static void mark(unsigned char *p, uint32_t n, uint32_t tag)
{
    if (n >= 1)
        p[0] = (unsigned char)tag;
    if (n >= 2)
        p[n - 1] = (unsigned char)(tag >> 8 ^ 0x5a);
}

static int marked(const unsigned char *p, uint32_t n, uint32_t tag)
{
    return (n < 1 || p[0] == (unsigned char)tag) &&
           (n < 2 || p[n - 1] == (unsigned char)(tag >> 8 ^ 0x5a));
}

ab_wl_outcome hr_mtrace_replay(const hr_mtrace *t, const char *trace_name, const ab_heap *h,
                               const ab_strategy *st, uint64_t mem_bytes, uint64_t seed,
                               hbuf *summary, hbuf *heaps, char *msg, size_t msg_len)
{
    const ab_timer *tm = host_timer();
    char sname[128];
    snprintf(sname, sizeof sname, "%s@%s", h->name, st->name);
    ab_cell cell = {"host", sname, "heap", "mtrace", mem_bytes, 0, seed, 1, 0};
    ab_wl_result *r = calloc(1, sizeof *r);
    ab_op_stats *ops = calloc(5, sizeof *ops); /* malloc, calloc, memalign, realloc, free */
    mblock *tab = calloc((size_t)t->max_id + 1, sizeof *tab);
    hr_heap hh;
    msg[0] = '\0';
    ab_wl_outcome oc = AB_WL_OK;
    ab_heap_stats hs;
    memset(&hs, 0, sizeof hs);
    if (r == NULL || ops == NULL || tab == NULL) {
        snprintf(msg, msg_len, "out of memory for %u trace ids", t->max_id);
        oc = AB_WL_ERROR;
    } else if (hr_heap_open(&hh, h, st, (size_t)(mem_bytes / AB_PAGE_BYTES), msg, msg_len) != 0) {
        oc = AB_WL_ERROR;
    } else {
        void *self = hh.meta;
        for (size_t i = 0; i < t->nrec && oc == AB_WL_OK; i++) {
            ab_mt_record rec;
            mt_rec(t, i, &rec);
            int failed = (rec.flags & AB_MT_FLAG_FAILED) != 0;
            size_t n = rec.size > SIZE_MAX ? SIZE_MAX : (size_t)rec.size;
            uint32_t n32 = rec.size > UINT32_MAX ? UINT32_MAX : (uint32_t)rec.size;
            ab_op_stats *s = rec.op == AB_MT_MALLOC     ? &ops[0]
                             : rec.op == AB_MT_CALLOC   ? &ops[1]
                             : rec.op == AB_MT_MEMALIGN ? &ops[2]
                             : rec.op == AB_MT_REALLOC  ? &ops[3]
                                                        : &ops[4];
            if (rec.op == AB_MT_FREE) {
                mblock *b = rec.id <= t->max_id ? &tab[rec.id] : NULL;
                if (rec.id != 0 && (b == NULL || b->p == NULL)) {
                    s->skipped++;
                    continue;
                }
                if (rec.id != 0 && !marked(b->p, b->size, rec.id)) {
                    snprintf(msg, msg_len, "record %zu: free: block %u lost its contents", i,
                             rec.id);
                    oc = AB_WL_ERROR;
                    break;
                }
                uint64_t t0 = ab_tsc_read();
                ab_status st2 = h->free(self, rec.id != 0 ? b->p : NULL);
                ab_hist_add(&s->hist, ab_timer_delta(tm, t0, ab_tsc_read()));
                if (st2 != AB_OK) {
                    snprintf(msg, msg_len, "record %zu: free: %s", i, ab_status_name(st2));
                    oc = AB_WL_ERROR;
                }
                if (rec.id != 0)
                    b->p = NULL;
                continue;
            }
            if (failed || (rec.id == 0 && rec.op != AB_MT_REALLOC)) {
                s->skipped++;
                continue;
            }
            void *p = NULL;
            if (rec.op == AB_MT_REALLOC) {
                mblock *old = rec.arg != 0 && rec.arg <= t->max_id && tab[rec.arg].p
                                  ? &tab[rec.arg] : NULL;
                if (old != NULL && !marked(old->p, old->size, rec.arg)) {
                    snprintf(msg, msg_len, "record %zu: realloc: block %u lost its contents",
                             i, rec.arg);
                    oc = AB_WL_ERROR;
                    break;
                }
                uint64_t t0 = ab_tsc_read();
                ab_status st2 = h->realloc(self, old ? old->p : NULL, n, &p);
                ab_hist_add(&s->hist, ab_timer_delta(tm, t0, ab_tsc_read()));
                if (st2 == AB_ENOMEM) {
                    s->failures++;
                    continue;
                }
                if (st2 != AB_OK) {
                    snprintf(msg, msg_len, "record %zu: realloc: %s", i, ab_status_name(st2));
                    oc = AB_WL_ERROR;
                    break;
                }
                if (old != NULL)
                    old->p = NULL;
                if (p == NULL)
                    continue; /* realloc(p, 0) */
                if (rec.id == 0) {
                    h->free(self, p);
                    s->skipped++;
                    continue;
                }
            } else {
                uint64_t t0 = ab_tsc_read();
                if (rec.op == AB_MT_MALLOC)
                    p = h->malloc(self, n);
                else if (rec.op == AB_MT_CALLOC)
                    p = h->calloc(self, 1, n);
                else
                    p = h->memalign(self, rec.arg < 8 * sizeof(size_t) ? (size_t)1 << rec.arg : 0,
                                    n);
                ab_hist_add(&s->hist, ab_timer_delta(tm, t0, ab_tsc_read()));
                if (p == NULL) {
                    s->failures++;
                    continue;
                }
            }
            tab[rec.id] = (mblock){p, n32};
            mark(p, n32, rec.id);
        }
        for (uint32_t id = 1; oc == AB_WL_OK && id <= t->max_id; id++)
            if (tab[id].p != NULL) {
                if (!marked(tab[id].p, tab[id].size, id)) {
                    snprintf(msg, msg_len, "end: block %u lost its contents", id);
                    oc = AB_WL_ERROR;
                } else if (h->free(self, tab[id].p) != AB_OK) {
                    snprintf(msg, msg_len, "end: free of block %u failed", id);
                    oc = AB_WL_ERROR;
                }
            }
        size_t broken = h->check(self);
        if (oc == AB_WL_OK && broken != 0) {
            snprintf(msg, msg_len, "check() after the trace: %zu invariants broken", broken);
            oc = AB_WL_ERROR;
        }
        h->stats(self, &hs);
        r->meta_bytes = hh.pages.meta_len;
        hr_heap_close(&hh);
    }
    if (r != NULL && ops != NULL) {
        r->total_pages = mem_bytes / AB_PAGE_BYTES;
        r->outcome = oc;
        snprintf(r->msg, sizeof r->msg, "%s", msg);
        if (oc != AB_WL_OK) {
            ab_out so = {hbuf_write, summary};
            ab_csv_summary_rows(&so, &cell, r, tm);
        } else {
            static const char *const names[] = {"malloc", "calloc", "memalign", "realloc",
                                                "free"};
            for (int k = 0; k < 5; k++)
                if (k == 0 || k == 4 || ops[k].hist.count != 0 || ops[k].failures != 0 ||
                    ops[k].skipped != 0)
                    op_row(summary, &cell, r, names[k], &ops[k]);
        }
    }
    uint64_t fails = 0, skips = 0;
    for (int k = 0; ops != NULL && k < 5; k++) {
        fails += ops[k].failures;
        skips += ops[k].skipped;
    }
    char line[1024];
    const char *base = strrchr(trace_name, '/');
    base = base != NULL ? base + 1 : trace_name;
    char safe[256];
    snprintf(safe, sizeof safe, "%s", base);
    for (char *c = safe; *c; c++)
        if (*c == ',' || *c == '"' || *c == '\n')
            *c = '_';
    double ratio = hs.peak_live_bytes ? (double)hs.peak_footprint_bytes / (double)hs.peak_live_bytes
                                      : 0.0;
    snprintf(line, sizeof line, "%s,%s,%s,%zu,%llu,%llu,%.4f,%llu,%llu,%s\n", h->name, st->name,
             safe, t->nrec, (unsigned long long)hs.peak_live_bytes,
             (unsigned long long)hs.peak_footprint_bytes, ratio, (unsigned long long)fails,
             (unsigned long long)skips, ab_outcome_name(oc));
    hbuf_write(heaps, line, strlen(line));
    fprintf(stderr, "allocbench run: mtrace %s: peak live %llu B, peak footprint %llu B, "
            "footprint/live %.3f, %llu failed, %llu skipped\n", sname,
            (unsigned long long)hs.peak_live_bytes, (unsigned long long)hs.peak_footprint_bytes,
            ratio, (unsigned long long)fails, (unsigned long long)skips);
    free(tab);
    free(ops);
    free(r);
    return oc;
}

/* ---- heapscale -------------------------------------------------------- */

static uint32_t scale_size(ab_rng *rng) { return 16u + (uint32_t)ab_rng_below(rng, 497); }

static double ns_of(const ab_timer *t, uint64_t cycles)
{
    return (double)ab_cycles_to_ps(t, cycles) / 1000.0;
}

int hr_heapscale(const ab_strategy *st, const size_t *counts, size_t ncounts, uint64_t ops,
                 uint64_t seed, hbuf *out, char *err, size_t len)
{
    const ab_timer *tm = host_timer();
    static const char head[] = "heap,strategy,live_chunks,ops,malloc_mean_ns,malloc_p50_ns,"
                               "malloc_p99_ns,free_mean_ns,peak_footprint_bytes,"
                               "peak_live_bytes\n";
    hbuf_write(out, head, sizeof head - 1);
    size_t nheaps;
    const ab_heap *const *heaps = ab_heap_registry(&nheaps);
    size_t maxn = 0;
    for (size_t i = 0; i < ncounts; i++)
        maxn = counts[i] > maxn ? counts[i] : maxn;
    void **live = malloc((maxn + 1) * sizeof *live);
    ab_hist *hm = malloc(sizeof *hm), *hf = malloc(sizeof *hf);
    if (live == NULL || hm == NULL || hf == NULL) {
        snprintf(err, len, "out of memory");
        free(live);
        free(hm);
        free(hf);
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; k < nheaps && rc == 0; k++) {
        const ab_heap *h = heaps[k];
        for (size_t c = 0; c < ncounts && rc == 0; c++) {
            size_t n = counts[c];
            /* Window: 4x the blocks' bytes, at least 64 MiB. */
            size_t pages = (n * 600 * 4) / AB_PAGE_BYTES;
            pages = pages < 16384 ? 16384 : pages;
            hr_heap hh;
            if (hr_heap_open(&hh, h, st, pages, err, len) != 0) {
                rc = -1;
                break;
            }
            ab_rng rng;
            ab_rng_seed(&rng, seed);
            for (size_t i = 0; i < n; i++) {
                live[i] = h->malloc(hh.meta, scale_size(&rng));
                if (live[i] == NULL) {
                    snprintf(err, len, "%s: malloc failed while filling to %zu blocks", h->name,
                             n);
                    rc = -1;
                    break;
                }
            }
            ab_hist_clear(hm);
            ab_hist_clear(hf);
            for (uint64_t i = 0; rc == 0 && i < ops; i++) {
                uint32_t sz = scale_size(&rng);
                uint64_t t0 = ab_tsc_read();
                void *p = h->malloc(hh.meta, sz);
                uint64_t t1 = ab_tsc_read();
                if (p == NULL) {
                    snprintf(err, len, "%s: malloc failed at %zu live blocks", h->name, n);
                    rc = -1;
                    break;
                }
                ab_hist_add(hm, ab_timer_delta(tm, t0, t1));
                ((unsigned char *)p)[0] = 1;
                size_t victim = (size_t)ab_rng_below(&rng, n + 1);
                void *q = victim == n ? p : live[victim];
                if (victim != n)
                    live[victim] = p;
                t0 = ab_tsc_read();
                ab_status s = h->free(hh.meta, q);
                t1 = ab_tsc_read();
                ab_hist_add(hf, ab_timer_delta(tm, t0, t1));
                if (s != AB_OK) {
                    snprintf(err, len, "%s: free: %s", h->name, ab_status_name(s));
                    rc = -1;
                }
            }
            ab_heap_stats hs;
            h->stats(hh.meta, &hs);
            if (rc == 0 && h->check(hh.meta) != 0) {
                snprintf(err, len, "%s: check() failed after %zu live chunks", h->name, n);
                rc = -1;
            }
            hr_heap_close(&hh);
            if (rc != 0)
                break;
            char line[512];
            double mean = ns_of(tm, ab_hist_mean_milli(hm)) / 1000.0;
            snprintf(line, sizeof line, "%s,%s,%zu,%llu,%.1f,%.1f,%.1f,%.1f,%llu,%llu\n", h->name,
                     st->name, n, (unsigned long long)ops, mean,
                     ns_of(tm, ab_hist_percentile(hm, AB_P50)),
                     ns_of(tm, ab_hist_percentile(hm, AB_P99)),
                     ns_of(tm, ab_hist_mean_milli(hf)) / 1000.0,
                     (unsigned long long)hs.peak_footprint_bytes,
                     (unsigned long long)hs.peak_live_bytes);
            hbuf_write(out, line, strlen(line));
            fprintf(stderr, "heapscale: %-8s over %s, %6zu live chunks: malloc mean %.1f ns, "
                    "free mean %.1f ns\n", h->name, st->name, n, mean,
                    ns_of(tm, ab_hist_mean_milli(hf)) / 1000.0);
        }
    }
    free(live);
    free(hm);
    free(hf);
    return rc;
}

static const char heapscale_help[] =
    "usage: allocbench heapscale [--quick] [--out DIR] [--strategy S] [--ops N] [--seed N]\n"
    "\n"
    "Malloc time against the number of live chunks, for every heap of heaps/ (the\n"
    "firstfit heap's first fit walks its chunks; the slab heap's malloc is O(1)).\n"
    "For each count of live chunks (10, 100, 1000, 10000, and 100000 without --quick)\n"
    "the heap keeps that many blocks of 16..512 B live over the page strategy and runs\n"
    "N steps, each a timed malloc then a timed free of a random live block.\n"
    "Writes DIR/heapscale.csv (docs/results.md), which `allocbench plot` draws.\n"
    "  --quick       counts up to 10000, 5000 steps each (a few seconds)\n"
    "  --out DIR     run dir (default results/<UTC timestamp>, results/latest)\n"
    "  --strategy S  the page strategy under the heaps (default buddy)\n"
    "  --ops N       steps per count (default 20000)\n"
    "  --seed N      PRNG seed (default 1)\n";

static int hs_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocbench heapscale: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see: allocbench heapscale --help)\n");
    return 2;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno != 0)
        return 0;
    *out = v;
    return 1;
}

int hr_heapscale_main(int argc, char **argv)
{
    int quick = 0;
    const char *out = NULL, *sname = "buddy";
    uint64_t ops = 0, seed = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(heapscale_help, stdout);
            return 0;
        } else if (!strcmp(a, "--quick")) {
            quick = 1;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--strategy") || !strcmp(a, "--ops") ||
                   !strcmp(a, "--seed")) {
            if (i + 1 >= argc)
                return hs_usage("%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "--strategy"))
                sname = v;
            else if (!strcmp(a, "--ops") && (!parse_count(v, &ops) || ops == 0))
                return hs_usage("--ops: '%s' is not a positive integer", v);
            else if (!strcmp(a, "--seed") && !parse_count(v, &seed))
                return hs_usage("--seed: '%s' is not a non-negative integer", v);
        } else {
            return hs_usage("unknown argument '%s'", a);
        }
    }
    const ab_strategy *st = ab_registry_find(sname);
    if (st == NULL || (st->caps & AB_CAP_CONTIG) == 0)
        return hs_usage("--strategy: '%s' is not a strategy that serves contiguous runs "
                        "(bitmap, buddy, freelist, hier2m)", sname);
    char dir[4096];
    if (out != NULL) {
        snprintf(dir, sizeof dir, "%s", out);
        if (host_mkdirs(dir) != 0)
            return hs_usage("--out: cannot create '%s'", out);
    } else if (host_default_run_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "allocbench heapscale: cannot create results/<timestamp>\n");
        return 1;
    }
    static const size_t counts[] = {10, 100, 1000, 10000, 100000};
    hbuf b = {0};
    char err[512];
    if (ops == 0)
        ops = quick ? 5000 : 20000;
    if (hr_heapscale(st, counts, quick ? 4 : 5, ops, seed, &b, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench heapscale: %s\n", err);
        hbuf_free(&b);
        return 1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/heapscale.csv", dir);
    int bad = host_write_atomic(path, b.p, b.len);
    hbuf_free(&b);
    if (bad) {
        fprintf(stderr, "allocbench heapscale: cannot write %s\n", path);
        return 1;
    }
    fprintf(stderr, "allocbench heapscale: results in %s\n", path);
    return 0;
}

/* ---- libraries of this build ----------------------------------------- */

#ifndef AB_HEAP_PRELOAD_DIR
#define AB_HEAP_PRELOAD_DIR ""
#endif
#ifndef AB_MTRACE_LIB_DEFAULT
#define AB_MTRACE_LIB_DEFAULT ""
#endif

/* snprintf without the compiler's truncation analysis (paths are checked
   with access() right after). */
static void path_fmt(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void path_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}

static const char *lib_find(const char *built, const char *rel, const char *name)
{
    static char paths[8][4096];
    static int next;
    char *p = paths[next++ % 8];
    if (built[0] != '\0') {
        path_fmt(p, 4096, "%s/%s", built, name);
        if (access(p, R_OK) == 0)
            return p;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            path_fmt(p, 4096, "%s/../%s/%s", exe, rel, name);
            if (access(p, R_OK) == 0)
                return p;
        }
    }
    const char *env = getenv("ALLOCBENCH_LIBDIR");
    if (env != NULL && *env != '\0') {
        path_fmt(p, 4096, "%s/%s", env, name);
        if (access(p, R_OK) == 0)
            return p;
    }
    return NULL;
}

const char *hr_mtrace_lib(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", AB_MTRACE_LIB_DEFAULT);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    return lib_find(dir, "preload/mtrace", "libab_mtrace.so");
}

const char *hr_heap_lib(const char *heap)
{
    char name[128];
    snprintf(name, sizeof name, "libab_%s.so", heap);
    return lib_find(AB_HEAP_PRELOAD_DIR, "preload", name);
}

/* ---- record ----------------------------------------------------------- */

static const char record_help[] =
    "usage: allocbench record -o FILE -- CMD [ARGS...]\n"
    "\n"
    "Runs CMD under libab_mtrace.so (LD_PRELOAD), which records every malloc-family\n"
    "call as a malloc trace (.abt, docs/heaps.md). CMD's own process goes to FILE;\n"
    "each other process it starts (fork, exec) to FILE.<pid>.abt beside it.\n"
    "Replay with: allocbench run --workload mtrace:FILE --strategy buddy --mem 1G\n"
    "Exit status: CMD's.\n";

int hr_record_main(int argc, char **argv)
{
    const char *out = NULL;
    int i = 2;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(record_help, stdout);
            return 0;
        } else if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "allocbench record: -o needs a value\n(see: allocbench record --help)\n");
                return 2;
            }
            out = argv[++i];
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else {
            fprintf(stderr, "allocbench record: unknown argument '%s'\n(see: allocbench "
                    "record --help)\n", argv[i]);
            return 2;
        }
    }
    if (out == NULL) {
        fprintf(stderr, "allocbench record: -o is required\n(see: allocbench record --help)\n");
        return 2;
    }
    if (i >= argc) {
        fprintf(stderr, "allocbench record: no command after --\n(see: allocbench record --help)\n");
        return 2;
    }
    const char *lib = hr_mtrace_lib();
    if (lib == NULL) {
        fprintf(stderr, "allocbench record: libab_mtrace.so not found (build the ab_mtrace "
                "target, or set ALLOCBENCH_LIBDIR)\n");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("allocbench record: fork");
        return 1;
    }
    if (pid == 0) {
        setenv("AB_MTRACE", out, 1);
        setenv("LD_PRELOAD", lib, 1);
        execvp(argv[i], argv + i);
        fprintf(stderr, "allocbench record: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char from[4200];
    snprintf(from, sizeof from, "%s.%ld.abt", out, (long)pid);
    if (rename(from, out) != 0) {
        fprintf(stderr, "allocbench record: %s: not written (%s): did %s run?\n", from,
                strerror(errno), argv[i]);
        return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
    }
    hr_mtrace t;
    char err[512];
    if (hr_mtrace_load(out, &t, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench record: %s\n", err);
        return 1;
    }
    fprintf(stderr, "allocbench record: %s: %zu records, %u blocks, peak live %llu B%s\n", out,
            t.nrec, t.max_id, (unsigned long long)hr_mtrace_peak_live(&t),
            " (other processes, if any: FILE.<pid>.abt)");
    hr_mtrace_free(&t);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
