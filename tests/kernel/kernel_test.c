/*
 * Kernel boots under QEMU, through host/qemu/kernel_run.c as the CLI uses
 * it. One case per ctest test:
 *
 *   kernel_test ELF RUNDIR boot STRATEGY MEM   map, fault and bulk in icount:
 *                                              pass, clean check(), rows
 *   kernel_test ELF RUNDIR badcmdline          error + fail status, recorded
 *   kernel_test ELF RUNDIR crash               page fault -> panic, failed cell
 *   kernel_test ELF RUNDIR triple              triple fault -> failed cell
 *   kernel_test ELF RUNDIR hang                timeout -> failed cell, fast
 *   kernel_test ELF RUNDIR repeat STRATEGY W   two icount runs: identical
 *                                              cycle columns
 *   kernel_test ELF RUNDIR kmalloc HEAP        workload=kmalloc on HEAP over
 *                                              buddy and stack (+ a VMM),
 *                                              64M: pass, clean, rows
 *   kernel_test ELF RUNDIR trace FILE          FILE (a text page trace whose
 *                                              allocations are all freed)
 *                                              replayed in the kernel: pass,
 *                                              every page free at the end
 *   kernel_test ELF RUNDIR mtrace              a malloc trace written here,
 *                                              replayed on every heap
 *   kernel_test ELF RUNDIR truncated FILE      truncated modules (page trace
 *                                              made from FILE, malloc trace),
 *                                              and none at all: fail status
 *                                              with a clear @@AB-ERROR
 *   kernel_test ELF RUNDIR cell PMM W MEM_MIB MODE [VMM]
 *                                              one cell by hand, appended to
 *                                              RUNDIR (not cleared); exit 0
 *                                              iff it passed
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_run.h"
#include "allocbench/mtrace.h"
#include "ptrace_module.h"

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static const char *elf, *run_dir;

static void fresh_dir(const char *dir)
{
    char path[1024];
    static const char *const files[] = {"summary.csv", "frag.csv", "failures.csv"};
    mkdir(dir, 0777);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
}

static ab_kernel_opts opts(const char *pmm, const char *workload, uint64_t mem_mib)
{
    return (ab_kernel_opts){
        .kernel_elf = elf,
        .run_dir = run_dir,
        .pmm = pmm,
        .workload = workload,
        .mem_bytes = mem_mib << 20,
        .mode = AB_KMODE_ICOUNT,
        .seed = 1,
        .timeout_s = 120,
    };
}

static void show(const char *what, const ab_kernel_result *r)
{
    printf("%-28s %-7s exit=%d rows=%u+%u check=%s %.2fs %s\n", what,
           ab_kernel_status_name(r->status), r->qemu_exit, r->summary_rows, r->frag_rows,
           r->check_clean ? "clean" : "-", r->seconds, r->reason);
}

/* Number of lines in path (0 if missing). */
static int file_lines(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int n = 0, c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static int file_exists(const char *path)
{
    struct stat st;
    return path[0] != '\0' && stat(path, &st) == 0;
}

static void case_boot(const char *strategy, const char *mem)
{
    uint64_t mib = strtoull(mem, NULL, 10);
    if (strchr(mem, 'G') != NULL)
        mib <<= 10;
    static const char *const workloads[] = {"map", "fault", "bulk"};
    for (size_t i = 0; i < 3; i++) {
        ab_kernel_opts o = opts(strategy, workloads[i], mib);
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show(workloads[i], &r);
        CHECK(r.status == AB_KRUN_OK, "%s: %s: %s", workloads[i],
              ab_kernel_status_name(r.status), r.reason);
        CHECK(r.check_clean, "%s: check() not clean", workloads[i]);
        CHECK(r.summary_rows > 0, "%s: no summary rows", workloads[i]);
    }
    CHECK(file_lines(run_dir, "summary.csv") > 3, "summary.csv too short");
    CHECK(file_lines(run_dir, "frag.csv") > 3, "frag.csv too short");
    CHECK(file_lines(run_dir, "failures.csv") == 0, "failures recorded");
}

static void case_failed_cell(const char *workload, const char *raw, ab_kstatus want,
                             int want_exit, const char *want_reason, unsigned timeout_s)
{
    ab_kernel_opts o = opts("stack", workload, 32);
    o.raw_cmdline = raw;
    o.timeout_s = timeout_s;
    ab_kernel_result r;
    ab_kernel_run(&o, &r);
    show(workload, &r);
    CHECK(r.status == want, "status %s, want %s", ab_kernel_status_name(r.status),
          ab_kernel_status_name(want));
    if (want_exit != -2)
        CHECK(r.qemu_exit == want_exit, "QEMU exit %d, want %d", r.qemu_exit, want_exit);
    CHECK(strstr(r.reason, want_reason) != NULL, "reason '%s' lacks '%s'", r.reason,
          want_reason);
    CHECK(file_exists(r.log_path), "serial log '%s' not kept", r.log_path);
    CHECK(file_lines(run_dir, "failures.csv") == 2, "failures.csv: want header + 1 line");
    CHECK(file_lines(run_dir, "summary.csv") == 2, "summary.csv: want header + status row");
}

/* The cycle columns (names ending in _cycles) of every row of summary.csv. */
static char *cycle_columns(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char line[8192];
    int is_cycle[128] = {0};
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    int row = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        int col = 0;
        for (char *tok = line, *end;; tok = end + 1, col++) {
            end = strchr(tok, ',');
            size_t n = end ? (size_t)(end - tok) : strlen(tok);
            if (row == 0 && col < 128)
                is_cycle[col] = n > 7 && memcmp(tok + n - 7, "_cycles", 7) == 0;
            else if (col < 128 && is_cycle[col] && len + n + 2 < cap) {
                memcpy(out + len, tok, n);
                len += n;
                out[len++] = ',';
            }
            if (end == NULL)
                break;
        }
        if (len + 2 < cap)
            out[len++] = '\n';
        row++;
    }
    fclose(f);
    return out;
}

