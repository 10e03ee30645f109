/*
 * kmain: from the multiboot loader to an exit status.
 *
 *   serial, GDT/IDT -> command line -> memory map, multiboot module ->
 *   bump-placed metadata -> paging, PMM, VMM, kmalloc -> TSC against the
 *   PIT -> workload between the output markers -> check() the heap, fini
 *   it, check() both instances -> PASS or FAIL.
 */
#include <stdbool.h>
#include <stdint.h>

#include "allocbench/registry.h"
#include "cmdline.h"
#include "allocbench/heap.h"
#include "idt.h"
#include "kheap.h"
#include "klibc.h"
#include "kmem.h"
#include "kprintf.h"
#include "memmap.h"
#include "multiboot.h"
#include "out.h"
#include "paging.h"
#include "panic.h"
#include "pit.h"
#include "pmm.h"
#include "report.h"
#include "serial.h"
#include "vmm.h"
#include "kworkload.h"
#include "workload.h"

void kmain(uint32_t magic, uint32_t mbi_addr);

static char cmdline[CMDLINE_MAX];
static kconfig cfg;
static ab_region regions[KMEM_MAX_REGIONS];
static kmem_layout layout;
static kctx ctx;

/* What the command line picked. */
typedef struct kpicks {
    const ab_strategy *pmm, *vmm;
    const ab_heap *heap;
    const kworkload *wl;
} kpicks;

static void strategies_list(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (size_t i = 0; i < n; i++)
        kprintf("  %-10s %s%s\n", all[i]->name, all[i]->summary,
                (all[i]->caps & AB_CAP_CONTIG) ? "" : " (no VMM role: single pages)");
}

static _Noreturn void fail_usage(const char *what)
{
    if (what != NULL)
        kprintf("%s", what);
    kprintf("strategies:\n");
    strategies_list();
    kprintf("heaps (heap=):\n");
    size_t nh;
    const ab_heap *const *heaps = ab_heap_registry(&nh);
    for (size_t i = 0; i < nh; i++)
        kprintf("  %-10s %s\n", heaps[i]->name, heaps[i]->summary);
    kprintf("workloads:\n");
    workload_list();
    kexit(KEXIT_FAIL);
}

/* The VMM: the named one, or the PMM's if it serves ranges, or the first
 * registered one that does. */
static const ab_strategy *vmm_pick(const kconfig *cfg, const ab_strategy *pmm)
{
    if (cfg->vmm != NULL) {
        const ab_strategy *v = ab_registry_find(cfg->vmm);
        if (v == NULL) {
            kprintf("@@AB-ERROR: cmdline: vmm=%s: no such strategy\n", cfg->vmm);
            fail_usage(NULL);
        }
        if (!(v->caps & AB_CAP_CONTIG)) {
            kprintf("@@AB-ERROR: cmdline: vmm=%s: cannot serve page ranges\n", cfg->vmm);
            fail_usage(NULL);
        }
        return v;
    }
    if (pmm->caps & AB_CAP_CONTIG)
        return pmm;
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (size_t i = 0; i < n; i++)
        if ((all[i]->caps & AB_CAP_CONTIG) && !(all[i]->caps & AB_CAP_HOSTONLY))
            return all[i];
    kprintf("@@AB-ERROR: no registered strategy can serve the VMM role\n");
    kexit(KEXIT_FAIL);
}

/*
 * The first multiboot module, checked against the memory map: every byte in
 * usable RAM below 4 GiB. Returns false (nothing found) or exits with the
 * fail status if the loader's numbers make no sense.
 */
