/* The registry: a const table built from strategies.def. No mutable state. */
#include "allocbench/registry.h"

#define AB_STRATEGY(name) extern const ab_strategy ab_strategy_##name;
#include "strategies.def"
#undef AB_STRATEGY

static const ab_strategy *const registry[] = {
#define AB_STRATEGY(name) &ab_strategy_##name,
#include "strategies.def"
#undef AB_STRATEGY
};

const ab_strategy *const *ab_registry(size_t *count)
{
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const ab_strategy *ab_registry_find(const char *name)
{
    size_t n;
    const ab_strategy *const *all = ab_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (ab_name_equal(all[i]->name, name))
            return all[i];
    return NULL;
}
