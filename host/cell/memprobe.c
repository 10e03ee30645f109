/*
 * host/cell: one random memory access's latency per buffer size
 * (memprobe.h). Plain libc: this measures the machine, not a strategy.
 */
#define _POSIX_C_SOURCE 200809L
#include "memprobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocbench/strategy.h"
#include "args.h"
#include "buffer.h"
#include "clock.h"
#include "file.h"
#include "prng.h"

#define HEADER "bytes,ns_per_load,ns_min,ns_max,trials,loads_per_trial\n"
#define LINE 64u
#define FIRST_BYTES ((uint64_t)16 << 10)
#define TRIALS 5u                 /* per size; the median is kept */
#define LOADS ((uint64_t)1 << 19) /* per trial */

/* Links the lines of buf into one cycle in random order (Sattolo's
   shuffle of the identity: every permutation it yields is one cycle).
   Each line's first word first holds the index of its successor, then its
   address. */
static void chain_build(char *buf, uint64_t lines, uint64_t seed)
{
    ab_rng r;
    ab_rng_seed(&r, seed);
    for (uint64_t i = 0; i < lines; i++)
        *(uint64_t *)(void *)(buf + i * LINE) = i;
    for (uint64_t i = lines - 1u; i > 0; i--) {
        uint64_t j = ab_rng_below(&r, i);
        uint64_t *a = (uint64_t *)(void *)(buf + i * LINE);
        uint64_t *b = (uint64_t *)(void *)(buf + j * LINE);
        uint64_t t = *a;
        *a = *b;
        *b = t;
    }
    for (uint64_t i = 0; i < lines; i++) {
        char **slot = (char **)(void *)(buf + i * LINE);
        *slot = buf + *(uint64_t *)(void *)slot * LINE;
    }
}

/* Follows the chain n times from *at; the time per load in ns. */
static double chase(char **at, uint64_t n)
{
    char *p = *at;
    uint64_t t0 = host_now_ns();
    for (uint64_t i = 0; i < n; i++)
        p = *(char *volatile *)(void *)p;
    uint64_t t1 = host_now_ns();
    *at = p;
    return (double)(t1 - t0) / (double)n;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void say(uint64_t bytes, double ns)
{
    char size[32];
    host_format_size(bytes, size, sizeof size);
    fprintf(stderr, "allocbench: memprobe %s: %.1f ns per random load\n", size, ns);
}

/* Appends memprobe.csv's rows for 16 KiB .. max_bytes to out: per size the
   median, lowest and highest ns per load over the trials. 0, or -1 with err
   set (out of memory). */
static int probe_sizes(uint64_t max_bytes, hbuf *out, char *err, size_t err_len)
{
    const unsigned trials = TRIALS;
    const uint64_t loads = LOADS;
    for (uint64_t bytes = FIRST_BYTES; bytes <= max_bytes; bytes *= 2u) {
        char *buf = aligned_alloc(AB_META_ALIGN, (size_t)bytes);
        if (buf == NULL) {
            snprintf(err, err_len, "memprobe: cannot allocate %llu bytes",
                     (unsigned long long)bytes);
            return -1;
        }
        uint64_t lines = bytes / LINE;
        chain_build(buf, lines, bytes);
        char *p = buf;
        chase(&p, lines < loads ? lines : loads); /* warm the caches that can hold it */
        double ns[TRIALS];
        for (unsigned t = 0; t < trials; t++)
            ns[t] = chase(&p, loads);
        free(buf);
        qsort(ns, trials, sizeof ns[0], dbl_cmp);
        double med = trials % 2u ? ns[trials / 2u] : (ns[trials / 2u - 1u] + ns[trials / 2u]) / 2.0;
        hbuf_printf(out, "%llu,%.2f,%.2f,%.2f,%u,%llu\n", (unsigned long long)bytes, med, ns[0],
                    ns[trials - 1u], trials, (unsigned long long)loads);
        say(bytes, med);
    }
    return 0;
}

int host_memprobe_write(const char *dir, uint64_t max_bytes, char *err, size_t err_len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/memprobe.csv", dir);
    if (host_file_exists(path))
        return 1;
    hbuf b = {0};
    hbuf_printf(&b, "%s", HEADER);
    int rc = probe_sizes(max_bytes, &b, err, err_len);
    if (rc == 0 && host_write_atomic(path, b.p, b.len) != 0) {
        snprintf(err, err_len, "cannot write %s", path);
        rc = -1;
    }
    hbuf_free(&b);
    return rc;
}