static bool module_find(const mb_info *mbi, const ab_region *map, size_t nmap, uint32_t *start,
                        uint32_t *end)
{
    if (!(mbi->flags & MB_INFO_MODS) || mbi->mods_count == 0)
        return false;
    const mb_module *m = (const mb_module *)(uintptr_t)mbi->mods_addr;
    if (mbi->mods_count > 1)
        kprintf("module: %u modules given, using the first\n", mbi->mods_count);
    if (m->mod_end < m->mod_start) {
        kprintf("@@AB-ERROR: module: end 0x%08x is below its start 0x%08x\n", m->mod_end,
                m->mod_start);
        kexit(KEXIT_FAIL);
    }
    bool inside = m->mod_end == m->mod_start;
    for (size_t i = 0; i < nmap && !inside; i++)
        inside = map[i].type == AB_MEM_USABLE && map[i].base <= m->mod_start &&
                 m->mod_end <= map[i].base + map[i].length;
    if (!inside || m->mod_start < 0x1000) {
        kprintf("@@AB-ERROR: module: 0x%08x..0x%08x is not inside usable memory\n",
                m->mod_start, m->mod_end);
        kexit(KEXIT_FAIL);
    }
    *start = m->mod_start;
    *end = m->mod_end;
    return true;
}

static uint64_t free_pages(const ab_strategy *st, void *self)
{
    ab_stats s;
    st->stats(self, &s);
    return s.free_pages;
}

/* The loader's command line into cmdline; exits if it does not fit. */
static void cmdline_copy(const mb_info *mbi)
{
    if (mbi->flags & MB_INFO_CMDLINE) {
        const char *src = (const char *)(uintptr_t)mbi->cmdline;
        size_t n = 0;
        while (src[n] != '\0' && n + 1 < sizeof cmdline) {
            cmdline[n] = src[n];
            n++;
        }
        if (src[n] != '\0') {
            kprintf("@@AB-ERROR: cmdline: longer than %u bytes\n", CMDLINE_MAX - 1);
            kexit(KEXIT_FAIL);
        }
    }
    kprintf("cmdline: %s\n", cmdline);
}

/* Parses cmdline into cfg and finds what it names; exits with the usage
 * on a bad one. */
static void config_pick(kpicks *k)
{
    if (cmdline_parse(cmdline, &cfg) != 0)
        fail_usage("usage: pmm=S [vmm=S] workload=W [seed=N] [mode=M] [mem=SIZE] "
                   "[mem-limit=SIZE] [window=SIZE] [pages=N] [range=N] [fill=PCT] [ops=N] "
                   "[heap=H] [live=N]\n");
    k->pmm = ab_registry_find(cfg.pmm);
    if (k->pmm == NULL) {
        kprintf("@@AB-ERROR: cmdline: pmm=%s: no such strategy\n", cfg.pmm);
        fail_usage(NULL);
    }
    k->vmm = vmm_pick(&cfg, k->pmm);
    k->heap = ab_heap_find(cfg.heap);
    if (k->heap == NULL) {
        kprintf("@@AB-ERROR: cmdline: heap=%s: no such heap\n", cfg.heap);
        fail_usage(NULL);
    }
    k->wl = workload_find(cfg.workload);
    if (k->wl == NULL) {
        kprintf("@@AB-ERROR: cmdline: workload=%s: no such workload\n", cfg.workload);
        fail_usage(NULL);
    }
    if (cfg.window_bytes >> 12 < cfg.pages + 1) {
        kprintf("@@AB-ERROR: cmdline: pages=%llu does not fit in window=%lluK\n",
                (unsigned long long)cfg.pages, (unsigned long long)(cfg.window_bytes >> 10));
        kexit(KEXIT_FAIL);
    }
}

/* The memory map, the module, then the PMM, VMM and kmalloc instances
 * (kmem_init, kheap_init), each announced. */
