/*
 * The core workloads (core/workload.h) in the kernel: the same
 * code as on the host, run on the PMM instance (role=pmm, the default) or
 * on the VMM window instance (role=vmm). Strategies never touch the memory
 * they manage, so this is safe while the kernel runs on that memory.
 * Fragmentation samples go out as frag rows as the workload takes them.
 */
#include "kprintf.h"
#include "pmm.h"
#include "report.h"
#include "vmm.h"
#include "kworkload.h"

/* The kernel's default: fewer steady-state ops than the host's 10^6, since
 * icount QEMU runs some 10^8 instructions a second. */
#define KCORE_DEFAULT_OPS 100000u
#define KCORE_FRAG_EVERY 10000u

static ab_wl_params core_params(const kctx *ctx, ab_workload_kind kind)
{
    const kconfig *cfg = ctx != NULL ? ctx->cfg : NULL;
    return (ab_wl_params){
        .kind = kind,
        .seed = cfg ? cfg->seed : 0,
        .fill_pm = cfg ? cfg->fill_pm : 0,
        .ops = cfg && cfg->ops ? cfg->ops : KCORE_DEFAULT_OPS,
        .frag_every = KCORE_FRAG_EVERY,
        .frag_fn = report_frag_fn,
        .frag_ctx = (void *)ctx,
        .timer = ctx ? &ctx->timer : NULL,
    };
}

/* True iff name is a core workload this bridge runs (not trace:
 * wl_trace.c reads it from the multiboot module). */
int kcore_accepts(const char *name)
{
    ab_workload_kind k = ab_workload_parse(name);
    return k != AB_WL_COUNT && k != AB_WL_TRACE;
}

static size_t core_scratch(const kconfig *cfg, uint64_t usable_pages)
{
    kconfig copy = *cfg;
    kctx tmp = {.cfg = &copy};
    ab_wl_params p = core_params(&tmp, ab_workload_parse(cfg->workload));
    /* The window may be larger than RAM in role=vmm. */
    uint64_t pages = usable_pages;
    if (cfg->window_bytes >> 12 > pages)
        pages = cfg->window_bytes >> 12;
    return ab_workload_scratch_bytes(&p, pages);
}

static int core_run(kctx *ctx)
{
    static ab_wl_result r; /* ~90 KiB */
    bool vmm_role = ctx->cfg->role[0] == 'v';
    const ab_strategy *st = vmm_role ? vmm_strategy() : pmm_strategy();
    void *self = vmm_role ? vmm_instance() : pmm_instance();
    ab_wl_params p = core_params(ctx, ab_workload_parse(ctx->cfg->workload));
    ab_wl_outcome oc = ab_workload_run(st, self, &p, ctx->mem->scratch,
                                       ctx->mem->scratch_bytes, &r);
    report_result(ctx, ctx->cfg->role, &r);
    if (oc == AB_WL_ERROR || oc == AB_WL_TIMEOUT) {
        kprintf("@@AB-ERROR: %s on %s: %s\n", ctx->cfg->workload, st->name, r.msg);
        return -1;
    }
    if (oc == AB_WL_SKIPPED)
        kprintf("%s: skipped for %s (%s)\n", ctx->cfg->workload, st->name, r.msg);
    return 0;
}

const kworkload kwl_core = {"(core)",
                            "bulk repeat rand churn sizes huge adversary fix_size full_fit "
                            "long_busy_list random_size fix_align random_size_align align_shift",
                            core_scratch, core_run, KWL_SELF_FRAG};
