/*
 * libFuzzer harness: the malloc-trace (.abt) reader of host/cell/heaprun.c.
 * The input is the file itself, written to one scratch file per process
 * (hr_mtrace_load takes a path). The header's pid picks the heap (pid modulo
 * the heap count) and the page strategy under it (buddy, bitmap, freelist)
 * for the replay.
 *
 * On failure: one line that begins with the path. On success: as many
 * records as whole 24-byte records after the header, max_id the largest
 * allocation id; hr_mtrace_peak_live is at most the sum of the sizes
 * allocated and, when that sum does not wrap, at least the largest one;
 * hr_mtrace_replay on a 16 MiB window ends ok (the replay checks every
 * block's contents and the heap's check()) and writes its mtrace.csv line.
 * Traces whose ids would need more than 32 MiB of id tables are only loaded:
 * the tables are sized by id, as the format intends (ids continue across a
 * process tree), and would only test calloc.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_NAME "fuzz_mtrace"
#include "fuzz_tmpfile.h"
#include "heaprun.h"
#include "allocbench/heap.h"
#include "allocbench/mtrace.h"
#include "allocbench/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_ID ((uint32_t)1 << 21)      /* 16 MiB of peak sizes, 32 MiB of blocks */
#define FZ_MAX_REPLAY_RECORDS 20000u
#define FZ_WINDOW_BYTES ((uint64_t)16 << 20)

static int is_alloc(uint8_t op)
{
    return op == AB_MT_MALLOC || op == AB_MT_CALLOC || op == AB_MT_REALLOC ||
           op == AB_MT_MEMALIGN;
}

/* What the loader must have found, from the bytes. */
static void trace_check(const hr_mtrace *t, const uint8_t *data, size_t size)
{
    FZ_REQUIRE(size >= AB_MT_HEADER_BYTES && (size - AB_MT_HEADER_BYTES) % AB_MT_RECORD_BYTES == 0,
               "accepted %zu bytes", size);
    FZ_REQUIRE(t->nrec == (size - AB_MT_HEADER_BYTES) / AB_MT_RECORD_BYTES, "%zu records",
               t->nrec);
    FZ_REQUIRE(t->pid == ab_mt_get32(data + 16), "pid %u", t->pid);
    uint32_t max_id = 0;
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        ab_mt_record_decode(data + AB_MT_HEADER_BYTES + i * AB_MT_RECORD_BYTES, &r);
        FZ_REQUIRE(r.op >= AB_MT_MALLOC && r.op <= AB_MT_MEMALIGN, "record %zu: op %u", i,
                   r.op);
        if (is_alloc(r.op) && r.id != 0) {
            FZ_REQUIRE(r.id > max_id, "record %zu: id %u after %u", i, r.id, max_id);
            max_id = r.id;
        }
    }
    FZ_REQUIRE(t->max_id == max_id, "max_id %u, the records say %u", t->max_id, max_id);
}

/* Bounds of the peak: the sum (128 bits) and the largest of the sizes that
   hr_mtrace_peak_live counts. */
static void peak_check(const hr_mtrace *t, const uint8_t *data)
{
    unsigned __int128 sum = 0;
    uint64_t largest = 0;
    for (size_t i = 0; i < t->nrec; i++) {
        ab_mt_record r;
        ab_mt_record_decode(data + AB_MT_HEADER_BYTES + i * AB_MT_RECORD_BYTES, &r);
        if (is_alloc(r.op) && (r.flags & AB_MT_FLAG_FAILED) == 0 && r.id != 0 &&
            r.size != UINT64_MAX) {
            sum += r.size;
            if (r.size > largest)
                largest = r.size;
        }
    }
    uint64_t peak = hr_mtrace_peak_live(t);
    FZ_REQUIRE(peak <= sum, "peak %llu above the sum of every size",
               (unsigned long long)peak);
    if (sum <= UINT64_MAX)
        FZ_REQUIRE(peak >= largest, "peak %llu below one block of %llu",
                   (unsigned long long)peak, (unsigned long long)largest);
}

static void replay_check(const hr_mtrace *t, const char *path, FILE *quiet)
{
    static const char *const strategies[] = {"buddy", "bitmap", "freelist"};
    size_t nh;
    const ab_heap *const *heaps = ab_heap_registry(&nh);
    const ab_heap *h = heaps[t->pid % nh];
    const ab_strategy *st = ab_registry_find(strategies[(t->pid / nh) % 3u]);
    FZ_REQUIRE(h != NULL && st != NULL, "no heap or strategy");
    hbuf summary = {0}, lines = {0};
    char msg[512];
    /* The replay's one line per heap on stderr is not needed here (the
       sanitizers write to fd 2 directly, so a crash report still shows). */
    FILE *real = stderr;
    if (quiet != NULL)
        stderr = quiet;
    ab_wl_outcome oc = hr_mtrace_replay(t, path, h, st, FZ_WINDOW_BYTES, 1, &summary, &lines,
                                        msg, sizeof msg);
    stderr = real;
    FZ_REQUIRE(oc == AB_WL_OK, "replay on %s@%s: outcome %d: %s", h->name, st->name, (int)oc,
               msg);
    FZ_REQUIRE(lines.len > 0 && lines.p[lines.len - 1] == '\n' &&
                   memchr(lines.p, '\n', lines.len) == lines.p + lines.len - 1,
               "the mtrace.csv line is not one line");
    FZ_REQUIRE(summary.len > 0, "no summary rows");
    hbuf_free(&summary);
    hbuf_free(&lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *quiet;
    if (quiet == NULL)
        quiet = fopen("/dev/null", "w");
    const char *path = fz_scratch_file(FZ_NAME);
    fz_file_put(FZ_NAME, path, data, size);

    hr_mtrace t;
    char err[1024];
    err[0] = '\0';
    if (hr_mtrace_load(path, &t, err, sizeof err) != 0) {
        size_t pl = strlen(path);
        FZ_REQUIRE(strncmp(err, path, pl) == 0 && err[pl] == ':' && strchr(err, '\n') == NULL,
                   "the message does not name the file in one line: '%s'", err);
        FZ_REQUIRE(t.data == NULL && t.nrec == 0, "a failed load left the trace filled");
        return 0;
    }
    trace_check(&t, data, size);
    if (t.max_id <= FZ_MAX_ID) {
        peak_check(&t, data);
        if (t.nrec <= FZ_MAX_REPLAY_RECORDS)
            replay_check(&t, path, quiet);
    }
    hr_mtrace_free(&t);
    return 0;
}
