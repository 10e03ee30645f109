/* core/layout: simulated PMM and VMM layouts. */
#include "core/layout.h"
#include "testlib.h"

static void test_layouts_keep_page_count(void)
{
    const uint64_t sizes[] = {2u << 20, 64u << 20, 1ull << 30, 3ull << 30, 16ull << 30, 64ull << 30};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ab_span s[4];
        size_t n = ab_layout_pmm(sizes[i], s);
        uint64_t pages = 0;
        for (size_t k = 0; k < n; k++)
            pages += s[k].npages;
        T_EXPECT(pages == sizes[i] >> 12, "size %llu", (unsigned long long)sizes[i]);
        T_EXPECT(ab_spans_normalized(s, n), "size %llu", (unsigned long long)sizes[i]);
        n = ab_layout_vmm(sizes[i], s);
        T_EXPECT(n == 1 && s[0].npages == sizes[i] >> 12);
    }
}

int main(void)
{
    T_RUN(test_layouts_keep_page_count);
    return t_finish();
}
