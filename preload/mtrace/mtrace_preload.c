/*
 * libab_mtrace.so: records a program's malloc calls as an .abt trace
 * (format: mtrace.h and docs/heaps.md).
 *
 *   AB_MTRACE=/tmp/py LD_PRELOAD=build/default/preload/mtrace/libab_mtrace.so python3 ...
 *
 * writes /tmp/py.<program>.<pid>.abt for the process and one file per child
 * process (a second file of the same pid, after an exec, gets
 * .<program>.<pid>.<n>.abt; <program> is /proc/self/comm), and a line per file
 * in /tmp/py.index.tsv: pid, ppid, program, argv[0], file.
 * Without AB_MTRACE the library only passes calls through.
 *
 * The allocator underneath is glibc's, reached through its exported
 * __libc_malloc family: no dlsym, so no dlsym/calloc recursion. Nothing here
 * calls malloc: the address -> id table is an open-addressing hash table
 * (linear probing, backward-shift deletion, load <= 1/2) in mmap'ed memory,
 * and records go through a static 64 KiB buffer to write(2).
 *
 * One spinlock is held across the real call and its record, so that the
 * order of records is an order in which the calls really happened (a freed
 * address reused by another thread is recorded after its free).
 * A fork handler flushes the buffer before fork; the child starts its own
 * file with an empty buffer and keeps the id table (ids stay unique across a
 * process tree; a child's free of a block its parent allocated names an id
 * its own file never allocated, and replays skip it).
 * Records still buffered when the process ends by _exit() or exec are lost;
 * after the library's destructor, each record is written at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../spinlock.h"

#include "allocbench/mtrace.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc's own entry points. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

typedef struct slot {
    uintptr_t addr; /* 0: empty */
    uint32_t id;
} slot;

static struct {
    volatile int lock;
    int state; /* 0 not yet, 1 recording, -1 passing through */
    int final; /* after the destructor: write each record at once */
    int fd;
    char prefix[256];
    uint32_t next_id;
    uint32_t nthreads;
    slot *table;
    size_t cap; /* slots, a power of two */
    size_t used;
    size_t buf_len;
    unsigned char buf[65536];
} g;

static __thread int t_thread __attribute__((tls_model("initial-exec"))) = -1;

static void lock_take(void) { ab_spin_take(&g.lock); }
static void lock_give(void) { ab_spin_give(&g.lock); }

/* ---- address -> id ---- */