static void memory_init(const mb_info *mbi, const kpicks *k)
{
    size_t nregions = kmem_read_map(mbi, regions, KMEM_MAX_REGIONS);
    if (nregions == 0)
        kexit(KEXIT_FAIL);
    uint64_t usable = 0;
    for (size_t i = 0; i < nregions; i++) {
        kprintf("map: 0x%010llx..0x%010llx %s\n", (unsigned long long)regions[i].base,
                (unsigned long long)(regions[i].base + regions[i].length),
                regions[i].type == AB_MEM_USABLE ? "usable" : "reserved");
        if (regions[i].type == AB_MEM_USABLE)
            usable += regions[i].length >> 12;
    }
    /* The module (a trace) stays where the loader put it; paging is still
     * off, so its physical address is its address, and kmem_init keeps it
     * identity-mapped and out of the PMM. */
    uint32_t mod_start = 0, mod_end = 0;
    if (module_find(mbi, regions, nregions, &mod_start, &mod_end)) {
        cfg.module = (const unsigned char *)(uintptr_t)mod_start;
        cfg.module_len = mod_end - mod_start;
        kprintf("module: 0x%08x..0x%08x (%u bytes)\n", mod_start, mod_end, cfg.module_len);
    }
    size_t scratch = k->wl->scratch_bytes ? k->wl->scratch_bytes(&cfg, usable) : 0;
    ab_page_provider pp;
    kheap_provider(KWIN_BASE, (uint32_t)(cfg.window_bytes >> 12), &pp);
    size_t heap_meta = k->heap->meta_bytes(&pp);
    if (heap_meta == 0)
        panic("boot: heap %s cannot cover the window", k->heap->name);
    kmem_init(regions, nregions, k->pmm, k->vmm, cfg.mem_limit_bytes, cfg.window_bytes, scratch,
              heap_meta, mod_start, mod_end, &layout);
    kheap_init(k->heap, layout.heap_meta, layout.heap_meta_bytes, &pp);
    idt_set_page_fault_hook(vmm_page_fault);
    kprintf("kernel 0x%08x..0x%08x, metadata to 0x%08x, identity map to 0x%08x\n",
            layout.kernel_start, layout.kernel_end, layout.bump_end, layout.identity_end);
    kprintf("pmm %s: %llu pages in %u spans, %u metadata bytes\n", k->pmm->name,
            (unsigned long long)layout.managed_pages, (unsigned)layout.nspans,
            (unsigned)layout.pmm_meta_bytes);
    kprintf("vmm %s: window 0x%08x + %u pages, %u metadata bytes\n", k->vmm->name,
            layout.window_base, layout.window_pages, (unsigned)layout.vmm_meta_bytes);
    kprintf("kmalloc %s: over the window, %u instance bytes\n", k->heap->name,
            (unsigned)layout.heap_meta_bytes);
}

/* ctx: the environment and the strategy label the rows carry. */
static void ctx_label(const kpicks *k)
{
    ctx.cfg = &cfg;
    ctx.mem = &layout;
    ksnprintf(ctx.env, sizeof ctx.env, "kernel-%s", cfg.mode);
    /* A core workload drives one instance (the PMM, or the VMM in the
       vmm role): its rows carry that strategy's name alone, as on the host,
       so host and kernel rows of the same cell line up. */
    char label[48];
    if (ab_workload_parse(cfg.workload) != AB_WL_COUNT)
        ksnprintf(label, sizeof label, "%s",
                  kstreq(cfg.role, "vmm") ? k->vmm->name : k->pmm->name);
    else if (k->pmm == k->vmm)
        ksnprintf(label, sizeof label, "%s", k->pmm->name);
    else
        ksnprintf(label, sizeof label, "%s+%s", k->pmm->name, k->vmm->name);
    if (k->wl->flags & KWL_HEAP)
        ksnprintf(ctx.strategy, sizeof ctx.strategy, "%s@%s", k->heap->name, label);
    else
        ksnprintf(ctx.strategy, sizeof ctx.strategy, "%s", label);
    ctx.mem_bytes = cfg.mem_label_bytes ? cfg.mem_label_bytes : layout.managed_pages << 12;
}

/* The workload between the output markers; returns its status. */
static int workload_run(const kpicks *k)
{
    kprintf("workload %s (seed %llu)\n", k->wl->name, (unsigned long long)cfg.seed);
    out_begin();
    report_headers();
    bool own = !(k->wl->flags & KWL_SELF_FRAG); /* core samples frag itself */
    if (own)
        report_frag(&ctx, k->pmm, pmm_instance(), 0);
    int rc = k->wl->run(&ctx);
    if (own)
        report_frag(&ctx, k->pmm, pmm_instance(), 1);
    out_end();
    return rc;
}

