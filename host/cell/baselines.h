/*
 * allocbench host: the baselines (general-purpose mallocs serving 4 KiB
 * pages through the strategy interface) and the host registry, which is the
 * freestanding registry (include/allocbench/registry.h) plus the baselines.
 *
 *   jemalloc  mallocx(n * 4096, MALLOCX_LG_ALIGN(log2(align * 4096))) and
 *             dallocx, from libjemalloc.so.2 loaded with dlopen(RTLD_LOCAL)
 *             on the first init(): allocbench is never linked against
 *             jemalloc, so its own malloc stays glibc's.
 *   glibc     aligned_alloc(align * 4096, n * 4096) and free (posix_memalign
 *             when n is not a multiple of align, which C11's aligned_alloc
 *             does not allow; glibc serves both the same way).
 *
 * Both carry AB_CAP_HOSTONLY and are never in ab_registry(). Unlike the
 * strategies they hand out real memory (addresses are the pointers), so
 * they are limited to HOST_BASELINE_MAX_BYTES of managed memory, and the
 * matrix runs them up to HOST_BASELINE_MATRIX_MAX_BYTES only.
 *
 * What a baseline honours of the interface: statuses (an unknown address is
 * EDOUBLE, a known one freed with the wrong length is ESIZE), a capacity of
 * total_pages (ENOMEM beyond it), stats() total_pages and free_pages. Its
 * walk_free() reports no runs (a malloc has no address-ordered free runs),
 * so stats().largest_free_run and free_runs are 0 and the fragmentation
 * columns are empty for baselines. check() verifies its tracking table.
 */
#ifndef ALLOCBENCH_HOST_BASELINES_H
#define ALLOCBENCH_HOST_BASELINES_H

#include <stddef.h>
#include <stdint.h>

#include "allocbench/strategy.h"

/* Largest managed memory a baseline accepts (meta_bytes() is 0 above). */
#define HOST_BASELINE_MAX_BYTES ((uint64_t)4 << 30)
/* Largest memory size the matrix runs baselines at: <= 1 GiB live at once. */
#define HOST_BASELINE_MATRIX_MAX_BYTES ((uint64_t)1 << 30)

extern const ab_strategy host_baseline_jemalloc;
extern const ab_strategy host_baseline_glibc;

/* Every core strategy (ab_registry order), then the baselines, then null
   (the harness floor, core/null_strategy.h). */
const ab_strategy *const *host_registry(size_t *count);
/* The host-registry strategy with this name, or NULL. */
const ab_strategy *host_find(const char *name);

/*
 * Why st cannot run over total_pages pages here, or NULL if it can: a core
 * strategy always can; a baseline cannot above HOST_BASELINE_MAX_BYTES, and
 * jemalloc cannot when libjemalloc.so.2 does not load (the dlerror() text).
 * Loads jemalloc on first use.
 */
const char *host_baseline_skip(const ab_strategy *st, uint64_t total_pages);

/*
 * Debian's libjemalloc.so.2 uses initial-exec TLS (2.6 KiB, flag STATIC_TLS)
 * and glibc keeps only 512 bytes of static TLS for libraries dlopen'ed
 * later, so the dlopen fails unless the process started with the tunable
 * glibc.rtld.optional_static_tls raised. Call this first thing in main():
 * unless GLIBC_TUNABLES already sets it, it adds
 * glibc.rtld.optional_static_tls=16384 and re-executes /proc/self/exe with
 * the same argv, once. It changes no allocator. Returns only if the tunable
 * was already there or the exec failed (then jemalloc's cells are skipped).
 */
void host_baseline_reexec(char **argv);

/*
 * jemalloc's mallocx and dallocx from the same RTLD_LOCAL load the baseline
 * uses (never the tool's malloc). 0, or -1 with *why saying why not.
 */
int host_jemalloc_fns(void *(**mx)(size_t, int), void (**dx)(void *, int), const char **why);

/* The file the tool's own malloc() comes from (dladdr), or "?". */
const char *host_malloc_origin(void);

#endif
