/*
 * allocbench threads: threaded cells (host/cell/threads.h) for one strategy,
 * a list of thread counts, appended to DIR/threads.csv.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#include "baselines.h"
#include "host.h"
#include "threads.h"

static const char threads_help[] =
    "usage: allocbench threads -s STRATEGY -w bulk|repeat|rand [options]\n"
    "\n"
    "Runs LLFree's bulk, repeat and rand patterns with T pinned threads on one\n"
    "shared instance, for each T of --threads, and appends one row per thread\n"
    "and phase to DIR/threads.csv: ns per op, total ops per second, fairness\n"
    "(max/min of the threads' ops), CPU over wall time and whether the threads\n"
    "ran together (a cell that did not is redone, up to 5 times).\n"
    "  -s, --strategy S   a strategy; with T > 1 it must be thread-safe\n"
    "                     (hier2m, lock+S, pcp+S)\n"
    "  -w, --workload W   bulk, repeat or rand\n"
    "      --order K      0 (4 KiB frames, default) or 9 (2 MiB frames)\n"
    "  -t, --threads LIST thread counts, e.g. 1,2,4 (default: 1 up to the online CPUs)\n"
    "  -m, --mem SIZE     memory managed (default 16G)\n"
    "      --ops N        frames (bulk, rand) or pairs (repeat) per thread\n"
    "                     (default: half of memory over all threads; 2000000 pairs)\n"
    "      --seed N       (default 1)\n"
    "      --rep N        the repetition index written to the rows (default 0)\n"
    "  -o, --out DIR      run folder (created; rows are added, never replaced)\n"
    "  -h, --help\n";

/* "allocbench threads: <why>" and the help hint; exit status 2 (cli.h). */
static int usage(const char *fmt, const char *arg)
{
    return cli_usage("threads", fmt, arg);
}

/* Decimal, no sign, no overflow. 0 or -1. */
static int parse_dec(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10u)
            return -1;
        v = v * 10u + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* "1,2,4" -> counts; 0 or -1. */
static int parse_list(const char *s, uint32_t *out, size_t *n)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (parse_dec(tok, &v) != 0 || v < 1 || v > 64 || *n == 64)
            return -1;
        out[(*n)++] = (uint32_t)v;
    }
    return *n ? 0 : -1;
}

/* Adds rows to dir/threads.csv, keeping one header; 0 or -1. */
static int append_rows(const char *dir, const char *rows, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/threads.csv", dir);
    size_t old_len = 0;
    char *old = host_read_file(path, &old_len);
    size_t hlen = strlen(THREADS_CSV_HEADER);
    if (old != NULL && (old_len < hlen || memcmp(old, THREADS_CSV_HEADER, hlen) != 0)) {
        fprintf(stderr, "allocbench threads: %s has another header; not touching it\n", path);
        free(old);
        return -1;
    }
    size_t total = (old ? old_len : hlen) + len;
    char *all = malloc(total + 1);
    if (all == NULL)
        return -1;
    memcpy(all, old ? old : THREADS_CSV_HEADER, old ? old_len : hlen);
    memcpy(all + (old ? old_len : hlen), rows, len);
    int rc = host_write_atomic(path, all, total);
    if (rc != 0)
        fprintf(stderr, "allocbench threads: cannot write %s\n", path);
    free(all);
    free(old);
    return rc;
}

/* What the command line asks for. */
typedef struct threads_args {
    threads_cell c;
    uint32_t counts[64];
    size_t ncounts;
    const char *out, *sname;
} threads_args;