static void case_repeat(const char *strategy, const char *workload)
{
    char dirs[2][1024];
    char *cols[2];
    for (int i = 0; i < 2; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/run%d", run_dir, i);
        fresh_dir(dirs[i]);
        ab_kernel_opts o = opts(strategy, workload, 64);
        o.run_dir = dirs[i];
        if (strcmp(workload, "map") != 0 && strcmp(workload, "fault") != 0)
            o.ops = 20000;
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show(workload, &r);
        CHECK(r.status == AB_KRUN_OK, "run %d: %s", i, r.reason);
        cols[i] = cycle_columns(dirs[i]);
    }
    CHECK(cols[0] != NULL && cols[1] != NULL, "summary.csv missing");
    if (cols[0] != NULL && cols[1] != NULL) {
        CHECK(strlen(cols[0]) > 20, "no cycle columns");
        CHECK(strcmp(cols[0], cols[1]) == 0, "cycle columns differ:\n%s\n---\n%s", cols[0],
              cols[1]);
    }
    free(cols[0]);
    free(cols[1]);
}

/* Column index of name in a CSV header line, -1 if absent. */
static int csv_col(const char *header, const char *name)
{
    int col = 0;
    size_t n = strlen(name);
    for (const char *p = header;; col++) {
        size_t k = strcspn(p, ",\n");
        if (k == n && memcmp(p, name, n) == 0)
            return col;
        if (p[k] != ',')
            return -1;
        p += k + 1;
    }
}

/* Field col of line, copied to out. */
static void csv_get(const char *line, int col, char *out, size_t out_len)
{
    const char *p = line;
    for (int c = 0; c < col && p != NULL; c++) {
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    size_t k = p ? strcspn(p, ",\n") : 0;
    if (k >= out_len)
        k = out_len - 1;
    memcpy(out, p ? p : "", k);
    out[k] = '\0';
}

/*
 * Rows of RUNDIR/name whose field `key` is `want` (want NULL: every row);
 * field `col_name` of the last such row goes to last (if non-NULL).
 */
static int csv_rows(const char *dir, const char *name, const char *key, const char *want,
                    const char *col_name, char *last, size_t last_len)
{
    char path[1024], line[8192], header[8192] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int n = 0, kc = -1, vc = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (header[0] == '\0') {
            snprintf(header, sizeof header, "%s", line);
            kc = key ? csv_col(header, key) : -1;
            vc = col_name ? csv_col(header, col_name) : -1;
            continue;
        }
        char v[256];
        if (key != NULL) {
            csv_get(line, kc, v, sizeof v);
            if (kc < 0 || strcmp(v, want) != 0)
                continue;
        }
        n++;
        if (last != NULL && vc >= 0)
            csv_get(line, vc, last, last_len);
    }
    fclose(f);
    return n;
}

