/* PMM glue; see pmm.h. */
#include "pmm.h"

#include "panic.h"

static const ab_strategy *pmm_st;
static void *pmm_self;

void pmm_init(const ab_strategy *st, void *meta, size_t meta_len, const ab_span *spans,
              size_t nspans)
{
    ab_status s = st->init(meta, meta_len, spans, nspans);
    if (s != AB_OK)
        panic("pmm_init: %s init failed: %s", st->name, ab_status_name(s));
    pmm_st = st;
    pmm_self = meta;
}

ab_status pmm_alloc_frame(uint32_t *pa)
{
    uint64_t addr;
    ab_status s = pmm_st->alloc(pmm_self, 1, 1, &addr);
    if (s != AB_OK)
        return s;
    if (addr >= 0x100000000ull || (addr & 0xFFF))
        panic("pmm_alloc_frame: %s returned 0x%llx, outside managed memory", pmm_st->name,
              (unsigned long long)addr);
    *pa = (uint32_t)addr;
    return AB_OK;
}

void pmm_free_frame(uint32_t pa)
{
    ab_status s = pmm_st->free(pmm_self, pa, 1);
    if (s != AB_OK)
        panic("pmm_free_frame: %s refused 0x%08x: %s", pmm_st->name, pa, ab_status_name(s));
}

const ab_strategy *pmm_strategy(void) { return pmm_st; }
void *pmm_instance(void) { return pmm_self; }
