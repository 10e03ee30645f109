/*
 * Checks .abt malloc traces and replays them on every heap.
 *
 *   test_heap_trace [--strategy NAME] [--window-mb N] FILE.abt...
 *
 * Each file: the header must decode; every record must have a known op; an
 * allocation's id must be new and above every id before it in the file; a
 * free or realloc must name a live id, or an id the file never allocated
 * (a block from the parent process, counted as foreign). Then each file is
 * replayed on every registered heap over the page strategy (default buddy)
 * with a window of N MiB (default 512): the heap's blocks get the sizes and
 * alignments of the trace, their first and last bytes are written and
 * checked at free (so a heap that overlaps blocks is caught), the heap's check() must be 0 at the end and every 65536 records.
 * Prints, per file and heap, peak live bytes, peak footprint and their
 * ratio (Johnstone and Wilson's fragmentation), then "trace ok".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_util.h"
#include "allocbench/mtrace.h"

typedef struct trace {
    unsigned char *data;
    size_t nrec;
    ab_mt_header h;
    uint32_t max_id;
} trace;

static int load(const char *path, trace *t)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < (long)AB_MT_HEADER_BYTES) {
        fprintf(stderr, "%s: too short\n", path);
        fclose(f);
        return -1;
    }
    t->data = malloc((size_t)n);
    if (fread(t->data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    if (!ab_mt_header_decode(t->data, &t->h)) {
        fprintf(stderr, "%s: bad header\n", path);
        return -1;
    }
    if (((size_t)n - AB_MT_HEADER_BYTES) % AB_MT_RECORD_BYTES != 0)
        fprintf(stderr, "%s: warning: a partial last record\n", path);
    t->nrec = ((size_t)n - AB_MT_HEADER_BYTES) / AB_MT_RECORD_BYTES;
    return 0;
}

static void rec_at(const trace *t, size_t i, ab_mt_record *r)
{
    ab_mt_record_decode(t->data + AB_MT_HEADER_BYTES + i * AB_MT_RECORD_BYTES, r);
}

static bool is_alloc(uint8_t op)
{
    return op == AB_MT_MALLOC || op == AB_MT_CALLOC || op == AB_MT_REALLOC ||
           op == AB_MT_MEMALIGN;
}

/* The checks of the file alone. Returns the number of problems. */
static int validate(const char *path, trace *t)
{
    uint32_t max_id = 0, first_id = 0;
    size_t problems = 0, foreign = 0, live = 0, counts[6] = {0};
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        rec_at(t, i, &r);
        if (r.op < AB_MT_MALLOC || r.op > AB_MT_MEMALIGN) {
            if (problems++ < 5)
                fprintf(stderr, "%s: record %zu: bad op %u\n", path, i, r.op);
            continue;
        }
        counts[r.op]++;
        if (is_alloc(r.op) && r.id != 0) {
            if (r.id <= max_id && problems++ < 5)
                fprintf(stderr, "%s: record %zu: id %u not new\n", path, i, r.id);
            if (first_id == 0)
                first_id = r.id;
            max_id = r.id;
        }
    }
    /* Second pass: live ids. */
    uint8_t *alive = calloc((size_t)max_id + 1, 1);
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        rec_at(t, i, &r);
        uint32_t gone = r.op == AB_MT_FREE ? r.id : r.op == AB_MT_REALLOC ? r.arg : 0;
        if (r.op == AB_MT_REALLOC && (r.flags & AB_MT_FLAG_FAILED))
            gone = 0;
        if (gone != 0) {
            if (gone >= first_id && gone <= max_id && alive[gone]) {
                alive[gone] = 0;
                live--;
            } else if (gone >= first_id && gone <= max_id) {
                if (problems++ < 5)
                    fprintf(stderr, "%s: record %zu: id %u freed but not live\n", path, i, gone);
            } else {
                foreign++;
            }
        }
        if (is_alloc(r.op) && r.id != 0) {
            alive[r.id] = 1;
            live++;
        }
    }
    free(alive);
    t->max_id = max_id;
    printf("%s: pid %u, %u-bit, %zu records: %zu malloc, %zu free, %zu calloc, %zu realloc, "
           "%zu memalign; %zu frees of foreign ids; %zu blocks live at the end\n",
           path, t->h.pid, t->h.pointer_bits, t->nrec, counts[1], counts[2], counts[3], counts[4],
           counts[5], foreign, live);
    return (int)problems;
}

