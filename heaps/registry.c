/* The heap registry: a const table built from heaps.def. No mutable state. */
#include "allocbench/heap.h"

#define AB_HEAP(name) extern const ab_heap ab_heap_##name;
#include "heaps.def"
#undef AB_HEAP

static const ab_heap *const registry[] = {
#define AB_HEAP(name) &ab_heap_##name,
#include "heaps.def"
#undef AB_HEAP
};

const ab_heap *const *ab_heap_registry(size_t *count)
{
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const ab_heap *ab_heap_find(const char *name)
{
    size_t n;
    const ab_heap *const *all = ab_heap_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (ab_name_equal(all[i]->name, name))
            return all[i];
    return NULL;
}
