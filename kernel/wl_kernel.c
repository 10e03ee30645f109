/*
 * The kernel-only workloads:
 *   boot    nothing: boot, check() both instances, pass
 *   map     per page: VMM reserve 1 + PMM frame + PTE + invlpg, timed
 *           together (map_page), then unmap + PMM free + VMM release
 *           (unmap_page); per range of `range` pages the same, timed per
 *           range (map_rangeN, unmap_rangeN). Each runs twice: per-op
 *           samples, then whole-phase batch timing.
 *   fault   reserve `pages` pages as a demand region and touch each once:
 *           per-op cycles of a first touch, fault handler included
 *           (fault), then whole-phase batch timing of a second pass; the
 *           unmap of the faulted pages as batch only (unmap_faulted)
 *   crash   writes to an unreserved window page: must panic
 *   triple  loads an empty IDT and traps: a triple fault, QEMU resets
 *   hang    spins with interrupts off: the host's timeout must catch it
 */
#include <stdbool.h>

#include "idt.h"
#include "klibc.h"
#include "kprintf.h"
#include "paging.h"
#include "panic.h"
#include "report.h"
#include "hist.h"
#include "vmm.h"
#include "kworkload.h"

static int boot_run(kctx *ctx)
{
    (void)ctx;
    return 0;
}

const kworkload kwl_boot = {"boot", "boot and check only", NULL, boot_run, 0};

/* Addresses, 4 bytes per page. */
static size_t pages_scratch(const kconfig *cfg, uint64_t usable_pages)
{
    (void)usable_pages;
    return (size_t)cfg->pages * 4u;
}

static int fail_status(const char *what, ab_status s)
{
    kprintf("@@AB-ERROR: %s: %s\n", what, ab_status_name(s));
    return -1;
}

static ab_hist hist; /* 17 KiB: one at a time, not on the stack */

/* Reserve + map n ranges of npages each into vas[]; per-op samples into
 * hist when timed, else whole-phase cycles into *batch. */
static ab_status ranges_map(const kctx *ctx, uint32_t *vas, uint32_t n, uint32_t npages,
                            bool timed, uint64_t *batch)
{
    uint64_t b0 = ab_tsc_read();
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t0 = timed ? ab_tsc_read() : 0;
        ab_status s = vmm_reserve(npages, &vas[i]);
        if (s == AB_OK && (s = vmm_map(vas[i], npages)) != AB_OK)
            vmm_release(vas[i], npages);
        if (timed)
            ab_hist_add(&hist, ab_timer_delta(&ctx->timer, t0, ab_tsc_read()));
        if (s != AB_OK)
            return s;
    }
    *batch = ab_tsc_read() - b0;
    return AB_OK;
}

static void ranges_unmap(const kctx *ctx, const uint32_t *vas, uint32_t n, uint32_t npages,
                         bool timed, uint64_t *batch)
{
    uint64_t b0 = ab_tsc_read();
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t0 = timed ? ab_tsc_read() : 0;
        uint32_t mapped = vmm_unmap(vas[i], npages);
        vmm_release(vas[i], npages);
        if (timed)
            ab_hist_add(&hist, ab_timer_delta(&ctx->timer, t0, ab_tsc_read()));
        if (mapped != npages)
            panic("map: range at 0x%08x had %u of %u pages mapped", vas[i], mapped, npages);
    }
    *batch = ab_tsc_read() - b0;
}

/*
 * One map/unmap measurement for ranges of npages: pass 1 times each
 * operation, pass 2 only the whole phase (the batch columns).
 */
static int map_measure(kctx *ctx, uint32_t n, uint32_t npages, const char *map_op,
                       const char *unmap_op)
{
    uint32_t *vas = ctx->mem->scratch;
    uint64_t batch_map = 0, batch_unmap = 0, ignored;
    static ab_hist map_hist;
    ab_status s;

    ab_hist_clear(&hist);
    if ((s = ranges_map(ctx, vas, n, npages, true, &ignored)) != AB_OK)
        return fail_status(map_op, s);
    map_hist = hist;
    for (uint32_t i = 0; i < n; i++) /* the mappings work */
        *(volatile uint32_t *)(uintptr_t)vas[i] = i;
    for (uint32_t i = 0; i < n; i++)
        if (*(volatile uint32_t *)(uintptr_t)vas[i] != i)
            panic("map: page at 0x%08x lost its contents", vas[i]);
    ab_hist_clear(&hist);
    ranges_unmap(ctx, vas, n, npages, true, &ignored);

    if ((s = ranges_map(ctx, vas, n, npages, false, &batch_map)) != AB_OK)
        return fail_status(map_op, s);
    ranges_unmap(ctx, vas, n, npages, false, &batch_unmap);
    report_kernel_op(ctx, map_op, &map_hist, batch_map, n);
    report_kernel_op(ctx, unmap_op, &hist, batch_unmap, n);
    return 0;
}

static int map_run(kctx *ctx)
{
    uint32_t npages = (uint32_t)ctx->cfg->pages;
    uint32_t range = (uint32_t)ctx->cfg->range_pages;
    if (map_measure(ctx, npages, 1, "map_page", "unmap_page") != 0)
        return -1;
    uint32_t nranges = npages / range ? npages / range : 1;
    char map_op[32], unmap_op[32];
    ksnprintf(map_op, sizeof map_op, "map_range%u", range);
    ksnprintf(unmap_op, sizeof unmap_op, "unmap_range%u", range);
    return map_measure(ctx, nranges, range, map_op, unmap_op);
}

