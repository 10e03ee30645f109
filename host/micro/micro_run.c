/* allocbench host: the matrix's Google Benchmark step. See micro_run.h. */
#define _GNU_SOURCE
#include "micro_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AB_MICRO_DEFAULT
#define AB_MICRO_DEFAULT "allocbench-micro"
#endif

/* Seconds per benchmark: --quick keeps the step to a few seconds. */
#define MICRO_MIN_TIME_QUICK "0.01"
#define MICRO_MIN_TIME_FULL "0.05"

extern char **environ;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int micro_run(const char *dir, int quick)
{
    char out[4200], tmp[4300], arg_out[4400], arg_time[64];
    struct stat sb;
    snprintf(out, sizeof out, "%s/gbench.json", dir);
    if (stat(out, &sb) == 0) {
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
    double t0 = mono_s();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with its parent (a killed matrix), never runs on beside a
           resumed one. The JSON goes to the file; no console copy. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, 1);
        execve(exe, argv, environ);
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "[gbench] cannot run %s: %s\n", exe, strerror(errno));
        return 1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || rename(tmp, out) != 0) {
        fprintf(stderr, "[gbench] %s failed (status %d): no gbench.json\n", exe, status);
        unlink(tmp);
        return 1;
    }
    fprintf(stderr, "[gbench] done in %.1fs: %s\n", mono_s() - t0, out);
    return 0;
}
