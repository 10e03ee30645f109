/* The registry: every strategy is findable and fully described. */
#include <stdio.h>
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

/*
 * Front ends: every base strategy has lock+ and pcp+ combinations, whose caps
 * (repeated in strategies/strategies.def) are the inner's | THREADSAFE and
 * whose max_npages is the inner's; base strategies come first, then every
 * lock+, then every pcp+.
 */
static void test_frontend_combinations(void)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    const char *fronts[] = {"lock+", "pcp+"};
    size_t nbase = 0;
    while (nbase < n && strchr(all[nbase]->name, '+') == NULL)
        nbase++;
    T_EXPECT(nbase >= 5 && n == 3 * nbase, "%zu strategies, %zu of them base: want 3 x base", n,
             nbase);
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < nbase; i++) {
            const ab_strategy *inner = all[i];
            char name[64];
            snprintf(name, sizeof name, "%s%s", fronts[f], inner->name);
            const ab_strategy *st = ab_registry_find(name);
            T_EXPECT(st != NULL, "%s missing (is %s in strategies/strategies.def?)", name,
                     inner->name);
            if (st == NULL)
                continue;
            T_EXPECT(nbase + f * nbase + i < n && all[nbase + f * nbase + i] == st,
                     "%s out of order: base, lock+*, pcp+*", name);
            T_EXPECT(st->caps == (inner->caps | AB_CAP_THREADSAFE),
                     "%s: caps 0x%x, want the inner's 0x%x | THREADSAFE (strategies.def)", name,
                     st->caps, inner->caps);
            T_EXPECT(st->max_npages == inner->max_npages,
                     "%s: max_npages differs from the inner's (strategies.def)", name);
            const ab_span spans[] = {{16, 100}, {1000, 37}};
            size_t in = inner->meta_bytes(spans, 2), out = st->meta_bytes(spans, 2);
            T_EXPECT(in > 0 && out >= in + AB_META_ALIGN,
                     "%s: meta_bytes %zu must hold the inner's %zu and a header", name, out, in);
        }
    T_EXPECT(ab_registry_find("lock+pcp+buddy") == NULL, "front ends do not stack");
}

/* Each strategies.def line repeats its strategy's caps and max_npages (the
   front ends are built from it): they must agree with the object. */
static void test_def_lines_match_objects(void)
{
    static const struct {
        const char *name;
        uint32_t caps;
        uint64_t max;
    } lines[] = {
#define AB_STRATEGY(name, caps, max) {#name, caps, max},
#include "strategies.def"
#undef AB_STRATEGY
    };
    size_t n;
    ab_registry(&n);
    T_EXPECT(n == 3 * (sizeof lines / sizeof lines[0]), "%zu registered, %zu lines", n,
             sizeof lines / sizeof lines[0]);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const ab_strategy *st = ab_registry_find(lines[i].name);
        T_EXPECT(st != NULL, "%s missing", lines[i].name);
        if (st == NULL)
            continue;
        T_EXPECT(st->caps == lines[i].caps, "%s: caps 0x%x in the object, 0x%x in strategies.def",
                 lines[i].name, st->caps, lines[i].caps);
        T_EXPECT(st->max_npages == lines[i].max, "%s: max_npages differs from strategies.def",
                 lines[i].name);
    }
}

int main(void)
{
    T_RUN(test_def_lines_match_objects);
    T_RUN(test_every_strategy_complete);
    T_RUN(test_floor_and_seeds_present);
    T_RUN(test_frontend_combinations);
    return t_finish();
}