static size_t slot_of(uintptr_t a, size_t cap)
{
    uint64_t h = ((uint64_t)a >> 4) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

static slot *table_new(size_t cap)
{
    void *p = mmap(NULL, cap * sizeof(slot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : (slot *)p;
}

static void table_put(uintptr_t a, uint32_t id)
{
    if (2 * (g.used + 1) > g.cap) {
        slot *t = table_new(2 * g.cap);
        if (t == NULL) {
            g.state = -1; /* out of memory: stop recording */
            return;
        }
        for (size_t i = 0; i < g.cap; i++) {
            if (g.table[i].addr == 0)
                continue;
            size_t j = slot_of(g.table[i].addr, 2 * g.cap);
            while (t[j].addr != 0)
                j = (j + 1) & (2 * g.cap - 1);
            t[j] = g.table[i];
        }
        munmap(g.table, g.cap * sizeof(slot));
        g.table = t;
        g.cap *= 2;
    }
    size_t i = slot_of(a, g.cap);
    while (g.table[i].addr != 0 && g.table[i].addr != a)
        i = (i + 1) & (g.cap - 1);
    if (g.table[i].addr == 0)
        g.used++;
    g.table[i].addr = a;
    g.table[i].id = id;
}

/* Removes a and returns its id, or 0 if a was never recorded. */
static uint32_t table_take(uintptr_t a)
{
    size_t m = g.cap - 1, i = slot_of(a, g.cap);
    while (g.table[i].addr != a) {
        if (g.table[i].addr == 0)
            return 0;
        i = (i + 1) & m;
    }
    uint32_t id = g.table[i].id;
    /* Backward shift: move later entries of the cluster into the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & m; g.table[j].addr != 0; j = (j + 1) & m) {
        size_t home = slot_of(g.table[j].addr, g.cap);
        if (((j - home) & m) >= ((j - hole) & m)) {
            g.table[hole] = g.table[j];
            hole = j;
        }
    }
    g.table[hole].addr = 0;
    g.used--;
    return id;
}

/* ---- output ---- */

/* Appends the NUL-terminated s to buf at *n (bounded by cap - 1). */
static void str_add(char *buf, size_t *n, size_t cap, const char *s)
{
    while (*s != '\0' && *n + 1 < cap)
        buf[(*n)++] = *s++;
    buf[*n] = '\0';
}

static void num_add(char *buf, size_t *n, size_t cap, unsigned long x)
{
    char num[24];
    int k = 0;
    do
        num[k++] = (char)('0' + x % 10);
    while ((x /= 10) != 0);
    while (k > 0 && *n + 1 < cap)
        buf[(*n)++] = num[--k];
    buf[*n] = '\0';
}

/* The first NUL-terminated string of a /proc/self file into out (one
   read; a newline ends it too); "" if unreadable. */
static void proc_read(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t r = read(fd, out, cap - 1);
    close(fd);
    out[r > 0 ? r : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

/* The program's name, for file names: /proc/self/comm with anything but
   [A-Za-z0-9._-] turned into '_'. */
static void program_name(char *out, size_t cap)
{
    proc_read("/proc/self/comm", out, cap);
    if (out[0] == '\0')
        str_add(out, &(size_t){0}, cap, "unknown");
    for (char *c = out; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            *c = '_';
}

/* One line of PREFIX.index.tsv: pid, ppid, program, argv[0], file. */
static void index_add(const char *prog, const char *file)
{
    char path[300], line[1024], argv0[256];
    size_t n = 0;
    str_add(path, &n, sizeof path, g.prefix);
    str_add(path, &n, sizeof path, ".index.tsv");
    proc_read("/proc/self/cmdline", argv0, sizeof argv0);
    for (char *c = argv0; *c != '\0'; c++)
        if (*c == '\t')
            *c = ' ';
    n = 0;
    num_add(line, &n, sizeof line, (unsigned long)getpid());
    str_add(line, &n, sizeof line, "\t");
    num_add(line, &n, sizeof line, (unsigned long)getppid());
    str_add(line, &n, sizeof line, "\t");
    str_add(line, &n, sizeof line, prog);
    str_add(line, &n, sizeof line, "\t");
    str_add(line, &n, sizeof line, argv0);
    str_add(line, &n, sizeof line, "\t");
    str_add(line, &n, sizeof line, file);
    str_add(line, &n, sizeof line, "\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        static const char head[] = "pid\tppid\tprogram\targv0\tfile\n";
        ssize_t w = write(fd, head, sizeof head - 1);
        (void)w;
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    if (fd < 0)
        return;
    ssize_t w = write(fd, line, n); /* one write: lines of processes do not mix */
    (void)w;
    close(fd);
}

/* PREFIX.<program>.<pid>.abt (then .<pid>.<n>.abt if taken, after an exec). */
static void out_open(void)
{
    char path[400], prog[64];
    program_name(prog, sizeof prog);
    size_t n = 0;
    str_add(path, &n, sizeof path, g.prefix);
    str_add(path, &n, sizeof path, ".");
    str_add(path, &n, sizeof path, prog);
    str_add(path, &n, sizeof path, ".");
    num_add(path, &n, sizeof path, (unsigned long)getpid());
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        size_t m = n;
        if (attempt > 0) {
            str_add(path, &m, sizeof path, ".");
            num_add(path, &m, sizeof path, attempt);
        }
        str_add(path, &m, sizeof path, ".abt");
        g.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (g.fd >= 0 || errno != EEXIST)
            break;
    }
    if (g.fd < 0) {
        g.state = -1;
        return;
    }
    index_add(prog, path);
    unsigned char h[AB_MT_HEADER_BYTES];
    ab_mt_header_encode(h, (uint32_t)getpid(), (uint32_t)(sizeof(void *) * 8));
    ssize_t w = write(g.fd, h, sizeof h);
    (void)w;
}

static void out_flush(void)
{
    if (g.buf_len == 0)
        return;
    if (g.fd < 0)
        out_open();
    size_t off = 0;
    while (g.fd >= 0 && off < g.buf_len) {
        ssize_t w = write(g.fd, g.buf + off, g.buf_len - off);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
    g.buf_len = 0;
}

/* Under the lock. Only getenv and mmap. */
static void start(void)
{
    g.state = -1;
    g.fd = -1;
    const char *p = getenv("AB_MTRACE");
    if (p == NULL || *p == '\0' || strlen(p) >= sizeof g.prefix)
        return;
    strcpy(g.prefix, p);
    g.cap = (size_t)1 << 16;
    g.table = table_new(g.cap);
    if (g.table == NULL)
        return;
    g.next_id = 1;
    g.state = 1;
}

/* Takes the lock; returns whether calls are recorded. */
static bool enter(void)
{
    lock_take();
    if (g.state == 0)
        start();
    return g.state == 1;
}

static void record(uint8_t op, const void *result, bool failed, uint32_t arg, uint64_t size)
{
    if (t_thread < 0)
        t_thread = (int)(g.nthreads < 65535 ? g.nthreads++ : 65535);
    ab_mt_record r = {op, failed ? AB_MT_FLAG_FAILED : 0, (uint16_t)t_thread, 0, arg, size};
    if (result != NULL && g.next_id != UINT32_MAX) {
        r.id = g.next_id++;
        table_put((uintptr_t)result, r.id);
    }
    if (g.buf_len + AB_MT_RECORD_BYTES > sizeof g.buf)
        out_flush();
    ab_mt_record_encode(g.buf + g.buf_len, &r);
    g.buf_len += AB_MT_RECORD_BYTES;
    if (g.final)
        out_flush();
}

static uint32_t log2_of(size_t a)
{
    uint32_t k = 0;
    while (((size_t)1 << k) < a && k < 63)
        k++;
    return k;
}

EXPORT void *malloc(size_t size)
{
    bool on = enter();
    void *p = __libc_malloc(size);
    if (on)
        record(AB_MT_MALLOC, p, p == NULL, 0, size);
    lock_give();
    return p;
}

EXPORT void free(void *ptr)
{
    if (ptr == NULL)
        return;
    bool on = enter();
    if (on) {
        ab_mt_record r = {AB_MT_FREE, 0, 0, table_take((uintptr_t)ptr), 0, 0};
        if (t_thread < 0)
            t_thread = (int)(g.nthreads < 65535 ? g.nthreads++ : 65535);
        r.thread = (uint16_t)t_thread;
        if (g.buf_len + AB_MT_RECORD_BYTES > sizeof g.buf)
            out_flush();
        ab_mt_record_encode(g.buf + g.buf_len, &r);
        g.buf_len += AB_MT_RECORD_BYTES;
        if (g.final)
            out_flush();
    }
    __libc_free(ptr);
    lock_give();
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
    bool on = enter();
    void *p = __libc_calloc(nmemb, size);
    size_t bytes;
    uint64_t total = __builtin_mul_overflow(nmemb, size, &bytes) ? UINT64_MAX : bytes;
    if (on)
        record(AB_MT_CALLOC, p, p == NULL, 0, total);
    lock_give();
    return p;
}

EXPORT void *realloc(void *ptr, size_t size)
{
    bool on = enter();
    void *p = __libc_realloc(ptr, size);
    if (on) {
        /* realloc(p, 0) frees p and gives NULL: not a failure. A failed
         * realloc leaves the old block (and its id) alive. */
        bool failed = p == NULL && size != 0;
        uint32_t old = 0;
        if (ptr != NULL && !failed)
            old = table_take((uintptr_t)ptr);
        else if (ptr != NULL) {
            old = table_take((uintptr_t)ptr);
            table_put((uintptr_t)ptr, old);
        }
        record(AB_MT_REALLOC, p, failed, old, size);
    }
    lock_give();
    return p;
}

EXPORT void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(nmemb, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, bytes);
}

static void *aligned(size_t align, size_t size)
{
    bool on = enter();
    void *p = __libc_memalign(align, size);
    if (on)
        record(AB_MT_MEMALIGN, p, p == NULL, log2_of(align), size);
    lock_give();
    return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    void *p = aligned(align, size);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t size) { return aligned(align, size); }
EXPORT void *memalign(size_t align, size_t size) { return aligned(align, size); }
EXPORT void *valloc(size_t size) { return aligned((size_t)sysconf(_SC_PAGESIZE), size); }

EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return aligned(page, (size + page - 1) & ~(page - 1));
}

/* ---- fork and exit ---- */

static void fork_prepare(void)
{
    lock_take();
    if (g.state == 1)
        out_flush();
}

static void fork_parent(void) { lock_give(); }

static void fork_child(void)
{
    if (g.state == 1) {
        if (g.fd >= 0)
            close(g.fd);
        g.fd = -1; /* the child's records go to its own file */
        g.buf_len = 0;
        g.nthreads = 1;
        t_thread = 0;
    }
    lock_give();
}

__attribute__((constructor)) static void mtrace_init(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((destructor)) static void mtrace_fini(void)
{
    lock_take();
    if (g.state == 1) {
        out_flush();
        /* Later destructors and atexit handlers may still allocate. */
        g.final = 1;
    }
    lock_give();
}
