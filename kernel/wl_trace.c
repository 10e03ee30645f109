/*
 * workload=trace: core's trace replay (workload.h, AB_WL_TRACE) on the
 * PMM instance (role=vmm: the window instance), reading the trace from the
 * multiboot module (QEMU -initrd). The kernel has no file system, so the
 * host converts the text trace (docs/traces.md) into the binary module of
 * ptrace_module.h, whose records are the ab_trace_rec array itself: the
 * replay reads them in place, after the whole module has been checked.
 */
#include <stdbool.h>
#include <stddef.h>

#include "kprintf.h"
#include "panic.h"
#include "pmm.h"
#include "ptrace_module.h"
#include "report.h"
#include "vmm.h"
#include "kworkload.h"

_Static_assert(sizeof(ab_trace_rec) == AB_PT_RECORD_BYTES, "ab_trace_rec is the record");
_Static_assert(offsetof(ab_trace_rec, op) == 0 && offsetof(ab_trace_rec, id) == 4 &&
                   offsetof(ab_trace_rec, npages) == 8 && offsetof(ab_trace_rec, align) == 16,
               "ab_trace_rec's layout is the module's");

/* Checks the module; exits with the fail status if it is missing or bad. */
static ab_pt_header trace_validate(const kconfig *cfg)
{
    if (cfg->module == NULL) {
        kprintf("@@AB-ERROR: module: workload=trace needs a page trace as a multiboot module "
                "(QEMU -initrd FILE; allocbench kernel --workload trace:FILE)\n");
        kexit(KEXIT_FAIL);
    }
    ab_pt_header h;
    uint64_t rec;
    const char *why = ab_pt_validate(cfg->module, cfg->module_len, &h, &rec);
    if (why != NULL) {
        if (cfg->module_len >= AB_PT_HEADER_BYTES && ab_pt_is_module(cfg->module, cfg->module_len))
            kprintf("@@AB-ERROR: module: page trace (%u bytes, header: %llu records, %u ids): "
                    "record %llu: %s\n", cfg->module_len,
                    (unsigned long long)ab_pt_get64(cfg->module + 16),
                    ab_pt_get32(cfg->module + 24), (unsigned long long)rec, why);
        else
            kprintf("@@AB-ERROR: module: page trace (%u bytes): %s\n", cfg->module_len, why);
        kexit(KEXIT_FAIL);
    }
    return h;
}

static ab_wl_params trace_params(const kctx *ctx, const ab_pt_header *h)
{
    uint64_t every = h->records / 32;
    return (ab_wl_params){
        .kind = AB_WL_TRACE,
        .seed = ctx->cfg->seed,
        .frag_every = every > 256 ? every : 256,
        .frag_fn = report_frag_fn,
        .frag_ctx = (void *)ctx,
        .timer = &ctx->timer,
        .trace = (const ab_trace_rec *)(const void *)(ctx->cfg->module + AB_PT_HEADER_BYTES),
        .trace_len = (size_t)h->records,
        .trace_ids = h->ids,
    };
}

static size_t trace_scratch(const kconfig *cfg, uint64_t usable_pages)
{
    ab_pt_header h = trace_validate(cfg);
    ab_wl_params p = {.kind = AB_WL_TRACE, .trace_ids = h.ids};
    size_t bytes = ab_workload_scratch_bytes(&p, 0);
    if ((uint64_t)bytes > (usable_pages << 12) / 4) {
        kprintf("@@AB-ERROR: module: page trace with %u ids needs %u bytes of bookkeeping, "
                "more than a quarter of RAM; give QEMU more memory\n", h.ids, (unsigned)bytes);
        kexit(KEXIT_FAIL);
    }
    return bytes;
}

static int trace_run(kctx *ctx)
{
    static ab_wl_result r; /* ~90 KiB */
    ab_pt_header h = trace_validate(ctx->cfg);
    bool vmm_role = ctx->cfg->role[0] == 'v';
    const ab_strategy *st = vmm_role ? vmm_strategy() : pmm_strategy();
    void *self = vmm_role ? vmm_instance() : pmm_instance();
    ab_wl_params p = trace_params(ctx, &h);
    ab_wl_outcome oc = ab_workload_run(st, self, &p, ctx->mem->scratch, ctx->mem->scratch_bytes,
                                       &r);
    report_result(ctx, ctx->cfg->role, &r);
    if (oc == AB_WL_ERROR || oc == AB_WL_TIMEOUT) {
        kprintf("@@AB-ERROR: trace on %s: %s\n", st->name, r.msg);
        return -1;
    }
    return 0;
}

const kworkload kwl_trace = {"trace", "replays a page trace (multiboot module) on the PMM",
                             trace_scratch, trace_run, KWL_SELF_FRAG};
