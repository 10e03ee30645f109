/*
 * Kernel boots under QEMU, through bench/host/kernel_run.c as the CLI uses
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

#include "../../bench/host/kernel_run.h"

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

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: kernel_test ELF RUNDIR boot S MEM | badcmdline | crash | "
                        "triple | hang | repeat S W | cell PMM W MEM_MIB MODE [VMM]\n");
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
    else {
        fprintf(stderr, "kernel_test: unknown case '%s'\n", c);
        return 2;
    }
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
