/* allocbench host: heaps on the host, malloc traces and their replay. See heaprun.h. */
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

/* One replay: the trace, the heap under test and the replay's state. */
typedef struct replay {
    const hr_mtrace *t;
    const ab_heap *h;
    void *self;
    const ab_timer *tm;
    mblock *tab;         /* by trace id: the live block */
    ab_op_stats *ops;    /* malloc, calloc, memalign, realloc, free */
    char *msg;
    size_t msg_len;
} replay;

/* A served call's latency goes to the histogram; a failed one (NULL,
   ENOMEM) only counts as a failure: latency describes served requests. */
static void served_sample(replay *R, ab_op_stats *s, uint64_t t0, int served)
{
    uint64_t t1 = ab_tsc_read();
    if (served)
        ab_hist_add(&s->hist, ab_timer_delta(R->tm, t0, t1));
    else
        s->failures++;
}

static ab_op_stats *op_stats(replay *R, uint8_t op)
{
    return op == AB_MT_MALLOC     ? &R->ops[0]
           : op == AB_MT_CALLOC   ? &R->ops[1]
           : op == AB_MT_MEMALIGN ? &R->ops[2]
           : op == AB_MT_REALLOC  ? &R->ops[3]
                                  : &R->ops[4];
}

/* A free record. AB_WL_OK, or AB_WL_ERROR with R->msg. */
static ab_wl_outcome replay_free(replay *R, size_t i, const ab_mt_record *rec, ab_op_stats *s)
{
    mblock *b = rec->id <= R->t->max_id ? &R->tab[rec->id] : NULL;
    if (rec->id != 0 && (b == NULL || b->p == NULL)) {
        s->skipped++;
        return AB_WL_OK;
    }
    if (rec->id != 0 && !marked(b->p, b->size, rec->id)) {
        snprintf(R->msg, R->msg_len, "record %zu: free: block %u lost its contents", i, rec->id);
        return AB_WL_ERROR;
    }
    uint64_t t0 = ab_tsc_read();
    ab_status st = R->h->free(R->self, rec->id != 0 ? b->p : NULL);
    served_sample(R, s, t0, 1);
    if (rec->id != 0)
        b->p = NULL;
    if (st != AB_OK) {
        snprintf(R->msg, R->msg_len, "record %zu: free: %s", i, ab_status_name(st));
        return AB_WL_ERROR;
    }
    return AB_WL_OK;
}

/* A realloc record; *p gets the block to keep (NULL: none). */
static ab_wl_outcome replay_realloc(replay *R, size_t i, const ab_mt_record *rec,
                                    ab_op_stats *s, size_t n, void **p)
{
    const hr_mtrace *t = R->t;
    mblock *old = rec->arg != 0 && rec->arg <= t->max_id && R->tab[rec->arg].p
                      ? &R->tab[rec->arg] : NULL;
    *p = NULL;
    if (old != NULL && !marked(old->p, old->size, rec->arg)) {
        snprintf(R->msg, R->msg_len, "record %zu: realloc: block %u lost its contents", i,
                 rec->arg);
        return AB_WL_ERROR;
    }
    uint64_t t0 = ab_tsc_read();
    ab_status st = R->h->realloc(R->self, old ? old->p : NULL, n, p);
    served_sample(R, s, t0, st != AB_ENOMEM);
    if (st == AB_ENOMEM) {
        *p = NULL;
        return AB_WL_OK;
    }
    if (st != AB_OK) {
        snprintf(R->msg, R->msg_len, "record %zu: realloc: %s", i, ab_status_name(st));
        return AB_WL_ERROR;
    }
    if (old != NULL)
        old->p = NULL;
    if (*p != NULL && rec->id == 0) {
        R->h->free(R->self, *p);
        s->skipped++;
        *p = NULL;
    }
    return AB_WL_OK; /* *p NULL after realloc(p, 0) */
}

/* Record i of the trace. */
static ab_wl_outcome replay_one(replay *R, size_t i)
{
    ab_mt_record rec;
    mt_rec(R->t, i, &rec);
    size_t n = rec.size > SIZE_MAX ? SIZE_MAX : (size_t)rec.size;
    uint32_t n32 = rec.size > UINT32_MAX ? UINT32_MAX : (uint32_t)rec.size;
    ab_op_stats *s = op_stats(R, rec.op);
    if (rec.op == AB_MT_FREE)
        return replay_free(R, i, &rec, s);
    if ((rec.flags & AB_MT_FLAG_FAILED) != 0 || (rec.id == 0 && rec.op != AB_MT_REALLOC)) {
        s->skipped++;
        return AB_WL_OK;
    }
    void *p = NULL;
    if (rec.op == AB_MT_REALLOC) {
        ab_wl_outcome oc = replay_realloc(R, i, &rec, s, n, &p);
        if (oc != AB_WL_OK || p == NULL)
            return oc;
    } else {
        uint64_t t0 = ab_tsc_read();
        if (rec.op == AB_MT_MALLOC)
            p = R->h->malloc(R->self, n);
        else if (rec.op == AB_MT_CALLOC)
            p = R->h->calloc(R->self, 1, n);
        else
            p = R->h->memalign(R->self, rec.arg < 8 * sizeof(size_t) ? (size_t)1 << rec.arg : 0, n);
        served_sample(R, s, t0, p != NULL);
        if (p == NULL)
            return AB_WL_OK;
    }
    R->tab[rec.id] = (mblock){p, n32};
    mark(p, n32, rec.id);
    return AB_WL_OK;
}

/* Every record, then the blocks still live are checked and freed, then
   the heap's check(). */