static void case_kmalloc(const char *heap)
{
    static const char *const pmms[][2] = {{"buddy", NULL}, {"stack", "bitmap"}};
    for (size_t i = 0; i < 2; i++) {
        ab_kernel_opts o = opts(pmms[i][0], "kmalloc", 64);
        o.vmm = pmms[i][1];
        o.heap = heap;
        o.ops = 20000;
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show("kmalloc", &r);
        CHECK(r.status == AB_KRUN_OK, "%s over %s: %s: %s", heap, pmms[i][0],
              ab_kernel_status_name(r.status), r.reason);
        CHECK(r.check_clean, "%s over %s: check() not clean", heap, pmms[i][0]);
        char label[64];
        if (pmms[i][1] != NULL)
            snprintf(label, sizeof label, "%s@%s+%s", heap, pmms[i][0], pmms[i][1]);
        else
            snprintf(label, sizeof label, "%s@%s", heap, pmms[i][0]);
        CHECK(csv_rows(run_dir, "summary.csv", "strategy", label, NULL, NULL, 0) == 3,
              "want 3 rows (pair, malloc, free) for strategy %s", label);
    }
    char count[64] = "";
    csv_rows(run_dir, "summary.csv", "op", "pair", "count", count, sizeof count);
    CHECK(strcmp(count, "20000") == 0, "pair count %s, want 20000", count);
    CHECK(csv_rows(run_dir, "summary.csv", "op", "malloc", NULL, NULL, 0) == 2, "malloc rows");
    CHECK(csv_rows(run_dir, "summary.csv", "op", "free", NULL, NULL, 0) == 2, "free rows");
    CHECK(csv_rows(run_dir, "summary.csv", "role", "kernel", NULL, NULL, 0) == 6, "role kernel");
    CHECK(file_lines(run_dir, "failures.csv") == 0, "failures recorded");
}

static void case_trace(const char *file)
{
    char spec[1100], err[512];
    ab_kernel_opts o = opts("buddy", NULL, 64);
    snprintf(spec, sizeof spec, "trace:%s", file);
    int rc = ab_kernel_opts_for_trace(&o, spec, err, sizeof err);
    CHECK(rc == 0, "ab_kernel_opts_for_trace: %d %s", rc, err);
    CHECK(o.workload != NULL && strcmp(o.workload, "trace") == 0, "workload not set");
    CHECK(ab_kernel_opts_for_trace(&o, "bulk", err, sizeof err) == 1, "bulk is not a trace");
    CHECK(ab_kernel_opts_for_trace(&o, "trace", err, sizeof err) == -1 &&
              strstr(err, "needs a file") != NULL, "bare trace: '%s'", err);
    ab_kernel_opts bad = opts("buddy", NULL, 64);
    CHECK(ab_kernel_opts_for_trace(&bad, "trace:/nonexistent.trace", err, sizeof err) == -1 &&
              strstr(err, "nonexistent") != NULL, "missing file: %s", err);
    ab_kernel_opts small = opts("buddy", NULL, 1);
    CHECK(ab_kernel_opts_for_trace(&small, spec, err, sizeof err) == -1 &&
              strstr(err, "at its peak") != NULL, "1 MiB guest: %s", err);
    if (rc != 0)
        return;
    const char *strategies[] = {"buddy", "stack", "bitmap"};
    for (size_t i = 0; i < 3; i++) {
        o.pmm = strategies[i];
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show("trace", &r);
        CHECK(r.status == AB_KRUN_OK, "%s: %s: %s", o.pmm, ab_kernel_status_name(r.status),
              r.reason);
        CHECK(r.check_clean, "%s: check() not clean", o.pmm);
    }
    /* Every allocation of the trace was freed by the trace: the last frag
     * sample (after the last line) has every page free. */
    char free_pages[64] = "", total[64] = "";
    csv_rows(run_dir, "frag.csv", NULL, NULL, "free_pages", free_pages, sizeof free_pages);
    csv_rows(run_dir, "summary.csv", NULL, NULL, "total_pages", total, sizeof total);
    CHECK(free_pages[0] != '\0' && strcmp(free_pages, total) == 0,
          "last sample: %s free pages of %s", free_pages, total);
    char count[64] = "";
    csv_rows(run_dir, "summary.csv", "op", "alloc", "count", count, sizeof count);
    CHECK(strcmp(count, "10") == 0, "alloc count '%s', want 10 (the trace's a lines)", count);
    CHECK(csv_rows(run_dir, "summary.csv", "workload", "trace", NULL, NULL, 0) == 6,
          "want alloc and free rows for 3 strategies");
    CHECK(file_lines(run_dir, "failures.csv") == 0, "failures recorded");
}

/* A small malloc trace: every op, a failed call, a foreign free, free(NULL),
 * realloc to 0 and from NULL, blocks of 1 B .. 64 KiB. */
static int write_mtrace(const char *path, unsigned extra_bytes_cut)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    unsigned char b[AB_MT_HEADER_BYTES];
    ab_mt_header_encode(b, 4242, 64);
    fwrite(b, sizeof b, 1, f);
    uint32_t id = 0;
    uint32_t live[64];
    unsigned nlive = 0;
    unsigned char rb[AB_MT_RECORD_BYTES];