/*
 * check() the heap, fini it, check() both instances and count what leaked
 * since (pfree0, vfree0, tables0) were taken; exits PASS iff the workload
 * (rc) and all of these are clean.
 */
static _Noreturn void verdict(const kpicks *k, int rc, uint64_t pfree0, uint64_t vfree0,
                              uint32_t tables0)
{
    /* kmalloc: check() and live blocks, then every cached page back
     * (fini), so that the PMM and VMM counts below see no heap page. */
    ab_heap_stats hs;
    k->heap->stats(kheap_instance(), &hs);
    size_t hbroken = k->heap->check(kheap_instance());
    uint64_t hleak = hs.live_blocks;
    if (k->wl->flags & KWL_HEAP)
        kprintf("kmalloc %s: peak live %llu B, peak footprint %llu B (%llu pages at the end), "
                "%llu mallocs, %llu frees, %llu failed\n", k->heap->name,
                (unsigned long long)hs.peak_live_bytes,
                (unsigned long long)hs.peak_footprint_bytes, (unsigned long long)kheap_pages(),
                (unsigned long long)hs.mallocs, (unsigned long long)hs.frees,
                (unsigned long long)hs.failed);
    kheap_fini();

    size_t pbroken = k->pmm->check(pmm_instance());
    size_t vbroken = k->vmm->check(vmm_instance());
    uint64_t pleak = pfree0 - free_pages(k->pmm, pmm_instance()) -
                     (paging_table_frames() - tables0);
    uint64_t vleak = vfree0 - free_pages(k->vmm, vmm_instance());
    kprintf("@@AB-CHECK pmm=%s broken=%u leaked=%lld vmm=%s broken=%u leaked=%lld "
            "heap=%s broken=%u leaked=%llu\n",
            k->pmm->name, (unsigned)pbroken, (long long)pleak, k->vmm->name, (unsigned)vbroken,
            (long long)vleak, k->heap->name, (unsigned)hbroken, (unsigned long long)hleak);
    if (rc != 0 || pbroken != 0 || vbroken != 0 || pleak != 0 || vleak != 0 || hbroken != 0 ||
        hleak != 0)
        kexit(KEXIT_FAIL);
    kexit(KEXIT_PASS);
}

void kmain(uint32_t magic, uint32_t mbi_addr)
{
    serial_init();
    idt_init();
    kprintf("\nallocbench kernel (i386, multiboot v1)\n");
    if (magic != MB_BOOT_MAGIC) {
        kprintf("@@AB-ERROR: boot: not loaded by a multiboot loader (eax=0x%08x)\n", magic);
        kexit(KEXIT_FAIL);
    }
    const mb_info *mbi = (const mb_info *)(uintptr_t)mbi_addr;
    cmdline_copy(mbi);
    kpicks k;
    config_pick(&k);
    memory_init(mbi, &k);
    ctx_label(&k);

    pit_init();
    ab_platform plat = {pit_now_ns, NULL};
    if (ab_timer_calibrate(&ctx.timer, &plat, 20000000ull) != 0)
        panic("timer: the PIT did not advance");
    kprintf("tsc: %llu Hz, timer overhead %llu cycles\n", (unsigned long long)ctx.timer.tsc_hz,
            (unsigned long long)ctx.timer.overhead_cycles);

    size_t broken = k.pmm->check(pmm_instance()) + k.vmm->check(vmm_instance());
    if (broken != 0)
        panic("check() after init: %u invariants broken", (unsigned)broken);
    uint64_t pfree0 = free_pages(k.pmm, pmm_instance());
    uint64_t vfree0 = free_pages(k.vmm, vmm_instance());
    uint32_t tables0 = paging_table_frames();
    verdict(&k, workload_run(&k), pfree0, vfree0, tables0);
}