static ab_wl_outcome replay_all(replay *R)
{
    ab_wl_outcome oc = AB_WL_OK;
    for (size_t i = 0; i < R->t->nrec && oc == AB_WL_OK; i++)
        oc = replay_one(R, i);
    for (uint32_t id = 1; oc == AB_WL_OK && id <= R->t->max_id; id++) {
        if (R->tab[id].p == NULL)
            continue;
        if (!marked(R->tab[id].p, R->tab[id].size, id)) {
            snprintf(R->msg, R->msg_len, "end: block %u lost its contents", id);
            oc = AB_WL_ERROR;
        } else if (R->h->free(R->self, R->tab[id].p) != AB_OK) {
            snprintf(R->msg, R->msg_len, "end: free of block %u failed", id);
            oc = AB_WL_ERROR;
        }
    }
    size_t broken = R->h->check(R->self);
    if (oc == AB_WL_OK && broken != 0) {
        snprintf(R->msg, R->msg_len, "check() after the trace: %zu invariants broken", broken);
        oc = AB_WL_ERROR;
    }
    return oc;
}

/* The summary rows: one per op used, or a status row if the replay failed. */
static void replay_rows(hbuf *summary, const ab_cell *cell, ab_wl_result *r,
                        ab_op_stats *ops, ab_wl_outcome oc)
{
    static const char *const names[] = {"malloc", "calloc", "memalign", "realloc", "free"};
    if (oc != AB_WL_OK) {
        ab_out so = {hbuf_write, summary};
        ab_csv_summary_rows(&so, cell, r, host_timer());
        return;
    }
    for (int k = 0; k < 5; k++)
        if (k == 0 || k == 4 || ops[k].hist.count != 0 || ops[k].failures != 0 ||
            ops[k].skipped != 0)
            op_row(summary, cell, r, names[k], &ops[k]);
}

/* The mtrace.csv line of one heap, and its note on stderr. */
static void replay_heaps_line(hbuf *heaps, const char *sname, const ab_heap *h,
                              const ab_strategy *st, const char *trace_name, size_t nrec,
                              const ab_heap_stats *hs, const ab_op_stats *ops, ab_wl_outcome oc)
{
    uint64_t fails = 0, skips = 0;
    for (int k = 0; ops != NULL && k < 5; k++) {
        fails += ops[k].failures;
        skips += ops[k].skipped;
    }
    const char *base = strrchr(trace_name, '/');
    char safe[256];
    snprintf(safe, sizeof safe, "%s", base != NULL ? base + 1 : trace_name);
    for (char *c = safe; *c; c++)
        if (*c == ',' || *c == '"' || *c == '\n')
            *c = '_';
    double ratio = hs->peak_live_bytes
                       ? (double)hs->peak_footprint_bytes / (double)hs->peak_live_bytes : 0.0;
    hbuf_printf(heaps, "%s,%s,%s,%zu,%llu,%llu,%.4f,%llu,%llu,%s\n", h->name, st->name, safe,
                nrec, (unsigned long long)hs->peak_live_bytes,
                (unsigned long long)hs->peak_footprint_bytes, ratio, (unsigned long long)fails,
                (unsigned long long)skips, ab_outcome_name(oc));
    fprintf(stderr, "allocbench run: mtrace %s: peak live %llu B, peak footprint %llu B, "
            "footprint/live %.3f, %llu failed, %llu skipped\n", sname,
            (unsigned long long)hs->peak_live_bytes, (unsigned long long)hs->peak_footprint_bytes,
            ratio, (unsigned long long)fails, (unsigned long long)skips);
}

ab_wl_outcome hr_mtrace_replay(const hr_mtrace *t, const char *trace_name, const ab_heap *h,
                               const ab_strategy *st, uint64_t mem_bytes, uint64_t seed,
                               hbuf *summary, hbuf *heaps, char *msg, size_t msg_len)
{
    char sname[128];
    snprintf(sname, sizeof sname, "%s@%s", h->name, st->name);
    ab_cell cell = {"host", sname, "heap", "mtrace", mem_bytes, 0, seed, 1, 0};
    ab_wl_result *r = calloc(1, sizeof *r);
    replay R = {t, h, NULL, host_timer(), calloc((size_t)t->max_id + 1, sizeof(mblock)),
                calloc(5, sizeof(ab_op_stats)), msg, msg_len};
    hr_heap hh;
    ab_heap_stats hs;
    memset(&hs, 0, sizeof hs);
    msg[0] = '\0';
    ab_wl_outcome oc = AB_WL_ERROR;
    if (r == NULL || R.ops == NULL || R.tab == NULL) {
        snprintf(msg, msg_len, "out of memory for %u trace ids", t->max_id);
    } else if (hr_heap_open(&hh, h, st, (size_t)(mem_bytes / AB_PAGE_BYTES), msg, msg_len) == 0) {
        R.self = hh.meta;
        oc = replay_all(&R);
        h->stats(R.self, &hs);
        r->meta_bytes = hh.pages.meta_len;
        hr_heap_close(&hh);
    }
    if (r != NULL && R.ops != NULL) {
        r->total_pages = mem_bytes / AB_PAGE_BYTES;
        r->outcome = oc;
        snprintf(r->msg, sizeof r->msg, "%s", msg);
        replay_rows(summary, &cell, r, R.ops, oc);
    }
    replay_heaps_line(heaps, sname, h, st, trace_name, t->nrec, &hs, R.ops, oc);
    free(R.tab);
    free(R.ops);
    free(r);
    return oc;
}