#define REC(...)                                                                          \
    do {                                                                                  \
        ab_mt_record r_ = {__VA_ARGS__};                                                  \
        ab_mt_record_encode(rb, &r_);                                                     \
        fwrite(rb, sizeof rb, 1, f);                                                      \
    } while (0)
    uint64_t x = 12345;
    for (unsigned i = 0; i < 3000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned pick = (unsigned)(x >> 33) % 10;
        uint64_t size = 1 + (x >> 40) % (i % 50 == 0 ? 65536 : 600);
        if (nlive > 0 && (pick < 4 || nlive == 64)) {
            unsigned k = (unsigned)(x >> 20) % nlive;
            if (pick == 0) {
                REC(.op = AB_MT_REALLOC, .id = ++id, .arg = live[k], .size = size);
                live[k] = id;
            } else {
                REC(.op = AB_MT_FREE, .id = live[k]);
                live[k] = live[--nlive];
            }
        } else {
            uint8_t op = pick == 4 ? AB_MT_CALLOC : pick == 5 ? AB_MT_MEMALIGN : AB_MT_MALLOC;
            REC(.op = op, .id = ++id, .arg = op == AB_MT_MEMALIGN ? 4 + (unsigned)(x >> 50) % 9 : 0,
                .size = size);
            live[nlive++] = id;
        }
    }
    REC(.op = AB_MT_FREE, .id = 0);                                   /* free(NULL) */
    REC(.op = AB_MT_FREE, .id = 999999);                              /* foreign */
    REC(.op = AB_MT_MALLOC, .flags = AB_MT_FLAG_FAILED, .size = 1ull << 40); /* failed */
    REC(.op = AB_MT_REALLOC, .id = ++id, .arg = 0, .size = 100);      /* realloc(NULL) */
    REC(.op = AB_MT_REALLOC, .id = 0, .arg = id, .size = 0);          /* realloc(p, 0) */
    /* a few left live: the replay frees them untimed */
#undef REC
    long end = ftell(f);
    fclose(f);
    if (extra_bytes_cut != 0 && truncate(path, end - (long)extra_bytes_cut) != 0)
        return -1;
    return 0;
}

static void case_mtrace(void)
{
    char path[1100], spec[1200], err[512];
    snprintf(path, sizeof path, "%s/small.abt", run_dir);
    CHECK(write_mtrace(path, 0) == 0, "cannot write %s", path);
    static const char *const heaps[] = {"slab", "firstfit"};
    for (size_t i = 0; i < 2; i++) {
        ab_kernel_opts o = opts("buddy", NULL, 64);
        o.heap = heaps[i];
        snprintf(spec, sizeof spec, "mtrace:%s", path);
        int rc = ab_kernel_opts_for_trace(&o, spec, err, sizeof err);
        CHECK(rc == 0, "ab_kernel_opts_for_trace: %s", err);
        if (rc != 0)
            return;
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show("mtrace", &r);
        CHECK(r.status == AB_KRUN_OK, "%s: %s: %s", heaps[i], ab_kernel_status_name(r.status),
              r.reason);
        CHECK(r.check_clean, "%s: check() not clean", heaps[i]);
        char label[64];
        snprintf(label, sizeof label, "%s@buddy", heaps[i]);
        CHECK(csv_rows(run_dir, "summary.csv", "strategy", label, NULL, NULL, 0) == 5,
              "%s: want malloc, calloc, memalign, realloc, free rows", label);
    }
    char skipped[64] = "";
    csv_rows(run_dir, "summary.csv", "op", "free", "skipped", skipped, sizeof skipped);
    CHECK(strcmp(skipped, "1") == 0, "free skipped '%s', want 1 (the foreign id)", skipped);
    csv_rows(run_dir, "summary.csv", "op", "malloc", "skipped", skipped, sizeof skipped);
    CHECK(strcmp(skipped, "1") == 0, "malloc skipped '%s', want 1 (the failed call)", skipped);
    CHECK(file_lines(run_dir, "failures.csv") == 0, "failures recorded");
}

