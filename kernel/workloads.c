/* The table of workloads the command line can pick. */
#include "klibc.h"
#include "kprintf.h"
#include "kworkload.h"

static const kworkload *const table[] = {
    &kwl_boot, &kwl_map, &kwl_fault, &kwl_kmalloc, &kwl_trace, &kwl_mtrace,
    &kwl_crash, &kwl_triple, &kwl_hang,
};

const kworkload *workload_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (kstreq(table[i]->name, name))
            return table[i];
    return kcore_accepts(name) ? &kwl_core : NULL;
}

void workload_list(void)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        kprintf("  %-8s %s\n", table[i]->name, table[i]->summary);
}
