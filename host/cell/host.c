/* allocbench host side: platform, files, sizes, one cell. See host.h. */
#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "layout.h"
#include "baselines.h"
#include "null_strategy.h"

static uint64_t mono_ns(void *ctx)
{
    (void)ctx;
    return host_now_ns();
}

ab_platform host_platform(void)
{
    ab_platform p = {mono_ns, NULL};
    return p;
}

const ab_timer *host_timer(void)
{
    static ab_timer t;
    static int done;
    if (!done) {
        ab_platform p = host_platform();
        ab_timer_calibrate(&t, &p, 100000000ull);
        done = 1;
    }
    return &t;
}

int host_default_run_dir(char *out, size_t out_len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[64];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm); /* UTC; as make bench */
    snprintf(out, out_len, "results/%s", stamp);
    if (host_mkdirs(out) != 0)
        return -1;
    /* results/latest -> stamp, replaced atomically. */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "results/.latest.%ld", (long)getpid());
    unlink(tmp);
    if (symlink(stamp, tmp) == 0 && rename(tmp, "results/latest") != 0)
        unlink(tmp);
    return 0;
}

static void json_str(hbuf *b, const char *s)
{
    hbuf_write(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            hbuf_write(b, "\\", 1);
        if ((unsigned char)*s >= 0x20)
            hbuf_write(b, s, 1);
    }
    hbuf_write(b, "\"", 1);
}

static void cmd_line(const char *cmd, char *out, size_t len)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)len, p) == NULL)
        out[0] = '\0';
    pclose(p);
    out[strcspn(out, "\n")] = '\0';
}

#ifndef AB_BUILD_FLAGS
#define AB_BUILD_FLAGS "unknown"
#endif