const kworkload kwl_map = {"map", "VMM range + PMM frames + PTE + invlpg, per page and per range",
                           pages_scratch, map_run, 0};

/*
 * Reserve npages as demand regions (several when the VMM strategy's
 * max_npages is smaller, as hier2m's 512) and touch each page once.
 */
static int fault_pass(kctx *ctx, uint32_t npages, bool timed, uint64_t *batch_fault,
                      uint64_t *batch_unmap)
{
    uint64_t max = vmm_strategy()->max_npages;
    uint32_t chunk = max != 0 && max < npages ? (uint32_t)max : npages;
    uint32_t nregions = (npages + chunk - 1) / chunk;
    uint32_t *vas = ctx->mem->scratch;
    if (nregions > VMM_MAX_DEMAND)
        return fail_status("fault: too many demand regions for pages=", AB_ENOTSUP);
    for (uint32_t r = 0; r < nregions; r++) {
        uint32_t n = r + 1 < nregions ? chunk : npages - r * chunk;
        ab_status s = vmm_reserve(n, &vas[r]);
        if (s != AB_OK)
            return fail_status("fault: reserve", s);
        if ((s = vmm_demand_add(vas[r], n)) != AB_OK)
            return fail_status("fault: demand region", s);
    }
    uint64_t faults0 = vmm_faults();
    ab_hist_clear(&hist);
    uint64_t b0 = ab_tsc_read();
    for (uint32_t i = 0; i < npages; i++) {
        uint32_t va = vas[i / chunk] + ((i % chunk) << 12);
        volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)va;
        uint64_t t0 = timed ? ab_tsc_read() : 0;
        *p = i;
        if (timed)
            ab_hist_add(&hist, ab_timer_delta(&ctx->timer, t0, ab_tsc_read()));
    }
    *batch_fault = ab_tsc_read() - b0;
    if (vmm_faults() - faults0 != npages)
        panic("fault: %llu faults for %u pages",
              (unsigned long long)(vmm_faults() - faults0), npages);
    for (uint32_t i = 0; i < npages; i++)
        if (*(volatile uint32_t *)(uintptr_t)(vas[i / chunk] + ((i % chunk) << 12)) != i)
            panic("fault: page %u lost its contents", i);
    uint32_t mapped = 0;
    b0 = ab_tsc_read();
    for (uint32_t r = 0; r < nregions; r++)
        mapped += vmm_unmap(vas[r], r + 1 < nregions ? chunk : npages - r * chunk);
    *batch_unmap = ab_tsc_read() - b0;
    if (mapped != npages)
        panic("fault: %u of %u pages were mapped", mapped, npages);
    for (uint32_t r = 0; r < nregions; r++) {
        vmm_demand_remove(vas[r]);
        vmm_release(vas[r], r + 1 < nregions ? chunk : npages - r * chunk);
    }
    return 0;
}

static int fault_run(kctx *ctx)
{
    uint32_t npages = (uint32_t)ctx->cfg->pages;
    uint64_t ignored, batch_fault, batch_unmap;
    static ab_hist fault_hist;
    if (fault_pass(ctx, npages, true, &ignored, &ignored) != 0)
        return -1;
    fault_hist = hist;
    if (fault_pass(ctx, npages, false, &batch_fault, &batch_unmap) != 0)
        return -1;
    report_kernel_op(ctx, "fault", &fault_hist, batch_fault, npages);
    ab_hist_clear(&hist);
    report_kernel_op(ctx, "unmap_faulted", &hist, batch_unmap, npages);
    return 0;
}

const kworkload kwl_fault = {"fault", "demand paging: cycles per first touch", pages_scratch,
                             fault_run, 0};

static int crash_run(kctx *ctx)
{
    /* The last page of the window: never reserved by anything here. */
    uint32_t va = ctx->mem->window_base + ((ctx->mem->window_pages - 1) << 12);
    kprintf("crash: writing to unreserved 0x%08x, expect a panic\n", va);
    *(volatile uint32_t *)(uintptr_t)va = 0xdead;
    kprintf("@@AB-ERROR: crash: the write did not fault\n");
    return -1;
}

const kworkload kwl_crash = {"crash", "page-faults on purpose: must end in a panic", NULL,
                             crash_run, 0};

static int triple_run(kctx *ctx)
{
    (void)ctx;
    kprintf("triple: empty IDT, then int3: expect a triple fault\n");
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } none = {0, 0};
    __asm__ volatile("lidt %0\n\tint3" ::"m"(none));
    return -1;
}

const kworkload kwl_triple = {"triple", "triple-faults on purpose: QEMU resets", NULL,
                              triple_run, 0};

static int hang_run(kctx *ctx)
{
    (void)ctx;
    kprintf("hang: spinning forever, expect the host to time out\n");
    for (;;)
        __asm__ volatile("cli; hlt");
    return -1;
}

const kworkload kwl_hang = {"hang", "hangs on purpose: the host's timeout must catch it", NULL,
                            hang_run, 0};
