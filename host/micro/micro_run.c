/* allocbench host: the matrix's Google Benchmark step. See micro_run.h. */
#define _GNU_SOURCE
#include "micro_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "file.h"
#include "process.h"

#ifndef AB_MICRO_DEFAULT
#define AB_MICRO_DEFAULT "allocbench-micro"
#endif

/* Seconds per benchmark: --quick keeps the step to a few seconds. */
#define MICRO_MIN_TIME_QUICK "0.01"
#define MICRO_MIN_TIME_FULL "0.05"

int micro_run(const char *dir, int quick)
{
    char out[4200], tmp[4300], arg_out[4400], arg_time[64];
    snprintf(out, sizeof out, "%s/gbench.json", dir);
    if (host_file_exists(out)) {
        fprintf(stderr, "[gbench] %s already there: kept\n", out);
        return 0;
    }
    const char *exe = getenv("ALLOCBENCH_MICRO");
    if (exe == NULL || exe[0] == '\0')
        exe = AB_MICRO_DEFAULT;
    if (access(exe, X_OK) != 0) {
        fprintf(stderr, "[gbench] note: %s not found (built only with Google Benchmark, "
                        "Debian libbenchmark-dev, in 64-bit builds): no gbench.json\n", exe);
        return 0;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    snprintf(arg_out, sizeof arg_out, "--benchmark_out=%s", tmp);
    snprintf(arg_time, sizeof arg_time, "--benchmark_min_time=%s",
             quick ? MICRO_MIN_TIME_QUICK : MICRO_MIN_TIME_FULL);
    char *argv[] = {(char *)exe, "--benchmark_format=json", "--benchmark_out_format=json",
                    arg_out, arg_time, NULL};
    fprintf(stderr, "[gbench] %s %s ...\n", exe, arg_time);
    /* The JSON goes to the file; the console copy is not needed. */
    hproc p = {.argv = argv, .out_path = "/dev/null", .keep_stdin = true, .die_with_parent = true};
    double t0 = host_now_s();
    if (hproc_spawn(&p) != 0) {
        fprintf(stderr, "[gbench] cannot run %s\n", exe);
        return 1;
    }
    int code = hproc_wait(&p, 0) == HPROC_EXITED ? hproc_exit_code(&p) : -1;
    if (code != 0 || rename(tmp, out) != 0) {
        fprintf(stderr, "[gbench] %s failed (exit %d): no gbench.json\n", exe, code);
        unlink(tmp);
        return 1;
    }
    fprintf(stderr, "[gbench] done in %.1fs: %s\n", host_now_s() - t0, out);
    return 0;
}
