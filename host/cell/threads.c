/*
 * Threaded cells: T pinned threads on one shared instance, held at a
 * barrier before every phase; each thread times its own phase with
 * CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID. See threads.h.
 *
 * Together (ab_mt_together): every thread was on a CPU for at least 90 %
 * of its own phase, and the last one started within 10 % of the phase's
 * wall time after the first. (Requiring the phases to overlap for 90 %
 * called every cell whose threads ran at 12 and 14 ns per op "not
 * together" and redid it five times.) A cell
 * whose threads did not is redone, up to 5 times; `redone` counts them and
 * `together` says how the kept run went. With more threads than CPUs they
 * cannot run together: the rows say so.
 */
#define _GNU_SOURCE
#include "threads.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allocbench/cpu.h"
#include "baselines.h"
#include "host.h"

void ab_cpu_bind(uint32_t slot); /* strategies/cpu_host.c */

#define TH_MAX_THREADS AB_MAX_CPUS
#define TH_REDO_LIMIT 5

typedef struct th_thread th_thread;

typedef struct th_run {
    const threads_cell *c;
    ab_mt_params p;
    void *meta;
    uint64_t *slots;
    pthread_barrier_t bar;
    th_thread *th;
    long ncpu;
} th_run;

struct th_thread {
    pthread_t tid;
    uint32_t t;
    th_run *run;
    ab_mt_result res[2];
    uint64_t start_ns[2], end_ns[2], cpu_ns[2];
    uint64_t faults[2]; /* page faults the thread took in the phase */
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Page faults (minor and major) the calling thread has taken so far. */
static uint64_t thread_faults(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

static void *thread_main(void *arg)
{
    th_thread *me = arg;
    th_run *run = me->run;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(me->t % (uint32_t)run->ncpu), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    ab_cpu_bind(me->t);
    for (unsigned ph = 0; ph < ab_mt_phases(run->p.kind); ph++) {
        pthread_barrier_wait(&run->bar);
        uint64_t f0 = thread_faults();
        uint64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        me->start_ns[ph] = clock_ns(CLOCK_MONOTONIC);
        ab_mt_run_phase(run->c->st, run->meta, &run->p, me->t, ph, run->slots, &me->res[ph]);
        me->end_ns[ph] = clock_ns(CLOCK_MONOTONIC);
        me->cpu_ns[ph] = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
        me->faults[ph] = thread_faults() - f0;
    }
    return NULL;
}

uint64_t threads_default_per_thread(const threads_cell *c)
{
    if (c->kind == AB_MT_REPEAT)
        return c->order == 0 ? 2000000u : 20000u;
    /* Half of memory over all threads: the total work stays the same at
       every thread count (strong scaling). */
    uint64_t frames = (c->mem_bytes >> AB_PAGE_SHIFT) >> c->order;
    return frames / 2u / (c->threads ? c->threads : 1u);
}

/* Did a thread stop at the deadline in the last attempt? */
static int th_timed_out(const th_run *run)
{
    for (uint32_t t = 0; t < run->c->threads; t++)
        for (unsigned ph = 0; ph < ab_mt_phases(run->c->kind); ph++)
            if (run->th[t].res[ph].timed_out)
                return 1;
    return 0;
}

/* One attempt: a fresh instance, the threads, the check. 0 or -1 + msg. */
static int run_once(th_run *run, char *msg, size_t msg_len)
{
    const threads_cell *c = run->c;
    ab_span span = {1u << 20, c->mem_bytes >> AB_PAGE_SHIFT}; /* at 4 GiB */
    size_t len = c->st->meta_bytes(&span, 1);
    if (len == 0) {
        snprintf(msg, msg_len, "%s cannot manage %llu pages", c->st->name,
                 (unsigned long long)span.npages);
        return -1;
    }
    run->meta = aligned_alloc(AB_META_ALIGN, (len + AB_META_ALIGN - 1) & ~(size_t)(AB_META_ALIGN - 1));
    if (run->meta == NULL || c->st->init(run->meta, len, &span, 1) != AB_OK) {
        snprintf(msg, msg_len, "cannot build a %s instance", c->st->name);
        return -1;
    }
    pthread_barrier_init(&run->bar, NULL, c->threads);
    for (uint32_t t = 0; t < c->threads; t++) {
        run->th[t] = (th_thread){.t = t, .run = run};
        if (pthread_create(&run->th[t].tid, NULL, thread_main, &run->th[t]) != 0) {
            snprintf(msg, msg_len, "pthread_create: %s", strerror(errno));
            abort(); /* the barrier waits for threads that do not exist */
        }
    }
    for (uint32_t t = 0; t < c->threads; t++)
        pthread_join(run->th[t].tid, NULL);
    pthread_barrier_destroy(&run->bar);
    int rc = 0;
    for (uint32_t t = 0; t < c->threads && rc == 0; t++)
        for (unsigned ph = 0; ph < ab_mt_phases(c->kind); ph++)
            if (run->th[t].res[ph].error) {
                snprintf(msg, msg_len, "thread %u: %s", t, run->th[t].res[ph].msg);
                rc = -1;
                break;
            }
    ab_stats st;
    memset(&st, 0, sizeof st);
    c->st->stats(run->meta, &st);
    size_t broken = c->st->check(run->meta);
    /* After a timeout frames stay allocated; the invariants must hold. */
    int all_back = st.free_pages == span.npages || th_timed_out(run);
    if (rc == 0 && (!all_back || broken != 0)) {
        snprintf(msg, msg_len, "after the run: %llu of %llu pages free, check() = %zu",
                 (unsigned long long)st.free_pages, (unsigned long long)span.npages, broken);
        rc = -1;
    }
    free(run->meta);
    run->meta = NULL;
    return rc;
}

/* Did phase ph's threads run together (ab_mt_together)? */
static int phase_together(const th_run *run, unsigned ph)
{
    uint64_t start[TH_MAX_THREADS], end[TH_MAX_THREADS], cpu[TH_MAX_THREADS];
    uint32_t n = run->c->threads < TH_MAX_THREADS ? run->c->threads : TH_MAX_THREADS, pm;
    for (uint32_t t = 0; t < n; t++) {
        start[t] = run->th[t].start_ns[ph];
        end[t] = run->th[t].end_ns[ph];
        cpu[t] = run->th[t].cpu_ns[ph];
    }
    return ab_mt_together(n, start, end, cpu, &pm);
}

static void csv_append(char **csv, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void csv_append(char **csv, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = NULL;
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0 || (*csv = realloc(*csv, *len + (size_t)n + 1)) == NULL) {
        fprintf(stderr, "allocbench: out of memory\n");
        exit(1);
    }
    memcpy(*csv + *len, line, (size_t)n + 1);
    *len += (size_t)n;
    free(line);
}

/* The rows of one phase: one per thread. */
static void phase_rows(const th_run *run, unsigned ph, unsigned redone, const char *status,
                       char **csv, size_t *len)
{
    const threads_cell *c = run->c;
    uint64_t first = UINT64_MAX, last = 0, total = 0, lo = UINT64_MAX, hi = 0;
    for (uint32_t t = 0; t < c->threads; t++) {
        const th_thread *h = &run->th[t];
        first = h->start_ns[ph] < first ? h->start_ns[ph] : first;
        last = h->end_ns[ph] > last ? h->end_ns[ph] : last;
        total += h->res[ph].ops;
        lo = h->res[ph].ops < lo ? h->res[ph].ops : lo;
        hi = h->res[ph].ops > hi ? h->res[ph].ops : hi;
    }
    int together = phase_together(run, ph);
    uint64_t wall = last > first ? last - first : 0;
    double tput = wall ? (double)total * 1e9 / (double)wall : 0.0;
    double fair = lo ? (double)hi / (double)lo : 0.0;
    for (uint32_t t = 0; t < c->threads; t++) {
        const th_thread *h = &run->th[t];
        uint64_t tw = h->end_ns[ph] - h->start_ns[ph];
        double nsop = h->res[ph].ops ? (double)tw / (double)h->res[ph].ops : 0.0;
        csv_append(csv, len,
                   "host,%s,%s,%llu,%u,%u,%llu,%u,%u,%s,%llu,%llu,%.2f,%llu,%llu,%.0f,%.3f,%.3f,%u,%d,%s,"
                   "%llu\n",
                   c->st->name, ab_mt_name(c->kind), (unsigned long long)c->mem_bytes, c->order,
                   c->threads, (unsigned long long)c->seed, c->rep, t, ab_mt_op_name(c->kind, ph),
                   (unsigned long long)h->res[ph].ops, (unsigned long long)h->res[ph].failures,
                   nsop, (unsigned long long)h->cpu_ns[ph], (unsigned long long)wall, tput, fair,
                   tw ? (double)h->cpu_ns[ph] / (double)tw : 1.0, redone, together, status,
                   (unsigned long long)h->faults[ph]);
    }
}

int threads_run_cell(const threads_cell *c, char **csv, size_t *csv_len, char *msg,
                     size_t msg_len)
{
    th_run run = {.c = c};
    run.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (run.ncpu < 1)
        run.ncpu = 1;
    run.p = (ab_mt_params){c->kind, c->order, c->threads,
                           c->per_thread ? c->per_thread : threads_default_per_thread(c), c->seed,
                           0};
    if (c->budget_s > 0) /* the TSC is invariant and shared by the CPUs */
        run.p.deadline = ab_tsc_read() + (uint64_t)(c->budget_s * (double)host_timer()->tsc_hz);
    size_t slots = ab_mt_slots_bytes(&run.p);
    run.slots = slots ? malloc(slots) : NULL;
    run.th = calloc(c->threads, sizeof *run.th);
    if ((slots && run.slots == NULL) || run.th == NULL) {
        snprintf(msg, msg_len, "out of memory for %llu slots", (unsigned long long)slots / 8u);
        free(run.slots);
        free(run.th);
        return -1;
    }
    /* Fault the slots in before anything is timed: untouched, the first
       alloc phase paid a page fault every 512 slots (16 MiB at 16 GiB),
       serially with one thread and split among T, which inflated the
       scaling figures, and only the first try: a redone run ran faster.
       Not with zeros: GCC turns malloc + memset(0) into calloc, which
       leaves fresh mmap'd pages untouched (the faults column shows it). */
    if (slots != 0)
        memset(run.slots, 0xff, slots);
    int rc;
    unsigned redone = 0;
    for (;;) {
        rc = run_once(&run, msg, msg_len);
        int together = 1;
        for (unsigned ph = 0; rc == 0 && ph < ab_mt_phases(c->kind); ph++)
            together &= phase_together(&run, ph);
        if (rc != 0 || together || redone == TH_REDO_LIMIT || (long)c->threads > run.ncpu ||
            th_timed_out(&run))
            break;
        redone++;
    }
    int late = rc == 0 && th_timed_out(&run);
    const char *status = rc != 0 ? "error" : late ? "timeout" : "ok";
    if (late)
        fprintf(stderr, "  timeout: %s %s, %u threads: time budget of %g s exhausted\n",
                c->st->name, ab_mt_name(c->kind), c->threads, c->budget_s);
    for (unsigned ph = 0; ph < ab_mt_phases(c->kind); ph++)
        phase_rows(&run, ph, redone, status, csv, csv_len);
    free(run.slots);
    free(run.th);
    return rc;
}

void threads_status_rows(const threads_cell *c, const char *status, char **csv,
                         size_t *csv_len)
{
    th_run run = {.c = c, .th = calloc(c->threads ? c->threads : 1u, sizeof(th_thread))};
    if (run.th == NULL) {
        fprintf(stderr, "allocbench: out of memory\n");
        exit(1);
    }
    for (unsigned ph = 0; ph < ab_mt_phases(c->kind); ph++)
        phase_rows(&run, ph, 0, status, csv, csv_len);
    free(run.th);
}