/* One cell that must fail with the fail status and `want` in the reason. */
static void expect_module_fail(const char *workload, const char *module, const char *want,
                               int nth)
{
    ab_kernel_opts o = opts("buddy", workload, 64);
    o.module_path = module;
    ab_kernel_result r;
    ab_kernel_run(&o, &r);
    show(workload, &r);
    CHECK(r.status == AB_KRUN_FAIL, "%s: status %s, want fail", module ? module : "(none)",
          ab_kernel_status_name(r.status));
    CHECK(r.qemu_exit == 35, "QEMU exit %d, want 35", r.qemu_exit);
    CHECK(strstr(r.reason, want) != NULL, "reason '%s' lacks '%s'", r.reason, want);
    CHECK(strstr(r.reason, "module") != NULL, "reason '%s' does not name the module", r.reason);
    CHECK(file_exists(r.log_path), "serial log '%s' not kept", r.log_path);
    CHECK(file_lines(run_dir, "failures.csv") == 1 + nth, "failures.csv: want %d lines", 1 + nth);
}

static void case_truncated(const char *file)
{
    char path[1100], err[512];
    /* A page trace module, cut inside its last record. */
    snprintf(path, sizeof path, "%s/cut.abpt", run_dir);
    CHECK(ab_kernel_write_ptrace(file, path, err, sizeof err) == 0, "convert: %s", err);
    struct stat st;
    if (stat(path, &st) == 0)
        CHECK(truncate(path, st.st_size - 7) == 0, "truncate");
    expect_module_fail("trace", path, "truncated", 1);
    /* Only part of the header. */
    CHECK(truncate(path, 20) == 0, "truncate");
    expect_module_fail("trace", path, "truncated", 2);
    /* A malloc trace cut inside a record. */
    snprintf(path, sizeof path, "%s/cut.abt", run_dir);
    CHECK(write_mtrace(path, 5) == 0, "write %s", path);
    expect_module_fail("mtrace", path, "truncated", 3);
    /* No module at all. */
    expect_module_fail("trace", NULL, "needs a page trace", 4);
    expect_module_fail("mtrace", NULL, "needs a malloc trace", 5);
    /* The host refuses a truncated malloc trace before QEMU. */
    ab_kernel_opts o = opts("buddy", NULL, 64);
    char spec[1200];
    snprintf(spec, sizeof spec, "mtrace:%s", path);
    CHECK(ab_kernel_opts_for_trace(&o, spec, err, sizeof err) == -1 &&
              strstr(err, "truncated") != NULL, "host check: '%s'", err);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: kernel_test ELF RUNDIR boot S MEM | badcmdline | crash | "
                        "triple | hang | repeat S W | kmalloc HEAP | trace FILE | mtrace | "
                        "truncated FILE | cell PMM W MEM_MIB MODE [VMM]\n");
        return 2;
    }
    elf = argv[1];
    run_dir = argv[2];
    const char *c = argv[3];
    if (strcmp(c, "cell") == 0 && (argc == 8 || argc == 9)) {
        mkdir(run_dir, 0777);
        ab_kernel_opts o = opts(argv[4], argv[5], strtoull(argv[6], NULL, 10));
        o.vmm = argc == 9 ? argv[8] : NULL;
        o.timeout_s = 300;
        if (!ab_kernel_mode_parse(argv[7], &o.mode)) {
            fprintf(stderr, "kernel_test: mode '%s': expected icount, tcg or kvm\n", argv[7]);
            return 2;
        }
        ab_kernel_result r;
        ab_kernel_run(&o, &r);
        show(argv[5], &r);
        return r.status == AB_KRUN_OK ? 0 : 1;
    }
    fresh_dir(run_dir);
    if (strcmp(c, "boot") == 0 && argc == 6)
        case_boot(argv[4], argv[5]);
    else if (strcmp(c, "badcmdline") == 0)
        case_failed_cell("map", "pmm=stack workload=map bogus=1", AB_KRUN_FAIL, 35, "bogus", 60);
    else if (strcmp(c, "crash") == 0)
        case_failed_cell("crash", NULL, AB_KRUN_PANIC, 37, "page fault", 60);
    else if (strcmp(c, "triple") == 0)
        case_failed_cell("triple", NULL, AB_KRUN_RESET, 0, "triple fault", 60);
    else if (strcmp(c, "hang") == 0)
        case_failed_cell("hang", NULL, AB_KRUN_TIMEOUT, -1, "hang", 3);
    else if (strcmp(c, "repeat") == 0 && argc == 6)
        case_repeat(argv[4], argv[5]);
    else if (strcmp(c, "kmalloc") == 0 && argc == 5)
        case_kmalloc(argv[4]);
    else if (strcmp(c, "trace") == 0 && argc == 5)
        case_trace(argv[4]);
    else if (strcmp(c, "mtrace") == 0)
        case_mtrace();
    else if (strcmp(c, "truncated") == 0 && argc == 5)
        case_truncated(argv[4]);
    else {
        fprintf(stderr, "kernel_test: unknown case '%s'\n", c);
        return 2;
    }
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
