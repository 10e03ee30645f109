/* allocbench record, and where this build's preload libraries are (record.h). */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "file.h"
#include "heaprun.h"
#include "process.h"

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

/* Field k (0-based) of a tab-separated line, into out. */
static void tsv_field(const char *line, int k, char *out, size_t len)
{
    for (int f = 0; f < k && line != NULL; f++)
        if ((line = strchr(line, '\t')) != NULL)
            line++;
    size_t n = line != NULL ? strcspn(line, "\t\n") : 0;
    snprintf(out, len, "%.*s", (int)n, line != NULL ? line : "");
}

/* Prints one index row's trace; links it to out if it is pid's. 0, or 1 if
   the command's own trace cannot be linked. */
static int record_note(const char *line, const char *out, long pid, int *own)
{
    char f_pid[32], prog[128], file[4200];
    tsv_field(line, 0, f_pid, sizeof f_pid);
    tsv_field(line, 2, prog, sizeof prog);
    tsv_field(line, 4, file, sizeof file);
    hr_mtrace t;
    char err[512];
    if (hr_mtrace_load(file, &t, err, sizeof err) != 0) {
        fprintf(stderr, "allocbench record: %s\n", err);
        return 0;
    }
    fprintf(stderr, "allocbench record: %s (%s, pid %s): %zu records, %u blocks, peak live "
            "%llu B\n", file, prog, f_pid, t.nrec, t.max_id,
            (unsigned long long)hr_mtrace_peak_live(&t));
    hr_mtrace_free(&t);
    if (strtol(f_pid, NULL, 10) != pid || *own)
        return 0;
    *own = 1;
    unlink(out);
    if (link(file, out) != 0) {
        fprintf(stderr, "allocbench record: %s: cannot link to %s: %s\n", out, file,
                strerror(errno));
        return 1;
    }
    return 0;
}

/* Reads the index after the run. 0, or 1 if no process left a trace. */
static int record_index_read(const char *out, const char *index, long pid, const char *cmd)
{
    char *text = host_read_file(index, NULL);
    int own = 0, bad = 0, n = 0;
    for (char *line = text ? strchr(text, '\n') : NULL; line != NULL && line[1] != '\0';) {
        line++;
        bad |= record_note(line, out, pid, &own);
        n++;
        line = strchr(line, '\n');
    }
    free(text);
    if (n == 0) {
        fprintf(stderr, "allocbench record: no trace written (see %s): did %s run?\n", index,
                cmd);
        return 1;
    }
    if (own)
        fprintf(stderr, "allocbench record: %d trace(s), listed in %s; %s is %s's own\n", n,
                index, out, cmd);
    else
        fprintf(stderr, "allocbench record: %d trace(s), listed in %s; %s (pid %ld) recorded "
                "nothing of its own (or left by _exit): no %s\n", n, index, cmd, pid, out);
    return bad;
}

int record_run(const char *out, char *const *argv)
{
    const char *lib = hr_mtrace_lib();
    if (lib == NULL) {
        fprintf(stderr, "allocbench record: libab_mtrace.so not found (build the ab_mtrace "
                "target, or set ALLOCBENCH_LIBDIR)\n");
        return 1;
    }
    char index[4200], env_mt[8400], env_pre[4200], cwd[4096] = "";
    snprintf(index, sizeof index, "%s.index.tsv", out);
    /* Absolute: the command may change its directory before it records. */
    if (out[0] != '/' && getcwd(cwd, sizeof cwd) == NULL)
        cwd[0] = '\0';
    snprintf(env_mt, sizeof env_mt, "AB_MTRACE=%s%s%s", cwd, cwd[0] ? "/" : "", out);
    snprintf(env_pre, sizeof env_pre, "LD_PRELOAD=%s", lib);
    static const char head[] = "pid\tppid\tprogram\targv0\tfile\n";
    if (host_write_atomic(index, head, sizeof head - 1) != 0) {
        fprintf(stderr, "allocbench record: cannot write %s: %s\n", index, strerror(errno));
        return 1;
    }
    const char *drop[] = {"AB_MTRACE", "LD_PRELOAD", NULL};
    const char *add[] = {env_mt, env_pre, NULL};
    hproc p = {.argv = argv, .env_drop = drop, .env_add = add, .keep_stdin = true};
    if (hproc_spawn(&p) != 0 || hproc_wait(&p, 0) != HPROC_EXITED) {
        fprintf(stderr, "allocbench record: cannot run %s: %s\n", argv[0], strerror(errno));
        return 1;
    }
    int code = hproc_exit_code(&p);
    int bad = record_index_read(out, index, (long)p.pid, argv[0]);
    return bad && code == 0 ? 1 : code;
}