int host_write_meta(const char *dir, const char *extra_json)
{
    char cpu[256] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    snprintf(cpu, sizeof cpu, "%s", c + 2);
                    cpu[strcspn(cpu, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    char commit[128], dirty[16];
    cmd_line("git rev-parse HEAD 2>/dev/null", commit, sizeof commit);
    cmd_line("git status --porcelain 2>/dev/null | head -1 | wc -l", dirty, sizeof dirty);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const ab_timer *t = host_timer();
    char num[64];
    hbuf b = {0};
#define KV_S(k, v) do { hbuf_write(&b, "  \"" k "\": ", strlen(k) + 5); json_str(&b, v); hbuf_write(&b, ",\n", 2); } while (0)
#define KV_N(k, v) do { snprintf(num, sizeof num, "%llu", (unsigned long long)(v)); hbuf_write(&b, "  \"" k "\": ", strlen(k) + 5); hbuf_write(&b, num, strlen(num)); hbuf_write(&b, ",\n", 2); } while (0)
    hbuf_write(&b, "{\n", 2);
    KV_S("env", "host");
    KV_S("cpu_model", cpu);
    KV_N("cores", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
    KV_S("compiler", __VERSION__);
    KV_S("flags", AB_BUILD_FLAGS);
    KV_S("git_commit", commit[0] ? commit : "none");
    KV_S("git_dirty", strcmp(dirty, "1") == 0 ? "yes" : "no");
    KV_N("tsc_hz", t->tsc_hz);
    KV_N("timer_overhead_cycles", t->overhead_cycles);
    KV_N("timer_quantum_cycles", t->quantum_cycles);
    snprintf(num, sizeof num, "%.1f", t->tsc_hz ? t->overhead_cycles * 1e9 / t->tsc_hz : 0.0);
    hbuf_write(&b, "  \"timer_overhead_ns\": ", 23);
    hbuf_write(&b, num, strlen(num));
    hbuf_write(&b, ",\n", 2);
    if (extra_json && *extra_json)
        hbuf_write(&b, extra_json, strlen(extra_json));
    hbuf_write(&b, "  \"date\": ", 10);
    json_str(&b, date);
    hbuf_write(&b, "\n}\n", 3);
#undef KV_S
#undef KV_N
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    int rc = host_write_atomic(path, b.p, b.len);
    hbuf_free(&b);
    return rc;
}

uint32_t host_cell_fill(const host_cell *c)
{
    return ab_workload_effective_fill(c->kind, c->fill_pm);
}

/* The batch probe (core/workload.h): wall and thread CPU clocks, and the
   thread's involuntary context switches from getrusage(RUSAGE_THREAD). */
static void probe_read(void *ctx, ab_probe_sample *out)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    out->wall_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        out->nivcsw = (uint64_t)ru.ru_nivcsw;
        out->cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
                      ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
    } else {
        out->nivcsw = 0;
        out->cpu_ns = out->wall_ns;
    }
    /* CLOCK_THREAD_CPUTIME_ID has ns resolution where rusage has us. */
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        out->cpu_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const ab_batch_probe host_probe = {probe_read, NULL};

typedef struct frag_sink {
    ab_out out;
    const ab_cell *cell;
} frag_sink;

static void on_frag(void *ctx, uint64_t step, const ab_frag *f, uint64_t tried, uint64_t ok)
{
    frag_sink *s = ctx;
    ab_csv_frag_row(&s->out, s->cell, step, f, tried, ok);
}

ab_wl_outcome host_run_cell(const host_cell *c, hbuf *summary, hbuf *frag, char *msg,
                            size_t msg_len)
{
    const ab_timer *t = host_timer();
    ab_span spans[4];
    size_t nspans = c->role_vmm ? ab_layout_vmm(c->mem_bytes, spans)
                                : ab_layout_pmm(c->mem_bytes, spans);
    char memname[32];
    host_format_size(c->mem_bytes, memname, sizeof memname);
    ab_cell cell = {"host", c->st->name, c->role_vmm ? "vmm" : "pmm",
                    ab_workload_name(c->kind), c->mem_bytes, host_cell_fill(c), c->seed,
                    c->threads, c->rep};
    ab_wl_result *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(msg, msg_len, "out of memory");
        return AB_WL_ERROR;
    }
    size_t meta_len = c->st->meta_bytes(spans, nspans);
    void *meta = NULL;
    const char *skip = host_baseline_skip(c->st, c->mem_bytes >> AB_PAGE_SHIFT);
    if (skip != NULL) {
        r->outcome = AB_WL_SKIPPED;
        snprintf(r->msg, sizeof r->msg, "%s", skip);
    } else if (meta_len == 0 ||
        (meta = aligned_alloc(AB_META_ALIGN, (meta_len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1))) == NULL) {
        r->outcome = meta_len == 0 ? AB_WL_SKIPPED : AB_WL_ERROR;
        snprintf(r->msg, sizeof r->msg, "%s", meta_len == 0 ? "meta_bytes() = 0: layout not supported"
                                                            : "cannot allocate metadata");
    } else if (c->st->init(meta, meta_len, spans, nspans) != AB_OK) {
        r->outcome = AB_WL_ERROR;
        snprintf(r->msg, sizeof r->msg, "init failed");
    } else {
        uint64_t total = 0;
        for (size_t i = 0; i < nspans; i++)
            total += spans[i].npages;
        frag_sink sink = {{hbuf_write, frag}, &cell};
        ab_wl_params p = {0};
        p.kind = c->kind;
        p.seed = c->seed;
        p.fill_pm = c->fill_pm;
        p.ops = c->ops;
        uint64_t ops = c->ops ? c->ops : 1000000u;
        uint64_t steps = c->kind == AB_WL_REPEAT ? 2 * ops
                       : (c->kind == AB_WL_CHURN || c->kind == AB_WL_SIZES || c->kind == AB_WL_HUGE) ? ops
                       : c->kind == AB_WL_TRACE ? c->trace_len : 2 * total;
        p.frag_every = steps / 32 > 256 ? steps / 32 : 256;
        /* Baselines and null have no free runs to walk: no frag.csv rows. */
        p.frag_fn = c->st->caps & AB_CAP_HOSTONLY || c->st == &ab_null_strategy ? NULL : on_frag;
        p.probe = &host_probe;
        p.frag_ctx = &sink;
        p.timer = t;
        p.budget_cycles = (uint64_t)(c->budget_s * (double)t->tsc_hz);
        p.trace = c->trace;
        p.trace_len = c->trace_len;
        p.trace_ids = c->trace_ids;
        size_t sl = ab_workload_scratch_bytes(&p, total);
        uint64_t *scratch = malloc(sl ? sl : 8);
        if (scratch == NULL) {
            r->outcome = AB_WL_ERROR;
            snprintf(r->msg, sizeof r->msg, "cannot allocate %zu bytes of scratch", sl);
        } else {
            memset(scratch, 0, sl); /* fault in before timing (sizes differ: no calloc) */
            ab_workload_run(c->st, meta, &p, scratch, sl, r);
            free(scratch);
        }
    }
    if (r->meta_bytes == 0)
        r->meta_bytes = meta_len;
    ab_out so = {hbuf_write, summary};
    ab_csv_summary_rows(&so, &cell, r, t);
    if (c->hist != NULL) {
        ab_out ho = {hbuf_write, c->hist};
        ab_csv_hist_rows(&ho, &cell, r);
    }
    snprintf(msg, msg_len, "%s", r->msg);
    ab_wl_outcome oc = r->outcome;
    free(meta);
    free(r);
    return oc;
}
