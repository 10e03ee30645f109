/* The registry: every strategy is findable and fully described. */
#include <string.h>

#include "strategy_util.h"
#include "testlib.h"

static void test_every_strategy_complete(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    T_EXPECT(n >= 5, "only %zu strategies registered", n);
    for (size_t i = 0; i < n; i++) {
        const ab_strategy *st = all[i];
        T_EXPECT(st->name && st->name[0] && st->summary && strlen(st->summary) > 10,
                 "strategy %zu lacks a name or summary", i);
        T_EXPECT(st->meta_bytes && st->init && st->alloc && st->free && st->stats &&
                     st->walk_free && st->check,
                 "%s lacks an operation", st->name);
        T_EXPECT(ab_registry_find(st->name) == st, "%s not found by name", st->name);
        T_EXPECT(!(st->caps & AB_CAP_HUGE2M) || (st->caps & AB_CAP_CONTIG),
                 "%s: 2 MiB frames without contiguous runs", st->name);
        T_EXPECT(!(st->caps & AB_CAP_HOSTONLY), "%s: a host-only baseline in the core registry",
                 st->name);
        for (size_t j = 0; j < i; j++)
            T_EXPECT(strcmp(all[j]->name, st->name) != 0, "duplicate name %s", st->name);
    }
    T_EXPECT(ab_registry_find("no-such-strategy") == NULL);
}

static void test_floor_and_seeds_present(void)
{
    const char *names[] = {"stack", "bitmap", "buddy", "hier2m", "freelist"};
    for (size_t i = 0; i < 5; i++)
        T_EXPECT(ab_registry_find(names[i]) != NULL, "%s missing", names[i]);
}

int main(void)
{
    T_RUN(test_every_strategy_complete);
    T_RUN(test_floor_and_seeds_present);
    return t_finish();
}