/* Reads the options into a. Returns -1 to go on, or the exit status. */
static int threads_parse(int argc, char **argv, threads_args *a)
{
    static const struct option opts[] = {
        {"strategy", required_argument, 0, 's'}, {"workload", required_argument, 0, 'w'},
        {"order", required_argument, 0, 'O'},    {"threads", required_argument, 0, 't'},
        {"mem", required_argument, 0, 'm'},      {"ops", required_argument, 0, 'n'},
        {"seed", required_argument, 0, 'S'},     {"rep", required_argument, 0, 'r'},
        {"out", required_argument, 0, 'o'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    threads_cell *c = &a->c;
    uint64_t v;
    optind = 2;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, ":s:w:t:m:o:h", opts, NULL)) != -1;) {
        switch (ch) {
        case 's': a->sname = optarg; break;
        case 'w':
            if ((c->kind = ab_mt_parse(optarg)) == AB_MT_COUNT)
                return usage("--workload: '%s' is not bulk, repeat or rand", optarg);
            break;
        case 'O':
            if (parse_dec(optarg, &v) != 0 || (v != 0 && v != 9))
                return usage("--order: '%s' is not 0 or 9", optarg);
            c->order = (uint32_t)v;
            break;
        case 't':
            if (parse_list(optarg, a->counts, &a->ncounts) != 0)
                return usage("--threads: '%s' is not a list of counts from 1 to 64", optarg);
            break;
        case 'm':
            if ((c->mem_bytes = host_parse_size(optarg)) < ((uint64_t)4 << 20))
                return usage("--mem: '%s' is not a size of at least 4M", optarg);
            break;
        case 'n':
            if (parse_dec(optarg, &c->per_thread) != 0 || c->per_thread == 0)
                return usage("--ops: '%s' is not a positive whole number", optarg);
            break;
        case 'S':
            if (parse_dec(optarg, &c->seed) != 0)
                return usage("--seed: '%s' is not a whole number", optarg);
            break;
        case 'r':
            if (parse_dec(optarg, &v) != 0 || v > 1000000)
                return usage("--rep: '%s' is not a whole number", optarg);
            c->rep = (uint32_t)v;
            break;
        case 'o': a->out = optarg; break;
        case 'h': fputs(threads_help, stdout); return 0;
        case ':': return usage("%s needs a value", argv[optind - 1]);
        default: return usage("unknown argument '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage("unexpected argument '%s'", argv[optind]);
    return -1;
}

/* Checks the options fit together; no --threads means 1..CPUs (at most
 * 64). Returns -1 to go on, or the exit status. */
static int threads_check(threads_args *a)
{
    threads_cell *c = &a->c;
    const char *sname = a->sname;
    if (sname == NULL || (c->st = host_find(sname)) == NULL)
        return usage(sname ? "unknown strategy '%s' (see: allocbench list)" : "%s-s STRATEGY is required",
                     sname ? sname : "");
    if (c->kind == AB_MT_COUNT)
        return usage("%s-w bulk|repeat|rand is required", "");
    if (c->order == 9 && !(c->st->caps & (AB_CAP_CONTIG | AB_CAP_HUGE2M)))
        return usage("--order 9: '%s' serves single pages only", sname);
    if (a->out == NULL)
        return usage("%s-o DIR is required", "");
    if (a->ncounts == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long t = 1; t <= (n < 1 ? 1 : n > 64 ? 64 : n); t++)
            a->counts[a->ncounts++] = (uint32_t)t;
    }
    for (size_t i = 0; i < a->ncounts; i++)
        if (a->counts[i] > 1 && !(c->st->caps & AB_CAP_THREADSAFE))
            return usage("--threads: '%s' is not thread-safe: use lock+S or pcp+S for T > 1", sname);
    return -1;
}

/* Runs the cell at each thread count into out/threads.csv; 0, or 1 if one
 * failed or could not be written. */
static int threads_run(threads_args *a)
{
    threads_cell *c = &a->c;
    if (host_mkdirs(a->out) != 0) {
        fprintf(stderr, "allocbench threads: cannot create %s\n", a->out);
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < a->ncounts; i++) {
        c->threads = a->counts[i];
        char *rows = NULL, msg[256] = "";
        size_t len = 0;
        int rc = threads_run_cell(c, &rows, &len, msg, sizeof msg);
        fprintf(stderr, "threads: %s %s order %u T=%u: %s%s\n", a->sname, ab_mt_name(c->kind),
                c->order, c->threads, rc == 0 ? "ok" : "FAILED: ", msg);
        failed |= rc != 0;
        if (append_rows(a->out, rows, len) != 0)
            failed = 1;
        free(rows);
    }
    return failed;
}

int threads_main(int argc, char **argv)
{
    threads_args a = {.c = {.mem_bytes = (uint64_t)16 << 30, .seed = 1, .kind = AB_MT_COUNT}};
    int rc = threads_parse(argc, argv, &a);
    if (rc < 0)
        rc = threads_check(&a);
    return rc < 0 ? threads_run(&a) : rc;
}
