/* allocbench: simulated layouts. See layout.h. */
#include "layout.h"

size_t ab_layout_pmm(uint64_t mem_bytes, ab_span out[4])
{
    uint64_t pages = mem_bytes >> AB_PAGE_SHIFT;
    const uint64_t low_first = 1, low_end = 160; /* 4 KiB .. 640 KiB */
    const uint64_t mid_first = 256;              /* 1 MiB */
    size_t n = 0;
    if (pages <= (low_end - low_first) + 512u) {
        /* Too small for a PC shape: one window above 1 MiB. */
        out[0].first_page = mid_first;
        out[0].npages = pages;
        return 1;
    }
    out[n].first_page = low_first;
    out[n].npages = low_end - low_first;
    pages -= out[n++].npages;
    uint64_t hole_first, hole_pages;
    if (mem_bytes > (3ull << 30)) {
        hole_first = (3ull << 30) >> AB_PAGE_SHIFT;
        hole_pages = (1ull << 30) >> AB_PAGE_SHIFT;
    } else {
        hole_first = (mid_first + pages * 3u / 4u) & ~(uint64_t)(AB_PAGES_2M - 1u);
        hole_pages = ((pages / 16u) + AB_PAGES_2M - 1u) & ~(uint64_t)(AB_PAGES_2M - 1u);
        if (hole_first <= mid_first)
            hole_first = mid_first + pages / 2u;
    }
    uint64_t below = hole_first - mid_first;
    if (below > pages)
        below = pages;
    out[n].first_page = mid_first;
    out[n++].npages = below;
    pages -= below;
    if (pages > 0) {
        out[n].first_page = hole_first + hole_pages;
        out[n++].npages = pages;
    }
    return n;
}

size_t ab_layout_vmm(uint64_t mem_bytes, ab_span out[1])
{
    out[0].first_page = (1ull << 30) >> AB_PAGE_SHIFT;
    out[0].npages = mem_bytes >> AB_PAGE_SHIFT;
    return 1;
}