static int replay(const char *path, const trace *t, const ab_heap *hp, const ab_strategy *st,
                  size_t window_pages)
{
    t_heap th;
    ab_status s = t_heap_open(&th, hp, st, window_pages);
    if (s != AB_OK) {
        fprintf(stderr, "open %s over %s: %s\n", hp->name, st->name, ab_status_name(s));
        return 1;
    }
    void **ptr = calloc((size_t)t->max_id + 1, sizeof *ptr);
    uint64_t *size = calloc((size_t)t->max_id + 1, sizeof *size);
    int problems = 0;
    size_t nulls = 0;
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        rec_at(t, i, &r);
        bool failed = (r.flags & AB_MT_FLAG_FAILED) != 0;
        size_t n = r.size > SIZE_MAX ? SIZE_MAX : (size_t)r.size;
        void *p = NULL;
        uint32_t gone = 0;
        switch (r.op) {
        case AB_MT_MALLOC: p = hp->malloc(th.meta, n); break;
        case AB_MT_CALLOC: p = hp->calloc(th.meta, 1, n); break;
        case AB_MT_MEMALIGN:
            p = hp->memalign(th.meta, r.arg < 8 * sizeof(size_t) ? (size_t)1 << r.arg : 0, n);
            break;
        case AB_MT_FREE: gone = r.id; break;
        case AB_MT_REALLOC: {
            void *old = r.arg <= t->max_id ? ptr[r.arg] : NULL;
            if (failed)
                break;
            void *out = NULL;
            s = hp->realloc(th.meta, old, n, &out);
            if (s == AB_OK) {
                p = out;
                if (r.arg <= t->max_id)
                    ptr[r.arg] = NULL;
            } else if (problems++ < 5) {
                fprintf(stderr, "%s on %s: record %zu realloc: %s\n", path, hp->name, i,
                        ab_status_name(s));
            }
            break;
        }
        default: break;
        }
        if (gone != 0 && gone <= t->max_id && ptr[gone] != NULL) {
            unsigned char *b = ptr[gone];
            bool bad = (size[gone] >= 1 && b[0] != (unsigned char)gone) ||
                       (size[gone] >= 2 && b[size[gone] - 1] != (unsigned char)(gone >> 8));
            if (bad && problems++ < 5)
                fprintf(stderr, "%s on %s: block %u corrupted\n", path, hp->name, gone);
            s = hp->free(th.meta, b);
            if (s != AB_OK && problems++ < 5)
                fprintf(stderr, "%s on %s: free: %s\n", path, hp->name, ab_status_name(s));
            ptr[gone] = NULL;
        }
        if (is_alloc(r.op) && r.id != 0 && r.id <= t->max_id) {
            if (p == NULL) {
                nulls++;
            } else {
                ptr[r.id] = p;
                size[r.id] = n;
                if (n >= 1)
                    ((unsigned char *)p)[0] = (unsigned char)r.id;
                if (n >= 2)
                    ((unsigned char *)p)[n - 1] = (unsigned char)(r.id >> 8);
            }
        }
        if ((i & 65535) == 65535 && hp->check(th.meta) != 0 && problems++ < 5)
            fprintf(stderr, "%s on %s: check() failed at record %zu\n", path, hp->name, i);
    }
    if (hp->check(th.meta) != 0) {
        fprintf(stderr, "%s on %s: check() failed at the end\n", path, hp->name);
        problems++;
    }
    ab_heap_stats hs = t_heap_stats(&th);
    printf("  %-8s over %s: peak live %" PRIu64 " B, peak footprint %" PRIu64
           " B, footprint/live %.3f, %zu NULLs\n",
           hp->name, st->name, hs.peak_live_bytes, hs.peak_footprint_bytes,
           hs.peak_live_bytes ? (double)hs.peak_footprint_bytes / (double)hs.peak_live_bytes : 0.0,
           nulls);
    if (nulls != 0) {
        fprintf(stderr, "%s on %s: %zu allocations failed (window too small?)\n", path, hp->name,
                nulls);
        problems++;
    }
    free(ptr);
    free(size);
    t_heap_close(&th);
    return problems;
}

int main(int argc, char **argv)
{
    const char *st_name = "buddy";
    size_t window_mb = 512;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "--strategy") == 0)
            st_name = argv[i + 1];
        else if (strcmp(argv[i], "--window-mb") == 0)
            window_mb = strtoul(argv[i + 1], NULL, 0);
    }
    const ab_strategy *st = t_contig_strategy(st_name);
    if (i >= argc || st == NULL) {
        fprintf(stderr, "usage: %s [--strategy NAME] [--window-mb N] FILE.abt...\n", argv[0]);
        return 2;
    }
    size_t nheaps;
    const ab_heap *const *heaps = ab_heap_registry(&nheaps);
    int problems = 0;
    size_t records = 0;
    for (; i < argc; i++) {
        trace t;
        memset(&t, 0, sizeof t);
        if (load(argv[i], &t) != 0) {
            problems++;
            continue;
        }
        problems += validate(argv[i], &t);
        records += t.nrec;
        for (size_t k = 0; k < nheaps; k++)
            problems += replay(argv[i], &t, heaps[k], st, (window_mb << 20) / AB_PAGE_BYTES);
        free(t.data);
    }
    if (problems != 0 || records == 0) {
        printf("trace FAILED: %d problems, %zu records\n", problems, records);
        return 1;
    }
    printf("trace ok: %zu records\n", records);
    return 0;
}
